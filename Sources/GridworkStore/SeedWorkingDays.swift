/// The working days around the seed's year, looked up rather than counted: the seed dates
/// thousands of case steps at every start. Built day by day from a `WorkingCalendar`, so it agrees
/// with it; outside its span it asks the calendar.
struct SeedWorkingDays: Sendable {
    /// Mainland China, 2013-12-01 through 2015-01-31.
    static let china = SeedWorkingDays(.china, from: CalendarDate(year: 2013, month: 12, day: 1), days: 427)

    private let calendar: WorkingCalendar
    /// The day number of the first day covered.
    private let start: Int
    private let isWorking: [Bool]
    /// The working days covered, in order, as day numbers.
    private let working: [Int]
    /// For each day covered, how many of `working` fall on or before it.
    private let ordinal: [Int]

    init(_ calendar: WorkingCalendar, from first: CalendarDate, days: Int) {
        self.calendar = calendar
        start = first.dayNumber
        let isWorking = (0..<days).map { calendar.isWorkingDay(CalendarDate(dayNumber: first.dayNumber + $0)) }
        var count = 0
        ordinal = isWorking.map { working in
            if working { count += 1 }
            return count
        }
        working = isWorking.indices.filter { isWorking[$0] }.map { first.dayNumber + $0 }
        self.isWorking = isWorking
    }

    private func index(_ date: CalendarDate) -> Int? {
        let index = date.dayNumber - start
        return isWorking.indices.contains(index) ? index : nil
    }

    /// Whether people work on `date`.
    func isWorkingDay(_ date: CalendarDate) -> Bool {
        index(date).map { isWorking[$0] } ?? calendar.isWorkingDay(date)
    }

    /// `WorkingCalendar.adding(workingDays:to:)`.
    func adding(_ workingDays: Int, to date: CalendarDate) -> CalendarDate {
        guard workingDays > 0, let index = index(date), ordinal[index] + workingDays <= working.count else {
            return calendar.adding(workingDays: workingDays, to: date)
        }
        return CalendarDate(dayNumber: working[ordinal[index] + workingDays - 1])
    }

    /// The deadline of a case of `category` reported on `date` (`CaseCategory.deadline(from:)`).
    func deadline(of category: CaseCategory, from date: CalendarDate) -> CalendarDate {
        adding(category.workingDaysAllowed, to: date)
    }

    /// The working day `span` working days before `date`: the one after which, through `date`,
    /// `span` working days pass; never before `earliest`, and `date` itself when that is earlier.
    func day(_ span: Int, workingDaysBefore date: CalendarDate, earliest: CalendarDate) -> CalendarDate {
        guard date >= earliest else { return date }
        guard let index = index(date), let floor = self.index(earliest) else { preconditionFailure("outside the seed") }
        let position = ordinal[index] - span - 1
        let lowest = ordinal[floor] - (isWorking[floor] ? 1 : 0)
        return position >= lowest && position >= 0 ? CalendarDate(dayNumber: working[position]) : earliest
    }

    /// The last working day before `date`.
    func previousWorkingDay(before date: CalendarDate) -> CalendarDate {
        guard let index = index(date), index > 0, ordinal[index - 1] > 0 else {
            preconditionFailure("outside the seed")
        }
        return CalendarDate(dayNumber: working[ordinal[index - 1] - 1])
    }

    /// The working days from `first` through `last`.
    func workingDays(from first: CalendarDate, through last: CalendarDate) -> [CalendarDate] {
        guard first <= last, let low = index(first), let high = index(last) else { return [] }
        let from = ordinal[low] - (isWorking[low] ? 1 : 0)
        return working[from..<ordinal[high]].map(CalendarDate.init(dayNumber:))
    }
}
