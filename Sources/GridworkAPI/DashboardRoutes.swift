import HTTP1
import HTTPTypes

/// `GET /`: the dashboard, one HTML page (inline CSS and JavaScript) compiled into the binary, so
/// it works offline and from any directory. It reads `/stats`, `/stats/report`, `/stats/stream`
/// and `/stats/timeline` from the same origin.
struct DashboardRoutes {
    static let page: [UInt8] = PackageResources.dashboard_html
    static let etag = "\"dashboard-\(String(FNV1a.hash(page), radix: 16))\""
    /// The page gzipped once, with its own strong validator (as `/stats` does).
    static let gzipPage = Gzip.compress(page, level: 9)
    static let gzipETag = "\"dashboard-\(String(FNV1a.hash(page), radix: 16))-gzip\""

    func register(on router: Router) {
        router.add(.get, "/") { request, _ throws(APIError) in
            try QueryParameters.rejectAll(request)
            var fields: HTTPFields = [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-cache", .eTag: Self.etag,
                .contentSecurityPolicy:
                    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                    + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ]
            if let tags = request.headerFields[.ifNoneMatch],
                EntityTag.matches(tags, any: [Self.etag, Self.gzipETag], weak: true)
            {
                fields[.contentType] = nil
                var response = Response(status: .notModified, headerFields: fields)
                response.gzipAlternative = GzipAlternative(body: [], etag: Self.gzipETag)
                return response
            }
            var response = Response(status: .ok, headerFields: fields, body: Self.page)
            response.gzipAlternative = GzipAlternative(body: Self.gzipPage, etag: Self.gzipETag)
            return response
        }
    }
}
