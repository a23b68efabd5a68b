import HTTP1
import HTTPResponder

/// Streamed bodies: pulled while the client keeps up, paused at the high-water mark, woken by
/// their producer, ended by their producer or cut short by shutdown.
extension Connection {
    func startStream(_ body: any ResponseStream, chunked: Bool) {
        stream = body
        machine.streamStarted(chunked: chunked)
        pumpStream()
        updateInterest()
    }

    /// Pulls from the stream while the output stays under the high-water mark.
    func pumpStream() {
        guard let body = stream, !isClosed else { return }
        // Confined to the host: the waker only hands the connection back to its own thread.
        nonisolated(unsafe) let connection = self
        let host = self.host
        let waker = StreamWaker { host.execute { connection.pumpStream() } }
        let chunked = machine.streamIsChunked
        while !isClosed {
            while output.count < highWater {
                switch body.next(wake: waker) {
                case .bytes(let bytes):
                    if chunked {
                        output.append { ResponseSerializer.writeChunk(bytes, into: &$0) }
                    } else {
                        output.append { $0.append(contentsOf: bytes) }
                    }
                case .wait:
                    flush()
                    return
                case .end:
                    stream = nil
                    if chunked { output.append { ResponseSerializer.writeLastChunk(into: &$0) } }
                    machine.streamEnded()
                    flush()
                    // Requests pipelined behind the stream are answered now.
                    processInput()
                    return
                }
            }
            flush()
            // If the socket took it all, no EPOLLOUT will come: keep pulling here.
            guard output.count < highWater else { return }
        }
    }

    /// Ends the stream early (shutdown): the client sees a complete, shorter body, and the
    /// connection closes after it.
    func cutStream() {
        guard let body = stream else { return }
        stream = nil
        body.cancel()
        if machine.streamIsChunked { output.append { ResponseSerializer.writeLastChunk(into: &$0) } }
        machine.streamCut()
    }
}
