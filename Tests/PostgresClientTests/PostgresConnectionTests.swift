#if PostgreSQL
    import Glibc
    import PostgresClient
    import Testing

    /// The server the tests use, from GRIDWORK_TEST_POSTGRES_URL.
    private let testServerURL: String? = getenv("GRIDWORK_TEST_POSTGRES_URL").map { String(cString: $0) }

    /// The libpq wrapper against a live server. Runs only when GRIDWORK_TEST_POSTGRES_URL names one, e.g.
    /// the URL `scripts/postgres-cluster.sh start DIR` prints; each test works in temporary tables of its own
    /// session, so they run in parallel and leave nothing behind.
    @Suite(.enabled(if: testServerURL != nil, "GRIDWORK_TEST_POSTGRES_URL is not set"))
    struct PostgresConnectionTests {
        /// A new session with the test server.
        static func connect() throws -> PostgresConnection {
            try PostgresConnection(testServerURL!)
        }

        @Test func execute_roundTripsParameters_byteForByte() throws {
            let connection = try Self.connect()
            try connection.executeScript("create temporary table notes (id integer primary key, body text, note text)")
            let large = String(repeating: "汉字 'quoted' \"double\"\n\t\\ é ", count: 20 * 1024 * 1024 / 32)
            let tricky = "it's \"quoted\"\nline two\r\n汉字 — 🙂 $1 ; drop table notes; --"
            let inserted = try connection.execute(
                "insert into notes (id, body, note) values ($1, $2, $3), ($4, $5, $6)",
                ["1", large, nil, "2", tricky, ""])
            #expect(inserted.affectedRows == 2)

            let result = try connection.execute("select id, body, note from notes order by id")
            #expect(result.columns == ["id", "body", "note"])
            #expect(result.rows.count == 2)
            #expect(result.rows.first?[0] == "1")
            #expect(result.rows.first?[1]?.utf8.count == large.utf8.count)
            #expect(result.rows.first?[1] == large)
            #expect(result.rows.first?[2] == nil)
            #expect(result.rows.last == ["2", tricky, ""])
        }

        @Test func execute_reportsUniqueViolation_andKeepsTheConnection() throws {
            let connection = try Self.connect()
            try connection.executeScript("create temporary table keys (id text primary key)")
            try connection.execute("insert into keys values ($1)", ["a"])
            let error = #expect(throws: PostgresError.self) {
                try connection.execute("insert into keys values ($1)", ["a"])
            }
            #expect(error?.isUniqueViolation == true)
            #expect(error?.connectionLost == false)
            #expect(error?.message.hasPrefix("ERROR:") == true)
            #expect(connection.isConnected)
            #expect(try connection.execute("select count(*) from keys").rows == [["1"]])
        }

        @Test func execute_reportsSQLState_ofASyntaxError() throws {
            let connection = try Self.connect()
            let error = #expect(throws: PostgresError.self) { try connection.execute("selec 1") }
            #expect(error?.sqlState == "42601")
            #expect(error?.isUniqueViolation == false)
        }

        @Test func execute_refusesParameter_containingNUL() throws {
            let connection = try Self.connect()
            let error = #expect(throws: PostgresError.self) { try connection.execute("select $1", ["a\u{0}b"]) }
            #expect(error?.message.contains("$1") == true)
            #expect(try connection.execute("select $1::text", [nil]).rows == [[nil]])
        }

        @Test func executeScript_returnsTheLastResult() throws {
            let connection = try Self.connect()
            let result = try connection.executeScript("begin; create temporary table t (n int); commit; select 7 as n")
            #expect(result.columns == ["n"])
            #expect(result.rows == [["7"]])
        }

        @Test func notifications_deliverNotify_fromAnotherSession() throws {
            let listener = try Self.connect()
            let sender = try Self.connect()
            let channel = "gridwork_test_\(listener.serverProcessID)"
            try listener.execute("listen \(listener.quotedIdentifier(channel))")
            #expect(try listener.notifications(waitingUpTo: 20).isEmpty)

            try sender.execute("select pg_notify($1, $2)", [channel, "汉字 payload"])
            var received: [PostgresNotification] = []
            for _ in 0..<50 where received.isEmpty {
                received = try listener.notifications(waitingUpTo: 100)
            }
            #expect(received.map(\.channel) == [channel])
            #expect(received.map(\.payload) == ["汉字 payload"])
            #expect(received.map(\.processID) == [sender.serverProcessID])
        }

        @Test func close_isIdempotent_andLaterCallsThrow() throws {
            let connection = try Self.connect()
            #expect(connection.serverProcessID != 0)
            connection.close()
            connection.close()
            #expect(!connection.isConnected)
            let error = #expect(throws: PostgresError.self) { try connection.execute("select 1") }
            #expect(error?.connectionLost == true)
        }
    }
#endif
