/// An incremental HTTP/1.1 request decoder (RFC 9112): push bytes in with `feed`, pull events
/// out with `next` until it answers `.needMoreData`.
///
/// It works on bytes, never on a `String` of the whole head, keeps duplicate fields, and is
/// strict about framing: anything that could make two parsers disagree about where a message
/// ends is an error, and an error is final for the connection.
public struct RequestParser: Sendable {
    /// What `next()` found.
    public enum Event: Sendable {
        /// The buffered bytes do not yet hold a complete request.
        case needMoreData
        /// The head asked for `100 Continue` before sending its body (RFC 9110 §10.1.1).
        case continueExpected
        /// One complete request.
        case request(Request)
    }

    /// How far into a request the parser is, for the connection's timeouts.
    public enum Phase: Sendable, Equatable {
        /// Between requests, nothing buffered.
        case idle
        /// Some of a head has arrived.
        case head
        /// The head is complete; the body is arriving.
        case body
    }

    enum State: Sendable {
        case head
        case fixedBody(PartialRequest, remaining: Int)
        case chunkSize(PartialRequest)
        case chunkData(PartialRequest, remaining: Int)
        case chunkDataEnd(PartialRequest)
        case trailers(PartialRequest, bytes: Int)
    }

    /// A parsed head waiting for its body.
    struct PartialRequest: Sendable {
        var request: Request
        var expectContinue: Bool
    }

    /// Where an unfinished head scan stands, so bytes are scanned once however they arrive.
    struct HeadScan: Sendable {
        var lineStart = 0
        var scanned = 0
        var requestLineEnd: Int?
        /// The request line, parsed as soon as its CRLF arrives.
        var requestLine: RequestLine?
        /// Still inside the method, whose bytes are checked as they arrive.
        var inMethod = true
        var fieldLines = 0
    }

    /// The limits this parser enforces.
    public let limits: MessageLimits
    var buffer: [UInt8] = []
    var readIndex = 0
    var state: State = .head
    var scan = HeadScan()
    var failure: HTTPParseError?
    var continuePending = false

    static let maxChunkLineBytes = 4096

    /// Creates a parser enforcing `limits`.
    public init(limits: MessageLimits = MessageLimits()) {
        self.limits = limits
    }

