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
    /// Grid → its name.
    var gridNames: [String: String] = [:]
    var cadreGrids: [(id: String, level: String, unit: String, grids: [String])] = []
    var secretaries: [(id: String, villageId: String)] = []
    /// Every project name given so far: no two projects share one.
    var projectNames = Set<String>()
    /// The synthetic entrepreneurship bases, for the party organisations built on them.
    var bases: [Base] = []
    /// Names given to cadres so far: no two cadres share one.
    var usedCadreNames: Set<String> = []

    /// Generates the seed records, in an order where every reference precedes its use.
    public static func generate(seed: UInt64 = defaultSeed) -> [(ResourceKind, Record)] {
        var generator = SeedGenerator(random: SplitMix64(seed: seed), named: try! JSONParser.parse(FixtureData.named))
        generator.makePlaces()
        generator.makeCadres()
        generator.makeTrainings()
        generator.makeProjects()
        generator.makePartyOrganizations()
        generator.makeAssistanceRecords()
        generator.makeCases()
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

    /// A day in 2014-01-01…2014-08-05 with the rhythm of the working year.
    mutating func workingDay() -> String {
        CalendarDate(dayOf2014: Self.workingYear.draw(&random)).text
    }

    /// Days 0…216 of 2014 (2014-01-01 was a Wednesday) weighted by how much grid work they see:
    /// weekdays full, Saturdays a quarter, Sundays an eighth; the public holidays of the State
    /// Council's 2014 calendar nearly empty (元旦 1/1; 春节 1/31–2/6; 清明 4/5–4/7; 劳动节 5/1–5/3;
    /// 端午 5/31–6/2) and its make-up working days (Sun 1/26, Sat 2/8, Sun 5/4) full. The second
    /// batch of the 群众路线教育实践活动 was launched in January, so grid work is light before the
    /// Spring Festival and reaches its pace in March.
    static let workingYear: WeightedTable<Int> = {
        let holidays: Set<Int> = [0, 30, 31, 32, 33, 34, 35, 36, 94, 95, 96, 120, 121, 122, 150, 151, 152]
        let makeUpDays: Set<Int> = [25, 38, 123]
        return WeightedTable(
            (0...216).map { day in
                let weekday = (day + 3) % 7  // 0 = Sunday
                var weight = weekday == 0 ? 12 : weekday == 6 ? 25 : 100
                if makeUpDays.contains(day) { weight = 100 }
                if holidays.contains(day) { weight = 1 }
                // January 35 %, the fortnight after the festival 70 %, full pace from March.
                let pace = day < 37 ? 35 : day < 59 ? 70 : 100
                return (day, weight * pace)
            }
        )
    }()
}
