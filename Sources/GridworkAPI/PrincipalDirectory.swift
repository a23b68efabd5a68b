import Glibc
public import GridworkStore
public import JSON
import Synchronization

/// The principals of `--principals FILE`, found by the SHA-256 of their tokens, and replaced
/// whole when the file is read again (SIGHUP). Only hashes are kept: a leaked file names people
/// but opens nothing.
///
/// The file is a JSON array of `{id, name, role, towns?, grids?, cadreId?, tokenSha256}`.
///
/// Concurrency: `Sendable`; lookups and reloads meet in a `Mutex` around an immutable table.
public final class PrincipalDirectory: Sendable {
    /// Lowercase hex SHA-256 of a token's bytes (the executable passes `TokenDigest.sha256Hex`).
    public typealias Digest = @Sendable ([UInt8]) -> String

    /// Why a principals file cannot be used.
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        /// What is wrong, naming the file and the entry.
        public var description: String
    }

    /// The file it reads; nil when made from a list.
    public let path: String?
    private let byHash: Mutex<[String: Principal]>
    private let digest: Digest

    /// Reads `path`; throws when the file cannot be read or any entry is invalid.
    public init(path: String, digest: @escaping Digest) throws(LoadError) {
        self.path = path
        self.digest = digest
        self.byHash = Mutex(try Self.index(try Self.load(path)))
    }

    /// The principals given (each with its `tokenSha256`), with no file behind them.
    public init(_ principals: [Principal], digest: @escaping Digest) {
        self.path = nil
        self.digest = digest
        self.byHash = Mutex(Self.index(principals))
    }

    /// Every principal, in file order of their ids.
    public var principals: [Principal] {
        byHash.withLock { Array($0.values) }.sorted { $0.id < $1.id }
    }

    /// Reads the file again and, when it is valid, replaces every principal at once; when it is
    /// not, keeps the ones it has and throws why.
    public func reload() throws(LoadError) -> Int {
        guard let path else { throw LoadError(description: "these principals were not read from a file") }
        let fresh = try Self.index(try Self.load(path))
        byHash.withLock { $0 = fresh }
        return fresh.count
    }

    /// The principal whose token is `token`, or nil. The lookup is by the token's SHA-256, so
    /// its time does not depend on how much of a token matches.
    public func principal(forToken token: some Collection<UInt8>) -> Principal? {
        let hash = digest(Array(token))
        return byHash.withLock { $0[hash] }
    }

    // MARK: The file

    /// The principals in `path`, checked.
    public static func load(_ path: String) throws(LoadError) -> [Principal] {
        guard let bytes = readFile(path) else {
            throw LoadError(description: "cannot read the principals file \(path): \(String(cString: strerror(errno)))")
        }
        return try decode(bytes, path: path)
    }

    /// The principals in the JSON text `bytes` (read from `path`), checked.
    public static func decode(_ bytes: [UInt8], path: String) throws(LoadError) -> [Principal] {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw LoadError(description: "\(path) is not JSON: \(error)")
        }
        guard case .array(let entries) = json else {
            throw LoadError(description: "\(path) must hold a JSON array of principals")
        }
        var principals: [Principal] = []
        var ids = Set<String>()
        var hashes = Set<String>()
        for (index, entry) in entries.enumerated() {
            let principal = try decodeEntry(entry, at: "\(path)[\(index)]")
            guard ids.insert(principal.id).inserted else {
                throw LoadError(description: "\(path)[\(index)]: the id `\(principal.id)` is used twice")
            }
            guard let hash = principal.tokenSha256, hashes.insert(hash).inserted else {
                throw LoadError(description: "\(path)[\(index)]: the same token is given to two principals")
            }
            principals.append(principal)
        }
        return principals
    }

    private static func decodeEntry(_ entry: JSONValue, at place: String) throws(LoadError) -> Principal {
        guard case .object(let members) = entry else { throw LoadError(description: "\(place) is not an object") }
        let known: Set<String> = ["id", "name", "role", "towns", "grids", "cadreId", "tokenSha256"]
        if let unknown = members.first(where: { !known.contains($0.key) }) {
            throw LoadError(description: "\(place): unknown member `\(unknown.key)`; allowed: \(known.sorted())")
        }
        func string(_ key: String) throws(LoadError) -> String? {
            switch entry[key] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            default: throw LoadError(description: "\(place): `\(key)` must be a string")
            }
        }
        func strings(_ key: String) throws(LoadError) -> [String] {
            switch entry[key] {
            case nil, .null?: return []
            case .array(let items)?:
                var result: [String] = []
                for item in items {
                    guard case .string(let text) = item, !text.isEmpty else {
                        throw LoadError(description: "\(place): `\(key)` must be a list of ids")
                    }
                    result.append(text)
                }
                return result
            default: throw LoadError(description: "\(place): `\(key)` must be a list of ids")
            }
        }
        guard let id = try string("id"), Principal.isValidID(id) else {
            throw LoadError(
                description: "\(place): `id` must be 1–64 of a–z, 0–9, `-`, `_`, `.` (and not `seed` or `system`)")
        }
        guard let name = try string("name"), !name.isEmpty else {
            throw LoadError(description: "\(place) (\(id)): `name` is required")
        }
        guard let roleName = try string("role"), let role = Principal.Role(rawValue: roleName) else {
            throw LoadError(
                description: "\(place) (\(id)): `role` must be one of "
                    + Principal.Role.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard let hash = try string("tokenSha256"), isSHA256Hex(hash) else {
            throw LoadError(description: "\(place) (\(id)): `tokenSha256` must be 64 lowercase hex digits")
        }
        let principal = Principal(
            id: id, name: name, role: role, towns: try strings("towns"), grids: try strings("grids"),
            cadreId: try string("cadreId"), tokenSha256: hash)
        if let problem = scopeProblem(principal) { throw LoadError(description: "\(place) (\(id)): \(problem)") }
        return principal
    }

    /// What is missing or extra for the principal's role, or nil.
    public static func scopeProblem(_ principal: Principal) -> String? {
        switch principal.role {
        case .admin, .district:
            if !principal.towns.isEmpty || !principal.grids.isEmpty {
                return "role `\(principal.role.rawValue)` covers the whole district: give no towns or grids"
            }
        case .town:
            if principal.towns.isEmpty { return "role `town` needs `towns`" }
            if !principal.grids.isEmpty { return "role `town` takes `towns`, not `grids`" }
        case .grid:
            if principal.grids.isEmpty { return "role `grid` needs `grids`" }
            if principal.cadreId == nil { return "role `grid` needs `cadreId`, the cadre it records work as" }
            if !principal.towns.isEmpty { return "role `grid` takes `grids`, not `towns`" }
        case .viewer:
            if !principal.towns.isEmpty && !principal.grids.isEmpty {
                return "a viewer is limited to `towns` or to `grids`, not both"
            }
        }
        return nil
    }

    /// The principals as the file holds them, pretty enough to edit by hand.
    public static func encode(_ principals: [Principal]) -> [UInt8] {
        var json = JSONWriter(capacity: 256 * principals.count + 4)
        json.raw("[")
        for (index, principal) in principals.enumerated() {
            json.raw(index == 0 ? "\n  {" : ",\n  {")
            json.key("id")
            json.string(principal.id)
            json.raw(", ")
            json.key("name")
            json.string(principal.name)
            json.raw(", ")
            json.key("role")
            json.string(principal.role.rawValue)
            for (key, ids) in [("towns", principal.towns), ("grids", principal.grids)] where !ids.isEmpty {
                json.raw(", ")
                json.key(key)
                json.value(.array(ids.map { .string($0) }))
            }
            if let cadreId = principal.cadreId {
                json.raw(", ")
                json.key("cadreId")
                json.string(cadreId)
            }
            json.raw(", ")
            json.key("tokenSha256")
            json.string(principal.tokenSha256 ?? "")
            json.raw("}")
        }
        json.raw(principals.isEmpty ? "]\n" : "\n]\n")
        return json.bytes
    }

    // MARK: Tokens

    /// A new token: 32 random bytes, base64url without padding (43 characters).
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Cursor.base64(bytes)
    }

    static func isSHA256Hex(_ text: String) -> Bool {
        text.utf8.count == 64
            && text.utf8.allSatisfy {
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            }
    }

    private static func index(_ principals: [Principal]) -> [String: Principal] {
        var table: [String: Principal] = [:]
        for principal in principals { table[principal.tokenSha256 ?? ""] = principal }
        return table
    }

    private static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
            if bytes.count > 16 << 20 { return nil }
        }
    }
}
