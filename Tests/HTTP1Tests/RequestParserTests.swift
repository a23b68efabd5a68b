import HTTP1
import HTTPTypes
import Testing

/// What a parser made of some bytes, in a form two runs can be compared by.
struct Parsed: Equatable, CustomStringConvertible {
    var requests: [Summary] = []
    var continues = 0
    var error: Int?

    struct Summary: Equatable {
        var method: String
        var target: String
        var path: String
        var query: String?
        var authority: String?
        var version: HTTPVersion
        var keepAlive: Bool
        var body: [UInt8]
        var fields: [String]
    }

    var description: String { "requests: \(requests), continues: \(continues), error: \(String(describing: error))" }
}

extension RequestParser {
    static func make(limits: MessageLimits = MessageLimits()) -> RequestParser {
        RequestParser(limits: limits)
    }

    /// Feeds `chunks` in order, draining events after each.
    static func run(_ chunks: [[UInt8]], limits: MessageLimits = MessageLimits()) -> Parsed {
        var parser = RequestParser.make(limits: limits)
        var parsed = Parsed()
        for chunk in chunks {
            parser.feed(chunk)
            drain: while true {
                do {
                    switch try parser.next() {
                    case .needMoreData: break drain
                    case .continueExpected: parsed.continues += 1
                    case .request(let request):
                        parsed.requests.append(
                            Parsed.Summary(
                                method: request.method.rawValue,
                                target: request.head.path ?? "",
                                path: request.path,
                                query: request.query,
                                authority: request.head.authority,
                                version: request.version,
                                keepAlive: request.keepAlive,
                                body: request.body,
                                fields: request.headerFields.map { "\($0.name.rawName): \($0.value)" }
                            )
                        )
                    }
                } catch {
                    parsed.error = error.status.code
                    return parsed
                }
            }
        }
        return parsed
    }

    /// Parses `bytes` whole, then split at every offset, and checks every split agrees.
    static func parseEverySplit(_ text: String, limits: MessageLimits = MessageLimits()) -> Parsed {
        let bytes = Array(text.utf8)
        let whole = run([bytes], limits: limits)
        for offset in 1..<max(1, bytes.count) {
            var split = run([Array(bytes[..<offset]), Array(bytes[offset...])], limits: limits)
            // A 100-continue is only announced when the body is still missing, so splits may differ there.
            split.continues = whole.continues
            #expect(split == whole, "split at \(offset) disagrees")
        }
        return whole
    }
}

struct RequestParserTests {
    @Test func parser_reads_simpleGet() {
        let parsed = RequestParser.parseEverySplit(
            "GET /healthz HTTP/1.1\r\nHost: localhost:8080\r\nAccept: */*\r\n\r\n")
        #expect(parsed.error == nil)
        #expect(parsed.requests.count == 1)
        let request = parsed.requests[0]
        #expect(request.method == "GET")
        #expect(request.path == "/healthz")
        #expect(request.query == nil)
        #expect(request.authority == "localhost:8080")
        #expect(request.version == .http1_1)
        #expect(request.keepAlive)
        #expect(request.fields == ["Host: localhost:8080", "Accept: */*"])
    }

    /// RFC 9110 §2.5: a later minor version is processed as the highest this server implements.
    @Test(arguments: ["HTTP/1.2", "HTTP/1.9"])
    func parser_reads_aLaterHTTP1MinorVersion_asHTTP11(_ version: String) {
        let parsed = RequestParser.parseEverySplit(
            "GET /a \(version)\r\nHost: a\r\n\r\nPOST /b \(version)\r\nHost: a\r\nContent-Length: 2\r\n\r\nok")
        #expect(parsed.error == nil)
        #expect(parsed.requests.map(\.version) == [.http1_1, .http1_1])
        #expect(parsed.requests.map(\.keepAlive) == [true, true], "keep-alive is HTTP/1.1's default")
        #expect(parsed.requests.last?.body == Array("ok".utf8))
    }

