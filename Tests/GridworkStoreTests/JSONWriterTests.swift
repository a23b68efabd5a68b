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

    /// The writer skips eight bytes at a time while none needs escaping; wherever the one byte
    /// that does falls in a word, the bytes are those of escaping byte by byte.
    @Test func escapesEveryByteThatNeedsIt_atEveryPositionOfAWord() throws {
        let specials: [Character] = ["\"", "\\", "\n", "\r", "\t", "\u{00}", "\u{01}", "\u{1F}", "\u{7F}", " ", "网"]
        for special in specials {
            for length in 0..<20 {
                for position in 0...length {
                    var text = String(repeating: "a", count: length)
                    text.insert(special, at: text.index(text.startIndex, offsetBy: position))
                    var writer = JSONWriter()
                    writer.string(text)
                    #expect(writer.bytes == Self.escapedByteByByte(text), "\(special.debugDescription) at \(position)")
                    #expect(try JSONParser.parse(writer.bytes) == .string(text))
                }
            }
        }
    }

    /// JSON string escaping, one byte at a time: the reference for the writer's fast path.
    private static func escapedByteByByte(_ text: String) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for byte in text.utf8 {
            switch byte {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0x00..<0x20: out += Array("\\u00".utf8) + Array(String(byte, radix: 16).leftZeroPadded(2).utf8)
            default: out.append(byte)
            }
        }
        return out + [0x22]
    }
}

extension String {
    fileprivate func leftZeroPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
