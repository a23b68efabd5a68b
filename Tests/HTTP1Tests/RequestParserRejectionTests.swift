import HTTP1
import Testing

/// One malformed request and the status it must get.
struct Rejection: CustomTestStringConvertible, Sendable {
    var name: String
    var bytes: String
    var status: Int
    var testDescription: String { name }

    init(_ name: String, _ bytes: String, _ status: Int) {
        self.name = name
        self.bytes = bytes
        self.status = status
    }
}

/// Every strict-framing rule of RFC 9112 the server enforces, each a case.
struct RequestParserRejectionTests {
    static let small: MessageLimits = {
        var limits = MessageLimits()
        limits.maxRequestLineBytes = 64
        limits.maxHeaderBytes = 128
        limits.maxHeaderCount = 4
        limits.maxBodyBytes = 16
        return limits
    }()

    static let cases: [Rejection] = [
        Rejection("missing Host in HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400),
        Rejection("repeated Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        Rejection("repeated Host in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400),
        Rejection("invalid Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
        Rejection(
            "Content-Length with Transfer-Encoding",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            400
        ),
        Rejection(
            "Transfer-Encoding with Content-Length",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
            400
        ),
        Rejection(
            "differing Content-Length",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
            400
        ),
        Rejection("differing Content-Length list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\n", 400),
        Rejection("non-numeric Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", 400),
        Rejection("signed Content-Length +", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n", 400),
        Rejection("signed Content-Length -", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -3\r\n\r\n", 400),
        Rejection("empty Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400),
        Rejection(
            "overflowing Content-Length",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            400
        ),
        Rejection("hex Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400),
        Rejection(
            "gzip then chunked",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            400
        ),
        Rejection("chunked then gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
        Rejection("identity coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 400),
        Rejection(
            "chunked twice",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            400
        ),
        Rejection("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        Rejection("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n", 400),
        Rejection("whitespace before colon", "GET / HTTP/1.1\r\nHost: a\r\nX-A : one\r\n\r\n", 400),
        Rejection("tab before colon", "GET / HTTP/1.1\r\nHost: a\r\nX-A\t: one\r\n\r\n", 400),
        Rejection("NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: o\0ne\r\n\r\n", 400),
        Rejection("control character in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: o\u{01}ne\r\n\r\n", 400),
        Rejection("bare CR in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: o\rne\r\n\r\n", 400),
        Rejection("DEL in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: o\u{7F}ne\r\n\r\n", 400),
        Rejection("empty field name", "GET / HTTP/1.1\r\nHost: a\r\n: one\r\n\r\n", 400),
        Rejection("no colon", "GET / HTTP/1.1\r\nHost: a\r\nX-A one\r\n\r\n", 400),
        Rejection("bad character in name", "GET / HTTP/1.1\r\nHost: a\r\nX(A): one\r\n\r\n", 400),
        Rejection("bare LF line ending", "GET / HTTP/1.1\nHost: a\n\n", 400),
        Rejection("bare LF ending a field", "GET / HTTP/1.1\r\nHost: a\n\r\n", 400),
        Rejection("bad method token", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Rejection("empty method", " / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Rejection("two spaces after method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Rejection("no version", "GET /\r\nHost: a\r\n\r\n", 400),
        Rejection("target without slash", "GET healthz HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Rejection("space in target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Rejection("fragment in target", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Rejection("control character in target", "GET /a\u{01} HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Rejection("asterisk for GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Rejection("%00 in path", "GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Rejection("invalid escape in path", "GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Rejection("truncated escape in path", "GET /a% HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Rejection("invalid escape in query", "GET /a?q=%g1 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Rejection("dot-dot segment", "GET /a/../b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Rejection("encoded dot-dot segment", "GET /a/%2e%2E/b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        Rejection("lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400),
        Rejection("malformed version", "GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400),
        Rejection("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        Rejection("HTTP/3.1", "GET / HTTP/3.1\r\nHost: a\r\n\r\n", 505),
        Rejection("HTTP/1.2 without Host, as HTTP/1.1", "GET / HTTP/1.2\r\n\r\n", 400),
        Rejection("HTTP/0.9", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505),
        Rejection("CONNECT", "CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n", 501),
        Rejection("unknown expectation in a list", "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, x\r\n\r\n", 417),
        Rejection("unknown expectation", "GET / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\n\r\n", 417),
        Rejection("request line over the limit", "GET /\(String(repeating: "a", count: 80)) HTTP/1.1\r\n\r\n", 414),
        Rejection("unterminated request line over the limit", "GET /\(String(repeating: "a", count: 80))", 414),
        Rejection(
            "header section over the limit",
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: \(String(repeating: "b", count: 150))\r\n\r\n",
            431
        ),
        Rejection(
            "unterminated header section over the limit",
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: \(String(repeating: "b", count: 150))",
            431
        ),
        Rejection(
            "bare LF past the header limit",
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: \(String(repeating: "b", count: 150))\n\r\n",
            431
        ),
        Rejection("bare LF past the request-line limit", "GET /\(String(repeating: "a", count: 80))\n", 414),
        Rejection(
            "trailer section over the limit",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: \(String(repeating: "t", count: 150))\n",
            431
        ),
        Rejection(
            "Kelvin sign in chunked",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chun\u{212A}ed\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            400
        ),
        Rejection(
            "trailer without colon",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nnot a field\r\n\r\n",
            400
        ),
        Rejection(
            "control character in trailer",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\u{0}b\r\n\r\n",
            400
        ),
        Rejection("too many fields", "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 431),
        Rejection("body over the limit", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n", 413),
        Rejection(
            "chunked body over the limit",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n1\r\n",
            413
        ),
        Rejection(
            "chunk size overflow",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
            413
        ),
        Rejection("non-hex chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        Rejection("empty chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 400),
        Rejection(
            "whitespace after chunk size",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n",
            400
        ),
        Rejection(
            "chunk data without CRLF",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n",
            400
        ),
        Rejection(
            "bare LF after chunk size",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
            400
        ),
    ]

    @Test(arguments: cases)
    func parser_rejects(_ rejection: Rejection) {
        let parsed = RequestParser.parseEverySplit(rejection.bytes, limits: Self.small)
        #expect(parsed.error == rejection.status, "\(rejection.name)")
        #expect(parsed.requests.isEmpty, "\(rejection.name): nothing may be parsed before the error")
    }

    @Test(arguments: [
        [UInt8]([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]),  // the start of a TLS ClientHello
        Array("GET / HTTP/1.1\r\nX-A: b\u{01}".utf8),  // a control byte in a field value
        Array("GE\u{7F}".utf8),
    ])
    func parser_rejects_aControlByte_asSoonAsItArrives_withoutALineEnd(_ bytes: [UInt8]) {
        #expect(bytes.last != 0x0A, "the line holding the control byte is not complete")
        #expect(RequestParser.run([bytes]).error == 400)
        #expect(RequestParser.run(bytes.map { [$0] }).error == 400, "fed one byte at a time")
    }

    @Test(arguments: [
        [UInt8]([0x80, 0xC3, 0x28, 0xFF]),  // binary garbage with no control byte in it
        Array("{\"jsonrpc\":\"2.0\"".utf8),  // another protocol's first bytes
        Array("/index.html".utf8),  // a target with no method before it
        Array(" GET".utf8),  // an empty method
        Array("GET\u{80}".utf8),
    ])
    func parser_rejects_bytesThatCannotBeginARequest_withoutALineEnd(_ bytes: [UInt8]) {
        #expect(!bytes.contains(0x0A), "no line end: the parser must not wait for one")
        #expect(RequestParser.run([bytes]).error == 400)
        #expect(RequestParser.run(bytes.map { [$0] }).error == 400, "fed one byte at a time")
    }

    /// An HTTP/0.9 client sends `GET /` and its line end, then waits: the 400 comes at the line end.
    @Test(arguments: ["GET /\r\n", "GET /index.html\r\n", "GET / \r\n", "GET / HTTP/1.1 x\r\n"])
    func parser_rejects_aRequestLineWithoutAVersion_atItsLineEnd(_ line: String) {
        let parsed = RequestParser.parseEverySplit(line)
        #expect(parsed.error == 400)
        #expect(parsed.requests.isEmpty)
    }

    @Test func parser_rejects_smuggledRequest_withoutParsingIt() {
        let parsed = RequestParser.parseEverySplit(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        #expect(parsed.error == 400)
        #expect(parsed.requests.isEmpty)
    }

    @Test func parser_decides_bodyTooLarge_fromTheHeadAlone() {
        // No body bytes have been sent; the 413 comes from Content-Length.
        let parsed = RequestParser.run(
            [Array("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n".utf8)],
            limits: Self.small
        )
        #expect(parsed.error == 413)
    }
}
