public import GridworkStore
public import HTTP1
import HTTPTypes
public import Logging

/// How the API is set up.
public struct APIConfiguration: Sendable {
    /// Bodies at least this long are gzip-compressed when the client accepts it.
    public var compressionMinimumBytes: Int

    /// The defaults.
    public init(compressionMinimumBytes: Int = 1024) {
        self.compressionMinimumBytes = compressionMinimumBytes
    }
}

/// Builds the responder the server runs: routes, errors as problem+json, and compression.
public func makeResponder(store: Store, configuration: APIConfiguration = APIConfiguration(), logger: Logger)
    -> some Responder
{
    let router = Router(check: EntityTag.checkConditionalFields)
    HealthRoutes(store: store).register(on: router)
    StatsRoutes(store: store).register(on: router)
    ResourceRoutes(store: store).register(on: router)
    WriteRoutes(store: store).register(on: router)
    // Last, so the document describes every route registered above.
    OpenAPIRoutes().register(on: router)
    return CompressionResponder(
        APIResponder(router: router, logger: logger),
        minimumBytes: configuration.compressionMinimumBytes
    )
}

/// Runs the router and turns its errors into responses.
struct APIResponder: Responder {
    let router: Router
    let logger: Logger

    func respond(to request: Request) -> Response {
        if request.path == "*" {
            // `OPTIONS *` asks about the server as a whole (RFC 9110 §9.3.7).
            return Response(status: .noContent, headerFields: [.allow: "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"])
        }
        do {
            return try router.respond(to: request)
        } catch {
            return error.response
        }
    }
}
