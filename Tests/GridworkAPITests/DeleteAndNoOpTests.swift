import GridworkAPI
import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Synchronization
import TestSupport
import Testing

// Writes that change nothing, and deletes, through the real responder:
// - a PUT or PATCH that leaves a record as it is answers 200 and changes nothing at all;
// - ETags name the store's epoch, so a tag from another store's history matches nothing;
// - a refused delete names every resource and field that points to the record, with counts;
// - a cascade leaves no dangling id, no record a write would refuse, and `/stats` equal to a recount.
// Every test has a store of its own, holding the seed.

extension APIHarness {
    /// The seed records, generated once for this file's tests.
    private static let deleteAndNoOpSeed = SeedGenerator.generate()

    /// A harness over a fresh store holding the seed, with `epoch` (a new one when nil).
    fileprivate static func seeded(epoch: String? = nil) -> APIHarness {
        APIHarness(store: Store(seed: deleteAndNoOpSeed, epoch: epoch ?? Epoch.make()))
    }

    /// Sends `method` to `target` with `fields`, and `json` as an `application/json` body.
    fileprivate func call(
        _ method: HTTPRequest.Method, _ target: String, json: String? = nil, _ fields: HTTPFields = [:]
    ) -> Response {
        responder.respond(to: .make(target, method: method, fields: fields, json: json))
    }

    /// The `total` of a listing.
    fileprivate func total(_ target: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        try #require(try json(target)["total"]?.number, "\(target)", sourceLocation: sourceLocation)
    }
}

/// Counts the changes a store hands its log, as a journal would receive them.
private final class CountingChangeLog: ChangeLog {
    private let changes = Mutex<[Change]>([])

    func append(_ change: Change) {
        changes.withLock { $0.append(change) }
    }

    var count: Int { changes.withLock { $0.count } }
}

/// The JSON text of `value`.
private func jsonText(_ value: JSONValue) -> String {
    var writer = JSONWriter()
    writer.value(value)
    return String(decoding: writer.bytes, as: UTF8.self)
}

/// Every resource field that can point to a record of `target`: (resource, field position, field).
private func fieldsPointing(to target: ResourceKind) -> [(kind: ResourceKind, position: Int, field: FieldSpec)] {
    ResourceKind.allCases.flatMap { kind in
        kind.schema.fields.enumerated().compactMap { position, field in
            switch field.type {
            case .reference(target), .references(target): (kind, position, field)
            default: nil
            }
        }
    }
}

