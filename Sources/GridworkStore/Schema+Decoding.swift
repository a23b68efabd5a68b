public import JSON

/// One invalid field of a record body.
public struct ValidationIssue: Error, Sendable, Equatable {
    /// A JSON pointer to the field, e.g. `/gridIds/2`.
    public var pointer: String
    /// What is wrong.
    public var message: String

    /// Creates an issue.
    public init(_ pointer: String, _ message: String) {
        self.pointer = pointer
        self.message = message
    }
}

/// Which rules a record body is held to.
public enum ValidationRules: Sendable, Equatable {
    /// A client's write: every rule of today's schema.
    case write
    /// A record the journal or a snapshot already holds. It passed the rules of the version that
    /// wrote it; rules tightened since (the date range, lengths in code points, control
    /// characters) are not applied again, so that tightening a rule never makes a data directory
    /// unloadable. Types, enumerations and required fields still are.
    case stored
}

/// Every problem found in one record body.
public struct ValidationFailure: Error, Sendable, Equatable {
    /// The problems, in field order of the body.
    public var issues: [ValidationIssue]
    /// The values that did convert (null elsewhere), so later checks can still look at them.
    public var partial: [FieldValue] = []
}

extension Schema {
    /// The server-owned fields, which a client may not set.
    public static let serverOwned: Set<String> = [
        "id", "createdAt", "updatedAt", "revision", "source", "createdBy", "updatedBy",
    ]

    /// Converts a JSON object into field values, collecting every problem: unknown fields,
    /// missing required fields, wrong types, bad enum values, impossible dates, negative numbers.
    /// `ignoring` names members to skip (the seed's own bookkeeping).
    public func values(
        from json: JSONValue, ignoring: Set<String> = [], rules: ValidationRules = .write
    ) -> Result<[FieldValue], ValidationFailure> {
        guard case .object(let members) = json else {
            return .failure(
                ValidationFailure(issues: [ValidationIssue("", "The body must be a JSON object, not \(json.typeName).")]
                ))
        }
        var issues: [ValidationIssue] = []
        var values = [FieldValue](repeating: .null, count: fields.count)
        // The fields seen, by position; other names seen (each an issue) in `seenOthers`. Every
        // journal line and snapshot record comes through here, so the common case allocates
        // nothing but the values.
        var seen = [Bool](repeating: false, count: fields.count)
        var seenOthers = Set<String>()
        // Built once, when first needed: a body may hold tens of thousands of unknown members.
        var unknownFieldMessage: String?
        for (key, value) in members {
            if ignoring.contains(key) { continue }
            let position = index(of: key)
            let repeated: Bool
            if let position {
                repeated = seen[position]
                seen[position] = true
            } else {
                repeated = !seenOthers.insert(key).inserted
            }
            guard !repeated else {
                issues.append(ValidationIssue("/\(key)", "The field appears more than once."))
                continue
            }
            if Self.serverOwned.contains(key) {
                issues.append(ValidationIssue("/\(key)", "`\(key)` is set by the server and cannot be written."))
                continue
            }
            guard let position else {
                let message =
                    unknownFieldMessage
                    ?? "Unknown field; allowed fields: \(fields.map(\.name).joined(separator: ", "))."
                unknownFieldMessage = message
                issues.append(ValidationIssue("/\(key)", message))
                continue
            }
            if rules == .write, fields[position].access == .derived {
                issues.append(ValidationIssue("/\(key)", "`\(key)` is set by the server and cannot be written."))
                continue
            }
            switch Self.convert(value, as: fields[position].type, pointer: "/\(key)", rules: rules) {
            case .success(let converted): values[position] = converted
            case .failure(let issue): issues.append(issue)
            }
        }
        for (position, field) in fields.enumerated() where field.required && values[position] == .null {
            if !seen[position] {
                issues.append(ValidationIssue("/\(field.name)", "Required field is missing."))
            } else if issues.allSatisfy({ $0.pointer != "/\(field.name)" }) {
                issues.append(ValidationIssue("/\(field.name)", "Required field may not be null."))
            }
        }
        return issues.isEmpty ? .success(values) : .failure(ValidationFailure(issues: issues, partial: values))
    }

