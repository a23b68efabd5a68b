/// `/stats` over the district or a part of it, from the aggregates alone: the district's from its
/// running totals; a region's by adding the rows of the grids, villages and towns it reaches,
/// and of the places its cadres serve — work proportional to the region's places, never a scan
/// of its records.
extension Store {
    /// The figures over `region` at the published revision.
    public func stats(in region: Region = .district) -> StatsSnapshot {
        withState { state in
            let members = RegionMembers(region, in: state)
            let live: [String: Int]
            let work: WorkBreakdown
            if let members {
                (live, work) = state.figures(in: members)
            } else {
                let villages = state[.villages]
                let townField = VillageField.townId.rawValue
                live = state.aggregates.liveFigures { villages[$0]?.values[townField].string }
                work = Aggregates.breakdown(state.aggregates.work)
            }
            let towns = Self.byTown(state, members)
            var snapshot = StatsSnapshot(
                epoch: state.epoch, revision: state.revision, region: region, live: live, byTown: towns, work: work)
            // The district's totals also hold cases whose grid lies in no town it has.
            snapshot.cases =
                members == nil ? CaseCounts(state.aggregates.cases) : towns.reduce(CaseCounts()) { $0 + $1.cases }
            return snapshot
        }
    }

    /// A row per town of the region (every town for the district), counting only what lies in it.
    private static func byTown(_ state: State, _ members: RegionMembers?) -> [TownStats] {
        let grids = state[.grids]
        let cadres = state[.cadres]
        let villages = state[.villages]
        let aggregates = state.aggregates
        let towns = members.map { RegionMembers.union($0.buckets(.towns, in: state).buckets) } ?? state[.towns].order
        return towns.map { townId in
            let town = state[.towns][townId]!
            var townGrids = 0
            var townCadres = Set<String>()
            var visits = 0
            var funds = 0
            var cases = Aggregates.zeros(Aggregates.CaseSlot.allCases.count)
            for grid in grids.ids(where: GridField.townId.rawValue, equals: townId) ?? [] {
                if let members, !members.grids.contains(grid) { continue }
                townGrids += 1
                if let row = aggregates.casesByGrid[grid] { Aggregates.add(&cases, row, 1) }
                townCadres.formUnion(cadres.ids(where: CadreField.gridIds.rawValue, equals: grid) ?? [])
                if let row = aggregates.workByGrid[grid] {
                    visits += row[Aggregates.WorkSlot.positions["visit"]!]
                    funds += row[Aggregates.WorkSlot.fundsYuan]
                }
            }
            var projects = 0
            var investment = 0
            for village in villages.ids(where: VillageField.townId.rawValue, equals: townId) ?? [] {
                if let members, !members.villages.contains(village) { continue }
                if let row = aggregates.projectsByVillage[village] {
                    projects += row[Aggregates.ProjectSlot.projects.rawValue]
                    investment += row[Aggregates.ProjectSlot.investmentYuan.rawValue]
                }
            }
            return TownStats(
                townId: townId,
                name: town[TownField.name].string ?? "",
                kind: town[TownField.kind].string ?? "",
                grids: townGrids,
                cadres: townCadres.count,
                visits: visits,
                fundsYuan: funds,
                projects: projects,
                investmentYuan: investment,
                cases: CaseCounts(cases)
            )
        }
    }
}

extension Store.State {
    /// Every backed figure over a region: the sum of the rows of its grids, villages and towns,
    /// and of the cadres whose places it reaches.
    func figures(in members: RegionMembers) -> (figures: [String: Int], work: WorkBreakdown) {
        let aggregates = self.aggregates
        var work = Aggregates.zeros(Aggregates.WorkSlot.width)
        var unitGrids = 0
        let units = self[.grids].ids(where: GridField.level.rawValue, equals: "unit") ?? []
        for grid in members.grids {
            if let row = aggregates.workByGrid[grid] { Aggregates.add(&work, row, 1) }
            if units.contains(grid) { unitGrids += 1 }
        }
        var projects = Aggregates.zeros(Aggregates.ProjectSlot.allCases.count)
        var villagesWithCollective = 0
        var baseTowns = Set<String>()
        for village in members.villages {
            guard let row = aggregates.projectsByVillage[village] else { continue }
            Aggregates.add(&projects, row, 1)
            if row[Aggregates.ProjectSlot.collective.rawValue] > 0 { villagesWithCollective += 1 }
            if row[Aggregates.ProjectSlot.bases.rawValue] > 0,
                let town = self[.villages][village]?[VillageField.townId].string
            {
                baseTowns.insert(town)
            }
        }
        var townTrainings = 0
        var organizations = Aggregates.zeros(Aggregates.OrganizationSlot.allCases.count)
        for town in members.towns {
            townTrainings += aggregates.townTrainingsByTown[town, default: 0]
            if let row = aggregates.organizationsByTown[town] { Aggregates.add(&organizations, row, 1) }
        }
        var cadres = Aggregates.zeros(Aggregates.CadreSlot.allCases.count)
        for (place, row) in aggregates.cadresByPlace
        where members.holdsCadre(serving: place.grids, village: place.village) {
            Aggregates.add(&cadres, row, 1)
        }
        let figures = Aggregates.figures(
            cadres: cadres, work: work, unitGrids: unitGrids, trainings: ["town": townTrainings], projects: projects,
            organizations: organizations,
            villagesWithCollective: villagesWithCollective, baseTowns: baseTowns.count)
        return (figures, Aggregates.breakdown(work))
    }
}
