#if PostgreSQL
    /// A failed connect, statement or wait, as libpq or the server described it.
    public struct PostgresError: Error, Sendable, CustomStringConvertible {
        /// libpq's or the server's message, whitespace-trimmed; a server error keeps its `DETAIL:` and
        /// `HINT:` lines.
        public var message: String
        /// The server's SQLSTATE code (`PG_DIAG_SQLSTATE`), e.g. `"23505"`; nil when the failure happened in
        /// libpq or on the network and no server error arrived.
        public var sqlState: String?
        /// True when the connection was no longer usable after the failure (network error, server restart
        /// or shutdown). The caller must reconnect, and cannot know whether a `COMMIT` in flight took effect.
        public var connectionLost: Bool

        /// Creates an error from its parts; `message` is trimmed of surrounding whitespace.
        public init(message: String, sqlState: String? = nil, connectionLost: Bool) {
            self.message = trimmingWhitespace(message)
            self.sqlState = sqlState
            self.connectionLost = connectionLost
        }

        /// True for a unique or primary-key violation (SQLSTATE 23505).
        public var isUniqueViolation: Bool { sqlState == "23505" }

        /// The message, followed by the SQLSTATE and whether the connection was lost.
        public var description: String {
            var text = "PostgreSQL: \(message)"
            if let sqlState { text += " (SQLSTATE \(sqlState))" }
            if connectionLost { text += " [connection lost]" }
            return text
        }
    }

    /// `text` without leading and trailing spaces, tabs and newlines (libpq's messages end in a newline).
    private func trimmingWhitespace(_ text: String) -> String {
        let isWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = text.firstIndex(where: { !isWhitespace($0) }),
            let last = text.lastIndex(where: { !isWhitespace($0) })
        else { return "" }
        return String(text[first...last])
    }
#endif
