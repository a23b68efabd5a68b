import Testing

@testable import GridworkStore

/// `Table.load`, the one-pass fill a seed or snapshot takes, makes the table inserting the same
/// records one by one would: the same rows, order, id counter and every index bucket.
struct TableLoadTests {
    @Test(arguments: ResourceKind.allCases)
    func load_buildsTheTableInsertsWould(_ kind: ResourceKind) throws {
        // The seed's records of the kind, shuffled, so that load must sort them.
        var random = SplitMix64(seed: 9)
        let records = random.shuffled(SeedGenerator.generate().filter { $0.0 == kind }.map(\.1))
        try #require(!records.isEmpty)
        var inserted = Table(schema: kind.schema)
        for record in records { inserted.insert(record) }
        var loaded = Table(schema: kind.schema)
        loaded.load(records)

        #expect(Array(loaded.order) == Array(inserted.order))
        #expect(loaded.nextNumber == inserted.nextNumber)
        for id in inserted.order { #expect(loaded[id] == inserted[id], "\(id)") }
        for (left, right) in zip(loaded.indexes, inserted.indexes) {
            #expect(left.position == right.position)
            let keys = Set(records.flatMap { Table.indexKeys($0.values[left.position]) })
            for key in keys {
                #expect(
                    loaded.ids(where: left.position, equals: key).map(Array.init)
                        == inserted.ids(where: right.position, equals: key).map(Array.init),
                    "\(kind) field \(left.position) = \(key)")
            }
        }
        #expect(Set(loaded.valueDateIDs.keys) == Set(inserted.valueDateIDs.keys))
        for (position, values) in inserted.valueDateIDs {
            #expect(
                loaded.valueDateIDs[position]?.mapValues { $0.mapValues(Array.init) }
                    == values.mapValues {
                        $0.mapValues(Array.init)
                    })
        }
    }
}
