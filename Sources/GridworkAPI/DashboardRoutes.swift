import HTTP1
import HTTPResponder
import HTTPTypes

/// `GET /`: the dashboard, one HTML page (inline CSS and JavaScript) compiled into the binary, so
/// it works offline and from any directory. It reads `/stats`, `/stats/report`, `/stats/stream`
/// and `/stats/timeline` from the same origin.
struct DashboardRoutes {
    static let page: [UInt8] = PackageResources.dashboard_html
    static let hash = String(FNV1a.hash(page), radix: 16)
    static let etag = "\"dashboard-\(hash)\""
    /// The page gzipped once, with its own strong validator (as `/stats` does).
    static let gzipPage = Gzip.compress(page, level: 9)
    static let gzipETag = "\"dashboard-\(hash)-gzip\""

    func register(on router: Router) {
        router.add(.get, "/") { request, _ throws(APIError) in
            try QueryParameters.rejectAll(request)
            let fields: HTTPFields = [
                .cacheControl: "no-cache",
                .contentSecurityPolicy:
                    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                    + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ]
            return Response.representations(
                for: request, identity: Self.page, gzip: Self.gzipPage, etag: Self.etag, gzipETag: Self.gzipETag,
                contentType: "text/html; charset=utf-8", fields: fields)
        }
    }
}
