/// Assistance records counted per period: `/stats/timeline`, for the dashboard's charts.
public struct Timeline: Sendable {
    /// Calendar months, or ISO weeks (Monday to Sunday).
    public enum Interval: String, Sendable, CaseIterable {
        case month, week
    }

    /// One period, with a count per record type and the funds given in it.
    public struct Period: Sendable, Equatable {
        /// `2014-03` or `2014-W10`.
        public var label: String
        /// Its first day.
        public var start: String
        /// Records per type, in the schema's type order.
        public var counts: [Int]
        /// Yuan given (`funding` records).
        public var fundsYuan: Int
    }

    public var interval: Interval
    public var townId: String?
    public var revision: Int
    /// Every period from the first record's to the last's, empty ones included, but at most
    /// `maxPeriods`: the latest ones, ending with the last record's.
    public var periods: [Period]
    /// Periods from the first record's that were left out, before the first one listed.
    public var omittedPeriods: Int
    /// Records dated in the omitted periods.
    public var omittedRecords: Int

    /// The most periods a timeline lists: ten years of weeks, 43 of months. Dates written today
    /// lie in 2000…2099, but the timeline must stay small whatever the data holds (a journal
    /// from before that rule, a record dated 0001-01-01 would otherwise make 2,000 years of
    /// empty weeks, 104 MB of JSON and a bar each on the dashboard).
    public static let maxPeriods = 520

    /// The record types, in the order of `Period.counts`.
    public static let types: [String] = {
        guard case .enumeration(let types) = ResourceKind.assistanceRecords.schema.fields[0].type else { return [] }
        return types
    }()
}

extension Store {
    /// The timeline of assistance records in `region`, for all of it or one town (by its grids).
    public func timeline(_ interval: Timeline.Interval, townId: String? = nil, in region: Region = .district)
        -> Timeline
    {
        let types = Timeline.types
        return withState { state in
            let records = state[.assistanceRecords]
            let grids = state[.grids]
            var buckets: [Int: Timeline.Period] = [:]
            func add(_ count: Int, _ position: Int, on text: String, yuan: Int) {
                guard let date = CalendarDate(text) else { return }
                let key = Self.periodKey(date, interval)
                buckets[key, default: Self.period(key, interval, types: types.count)].counts[position] += count
                buckets[key]!.fundsYuan += yuan
            }
            let members = RegionMembers(region, in: state)
            if townId == nil, members == nil, let byType = records.valueDateIDs[AssistanceField.type.rawValue] {
                // The district: counts are the sizes of the (type, date) buckets, under the store's
                // lock without reading records but funding ones (only they carry amountYuan).
                for (position, type) in types.enumerated() {
                    for (text, ids) in byType[type] ?? [:] {
                        let yuan =
                            type != "funding"
                            ? 0 : ids.reduce(0) { $0 + (records[$1]![AssistanceField.amountYuan].int) }
                        add(ids.count, position, on: text, yuan: yuan)
                    }
                }
            } else {
                // The records of the grids asked for: the town's, the region's, or both.
                var chosen = Array(
                    townId.map { grids.ids(where: GridField.townId.rawValue, equals: $0) ?? [] } ?? grids.order)
                if let members {
                    chosen = townId == nil ? Array(members.grids) : chosen.filter(members.grids.contains)
                }
                for id in chosen.lazy.flatMap({ records.ids(where: AssistanceField.gridId.rawValue, equals: $0) ?? [] })
                {
                    let record = records[id]!
                    guard let text = record[AssistanceField.date].string,
                        let type = record[AssistanceField.type].string, let position = types.firstIndex(of: type)
                    else { continue }
                    add(1, position, on: text, yuan: record[AssistanceField.amountYuan].int)
                }
            }
            var periods: [Timeline.Period] = []
            var omittedPeriods = 0
            var omittedRecords = 0
            if let first = buckets.keys.min(), let last = buckets.keys.max() {
                let start = max(first, last - (Timeline.maxPeriods - 1))
                omittedPeriods = start - first
                for (key, period) in buckets where key < start { omittedRecords += period.counts.reduce(0, +) }
                for key in start...last {
                    periods.append(buckets[key] ?? Self.period(key, interval, types: types.count))
                }
            }
            return Timeline(
                interval: interval, townId: townId, revision: state.revision, periods: periods,
                omittedPeriods: omittedPeriods, omittedRecords: omittedRecords)
        }
    }

    /// Months since year 0, or weeks since the first Monday of the day count.
    static func periodKey(_ date: CalendarDate, _ interval: Timeline.Interval) -> Int {
        switch interval {
        case .month: return date.year * 12 + (date.month - 1)
        case .week: return (date.dayNumber - date.weekday - CalendarDate.firstMonday) / 7
        }
    }

    static func period(_ key: Int, _ interval: Timeline.Interval, types: Int) -> Timeline.Period {
        switch interval {
        case .month:
            let year = key / 12
            let month = key % 12 + 1
            return Timeline.Period(
                label: "\(year.zeroPadded(4))-\(month.zeroPadded(2))",
                start: "\(year.zeroPadded(4))-\(month.zeroPadded(2))-01", counts: Array(repeating: 0, count: types),
                fundsYuan: 0)
        case .week:
            let monday = CalendarDate(dayNumber: key * 7 + CalendarDate.firstMonday)
            // The ISO week-year is the year of the week's Thursday.
            let thursday = CalendarDate(dayNumber: key * 7 + CalendarDate.firstMonday + 3)
            let week = (thursday.dayOfYear - 1) / 7 + 1
            return Timeline.Period(
                label: "\(thursday.year.zeroPadded(4))-W\(week.zeroPadded(2))", start: monday.text,
                counts: Array(repeating: 0, count: types), fundsYuan: 0)
        }
    }
}

extension CalendarDate {
    /// Days since 0000-03-01 of the proleptic Gregorian calendar.
    var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let m = month <= 2 ? month + 9 : month - 3
        return 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + day - 1
    }

    /// 0 for Monday … 6 for Sunday.
    var weekday: Int {
        // Day number 0 (0000-03-01) was a Wednesday.
        (dayNumber + 2) % 7
    }

    /// The day number of the first Monday (0000-03-06).
    static let firstMonday = 5

    /// 1 for January 1st.
    var dayOfYear: Int {
        dayNumber - CalendarDate(year: year, month: 1, day: 1).dayNumber + 1
    }

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The inverse of `dayNumber`.
    init(dayNumber: Int) {
        let y0 = (10000 * dayNumber + 14780) / 3_652_425
        var y = y0
        var ddd = dayNumber - (365 * y + y / 4 - y / 100 + y / 400)
        if ddd < 0 {
            y -= 1
            ddd = dayNumber - (365 * y + y / 4 - y / 100 + y / 400)
        }
        let mi = (100 * ddd + 52) / 3060
        let month = (mi + 2) % 12 + 1
        self.init(year: y + (mi + 2) / 12, month: month, day: ddd - (mi * 306 + 5) / 10 + 1)
    }
}
