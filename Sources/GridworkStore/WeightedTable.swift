/// Draws items by integer weight with one random number and a binary search, so a draw stays cheap
/// however long the table.
struct WeightedTable<Item: Sendable>: Sendable {
    let items: [Item]
    private let cumulative: [Int]

    /// A table of `(item, weight)` pairs; zero weights never come up.
    init(_ pairs: [(Item, Int)]) {
        var total = 0
        items = pairs.map(\.0)
        cumulative = pairs.map {
            total += $0.1; return total
        }
        precondition(total > 0, "a weighted table needs a positive weight")
    }

    /// One item, with probability proportional to its weight.
    func draw(_ random: inout SplitMix64) -> Item {
        let target = random.int(in: 0...(cumulative[cumulative.count - 1] - 1))
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > target { high = middle } else { low = middle + 1 }
        }
        return items[low]
    }
}