struct NoOpWriteTests {
    @Test(arguments: [
        "/projects/project-zhou-orchard", "/cadres/cadre-zhou-bikang", "/grids/grid-0010",
        "/assistance-records/record-0000001", "/towns/town-gaoping", "/villages/village-jiaotong",
    ])
    func patch_withEmptyObject_changesNothing(_ path: String) throws {
        let harness = APIHarness.seeded()
        let log = CountingChangeLog()
        harness.store.attach(log)
        let parts = path.split(separator: "/").map(String.init)
        let kind = try #require(ResourceKind(rawValue: parts[0]))
        let id = parts[1]

        let current = harness.get(path)
        try #require(current.status == .ok)
        let record = try JSONParser.parse(current.body)
        let etag = try #require(current.headerFields[.eTag])
        let stored = harness.store.latest(kind, id: id)
        let revision = harness.store.headRevision
        let stats = harness.get("/stats").headerFields[.eTag]
        // A patch naming two of the record's fields with the values they already have.
        let unchanged = record.fields.filter { !Schema.serverOwned.contains($0.key) }.prefix(2)
        try #require(unchanged.count == 2)

        let writes: [(name: String, method: HTTPRequest.Method, body: String, fields: HTTPFields)] = [
            ("PATCH {}", .patch, "{}", [:]),
            ("PATCH of current values", .patch, jsonText(.object(Array(unchanged))), [:]),
            ("PUT of the GET body", .put, String(decoding: current.body, as: UTF8.self), [:]),
            ("PUT of the GET body, If-Match", .put, String(decoding: current.body, as: UTF8.self), [.ifMatch: etag]),
            ("PATCH {}, If-Match", .patch, "{}", [.ifMatch: etag]),
        ]
        for write in writes {
            let response = harness.call(write.method, path, json: write.body, write.fields)
            #expect(response.status == .ok, "\(write.name): \(String(decoding: response.body, as: UTF8.self))")
            #expect(response.headerFields[.eTag] == etag, "\(write.name)")
            let answered = try JSONParser.parse(response.body)
            #expect(answered["revision"] == record["revision"], "\(write.name)")
            #expect(answered["updatedAt"] == record["updatedAt"], "\(write.name)")
            #expect(answered == record, "\(write.name)")
            #expect(harness.store.latest(kind, id: id) == stored, "\(write.name)")
            #expect(harness.store.headRevision == revision, "\(write.name) moved the store's revision")
            #expect(log.count == 0, "\(write.name) handed the log a change")
        }
        // A stale tag is still refused, even for a write that would change nothing.
        let stale = harness.call(.patch, path, json: "{}", [.ifMatch: "\"\(harness.store.epoch)-0\""])
        #expect(stale.status == .preconditionFailed)
        #expect(harness.store.revision == revision)
        #expect(harness.get("/stats").headerFields[.eTag] == stats)
        #expect(harness.get(path).body == current.body)

        // The log is live: a write that does change something reaches it, once.
        let name = try #require(record.fields.first { $0.key == "name" || $0.key == "summary" })
        let changed = jsonText(.object([(name.key, .string((name.value.text ?? "") + "（改）"))]))
        let real = harness.call(.patch, path, json: changed)
        #expect(real.status == .ok)
        #expect(real.headerFields[.eTag] != etag)
        #expect(harness.store.headRevision == revision + 1)
        #expect(log.count == 1)
    }

    @Test func etag_namesTheStoresEpoch_soATagFromAnotherHistoryMatchesNothing() throws {
        // Two stores holding the same records at the same revisions, with different histories.
        let first = APIHarness.seeded(epoch: "0000000a")
        let second = APIHarness.seeded(epoch: "0000000b")
        let path = "/towns/town-gaoping"
        let tag = try #require(first.get(path).headerFields[.eTag])
        #expect(tag == "\"0000000a-1\"")
        #expect(second.get(path).headerFields[.eTag] == "\"0000000b-1\"")
        #expect(first.get(path, [.ifNoneMatch: tag]).status == .notModified)
        #expect(second.get(path, [.ifNoneMatch: tag]).status == .ok)
        let before = second.store.revision
        let put = second.call(.put, path, json: #"{"name":"高坪镇新区","kind":"town"}"#, [.ifMatch: tag])
        #expect(put.status == .preconditionFailed)
        #expect(put.headerFields[.eTag] == "\"0000000b-1\"")
        #expect(second.call(.delete, path, [.ifMatch: tag]).status == .preconditionFailed)
        #expect(second.store.revision == before)
        #expect(first.get("/stats").headerFields[.eTag] == "\"stats-0000000a-\(first.store.revision)\"")
        #expect(try second.json("/stats")["epoch"] == .string("0000000b"))
    }
}

struct DeleteReferencedTests {
    /// `resource/field` → how many records point to `id` through it, counted by reading every
    /// record (and checked against the list query that filters on that field).
    static func referrers(
        of kind: ResourceKind, id: String, in harness: APIHarness, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for (other, position, field) in fieldsPointing(to: kind) {
            let count = harness.store.all(other).filter { record in
                record.values[position] == .string(id) || record.values[position].list.contains(id)
            }.count
            let listed = try harness.total("/\(other.rawValue)?\(field.name)=\(id)&limit=1")
            #expect(listed == count, "\(other.rawValue)?\(field.name)=\(id)", sourceLocation: sourceLocation)
            if count > 0 { counts["\(other.rawValue)/\(field.name)"] = count }
        }
        return counts
    }