    /// `pointer` is only made for an issue: on a valid body it would be one string per field.
    static func convert(
        _ value: JSONValue, as type: FieldType, pointer makePointer: @autoclosure () -> String,
        rules: ValidationRules = .write
    ) -> Result<FieldValue, ValidationIssue> {
        if case .null = value { return .success(.null) }
        func fail(_ message: String) -> Result<FieldValue, ValidationIssue> {
            .failure(ValidationIssue(makePointer(), message))
        }
        switch type {
        case .string(let maxLength):
            guard case .string(let text) = value else { return fail("Expected a string, got \(value.typeName).") }
            guard !text.isEmpty else { return fail("Must not be empty.") }
            if rules == .write, let problem = Self.textProblem(text, maxLength: maxLength) { return fail(problem) }
            return .success(.string(text))
        case .text:
            guard case .string(let text) = value else { return fail("Expected a string, got \(value.typeName).") }
            if rules == .write, let problem = Self.textProblem(text, maxLength: Self.maxTextLength) {
                return fail(problem)
            }
            return .success(.string(text))
        case .count, .money:
            // JSON Schema counts 91.0 as an integer; so does this API.
            var value = value
            if case .double(let number) = value, number == number.rounded(), abs(number) <= 1e15 {
                value = .int(Int(number))
            }
            guard case .int(let number) = value else {
                return fail("Expected an integer\(type == .money ? " number of yuan" : ""), got \(value.typeName).")
            }
            guard number >= 0 else { return fail("Must not be negative.") }
            guard number <= 1_000_000_000_000 else { return fail("Must be at most 1000000000000.") }
            return .success(.int(number))
        case .boolean:
            guard case .bool(let flag) = value else { return fail("Expected true or false, got \(value.typeName).") }
            return .success(.bool(flag))
        case .date:
            guard case .string(let text) = value else { return fail("Expected a date string, got \(value.typeName).") }
            guard let date = CalendarDate(text) else { return fail("Expected a real date as YYYY-MM-DD.") }
            guard rules == .stored || CalendarDate.accepted.contains(date) else {
                return fail(
                    "Must be from \(CalendarDate.accepted.lowerBound.text) to \(CalendarDate.accepted.upperBound.text)."
                )
            }
            return .success(.string(text))
        case .enumeration(let allowed):
            guard case .string(let text) = value else { return fail("Expected a string, got \(value.typeName).") }
            // The schema's own string: a record then shares its storage (one longer than 15 bytes,
            // `household_pairing`, is a heap string of its own otherwise, in every record).
            guard let canonical = allowed.first(where: { $0 == text }) else {
                return fail("Must be one of: \(allowed.joined(separator: ", ")).")
            }
            return .success(.string(canonical))
        case .reference:
            guard case .string(let text) = value else { return fail("Expected an id string, got \(value.typeName).") }
            guard !text.isEmpty else { return fail("Must not be empty: an empty string is not an id.") }
            return .success(.string(text))
        case .references, .tags:
            guard case .array(let elements) = value else { return fail("Expected an array, got \(value.typeName).") }
            var strings: [String] = []
            for (position, element) in elements.enumerated() {
                guard case .string(let text) = element, !text.isEmpty else {
                    return .failure(ValidationIssue("\(makePointer())/\(position)", "Expected a non-empty string."))
                }
                if case .tags(let allowed) = type, !allowed.contains(text) {
                    return .failure(
                        ValidationIssue(
                            "\(makePointer())/\(position)", "Must be one of: \(allowed.joined(separator: ", ")).")
                    )
                }
                guard !strings.contains(text) else {
                    return .failure(ValidationIssue("\(makePointer())/\(position)", "Listed more than once."))
                }
                strings.append(text)
            }
            guard strings.count <= 100 else { return fail("At most 100 entries.") }
            return .success(.list(strings))
        case .counts(let keys):
            guard case .object(let members) = value else { return fail("Expected an object, got \(value.typeName).") }
            var counts = [Int](repeating: 0, count: keys.count)
            var seen = Set<String>()
            for (key, element) in members {
                guard let position = keys.firstIndex(of: key), seen.insert(key).inserted else {
                    return .failure(
                        ValidationIssue(
                            "\(makePointer())/\(key)", "Unknown or repeated key; keys: \(keys.joined(separator: ", "))."
                        )
                    )
                }
                guard case .int(let number) = element, number >= 0 else {
                    return .failure(ValidationIssue("\(makePointer())/\(key)", "Expected a non-negative integer."))
                }
                // Bounded like every count and amount, so that no sum of them can overflow.
                guard number <= 1_000_000_000_000 else {
                    return .failure(ValidationIssue("\(makePointer())/\(key)", "Must be at most 1000000000000."))
                }
                counts[position] = number
            }
            return .success(.counts(counts))
        case .steps:
            // Only a stored record carries steps: a client's write never reaches here (the field
            // is derived), and a stored step the server wrote itself.
            guard case .array(let elements) = value else { return fail("Expected an array, got \(value.typeName).") }
            var steps: [CaseStep] = []
            for (position, element) in elements.enumerated() {
                guard let step = CaseStep(element) else {
                    return .failure(ValidationIssue("\(makePointer())/\(position)", "Expected a case step."))
                }
                steps.append(step)
            }
            return .success(.steps(steps))
        }
    }
}

