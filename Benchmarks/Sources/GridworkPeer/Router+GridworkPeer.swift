import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension Router<BasicRequestContext> {
    /// The four benchmark routes over `store`, with Hummingbird's request log (info, like Gridwork's access lines).
    static func gridworkPeer(store: PeerStore) -> Router<BasicRequestContext> {
        let router = Router()
        router.addMiddleware { LogRequestsMiddleware(.info) }

        router.get("/healthz") { _, _ in
            HealthStatus(status: "ok")
        }

        router.get("/stats") { _, _ in
            let stats = store.stats()
            return EditedResponse(
                headers: [.cacheControl: "no-cache", .eTag: "\"stats-\(stats.epoch)-\(stats.revision)\""],
                response: stats
            )
        }

        router.get("/assistance-records") { request, _ in
            let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 50
            guard (1...500).contains(limit) else {
                throw HTTPError(.badRequest, message: "limit must be an integer from 1 to 500.")
            }
            var after: String?
            if let cursor = request.uri.queryParameters.get("cursor") {
                guard let id = Cursor.lastID(cursor) else { throw HTTPError(.badRequest, message: "Invalid cursor.") }
                after = id
            }
            let page = store.page(after: after, limit: limit)
            let next = page.more ? page.records.last.map { Cursor.after($0.id) } : nil
            var headers = HTTPFields()
            if let next {
                headers[.link] = "</assistance-records?limit=\(limit)&cursor=\(next)>; rel=\"next\""
            }
            return EditedResponse(
                headers: headers, response: RecordPage(data: page.records, next: next, total: page.total))
        }

        router.post("/assistance-records") { request, context in
            let input = try await request.decode(as: NewAssistanceRecord.self, context: context)
            let valid = try input.validated(cadreIds: store.cadreIds, gridIds: store.gridTowns.keys)
            let record = store.create(valid, at: Date.now.formatted(.iso8601))
            return EditedResponse(
                status: .created,
                headers: [
                    .location: "/assistance-records/\(record.id)", .eTag: "\"\(store.epoch)-\(record.revision)\"",
                ],
                response: record
            )
        }
        return router
    }
}

/// The `/healthz` body.
struct HealthStatus: ResponseEncodable, Sendable {
    var status: String
}

extension HTTPField.Name {
    /// RFC 8288 `Link`, which swift-http-types does not name.
    static let link = HTTPField.Name("Link")!
}
