import GridworkAPI
import HTTP1
import HTTPResponder
import HTTPTypes
import Testing

struct RouterTests {
    static func makeRouter() -> Router {
        let router = Router()
        router.add(.get, "/grids") { _, _ in Response(status: .ok, body: Array("list".utf8)) }
        router.add(.post, "/grids") { _, _ in Response(status: .created) }
        router.add(.get, "/grids/:id") { _, parameters in
            Response(status: .ok, body: Array("grid \(parameters["id"] ?? "")".utf8))
        }
        router.add(.get, "/grids/:id/cadres") { _, parameters in
            Response(status: .ok, body: Array("cadres of \(parameters["id"] ?? "")".utf8))
        }
        router.add(.get, "/grids/summary") { _, _ in Response(status: .ok, body: Array("summary".utf8)) }
        return router
    }

    static func body(_ router: Router, _ request: Request) throws -> String {
        String(decoding: try router.respond(to: request).body, as: UTF8.self)
    }

    @Test func router_matches_literals_beforeParameters() throws {
        let router = Self.makeRouter()
        #expect(try Self.body(router, .make("/grids/summary")) == "summary")
        #expect(try Self.body(router, .make("/grids/g-12")) == "grid g-12")
        #expect(try Self.body(router, .make("/grids/g-12/cadres")) == "cadres of g-12")
    }

    @Test func router_decodes_parameters() throws {
        #expect(try Self.body(Self.makeRouter(), .make("/grids/%E4%BA%A4")) == "grid 交")
    }

    @Test func router_accepts_trailingSlash() throws {
        #expect(try Self.body(Self.makeRouter(), .make("/grids/")) == "list")
    }

    @Test func router_answers404_forUnknownPaths() {
        let router = Self.makeRouter()
        for path in ["/nope", "/grids/a/b", "/grids//cadres", "/grids/a/cadres/x"] {
            #expect(throws: APIError.self) { try router.respond(to: .make(path)) }
            do throws(APIError) {
                _ = try router.respond(to: .make(path))
            } catch {
                #expect(error.status == .notFound, "\(path)")
            }
        }
    }

    @Test func router_answers405_withAllow() {
        do throws(APIError) {
            _ = try Self.makeRouter().respond(to: .make("/grids", method: .delete))
            Issue.record("expected 405")
        } catch {
            #expect(error.status == .methodNotAllowed)
            #expect(error.response.headerFields[.allow] == "GET, HEAD, OPTIONS, POST")
            #expect(error.response.headerFields[.contentType] == "application/problem+json")
        }
    }

    @Test func router_serves_head_withGetHandler() throws {
        #expect(try Self.body(Self.makeRouter(), .make("/grids", method: .head)) == "list")
    }

    @Test func router_answers_options_withAllow() throws {
        let response = try Self.makeRouter().respond(to: .make("/grids/x", method: .options))
        #expect(response.status == .noContent)
        #expect(response.headerFields[.allow] == "GET, HEAD, OPTIONS")
    }

    @Test func router_rejects_invalidUTF8_inSegment() {
        do throws(APIError) {
            _ = try Self.makeRouter().respond(to: .make("/grids/%FF"))
            Issue.record("expected 400")
        } catch {
            #expect(error.status == .badRequest)
        }
    }

    @Test func router_lists_itsRoutes() {
        let routes = Self.makeRouter().routes.map { "\($0.method.rawValue) \($0.pattern)" }
        #expect(
            routes == ["GET /grids", "POST /grids", "GET /grids/:id", "GET /grids/:id/cadres", "GET /grids/summary"])
    }
}

struct ProblemTests {
    @Test func problem_encodes_rfc9457_withFieldErrors() {
        let error = APIError(
            .unprocessableContent,
            detail: "The record is invalid.",
            errors: [.init(field: "/name", message: "must not be \"empty\"")]
        )
        let body = String(decoding: error.response.body, as: UTF8.self)
        #expect(
            body == #"{"type":"about:blank","title":"Unprocessable Content","status":422,"#
                + #""detail":"The record is invalid.","errors":[{"field":"/name","message":"must not be \"empty\""}]}"#
        )
    }
}
