import GridworkStore
import TestSupport
import Testing

/// Reads within a region (SPEC section 4) against the plain definition of where a record lies
/// (`Recount.lies`): lists with their totals and cursors, single records, `/stats` and the timeline.
struct RegionTests {
    static let store = SeedGenerator.makeStore()

    /// A town, two towns, a town that does not exist, one town-level grid, unit grids of two
    /// towns, and the district.
    static func regions(_ store: Store) -> [Region] {
        let grids = store.all(.grids)
        let townGrid = grids.first { $0[GridField.level].string == "town" }!
        let unitGrids = grids.filter { $0[GridField.level].string == "unit" }
        let otherTown = unitGrids.first { $0[GridField.townId] != unitGrids[0][GridField.townId] }!
        return [
            .district, .towns(["town-gaoping"]), .towns(["town-sidu", "town-banqiao"]), .towns(["town-99"]),
            .grids([townGrid.id]), .grids([unitGrids[0].id, unitGrids[1].id, otherTown.id, "grid-9999"]),
        ]
    }

    @Test func lists_holdExactlyTheRecordsThatLieInTheRegion_withTotalsAndCursors() {
        let store = Self.store
        for region in Self.regions(store) {
            for kind in ResourceKind.allCases {
                Self.expectListMatchesAScan(store, kind, region)
            }
        }
    }

    @Test func filteredAndSortedLists_stayWithinTheRegion() {
        let store = Self.store
        for region in Self.regions(store) {
            let inRegion = Recount.records(.assistanceRecords, in: region, of: store)
            // One equality (an index bucket smaller or larger than the region), in date order.
            for type in ["visit", "branch_pairing"] {
                var query = Query()
                query.region = region
                query.filters = [
                    Query.Filter(field: .field(AssistanceField.type.rawValue), op: .eq, values: [.string(type)])
                ]
                query.sort = [Query.SortKey(field: .field(AssistanceField.date.rawValue), descending: true)]
                query.limit = 97
                let date = { (record: Record) in record[AssistanceField.date].string ?? "" }
                let expected = inRegion.filter { $0[AssistanceField.type].string == type }
                    .sorted { date($0) != date($1) ? date($0) > date($1) : $0.id < $1.id }.map(\.id)
                let (walked, totals) = Self.walk(store, .assistanceRecords, query, expecting: expected.count)
                #expect(totals.allSatisfy { $0 == expected.count }, "\(region) \(type): total")
                #expect(walked == expected, "\(region) \(type): every match once, in -date order")
            }
            // A date range: answered from the date index for the district, never past the region.
            var query = Query()
            query.region = region
            query.filters = [
                Query.Filter(field: .field(AssistanceField.date.rawValue), op: .gte, values: [.string("2014-06-01")])
            ]
            query.limit = 500
            let expected = inRegion.filter { ($0[AssistanceField.date].string ?? "") >= "2014-06-01" }
            #expect(store.query(.assistanceRecords, query).total == expected.count, "\(region): date range")
        }
    }

    @Test func records_areFound_onlyWhenTheyLieInTheRegion() {
        let store = Self.store
        let places = Recount.Places(store)
        for region in Self.regions(store) {
            for kind in ResourceKind.allCases {
                for record in store.all(kind).enumerated().filter({ $0.offset % 7 == 0 }).map(\.element) {
                    let found = store.record(kind, id: record.id, in: region) != nil
                    #expect(
                        found == Recount.lies(kind, record, in: region, places), "\(region) \(kind) \(record.id)")
                }
            }
        }
    }

    @Test func timeline_countsTheRegionsRecords() {
        let store = Self.store
        for region in Self.regions(store) {
            let records = Recount.records(.assistanceRecords, in: region, of: store)
            let timeline = store.timeline(.month, in: region)
            #expect(timeline.periods.reduce(0) { $0 + $1.counts.reduce(0, +) } == records.count, "\(region)")
            let funds = records.reduce(0) { $0 + $1[AssistanceField.amountYuan].int }
            #expect(timeline.periods.reduce(0) { $0 + $1.fundsYuan } == funds, "\(region)")
        }
        // One town of a region of two: that town's records only.
        let town = store.timeline(.week, townId: "town-sidu", in: .towns(["town-sidu", "town-banqiao"]))
        #expect(town.periods == store.timeline(.week, townId: "town-sidu").periods)
    }

    /// Every figure and per-town row over each region equals a recount of the records that lie in
    /// it; the figures that do not apply to a part of the district are not given. The lists of
    /// what writes move between places (cadres change grids and villages) hold what lies there.
    static func expectRegionsMatchARecount(_ store: Store, batch: Int) {
        for region in regions(store) {
            for kind in [ResourceKind.cadres, .projects, .trainings, .partyOrganizations] {
                expectListMatchesAScan(store, kind, region)
            }
            let stats = store.stats(in: region)
            let expected = Recount.stats(of: store, in: region)
            #expect(stats.region == region)
            for figure in Figure.all {
                if figure.reportOnly || !region.isDistrict && StatsSnapshot.districtWide.contains(figure.key) {
                    #expect(stats.live(figure) == nil, "batch \(batch) \(region) \(figure.key)")
                    #expect(stats.value(figure) == (region.isDistrict ? figure.reported : nil))
                } else {
                    #expect(stats.live(figure) == expected.live[figure.key], "batch \(batch) \(region) \(figure.key)")
                }
            }
            #expect(stats.byTown == expected.byTown, "batch \(batch) \(region)")
            #expect(stats.work == Recount.work(of: store, in: region), "batch \(batch) \(region)")
        }
    }

    @Test func stats_overEachRegion_equalARecount() {
        Self.expectRegionsMatchARecount(Self.store, batch: 0)
        // Not vacuous: a town's figures are its own, not the district's.
        let town = Self.store.stats(in: .towns(["town-gaoping"]))
        let district = Self.store.stats()
        let visits = Figure.all.first { $0.key == "gridService.visits" }!
        #expect(town.live(visits)! > 0)
        #expect(town.live(visits)! < district.live(visits)!)
        #expect(town.byTown.map(\.townId) == ["town-gaoping"])
    }

    /// The list of `kind` in `region`, walked page by page (by id, with a total, and as an export
    /// walks it, without), is the records that lie there.
    static func expectListMatchesAScan(_ store: Store, _ kind: ResourceKind, _ region: Region) {
        let expected = Recount.records(kind, in: region, of: store).map(\.id)
        for countsTotal in [true, false] {
            var query = Query()
            query.region = region
            query.limit = kind == .assistanceRecords ? 450 : 37
            query.countsTotal = countsTotal
            let (walked, totals) = walk(store, kind, query, expecting: expected.count)
            if countsTotal { #expect(totals.allSatisfy { $0 == expected.count }, "\(region) \(kind): total") }
            #expect(walked == expected, "\(region) \(kind): every record once, in id order")
        }
    }

    /// Every page of `query`, each from the last one's position: the ids and each page's total.
    /// Bounded by the `expecting` matches, so a cursor that does not advance fails instead of looping.
    static func walk(_ store: Store, _ kind: ResourceKind, _ query: Query, expecting: Int)
        -> (ids: [String], totals: [Int])
    {
        var query = query
        var ids: [String] = []
        var totals: [Int] = []
        for _ in 0...(expecting / query.limit + 1) {
            let page = store.query(kind, query)
            totals.append(page.total)
            ids += page.records.map(\.id)
            guard page.more, let last = page.records.last, let key = page.keys.last else { break }
            query.after = key + [.string(last.id)]
        }
        return (ids, totals)
    }
}
