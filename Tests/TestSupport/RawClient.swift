import Glibc
import HTTP1
import HTTPResponder

/// Why a `RawClient` call failed.
package enum RawClientError: Error, Equatable, CustomStringConvertible {
    /// `connect` failed with this errno (ECONNREFUSED when nothing listens).
    case connectFailed(errno: Int32)
    /// `send` failed with this errno.
    case sendFailed(errno: Int32)
    /// The server closed the connection (read returned 0) before a complete response arrived.
    case closedBeforeResponse(bufferedBytes: Int)
    /// The server reset the connection (ECONNRESET) before a complete response arrived.
    case resetBeforeResponse
    /// Nothing arrived within the receive timeout (SO_RCVTIMEO).
    case timedOut(bufferedBytes: Int)
    /// `recv` failed with another errno.
    case receiveFailed(errno: Int32)
    /// The bytes received are not an HTTP/1.1 response.
    case malformed(String)

    package var description: String {
        switch self {
        case .connectFailed(let code): return "connect failed (errno \(code))"
        case .sendFailed(let code): return "send failed (errno \(code))"
        case .closedBeforeResponse(let count):
            return "server closed the connection before a complete response (\(count) bytes buffered)"
        case .resetBeforeResponse: return "server reset the connection before a complete response"
        case .timedOut(let count): return "no complete response within the receive timeout (\(count) bytes buffered)"
        case .receiveFailed(let code): return "recv failed (errno \(code))"
        case .malformed(let why): return "malformed response: \(why)"
        }
    }
}

/// How a connection ended from the client's point of view.
package enum ConnectionEnd: Equatable, CustomStringConvertible {
    /// `recv` returned 0: the server sent FIN.
    case closed
    /// `recv` failed with ECONNRESET.
    case reset
    /// The receive timeout passed with the connection still open.
    case timedOut
    /// `recv` failed with another errno.
    case failed(errno: Int32)

    /// Whether the server ended the connection, cleanly or not.
    package var isClosedByServer: Bool { self == .closed || self == .reset }

    package var description: String {
        switch self {
        case .closed: return "closed (EOF)"
        case .reset: return "reset"
        case .timedOut: return "still open (receive timed out)"
        case .failed(let code): return "failed (errno \(code))"
        }
    }
}

/// One response as it came off the wire.
package struct RawResponse: Sendable {
    package struct Field: Sendable, Equatable {
        package var name: String
        package var value: String
    }

    /// `HTTP/1.1`.
    package var version: String
    package var status: Int
    package var reason: String
    /// Every field line, in order, names as sent.
    package var fields: [Field]
    /// The body, de-chunked when it was chunked.
    package var body: [UInt8]

    /// The first value of `name` (case-insensitive), or nil.
    package func value(_ name: String) -> String? {
        values(name).first
    }

    /// Every value of `name` (case-insensitive), in order.
    package func values(_ name: String) -> [String] {
        let lowered = name.lowercased()
        return fields.filter { $0.name.lowercased() == lowered }.map(\.value)
    }

    /// The body as UTF-8 text.
    package var text: String { String(decoding: body, as: UTF8.self) }

    /// Whether `Connection` lists `option` (case-insensitive).
    package func connectionHas(_ option: String) -> Bool {
        values("Connection").flatMap { $0.split(separator: ",") }.contains {
            $0.trimmingSpacesAndTabs().lowercased() == option.lowercased()
        }
    }
}

