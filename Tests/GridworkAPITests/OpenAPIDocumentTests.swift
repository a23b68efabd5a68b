import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Logging
import Testing

@testable import GridworkAPI

struct OpenAPIDocumentTests {
    /// The read routes as the server registers them, plus the document's own route.
    static func makeRouter() -> Router {
        let store = Store()
        let router = Router()
        HealthRoutes(durability: nil).register(on: router)
        StatsRoutes(store: store).register(on: router)
        ResourceRoutes(store: store).register(on: router)
        OpenAPIRoutes().register(on: router)
        return router
    }

    /// Every route the API contract names, as `METHOD /path/{id}`.
    static let contract: Set<String> = {
        var operations: Set<String> = [
            "GET /healthz", "GET /readyz", "GET /stats", "GET /stats/report", "GET /openapi.json",
            "POST /admin/compact", "POST /admin/reset", "GET /", "GET /stats/stream", "GET /stats/timeline",
            "GET /metrics", "GET /changes",
        ]
        for kind in ResourceKind.allCases {
            operations.formUnion([
                "GET /\(kind.rawValue)", "POST /\(kind.rawValue)", "GET /\(kind.rawValue)/{id}/history",
            ])
            operations.formUnion(["GET", "PUT", "PATCH", "DELETE"].map { "\($0) /\(kind.rawValue)/{id}" })
        }
        operations.formUnion([
            "GET /towns/{id}/villages", "GET /villages/{id}/grids", "GET /villages/{id}/projects",
            "GET /grids/{id}/cadres", "GET /grids/{id}/assistance-records", "GET /cadres/{id}/assistance-records",
            "GET /towns/{id}/party-organizations", "GET /grids/{id}/cases", "GET /towns/{id}/cases",
            "POST /cases/{id}/actions",
        ])
        // The router answers HEAD for every GET route.
        for operation in operations where operation.hasPrefix("GET ") {
            operations.insert("HEAD " + operation.dropFirst(4))
        }
        return operations
    }()

    static func served(by responder: some Responder) throws -> JSONValue {
        let response = responder.respond(to: .make("/openapi.json"))
        try #require(response.status == .ok)
        #expect(response.headerFields[.contentType] == "application/json; charset=utf-8")
        return try JSONParser.parse(response.body)
    }

    static func served(by router: Router) throws -> JSONValue {
        let response = try router.respond(to: .make("/openapi.json"))
        #expect(response.headerFields[.contentType] == "application/json; charset=utf-8")
        return try JSONParser.parse(response.body)
    }

    /// `METHOD /path` for every operation in the document.
    static func operations(_ document: JSONValue) -> Set<String> {
        guard case .object(let paths)? = document["paths"] else { return [] }
        var result: Set<String> = []
        for (path, item) in paths {
            guard case .object(let methods) = item else { continue }
            for (method, _) in methods { result.insert("\(method.uppercased()) \(path)") }
        }
        return result
    }

    static func keys(_ value: JSONValue?) -> [String] {
        guard case .object(let members)? = value else { return [] }
        return members.map(\.key)
    }

    static func strings(_ value: JSONValue?) -> [String] {
        guard case .array(let elements)? = value else { return [] }
        return elements.compactMap { if case .string(let text) = $0 { text } else { nil } }
    }

    static func schema(_ document: JSONValue, _ name: String) -> JSONValue? {
        document["components"]?["schemas"]?[name]
    }

    @Test func document_parses_asOpenAPI31() throws {
        let document = try Self.served(by: Self.makeRouter())
        #expect(document["openapi"] == .string("3.1.0"))
        #expect(document["info"]?["title"] == .string("Gridwork"))
        #expect(document["servers"] == .array([.object([("url", .string("/"))])]))
    }

