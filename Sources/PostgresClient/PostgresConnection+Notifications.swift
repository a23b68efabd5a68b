#if PostgreSQL
    import CLibPQ
    import Glibc

    extension PostgresConnection {
        /// Waits up to `milliseconds` (0 checks without waiting) for notifications on the channels this
        /// session has run `LISTEN` on, and returns every one that has arrived, oldest first; `[]` when the time
        /// passed without one. Notifications that arrived with an earlier statement's reply are returned at
        /// once. Throws, with `connectionLost`, when the connection breaks, e.g. the server restarted.
        public func notifications(waitingUpTo milliseconds: Int) throws(PostgresError) -> [PostgresNotification] {
            let connection = try openHandle()
            let pending = takeNotifications(connection)
            if !pending.isEmpty { return pending }
            let socket = PQsocket(connection)
            guard socket >= 0 else { throw lastError(connection) }
            let deadline = ContinuousClock.now + .milliseconds(max(0, milliseconds))
            // Readable input is not always a notification (a partial message, a notice, the server's farewell
            // before it closes), so keep waiting until one arrives, the connection breaks or time is up.
            while true {
                var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                let ready = poll(&descriptor, 1, millisecondsUntil(deadline))
                if ready < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    throw PostgresError(
                        message: "poll failed: \(String(cString: strerror(code))) (errno \(code))",
                        connectionLost: PQstatus(connection) != CONNECTION_OK)
                }
                if ready == 0 { return [] }
                guard PQconsumeInput(connection) == 1 else { throw lastError(connection) }
                let arrived = takeNotifications(connection)
                if !arrived.isEmpty { return arrived }
                if ContinuousClock.now >= deadline { return [] }
            }
        }

        /// Removes and frees every notification libpq has queued.
        private func takeNotifications(_ connection: OpaquePointer) -> [PostgresNotification] {
            var notifications: [PostgresNotification] = []
            while let notification = PQnotifies(connection) {
                defer { PQfreemem(notification) }
                notifications.append(
                    PostgresNotification(
                        channel: String(cString: notification.pointee.relname),
                        payload: String(cString: notification.pointee.extra),
                        processID: notification.pointee.be_pid))
            }
            return notifications
        }
    }

    /// The whole milliseconds from now until `deadline`, rounded up so a wait never ends just short of it;
    /// 0 once it has passed.
    private func millisecondsUntil(_ deadline: ContinuousClock.Instant) -> Int32 {
        let remaining = ContinuousClock.now.duration(to: deadline)
        if remaining <= .zero { return 0 }
        let (seconds, attoseconds) = remaining.components
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        var milliseconds = seconds * 1000 + attoseconds / attosecondsPerMillisecond
        if attoseconds % attosecondsPerMillisecond != 0 { milliseconds += 1 }
        return Int32(clamping: milliseconds)
    }
#endif
