/// SplitMix64: a tiny deterministic PRNG, so the seed is the same on every machine and every
/// run. Never the system's randomness.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Starts the sequence at `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `range` (no dependence on the standard library's algorithm).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(next() % span)
    }

    /// A uniform double in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }

    /// One element, uniformly.
    public mutating func pick<T>(_ elements: [T]) -> T {
        elements[int(in: 0...(elements.count - 1))]
    }

    /// A Fisher–Yates shuffle driven by this generator.
    public mutating func shuffled<T>(_ elements: [T]) -> [T] {
        var result = elements
        guard result.count > 1 else { return result }
        for index in stride(from: result.count - 1, to: 0, by: -1) {
            result.swapAt(index, int(in: 0...index))
        }
        return result
    }
}

/// Splitting a total into parts that add up exactly.
enum Allocation {
    /// Splits `total` into `weights.count` parts proportional to the weights, each a multiple of
    /// `unit` where possible and at least `minimum`; the parts sum to `total` exactly.
    ///
    /// The units left after rounding down go to the parts with the largest fractional shares
    /// (the largest-remainder method), so equal weights give parts that differ by at most one
    /// unit instead of handing every leftover to the heaviest parts.
    static func split(_ total: Int, weights: [Double], unit: Int = 1, minimum: Int = 0) -> [Int] {
        let count = weights.count
        guard count > 0 else { return [] }
        let floor = minimum * count
        precondition(total >= floor, "cannot split \(total) into \(count) parts of at least \(minimum)")
        let spread = total - floor
        let weightSum = weights.reduce(0, +)
        let units = spread / unit
        let shares = weights.map { Double(units) * $0 / weightSum }
        var parts = shares.map { Int($0.rounded(.down)) }
        let remainders = shares.indices.map { shares[$0] - Double(parts[$0]) }
        let order = shares.indices.sorted {
            remainders[$0] > remainders[$1] || (remainders[$0] == remainders[$1] && $0 < $1)
        }
        for cursor in 0..<(units - parts.reduce(0, +)) { parts[order[cursor % count]] += 1 }
        var result = parts.map { $0 * unit + minimum }
        let heaviest = weights.indices.max { weights[$0] < weights[$1] }!
        result[heaviest] += spread - units * unit
        return result
    }

    /// Splits `total` like `split`, with weights from `weights`, drawing them again (at most 100
    /// times, keeping the best) while more than `most` parts share one value — zeros included
    /// when `countingZeros`. Small counts over many parts bunch on a few values, which reads as
    /// a total filled in to a target.
    static func scattered(
        _ total: Int, most: Int, countingZeros: Bool = true, _ random: inout SplitMix64,
        weights: (inout SplitMix64) -> [Double]
    ) -> [Int] {
        var best: (parts: [Int], bunch: Int) = ([], Int.max)
        for _ in 0..<100 where best.bunch > most {
            let parts = split(total, weights: weights(&random))
            var counts: [Int: Int] = [:]
            for part in parts where countingZeros || part != 0 { counts[part, default: 0] += 1 }
            let bunch = counts.values.max() ?? 0
            if bunch < best.bunch { best = (parts, bunch) }
        }
        return best.parts
    }

    /// Random weights in [low, high).
    static func weights(_ count: Int, _ random: inout SplitMix64, low: Double = 0.3, high: Double = 1.7) -> [Double] {
        (0..<count).map { _ in low + (high - low) * random.unit() }
    }
}
