import GridworkStore
import JSON

/// How responses name the region they were answered within.
extension Region {
    /// The `scope` member of `/stats`, `/stats/report` rows and `/stats/timeline`:
    /// `{"kind":"district"}`, `{"kind":"towns","ids":[…]}` or `{"kind":"grids","ids":[…]}`, ids sorted.
    var json: [UInt8] {
        var writer = JSONWriter(capacity: 64)
        switch self {
        case .district:
            writer.raw("{\"kind\":\"district\"}")
            return writer.bytes
        case .towns(let ids):
            writer.raw("{\"kind\":\"towns\",\"ids\":[")
            Self.write(ids, to: &writer)
        case .grids(let ids):
            writer.raw("{\"kind\":\"grids\",\"ids\":[")
            Self.write(ids, to: &writer)
        }
        writer.raw("]}")
        return writer.bytes
    }

    private static func write(_ ids: Set<String>, to writer: inout JSONWriter) {
        for (index, id) in ids.sorted().enumerated() {
            if index > 0 { writer.raw(",") }
            writer.string(id)
        }
    }

    /// `json` in base64url: a name that tells any two regions apart (no hash, so no two share
    /// it), for entity tags and event ids; nil for the district, whose tags carry no region.
    var tag: String? {
        isDistrict ? nil : Cursor.base64(json)
    }

    /// What a cursor keeps of the region its list was answered within: `""` for the district,
    /// else 64-bit FNV-1a of `json` in hex. A cursor only positions a query that is run in the
    /// caller's own region, so a collision could not show anything outside it.
    var fingerprint: String {
        guard !isDistrict else { return "" }
        let hex = String(FNV1a.hash(json), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
