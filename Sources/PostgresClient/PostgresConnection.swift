#if PostgreSQL
    import CLibPQ
    import Glibc

    /// One session with a PostgreSQL server through libpq, used synchronously: each call blocks its thread
    /// until the server has answered.
    ///
    /// Concurrency: not `Sendable`. libpq's connection object must not be used from two threads at once, so a
    /// connection belongs to one dedicated thread; create it on that thread (a `SystemThread`) rather than
    /// handing it over. libpq sends with `MSG_NOSIGNAL` on Linux, so writing to a connection the server has
    /// closed never raises SIGPIPE; no signal handling is needed here.
    public final class PostgresConnection {
        /// How long connecting may take, in seconds, unless the connection string or `PGCONNECT_TIMEOUT` says
        /// otherwise. Without one libpq waits for the operating system's TCP timeout, which is minutes.
        public static let defaultConnectTimeoutSeconds = 5

        /// libpq's connection; nil once closed. Only this file assigns it.
        private(set) var handle: OpaquePointer?

        /// Connects with a `postgresql://` URL or a `key=value` connection string, the forms `PQconnectdb`
        /// accepts. Fails with libpq's message when the server cannot be reached or refuses the login.
        ///
        /// The string goes to `PQconnectdbParams` as an expanded `dbname`, between two settings of ours.
        /// libpq applies keywords in order, each overriding earlier ones, so `connect_timeout` placed before
        /// the string is only a default the string may override, while `client_encoding=UTF8` placed after it
        /// always holds: results are decoded as UTF-8 whatever the database's encoding.
        public init(_ conninfo: String) throws(PostgresError) {
            var keywords: [String?] = []
            var values: [String?] = []
            if getenv("PGCONNECT_TIMEOUT") == nil {
                keywords.append("connect_timeout")
                values.append(String(Self.defaultConnectTimeoutSeconds))
            }
            // A peer that vanishes without closing (a host that died, a cable pulled) is noticed within
            // seconds rather than after the system's two hours of TCP keepalive: probes after 10 s idle,
            // and unacknowledged data gives up after 15 s. The string may override both.
            keywords += ["keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"]
            values += ["10", "5", "3", "15000"]
            keywords += ["dbname", "client_encoding", nil]
            values += [conninfo, "UTF8", nil]
            let keywordArray = CStringArray(keywords)
            let valueArray = CStringArray(values)
            let connection = keywordArray.withPointers { keywordPointers in
                valueArray.withPointers { valuePointers in
                    PQconnectdbParams(keywordPointers, valuePointers, 1)
                }
            }
            guard let connection else {
                throw PostgresError(message: "libpq could not allocate a connection", connectionLost: true)
            }
            guard PQstatus(connection) == CONNECTION_OK else {
                let message = String(cString: PQerrorMessage(connection))
                PQfinish(connection)
                throw PostgresError(message: message, connectionLost: true)
            }
            // libpq prints the server's notices (e.g. "relation already exists, skipping") to stderr, where
            // they would interleave with the server's log lines; the PostgreSQL log keeps them.
            PQsetNoticeProcessor(connection, { _, _ in }, nil)
            handle = connection
        }

        deinit {
            close()
        }

        /// True while libpq reports the connection as usable (`CONNECTION_OK`); false once it broke or was
        /// closed.
        public var isConnected: Bool {
            guard let handle else { return false }
            return PQstatus(handle) == CONNECTION_OK
        }

        /// The process id of the server session serving this connection (`PQbackendPID`); 0 once closed.
        public var serverProcessID: Int32 {
            guard let handle else { return 0 }
            return PQbackendPID(handle)
        }

        /// Ends the session (`PQfinish`). Safe to call more than once; `deinit` calls it too.
        public func close() {
            guard let handle else { return }
            PQfinish(handle)
            self.handle = nil
        }

        /// `identifier` double-quoted and escaped (`PQescapeIdentifier`), for the places SQL takes no
        /// parameters, such as `LISTEN channel`.
        public func quotedIdentifier(_ identifier: String) throws(PostgresError) -> String {
            let connection = try openHandle()
            let quoted = identifier.withCString { PQescapeIdentifier(connection, $0, strlen($0)) }
            guard let quoted else { throw lastError(connection) }
            defer { PQfreemem(quoted) }
            return String(cString: quoted)
        }

        /// The libpq connection, or an error when `close()` has been called.
        func openHandle() throws(PostgresError) -> OpaquePointer {
            guard let handle else {
                throw PostgresError(message: "the connection has been closed", connectionLost: true)
            }
            return handle
        }

        /// The connection's latest error (`PQerrorMessage`), and whether the connection survived it.
        func lastError(_ connection: OpaquePointer) -> PostgresError {
            PostgresError(
                message: String(cString: PQerrorMessage(connection)),
                connectionLost: PQstatus(connection) != CONNECTION_OK)
        }
    }

    @available(*, unavailable)
    extension PostgresConnection: Sendable {}
#endif
