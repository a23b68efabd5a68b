package import GridworkStore
package import JSON

/// A consumer of the change feed (`GET /changes`): the seed's records, by resource and id, as
/// JSON, with the feed's changes applied in order — what an integration or a replica keeps.
package struct FeedConsumer {
    package var records: [String: [String: JSONValue]] = [:]

    package init(seed: [(ResourceKind, Record)]) {
        for (kind, record) in seed {
            records[kind.rawValue, default: [:]][record.id] = try? JSONParser.parse(record.json(kind.schema))
        }
    }

    /// Applies one change of the feed: its puts replace (or add) whole records, its removes go.
    package mutating func apply(_ change: JSONValue) {
        if case .array(let puts)? = change["puts"] {
            for put in puts {
                guard case .string(let kind)? = put["kind"], let record = put["record"],
                    case .string(let id)? = record["id"]
                else { continue }
                records[kind, default: [:]][id] = record
            }
        }
        if case .array(let removes)? = change["removes"] {
            for remove in removes {
                guard case .string(let kind)? = remove["kind"], case .string(let id)? = remove["id"] else { continue }
                records[kind]?[id] = nil
            }
        }
    }

    /// What `store` holds (its published state), in the same form.
    package static func state(of store: Store) -> [String: [String: JSONValue]] {
        var records: [String: [String: JSONValue]] = [:]
        for kind in ResourceKind.allCases {
            for record in store.all(kind) {
                records[kind.rawValue, default: [:]][record.id] = try? JSONParser.parse(record.json(kind.schema))
            }
        }
        return records
    }

    /// The resources and ids whose records differ between `records` and `expected`, at most
    /// `limit` of them, as `resource/id`.
    package func differences(from expected: [String: [String: JSONValue]], limit: Int = 10) -> [String] {
        var differing: [String] = []
        for kind in Set(records.keys).union(expected.keys).sorted() {
            let mine = records[kind] ?? [:]
            let theirs = expected[kind] ?? [:]
            for id in Set(mine.keys).union(theirs.keys).sorted() where mine[id] != theirs[id] {
                differing.append("\(kind)/\(id)")
                if differing.count == limit { return differing }
            }
        }
        return differing
    }
}