    @Test func document_describes_exactlyTheRouterRoutes_withHEADForEveryGET() throws {
        let router = Self.makeRouter()
        var routes: Set<String> = []
        for route in router.routes where route.method != .head && route.method != .options {
            let path = route.pattern.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : $0 }
            let methods = route.method == .get ? ["GET", "HEAD"] : [route.method.rawValue]
            for method in methods { routes.insert("\(method) /\(path.joined(separator: "/"))") }
        }
        #expect(Self.operations(try Self.served(by: router)) == routes)
    }

    @Test func document_describes_everyContractRoute() throws {
        // The router holds no HEAD routes: HEAD is served by GET's handler.
        let routes: [OpenAPIDocument.Route] = Self.contract.filter { !$0.hasPrefix("HEAD ") }.map { operation in
            let parts = operation.split(separator: " ")
            let pattern = parts[1].replacing("{id}", with: ":id")
            return (method: HTTPRequest.Method(String(parts[0]))!, pattern: String(pattern))
        }
        let document = try JSONParser.parse(OpenAPIDocument.json(routes: routes))
        #expect(Self.operations(document) == Self.contract)
    }

    /// Needs `OpenAPIRoutes().register(on:)` in `makeResponder` and the write routes.
    @Test func servedDocument_describes_theWholeContract() throws {
        let responder = makeResponder(
            store: Store(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let document = try Self.served(by: responder)
        let documented = Self.operations(document)
        #expect(Self.contract.subtracting(documented).isEmpty, "undocumented or unrouted")
        #expect(documented.subtracting(Self.contract).isEmpty, "outside the contract")
    }

    @Test func document_has_uniqueOperationIDs() throws {
        let document = try Self.served(by: Self.makeRouter())
        var ids: [String] = []
        if case .object(let paths)? = document["paths"] {
            for (_, item) in paths {
                for method in Self.keys(item) {
                    if case .string(let id)? = item[method]?["operationId"] {
                        ids.append(id)
                    } else {
                        Issue.record("\(method) lacks an operationId")
                    }
                }
            }
        }
        #expect(Set(ids).count == ids.count)
        #expect(ids.contains("listAssistanceRecords") && ids.contains("getAssistanceRecord"))
    }

    @Test func document_resolves_everyReference() throws {
        let document = try Self.served(by: Self.makeRouter())
        var references: [String] = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let members):
                for (key, member) in members {
                    if key == "$ref", case .string(let reference) = member { references.append(reference) }
                    collect(member)
                }
            case .array(let elements): elements.forEach(collect)
            default: break
            }
        }
        collect(document)
        #expect(!references.isEmpty)
        for reference in references {
            #expect(reference.hasPrefix("#/"), "\(reference)")
            var target: JSONValue? = document
            for segment in reference.dropFirst(2).split(separator: "/") { target = target?[String(segment)] }
            #expect(target != nil, "\(reference) resolves to nothing")
        }
    }

    @Test func inputSchemas_have_exactlyTheSchemaFields() throws {
        let document = try Self.served(by: Self.makeRouter())
        for kind in ResourceKind.allCases {
            // A body never holds a derived field, and a patch no fixed one either.
            let names = kind.schema.fields.filter { $0.access != .derived }.map(\.name)
            let patchNames = kind.schema.fields.filter { $0.access == .free }.map(\.name)
            let type = OpenAPIDocument.typeName(kind)
            #expect(Self.keys(Self.schema(document, "\(type)Input")?["properties"]) == names, "\(kind)")
            #expect(Self.keys(Self.schema(document, "\(type)Patch")?["properties"]) == patchNames, "\(kind)")
            let required = kind.schema.fields.filter(\.required).map(\.name)
            #expect(Self.strings(Self.schema(document, "\(type)Input")?["required"]) == required, "\(kind)")
            #expect(Self.schema(document, "\(type)Patch")?["required"] == nil, "\(kind)")
        }
    }

    @Test func recordSchemas_match_theSerializedRecords() throws {
        let document = try Self.served(by: Self.makeRouter())
        let store = SeedGenerator.makeStore()
        for kind in ResourceKind.allCases {
            let record = try #require(store.all(kind).first)
            let serialized = Self.keys(try JSONParser.parse(record.json(kind.schema)))
            let schema = Self.schema(document, OpenAPIDocument.typeName(kind))
            #expect(Self.keys(schema?["properties"]) == serialized, "\(kind)")
            #expect(Self.strings(schema?["required"]) == serialized, "\(kind)")
            #expect(schema?["additionalProperties"] == .bool(false), "\(kind)")
        }
    }

    @Test func listParameters_offer_rangesOnlyForOrderedFields() {
        let names = OpenAPIDocument.listParameters(.assistanceRecords).compactMap { parameter -> String? in
            if case .string(let name)? = parameter["name"] { name } else { nil }
        }
        #expect(Set(names).count == names.count)
        for name in ["date[gte]", "amountYuan[lt]", "createdAt[gt]", "type[in]", "townId", "sort", "source"] {
            #expect(names.contains(name), "\(name)")
        }
        for name in ["createdAt", "summary[gte]", "type[lt]"] {
            #expect(!names.contains(name), "\(name)")
        }
        let cadres = OpenAPIDocument.listParameters(.cadres).compactMap { parameter -> String? in
            if case .string(let name)? = parameter["name"] { name } else { nil }
        }
        #expect(cadres.contains("gridIds") && !cadres.contains("gridIds[ne]") && !cadres.contains("townId"))
    }
}