    @Test func parser_splits_pathAndQuery() {
        let parsed = RequestParser.parseEverySplit(
            "GET /assistance-records?type=visit&date[gte]=2014-03-01 HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        #expect(parsed.requests.first?.path == "/assistance-records")
        #expect(parsed.requests.first?.query == "type=visit&date[gte]=2014-03-01")
        #expect(parsed.requests.first?.target == "/assistance-records?type=visit&date[gte]=2014-03-01")
    }

    @Test func parser_keeps_duplicateFields_inOrder() {
        let parsed = RequestParser.parseEverySplit(
            "GET / HTTP/1.1\r\nHost: a\r\nX-Tag: one\r\nx-tag: two\r\nAccept:text/html  \r\n\r\n"
        )
        #expect(parsed.requests.first?.fields == ["Host: a", "X-Tag: one", "x-tag: two", "Accept: text/html"])
    }

    @Test func parser_reads_pipelinedRequests_inOrder() {
        let parsed = RequestParser.parseEverySplit(
            "GET /a HTTP/1.1\r\nHost: a\r\n\r\nPOST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /c HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        #expect(parsed.error == nil)
        #expect(parsed.requests.map(\.path) == ["/a", "/b", "/c"])
        #expect(parsed.requests[1].body == Array("abc".utf8))
    }

    @Test func parser_reads_contentLengthBody() {
        let parsed = RequestParser.parseEverySplit(
            "POST /grids HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n{\"a\":\"网\"}"
        )
        #expect(parsed.requests.first?.body == Array("{\"a\":\"网\"}".utf8))
    }

    @Test func parser_accepts_identicalRepeatedContentLength() {
        let parsed = RequestParser.parseEverySplit(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc"
        )
        #expect(parsed.error == nil)
        #expect(parsed.requests.first?.body == Array("abc".utf8))
    }

    @Test func parser_reads_chunkedBody_withExtensionsAndTrailers() {
        let parsed = RequestParser.parseEverySplit(
            "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n6 ;x\r\n world\r\n0\r\nX-Trailer: ignored\r\n\r\n"
                + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        #expect(parsed.error == nil)
        #expect(parsed.requests.map(\.path) == ["/x", "/next"])
        #expect(parsed.requests.first?.body == Array("hello world".utf8))
    }

    @Test func parser_treats_transferEncoding_caseInsensitively() {
        let parsed = RequestParser.parseEverySplit(
            "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n"
        )
        #expect(parsed.error == nil)
        #expect(parsed.requests.first?.body == [])
    }

    @Test func parser_applies_keepAliveDefaults_perVersion() {
        let parsed = RequestParser.parseEverySplit(
            "GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                + "GET /c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /d HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        #expect(parsed.requests.map(\.keepAlive) == [false, true, false, true])
        #expect(parsed.requests.map(\.version) == [.http1_0, .http1_0, .http1_1, .http1_1])
    }

    @Test func parser_reads_absoluteForm_andTakesItsAuthority() {
        let parsed = RequestParser.parseEverySplit(
            "GET http://example.test:8080/grids?limit=5 HTTP/1.1\r\nHost: other\r\n\r\n"
        )
        #expect(parsed.requests.first?.path == "/grids")
        #expect(parsed.requests.first?.query == "limit=5")
        #expect(parsed.requests.first?.authority == "example.test:8080")
    }

    @Test func parser_reads_asteriskForm_forOptions() {
        let parsed = RequestParser.parseEverySplit("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(parsed.requests.first?.path == "*")
    }

    @Test func parser_ignores_emptyLines_beforeRequestLine() {
        let parsed = RequestParser.parseEverySplit("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(parsed.error == nil)
        #expect(parsed.requests.count == 1)
    }

    @Test func parser_announces_continue_whenBodyIsMissing() {
        let head = Array("PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8)
        let parsed = RequestParser.run([head, Array("ok".utf8)])
        #expect(parsed.continues == 1)
        #expect(parsed.requests.first?.body == Array("ok".utf8))
    }

    @Test func parser_skips_continue_whenBodyAlreadyArrived() {
        let parsed = RequestParser.run([
            Array("PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok".utf8)
        ])
        #expect(parsed.continues == 0)
        #expect(parsed.requests.count == 1)
    }

    @Test func parser_accepts_utf8InTarget() {
        let parsed = RequestParser.parseEverySplit("GET /villages?q=交通村 HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(parsed.requests.first?.query == "q=交通村")
    }

    @Test func parser_reports_phase() throws {
        var parser = RequestParser.make()
        #expect(parser.phase == .idle)
        parser.feed(Array("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n".utf8))
        #expect(try parser.next().isNeedMoreData)
        #expect(parser.phase == .head)
        parser.feed(Array("\r\nab".utf8))
        #expect(try parser.next().isNeedMoreData)
        #expect(parser.phase == .body)
        parser.feed(Array("cd".utf8))
        #expect(try !parser.next().isNeedMoreData)
        #expect(parser.phase == .idle)
    }

    @Test func parser_staysFailed_afterAnError() {
        var parser = RequestParser.make()
        parser.feed(Array("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
        #expect(throws: HTTPParseError.self) { try parser.next() }
        #expect(throws: HTTPParseError.self) { try parser.next() }
    }

    @Test func parser_assembles_aBodyOfOneByteChunks() throws {
        var parser = RequestParser.make()
        parser.feed(Array("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
        let chunk = Array("1\r\nx\r\n".utf8)
        for _ in 0..<100_000 { parser.feed(chunk) }
        parser.feed(Array("0\r\n\r\n".utf8))
        guard case .request(let request) = try parser.next() else {
            Issue.record("expected a request")
            return
        }
        #expect(request.body.count == 100_000)
        #expect(request.body.allSatisfy { $0 == UInt8(ascii: "x") })
    }

    @Test func parser_compacts_itsBuffer_acrossManyRequests() throws {
        var parser = RequestParser.make()
        let request = Array("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        for _ in 0..<10_000 {
            parser.feed(request)
            guard case .request = try parser.next() else {
                Issue.record("expected a request")
                return
            }
        }
        #expect(parser.bufferedByteCount == 0)
    }
}

extension RequestParser.Event {
    var isNeedMoreData: Bool {
        if case .needMoreData = self { return true }
        return false
    }
}
