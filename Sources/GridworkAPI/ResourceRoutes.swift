import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON

/// The read side of every resource, driven by its schema: `GET /{resource}` (filters, search,
/// sort, keyset cursors), `GET /{resource}/{id}` (ETag, 304), and the nested reads.
struct ResourceRoutes {
    let store: Store

    /// Nested reads: parent, child, and the child field that must equal the parent's id.
    static let nested: [(parent: ResourceKind, child: ResourceKind, field: String)] = [
        (.towns, .villages, "townId"), (.villages, .grids, "villageId"), (.villages, .projects, "villageId"),
        (.grids, .cadres, "gridIds"), (.grids, .assistanceRecords, "gridId"), (.cadres, .assistanceRecords, "cadreId"),
        (.towns, .partyOrganizations, "townId"), (.grids, .cases, "gridId"), (.towns, .cases, "townId"),
    ]

    func register(on router: Router) {
        let store = self.store
        for kind in ResourceKind.allCases {
            router.add(.get, "/\(kind.rawValue)") { request, parameters throws(APIError) in
                try Self.list(kind, request, store, region: Scope(parameters.principal).extent)
            }
            router.add(.get, "/\(kind.rawValue)/:id") { request, parameters throws(APIError) in
                try QueryParameters.rejectAll(request)
                let region = Scope(parameters.principal).extent
                let (record, epoch) = try Self.findTagged(kind, parameters["id"] ?? "", store, region)
                let etag = RecordETag.of(record, epoch)
                if let tags = request.headerFields[.ifNoneMatch], EntityTag.matches(tags, any: [etag], weak: true) {
                    return Response(status: .notModified, headerFields: [.eTag: etag])
                }
                return RecordETag.response(record, kind, epoch, status: .ok)
            }
        }
        for (parent, child, field) in Self.nested {
            let position = child.schema.index(of: field)!
            router.add(.get, "/\(parent.rawValue)/:id/\(child.rawValue)") { request, parameters throws(APIError) in
                let region = Scope(parameters.principal).extent
                let parentRecord = try Self.find(parent, parameters["id"] ?? "", store, region)
                let fixed = Query.Filter(field: .field(position), op: .eq, values: [.string(parentRecord.id)])
                return try Self.list(child, request, store, fixed: [fixed], region: region)
            }
        }
    }

    /// The record, or the 404 of a missing id when it lies outside `region`: nothing leaks.
    static func find(_ kind: ResourceKind, _ id: String, _ store: Store, _ region: Region) throws(APIError) -> Record {
        guard let record = store.record(kind, id: id, in: region) else {
            throw APIError.notFound("No \(kind.schema.singular) has the id `\(id)`.")
        }
        return record
    }

    /// One record in `region` with the epoch of the state it was read from, for its tag.
    static func findTagged(_ kind: ResourceKind, _ id: String, _ store: Store, _ region: Region) throws(APIError)
        -> (record: Record, epoch: String)
    {
        guard let tagged = store.tagged(kind, id: id, in: region) else {
            throw APIError.notFound("No \(kind.schema.singular) has the id `\(id)`.")
        }
        return tagged
    }

    /// A page of the list (or all of it as CSV), within `region`: its total, cursors and rows
    /// count only the records that lie in it.
    static func list(
        _ kind: ResourceKind, _ request: Request, _ store: Store, fixed: [Query.Filter] = [], region: Region
    ) throws(APIError) -> Response {
        let parameters = try QueryParameters(request)
        let (query, scope) = try ListQuery.parse(kind, parameters, fixed: fixed, region: region)
        let format = try parameters.single("format")
        if CSVExport.wanted(request, format: format) {
            var response = Response(
                status: .ok,
                headerFields: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"\(kind.rawValue).csv\"",
                ])
            response.stream = CSVExport(kind: kind, store: store, query: query)
            return varyingOnAccept(response, format: format)
        }
        let page = store.query(kind, query)
        var writer = JSONWriter(capacity: 256 + page.records.count * 400)
        writer.raw("{\"data\":[")
        let schema = kind.schema
        for (index, record) in page.records.enumerated() {
            if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
            record.write(schema, to: &writer)
        }
        writer.raw("],\"next\":")
        var next: String?
        if page.more, let last = page.records.last, let key = page.keys.last {
            next = Cursor.encode(scope, values: key + [.string(last.id)])
        }
        if let next { writer.string(next) } else { writer.raw("null") }
        writer.raw(",\"total\":")
        writer.int(page.total)
        writer.bytes.append(UInt8(ascii: "}"))
        var response = Response.json(writer.bytes)
        if let next {
            let kept = (request.query ?? "").split(separator: "&").filter { !$0.hasPrefix("cursor=") }
            let query = (kept + ["cursor=\(next)"]).joined(separator: "&")
            response.headerFields[RecordETag.link] = "<\(request.path)?\(query)>; rel=\"next\""
        }
        return varyingOnAccept(response, format: format)
    }

    /// Without `format`, `Accept` chooses between JSON and CSV, so a cache must key the listing
    /// on it too (RFC 9110 §12.5.5); with `format` the URL alone decides.
    private static func varyingOnAccept(_ response: Response, format: String?) -> Response {
        guard format == nil else { return response }
        var response = response
        response.headerFields.addVary("Accept")
        return response
    }
}

/// Strong ETags of records and the responses that carry them.
enum RecordETag {
    static let link = HTTPField.Name("Link")!

    /// `"1f0c9a2e-3"`: the store's epoch and the record's revision, which every change bumps. The
    /// epoch keeps a tag from naming another body after a restart (a memory-only store begins a
    /// new history, where the same id and revision may hold something else).
    static func of(_ record: Record, _ epoch: String) -> String {
        "\"\(epoch)-\(record.revision)\""
    }

    static func response(_ record: Record, _ kind: ResourceKind, _ epoch: String, status: HTTPResponse.Status)
        -> Response
    {
        var response = Response.json(record.json(kind.schema), status: status)
        response.headerFields[.eTag] = of(record, epoch)
        return response
    }

    /// Whether an `If-Match` value holds for `record` (strong comparison, RFC 9110 §13.1.1).
    static func ifMatch(_ header: String, _ record: Record, _ epoch: String) -> Bool {
        EntityTag.matches(header, any: [of(record, epoch)], weak: false)
    }
}
