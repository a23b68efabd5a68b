/// A dictionary keyed by string (a record id, an index value), split over a fixed number of
/// smaller dictionaries.
///
/// Why, twice over:
/// - a Swift `Dictionary` grows by rehashing every entry at once. At 400,000 records that single
///   insert took 80 ms inside the store lock, and every connection of the event loop waited on it.
///   Sharded, each growth is a shard's share;
/// - the store's head and the state readers see share their storage until the head is written
///   (copy on write, once per group commit). A write then copies the shard it changes, not every
///   entry, and the lists that lead to it. Those lists are two levels (64 groups of 64 shards for
///   records), not one of 4,096: the first write after each commit copies 128 references, not
///   4,096, which was most of a durable create's cost (callgrind: 193k instructions a commit).
///
/// The shard comes from the id's last eight bytes, multiplied out (Fibonacci hashing). Ids
/// differ in their trailing digits, so sequential ids spread evenly without hashing the whole key
/// a second time.
struct ShardedDictionary<Value>: Sendable where Value: Sendable {
    /// Records by id: 4,096 shards.
    static var recordShardBits: Int { 12 }
    private let shardBits: Int
    /// The low bits of a shard number: its place in its group.
    private let slotBits: Int
    /// `groups[shard >> slotBits][shard & slotMask]` is the shard.
    private var groups: [[[String: Value]]]
    private(set) var count = 0

    /// An empty dictionary of `1 << shardBits` shards.
    init(shardBits: Int = recordShardBits) {
        self.shardBits = shardBits
        slotBits = (shardBits + 1) / 2
        groups = Array(
            repeating: Array(repeating: [:], count: 1 << slotBits), count: 1 << (shardBits - slotBits))
    }

    private var slotMask: Int { (1 << slotBits) - 1 }

    subscript(key: String) -> Value? {
        let shard = shard(of: key)
        return groups[shard >> slotBits][shard & slotMask][key]
    }

    /// The value for `key`, or `fallback` to read or change in place.
    subscript(key: String, default fallback: @autoclosure () -> Value) -> Value {
        get { self[key] ?? fallback() }
        _modify {
            let shard = shard(of: key)
            let (group, slot) = (shard >> slotBits, shard & slotMask)
            let before = groups[group][slot].count
            yield &groups[group][slot][key, default: fallback()]
            count += groups[group][slot].count - before
        }
    }

    /// Every key and value, shard by shard (in no particular order).
    var pairs: FlattenSequence<FlattenSequence<[[[String: Value]]]>> {
        groups.joined().joined()
    }

    private func shard(of key: String) -> Int {
        Self.shard(of: key, bits: shardBits)
    }

    /// Stores `value`; returns the value it replaced, if any.
    @discardableResult
    mutating func updateValue(_ value: Value, forKey key: String) -> Value? {
        let shard = shard(of: key)
        let previous = groups[shard >> slotBits][shard & slotMask].updateValue(value, forKey: key)
        if previous == nil { count += 1 }
        return previous
    }

    @discardableResult
    mutating func removeValue(forKey key: String) -> Value? {
        let shard = shard(of: key)
        let previous = groups[shard >> slotBits][shard & slotMask].removeValue(forKey: key)
        if previous != nil { count -= 1 }
        return previous
    }

    static func shard(of key: String, bits shardBits: Int = recordShardBits) -> Int {
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
