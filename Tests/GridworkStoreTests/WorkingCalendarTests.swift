import Testing

@testable import GridworkStore

/// Working days in China: 2014's holiday notice, weekends elsewhere, and the deadlines of cases.
struct WorkingCalendarTests {
    let calendar = WorkingCalendar.china

    /// Every day 2014's notice gives off, weekend or not.
    static let daysOff2014 = [
        "2014-01-01",
        "2014-01-31", "2014-02-01", "2014-02-02", "2014-02-03", "2014-02-04", "2014-02-05", "2014-02-06",
        "2014-04-05", "2014-04-06", "2014-04-07",
        "2014-05-01", "2014-05-02", "2014-05-03",
        "2014-05-31", "2014-06-01", "2014-06-02",
        "2014-09-06", "2014-09-07", "2014-09-08",
        "2014-10-01", "2014-10-02", "2014-10-03", "2014-10-04", "2014-10-05", "2014-10-06", "2014-10-07",
    ]

    /// The weekend days 2014's notice makes working days.
    static let makeUpDays2014 = ["2014-01-26", "2014-02-08", "2014-05-04", "2014-09-28", "2014-10-11"]

    @Test(arguments: daysOff2014)
    func holiday_isNotAWorkingDay(_ text: String) {
        #expect(!calendar.isWorkingDay(.make(text)))
    }

    @Test(arguments: makeUpDays2014)
    func makeUpDay_isAWorkingDayThoughAWeekend(_ text: String) {
        let date = CalendarDate.make(text)
        #expect(date.weekday >= 5)
        #expect(calendar.isWorkingDay(date))
    }

    @Test func weekdaysAroundTheSpringFestival_work() {
        // 除夕 (30 January) was a working day in 2014, and the Friday after the week off.
        for text in ["2014-01-29", "2014-01-30", "2014-02-07", "2014-02-10"] {
            #expect(calendar.isWorkingDay(.make(text)), "\(text)")
        }
    }

    @Test func year2014_has250WorkingDays() {
        #expect(calendar.workingDays(from: .make("2013-12-31"), through: .make("2014-12-31")) == 250)
    }

    @Test func everyOther2014Day_isAWorkingDayExactlyOnAWeekday() {
        let listed = Set(Self.daysOff2014 + Self.makeUpDays2014)
        for offset in 0..<365 {
            let date = CalendarDate(dayOf2014: offset)
            guard !listed.contains(date.text) else { continue }
            #expect(calendar.isWorkingDay(date) == (date.weekday < 5), "\(date.text)")
        }
    }

    @Test(arguments: [
        // 1 January 2026 was a Thursday, 1 October 2026 too: no holiday is known outside 2014.
        ("2026-01-01", true), ("2026-01-03", false), ("2026-01-04", false), ("2026-02-17", true),
        ("2026-05-01", true), ("2026-10-01", true), ("2026-10-03", false), ("2013-12-31", true),
        ("2015-01-01", true),
    ])
    func otherYears_countWeekendsOnly(_ text: String, _ working: Bool) {
        #expect(calendar.isWorkingDay(.make(text)) == working)
    }

    @Test func year2026_hasEveryWeekdayAsAWorkingDay() {
        #expect(calendar.workingDays(from: .make("2025-12-31"), through: .make("2026-12-31")) == 261)
    }

    @Test(arguments: [
        // The Spring Festival week: 30 January, then 7 and 8 February (a make-up Saturday).
        (CaseCategory.help, "2014-01-29", "2014-02-11"),
        (.help, "2014-02-01", "2014-02-12"),
        (.help, "2014-01-24", "2014-01-30"),
        // National Day: the make-up Sunday before and Saturday after count.
        (.complaint, "2014-09-26", "2014-10-22"),
        (.suggestion, "2014-09-26", "2014-10-22"),
        // 劳动节 and the make-up Sunday 4 May.
        (.help, "2014-04-30", "2014-05-08"),
        // Urgent cases are due the same day, holiday or not.
        (.urgent, "2014-02-01", "2014-02-01"),
        (.urgent, "2014-08-06", "2014-08-06"),
        (.help, "2026-03-06", "2026-03-13"),
        (.complaint, "2026-03-06", "2026-03-27"),
    ])
    func deadline_countsWorkingDaysAfterTheReport(_ category: CaseCategory, _ reported: String, _ due: String) {
        #expect(category.deadline(from: .make(reported)) == .make(due))
    }

    @Test func adding_andCounting_agree() {
        var random = SplitMix64(seed: 0xCA1E)
        for _ in 0..<2000 {
            let start = CalendarDate(dayNumber: CalendarDate.make("2013-10-01").dayNumber + random.int(in: 0...600))
            let days = random.int(in: 0...40)
            let end = calendar.adding(workingDays: days, to: start)
            #expect(calendar.workingDays(from: start, through: end) == days)
            #expect(days == 0 ? end == start : calendar.isWorkingDay(end))
        }
    }

    @Test func counting_matchesAWalkOverTheDays() {
        var random = SplitMix64(seed: 2014)
        let origin = CalendarDate.make("2013-06-01").dayNumber
        for _ in 0..<500 {
            let start = origin + random.int(in: 0...900)
            let end = start + random.int(in: -10...400)
            let walked =
                start < end ? (start + 1...end).count { calendar.isWorkingDay(CalendarDate(dayNumber: $0)) } : 0
            let counted = calendar.workingDays(
                from: CalendarDate(dayNumber: start), through: CalendarDate(dayNumber: end))
            #expect(counted == walked)
        }
    }

    @Test func counting_reachesAcrossCenturies() {
        // 2000-01-01, a Saturday, to 2099-12-31: 5,217 weeks and six days, Saturday to Thursday, so
        // 26,089 weekdays, less 2014's 16 weekday holidays, plus its 5 make-up days.
        let days = calendar.workingDays(from: .make("1999-12-31"), through: .make("2099-12-31"))
        #expect(days == 26_089 - 16 + 5)
    }
}

extension CalendarDate {
    /// A date from a literal the test knows is valid.
    static func make(_ text: String) -> CalendarDate {
        guard let date = CalendarDate(text) else { preconditionFailure("not a date: \(text)") }
        return date
    }
}
