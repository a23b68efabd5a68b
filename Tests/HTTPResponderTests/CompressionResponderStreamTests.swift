import HTTP1
import HTTPResponder
import HTTPTypes
import Synchronization
import Testing

/// A stream that gives `pieces`, optionally after one `.wait`, and counts cancels.
private final class PiecesStream: ResponseStream, Sendable {
    private struct State {
        var pieces: [[UInt8]]
        var waitFirst: Bool
        var cancels = 0
    }

    private let state: Mutex<State>

    init(_ pieces: [String], waitFirst: Bool = false) {
        state = Mutex(State(pieces: pieces.map { Array($0.utf8) }, waitFirst: waitFirst))
    }

    var cancels: Int { state.withLock { $0.cancels } }

    func next(wake: StreamWaker) -> StreamPiece {
        state.withLock { state in
            if state.waitFirst {
                state.waitFirst = false
                return .wait
            }
            return state.pieces.isEmpty ? .end : .bytes(state.pieces.removeFirst())
        }
    }

    func cancel() {
        state.withLock { $0.cancels += 1 }
    }
}

/// Every piece of `stream` until its end; `.wait` counted, not followed.
private func pull(_ stream: any ResponseStream) -> (pieces: [[UInt8]], waits: Int) {
    var pieces: [[UInt8]] = []
    var waits = 0
    for _ in 0..<1_000 {
        switch stream.next(wake: StreamWaker {}) {
        case .bytes(let bytes): pieces.append(bytes)
        case .wait: waits += 1
        case .end: return (pieces, waits)
        }
    }
    Issue.record("the stream never ended")
    return (pieces, waits)
}

/// `CompressionResponder` in front of streamed bodies, called in-process.
struct CompressionResponderStreamTests {
    static let rows = (0..<30).map { "grid-\($0),走访,\(String(repeating: "x", count: $0 * 10))\r\n" }

    fileprivate static func respond(
        _ stream: PiecesStream, contentType: String = "text/csv; charset=utf-8", acceptEncoding: String?,
        method: HTTPRequest.Method = .get
    ) -> Response {
        let responder = CompressionResponder(
            ClosureResponder { _ in
                var response = Response(status: .ok, headerFields: [.contentType: contentType])
                response.stream = stream
                return response
            })
        var fields = HTTPFields()
        if let acceptEncoding { fields[.acceptEncoding] = acceptEncoding }
        let request = Request(
            head: HTTPRequest(method: method, scheme: nil, authority: "a", path: "/x", headerFields: fields),
            path: "/x")
        return responder.respond(to: request)
    }

    @Test func stream_isGzipped_pieceByPiece_whenAccepted() throws {
        let stream = PiecesStream(Self.rows, waitFirst: true)

        let response = Self.respond(stream, acceptEncoding: "gzip, deflate, br")

        #expect(response.headerFields[.contentEncoding] == "gzip")
        #expect(response.headerFields[.vary] == "Accept-Encoding")
        let gzipped = try #require(response.stream)
        let (pieces, waits) = pull(gzipped)
        #expect(waits == 1, "a wait passes through")
        #expect(pieces.count == Self.rows.count + 1, "one piece per piece, then the trailer")
        #expect(Gzip.decompress(pieces.flatMap { $0 }) == Array(Self.rows.joined().utf8))
        #expect(gzipped.next(wake: StreamWaker {}).isEnd, "still the end when pulled again")
        #expect(stream.cancels == 0)
    }

    @Test func stream_staysIdentity_withoutAcceptEncoding_butSaysVary() throws {
        let stream = PiecesStream(Self.rows)

        let response = Self.respond(stream, acceptEncoding: nil)

        #expect(response.headerFields[.contentEncoding] == nil)
        #expect(response.headerFields[.vary] == "Accept-Encoding")
        let pieces = pull(try #require(response.stream)).pieces
        #expect(pieces == Self.rows.map { Array($0.utf8) })
    }

    @Test func eventStream_isNeverGzipped() throws {
        let stream = PiecesStream(["event: stats\ndata: {}\n\n"])

        let response = Self.respond(stream, contentType: "text/event-stream; charset=utf-8", acceptEncoding: "gzip")

        #expect(response.headerFields[.contentEncoding] == nil)
        #expect(pull(try #require(response.stream)).pieces == [Array("event: stats\ndata: {}\n\n".utf8)])
    }

    @Test func stream_refusingIdentityAndGzip_is406_andTheStreamIsCancelled() {
        let stream = PiecesStream(Self.rows)

        let response = Self.respond(stream, acceptEncoding: "identity;q=0, gzip;q=0")

        #expect(response.status == .notAcceptable)
        #expect(response.stream == nil)
        #expect(stream.cancels == 1, "the export that will never be pulled is released")
    }

    @Test func cancellingTheGzippedStream_cancelsTheWrappedOne_andEndsIt() throws {
        let stream = PiecesStream(Self.rows)
        let gzipped = try #require(Self.respond(stream, acceptEncoding: "gzip").stream)

        _ = gzipped.next(wake: StreamWaker {})
        gzipped.cancel()

        #expect(stream.cancels == 1)
        #expect(gzipped.next(wake: StreamWaker {}).isEnd)
    }
}

extension StreamPiece {
    fileprivate var isEnd: Bool {
        if case .end = self { return true }
        return false
    }
}
