import Testing

@testable import GridworkAPI

/// `CSVExport.field`: RFC 4180 quoting and the formula defusing of OWASP's CSV injection advice.
struct CSVFieldTests {
    static func field(_ text: String) -> String {
        var bytes: [UInt8] = []
        CSVExport.field(text, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test(arguments: [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        // A spreadsheet skips leading TAB or CR before the sign: the cell must not start with them.
        ("\t=cmd|' /C calc'!A0", "'\t=cmd|' /C calc'!A0"),
        ("\r=1+1", "\"'\r=1+1\""),
        ("\t", "'\t"),
    ])
    func formulaStart_getsAQuoteFirst(_ text: String, _ expected: String) {
        #expect(Self.field(text) == expected)
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("-5", "-5"),
        ("+7", "+7"),
        ("a=b", "a=b"),
        ("平常的一句话", "平常的一句话"),
        ("", ""),
    ])
    func ordinaryText_andPlainIntegers_areLeftAlone(_ text: String, _ expected: String) {
        #expect(Self.field(text) == expected)
    }

    @Test(arguments: [
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("line\nbreak", "\"line\nbreak\""),
        ("line\r\nbreak", "\"line\r\nbreak\""),
        ("=\"x\",1", "\"'=\"\"x\"\",1\""),
    ])
    func commaQuoteOrLineBreak_isQuoted_withQuotesDoubled(_ text: String, _ expected: String) {
        #expect(Self.field(text) == expected)
    }
}
