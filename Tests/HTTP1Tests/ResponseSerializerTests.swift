import HTTP1
import HTTPTypes
import Testing

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

    static func text(_ response: Response, _ framing: ResponseSerializer.Framing) -> String {
        var out: [UInt8] = []
        ResponseSerializer.write(response, framing: framing, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func serializer_writes_lengthFramedResponse() {
        let text = Self.text(.json(Array(#"{"a":1}"#.utf8)), Self.framing())
        #expect(
            text == "HTTP/1.1 200 OK\r\nDate: Thu, 26 Nov 2026 10:00:00 GMT\r\nServer: gridwork\r\n"
                + "Content-Type: application/json; charset=utf-8\r\nContent-Length: 7\r\n\r\n{\"a\":1}"
        )
    }

    @Test func serializer_replaces_responderFraming() {
        let response = Response(
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
        #expect(Self.text(Response(status: .ok), Self.framing(keepAlive: false)).contains("\r\nConnection: close\r\n"))
        #expect(
            Self.text(Response(status: .ok), Self.framing(version: .http1_0)).contains("\r\nConnection: keep-alive\r\n")
        )
        #expect(!Self.text(Response(status: .ok), Self.framing()).contains("Connection:"))
    }

    @Test func serializer_omits_body_forHead_butKeepsLength() {
        let text = Self.text(.json(Array("12345".utf8)), Self.framing(omitBody: true))
        #expect(text.hasSuffix("Content-Length: 5\r\n\r\n"))
    }

    @Test func serializer_sends_noBodyOrLength_for204And304() {
        let text = Self.text(Response(status: .notModified, body: Array("x".utf8)), Self.framing())
        #expect(!text.contains("Content-Length"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    @Test func serializer_writes_chunks_andLastChunk() {
        var out: [UInt8] = []
        ResponseSerializer.writeHead(Response(status: .ok), framing: Self.framing(), contentLength: nil, into: &out)
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

struct ContentCodingTests {
    @Test(
        arguments: [
            (nil, true, ContentCoding.identity),
            ("gzip", true, .gzip),
            ("gzip", false, .identity),
            ("gzip, deflate, br", true, .gzip),
            ("GZIP;q=0.5", true, .gzip),
            ("gzip;q=0", true, .identity),
            ("br", true, .identity),
            ("*", true, .gzip),
            ("", true, .identity),
            ("identity;q=0, gzip", false, .gzip),
            ("identity;q=0, gzip;q=0", false, .notAcceptable),
            ("*;q=0", true, .notAcceptable),
            ("*;q=0, identity", true, .identity),
            ("gzip;q=0.2, identity;q=0.8", true, .identity),
            ("x-gzip", true, .gzip),
        ] as [(String?, Bool, ContentCoding)])
    func negotiation_respects_qValues(_ header: String?, _ large: Bool, _ expected: ContentCoding) {
        #expect(ContentCoding.negotiate(acceptEncoding: header, preferCompression: large) == expected)
    }

    @Test func gzip_roundTrips() {
        let input = Array(String(repeating: "汇川区网格化服务 ", count: 500).utf8)
        let compressed = Gzip.compress(input)
        #expect(compressed.count < input.count / 10)
        #expect(compressed.prefix(2) == [0x1F, 0x8B])
        #expect(Gzip.decompress(compressed) == input)
    }

    @Test func gzip_decompress_rejectsGarbage() {
        #expect(Gzip.decompress(Array("not gzip".utf8)) == nil)
    }
}

struct CompressionResponderTests {
    static let big = Array(("[" + String(repeating: #"{"name":"交通村"},"#, count: 100) + "{}]").utf8)

    static func respond(acceptEncoding: String?, body: [UInt8] = big, etag: String? = nil) -> Response {
        let responder = CompressionResponder(
            ClosureResponder { _ in
                var response = Response.json(body)
                if let etag { response.headerFields[.eTag] = etag }
                return response
            }
        )
        var fields = HTTPFields()
        if let acceptEncoding { fields[.acceptEncoding] = acceptEncoding }
        let request = Request(
            head: HTTPRequest(method: .get, scheme: nil, authority: "a", path: "/", headerFields: fields),
            path: "/"
        )
        return responder.respond(to: request)
    }

    @Test func compression_gzips_largeJSON_whenAccepted() {
        let response = Self.respond(acceptEncoding: "gzip", etag: "\"r1\"")
        #expect(response.headerFields[.contentEncoding] == "gzip")
        #expect(response.headerFields[.vary] == "Accept-Encoding")
        #expect(response.headerFields[.eTag] == "W/\"r1\"")
        #expect(Gzip.decompress(response.body) == Self.big)
    }

    @Test func compression_leaves_smallBodies_andSaysVary() {
        let response = Self.respond(acceptEncoding: "gzip", body: Array("{}".utf8))
        #expect(response.headerFields[.contentEncoding] == nil)
        #expect(response.headerFields[.vary] == "Accept-Encoding")
    }

    @Test func compression_gzips_smallBodies_whenIdentityIsRefused() {
        let response = Self.respond(acceptEncoding: "identity;q=0, gzip", body: Array("{}".utf8))
        #expect(response.headerFields[.contentEncoding] == "gzip")
    }

    @Test func compression_answers406_whenNothingIsAcceptable() {
        let response = Self.respond(acceptEncoding: "identity;q=0")
        #expect(response.status == .notAcceptable)
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
