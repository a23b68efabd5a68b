#if PostgreSQL
    /// What a statement returned, in libpq's text format.
    public struct PostgresResult: Sendable {
        /// The column names, in order; empty for a command that returns no rows.
        public var columns: [String]
        /// Each row's values in column order, as PostgreSQL's text output; nil for SQL NULL.
        public var rows: [[String?]]
        /// The rows an INSERT, UPDATE, DELETE, MERGE, SELECT, MOVE, FETCH or COPY affected
        /// (`PQcmdTuples`); 0 for other commands.
        public var affectedRows: Int

        /// Creates a result from its parts.
        public init(columns: [String] = [], rows: [[String?]] = [], affectedRows: Int = 0) {
            self.columns = columns
            self.rows = rows
            self.affectedRows = affectedRows
        }
    }
#endif
