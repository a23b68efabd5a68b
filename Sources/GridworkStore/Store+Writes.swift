public import JSON
import Synchronization

/// What a write did, and which revision a reader must wait for to see it.
public struct Committed<Value: Sendable>: Sendable {
    /// The write's result: the record as it now is, or the records a delete removed.
    public var value: Value
    /// The revision the write produced; for a write that changed nothing, the head revision it
    /// was checked against (whose state its answer shows).
    public var revision: Int
    /// Whether the write changed anything (and so made a revision and a change of its own).
    public var changed: Bool
    /// The epoch of the history the write was made in: the one its answer's tags name, even when
    /// a reset follows at once.
    public var epoch: String
}

extension Store {
    /// Creates a record with a new id (or `id`, when given and free). `values` are in schema
    /// order; trailing fields left out are null (so a caller written before a field was added
    /// still writes whole records). `annotation` is made from the new record inside the lock and
    /// travels with its change into the log.
    @discardableResult
    public func insert(
        _ kind: ResourceKind,
        values: [FieldValue],
        source: Source,
        id: String? = nil,
        at timestamp: String,
        by principal: String = Change.unattributed,
        annotation: ((Record) -> JSONValue?)? = nil
    ) throws(StoreError) -> Committed<Record> {
        let values = kind.schema.filled(values)
        return try head.withLock { (state) throws(StoreError) -> Committed<Record> in
            try state.check(kind, values, replacing: nil)
            if let id, state[kind][id] != nil { throw .duplicateID(id) }
            let record = Record(
                id: id ?? state[kind].freshID(),
                createdAt: timestamp,
                updatedAt: timestamp,
                revision: 1,
                source: source,
                createdBy: principal,
                updatedBy: principal,
                values: values
            )
            state[kind].insert(record)
            state.aggregates.apply(kind, record, sign: 1)
            state.touched.append((kind, record.id, nil))
            return commit(record, &state, at: timestamp, by: principal, annotation: annotation?(record))
        }
    }

    /// Replaces a record's values (in schema order, trailing ones null when left out), keeping its
    /// id, creation time and source. Values equal to the current ones change nothing: no revision, no change, no `updatedAt`.
    /// `precondition` is checked against the current record inside the lock (for `If-Match`).
    @discardableResult
    public func replace(
        _ kind: ResourceKind,
        id: String,
        values: [FieldValue],
        at timestamp: String,
        by principal: String = Change.unattributed,
        precondition: (@Sendable (Record) -> Bool)? = nil
    ) throws(StoreError) -> Committed<Record> {
        let values = kind.schema.filled(values)
        return try head.withLock { (state) throws(StoreError) -> Committed<Record> in
            guard let old = state[kind][id] else { throw .notFound(kind, id) }
            if let precondition, !precondition(old) { throw .preconditionFailed(current: old) }
            if old.values == values {
                return Committed(value: old, revision: state.revision, changed: false, epoch: state.epoch)
            }
            try state.check(kind, values, replacing: id)
            let record = state.rewrite(kind, id, at: timestamp, by: principal) { $0 = values }
            return commit(record, &state, at: timestamp, by: principal)
        }
    }

    /// Deletes a record. When others point to it, the delete is refused (naming every resource
    /// and field that does, with counts) unless `cascade`; then each dependant is dealt with so
    /// that every record left is one a write could make (see `deleteCascading`).
    /// Returns every record deleted, the target first.
    @discardableResult
    public func delete(
        _ kind: ResourceKind,
        id: String,
        cascade: Bool = false,
        at timestamp: String = Timestamp.now(),
        by principal: String = Change.unattributed,
        precondition: (@Sendable (Record) -> Bool)? = nil
    ) throws(StoreError) -> Committed<[Record]> {
        try head.withLock { (state) throws(StoreError) -> Committed<[Record]> in
            guard let target = state[kind][id] else { throw .notFound(kind, id) }
            if let precondition, !precondition(target) { throw .preconditionFailed(current: target) }
            let referrers = state.referrers(of: kind, id: id)
            if !cascade, !referrers.isEmpty { throw .referenced(referrers) }
            var deleted: [Record] = []
            state.deleteCascading(kind, id: id, at: timestamp, by: principal, deleted: &deleted)
            return commit(deleted, &state, at: timestamp, by: principal)
        }
    }

    /// Ends a write that changed something: a new revision, its change handed to the log, the
    /// mirror of the head's revision moved on.
    ///
    /// With a log the change waits there until it is durable (`publish` hands it to `history`);
    /// without one readers read the head, so it joins the history at once, inside the lock, in
    /// revision order.
    func commit<Value>(
        _ value: Value, _ state: inout State, at timestamp: String, by principal: String, annotation: JSONValue? = nil
    ) -> Committed<Value> {
        let change = state.commit(at: timestamp, by: principal, annotation: annotation)
        if let log = state.log {
            log.append(change)
        } else {
            history.append([change])
        }
        headRevisionMirror.store(state.revision, ordering: .releasing)
        return Committed(value: value, revision: state.revision, changed: true, epoch: state.epoch)
    }

    /// Problems with the references in `values`: every id that names no record. Field values
    /// that are null (or failed validation) are skipped. Also checked inside every write.
    public func referenceIssues(_ kind: ResourceKind, _ values: [FieldValue]) -> [ValidationIssue] {
        head.withLock { $0.referenceIssues(kind, values) }
    }
}

/// A record a write touched, for de-duplicating a change's records.
struct TouchedRecord: Hashable {
    var kind: ResourceKind
    var id: String
}

