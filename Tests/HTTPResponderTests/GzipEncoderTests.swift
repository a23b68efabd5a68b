import HTTP1
import HTTPResponder
import Testing

/// Bytes that barely compress: a linear congruential generator's high bytes.
private func noise(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
}

struct GzipEncoderTests {
    static let syncFlushMarker: [UInt8] = [0x00, 0x00, 0xFF, 0xFF]

    @Test func pieces_thenFinish_decodeToTheirConcatenation() throws {
        let pieces = (0..<40).map { Array("id,name\r\ncadre-\($0),网格员 \($0)\r\n".utf8) }
        let encoder = GzipEncoder()

        var member = pieces.flatMap { encoder.compress($0) }
        member += encoder.finish()

        #expect(Gzip.decompress(member) == pieces.flatMap { $0 })
    }

    @Test func everyPiece_endsWithASyncFlush_soAClientDecodesItOnArrival() {
        let encoder = GzipEncoder()
        for piece in ["a", "short row\r\n", String(repeating: "行", count: 5_000)] {
            let compressed = encoder.compress(Array(piece.utf8))
            // Z_SYNC_FLUSH ends on an empty stored block; without a flush a small piece gives no bytes.
            #expect(compressed.suffix(4) == Self.syncFlushMarker[...], "\(piece.prefix(10)): \(compressed.suffix(8))")
        }
        _ = encoder.finish()
    }

    @Test func pieceLargerThanTheOutputScratch_roundTrips() {
        // 1 MiB of noise compresses to more than the encoder's 32 KiB scratch: deflate runs again.
        let piece = noise(1 << 20)
        let encoder = GzipEncoder(level: 1)

        let compressed = encoder.compress(piece)
        let member = compressed + encoder.finish()

        #expect(compressed.count > 32 * 1024)
        #expect(Gzip.decompress(member) == piece)
    }

    @Test func finish_withoutPieces_isAValidEmptyMember() {
        let encoder = GzipEncoder()
        let member = encoder.finish()
        #expect(member.starts(with: [0x1F, 0x8B]), "the gzip magic")
        #expect(Gzip.decompress(member) == [])
    }
}
