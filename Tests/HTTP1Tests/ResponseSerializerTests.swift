import HTTP1
import HTTPTypes
import Testing

/// A response as the serializer sees it: what the caller decides; framing is the codec's.
struct Message {
    var status: HTTPResponse.Status
    var headerFields: HTTPFields = [:]
    var body: [UInt8] = []

    static func json(_ body: [UInt8]) -> Message {
        Message(status: .ok, headerFields: [.contentType: "application/json; charset=utf-8"], body: body)
    }
}

struct ResponseSerializerTests {
    static func framing(keepAlive: Bool = true, version: HTTPVersion = .http1_1, omitBody: Bool = false)
        -> ResponseSerializer.Framing
    {
        ResponseSerializer.Framing(
            date: Array("Thu, 26 Nov 2026 10:00:00 GMT".utf8),
            keepAlive: keepAlive,
            requestVersion: version,
            omitBody: omitBody
        )
    }

    static func text(_ message: Message, _ framing: ResponseSerializer.Framing) -> String {
        var out: [UInt8] = []
        ResponseSerializer.write(
            status: message.status, headerFields: message.headerFields, body: message.body, framing: framing,
            into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func serializer_writes_lengthFramedMessage() {
        let text = Self.text(.json(Array(#"{"a":1}"#.utf8)), Self.framing())
        #expect(
            text == "HTTP/1.1 200 OK\r\nDate: Thu, 26 Nov 2026 10:00:00 GMT\r\nServer: gridwork\r\n"
                + "Content-Type: application/json; charset=utf-8\r\nContent-Length: 7\r\n\r\n{\"a\":1}"
        )
    }

    @Test func serializer_replaces_responderFraming() {
        let response = Message(
            status: .ok,
            headerFields: [.contentLength: "999", .transferEncoding: "chunked", .connection: "upgrade"],
            body: Array("hi".utf8)
        )
        let text = Self.text(response, Self.framing())
        #expect(text.contains("Content-Length: 2\r\n"))
        #expect(!text.contains("999"))
        #expect(!text.contains("chunked"))
        #expect(!text.contains("upgrade"))
    }

    @Test func serializer_says_close_and_http10KeepAlive() {
        #expect(Self.text(Message(status: .ok), Self.framing(keepAlive: false)).contains("\r\nConnection: close\r\n"))
        #expect(
            Self.text(Message(status: .ok), Self.framing(version: .http1_0)).contains("\r\nConnection: keep-alive\r\n")
        )
        #expect(!Self.text(Message(status: .ok), Self.framing()).contains("Connection:"))
    }

    @Test func serializer_omits_body_forHead_butKeepsLength() {
        let text = Self.text(.json(Array("12345".utf8)), Self.framing(omitBody: true))
        #expect(text.hasSuffix("Content-Length: 5\r\n\r\n"))
    }

    @Test func serializer_sends_noBodyOrLength_for204And304() {
        let text = Self.text(Message(status: .notModified, body: Array("x".utf8)), Self.framing())
        #expect(!text.contains("Content-Length"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    @Test func serializer_writes_chunks_andLastChunk() {
        var out: [UInt8] = []
        ResponseSerializer.writeHead(
            status: .ok, headerFields: [:], framing: Self.framing(), contentLength: nil, into: &out)
        ResponseSerializer.writeChunk(Array(repeating: UInt8(ascii: "a"), count: 26), into: &out)
        ResponseSerializer.writeChunk([UInt8](), into: &out)
        ResponseSerializer.writeLastChunk(into: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(
            text.contains("Transfer-Encoding: chunked\r\n\r\n1a\r\n\(String(repeating: "a", count: 26))\r\n0\r\n\r\n"))
    }

    @Test func httpDate_formats_imfFixdate() {
        #expect(
            String(decoding: HTTPDate.format(secondsSinceEpoch: 784_111_777), as: UTF8.self)
                == "Sun, 06 Nov 1994 08:49:37 GMT")
    }
}

struct PercentEncodingTests {
    @Test func decode_handles_utf8AndPlus() throws {
        #expect(try PercentEncoding.decode("%E4%BA%A4%E9%80%9A") == "交通")
        #expect(try PercentEncoding.decode("a+b", plusIsSpace: true) == "a b")
        #expect(try PercentEncoding.decode("a+b") == "a+b")
    }

    @Test(arguments: ["%", "%4", "%zz", "%00", "%FF"])
    func decode_rejects(_ input: String) {
        #expect(throws: PercentEncoding.Failure.self) { try PercentEncoding.decode(Substring(input)) }
    }
}

/// The one decimal writer of the HTTP layers: lengths, statuses and the log's time fields.
struct DecimalTests {
    @Test(arguments: [
        (0, 1, "0"), (7, 3, "007"), (42, 1, "42"), (1234, 2, "1234"), (-5, 2, "00"), (Int.max, 1, "\(Int.max)"),
    ])
    func appendsDigits_paddedToTheMinimum(_ value: Int, _ minimumDigits: Int, _ expected: String) {
        var bytes: [UInt8] = Array("x".utf8)
        bytes.appendDecimal(value, minimumDigits: minimumDigits)
        #expect(String(decoding: bytes, as: UTF8.self) == "x" + expected)
    }
}
