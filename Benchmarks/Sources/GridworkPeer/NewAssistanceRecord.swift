/// The body of `POST /assistance-records`.
///
/// Required fields are non-optional, so a missing one fails decoding (Hummingbird answers 400); `type` is
/// a plain string so that an unknown value is a 422 naming the field, as Gridwork answers.
struct NewAssistanceRecord: Decodable, Sendable {
    var type: String
    var date: String
    var cadreId: String
    var gridId: String
    var householdName: String?
    var amountYuan: Int?
    var summary: String

    /// The checks Gridwork makes on create: the enum, a real calendar date, existing references, lengths and
    /// the funding rule. Throws every problem at once.
    func validated(cadreIds: Set<String>, gridIds: some Collection<String>) throws -> ValidRecord {
        var problems: [FieldProblem] = []
        let kind = AssistanceType(rawValue: type)
        if kind == nil {
            let allowed = AssistanceType.allCases.map(\.rawValue).joined(separator: ", ")
            problems.append(FieldProblem(field: "/type", message: "Must be one of: \(allowed)."))
        }
        if !Self.isCalendarDate(date) {
            problems.append(FieldProblem(field: "/date", message: "Expected a real date as YYYY-MM-DD."))
        }
        if !cadreIds.contains(cadreId) {
            problems.append(FieldProblem(field: "/cadreId", message: "No cadre has the id `\(cadreId)`."))
        }
        if !gridIds.contains(gridId) {
            problems.append(FieldProblem(field: "/gridId", message: "No grid has the id `\(gridId)`."))
        }
        if let householdName, householdName.isEmpty || householdName.count > 100 {
            problems.append(FieldProblem(field: "/householdName", message: "Must be 1…100 characters."))
        }
        if summary.count > 2000 {
            problems.append(FieldProblem(field: "/summary", message: "Must be at most 2000 characters."))
        }
        if kind == .funding, (amountYuan ?? 0) <= 0 {
            problems.append(
                FieldProblem(field: "/amountYuan", message: "A funding record needs a positive amountYuan."))
        } else if kind != .funding, amountYuan != nil {
            problems.append(FieldProblem(field: "/amountYuan", message: "Only funding records carry amountYuan."))
        }
        if let amountYuan, amountYuan < 0 {
            problems.append(FieldProblem(field: "/amountYuan", message: "Must not be negative."))
        }
        guard let kind, problems.isEmpty else { throw UnprocessableRecord(problems: problems) }
        return ValidRecord(
            type: kind, date: date, cadreId: cadreId, gridId: gridId, householdName: householdName,
            amountYuan: amountYuan, summary: summary
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
}
