/// A sorted set of ids, kept in chunks of at most `chunkCapacity`.
///
/// Why chunks: the store keeps two states (the head and what readers see) that share their
/// storage until one is written. A flat array of every id would be copied whole by the first write
/// after each publication — 16 bytes an id, once per group commit. Chunked, that write copies the
/// list of chunks (one reference each) and the one chunk it changes.
///
/// Positions are `Int`s from 0; reading one finds its chunk by binary search over the chunks'
/// first positions. Iterating walks the chunks directly.
struct SortedIDs: RandomAccessCollection, ExpressibleByArrayLiteral, Sendable, Equatable {
    static let chunkCapacity = 512

    private var chunks: [[String]] = []
    /// The position of each chunk's first id.
    private var starts: [Int] = []
    private(set) var count = 0

    init() {}

    init(arrayLiteral ids: String...) {
        self.init(sorted: ids.sorted())
    }

    /// The ids of `sorted`, which must be sorted and free of duplicates.
    init<Ids: Sequence<String>>(sorted: Ids) {
        var chunk: [String] = []
        chunk.reserveCapacity(Self.chunkCapacity / 2)
        for id in sorted {
            chunk.append(id)
            if chunk.count == Self.chunkCapacity / 2 {
                appendChunk(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { appendChunk(chunk) }
    }

    private mutating func appendChunk(_ chunk: [String]) {
        starts.append(count)
        chunks.append(chunk)
        count += chunk.count
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    subscript(position: Int) -> String {
        precondition(position >= 0 && position < count, "position \(position) out of 0..<\(count)")
        let chunk = chunk(containing: position)
        return chunks[chunk][position - starts[chunk]]
    }

    /// The chunk holding `position` (which is in range): the last whose start is not past it.
    private func chunk(containing position: Int) -> Int {
        var low = 0
        var high = starts.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if starts[middle] <= position { low = middle } else { high = middle }
        }
        return low
    }

    struct Iterator: IteratorProtocol {
        fileprivate let chunks: [[String]]
        fileprivate var chunk: Int
        fileprivate var offset: Int

        mutating func next() -> String? {
            while chunk < chunks.count {
                if offset < chunks[chunk].count {
                    defer { offset += 1 }
                    return chunks[chunk][offset]
                }
                chunk += 1
                offset = 0
            }
            return nil
        }
    }

    func makeIterator() -> Iterator {
        Iterator(chunks: chunks, chunk: 0, offset: 0)
    }

    /// The ids from `position` on, walked chunk by chunk.
    func ids(from position: Int) -> IteratorSequence<Iterator> {
        guard position < count else { return IteratorSequence(Iterator(chunks: [], chunk: 0, offset: 0)) }
        let position = Swift.max(0, position)
        let chunk = chunk(containing: position)
        return IteratorSequence(Iterator(chunks: chunks, chunk: chunk, offset: position - starts[chunk]))
    }

    /// The chunk `id` belongs in: the first whose last id is not less than it, else the last.
    private func chunk(for id: String) -> Int {
        var low = 0
        var high = chunks.count - 1
        while low < high {
            let middle = (low + high) / 2
            if chunks[middle][chunks[middle].count - 1] < id { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The first position whose id is not less than `id`.
    func lowerBound(_ id: String) -> Int {
        guard !chunks.isEmpty else { return 0 }
        let chunk = chunk(for: id)
        return starts[chunk] + Self.lowerBound(id, in: chunks[chunk])
    }

    /// The position of the first id greater than `id`.
    func firstIndex(after id: String) -> Int {
        let position = lowerBound(id)
        return position < count && self[position] == id ? position + 1 : position
    }

    func contains(_ id: String) -> Bool {
        let position = lowerBound(id)
        return position < count && self[position] == id
    }

    /// Adds `id` in its place; nothing when it is there already.
    mutating func insert(_ id: String) {
        guard let lastChunk = chunks.indices.last else {
            appendChunk([id])
            return
        }
        if let last = chunks[lastChunk].last, last < id {
            // Ids are mostly made in order: the common case touches only the last chunk.
            if chunks[lastChunk].count < Self.chunkCapacity {
                chunks[lastChunk].append(id)
                count += 1
            } else {
                appendChunk([id])
            }
            return
        }
        let chunk = chunk(for: id)
        let offset = Self.lowerBound(id, in: chunks[chunk])
        if offset < chunks[chunk].count && chunks[chunk][offset] == id { return }
        chunks[chunk].insert(id, at: offset)
        count += 1
        if chunks[chunk].count > Self.chunkCapacity {
            let upper = Array(chunks[chunk][(Self.chunkCapacity / 2)...])
            chunks[chunk].removeLast(upper.count)
            chunks.insert(upper, at: chunk + 1)
            starts.insert(0, at: chunk + 1)
        }
        renumber(from: chunk + 1)
    }

    /// Removes `id`, if it is there.
    mutating func remove(_ id: String) {
        guard !chunks.isEmpty else { return }
        let chunk = chunk(for: id)
        let offset = Self.lowerBound(id, in: chunks[chunk])
        guard offset < chunks[chunk].count && chunks[chunk][offset] == id else { return }
        chunks[chunk].remove(at: offset)
        count -= 1
        if chunks[chunk].isEmpty {
            chunks.remove(at: chunk)
            starts.remove(at: chunk)
            renumber(from: chunk)
        } else {
            renumber(from: chunk + 1)
        }
    }

    /// Recomputes the starts of the chunks from `chunk` on.
    private mutating func renumber(from chunk: Int) {
        guard chunk < chunks.count else { return }
        var position = chunk == 0 ? 0 : starts[chunk - 1] + chunks[chunk - 1].count
        for index in chunk..<chunks.count {
            starts[index] = position
            position += chunks[index].count
        }
    }

    static func == (left: SortedIDs, right: SortedIDs) -> Bool {
        left.count == right.count && left.elementsEqual(right)
    }

    /// The first position in sorted `ids` whose id is not less than `id`.
    static func lowerBound(_ id: String, in ids: [String]) -> Int {
        var low = 0
        var high = ids.count
        while low < high {
            let middle = (low + high) / 2
            if ids[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
