import Crypto

/// The digest principals' tokens are kept and found by: lowercase hex SHA-256, through
/// swift-crypto. A module of its own so that the API, which only needs some digest to look
/// tokens up by, does not carry the crypto library into every build of it (the fuzzers').
public enum TokenDigest {
    /// Lowercase hex SHA-256 of `bytes`.
    @Sendable
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: bytes)
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in digest {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