    /// The 409 for `path` names exactly `expected`, in its errors and its detail, and deletes nothing.
    static func expectConflict(
        _ harness: APIHarness, _ path: String, naming expected: [String: Int],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = ResourceKind.allCases.map { harness.store.count($0) } + [harness.store.revision]
        let response = harness.call(.delete, path)
        #expect(response.status == .conflict, sourceLocation: sourceLocation)
        #expect(response.headerFields[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
        let problem = try JSONParser.parse(response.body)
        var named: [String: Int] = [:]
        for error in problem["errors"]?.items ?? [] {
            let field = error["field"]?.text ?? "?"
            let message = error["message"]?.text ?? ""
            #expect(named[field] == nil, "\(field) named twice", sourceLocation: sourceLocation)
            #expect(message.hasSuffix(" record(s) refer to it."), "\(message)", sourceLocation: sourceLocation)
            named[field] = Int(message.prefix { $0.isNumber }) ?? -1
        }
        #expect(named == expected, sourceLocation: sourceLocation)
        let detail = problem["detail"]?.text ?? ""
        for (referrer, count) in expected {
            let parts = referrer.split(separator: "/")
            let phrase = "\(count) \(parts[0]) (through `\(parts[1])`)"
            #expect(detail.contains(phrase), "«\(phrase)» in «\(detail)»", sourceLocation: sourceLocation)
        }
        #expect(detail.contains("?cascade=true"), sourceLocation: sourceLocation)
        let after = ResourceKind.allCases.map { harness.store.count($0) } + [harness.store.revision]
        #expect(after == before, "a refused delete changed the store", sourceLocation: sourceLocation)
        let record = String(path.prefix { $0 != "?" })
        #expect(harness.get(record).status == .ok, sourceLocation: sourceLocation)
    }

    @Test func delete_withoutCascade_409_namesEveryReferrer_withCounts() throws {
        let harness = APIHarness.seeded()
        let village = try #require(CascadeScene.busiestVillage(harness.store))
        let expected = try Self.referrers(of: .villages, id: village, in: harness)
        // The village is pointed to through every field that can point to a village.
        #expect(
            Set(expected.keys) == ["grids/villageId", "cadres/villageId", "projects/villageId", "cases/villageId"])
        try Self.expectConflict(harness, "/villages/\(village)", naming: expected)
        try Self.expectConflict(harness, "/villages/\(village)?cascade=false", naming: expected)
    }

    @Test func delete_withoutCascade_409_namesEveryReferrer_ofATownAGridAndACadre() throws {
        let harness = APIHarness.seeded()
        let store = harness.store
        let town = try #require(store.all(.trainings).compactMap { $0[TrainingField.townId].string }.first)
        let village = try #require(CascadeScene.busiestVillage(store))
        let grid = try #require(store.all(.grids).first { $0[GridField.villageId] == .string(village) }?.id)
        let leader = try #require(store.all(.projects).compactMap { $0[ProjectField.leaderCadreId].string }.first)
        for (kind, id, fields) in [
            (ResourceKind.towns, town, ["villages/townId", "grids/townId", "trainings/townId"]),
            (.grids, grid, ["cadres/gridIds", "assistance-records/gridId"]),
            (.cadres, leader, ["projects/leaderCadreId"]),
        ] {
            let expected = try Self.referrers(of: kind, id: id, in: harness)
            #expect(Set(fields).isSubset(of: Set(expected.keys)), "\(id): \(expected)")
            try Self.expectConflict(harness, "/\(kind.rawValue)/\(id)", naming: expected)
        }
    }
}

