/// Response bytes waiting for the socket. Small responses are serialized into one reusable
/// buffer so a batch of pipelined responses leaves in one `send`; a large body is queued as its
/// own chunk, shared rather than copied.
struct OutputBuffer {
    private var chunks: [[UInt8]] = []
    private var firstOffset = 0
    private var tailIsOwned = false
    private var spare: [UInt8] = []
    /// Bytes queued and not yet sent.
    private(set) var count = 0

    /// Whether nothing is queued.
    var isEmpty: Bool { count == 0 }

    /// Serializes into the owned tail buffer.
    mutating func append(_ write: (inout [UInt8]) -> Void) {
        if !tailIsOwned || chunks.isEmpty {
            var fresh = spare
            spare = []
            fresh.removeAll(keepingCapacity: true)
            if fresh.capacity < 4096 { fresh.reserveCapacity(4096) }
            chunks.append(fresh)
            tailIsOwned = true
        }
        let last = chunks.count - 1
        let before = chunks[last].count
        write(&chunks[last])
        count += chunks[last].count - before
    }

    /// Queues `bytes` without copying them.
    mutating func appendShared(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        chunks.append(bytes)
        tailIsOwned = false
        count += bytes.count
    }

    /// Sends as much as `send` takes. Returns how many bytes left, and the failure if one occurred.
    mutating func send(_ send: (UnsafeRawBufferPointer) -> Socket.IOResult) -> (sent: Int, failure: Int32?) {
        var total = 0
        while !chunks.isEmpty {
            let result = chunks[0].withUnsafeBytes { bytes in
                send(UnsafeRawBufferPointer(rebasing: bytes[firstOffset...]))
            }
            switch result {
            case .bytes(let sent):
                total += sent
                count -= sent
                firstOffset += sent
                if firstOffset == chunks[0].count { dropFirstChunk() }
            case .wouldBlock, .endOfFile:
                return (total, nil)
            case .failed(let code):
                return (total, code)
            }
        }
        return (total, nil)
    }

    private mutating func dropFirstChunk() {
        let done = chunks.removeFirst()
        firstOffset = 0
        if chunks.isEmpty {
            tailIsOwned = false
            // Keep one modest buffer for the next response; let a huge one go.
            if done.capacity <= 256 * 1024 && spare.capacity < done.capacity { spare = done }
        }
    }
}
