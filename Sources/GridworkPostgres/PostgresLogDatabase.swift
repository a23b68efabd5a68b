#if PostgreSQL
    import Glibc
    public import GridworkJournal
    import PostgresClient

    /// The shared change log in PostgreSQL (`serve --postgres URL`): `LogDatabase` on one libpq
    /// connection, used by one thread at a time.
    ///
    /// Three tables, made on first use:
    ///
    ///     gridwork_log             (seq bigint PRIMARY KEY, epoch, token, line, committed_at)
    ///     gridwork_snapshots       (revision bigint PRIMARY KEY, epoch, bytes, parts, created_at)
    ///     gridwork_snapshot_parts  (revision, part, data)  — a snapshot's text in parts of ≤ 8 MiB
    ///
    /// An append is one statement — the rows and a `pg_notify('gridwork_log', <last seq>)` — so it is
    /// one transaction: all its rows or none, and the notification only if they commit. The primary
    /// key on `seq` is what makes two nodes' appends of the same revision end in exactly one.
    public final class PostgresLogDatabase: LogDatabase {
        /// The channel appends are announced on.
        static let channel = "gridwork_log"
        /// Largest part of a stored snapshot.
        static let partBytes = 8 << 20

        private let connection: PostgresConnection

        /// Connects to `url` (a libpq URL or key=value string).
        public init(url: String) throws(LogDatabaseError) {
            do {
                connection = try PostgresConnection(url)
            } catch {
                throw .unavailable(error.message)
            }
        }

        public var session: Int32 { connection.serverProcessID }

        public func prepare() throws(LogDatabaseError) {
            // Two nodes starting at once on an empty database would race to create the same tables;
            // a transaction-scoped advisory lock makes them take turns.
            try script(
                """
                BEGIN;
                SELECT pg_advisory_xact_lock(\(Self.lockKey));
                CREATE TABLE IF NOT EXISTS gridwork_log (
                    seq bigint PRIMARY KEY,
                    epoch text NOT NULL,
                    token text NOT NULL,
                    line text NOT NULL,
                    committed_at timestamptz NOT NULL DEFAULT now()
                );
                CREATE TABLE IF NOT EXISTS gridwork_snapshots (
                    revision bigint PRIMARY KEY,
                    epoch text NOT NULL,
                    bytes bigint NOT NULL,
                    parts integer NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now()
                );
                CREATE TABLE IF NOT EXISTS gridwork_snapshot_parts (
                    revision bigint NOT NULL REFERENCES gridwork_snapshots (revision) ON DELETE CASCADE,
                    part integer NOT NULL,
                    data text NOT NULL,
                    PRIMARY KEY (revision, part)
                );
                COMMIT;
                """)
        }

        /// The advisory lock the schema and the first snapshot are made under.
        static let lockKey = 0x6772_6964  // "grid"

        public func snapshot(orCreate make: () -> StoredSnapshot) throws(LogDatabaseError) -> StoredSnapshot {
            try script("BEGIN; SELECT pg_advisory_xact_lock(\(Self.lockKey));")
            do throws(LogDatabaseError) {
                let newest = try query("SELECT revision, epoch FROM gridwork_snapshots ORDER BY revision DESC LIMIT 1")
                if let row = newest.rows.first, let revision = row[0].flatMap({ Int($0) }), let epoch = row[1] {
                    try script("COMMIT;")
                    return StoredSnapshot(revision: revision, epoch: epoch, bytes: try parts(of: revision))
                }
                let made = make()
                try insert(made)
                try script("COMMIT;")
                return made
            } catch {
                if connection.isConnected { _ = try? connection.executeScript("ROLLBACK;") }
                throw error
            }
        }

        public func storeSnapshot(_ snapshot: StoredSnapshot) throws(LogDatabaseError) {
            try script("BEGIN;")
            do throws(LogDatabaseError) {
                let exists = try query(
                    "SELECT 1 FROM gridwork_snapshots WHERE revision = $1", [String(snapshot.revision)])
                if exists.rows.isEmpty { try insert(snapshot) }
                try script("COMMIT;")
            } catch {
                if connection.isConnected { _ = try? connection.executeScript("ROLLBACK;") }
                throw error
            }
        }

        /// Inserts a snapshot's row and parts, inside the caller's transaction.
        private func insert(_ snapshot: StoredSnapshot) throws(LogDatabaseError) {
            let parts = Self.split(snapshot.bytes)
            try query(
                "INSERT INTO gridwork_snapshots (revision, epoch, bytes, parts) VALUES ($1, $2, $3, $4)",
                [String(snapshot.revision), snapshot.epoch, String(snapshot.bytes.count), String(parts.count)])
            for (index, part) in parts.enumerated() {
                try query(
                    "INSERT INTO gridwork_snapshot_parts (revision, part, data) VALUES ($1, $2, $3)",
                    [String(snapshot.revision), String(index), String(decoding: part, as: UTF8.self)])
            }
        }

        /// A snapshot's bytes, its parts joined.
        private func parts(of revision: Int) throws(LogDatabaseError) -> [UInt8] {
            let result = try query(
                "SELECT data FROM gridwork_snapshot_parts WHERE revision = $1 ORDER BY part", [String(revision)])
            var bytes: [UInt8] = []
            for row in result.rows { bytes.append(contentsOf: (row[0] ?? "").utf8) }
            return bytes
        }

        /// `bytes` in parts of at most `partBytes`, each ending at a line's end (the snapshot is text,
        /// so no part may end inside a character; a line's end is a safe place).
        static func split(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
            var parts: [ArraySlice<UInt8>] = []
            var start = 0
            while start < bytes.count {
                var end = min(start + partBytes, bytes.count)
                if end < bytes.count, let newline = bytes[start..<end].lastIndex(of: UInt8(ascii: "\n")) {
                    end = newline + 1
                }
                parts.append(bytes[start..<end])
                start = end
            }
            return parts
        }

        public func entries(after seq: Int, limit: Int) throws(LogDatabaseError) -> [LogEntry] {
            try entries(
                "SELECT seq, epoch, token, line FROM gridwork_log WHERE seq > $1 ORDER BY seq LIMIT $2", seq, limit)
        }

        public func entries(before seq: Int, limit: Int) throws(LogDatabaseError) -> [LogEntry] {
            try entries(
                "SELECT seq, epoch, token, line FROM gridwork_log WHERE seq < $1 ORDER BY seq DESC LIMIT $2", seq, limit
            )
        }

        private func entries(_ sql: String, _ seq: Int, _ limit: Int) throws(LogDatabaseError) -> [LogEntry] {
            let result = try query(sql, [String(seq), String(limit)])
            var entries: [LogEntry] = []
            entries.reserveCapacity(result.rows.count)
            for row in result.rows {
                guard let seq = row[0].flatMap({ Int($0) }), let epoch = row[1], let token = row[2], let line = row[3]
                else { throw .failed("gridwork_log holds a row with a missing value") }
                entries.append(LogEntry(seq: seq, epoch: epoch, token: token, line: Array(line.utf8)))
            }
            return entries
        }

        public func append(_ lines: [[UInt8]], first: Int, epoch: String, token: String) throws(LogDatabaseError) {
            guard !lines.isEmpty else { return }
            guard connection.isConnected else { throw .unavailable("the connection is closed") }
            // The rows are joined to one row that takes the append lock (shared), so it is held before
            // any row is inserted and until the commit: a node that lost a race holds it exclusively
            // (`holdAppends`) while it catches up and appends, and every other append waits meanwhile.
            var sql =
                "WITH appended AS (INSERT INTO gridwork_log (seq, epoch, token, line) SELECT entry.* FROM "
                + "(SELECT pg_advisory_xact_lock_shared(\(Self.appendLock))) AS turn, (VALUES "
            var parameters: [String?] = [String(first), epoch, token]
            parameters.reserveCapacity(lines.count + 3)
            for (index, line) in lines.enumerated() {
                if index > 0 { sql += ", " }
                sql += "($1::bigint + \(index), $2, $3, $\(index + 4))"
                parameters.append(String(decoding: line, as: UTF8.self))
            }
            sql += ") AS entry RETURNING seq) SELECT pg_notify('\(Self.channel)', max(seq)::text) FROM appended"
            do {
                try connection.execute(sql, parameters)
            } catch {
                if error.isUniqueViolation { throw .taken }
                if error.connectionLost { throw .outcomeUnknown(error.message) }
                throw .failed(error.message)
            }
        }

        /// The advisory lock appends take shared, and a node that lost a race takes exclusively.
        static let appendLock = 0x6772_6965

        public func holdAppends() throws(LogDatabaseError) {
            try query("SELECT pg_advisory_lock(\(Self.appendLock))")
        }

        public func releaseAppends() throws(LogDatabaseError) {
            try query("SELECT pg_advisory_unlock(\(Self.appendLock))")
        }

        public func token(at seq: Int) throws(LogDatabaseError) -> String? {
            try query("SELECT token FROM gridwork_log WHERE seq = $1", [String(seq)]).rows.first?[0] ?? nil
        }

        public func endSession(_ session: Int32) throws(LogDatabaseError) {
            try query("SELECT pg_terminate_backend($1)", [String(session)])
            // The signal is sent; the session has ended once it is no longer listed.
            for _ in 0..<250 {
                let listed = try query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [String(session)])
                if listed.rows.isEmpty { return }
                usleep(20_000)
            }
            throw .unavailable("the session \(session) that was appending did not end within 5 s")
        }

        public func listen() throws(LogDatabaseError) {
            try script("LISTEN \(Self.channel);")
        }

        public func waitForAppends(milliseconds: Int) throws(LogDatabaseError) -> Int? {
            do {
                let notifications = try connection.notifications(waitingUpTo: milliseconds)
                guard !notifications.isEmpty else { return nil }
                return notifications.compactMap { Int($0.payload) }.max() ?? 0
            } catch {
                throw .unavailable(error.message)
            }
        }

        /// One statement with parameters; connection failures are `.unavailable` (nothing this type
        /// reads or writes that way is ambiguous), others `.failed`.
        @discardableResult
        private func query(_ sql: String, _ parameters: [String?] = []) throws(LogDatabaseError) -> PostgresResult {
            do {
                return try connection.execute(sql, parameters)
            } catch {
                throw error.connectionLost ? .unavailable(error.message) : .failed(error.message)
            }
        }

        private func script(_ sql: String) throws(LogDatabaseError) {
            do {
                try connection.executeScript(sql)
            } catch {
                throw error.connectionLost ? .unavailable(error.message) : .failed(error.message)
            }
        }
    }
#endif
