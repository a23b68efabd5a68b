import Synchronization

extension Store {
    /// Re-applies a change recorded earlier (journal replay), as strictly as the API made it:
    /// it must be the next revision, every record it puts must name only records that exist and
    /// keep the cross-record rules, and no record left may point to one it removes. Returns why
    /// not, or nil once applied. After a refusal the store is unusable; the caller stops.
    ///
    /// An applied change joins `history`, with the images it replaced taken from the store (they
    /// share storage with the images history already holds).
    public func replay(_ change: Change) -> String? {
        var change = change
        change.before.removeAll()
        return head.withLock { state -> String? in
            guard change.revision == state.revision + 1 else {
                return "its seq is \(change.revision), but the next revision is \(state.revision + 1)"
            }
            for (kind, id) in change.removes {
                guard let old = state[kind].remove(id) else {
                    return "it removes \(kind.schema.singular) `\(id)`, which does not exist"
                }
                state.aggregates.apply(kind, old, sign: -1)
                change.before.append((kind, old))
            }
            var created: [Bool] = []
            created.reserveCapacity(change.puts.count)
            for (kind, record) in change.puts {
                created.append(state[kind][record.id] == nil)
                if let old = state[kind][record.id] {
                    state[kind].replace(record)
                    state.aggregates.apply(kind, old, sign: -1)
                    change.before.append((kind, old))
                } else {
                    state[kind].insert(record)
                }
                state.aggregates.apply(kind, record, sign: 1)
            }
            // Checked on the state the whole change leaves, as a cascade is one change.
            for (kind, record) in change.puts {
                if let issue = state.problems(kind, record.values, replacing: record.id).first {
                    return "\(kind.schema.singular) `\(record.id)` breaks a rule: \(issue.pointer): \(issue.message)"
                }
            }
            // A put can break a rule of a record that points to it (a village moved away from
            // its grids' town): those are checked too. Nothing pointed to a record this change
            // created before it, so whatever points to one now is among its puts, checked above.
            for ((kind, record), created) in zip(change.puts, created) where !created {
                if let issue = state.referrerProblems(of: kind, id: record.id) { return issue }
            }
            for (kind, id) in change.removes {
                if let referrer = state.referrers(of: kind, id: id).first {
                    return "it removes \(kind.schema.singular) `\(id)`, but \(referrer.count) "
                        + "\(referrer.kind.rawValue) record(s) still refer to it through `\(referrer.field)`"
                }
            }
            state.revision = change.revision
            headRevisionMirror.store(change.revision, ordering: .releasing)
            history.append([change])
            return nil
        }
    }
}

extension Store.State {
    /// The first cross-record rule broken by a record that points to `id`, described, or nil.
    func referrerProblems(of kind: ResourceKind, id: String) -> String? {
        for other in ResourceKind.allCases {
            for (position, field) in other.schema.fields.enumerated() {
                switch field.type {
                case .reference(kind), .references(kind):
                    for referrer in self[other].ids(where: position, equals: id) ?? [] {
                        guard let record = self[other][referrer],
                            let issue = DomainRules.check(other, record.values, id: referrer, in: self).first
                        else { continue }
                        return "\(other.schema.singular) `\(referrer)`, which refers to \(kind.schema.singular) "
                            + "`\(id)`, then breaks a rule: \(issue.pointer): \(issue.message)"
                    }
                default:
                    continue
                }
            }
        }
        return nil
    }
}

extension Store {
    /// Every record of the head, in resource then id order, with its revision: what a snapshot
    /// taken now would hold. The records are listed outside the lock, from a frozen copy.
    public func capture() -> (revision: Int, records: [(ResourceKind, Record)]) {
        let (_, frozen) = freeze {}
        return (frozen.revision, frozen.records)
    }
}
