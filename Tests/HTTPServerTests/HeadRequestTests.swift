import TestSupport
import Testing

/// HEAD (RFC 9110 §9.3.2): the GET head, no content.
@Suite(.blocking)
struct HeadRequestTests {
    /// Fields whose values legitimately differ between two responses.
    static let varying: Set<String> = ["date", "x-request-id", "x-echo-method"]

    static func comparable(_ response: RawResponse) -> [RawResponse.Field] {
        response.fields.filter { !varying.contains($0.name.lowercased()) }
    }

    @Test func head_hasGetFields_andNoBody() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let get = try client.roundTrip(Wire.get("/thing?x=1"))
        let head = try client.roundTrip(Wire.head("/thing?x=1"), isHeadRequest: true)
        // Had the server sent body bytes after the HEAD head, this response would not parse.
        let after = try client.roundTrip(Wire.get("/after"))

        #expect(get.status == 200)
        #expect(head.status == 200)
        #expect(head.value("Content-Length") == String(get.body.count))
        #expect(Self.comparable(head) == Self.comparable(get))
        #expect(after.status == 200)
        #expect(after.value("X-Echo-Path") == "/after")
    }

    @Test func head_ofLargeResource_announcesLength_andSendsNoBody() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let head = try client.roundTrip(Wire.head("/big?n=100000"), isHeadRequest: true)
        let after = try client.roundTrip(Wire.get("/after"))

        #expect(head.status == 200)
        #expect(head.value("Content-Length") == "100000")
        #expect(after.status == 200)
        #expect(after.value("X-Echo-Path") == "/after")
    }
}
