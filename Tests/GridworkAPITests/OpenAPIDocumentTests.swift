import GridworkStore
import HTTP1
import HTTPTypes
import Logging
import Testing

@testable import GridworkAPI

struct OpenAPIDocumentTests {
    /// The read routes as the server registers them, plus the document's own route.
    static func makeRouter() -> Router {
        let store = Store()
        let router = Router()
        HealthRoutes(store: store, durability: nil).register(on: router)
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
            "GET /metrics",
        ]
        for kind in ResourceKind.allCases {
            operations.formUnion(["GET /\(kind.rawValue)", "POST /\(kind.rawValue)"])
            operations.formUnion(["GET", "PUT", "PATCH", "DELETE"].map { "\($0) /\(kind.rawValue)/{id}" })
        }
        operations.formUnion([
            "GET /towns/{id}/villages", "GET /villages/{id}/grids", "GET /villages/{id}/projects",
            "GET /grids/{id}/cadres", "GET /grids/{id}/assistance-records", "GET /cadres/{id}/assistance-records",
        ])
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

    @Test func document_describes_exactlyTheRouterRoutes() throws {
        let router = Self.makeRouter()
        let routes = Set(
            router.routes.filter { $0.method != .head && $0.method != .options }.map { route in
                let path = route.pattern.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : $0 }
                return "\(route.method.rawValue) /\(path.joined(separator: "/"))"
            })
        #expect(Self.operations(try Self.served(by: router)) == routes)
    }

    @Test func document_describes_everyContractRoute() throws {
        let routes = Self.contract.map { operation in
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
            let names = kind.schema.fields.map(\.name)
            let type = OpenAPIDocument.typeName(kind)
            #expect(Self.keys(Self.schema(document, "\(type)Input")?["properties"]) == names, "\(kind)")
            #expect(Self.keys(Self.schema(document, "\(type)Patch")?["properties"]) == names, "\(kind)")
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
