import JSON

/// One figure of the report: what it counts, where it is quoted, and the value reported.
public struct Figure: Sendable, Equatable {
    /// `G1` … `E15`.
    public var id: String
    /// `gridService`, `projectSecretaries`, `collectiveEconomy` or `entrepreneurship`.
    public var section: String
    /// The dotted `/stats` key, e.g. `gridService.visits`.
    public var key: String
    /// Chinese label, then English.
    public var label: String
    /// The report's own words.
    public var quote: String
    /// The reported value ("more than N" is N).
    public var reported: Int
    /// What it counts: `people`, `yuan`, `households`, ….
    public var unit: String
    /// True when no record can reproduce it (the four report-only figures).
    public var reportOnly: Bool

    /// Every figure, in report order, from `Fixtures/figures.json` (checked when a directory
    /// replaces it; the built-in file is checked by the tests).
    public static let all: [Figure] = try! decode(FixtureData.figures, path: "figures.json")

    /// The figures of a `figures.json`, or an error naming the first thing missing.
    static func decode(_ bytes: [UInt8], path: String) throws(FixtureError) -> [Figure] {
        guard case .array(let rows)? = try? JSONParser.parse(bytes) else {
            throw FixtureError(description: "\(path) is not a JSON array like Fixtures/figures.json.")
        }
        var figures: [Figure] = []
        for (index, row) in rows.enumerated() {
            func string(_ member: String) throws(FixtureError) -> String {
                guard case .string(let value)? = row[member] else {
                    throw FixtureError(description: "\(path): figure \(index) has no string `\(member)`.")
                }
                return value
            }
            guard case .int(let reported)? = row["reported"], case .bool(let reportOnly)? = row["reportOnly"] else {
                throw FixtureError(
                    description: "\(path): figure \(index) needs an integer `reported` and a boolean `reportOnly`.")
            }
            figures.append(
                Figure(
                    id: try string("id"), section: try string("section"), key: try string("key"),
                    label: try string("label"), quote: try string("quote"), reported: reported,
                    unit: try string("unit"), reportOnly: reportOnly))
        }
        return figures
    }
}
