import JSON

/// Expands the report's figures and named records (`Fixtures/`) into the full seed: every backed
/// figure of the report holds exactly over the generated records, the named records carry the
/// report's own figures, and the rest is `synthetic`, plausible and deterministic — the same
/// seed gives the same records, byte for byte, on every machine.
public struct SeedGenerator {
    /// The default seed: the report's date.
    public static let defaultSeed: UInt64 = 2014_08_06
    /// Creation time of every seeded record: the day the report appeared.
    static let timestamp = "2014-08-06T00:00:00Z"

    var random: SplitMix64
    var records: [(ResourceKind, Record)] = []
    var numbers: [ResourceKind: Int] = [:]
    let named: JSONValue

    // What earlier steps produced, for later ones.
    var towns: [(id: String, name: String, kind: String)] = []
    var villages: [(id: String, name: String, kind: String, townId: String)] = []
    var townGrids: [String: String] = [:]
    var unitGridsByVillage: [String: [String]] = [:]
    var gridTown: [String: String] = [:]
    /// Unit grid → its village (id, name).
    var gridVillage: [String: (id: String, name: String)] = [:]
    var cadreGrids: [(id: String, level: String, unit: String, grids: [String])] = []
    var secretaries: [(id: String, villageId: String)] = []
    /// Every project name given so far: no two projects share one.
    var projectNames = Set<String>()
    /// The synthetic entrepreneurship bases, for the party organisations built on them.
    var bases: [Base] = []

    /// Generates the seed records, in an order where every reference precedes its use.
    public static func generate(seed: UInt64 = defaultSeed) -> [(ResourceKind, Record)] {
        var generator = SeedGenerator(random: SplitMix64(seed: seed), named: try! JSONParser.parse(FixtureData.named))
        generator.makePlaces()
        generator.makeCadres()
        generator.makeTrainings()
        generator.makeProjects()
        generator.makePartyOrganizations()
        generator.makeAssistanceRecords()
        return generator.records
    }

    /// The seed as a store.
    public static func makeStore(seed: UInt64 = defaultSeed) -> Store {
        Store(seed: generate(seed: seed))
    }

    // MARK: Building blocks

    mutating func nextID(_ kind: ResourceKind) -> String {
        let number = numbers[kind, default: 0] + 1
        numbers[kind] = number
        return kind.schema.makeID(number)
    }

    @discardableResult
    mutating func add<Field: RawRepresentable<Int> & CaseIterable>(
        _ kind: ResourceKind,
        id: String? = nil,
        source: Source = .synthetic,
        _ fields: [(Field, FieldValue)]
    ) -> String {
        var values = [FieldValue](repeating: .null, count: Field.allCases.count)
        for (field, value) in fields { values[field.rawValue] = value }
        let recordID = id ?? nextID(kind)
        records.append(
            (
                kind,
                Record(
                    id: recordID,
                    createdAt: Self.timestamp,
                    updatedAt: Self.timestamp,
                    revision: 1,
                    source: source,
                    createdBy: Record.seedPrincipal,
                    updatedBy: Record.seedPrincipal,
                    values: values
                )
            )
        )
        return recordID
    }

    /// A named record from `named.json`, converted by its schema.
    mutating func addNamed(_ kind: ResourceKind, _ json: JSONValue) -> Record {
        guard case .string(let id)? = json["id"] else { preconditionFailure("named record without id") }
        let source = json["source"].flatMap { if case .string(let text) = $0 { Source(rawValue: text) } else { nil } }
        guard case .success(let values) = kind.schema.values(from: json, ignoring: ["id", "source"]) else {
            preconditionFailure("named \(kind.rawValue) \(id) does not match its schema")
        }
        let record = Record(
            id: id,
            createdAt: Self.timestamp,
            updatedAt: Self.timestamp,
            revision: 1,
            source: source ?? .report,
            createdBy: Record.seedPrincipal,
            updatedBy: Record.seedPrincipal,
            values: values
        )
        records.append((kind, record))
        return record
    }

    func namedList(_ key: String) -> [JSONValue] {
        guard case .array(let list)? = named[key] else { return [] }
        return list
    }

    /// A day in 2014-01-01…2014-08-05 with a working-week rhythm: weekdays full weight,
    /// Saturdays a third, Sundays a sixth. 2014-01-01 was a Wednesday.
    mutating func workingDay() -> String {
        while true {
            let offset = random.int(in: 0...216)
            let weekday = (offset + 3) % 7  // 0 = Sunday
            let weight = weekday == 0 ? 1 : weekday == 6 ? 2 : 6
            if random.int(in: 1...6) <= weight { return CalendarDate(dayOf2014: offset).text }
        }
    }
}
