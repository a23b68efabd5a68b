import Testing

@testable import GridworkStore

/// The chunked sorted id list, against a plain sorted array, through enough inserts and removes
/// to split and empty chunks many times over.
struct SortedIDsTests {
    @Test func randomInsertsAndRemoves_agreeWithASortedArray_atEveryPosition() {
        var random = SplitMix64(seed: 7)
        var ids = SortedIDs()
        var plain: [String] = []
        for step in 0..<6_000 {
            let id = "id-" + random.int(in: 0...2_500).zeroPadded(5)
            if random.int(in: 0...2) < 2 {
                ids.insert(id)
                if !plain.contains(id) { plain.append(id) }
                plain.sort()
            } else {
                ids.remove(id)
                plain.removeAll { $0 == id }
            }
            guard step % 250 == 0 else { continue }
            #expect(Array(ids) == plain)
            #expect(ids.count == plain.count)
            #expect((0..<plain.count).allSatisfy { ids[$0] == plain[$0] })
            let probe = "id-" + random.int(in: 0...2_501).zeroPadded(5)
            let lower = plain.firstIndex { $0 >= probe } ?? plain.count
            #expect(ids.lowerBound(probe) == lower)
            #expect(ids.firstIndex(after: probe) == (plain.firstIndex { $0 > probe } ?? plain.count))
            #expect(ids.contains(probe) == plain.contains(probe))
            #expect(Array(ids.ids(from: lower)) == Array(plain[lower...]))
        }
        #expect(ids.count > SortedIDs.chunkCapacity * 2, "enough ids for several chunks")
    }

    @Test func appendsInOrder_fillChunks_andACopyIsUnchangedByLaterWrites() {
        var ids = SortedIDs()
        for number in 0..<2_000 { ids.insert("r-" + number.zeroPadded(5)) }
        let copy = ids
        ids.insert("r-00500x")
        ids.remove("r-01999")
        #expect(copy.count == 2_000)
        #expect(Array(copy) == (0..<2_000).map { "r-" + $0.zeroPadded(5) })
        #expect(ids.count == 2_000)
        #expect(ids[501] == "r-00500x")
        #expect(ids.ids(from: 1_999).first { _ in true } == "r-01998")
    }

    @Test func sortedInit_andEquality_dependOnlyOnTheIDs() {
        let ids = (0..<1_300).map { "x-" + $0.zeroPadded(4) }
        var built = SortedIDs()
        for id in ids.reversed() { built.insert(id) }
        #expect(SortedIDs(sorted: ids) == built)
        #expect(SortedIDs(sorted: ids.dropLast()) != built)
        #expect(Array(SortedIDs(sorted: [])) == [])
        #expect(SortedIDs().lowerBound("a") == 0)
    }
}
