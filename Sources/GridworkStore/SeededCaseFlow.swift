/// A seeded case's flow, built one step at a time through `CaseWorkflow.next` as an admin would
/// take it, so every seeded flow is one the server could have recorded: the state, deadline,
/// reworks and assignee follow from the steps. The automatic reminder (催办) is added where the
/// server would have added it: by its sweep at the turn of the first working day past the
/// deadline, or by the settling that follows a step.
struct SeededCaseFlow {
    private(set) var steps: [CaseStep]
    /// The day of each step, as `steps[i].on` says.
    private var days: [CalendarDate]
    let reportedOn: CalendarDate
    private(set) var state = CaseState.reported
    private(set) var deadline: CalendarDate
    private(set) var reworks = 0
    private(set) var assignee: String?
    private(set) var supervised = false
    private(set) var outcome: CaseOutcome?
    private(set) var closedOn: CalendarDate?
    private var checked = false
    /// Whether the clock has reminded the case since its deadline was last set.
    private var reminded = false
    private var lastDay: CalendarDate
    /// Positions in `steps` of the reminders the sweep added at the turn of a day.
    private var sweptReminders: Set<Int> = []

    /// A case reported on `reportedOn`, due as its category says.
    init(reportedOn: CalendarDate, category: CaseCategory) {
        self.reportedOn = reportedOn
        deadline = SeedWorkingDays.china.deadline(of: category, from: reportedOn)
        lastDay = reportedOn
        steps = [
            CaseStep(
                action: "report", from: nil, to: CaseState.reported.rawValue, by: Record.seedPrincipal, at: "",
                on: reportedOn.text, deadline: deadline.text)
        ]
        days = [reportedOn]
        steps.reserveCapacity(12)
        days.reserveCapacity(12)
    }

    /// Takes `action` on `day`, which the workflow must allow.
    mutating func take(_ action: CaseAction, on day: CalendarDate, _ arguments: CaseArguments = CaseArguments()) {
        sweep(through: day)
        let result = CaseWorkflow.next(
            state: state, action: action, role: .admin, checked: checked, deadline: deadline, today: day,
            arguments: arguments)
        guard case .success(let transition) = result else {
            preconditionFailure("seeded case: \(action) from \(state) on \(day.text): \(result)")
        }
        var step = CaseStep(
            action: action.rawValue, from: state.rawValue, to: transition.state.rawValue, by: Record.seedPrincipal,
            at: "", on: day.text, note: arguments.note)
        switch action {
        case .dispatch:
            step.assignee = arguments.assignee
            assignee = arguments.assignee
        case .return:
            assignee = nil
        case .extend:
            step.deadline = transition.deadline.text
            reminded = false
        case .check:
            step.passed = arguments.passed
            if transition.rework { reworks += 1 }
        case .supervise:
            supervised = true
        case .close:
            step.outcome = arguments.outcome?.rawValue
            outcome = arguments.outcome
            closedOn = day
        case .accept, .start, .submit, .remind, .void:
            break
        }
        state = transition.state
        checked = transition.checked
        deadline = transition.deadline
        steps.append(step)
        days.append(day)
        lastDay = day
        // A step settles its case at once (`CaseFile.step`).
        remind(on: day, swept: false)
    }

    /// The sweep's reminder, if due on a working day after the last step through `day`. Only the
    /// first such day past the deadline can be due: until the next step the state stays.
    mutating func sweep(through day: CalendarDate) {
        let first = SeedWorkingDays.china.adding(1, to: max(lastDay, deadline))
        if first <= day { remind(on: first, swept: true) }
    }

    private mutating func remind(on day: CalendarDate, swept: Bool) {
        guard
            CaseWorkflow.needsAutomaticReminder(deadline: deadline, state: state, today: day, alreadyReminded: reminded)
        else { return }
        if swept { sweptReminders.insert(steps.count) }
        var reminder = CaseFile.automaticReminder(state: state, deadline: deadline, at: "", on: day)
        reminder.on = day.text
        steps.append(reminder)
        days.append(day)
        reminded = true
    }

    /// Gives every step its time: people's steps in office hours of their day in China (08:30–12:00,
    /// 14:00–17:30, +08:00), a swept reminder just after midnight there, a reminder that settled a
    /// step one second after it; strictly increasing.
    mutating func stamp(_ random: inout SplitMix64) {
        var start = 0
        while start < steps.count {
            var end = start + 1
            while end < steps.count && days[end] == days[start] { end += 1 }
            let day = days[start]
            let people = (start..<end).filter { steps[$0].by != CaseStep.system }.count
            var office = (0..<people).map { _ in random.int(in: 0...25_199) }.sorted().makeIterator()
            var previous = -1
            for index in start..<end {
                var second: Int
                if sweptReminders.contains(index) {
                    second = random.int(in: 5...170)
                } else if steps[index].by == CaseStep.system {
                    second = previous + 1
                } else {
                    let drawn = office.next()!
                    second = 30_600 + drawn + (drawn >= 12_600 ? 7_200 : 0)
                }
                second = max(second, previous + 1)
                previous = second
                steps[index].at = Self.utc(day, chinaSecond: second)
            }
            start = end
        }
    }

    /// The RFC 3339 UTC time of `second` after midnight of `day` in China (UTC+8), written byte by
    /// byte: the seed writes thousands of them at every start.
    static func utc(_ day: CalendarDate, chinaSecond second: Int) -> String {
        let shifted = second - 8 * 3_600
        let date = shifted < 0 ? CalendarDate(dayNumber: day.dayNumber - 1) : day
        let time = shifted < 0 ? shifted + 86_400 : shifted
        let text = date.text
        return String(unsafeUninitializedCapacity: 20) { buffer in
            var count = 0
            func put(_ byte: UInt8) {
                buffer[count] = byte
                count += 1
            }
            func pair(_ value: Int) {
                put(UInt8(ascii: "0") + UInt8(value / 10))
                put(UInt8(ascii: "0") + UInt8(value % 10))
            }
            for byte in text.utf8 { put(byte) }
            put(UInt8(ascii: "T"))
            pair(time / 3_600)
            put(UInt8(ascii: ":"))
            pair(time / 60 % 60)
            put(UInt8(ascii: ":"))
            pair(time % 60)
            put(UInt8(ascii: "Z"))
            return count
        }
    }
}
