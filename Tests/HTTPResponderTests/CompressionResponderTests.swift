import HTTP1
import HTTPResponder
import HTTPTypes
import Testing

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
