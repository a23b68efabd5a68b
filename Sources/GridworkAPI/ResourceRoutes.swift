import GridworkStore
import HTTP1
import HTTPTypes

/// `GET /{resource}` and `GET /{resource}/{id}` for every resource, driven by its schema.
struct ResourceRoutes {
    let store: Store
    static let defaultLimit = 50
    static let maxLimit = 500

    func register(on router: Router) {
        for kind in ResourceKind.allCases {
            let store = self.store
            router.add(.get, "/\(kind.rawValue)") { request, _ throws(APIError) in
                try Self.list(kind, request, store)
            }
            router.add(.get, "/\(kind.rawValue)/:id") { request, parameters throws(APIError) in
                try QueryParameters.rejectAll(request)
                let id = parameters["id"] ?? ""
                guard let record = store.record(kind, id: id) else {
                    throw APIError.notFound("No \(kind.schema.singular) has the id `\(id)`.")
                }
                let etag = "\"\(record.revision)\""
                if let tags = request.headerFields[.ifNoneMatch], EntityTag.matches(tags, any: [etag]) {
                    return Response(status: .notModified, headerFields: [.eTag: etag])
                }
                var response = Response.json(record.json(kind.schema))
                response.headerFields[.eTag] = etag
                return response
            }
        }
    }

    static func list(_ kind: ResourceKind, _ request: Request, _ store: Store) throws(APIError) -> Response {
        let query = try QueryParameters(request)
        try query.rejectUnknown(allowed: ["limit", "cursor"])
        var limit = defaultLimit
        if let text = try query.single("limit") {
            guard let value = Int(text), (1...maxLimit).contains(value) else {
                throw APIError.badRequest("`limit` must be an integer from 1 to \(maxLimit).")
            }
            limit = value
        }
        var after: String?
        if let token = try query.single("cursor") {
            guard let id = Cursor.decode(token) else {
                throw APIError.badRequest("`cursor` is not a cursor this server issued.")
            }
            after = id
        }
        let page = store.page(kind, after: after, limit: limit)
        var writer = JSONWriter(capacity: 256 + page.records.count * 400)
        writer.raw("{\"data\":[")
        for (index, record) in page.records.enumerated() {
            if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
            record.write(kind.schema, to: &writer)
        }
        writer.raw("],\"next\":")
        let next = page.more ? page.records.last.map { Cursor.encode(afterID: $0.id) } : nil
        if let next { writer.string(next) } else { writer.raw("null") }
        writer.raw(",\"total\":")
        writer.int(page.total)
        writer.bytes.append(UInt8(ascii: "}"))
        var response = Response.json(writer.bytes)
        if let next {
            response.headerFields[HTTPField.Name("Link")!] =
                "</\(kind.rawValue)?limit=\(limit)&cursor=\(next)>; rel=\"next\""
        }
        return response
    }
}
