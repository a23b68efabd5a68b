/// The body of `POST /assistance-records`.
///
/// Required fields are non-optional, so a missing one fails decoding (Hummingbird answers 400); `type`,
/// `activity` and `counterpart` are plain strings so that an unknown value is a 422 naming the field, as
/// Gridwork answers.
struct NewAssistanceRecord: Decodable, Sendable {
    var type: String
    var date: String
    var cadreId: String
    var gridId: String
    var householdName: String?
    var amountYuan: Int?
    var summary: String
    var activity: String?
    var counterpart: String?

    /// The checks Gridwork makes on create, in its order: each field's own (the enums, a real calendar date,
    /// lengths in code points, no negative amount), then the references; the funding rule only once those
    /// pass. Throws every problem of the first stage that has any.
    func validated(cadreIds: Set<String>, gridIds: some Collection<String>) throws -> ValidRecord {
        var problems: [FieldProblem] = []
        func oneOf<T: RawRepresentable & CaseIterable>(_ value: String?, _: T.Type, field: String) -> T?
        where T.RawValue == String {
            guard let value else { return nil }
            if let known = T(rawValue: value) { return known }
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            problems.append(FieldProblem(field: field, message: "Must be one of: \(allowed)."))
            return nil
        }
        func length(_ text: String?, field: String, max: Int) {
            guard let count = text?.unicodeScalars.count else { return }
            guard count > max else { return }
            let message = "Must be at most \(max) characters (Unicode code points); this has \(count)."
            problems.append(FieldProblem(field: field, message: message))
        }
        let kind = oneOf(type, AssistanceType.self, field: "/type")
        if !Self.isCalendarDate(date) {
            problems.append(FieldProblem(field: "/date", message: "Expected a real date as YYYY-MM-DD."))
        }
        if householdName?.isEmpty == true {
            problems.append(FieldProblem(field: "/householdName", message: "Must not be empty."))
        }
        length(householdName, field: "/householdName", max: 100)
        if let amountYuan, amountYuan < 0 {
            problems.append(FieldProblem(field: "/amountYuan", message: "Must not be negative."))
        }
        length(summary, field: "/summary", max: 2000)
        let activity = oneOf(activity, Activity.self, field: "/activity")
        let counterpart = oneOf(counterpart, Counterpart.self, field: "/counterpart")
        if !cadreIds.contains(cadreId) {
            problems.append(FieldProblem(field: "/cadreId", message: "No cadre has the id `\(cadreId)`."))
        }
        if !gridIds.contains(gridId) {
            problems.append(FieldProblem(field: "/gridId", message: "No grid has the id `\(gridId)`."))
        }
        guard let kind, problems.isEmpty else { throw UnprocessableRecord(problems: problems) }
        if kind == .funding, (amountYuan ?? 0) <= 0 {
            problems.append(
                FieldProblem(field: "/amountYuan", message: "A funding record needs a positive amountYuan."))
        } else if kind != .funding, amountYuan != nil {
            problems.append(FieldProblem(field: "/amountYuan", message: "Only funding records carry amountYuan."))
        }
        guard problems.isEmpty else { throw UnprocessableRecord(problems: problems) }
        return ValidRecord(
            type: kind, date: date, cadreId: cadreId, gridId: gridId, householdName: householdName,
            amountYuan: amountYuan, summary: summary, activity: activity, counterpart: counterpart
        )
    }

    /// `YYYY-MM-DD` naming a day that exists (2014-02-30 does not).
    static func isCalendarDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            (1...12).contains(month), day >= 1
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }
}

/// A create body that passed validation, ready for the store to give an id.
struct ValidRecord: Sendable {
    var type: AssistanceType
    var date: String
    var cadreId: String
    var gridId: String
    var householdName: String?
    var amountYuan: Int?
    var summary: String
    var activity: Activity?
    var counterpart: Counterpart?
}
