/// A dictionary keyed by record id, split over a fixed number of smaller dictionaries.
///
/// Why: a Swift `Dictionary` grows by rehashing every entry at once. At 400,000 records that
/// single insert took 80 ms inside the store lock, and every connection of the event loop waited
/// on it. With 256 shards the same growth is 256 rehashes of 1/256 each, spread over time; no
/// one insert pays more than its shard's share.
///
/// The shard comes from the id's last eight bytes, multiplied out (Fibonacci hashing). Ids
/// differ in their trailing digits, so sequential ids spread evenly without hashing the whole key
/// a second time.
struct ShardedDictionary<Value>: Sendable where Value: Sendable {
    private static var shardBits: Int { 8 }
    private var shards: [[String: Value]]
    private(set) var count = 0

    init() {
        shards = Array(repeating: [:], count: 1 << Self.shardBits)
    }

    subscript(key: String) -> Value? {
        shards[Self.shard(of: key)][key]
    }

    /// Stores `value`; returns the value it replaced, if any.
    @discardableResult
    mutating func updateValue(_ value: Value, forKey key: String) -> Value? {
        let previous = shards[Self.shard(of: key)].updateValue(value, forKey: key)
        if previous == nil { count += 1 }
        return previous
    }

    @discardableResult
    mutating func removeValue(forKey key: String) -> Value? {
        let previous = shards[Self.shard(of: key)].removeValue(forKey: key)
        if previous != nil { count -= 1 }
        return previous
    }

    static func shard(of key: String) -> Int {
        var tail: UInt64 = 0
        let contiguous: Void? = key.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes.suffix(8) { tail = tail << 8 | UInt64(byte) }
        }
        if contiguous == nil {
            for byte in key.utf8.suffix(8) { tail = tail << 8 | UInt64(byte) }
        }
        return Int(truncatingIfNeeded: (tail &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - shardBits))
    }
}
