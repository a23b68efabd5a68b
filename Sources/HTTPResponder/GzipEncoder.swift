import CZlib

/// gzip (RFC 1952) one piece at a time, for a body whose end is not known when it starts.
///
/// Every `compress` ends with a sync flush (zlib's `Z_SYNC_FLUSH`): the bytes it returns decode
/// to everything given so far, so a client reading a chunked body sees each chunk's rows at once
/// instead of waiting for deflate to fill a block. `finish` adds the trailer (CRC-32, length).
///
/// Concurrency: not thread-safe; one owner calls it at a time. zlib's state keeps a pointer to
/// its `z_stream`, so the stream lives at a fixed heap address rather than in a movable value.
public final class GzipEncoder {
    private let stream: UnsafeMutablePointer<z_stream>
    private var finished = false

    /// Starts a gzip member. `level` is zlib's 1 (fast) … 9 (small). Holds about 256 KiB of zlib
    /// state (window and hash for windowBits 15, memLevel 8) until it is released.
    public init(level: Int32 = 5) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 16 selects the gzip wrapper; memLevel 8 is zlib's default.
        guard CZlib_deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK else {
            fatalError("deflateInit2 failed: zlib could not allocate its state")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses `input` and flushes, so that the output so far decodes to all input so far.
    public func compress(_ input: [UInt8]) -> [UInt8] {
        precondition(!finished, "compress after finish")
        return run(input, flush: Z_SYNC_FLUSH)
    }

    /// Ends the member: whatever deflate still holds, then the gzip trailer.
    public func finish() -> [UInt8] {
        precondition(!finished, "finish twice")
        finished = true
        return run([], flush: Z_FINISH)
    }

    private func run(_ input: [UInt8], flush: Int32) -> [UInt8] {
        var output: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 32 * 1024)
        input.withUnsafeBufferPointer { source in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.pointee.avail_in = uInt(source.count)
            while true {
                let (status, produced, filled) = scratch.withUnsafeMutableBufferPointer { destination in
                    stream.pointee.next_out = destination.baseAddress
                    stream.pointee.avail_out = uInt(destination.count)
                    let status = deflate(stream, flush)
                    let left = Int(stream.pointee.avail_out)
                    return (status, destination.count - left, left == 0)
                }
                output.append(contentsOf: scratch[0..<produced])
                // zlib: a flush is complete once deflate leaves output space unused; a finish once
                // it says Z_STREAM_END. Z_BUF_ERROR only means "no progress possible", not failure.
                if flush == Z_FINISH ? status == Z_STREAM_END : !filled { break }
                precondition(status == Z_OK || status == Z_BUF_ERROR, "deflate failed with \(status)")
            }
            // The input buffer is only valid inside this closure.
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        return output
    }
}

@available(*, unavailable)
extension GzipEncoder: Sendable {}
