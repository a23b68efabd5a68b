import GridworkStore
import JSON
import Testing

/// The writer's bytes, against what the standard library prints and the parser reads back.
struct JSONWriterTests {
    @Test(arguments: [0, 7, 9, 10, 42, 100, 99_999, -1, -10, -123_456, Int.max, Int.min])
    func writesIntegers_asTheStandardLibraryPrintsThem(_ value: Int) {
        var writer = JSONWriter()
        writer.int(value)
        #expect(writer.bytes == Array(String(value).utf8))
    }

    @Test func escapesStrings_thatTheParserReadsBack() throws {
        let texts = ["", "plain", "引号\"和\\反斜杠", "tab\tnewline\nreturn\r", "\u{01}\u{1F}", "网格化服务 2014"]
        for text in texts {
            var writer = JSONWriter()
            writer.string(text)
            #expect(try JSONParser.parse(writer.bytes) == .string(text))
        }
    }
}
