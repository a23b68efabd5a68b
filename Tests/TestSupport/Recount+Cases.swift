package import GridworkStore

extension Recount {
    /// `/stats.cases` counted again from the cases, the slow way: the district's counts, and each
    /// town's (the town of the case's grid, as the grid records say), for every town there is.
    /// `townOfGrid` (from `townsOfGrids`) may be passed in by a caller that knows its grids stay put.
    package static func cases(of store: Store, townOfGrid: [String: String]? = nil)
        -> (total: CaseCounts, byTown: [String: CaseCounts])
    {
        let townOfGrid = townOfGrid ?? townsOfGrids(store)
        var total = CaseCounts()
        var byTown = Dictionary(uniqueKeysWithValues: store.all(.towns).map { ($0.id, CaseCounts()) })
        for record in store.all(.cases) {
            let counted = counts(of: record)
            total = sum(total, counted)
            if let town = record[CaseField.gridId].string.flatMap({ townOfGrid[$0] }), let row = byTown[town] {
                byTown[town] = sum(row, counted)
            }
        }
        return (total, byTown)
    }

    /// The town of every grid, by grid id.
    package static func townsOfGrids(_ store: Store) -> [String: String] {
        Dictionary(uniqueKeysWithValues: store.all(.grids).map { ($0.id, $0[GridField.townId].string ?? "") })
    }

    /// What one case counts for.
    static func counts(of record: Record) -> CaseCounts {
        var counts = CaseCounts()
        let reworked = record[CaseField.reworks].int > 0
        counts.reworked = reworked ? 1 : 0
        counts.supervised = record[CaseField.supervised].bool ? 1 : 0
        switch record[CaseField.state].string {
        case "closed":
            counts.closed = 1
            counts.closedReworked = reworked ? 1 : 0
            let closed = record[CaseField.closedOn].string ?? ""
            // Dates as YYYY-MM-DD order as text.
            counts.closedOnTime = closed <= (record[CaseField.deadline].string ?? "") ? 1 : 0
            counts.workingDaysToClose = workingDays(after: record[CaseField.reportedOn].string ?? "", through: closed)
        case "void":
            counts.void = 1
        default:
            counts.open = 1
            counts.overdue = record[CaseField.overdue].bool ? 1 : 0
        }
        return counts
    }

    /// The working days after `start` up to and including `end`, walked one day at a time.
    static func workingDays(after start: String, through end: String) -> Int {
        guard var day = CalendarDate(start), let last = CalendarDate(end) else { return 0 }
        var count = 0
        while day < last {
            day = following(day)
            if WorkingCalendar.china.isWorkingDay(day) { count += 1 }
        }
        return count
    }

    /// The day after `date`.
    static func following(_ date: CalendarDate) -> CalendarDate {
        func text(_ year: Int, _ month: Int, _ day: Int) -> String {
            func padded(_ number: Int, _ width: Int) -> String {
                String(repeating: "0", count: max(0, width - String(number).count)) + String(number)
            }
            return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
        }
        if let next = CalendarDate(text(date.year, date.month, date.day + 1)) { return next }
        if let next = CalendarDate(text(date.year, date.month + 1, 1)) { return next }
        return CalendarDate(text(date.year + 1, 1, 1))!
    }

    static func sum(_ lhs: CaseCounts, _ rhs: CaseCounts) -> CaseCounts {
        var sum = lhs
        sum.open += rhs.open
        sum.overdue += rhs.overdue
        sum.closed += rhs.closed
        sum.closedOnTime += rhs.closedOnTime
        sum.closedReworked += rhs.closedReworked
        sum.workingDaysToClose += rhs.workingDaysToClose
        sum.reworked += rhs.reworked
        sum.supervised += rhs.supervised
        sum.void += rhs.void
        return sum
    }
}
