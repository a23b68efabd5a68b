import Testing

@testable import GridworkStore

/// The sharded id map and the merge of sorted id buckets, against plain Swift collections.
struct ShardedDictionaryTests {
    @Test func agreesWithADictionary_underRandomInsertsReplacesAndRemoves() {
        var random = SplitMix64(seed: 7)
        var sharded = ShardedDictionary<Int>()
        var plain: [String: Int] = [:]
        for step in 0..<20_000 {
            // Record-style ids, and a few that are not (short, long, non-ASCII).
            let key =
                switch random.int(in: 0...9) {
                case 0: ["a", "", "网格-一", "a-much-longer-identifier-0000042"][random.int(in: 0...3)]
                default: "ar-" + random.int(in: 0...3_000).zeroPadded(7)
                }
            switch random.int(in: 0...2) {
            case 0, 1: #expect(sharded.updateValue(step, forKey: key) == plain.updateValue(step, forKey: key))
            default: #expect(sharded.removeValue(forKey: key) == plain.removeValue(forKey: key))
            }
            #expect(sharded.count == plain.count)
        }
        for (key, value) in plain { #expect(sharded[key] == value) }
        #expect(sharded["absent"] == nil)
    }

    @Test func spreadsSequentialIDs_overEveryShard() {
        var used = Set<Int>()
        let shards = 1 << ShardedDictionary<Int>.recordShardBits
        for number in 1...(shards * 16) {
            used.insert(ShardedDictionary<Int>.shard(of: "ar-" + number.zeroPadded(7)))
        }
        #expect(used.count == shards)
    }

    @Test func mergedIDs_yieldEveryIDInOrder_fromJustAfterTheCursor() {
        var random = SplitMix64(seed: 11)
        for _ in 0..<200 {
            var buckets: [[String]] = Array(repeating: [], count: random.int(in: 0...9))
            var all: [String] = []
            for number in 0..<random.int(in: 0...300) where !buckets.isEmpty {
                let id = "r-" + number.zeroPadded(5)
                buckets[random.int(in: 0...(buckets.count - 1))].append(id)
                all.append(id)
            }
            let sorted = buckets.map { SortedIDs(sorted: $0) }
            #expect(Array(MergedIDs(sorted, after: nil)) == all)
            let cursor = "r-" + random.int(in: 0...310).zeroPadded(5)
            #expect(Array(MergedIDs(sorted, after: cursor)) == all.filter { $0 > cursor })
        }
    }
}
