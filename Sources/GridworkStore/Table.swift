/// The records of one resource: by id, in id order, with an index on every enumeration,
/// reference and date field.
///
/// A value type, mutated only inside the store's lock.
struct Table: Sendable {
    let schema: Schema
    /// Records by id, each in a box of its own. A dictionary's slots hold their values inline,
    /// and Swift keeps a dictionary between 3/8 and 3/4 full, so a 104-byte `Record` inline cost
    /// about 250 bytes a record in slots; a reference costs 8 (50 in slots) plus a 128-byte box.
    private var rows = ShardedDictionary<Row>()

    /// One stored record. Immutable: a change stores a new box, so the states that share a
    /// shard still see their own records.
    final class Row: Sendable {
        let record: Record

        init(_ record: Record) { self.record = record }
    }
    /// Every id, sorted: the default listing order and the keyset for cursors.
    private(set) var order = SortedIDs()
    /// One index per indexed field: value key → sorted ids.
    private(set) var indexes: [FieldIndex] = []

    /// The ids of the records holding each value of one field.
    struct FieldIndex: Sendable {
        let position: Int
        var buckets = ShardedDictionary<SortedIDs>(shardBits: 5)
    }
    /// The number the next generated id gets: one past the highest number among the ids held so far.
    private(set) var nextNumber = 1
    /// The position of the schema's date field, if it has one.
    let datePosition: Int?
    /// For each enumeration field marked `byDate` (by position): per value, per date, the sorted ids
    /// holding both.
    /// One equality plus a date range is answered from these alone: the total is the sum of the
    /// buckets in range, and the page their merge.
    private(set) var valueDateIDs: [Int: [String: [String: SortedIDs]]] = [:]
    /// The keys of `valueDateIDs`.
    private let enumerationPositions: [Int]
    /// The timestamp last stored, whose storage equal ones share.
    private var recentTimestamp = ""

    init(schema: Schema) {
        self.schema = schema
        for (position, field) in schema.fields.enumerated() where Self.isIndexed(field.type) {
            indexes.append(FieldIndex(position: position))
        }
        datePosition = schema.fields.firstIndex { if case .date = $0.type { true } else { false } }
        enumerationPositions =
            datePosition == nil
            ? []
            : schema.fields.indices.filter {
                if case .enumeration = schema.fields[$0].type { schema.fields[$0].byDate } else { false }
            }
        for position in enumerationPositions { valueDateIDs[position] = [:] }
    }

    static func isIndexed(_ type: FieldType) -> Bool {
        switch type {
        case .enumeration, .reference, .references, .date, .tags: true
        default: false
        }
    }

    var count: Int { rows.count }

    subscript(id: String) -> Record? { rows[id]?.record }

    /// Every bucket of `field`'s index (value → sorted ids), or nil if the field has none.
    func buckets(of field: Int) -> ShardedDictionary<SortedIDs>? {
        indexes.first { $0.position == field }?.buckets
    }

    /// The ids whose `field` holds `key` (for lists, any element), sorted.
    func ids(where field: Int, equals key: String) -> SortedIDs? {
        indexes.first { $0.position == field }.map { $0.buckets[key] ?? [] }
    }

    mutating func insert(_ incoming: Record) {
        var record = incoming
        shareTimestamps(&record)
        let previous = rows.updateValue(Row(record), forKey: record.id)
        precondition(previous == nil, "duplicate id \(record.id)")
        order.insert(record.id)
        index(record, adding: true)
        nextNumber = max(nextNumber, schema.number(in: record.id) + 1)
    }

    /// Moves the id counter on to at least `number` (from a snapshot, which no longer holds the
    /// deleted records that set it).
    mutating func raiseNextNumber(to number: Int) {
        nextNumber = max(nextNumber, number)
    }

    /// An id no record holds yet, from `nextNumber` on.
    func freshID() -> String {
        var number = nextNumber
        while rows[schema.makeID(number)] != nil { number += 1 }
        return schema.makeID(number)
    }

    mutating func replace(_ incoming: Record) {
        var record = incoming
        shareTimestamps(&record)
        guard let old = rows.updateValue(Row(record), forKey: record.id)?.record else {
            preconditionFailure("no record \(record.id)")
        }
        index(old, adding: false)
        index(record, adding: true)
    }

    /// A 20-byte timestamp is a heap string of its own; records loaded from a journal or snapshot,
    /// or written in one second, mostly repeat the last one, so they share its storage instead.
    private mutating func shareTimestamps(_ record: inout Record) {
        if record.createdAt == recentTimestamp { record.createdAt = recentTimestamp }
        if record.updatedAt == record.createdAt {
            record.updatedAt = record.createdAt
        } else if record.updatedAt == recentTimestamp {
            record.updatedAt = recentTimestamp
        }
        recentTimestamp = record.updatedAt
    }

    mutating func remove(_ id: String) -> Record? {
        guard let old = rows.removeValue(forKey: id)?.record else { return nil }
        order.remove(id)
        index(old, adding: false)
        return old
    }

    private mutating func index(_ record: Record, adding: Bool) {
        if let datePosition, let date = record.values[datePosition].string {
            // Over `enumerationPositions`, and in place: iterating the dictionary's keys while
            // writing to it made its storage shared, and every write copied it.
            for position in enumerationPositions {
                guard let value = record.values[position].string else { continue }
                Self.update(&valueDateIDs[position, default: [:]][value, default: [:]], date, record.id, adding: adding)
            }
        }
        for slot in indexes.indices {
            for key in Self.indexKeys(record.values[indexes[slot].position]) {
                if adding {
                    indexes[slot].buckets[key, default: []].insert(record.id)
                } else {
                    indexes[slot].buckets[key, default: []].remove(record.id)
                    if indexes[slot].buckets[key]?.isEmpty == true { indexes[slot].buckets.removeValue(forKey: key) }
                }
            }
        }
    }

    /// Adds `id` to (or removes it from) the sorted bucket of `key`; an emptied bucket goes.
    private static func update(_ buckets: inout [String: SortedIDs], _ key: String, _ id: String, adding: Bool) {
        if adding {
            buckets[key, default: []].insert(id)
        } else {
            buckets[key, default: []].remove(id)
            if buckets[key]?.isEmpty == true { buckets[key] = nil }
        }
    }

    static func indexKeys(_ value: FieldValue) -> [String] {
        switch value {
        case .string(let string): [string]
        case .list(let list): Array(Set(list))
        default: []
        }
    }
}
