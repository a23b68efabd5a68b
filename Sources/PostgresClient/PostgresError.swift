#if PostgreSQL
    /// A failed connect, statement or wait, as libpq or the server described it.
    public struct PostgresError: Error, Sendable, CustomStringConvertible {
        /// libpq's or the server's message on one line: its lines (a server error's `DETAIL:` and
        /// `HINT:` among them) joined by single spaces, so that it reads whole in a log line or a
        /// problem's `detail`.
        public var message: String
        /// The server's SQLSTATE code (`PG_DIAG_SQLSTATE`), e.g. `"23505"`; nil when the failure happened in
        /// libpq or on the network and no server error arrived.
        public var sqlState: String?
        /// True when the connection was no longer usable after the failure (network error, server restart
        /// or shutdown). The caller must reconnect, and cannot know whether a `COMMIT` in flight took effect.
        public var connectionLost: Bool

        /// Creates an error from its parts; `message` is put on one line.
        public init(message: String, sqlState: String? = nil, connectionLost: Bool) {
            self.message = oneLine(message)
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

    /// `text` with each run of spaces, tabs and line breaks made one space, and none at either end
    /// (libpq's messages end in a newline and indent their second lines with a tab).
    private func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
#endif