/// A blocking TCP client that sends exact bytes and parses exactly what comes back, for
/// testing a server over a real socket. Every read is bounded by SO_RCVTIMEO, so a server
/// that never answers fails a test instead of hanging it.
///
/// Not thread-safe: one client belongs to one test.
package final class RawClient {
    package let fd: Int32
    private var inbox: [UInt8] = []
    private var consumed = 0
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)
    private var isClosed = false

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        close()
    }

    /// Connects to `127.0.0.1:port`. `receiveBufferBytes` sets SO_RCVBUF before connecting
    /// (which also turns off receive-buffer autotuning), for back-pressure tests.
    package static func connect(
        port: Int,
        receiveTimeout: Duration = .seconds(5),
        receiveBufferBytes: Int? = nil
    ) throws(RawClientError) -> RawClient {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connectFailed(errno: errno) }
        let client = RawClient(fd: fd)
        if let receiveBufferBytes {
            var size = Int32(receiveBufferBytes)
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        client.setReceiveTimeout(receiveTimeout)
        var sendTimeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw .connectFailed(errno: errno) }
        return client
    }

    /// Closes the socket (idempotent).
    package func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }

    /// Sets SO_LINGER {1, 0}, so the next `close()` sends RST instead of FIN.
    package func closeWithReset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    /// Half-closes: sends FIN, keeps reading.
    package func shutdownWrite() {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Changes SO_RCVTIMEO, the bound on every blocking read.
    package func setReceiveTimeout(_ timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    // MARK: Sending

    /// Sends every byte of `bytes` (in as many `send` calls as the kernel needs).
    package func send(_ bytes: [UInt8]) throws(RawClientError) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                Glibc.send(fd, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count >= 0 {
                sent += count
            } else if errno != EINTR {
                throw .sendFailed(errno: errno)
            }
        }
    }

    /// Sends the UTF-8 bytes of `text`.
    package func send(_ text: String) throws(RawClientError) {
        try send(Array(text.utf8))
    }

    /// Sends each byte with its own `send` call (TCP_NODELAY is on, so each tends to travel alone).
    package func sendByteByByte(_ text: String) throws(RawClientError) {
        for byte in text.utf8 {
            try send([byte])
        }
    }

    /// Sends `request` and reads one response.
    package func roundTrip(_ request: String, isHeadRequest: Bool = false) throws(RawClientError) -> RawResponse {
        try send(request)
        return try readResponse(isHeadRequest: isHeadRequest)
    }

    // MARK: Receiving

    /// Bytes received and not yet consumed by `readResponse`.
    package var bufferedBytes: [UInt8] { Array(inbox[consumed...]) }

    /// Reads one complete response: status line, fields, then a body framed by
    /// `Transfer-Encoding: chunked`, `Content-Length`, or the end of the connection.
    /// A response to HEAD, a 1xx, 204 or 304 has no body whatever its fields say.
    package func readResponse(isHeadRequest: Bool = false) throws(RawClientError) -> RawResponse {
        let headEnd = try waitForDelimiter([0x0D, 0x0A, 0x0D, 0x0A], from: consumed)
        let head = String(decoding: inbox[consumed..<headEnd], as: UTF8.self)
        consumed = headEnd + 4
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { throw .malformed("empty head") }
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), parts[1].count == 3, let status = Int(parts[1]) else {
            throw .malformed("status line \(statusLine.debugDescription)")
        }
        var fields: [RawResponse.Field] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("field line \(line.debugDescription)") }
            fields.append(
                RawResponse.Field(
                    name: String(line[..<colon]),
                    value: String(line[line.index(after: colon)...].trimmingSpacesAndTabs())
                )
            )
        }
        var response = RawResponse(
            version: String(parts[0]),
            status: status,
            reason: parts.count > 2 ? String(parts[2]) : "",
            fields: fields,
            body: []
        )
        if isHeadRequest || status < 200 || status == 204 || status == 304 {
            return response
        }
        if let coding = response.value("Transfer-Encoding") {
            guard coding.lowercased() == "chunked" else { throw .malformed("Transfer-Encoding \(coding)") }
            response.body = try readChunkedBody()
        } else if let length = response.value("Content-Length") {
            guard let count = Int(length), count >= 0 else { throw .malformed("Content-Length \(length)") }
            try waitForBuffered(count)
            response.body = Array(inbox[consumed..<consumed + count])
            consumed += count
        } else {
            let (end, rest) = readUntilClosed()
            guard end.isClosedByServer else { throw .timedOut(bufferedBytes: rest.count) }
            response.body = rest
        }
        compact()
        return response
    }

    /// Returns whatever is buffered plus everything that arrives until the server closes or
    /// resets the connection or the receive timeout passes.
    package func readUntilClosed() -> (end: ConnectionEnd, bytes: [UInt8]) {
        while true {
            switch receive() {
            case .some(let end):
                let rest = bufferedBytes
                consumed = inbox.count
                compact()
                return (end, rest)
            case .none:
                continue
            }
        }
    }

    /// Without blocking: whether the server has sent anything or closed. nil when nothing happened yet.
    package func pollNow() -> String? {
        if consumed < inbox.count { return "\(inbox.count - consumed) bytes buffered" }
        let count = scratch.withUnsafeMutableBytes {
            recv(fd, $0.baseAddress, $0.count, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        }
        if count > 0 { return "\(count) bytes waiting" }
        if count == 0 { return "closed" }
        if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
        return "errno \(errno)"
    }

    /// One `recv`. nil when bytes arrived (appended to the inbox), else how the connection ended.
    private func receive() -> ConnectionEnd? {
        while true {
            let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                inbox.append(contentsOf: scratch[0..<count])
                return nil
            }
            if count == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .timedOut
            case ECONNRESET: return .reset
            case let code: return .failed(errno: code)
            }
        }
    }

    /// Receives more bytes (one `recv`) or throws how the connection ended.
    package func receiveMore() throws(RawClientError) {
        guard let end = receive() else { return }
        let buffered = inbox.count - consumed
        switch end {
        case .closed: throw .closedBeforeResponse(bufferedBytes: buffered)
        case .reset: throw .resetBeforeResponse
        case .timedOut: throw .timedOut(bufferedBytes: buffered)
        case .failed(let code): throw .receiveFailed(errno: code)
        }
    }

    private func waitForBuffered(_ count: Int) throws(RawClientError) {
        while inbox.count - consumed < count { try receiveMore() }
    }

    /// The index where `delimiter` starts at or after `start`, receiving until it is there.
    private func waitForDelimiter(_ delimiter: [UInt8], from start: Int) throws(RawClientError) -> Int {
        var searchFrom = start
        while true {
            if inbox.count - searchFrom >= delimiter.count {
                let last = inbox.count - delimiter.count
                var index = searchFrom
                while index <= last {
                    if inbox[index] == delimiter[0] && inbox[index..<index + delimiter.count].elementsEqual(delimiter) {
                        return index
                    }
                    index += 1
                }
                searchFrom = last + 1
            }
            try receiveMore()
        }
    }

    private func readLine() throws(RawClientError) -> String {
        let end = try waitForDelimiter([0x0D, 0x0A], from: consumed)
        let line = String(decoding: inbox[consumed..<end], as: UTF8.self)
        consumed = end + 2
        return line
    }

    private func readChunkedBody() throws(RawClientError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = try readLine()
            let digits = sizeLine.prefix { $0 != ";" }.trimmingSpacesAndTabs()
            guard let size = Int(digits, radix: 16), size >= 0 else {
                throw .malformed("chunk size line \(sizeLine.debugDescription)")
            }
            if size == 0 {
                while try !readLine().isEmpty {}
                return body
            }
            try waitForBuffered(size + 2)
            body.append(contentsOf: inbox[consumed..<consumed + size])
            guard inbox[consumed + size] == 0x0D, inbox[consumed + size + 1] == 0x0A else {
                throw .malformed("chunk data not followed by CRLF")
            }
            consumed += size + 2
        }
    }

    private func compact() {
        if consumed == inbox.count {
            inbox.removeAll(keepingCapacity: inbox.capacity <= 1 << 20)
            consumed = 0
        } else if consumed > 1 << 20 {
            inbox.removeFirst(consumed)
            consumed = 0
        }
    }
}
