#if PostgreSQL
    /// One `NOTIFY` delivered to a connection that had run `LISTEN` on its channel.
    public struct PostgresNotification: Sendable {
        /// The channel named in `NOTIFY` / `pg_notify`.
        public var channel: String
        /// The payload; empty when none was given.
        public var payload: String
        /// The server process id of the session that sent it; equal to the listener's own
        /// `serverProcessID` when a session notified itself.
        public var processID: Int32

        /// Creates a notification from its parts.
        public init(channel: String, payload: String, processID: Int32) {
            self.channel = channel
            self.payload = payload
            self.processID = processID
        }
    }
#endif