    /// Appends bytes received from the peer.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
    }

    /// Appends bytes received from the peer.
    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// Bytes received and not yet consumed by a complete request.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// How far into a request the parser is.
    public var phase: Phase {
        switch state {
        case .head: return bufferedByteCount == 0 ? .idle : .head
        default: return .body
        }
    }

    /// Decodes the next event from the buffered bytes. After an error every call throws it again.
    public mutating func next() throws(HTTPParseError) -> Event {
        if let failure { throw failure }
        do {
            let event = try step()
            compactIfUseful()
            return event
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func step() throws(HTTPParseError) -> Event {
        while true {
            switch state {
            case .head:
                guard let headEnd = try scanHead() else { return .needMoreData }
                let partial = try parseHead(end: headEnd)
                readIndex = headEnd
                scan = HeadScan()
                scan.lineStart = readIndex
                scan.scanned = readIndex
                if let framing = partial.framing {
                    switch framing {
                    case .length(let length):
                        if length == 0 { return .request(partial.request.request) }
                        state = .fixedBody(partial.request, remaining: length)
                    case .chunked:
                        state = .chunkSize(partial.request)
                    }
                    continuePending = partial.request.expectContinue
                } else {
                    return .request(partial.request.request)
                }

            case .fixedBody(var partial, let remaining):
                let available = buffer.count - readIndex
                guard available >= remaining else { return continueOrWait() }
                partial.request.body = Array(buffer[readIndex..<readIndex + remaining])
                readIndex += remaining
                return finish(partial)

            case .chunkSize(let partial):
                guard let (size, next) = try parseChunkSizeLine(bodySoFar: partial.request.body.count) else {
                    return continueOrWait()
                }
                readIndex = next
                state = size == 0 ? .trailers(partial, bytes: 0) : .chunkData(partial, remaining: size)

            case .chunkData(var partial, let remaining):
                let available = buffer.count - readIndex
                guard available > 0 else { return continueOrWait() }
                // Drop the state's copy first: otherwise the append below copies the whole body
                // for every chunk, and a body of one-byte chunks costs quadratic time.
                state = .head
                let take = min(available, remaining)
                partial.request.body.append(contentsOf: buffer[readIndex..<readIndex + take])
                readIndex += take
                state = take == remaining ? .chunkDataEnd(partial) : .chunkData(partial, remaining: remaining - take)

            case .chunkDataEnd(let partial):
                guard buffer.count - readIndex >= 2 else { return continueOrWait() }
                guard buffer[readIndex] == 0x0D, buffer[readIndex + 1] == 0x0A else {
                    throw .badRequest("Chunk data must be followed by CRLF (RFC 9112 §7.1).")
                }
                readIndex += 2
                state = .chunkSize(partial)

            case .trailers(let partial, let bytes):
                let room = Swift.max(0, limits.maxHeaderBytes - bytes - 2)
                guard let (lineEnd, next) = try nextLine(from: readIndex, maxLength: room, tooLong: .headersTooLarge)
                else { return continueOrWait() }
                let length = lineEnd - readIndex
                if length == 0 {
                    readIndex = next
                    return finish(partial)
                }
                // Trailer fields are checked like header fields, then ignored (RFC 9112 §7.1.2).
                _ = try buffer.withUnsafeBufferPointer { (all) throws(HTTPParseError) in
                    try FieldLine.parse(UnsafeBufferPointer(rebasing: all[readIndex..<lineEnd]))
                }
                readIndex = next
                let total = bytes + length + 2
                if total > limits.maxHeaderBytes { throw .headersTooLarge }
                state = .trailers(partial, bytes: total)
            }
        }
    }

    private mutating func continueOrWait() -> Event {
        if continuePending {
            continuePending = false
            return .continueExpected
        }
        return .needMoreData
    }

    private mutating func finish(_ partial: PartialRequest) -> Event {
        state = .head
        continuePending = false
        scan = HeadScan()
        scan.lineStart = readIndex
        scan.scanned = readIndex
        return .request(partial.request)
    }

    /// Finds the next CRLF-terminated line at or after `start` whose content is at most
    /// `maxLength` bytes: (index of CR, index after LF). Throws `tooLong` once `maxLength + 2`
    /// bytes hold no LF. Bytes past that bound are never examined, so the outcome does not depend
    /// on how the input was split. A bare LF is an error: smuggling feeds on such disagreements.
    func nextLine(from start: Int, maxLength: Int, tooLong: HTTPParseError) throws(HTTPParseError) -> (Int, Int)? {
        let bound = start + maxLength + 1
        var index = start
        let end = Swift.min(buffer.count, bound + 1)
        while index < end {
            if buffer[index] == 0x0A {
                guard index > start, buffer[index - 1] == 0x0D else {
                    throw .badRequest("Lines must end in CRLF; a bare LF is not accepted (RFC 9112 §2.2).")
                }
                return (index - 1, index + 1)
            }
            index += 1
        }
        if buffer.count > bound { throw tooLong }
        return nil
    }

    /// Parses `chunk-size [ chunk-ext ] CRLF` (RFC 9112 §7.1).
    private mutating func parseChunkSizeLine(bodySoFar: Int) throws(HTTPParseError) -> (Int, Int)? {
        let tooLong = HTTPParseError.badRequest("A chunk-size line is longer than \(Self.maxChunkLineBytes) bytes.")
        guard let (lineEnd, next) = try nextLine(from: readIndex, maxLength: Self.maxChunkLineBytes, tooLong: tooLong)
        else { return nil }
        var index = readIndex
        var size = 0
        var digits = 0
        while index < lineEnd, let value = ByteClass.hexValue(buffer[index]) {
            digits += 1
            guard digits <= 15 else { throw .bodyTooLarge }
            size = size << 4 | value
            index += 1
        }
        guard digits > 0 else { throw .badRequest("A chunk size must be hexadecimal digits (RFC 9112 §7.1).") }
        // Only `[ BWS ] ";" ext` may follow the size.
        var sawWhitespace = false
        while index < lineEnd, buffer[index] == 0x20 || buffer[index] == 0x09 {
            sawWhitespace = true
            index += 1
        }
        if index < lineEnd {
            guard buffer[index] == UInt8(ascii: ";") else {
                throw .badRequest("Unexpected bytes after a chunk size (RFC 9112 §7.1).")
            }
            for position in index..<lineEnd where !ByteClass.fieldValue[Int(buffer[position])] {
                throw .badRequest("A chunk extension contains a control character.")
            }
        } else if sawWhitespace {
            throw .badRequest("Whitespace after a chunk size must introduce an extension (RFC 9112 §7.1.1).")
        }
        guard size <= limits.maxBodyBytes - bodySoFar else { throw .bodyTooLarge }
        return (size, next)
    }

    private mutating func compactIfUseful() {
        if readIndex == buffer.count {
            if buffer.capacity > 256 * 1024 {
                buffer = []
            } else {
                buffer.removeAll(keepingCapacity: true)
            }
            shiftIndices(by: readIndex)
        } else if readIndex > 4096 && readIndex > buffer.count / 2 {
            buffer.removeFirst(readIndex)
            shiftIndices(by: readIndex)
        }
    }

    private mutating func shiftIndices(by offset: Int) {
        guard offset > 0 else { return }
        readIndex -= offset
        scan.lineStart -= offset
        scan.scanned -= offset
        if let end = scan.requestLineEnd { scan.requestLineEnd = end - offset }
    }
}
