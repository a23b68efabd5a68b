#if PostgreSQL
    import CLibPQ
    import Glibc

    /// `PG_DIAG_SQLSTATE` from postgres_ext.h, a character macro Swift does not import.
    private let sqlStateField = Int32(UInt8(ascii: "C"))

    extension PostgresConnection {
        /// Runs one statement with text-format parameters `$1`…`$n` (nil is SQL NULL) through `PQexecParams`,
        /// and returns its rows. Throws unless the statement completed (`PGRES_COMMAND_OK` or
        /// `PGRES_TUPLES_OK`); a parameter containing a NUL byte, which PostgreSQL text cannot hold, is
        /// refused before anything is sent. `COPY` is not supported.
        @discardableResult
        public func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresResult {
            let connection = try openHandle()
            let values = CStringArray(parameters)
            if let index = values.firstIndexContainingNUL {
                throw PostgresError(
                    message: "parameter $\(index + 1) contains a NUL byte, which PostgreSQL text cannot hold",
                    connectionLost: PQstatus(connection) != CONNECTION_OK)
            }
            let result = values.withPointers { pointers in
                PQexecParams(connection, sql, Int32(parameters.count), nil, pointers, nil, nil, 0)
            }
            return try completed(result, on: connection)
        }

        /// Runs several statements without parameters in one round trip (`PQexec`), e.g. DDL or
        /// `BEGIN; …; COMMIT`, and returns the last one's result. Stops at the first statement that fails and
        /// throws its error; statements outside an explicit transaction that ran before it stay committed.
        @discardableResult
        public func executeScript(_ sql: String) throws(PostgresError) -> PostgresResult {
            let connection = try openHandle()
            return try completed(PQexec(connection, sql), on: connection)
        }

        /// Converts and frees `result`, or throws its error. libpq returns no result at all when it could not
        /// send the statement (a broken connection) or ran out of memory.
        private func completed(_ result: OpaquePointer?, on connection: OpaquePointer) throws(PostgresError)
            -> PostgresResult
        {
            guard let result else { throw lastError(connection) }
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
                throw failure(of: result, status: status, on: connection)
            }
            return PostgresResult(
                columns: columnNames(of: result),
                rows: rows(of: result),
                affectedRows: Int(String(cString: PQcmdTuples(result))) ?? 0)
        }

        /// The error a failed result carries. Results that are not errors (an empty query, `COPY`) carry no
        /// message, so one is made from their status.
        private func failure(of result: OpaquePointer, status: ExecStatusType, on connection: OpaquePointer)
            -> PostgresError
        {
            var message = String(cString: PQresultErrorMessage(result))
            if message.isEmpty { message = String(cString: PQerrorMessage(connection)) }
            if message.isEmpty { message = "the statement ended with status \(String(cString: PQresStatus(status)))" }
            let sqlState = PQresultErrorField(result, sqlStateField).map { String(cString: $0) }
            return PostgresError(
                message: message, sqlState: sqlState, connectionLost: PQstatus(connection) != CONNECTION_OK)
        }

        private func columnNames(of result: OpaquePointer) -> [String] {
            (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)) }
        }

        /// Every value as text; the length comes from libpq rather than a NUL, and any UTF-8 survives.
        private func rows(of result: OpaquePointer) -> [[String?]] {
            let columnCount = PQnfields(result)
            return (0..<PQntuples(result)).map { row in
                (0..<columnCount).map { column -> String? in
                    if PQgetisnull(result, row, column) != 0 { return nil }
                    let bytes = UnsafeRawBufferPointer(
                        start: PQgetvalue(result, row, column), count: Int(PQgetlength(result, row, column)))
                    return String(decoding: bytes, as: UTF8.self)
                }
            }
        }
    }
#endif