/// What every response the server can send looks like in the document: the shared refusals,
/// tokens, CSV, `HEAD`, and `Idempotency-Key`.
struct OpenAPIResponsesTests {
    static func document() throws -> JSONValue {
        let responder = makeResponder(
            store: Store(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        return try OpenAPIDocumentTests.served(by: responder)
    }

    /// Every operation as (`METHOD /path`, operation object).
    static func operations(_ document: JSONValue) -> [(name: String, operation: JSONValue)] {
        guard case .object(let paths)? = document["paths"] else { return [] }
        return paths.flatMap { path, item in
            guard case .object(let methods) = item else { return [(name: String, operation: JSONValue)]() }
            return methods.map { ("\($0.key.uppercased()) \(path)", $0.value) }
        }
    }

    static func statuses(_ operation: JSONValue) -> Set<String> {
        Set(OpenAPIDocumentTests.keys(operation["responses"]))
    }

    static func isList(_ name: String) -> Bool {
        let segments = name.split(separator: " ")[1].split(separator: "/")
        let kinds = Set(ResourceKind.allCases.map(\.rawValue))
        return name.hasPrefix("GET ") && kinds.contains(String(segments.last ?? ""))
    }

    @Test func document_has_aBearerSecurityScheme() throws {
        let scheme = try Self.document()["components"]?["securitySchemes"]?["bearerAuth"]
        #expect(scheme?["type"] == .string("http"))
        #expect(scheme?["scheme"] == .string("bearer"))
    }

    @Test func everyWrite_documents_tokensAndJournalFailure() throws {
        let writes = Self.operations(try Self.document()).filter {
            ["POST", "PUT", "PATCH", "DELETE"].contains($0.name.split(separator: " ")[0])
        }
        // Four per resource, the case actions, and the two admin routes (compact, reset).
        #expect(writes.count == 4 * ResourceKind.allCases.count + 1 + 2)
        for (name, operation) in writes {
            #expect(Self.statuses(operation).isSuperset(of: ["401", "403", "503"]), "\(name)")
            guard case .array(let requirements)? = operation["security"] else {
                Issue.record("\(name) has no security")
                continue
            }
            #expect(requirements.contains { $0["bearerAuth"] != nil }, "\(name)")
        }
        let unauthorized = try Self.document()["components"]?["responses"]?["Unauthorized"]
        #expect(unauthorized?["headers"]?["WWW-Authenticate"]?["required"] == .bool(true))
    }

    @Test func everyCollectionList_documents_csvAndTheFormatParameter() throws {
        let lists = Self.operations(try Self.document()).filter { Self.isList($0.name) }
        #expect(lists.count == ResourceKind.allCases.count + ResourceRoutes.nested.count)
        for (name, operation) in lists {
            let content = OpenAPIDocumentTests.keys(operation["responses"]?["200"]?["content"])
            #expect(Set(content) == ["application/json", "text/csv"], "\(name)")
            guard case .array(let parameters)? = operation["parameters"],
                let format = parameters.first(where: { $0["name"] == .string("format") })
            else {
                Issue.record("\(name) has no format parameter")
                continue
            }
            #expect(OpenAPIDocumentTests.strings(format["schema"]?["enum"]) == ["json", "csv"], "\(name)")
        }
    }

    @Test func everyGET_has_aHEADTwin_withTheSameStatusesAndNoContent() throws {
        let operations = Self.operations(try Self.document())
        let byName = Dictionary(uniqueKeysWithValues: operations.map { ($0.name, $0.operation) })
        let gets = operations.filter { $0.name.hasPrefix("GET ") }
        #expect(!gets.isEmpty)
        for (name, get) in gets {
            let head = try #require(byName["HEAD " + name.dropFirst(4)], "\(name)")
            #expect(Self.statuses(head) == Self.statuses(get), "\(name)")
            for status in Self.statuses(head) {
                #expect(head["responses"]?[status]?["content"] == nil, "\(name) \(status)")
                #expect(head["responses"]?[status]?["$ref"] == nil, "\(name) \(status)")
            }
        }
    }

    @Test func everyOperation_documents_theHTTPLayersRefusals() throws {
        for (name, operation) in Self.operations(try Self.document()) {
            #expect(Self.statuses(operation).isSuperset(of: ["400", "408", "413", "414", "431", "503"]), "\(name)")
            if name.hasPrefix("GET ") && name != "GET /stats/stream" {
                #expect(Self.statuses(operation).contains("406"), "\(name)")
            }
        }
    }

    @Test func creates_document_idempotencyKey_withItsConflictAndReuse() throws {
        let creates = Self.operations(try Self.document()).filter {
            $0.name.hasPrefix("POST ") && !$0.name.hasPrefix("POST /admin/")
        }
        // A create per resource, and the case actions (a POST that also takes a key).
        #expect(creates.count == ResourceKind.allCases.count + 1)
        for (name, operation) in creates {
            guard case .array(let parameters)? = operation["parameters"] else {
                Issue.record("\(name) has no parameters")
                continue
            }
            let key = parameters.first { $0["name"] == .string("Idempotency-Key") }
            #expect(key?["in"] == .string("header"), "\(name)")
            #expect(key?["schema"]?["maxLength"] == .int(IdempotencyKeys.maxKeyLength), "\(name)")
            #expect(Self.statuses(operation).isSuperset(of: ["409", "422"]), "\(name)")
        }
    }

    /// The document says every 422 has `errors`; a reused key's 422 once had none.
    @Test func reusedIdempotencyKey_answers422_withAnErrorNamingTheKey() throws {
        let responder = makeResponder(
            store: Store(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "reused-key-1"]
        let first = responder.respond(
            to: .make("/towns", method: .post, fields: key, json: #"{"name":"甲镇","kind":"town"}"#))
        #expect(first.status == .created)
        let second = responder.respond(
            to: .make("/towns", method: .post, fields: key, json: #"{"name":"乙镇","kind":"town"}"#))
        #expect(second.status == .unprocessableContent)
        let errors = try JSONParser.parse(second.body)["errors"]
        guard case .array(let entries)? = errors else {
            Issue.record("no errors in \(String(decoding: second.body, as: UTF8.self))")
            return
        }
        #expect(entries.count == 1)
        #expect(entries.first?["field"] == .string("Idempotency-Key"))
    }

    @Test func statsStream_eventIDPattern_admitsTheIDsTheStreamSends() throws {
        let schema = try Self.document()["paths"]?["/stats/stream"]?["get"]?["responses"]?["200"]?["content"]?[
            "text/event-stream"]?["schema"]
        guard case .string(let pattern)? = schema?["properties"]?["id"]?["pattern"] else {
            Issue.record("the event id has no pattern")
            return
        }
        let store = Store(epoch: "1f0c9a2e")
        for region in [Region.district, .towns(["town-01", "town-02"]), .grids(["grid-0001"])] {
            let id = StatsEntry(store.stats(in: region)).eventID
            #expect(id.wholeMatch(of: try Regex(pattern)) != nil, "\(id) against \(pattern)")
        }
    }
}
