#if canImport(Glibc)
    import Glibc
#endif

/// The case clock: which working day it is for deadlines, overdue cases and the steps taken. The
/// server's own date in China (UTC+8) by default, or a fixed present (`--today`) for data that
/// lives in another year, such as the seed's 2014-08-06.
public struct CaseClock: Sendable {
    private let read: @Sendable () -> CalendarDate
    /// The calendar deadlines count working days in.
    public let calendar: WorkingCalendar

    /// A clock that reads `today` each time it is asked.
    public init(calendar: WorkingCalendar = .china, today: @escaping @Sendable () -> CalendarDate) {
        self.read = today
        self.calendar = calendar
    }

    /// The day it is now.
    public var today: CalendarDate { read() }

    /// Always `date`.
    public static func fixed(_ date: CalendarDate) -> CaseClock {
        CaseClock { date }
    }

    /// The date in China (UTC+8, no daylight saving) by the system clock.
    public static let system = CaseClock { chinaDate(secondsSinceEpoch: Int(time(nil))) }

    /// The date in China at a Unix time.
    public static func chinaDate(secondsSinceEpoch seconds: Int) -> CalendarDate {
        let shifted = seconds + 8 * 3600
        let days = shifted >= 0 ? shifted / 86_400 : (shifted - 86_399) / 86_400
        return CalendarDate(dayNumber: unixEpochDay + days)
    }

    private static let unixEpochDay = CalendarDate(year: 1970, month: 1, day: 1).dayNumber
}
