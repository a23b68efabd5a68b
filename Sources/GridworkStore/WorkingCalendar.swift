/// Which days are working days (工作日), for the deadlines of cases and the working days they took.
///
/// Saturdays and Sundays are off, except the make-up working days (调休上班) of a holiday notice;
/// a notice's public holidays are off whatever the weekday. `china` knows one notice, 2014's, the
/// year of the records; in every other year it counts weekends only, since no holidays are known
/// to it there and none are guessed.
public struct WorkingCalendar: Sendable {
    /// Day numbers of the weekdays a notice gives off, sorted.
    private let holidays: [Int]
    /// Day numbers of the weekend days a notice makes working days, sorted.
    private let makeUpDays: [Int]
    private let holidaySet: Set<Int>
    private let makeUpSet: Set<Int>

    /// A calendar with the given days off and make-up working days; days off that fall on a
    /// weekend change nothing, and a make-up day must fall on one.
    init(daysOff: [ClosedRange<CalendarDate>], makeUpDays: [CalendarDate]) {
        let off = daysOff.flatMap { $0.lowerBound.dayNumber...$0.upperBound.dayNumber }
        holidays = Set(off.filter { Self.isWeekday($0) }).sorted()
        self.makeUpDays = Set(makeUpDays.map(\.dayNumber)).sorted()
        precondition(self.makeUpDays.allSatisfy { !Self.isWeekday($0) }, "a make-up working day is a weekend day")
        holidaySet = Set(holidays)
        makeUpSet = Set(self.makeUpDays)
    }

    /// Mainland China. For 2014, the public holidays and make-up working days of 国务院办公厅关于
    /// 2014年部分节假日安排的通知 (国办发明电〔2013〕28号, 11 December 2013): 元旦 1 January; 春节
    /// 31 January – 6 February, working Sunday 26 January and Saturday 8 February; 清明节 5–7 April;
    /// 劳动节 1–3 May, working Sunday 4 May; 端午节 31 May – 2 June; 中秋节 6–8 September; 国庆节
    /// 1–7 October, working Sunday 28 September and Saturday 11 October. Other years: weekends only.
    public static let china = WorkingCalendar(
        daysOff: [
            ("2014-01-01", "2014-01-01"),  // 元旦
            ("2014-01-31", "2014-02-06"),  // 春节
            ("2014-04-05", "2014-04-07"),  // 清明节
            ("2014-05-01", "2014-05-03"),  // 劳动节
            ("2014-05-31", "2014-06-02"),  // 端午节
            ("2014-09-06", "2014-09-08"),  // 中秋节
            ("2014-10-01", "2014-10-07"),  // 国庆节
        ].map { date($0)...date($1) },
        makeUpDays: ["2014-01-26", "2014-02-08", "2014-05-04", "2014-09-28", "2014-10-11"].map(date))

    private static func date(_ text: String) -> CalendarDate {
        guard let date = CalendarDate(text) else { preconditionFailure("not a date: \(text)") }
        return date
    }

    /// Whether people work on `date`.
    public func isWorkingDay(_ date: CalendarDate) -> Bool {
        isWorkingDay(dayNumber: date.dayNumber)
    }

    /// The date `workingDays` working days after `date`, which does not count itself: one working
    /// day after a Friday is the Monday, and zero is `date`, working day or not.
    public func adding(workingDays: Int, to date: CalendarDate) -> CalendarDate {
        precondition(workingDays >= 0, "a deadline does not lie in the past")
        var day = date.dayNumber
        var remaining = workingDays
        while remaining > 0 {
            day += 1
            if isWorkingDay(dayNumber: day) { remaining -= 1 }
        }
        return CalendarDate(dayNumber: day)
    }

    /// The working days after `start` up to and including `end`: how many working days a case
    /// reported on `start` and closed on `end` took, so `workingDays(from: d, through:
    /// adding(workingDays: n, to: d)) == n`. Zero when `end` is not after `start`.
    public func workingDays(from start: CalendarDate, through end: CalendarDate) -> Int {
        let first = start.dayNumber + 1
        let last = end.dayNumber
        guard first <= last else { return 0 }
        let range = first...last
        // Counted, not walked: a long range costs as much as a short one.
        return Self.weekdays(before: last + 1) - Self.weekdays(before: first)
            - holidays.count(where: range.contains) + makeUpDays.count(where: range.contains)
    }

    private func isWorkingDay(dayNumber day: Int) -> Bool {
        Self.isWeekday(day) ? !holidaySet.contains(day) : makeUpSet.contains(day)
    }

    private static func isWeekday(_ day: Int) -> Bool {
        CalendarDate(dayNumber: day).weekday < 5
    }

    /// Monday to Friday among the day numbers 0..<`day` (day numbers are never negative for dates
    /// from year 1 on).
    private static func weekdays(before day: Int) -> Int {
        // Day number 0 was a Wednesday: shifted by two, every run of seven starts on a Monday.
        let shifted = day + 2
        return shifted / 7 * 5 + min(shifted % 7, 5) - 2
    }
}

/// What a case is about, which sets how long it may take under the 12345 hotline's rules.
public enum CaseCategory: String, CaseIterable, Sendable {
    /// Cannot wait: due the day it is reported.
    case urgent
    /// A household asks for help: due in 5 working days.
    case help
    /// A complaint: due in 15 working days.
    case complaint
    /// A suggestion: due in 15 working days.
    case suggestion

    /// The working days a case of this category is given.
    public var workingDaysAllowed: Int {
        switch self {
        case .urgent: 0
        case .help: 5
        case .complaint, .suggestion: 15
        }
    }

    /// The last day on which a case of this category reported on `reported` is on time.
    public func deadline(from reported: CalendarDate, calendar: WorkingCalendar = .china) -> CalendarDate {
        calendar.adding(workingDays: workingDaysAllowed, to: reported)
    }
}