extension Store.State {
    /// Ends a write: the revision moves on, and the change it made is returned.
    mutating func commit(at timestamp: String, by principal: String, annotation: JSONValue? = nil) -> Change {
        revision += 1
        var change = Change(revision: revision, at: timestamp, by: principal, annotation: annotation)
        // Most writes touch one record; a cascade may touch one several times, and the first
        // time holds the image from before the change.
        var seen = Set<TouchedRecord>()
        for (kind, id, before) in touched
        where touched.count == 1 || seen.insert(TouchedRecord(kind: kind, id: id)).inserted {
            if let record = self[kind][id] {
                change.puts.append((kind, record))
            } else {
                change.removes.append((kind, id))
            }
            if let before { change.before.append((kind, before)) }
        }
        touched.removeAll(keepingCapacity: true)
        return change
    }

    /// Every problem that makes `values` unacceptable now: dangling ids and cross-record rules.
    func check(_ kind: ResourceKind, _ values: [FieldValue], replacing id: String?) throws(StoreError) {
        let issues = problems(kind, values, replacing: id) + DomainRules.writeIssues(kind, values)
        guard issues.isEmpty else { throw .invalid(issues) }
    }

    func problems(_ kind: ResourceKind, _ values: [FieldValue], replacing id: String?) -> [ValidationIssue] {
        referenceIssues(kind, values) + DomainRules.check(kind, values, id: id, in: self)
    }

    func referenceIssues(_ kind: ResourceKind, _ values: [FieldValue]) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        for (position, field) in kind.schema.fields.enumerated() where position < values.count {
            switch field.type {
            case .reference(let target):
                if let id = values[position].string, self[target][id] == nil {
                    issues.append(ValidationIssue("/\(field.name)", "No \(target.schema.singular) has the id `\(id)`."))
                }
            case .references(let target):
                for (index, id) in values[position].list.enumerated() where self[target][id] == nil {
                    issues.append(
                        ValidationIssue("/\(field.name)/\(index)", "No \(target.schema.singular) has the id `\(id)`.")
                    )
                }
            default:
                continue
            }
        }
        return issues
    }

    /// Changes one record's values in place: revision and `updatedAt` move on (once per write,
    /// however often a cascade rewrites the record), the indexes and aggregates follow. The one
    /// path every update takes.
    @discardableResult
    mutating func rewrite(
        _ kind: ResourceKind, _ id: String, at timestamp: String, by principal: String,
        _ change: (inout [FieldValue]) -> Void
    )
        -> Record
    {
        let old = self[kind][id]!
        var record = old
        change(&record.values)
        if !touched.contains(where: { $0.kind == kind && $0.id == id }) {
            record.revision += 1
            record.updatedAt = timestamp
            record.updatedBy = principal
            touched.append((kind, id, old))
        }
        self[kind].replace(record)
        aggregates.apply(kind, old, sign: -1)
        aggregates.apply(kind, record, sign: 1)
        return record
    }

    /// Every resource and field that points to `id`, with how many records do, in schema order.
    func referrers(of kind: ResourceKind, id: String) -> [Referrer] {
        var referrers: [Referrer] = []
        for other in ResourceKind.allCases {
            for (position, field) in other.schema.fields.enumerated() {
                switch field.type {
                case .reference(kind), .references(kind):
                    let count = self[other].ids(where: position, equals: id)?.count ?? 0
                    if count > 0 { referrers.append(Referrer(kind: other, field: field.name, count: count)) }
                default:
                    continue
                }
            }
        }
        return referrers
    }

    /// Removes a record and deals with everything that points to it, so that every record left
    /// passes the checks a write would make:
    /// - a required reference to it: the referrer is deleted too (recursively);
    /// - an optional reference: cleared, unless the record is then invalid (a unit grid without
    ///   its village, a village cadre without a village) — then it is deleted too;
    /// - a list of references (`gridIds`): the id leaves the list, on the same terms.
    mutating func deleteCascading(
        _ kind: ResourceKind, id: String, at timestamp: String, by principal: String, deleted: inout [Record]
    ) {
        guard let old = self[kind].remove(id) else { return }
        aggregates.apply(kind, old, sign: -1)
        touched.append((kind, id, old))
        deleted.append(old)
        for other in ResourceKind.allCases {
            for (position, field) in other.schema.fields.enumerated() {
                let clear: (inout [FieldValue]) -> Void
                switch field.type {
                case .reference(kind) where field.required:
                    for referrer in self[other].ids(where: position, equals: id) ?? [] {
                        deleteCascading(other, id: referrer, at: timestamp, by: principal, deleted: &deleted)
                    }
                    continue
                case .reference(kind):
                    clear = { $0[position] = .null }
                case .references(kind):
                    clear = { $0[position] = .list($0[position].list.filter { $0 != id }) }
                default:
                    continue
                }
                for referrer in self[other].ids(where: position, equals: id) ?? [] {
                    guard let record = self[other][referrer] else { continue }
                    var values = record.values
                    clear(&values)
                    // Only the record's own rules: a reference to another record this cascade
                    // removes is cleared by the cascade itself, in its turn.
                    if DomainRules.check(other, values, id: referrer, in: self).isEmpty {
                        rewrite(other, referrer, at: timestamp, by: principal, clear)
                    } else {
                        deleteCascading(other, id: referrer, at: timestamp, by: principal, deleted: &deleted)
                    }
                }
            }
        }
    }
}

/// Records of one resource that point to another record through one field.
public struct Referrer: Sendable, Equatable {
    /// The resource of the records that point.
    public var kind: ResourceKind
    /// The field they point through.
    public var field: String
    /// How many records do.
    public var count: Int
}