/// What a cascade should leave behind, worked out from the records before it.
private enum CascadeScene {
    /// The seeded village with unit grids, village cadres, projects and assistance records in its grids
    /// that most other records point to (directly or through its grids).
    static func busiestVillage(_ store: Store) -> String? {
        let grids = store.all(.grids)
        let cadres = store.all(.cadres)
        let projects = store.all(.projects)
        let records = store.all(.assistanceRecords)
        let recordsByGrid = Dictionary(grouping: records) { $0[AssistanceField.gridId].string ?? "" }
        var listing: [String: Int] = [:]
        for cadre in cadres {
            for grid in cadre[CadreField.gridIds].list { listing[grid, default: 0] += 1 }
        }
        var best: (id: String, score: Int)?
        for village in store.all(.villages) {
            let villageGrids = grids.filter { $0[GridField.villageId] == .string(village.id) }.map(\.id)
            let villageCadres = cadres.filter {
                $0[CadreField.villageId] == .string(village.id) && $0[CadreField.level] == .string("village")
            }
            let villageProjects = projects.filter { $0[ProjectField.villageId] == .string(village.id) }
            let gridRecords = villageGrids.reduce(0) { $0 + (recordsByGrid[$1]?.count ?? 0) }
            let listers = villageGrids.reduce(0) { $0 + listing[$1, default: 0] }
            guard !villageGrids.isEmpty, !villageCadres.isEmpty, !villageProjects.isEmpty, gridRecords > 0 else {
                continue
            }
            let score = villageGrids.count + villageCadres.count + villageProjects.count + gridRecords + listers
            if score > best?.score ?? -1 { best = (village.id, score) }
        }
        return best?.id
    }

    /// Every record a cascade from `kind`/`id` must delete, by the rules: required references
    /// follow; an optional one follows when clearing it breaks a rule (a unit grid's or a village
    /// cadre's village); lists and other optional references are cleared instead.
    static func doomed(_ kind: ResourceKind, _ id: String, in store: Store) -> Set<String> {
        var doomed: Set<String> = []
        var queue = [(kind, id)]
        while let (kind, id) = queue.popLast() {
            guard doomed.insert("\(kind.rawValue)/\(id)").inserted else { continue }
            for (other, position, field) in fieldsPointing(to: kind) {
                guard case .reference = field.type else { continue }
                for record in store.all(other) where record.values[position] == .string(id) {
                    let breaksARule =
                        (other == .grids && record[GridField.level] == .string("unit"))
                        || (other == .cadres && record[CadreField.level] == .string("village"))
                    if field.required || breaksARule { queue.append((other, record.id)) }
                }
            }
        }
        return doomed
    }
}

@Suite(.longRunning)
struct CascadeDeleteTests {
    @Test func cascadeDelete_ofAVillage_leavesEveryRecordValid_andStatsEqualARecount() throws {
        let harness = APIHarness.seeded()
        let store = harness.store
        let village = try #require(CascadeScene.busiestVillage(store))
        // A project elsewhere led by one of the village's cadres: its leader goes, the project stays.
        let cadre = try #require(
            store.all(.cadres).first {
                $0[CadreField.villageId] == .string(village) && $0[CadreField.level] == .string("village")
            })
        let project = try #require(store.all(.projects).first { $0[ProjectField.villageId] != .string(village) })
        let led = harness.call(.patch, "/projects/\(project.id)", json: #"{"leaderCadreId":"\#(cadre.id)"}"#)
        try #require(led.status == .ok)

        let changed = try Self.cascade(harness, .villages, village)

        #expect(changed[.cadres, default: 0] > 0, "cadres that listed the village's grids list them no more")
        #expect(changed[.projects] == 1)
        let kept = try harness.json("/projects/\(project.id)")
        #expect(kept["leaderCadreId"] == .null)
        #expect(kept["leaderName"] == .string(project[ProjectField.leaderName].string ?? ""))
        #expect(harness.get("/cadres/\(cadre.id)").status == .notFound)
        #expect(try harness.total("/grids?villageId=\(village)") == 0)
        #expect(try harness.total("/cadres?villageId=\(village)") == 0)
        #expect(try harness.total("/projects?villageId=\(village)") == 0)
    }

