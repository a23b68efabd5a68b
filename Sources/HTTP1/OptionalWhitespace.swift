extension StringProtocol {
    /// Drops leading and trailing spaces and tabs (HTTP's optional whitespace, RFC 9110 §5.6.3).
    public func trimmingSpacesAndTabs() -> Substring {
        var result = self[...]
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return Substring(result)
    }
}