extension Schema {
    /// The longest free text (`summary`, `description`), in Unicode code points.
    public static let maxTextLength = 2000

    /// What is wrong with a client's string, or nil. Lengths count Unicode code points, as JSON
    /// Schema's `maxLength` does (a `String`'s `count` counts grapheme clusters, and one letter
    /// with 200,000 combining marks is one of those). C0 control characters other than TAB, LF
    /// and CR are refused: NUL and its kin mean nothing in a name or a summary, and would reach
    /// CSV cells and terminals raw.
    public static func textProblem(_ text: String, maxLength: Int) -> String? {
        var length = 0
        for scalar in text.unicodeScalars {
            length += 1
            if scalar.value < 0x20 && scalar.value != 0x09 && scalar.value != 0x0A && scalar.value != 0x0D {
                let code = String(scalar.value, radix: 16, uppercase: true)
                return "Contains the control character U+\(String(repeating: "0", count: 4 - code.count) + code) "
                    + "at character \(length); only TAB, LF and CR are allowed."
            }
        }
        guard length <= maxLength else {
            return "Must be at most \(maxLength) characters (Unicode code points); this has \(length)."
        }
        return nil
    }
}

/// A `YYYY-MM-DD` calendar date (proleptic Gregorian), validated.
public struct CalendarDate: Sendable, Hashable, Comparable {
    public var year: Int
    public var month: Int
    public var day: Int

    /// Parses `YYYY-MM-DD`; nil for anything else, including 2014-02-30.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), year >= 1,
            (1...12).contains(month), (1...Self.days(in: month, of: year)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The dates a write may give: this century. The records are the district's grid work,
    /// reported in 2014; any real one falls inside, while typos such as `0214-03-05` or
    /// `9999-12-31` are refused before they stretch a timeline over thousands of years.
    public static let accepted =
        CalendarDate(year: 2000, month: 1, day: 1)...CalendarDate(year: 2099, month: 12, day: 31)

    /// The date `offset` days after 2014-01-01 (for the seed).
    public init(dayOf2014 offset: Int) {
        var month = 1
        var remaining = offset
        while remaining >= Self.days(in: month, of: 2014) {
            remaining -= Self.days(in: month, of: 2014)
            month += 1
        }
        year = 2014
        self.month = month
        day = remaining + 1
    }

    static func days(in month: Int, of year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `2014-03-05`: ten bytes, a small string, so formatting one allocates nothing.
    public var text: String {
        guard (0...9999).contains(year) else {
            return "\(year.zeroPadded(4))-\(month.zeroPadded(2))-\(day.zeroPadded(2))"
        }
        return String(unsafeUninitializedCapacity: 10) { buffer in
            UInt64(year).writeDecimal(into: .init(rebasing: buffer[0..<4]))
            buffer[4] = UInt8(ascii: "-")
            UInt64(month).writeDecimal(into: .init(rebasing: buffer[5..<7]))
            buffer[7] = UInt8(ascii: "-")
            UInt64(day).writeDecimal(into: .init(rebasing: buffer[8..<10]))
            return 10
        }
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}
