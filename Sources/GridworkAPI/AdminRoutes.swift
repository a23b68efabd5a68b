import HTTP1
import HTTPTypes

/// `POST /admin/compact`: asks the journal for a snapshot and a fresh journal file.
struct AdminRoutes {
    let durability: (any WriteDurability)?

    static let accepted = Response.json(Array(#"{"status":"compaction requested"}"#.utf8), status: .accepted)

    func register(on router: Router) {
        let durability = self.durability
        router.add(.post, "/admin/compact") { request, _ throws(APIError) in
            try QueryParameters.rejectAll(request)
            guard let durability else {
                throw APIError(.conflict, detail: "The server runs without --data-dir: there is no journal to compact.")
            }
            // Accepting work the journal will not do would be a lie.
            guard durability.requestCompaction() else {
                throw APIError.journalUnavailable(durability.failure ?? "it failed")
            }
            return Self.accepted
        }
    }
}
