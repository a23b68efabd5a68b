import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import Synchronization

/// A listing as CSV (RFC 4180, UTF-8 with a byte-order mark so spreadsheet programs read the
/// Chinese text right, CRLF line ends): every matching row, no pagination, produced a page of
/// rows at a time while the client reads, never the whole file in memory. Pages follow the same
/// keyset order as cursors, so records written meanwhile are neither repeated nor skipped.
final class CSVExport: ResponseStream, Sendable {
    static let pageSize = 500
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    private struct State {
        var query: Query
        var started = false
        var done = false
    }

    private let kind: ResourceKind
    private let store: Store
    private let state: Mutex<State>

    init(kind: ResourceKind, store: Store, query: Query) {
        self.kind = kind
        self.store = store
        var query = query
        query.limit = Self.pageSize
        query.after = nil
        // Every page would otherwise count every match again: quadratic in the export's size.
        query.countsTotal = false
        self.state = Mutex(State(query: query))
    }

    /// Whether `request` asks for CSV: `?format=csv`, or an `Accept` that rates `text/csv` above
    /// JSON (q-values honoured; `*/*` and `application/*` count for JSON, the default), or as
    /// high and earlier in the list.
    static func wanted(_ request: Request, format: String?) -> Bool {
        if let format { return format == "csv" }
        guard let accept = request.headerFields[.accept] else { return false }
        var csv = 0.0
        var json = 0.0
        var csvFirst = false
        for (type, quality) in QualityList.parse(accept) {
            switch type {
            case "text/csv":
                if quality > csv { csvFirst = quality > json }
                csv = max(csv, quality)
            case "application/json", "application/*", "*/*":
                json = max(json, quality)
            default: continue
            }
        }
        return csv > 0 && (csv > json || (csv == json && csvFirst))
    }

    func next(wake: StreamWaker) -> StreamPiece {
        state.withLock { state in
            if state.done { return .end }
            var bytes: [UInt8] = []
            if !state.started {
                state.started = true
                bytes = Self.byteOrderMark
                Self.header(kind, into: &bytes)
            }
            let page = store.query(kind, state.query)
            bytes.reserveCapacity(bytes.count + page.records.count * 200)
            for record in page.records { Self.row(record, kind, into: &bytes) }
            if page.more, let last = page.records.last, let key = page.keys.last {
                state.query.after = key + [.string(last.id)]
            } else {
                state.done = true
            }
            return bytes.isEmpty ? .end : .bytes(bytes)
        }
    }

    func cancel() {
        state.withLock { $0.done = true }
    }

    static func header(_ kind: ResourceKind, into bytes: inout [UInt8]) {
        let names =
            ["id"] + kind.schema.fields.map(\.name)
            + ["createdAt", "updatedAt", "revision", "source", "createdBy", "updatedBy"]
        for (index, name) in names.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: name.utf8)
        }
        bytes.append(contentsOf: [0x0D, 0x0A])
    }

    static func row(_ record: Record, _ kind: ResourceKind, into bytes: inout [UInt8]) {
        field(record.id, into: &bytes)
        for (position, spec) in kind.schema.fields.enumerated() {
            bytes.append(UInt8(ascii: ","))
            switch record.values[position] {
            case .null: break
            case .string(let text): field(text, into: &bytes)
            case .int(let number): bytes.append(contentsOf: String(number).utf8)
            case .bool(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
            case .list(let items): field(items.joined(separator: ";"), into: &bytes)
            case .counts(let counts):
                guard case .counts(let keys) = spec.type else { break }
                let pairs = zip(keys, counts).map { "\($0)=\($1)" }
                field(pairs.joined(separator: ";"), into: &bytes)
            case .steps(let steps):
                // One step per line of the cell: when, who, what.
                let lines = steps.map { step in
                    "\(step.on) \(step.by) \(step.action) \(step.from ?? "-")→\(step.to)"
                        + (step.note.map { ": " + $0 } ?? "")
                }
                field(lines.joined(separator: "\n"), into: &bytes)
            }
        }
        for text in [
            record.createdAt, record.updatedAt, String(record.revision), record.source.rawValue, record.createdBy,
            record.updatedBy,
        ] {
            bytes.append(UInt8(ascii: ","))
            field(text, into: &bytes)
        }
        bytes.append(contentsOf: [0x0D, 0x0A])
    }

    /// The first bytes that make a spreadsheet read a cell as a formula (OWASP's CSV injection
    /// list): `=`, `+`, `-`, `@`, and TAB or CR, which spreadsheets skip before such a sign.
    static let formulaStarts: [UInt8] = [
        UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D,
    ]

    /// One field: quoted when it holds a comma, quote or line break (RFC 4180); a field that
    /// starts with one of `formulaStarts` gets a `'` first, so a spreadsheet never runs text as a
    /// formula. A plain integer (`-5`) is left as it is: it is a number, not a formula.
    static func field(_ text: String, into bytes: inout [UInt8]) {
        var value = text
        if let first = value.utf8.first, formulaStarts.contains(first), Int(value) == nil {
            value = "'" + value
        }
        let needsQuotes = value.utf8.contains {
            $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D
        }
        guard needsQuotes else {
            bytes.append(contentsOf: value.utf8)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
