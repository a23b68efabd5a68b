import HTTP1
import HTTPResponder
import HTTPServer
import TestSupport
import Testing

/// Requests whose framing or syntax two parsers could disagree about (RFC 9112 §2–§7,
/// RFC 9110 §5): each is answered once with its status, then the connection is closed.
@Suite(.blocking)
struct StrictFramingTests {
    /// Sends `request` on a fresh connection to a fresh server and expects exactly one
    /// response with `status`, marked `Connection: close`, then the server closing.
    static func expectRejected(
        _ request: String,
        status: Int,
        configure: (inout ServerConfiguration) -> Void = { _ in },
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        try expectRejected(
            bytes: Array(request.utf8), status: status, configure: configure, sourceLocation: sourceLocation)
    }

    /// `expectRejected` for bytes that need not be text.
    static func expectRejected(
        bytes request: [UInt8],
        status: Int,
        configure: (inout ServerConfiguration) -> Void = { _ in },
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let server = try TestServer.make(configure: configure)
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        try client.send(request)
        let response = try client.readResponse()

        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.value("Content-Type") == "application/problem+json", sourceLocation: sourceLocation)
        #expect(
            response.connectionHas("close"),
            "the error response must announce the close",
            sourceLocation: sourceLocation
        )
        #expect(
            response.value("X-Echo-Path") == nil,
            "the responder must never see the request",
            sourceLocation: sourceLocation
        )
        expectServerClosed(client, sourceLocation: sourceLocation)
    }

    // MARK: Host

    @Test func server_rejects_http11RequestWithoutHost() throws {
        try Self.expectRejected("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", status: 400)
    }

    @Test func server_rejects_twoHostFields() throws {
        try Self.expectRejected("GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n", status: 400)
    }

    // MARK: Content-Length and Transfer-Encoding

    @Test func server_rejects_contentLength_withTransferEncoding() throws {
        try Self.expectRejected(
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\n",
            status: 400
        )
    }

    @Test func server_rejects_differingRepeatedContentLength() throws {
        try Self.expectRejected(
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            status: 400
        )
    }

    @Test func server_rejects_differingContentLengthList() throws {
        try Self.expectRejected(
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5, 6\r\n\r\nhello!",
            status: 400
        )
    }

    @Test func server_rejects_nonNumericContentLength() throws {
        try Self.expectRejected("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: five\r\n\r\nhello", status: 400)
    }

    @Test func server_rejects_plusSignedContentLength() throws {
        try Self.expectRejected("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: +5\r\n\r\nhello", status: 400)
    }

    @Test func server_rejects_negativeContentLength() throws {
        try Self.expectRejected("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: -5\r\n\r\nhello", status: 400)
    }

    @Test func server_rejects_overflowingContentLength() throws {
        try Self.expectRejected(
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999999999999999\r\n\r\nhello",
            status: 400
        )
    }

    @Test func server_rejects_transferEncoding_gzipThenChunked() throws {
        try Self.expectRejected(
            "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            status: 400
        )
    }

    @Test func server_rejects_transferEncoding_chunkedThenGzip() throws {
        try Self.expectRejected(
            "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
            status: 400
        )
    }

    @Test func server_rejects_transferEncoding_identity() throws {
        try Self.expectRejected(
            "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: identity\r\n\r\nhello",
            status: 400
        )
    }

    @Test func server_rejects_transferEncoding_chunkedTwice() throws {
        try Self.expectRejected(
            "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
            status: 400
        )
    }

    @Test func server_rejects_transferEncoding_chunkedInTwoFields() throws {
        try Self.expectRejected(
            "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\n",
            status: 400
        )
    }

    // MARK: Field syntax

    @Test func server_rejects_obsoleteLineFolding() throws {
        try Self.expectRejected("GET / HTTP/1.1\r\nHost: localhost\r\nX-Folded: one\r\n two\r\n\r\n", status: 400)
    }

    @Test func server_rejects_whitespaceBetweenFieldNameAndColon() throws {
        try Self.expectRejected("GET / HTTP/1.1\r\nHost: localhost\r\nX-Name : value\r\n\r\n", status: 400)
    }

    @Test func server_rejects_controlCharacterInFieldValue() throws {
        try Self.expectRejected("GET / HTTP/1.1\r\nHost: localhost\r\nX-Value: a\u{01}b\r\n\r\n", status: 400)
    }

    @Test func server_rejects_nulInFieldValue() throws {
        try Self.expectRejected("GET / HTTP/1.1\r\nHost: localhost\r\nX-Value: a\u{00}b\r\n\r\n", status: 400)
    }

    @Test func server_rejects_bareLFLineEndings() throws {
        try Self.expectRejected("GET / HTTP/1.1\nHost: localhost\n\n", status: 400)
    }

    @Test func server_rejects_bareLFInFieldSection() throws {
        try Self.expectRejected("GET / HTTP/1.1\r\nHost: localhost\nX-Other: value\r\n\r\n", status: 400)
    }

    // MARK: Request line

    @Test func server_rejects_methodThatIsNotAToken() throws {
        try Self.expectRejected("G(T / HTTP/1.1\r\nHost: localhost\r\n\r\n", status: 400)
    }

    @Test func server_rejects_targetWithoutLeadingSlash() throws {
        try Self.expectRejected("GET index.html HTTP/1.1\r\nHost: localhost\r\n\r\n", status: 400)
    }

    @Test func server_rejects_targetContainingSpaces() throws {
        try Self.expectRejected("GET /a b c HTTP/1.1\r\nHost: localhost\r\n\r\n", status: 400)
    }

    @Test func server_rejects_encodedNULInPath() throws {
        try Self.expectRejected("GET /files/a%00b HTTP/1.1\r\nHost: localhost\r\n\r\n", status: 400)
    }

    @Test func server_rejects_invalidPercentEscapeInPath() throws {
        try Self.expectRejected("GET /files/%zz HTTP/1.1\r\nHost: localhost\r\n\r\n", status: 400)
    }

    @Test func server_rejects_http20_with505() throws {
        try Self.expectRejected("GET / HTTP/2.0\r\nHost: localhost\r\n\r\n", status: 505)
    }

    @Test func server_answers_http12_asHTTP11_andKeepsTheConnection() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let first = try client.roundTrip("GET /one HTTP/1.2\r\nHost: localhost\r\n\r\n")
        let second = try client.roundTrip("GET /two HTTP/1.2\r\nHost: localhost\r\n\r\n")

        #expect([first.status, second.status] == [200, 200])
        #expect([first.version, second.version] == ["HTTP/1.1", "HTTP/1.1"])
        #expect(second.value("X-Echo-Path") == "/two", "the connection stayed open, as HTTP/1.1's do")
    }

    // MARK: Bytes that are not a request

    // The client's receive timeout (5 s) is shorter than the header timeout (10 s by default): a
    // server that waited for the rest of a head would fail these with a timeout, not a status.

    @Test func server_rejects_http09RequestLine_at400_withoutWaitingForTheHeaderTimeout() throws {
        try Self.expectRejected("GET /\r\n", status: 400)
    }

    @Test func server_rejects_binaryGarbageWithoutALineEnd_at400_withoutWaitingForTheHeaderTimeout() throws {
        try Self.expectRejected(bytes: [0x80, 0xC3, 0x28, 0xFF, 0x7B, 0x7D], status: 400)
    }

    // MARK: Limits

    @Test func server_rejects_requestLineOverLimit_with414() throws {
        let target = "/" + String(repeating: "a", count: 300)
        try Self.expectRejected(
            "GET \(target) HTTP/1.1\r\nHost: localhost\r\n\r\n",
            status: 414,
            configure: { $0.messageLimits.maxRequestLineBytes = 256 }
        )
    }

    @Test func server_rejects_headerSectionOverLimit_with431() throws {
        let value = String(repeating: "v", count: 600)
        try Self.expectRejected(
            "GET / HTTP/1.1\r\nHost: localhost\r\nX-Large: \(value)\r\n\r\n",
            status: 431,
            configure: { $0.messageLimits.maxHeaderBytes = 512 }
        )
    }

    @Test func server_rejects_tooManyFields_with431() throws {
        let fields = (1...10).map { "X-Field-\($0): \($0)\r\n" }.joined()
        try Self.expectRejected(
            "GET / HTTP/1.1\r\nHost: localhost\r\n\(fields)\r\n",
            status: 431,
            configure: { $0.messageLimits.maxHeaderCount = 10 }
        )
    }

    @Test func server_rejects_bodyOverLimit_with413_beforeBodyIsSent() throws {
        // Only the head is sent: the 413 must come from Content-Length alone.
        try Self.expectRejected(
            "POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1025\r\n\r\n",
            status: 413,
            configure: { $0.messageLimits.maxBodyBytes = 1024 }
        )
    }

    @Test func server_rejects_chunkedBodyOverLimit_with413() throws {
        try Self.expectRejected(
            "POST /upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n401\r\n",
            status: 413,
            configure: { $0.messageLimits.maxBodyBytes = 1024 }
        )
    }

    // MARK: Smuggling

    @Test func server_answersSmugglingAttempt_once_andNeverAnswersTheSmuggledRequest() throws {
        // A front end honouring Content-Length would forward one request; one honouring
        // chunked would see a second. The server must see neither: one 400, then close.
        let body = "0\r\n\r\n" + Wire.get("/smuggled")
        try Self.expectRejected(
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + body,
            status: 400
        )
    }
}