    @Test func cascadeDelete_ofATown_leavesEveryRecordValid_andStatsEqualARecount() throws {
        let harness = APIHarness.seeded()
        let store = harness.store
        // The town of the busiest village, so the cascade reaches every kind of record.
        let village = try #require(CascadeScene.busiestVillage(store))
        let town = try #require(store.record(.villages, id: village)?[VillageField.townId].string)
        let trainings = store.all(.trainings).filter { $0[TrainingField.townId] == .string(town) }
        try #require(!trainings.isEmpty)

        let changed = try Self.cascade(harness, .towns, town)

        #expect(changed[.trainings] == trainings.count)
        #expect(changed[.cadres, default: 0] > 0, "cadres that listed the town's grids list them no more")
        #expect(harness.get("/towns/\(town)").status == .notFound)
        #expect(try harness.total("/villages?townId=\(town)") == 0)
        #expect(try harness.total("/grids?townId=\(town)") == 0)
        #expect(try #require(try harness.json("/stats")["byTown"]?.items).allSatisfy { $0["townId"]?.text != town })
        // A training the town ran stays, naming no town.
        for training in trainings {
            #expect(try harness.json("/trainings/\(training.id)")["townId"] == .null, "\(training.id)")
        }
    }

    /// Deletes `kind`/`id` with `?cascade=true` and checks what it did, and that all that is left is
    /// valid. Returns how many records of each resource it changed and kept.
    @discardableResult
    static func cascade(
        _ harness: APIHarness, _ kind: ResourceKind, _ id: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [ResourceKind: Int] {
        let store = harness.store
        let doomed = CascadeScene.doomed(kind, id, in: store)
        let before = Dictionary(uniqueKeysWithValues: ResourceKind.allCases.map { ($0, store.all($0)) })
        let revision = store.revision
        #expect(doomed.count > 1, "the cascade reaches other records", sourceLocation: sourceLocation)
        var changed: [ResourceKind: Int] = [:]

        let response = harness.call(.delete, "/\(kind.rawValue)/\(id)?cascade=true")

        #expect(response.status == .noContent, sourceLocation: sourceLocation)
        #expect(store.revision == revision + 1, "one delete, one revision", sourceLocation: sourceLocation)
        // Exactly the doomed records are gone; every other record is kept, changed only where it
        // pointed to one of them (the reference cleared, or the id gone from the list).
        for (kind, records) in before {
            for record in records {
                let key = "\(kind.rawValue)/\(record.id)"
                guard let after = store.record(kind, id: record.id) else {
                    #expect(doomed.contains(key), "\(key) was deleted", sourceLocation: sourceLocation)
                    continue
                }
                #expect(!doomed.contains(key), "\(key) was kept", sourceLocation: sourceLocation)
                var expected = record.values
                for (position, field) in kind.schema.fields.enumerated() {
                    let value = record.values[position]
                    switch field.type {
                    case .reference(let target):
                        if let other = value.string, doomed.contains("\(target.rawValue)/\(other)") {
                            expected[position] = .null
                        }
                    case .references(let target):
                        let kept = value.list.filter { !doomed.contains("\(target.rawValue)/\($0)") }
                        if kept != value.list { expected[position] = .list(kept) }
                    default:
                        continue
                    }
                }
                #expect(after.values == expected, "\(key)", sourceLocation: sourceLocation)
                if expected != record.values { changed[kind, default: 0] += 1 }
                #expect(
                    (after.revision == record.revision) == (expected == record.values), "\(key)",
                    sourceLocation: sourceLocation)
            }
        }
        try expectEveryRecordValid(harness, sourceLocation: sourceLocation)
        try expectStatsEqualARecount(harness, sourceLocation: sourceLocation)
        return changed
    }
}

