import HTTP1

/// A comma-separated list of values with optional `q` weights, as `Accept` and `Accept-Encoding`
/// carry them (RFC 9110 §12.4.2): `gzip;q=0.8, identity;q=0`.
public enum QualityList {
    /// Each element's value (lowercased, without parameters) and weight (1 when absent, clamped
    /// to 0…1, 0 when unreadable), in the order given. Empty elements are skipped.
    public static func parse(_ header: String) -> [(value: String, quality: Double)] {
        var elements: [(value: String, quality: Double)] = []
        for element in header.split(separator: ",") {
            let parts = element.split(separator: ";")
            guard let value = parts.first?.trimmingSpacesAndTabs().lowercased(), !value.isEmpty else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingSpacesAndTabs().lowercased() == "q" {
                    quality = Double(pair[1].trimmingSpacesAndTabs()).map { min(max($0, 0), 1) } ?? 0
                }
            }
            elements.append((value, quality))
        }
        return elements
    }
}
