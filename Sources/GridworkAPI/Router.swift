public import HTTP1
public import HTTPResponder
public import HTTPTypes

/// Routes a request to a handler by method and path pattern (`/grids/:id/cadres`).
///
/// Segments are matched after strict percent-decoding, literal segments before parameters.
/// A path with no route is a 404; a path whose route lacks the method is a 405 with `Allow`.
/// `HEAD` is served by the `GET` handler, and `OPTIONS` answers with `Allow` for any routed path.
public struct Router: Sendable {
    /// Answers one matched request.
    public typealias Handler = @Sendable (Request, Parameters) throws(APIError) -> Response

    /// The path parameters of a matched route, by name, and who is asking.
    public struct Parameters: Sendable {
        var values: [(String, String)] = []
        /// The principal the request was authenticated as.
        public internal(set) var principal = Principal.openAccess

        /// The decoded value of `name`, or nil.
        public subscript(_ name: String) -> String? {
            values.first { $0.0 == name }?.1
        }
    }

    private final class Node: @unchecked Sendable {
        // Unchecked: mutated only while the router is built, before it is shared.
        var literals: [String: Node] = [:]
        var parameter: (name: String, node: Node)?
        var handlers: [HTTPRequest.Method: Handler] = [:]
        var pattern: String?
    }

    /// The methods the API implements, sorted; no route uses another. `OPTIONS *`, CORS
    /// preflights and the metrics' method label all take this list.
    public static let methods: [HTTPRequest.Method] = [.delete, .get, .head, .options, .patch, .post, .put]
    /// `methods` as an `Allow` field value.
    public static let allowedMethods = methods.map(\.rawValue).joined(separator: ", ")

    private let root = Node()
    private let check: @Sendable (Request) throws(APIError) -> Void

    /// Creates an empty router. `check` runs on every request that reaches a handler, after
    /// the 404 and 405 decisions and before the handler.
    public init(check: @escaping @Sendable (Request) throws(APIError) -> Void = { _ throws(APIError) in }) {
        self.check = check
    }

    /// Adds a route. Register every route before the router is used from more than one thread.
    public func add(_ method: HTTPRequest.Method, _ pattern: String, _ handler: @escaping Handler) {
        var node = root
        for segment in pattern.split(separator: "/", omittingEmptySubsequences: true) {
            if segment.hasPrefix(":") {
                let name = String(segment.dropFirst())
                if let existing = node.parameter {
                    precondition(existing.name == name, "conflicting parameter names in \(pattern)")
                    node = existing.node
                } else {
                    let child = Node()
                    node.parameter = (name, child)
                    node = child
                }
            } else {
                let key = String(segment)
                if let child = node.literals[key] {
                    node = child
                } else {
                    let child = Node()
                    node.literals[key] = child
                    node = child
                }
            }
        }
        precondition(Self.methods.contains(method), "\(method) is not in Router.methods")
        precondition(node.handlers[method] == nil, "duplicate route \(method) \(pattern)")
        node.handlers[method] = handler
        node.pattern = pattern
    }

    /// Every registered route as (method, pattern), for documentation and tests.
    public var routes: [(method: HTTPRequest.Method, pattern: String)] {
        var result: [(HTTPRequest.Method, String)] = []
        var stack = [root]
        while let node = stack.popLast() {
            if let pattern = node.pattern {
                result += node.handlers.keys.map { ($0, pattern) }
            }
            stack += node.literals.values
            if let parameter = node.parameter { stack.append(parameter.node) }
        }
        return result.sorted { ($0.1, $0.0.rawValue) < ($1.1, $1.0.rawValue) }
    }

    /// Finds and runs the handler for `request`.
    public func respond(to request: Request, as principal: Principal = .openAccess) throws(APIError) -> Response {
        var parameters = Parameters()
        parameters.principal = principal
        guard let node = try match(request.path, parameters: &parameters) else {
            throw APIError.notFound("No resource at \(request.path).")
        }
        let method = request.method
        if let handler = node.handlers[method] ?? (method == .head ? node.handlers[.get] : nil) {
            try check(request)
            var response = try handler(request, parameters)
            response.route = node.pattern
            return response
        }
        let allow = Self.allowed(node)
        if method == .options {
            var response = Response(status: .noContent, headerFields: [.allow: allow])
            response.route = node.pattern
            return response
        }
        throw APIError.methodNotAllowed(method: method, allow: allow)
    }

    /// The pattern of the route `path` matches (`/grids/:id`), or nil; for the metrics labels of
    /// refusals, which leave the router before a response names its route.
    public func pattern(for path: String) -> String? {
        var parameters = Parameters()
        return (try? match(path, parameters: &parameters))??.pattern
    }

    private static func allowed(_ node: Node) -> String {
        var methods = Set(node.handlers.keys.map(\.rawValue))
        if methods.contains("GET") { methods.insert("HEAD") }
        methods.insert("OPTIONS")
        return methods.sorted().joined(separator: ", ")
    }

    private func match(_ path: String, parameters: inout Parameters) throws(APIError) -> Node? {
        guard path.utf8.first == UInt8(ascii: "/") else { return nil }
        var node = root
        var segments = path.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        // `/grids/` names the same collection as `/grids`; a lone `/` is the root.
        if segments.last?.isEmpty == true { segments.removeLast() }
        for raw in segments {
            guard !raw.isEmpty else { return nil }
            let segment: String
            do {
                segment = try PercentEncoding.decode(Substring(raw))
            } catch {
                throw APIError.badRequest("The path segment `\(Substring(raw))` is not valid percent-encoded UTF-8.")
            }
            if let child = node.literals[segment] {
                node = child
            } else if let (name, child) = node.parameter {
                parameters.values.append((name, segment))
                node = child
            } else {
                return nil
            }
        }
        return node.pattern == nil ? nil : node
    }
}
