/// 64-bit FNV-1a: a fast, stable fingerprint of bytes (validators, idempotency fingerprints);
/// not a defence against chosen collisions.
enum FNV1a {
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
