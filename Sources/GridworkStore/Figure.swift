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

    /// Every figure, in report order, from `Fixtures/figures.json`.
    public static let all: [Figure] = {
        guard case .array(let rows) = try! JSONParser.parse(FixtureData.figures) else {
            preconditionFailure("figures.json must be an array")
        }
        return rows.map { row in
            func string(_ key: String) -> String {
                guard case .string(let value)? = row[key] else { preconditionFailure("figure lacks \(key)") }
                return value
            }
            guard case .int(let reported)? = row["reported"], case .bool(let reportOnly)? = row["reportOnly"] else {
                preconditionFailure("figure lacks reported/reportOnly")
            }
            return Figure(
                id: string("id"),
                section: string("section"),
                key: string("key"),
                label: string("label"),
                quote: string("quote"),
                reported: reported,
                unit: string("unit"),
                reportOnly: reportOnly
            )
        }
    }()
}
