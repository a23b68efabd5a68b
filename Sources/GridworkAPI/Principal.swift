public import GridworkStore

/// Who is asking: a named person behind a token, with a role and a scope (SPEC section 4).
public struct Principal: Sendable, Hashable {
    /// What a principal may do.
    public enum Role: String, Sendable, CaseIterable {
        /// Everything, the admin routes included.
        case admin
        /// Every record of the district.
        case district
        /// The records of its `towns`.
        case town
        /// A grid cadre: reads its `grids`, records work there as its `cadreId`.
        case grid
        /// Reads within its scope; never writes.
        case viewer
    }

    /// Stable id, recorded as `createdBy`/`updatedBy` and in the journal (`[a-z0-9._-]`, 1–64).
    public var id: String
    /// The person's name.
    public var name: String
    /// What the principal may do.
    public var role: Role
    /// Town ids (role `town`, or a viewer limited to towns).
    public var towns: [String]
    /// Grid ids (role `grid`, or a viewer limited to grids).
    public var grids: [String]
    /// The cadre a grid principal records work as.
    public var cadreId: String?
    /// Lowercase hex SHA-256 of the token; nil for the principals the server makes itself.
    public var tokenSha256: String?

    /// Creates a principal.
    public init(
        id: String, name: String, role: Role, towns: [String] = [], grids: [String] = [], cadreId: String? = nil,
        tokenSha256: String? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.towns = towns
        self.grids = grids
        self.cadreId = cadreId
        self.tokenSha256 = tokenSha256
    }

    /// Whoever calls a server with no tokens and no principals configured: writes are open, so
    /// this principal may do everything.
    public static let openAccess = Principal(id: "anonymous", name: "anyone (no tokens configured)", role: .admin)
    /// A holder of a `--token` write token.
    public static let tokenWriter = Principal(id: "token", name: "holder of a --token write token", role: .district)
    /// A holder of a `--read-token` read token.
    public static let tokenReader = Principal(id: "read-token", name: "holder of a --read-token", role: .viewer)
    /// A caller without a token on a server whose reads are open but whose writes are not.
    public static let anonymousReader = Principal(id: "anonymous", name: "anyone (open reads)", role: .viewer)

    /// Whether the principal may write at all.
    public var mayWrite: Bool { role != .viewer }

    /// Whether the principal may use the admin routes.
    public var isAdmin: Bool { role == .admin }

    /// Whether ids have the form the journal and logs can carry without quoting surprises.
    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && id != Record.seedPrincipal && id != Change.unattributed
            && id != CaseStep.system
            && id.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
    }
}
