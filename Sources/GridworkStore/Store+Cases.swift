public import JSON
import Synchronization

extension Store {
    /// Takes a step on case `id`: `decide` sees the case as it is under the store's lock and the id
    /// the next assistance record will get, and answers the case's new values and the assistance
    /// record the step creates, if any. Both are written in one change, so the record a closure
    /// stands for is never seen without its case, nor the case without it. A refusal from `decide`
    /// changes nothing and is returned as it is.
    public func moveCase(
        _ id: String,
        at timestamp: String,
        by principal: String,
        precondition: (@Sendable (Record) -> Bool)? = nil,
        annotation: JSONValue? = nil,
        _ decide: (Record, _ nextRecordID: String) -> Result<CaseFile.Move, CaseRefusal>
    ) throws(StoreError) -> Result<Committed<Record>, CaseRefusal> {
        try head.withLock { (state) throws(StoreError) -> Result<Committed<Record>, CaseRefusal> in
            guard let old = state[.cases][id] else { throw .notFound(.cases, id) }
            if let precondition, !precondition(old) { throw .preconditionFailed(current: old) }
            let nextRecordID = state[.assistanceRecords].freshID()
            let move: CaseFile.Move
            switch decide(old, nextRecordID) {
            case .success(let decided): move = decided
            case .failure(let refusal): return .failure(refusal)
            }
            if let values = move.record {
                let values = ResourceKind.assistanceRecords.schema.filled(values)
                try state.check(.assistanceRecords, values, replacing: nil)
                let record = Record(
                    id: nextRecordID, createdAt: timestamp, updatedAt: timestamp, revision: 1, source: .api,
                    createdBy: principal, updatedBy: principal, values: values)
                state[.assistanceRecords].insert(record)
                state.aggregates.apply(.assistanceRecords, record, sign: 1)
                state.touched.append((.assistanceRecords, record.id, nil))
            }
            do throws(StoreError) {
                try state.check(.cases, move.values, replacing: id)
            } catch {
                // The record is taken back out: nothing of a refused step stays.
                if move.record != nil, let record = state[.assistanceRecords].remove(nextRecordID) {
                    state.aggregates.apply(.assistanceRecords, record, sign: -1)
                    state.touched.removeAll()
                }
                throw error
            }
            let record = state.rewrite(.cases, id, at: timestamp, by: principal) { $0 = move.values }
            return .success(commit(record, &state, at: timestamp, by: principal, annotation: annotation))
        }
    }

    /// Brings every open case up to `today` (`CaseFile.settled`): marks the ones past their
    /// deadline overdue and adds their automatic reminder, in one change by `system`. Returns how
    /// many cases changed; none, and no change, when all are current.
    @discardableResult
    public func settleCases(today: CalendarDate, at timestamp: String) -> Int {
        head.withLock { state in
            var settled: [(String, [FieldValue])] = []
            let table = state[.cases]
            for id in table.order {
                guard let record = table[id],
                    let values = CaseFile.settled(record.values, today: today, at: timestamp)
                else { continue }
                settled.append((id, values))
            }
            guard !settled.isEmpty else { return 0 }
            for (id, values) in settled {
                state.rewrite(.cases, id, at: timestamp, by: CaseStep.system) { $0 = values }
            }
            _ = commit(settled.count, &state, at: timestamp, by: CaseStep.system)
            return settled.count
        }
    }
}