/// No record points to a missing one, no record breaks a rule, and every record, PUT back as GET
/// shows it, is accepted — and, being unchanged, changes nothing.
private func expectEveryRecordValid(_ harness: APIHarness, sourceLocation: SourceLocation) throws {
    let store = harness.store
    var dangling: [String] = []
    for target in ResourceKind.allCases {
        for (kind, position, field) in fieldsPointing(to: target) {
            for record in store.all(kind) {
                let ids = record.values[position].string.map { [$0] } ?? record.values[position].list
                for id in ids where store.record(target, id: id) == nil {
                    dangling.append("\(kind.rawValue)/\(record.id) \(field.name) → \(id)")
                }
            }
        }
    }
    #expect(dangling.isEmpty, "\(dangling.count) dangling: \(dangling.prefix(5))", sourceLocation: sourceLocation)
    let villagelessUnitGrids = store.all(.grids).filter {
        $0[GridField.level] == .string("unit") && $0[GridField.villageId] == .null
    }
    #expect(villagelessUnitGrids.isEmpty, "\(villagelessUnitGrids.map(\.id))", sourceLocation: sourceLocation)
    let villagelessVillageCadres = store.all(.cadres).filter {
        $0[CadreField.level] == .string("village") && $0[CadreField.villageId] == .null
    }
    #expect(villagelessVillageCadres.isEmpty, "\(villagelessVillageCadres.map(\.id))", sourceLocation: sourceLocation)

    let revision = store.revision
    var refused: [String] = []
    for kind in ResourceKind.allCases {
        for record in store.all(kind) {
            let path = "/\(kind.rawValue)/\(record.id)"
            let current = harness.get(path)
            let echo = harness.call(.put, path, json: String(decoding: current.body, as: UTF8.self))
            if echo.status != .ok || echo.body != current.body
                || echo.headerFields[.eTag] != current.headerFields[.eTag]
            {
                refused.append("\(path) \(echo.status.code): \(String(decoding: echo.body, as: UTF8.self))")
            }
        }
    }
    #expect(refused.isEmpty, "\(refused.count) refused: \(refused.prefix(3))", sourceLocation: sourceLocation)
    #expect(
        store.revision == revision, "PUTting records back unchanged changed the store", sourceLocation: sourceLocation)
}

/// `/stats` equals every figure and per-town row counted again from the records.
private func expectStatsEqualARecount(_ harness: APIHarness, sourceLocation: SourceLocation) throws {
    let stats = try harness.json("/stats")
    let (figures, byTown) = Recount.stats(of: harness.store)
    #expect(figures.count == Figure.all.filter { !$0.reportOnly }.count, sourceLocation: sourceLocation)
    for (key, expected) in figures.sorted(by: { $0.key < $1.key }) {
        var value: JSONValue? = stats
        for part in key.split(separator: ".") { value = value?[String(part)] }
        #expect(value?.number == expected, "\(key)", sourceLocation: sourceLocation)
    }
    let rows = try #require(stats["byTown"]?.items, sourceLocation: sourceLocation)
    #expect(rows.map { $0["townId"]?.text ?? "?" } == byTown.map(\.townId), sourceLocation: sourceLocation)
    for (row, town) in zip(rows, byTown) {
        #expect(row["name"]?.text == town.name, "\(town.townId) name", sourceLocation: sourceLocation)
        #expect(row["kind"]?.text == town.kind, "\(town.townId) kind", sourceLocation: sourceLocation)
        let expected = [
            "grids": town.grids, "cadres": town.cadres, "visits": town.visits, "fundsYuan": town.fundsYuan,
            "projects": town.projects, "investmentYuan": town.investmentYuan,
        ]
        for (key, value) in expected {
            #expect(row[key]?.number == value, "\(town.townId) \(key)", sourceLocation: sourceLocation)
        }
    }
}

extension JSONValue {
    /// The members of an object, in order; none for anything else.
    fileprivate var fields: [(key: String, value: JSONValue)] {
        if case .object(let members) = self { return members }
        return []
    }
}
