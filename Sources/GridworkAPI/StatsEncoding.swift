import GridworkStore
import JSON

/// The JSON of `/stats` and `/stats/report`.
enum StatsEncoding {
    /// Each figure's dotted key, split once.
    static let figurePaths = Figure.all.map { $0.key.split(separator: ".").map(String.init) }

    /// `{"epoch":…, "revision":…, "scope":{…}, "gridService":{…}, "projectSecretaries":{…},
    /// "collectiveEconomy":{…}, "entrepreneurship":{…}, "work":{…}, "byTown":[…]}`: every figure nested by its
    /// dotted key, null where it does not apply to the scope.
    static func stats(_ snapshot: StatsSnapshot) -> [UInt8] {
        var writer = JSONWriter(capacity: 4096)
        writer.raw("{\"epoch\":")
        writer.string(snapshot.epoch)
        writer.raw(",\"revision\":")
        writer.int(snapshot.revision)
        writer.raw(",\"scope\":")
        writer.raw(snapshot.region.json)
        let entries = zip(Figure.all, figurePaths).map { (path: $1, value: snapshot.value($0)) }
        writeNested(entries[...], depth: 0, to: &writer)
        writer.raw(",\"work\":{\"byActivity\":")
        writeCounts(snapshot.work.byActivity, keys: Schema.activityKeys, to: &writer)
        writer.raw(",\"byCounterpart\":")
        writeCounts(snapshot.work.byCounterpart, keys: Schema.counterpartKeys, to: &writer)
        writer.raw("},\"cases\":")
        writeCases(snapshot, to: &writer)
        writer.raw(",\"byTown\":[")
        for (index, town) in snapshot.byTown.enumerated() {
            if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
            writer.raw("{\"townId\":")
            writer.string(town.townId)
            writer.raw(",\"name\":")
            writer.string(town.name)
            writer.raw(",\"kind\":")
            writer.string(town.kind)
            writer.raw(",\"grids\":")
            writer.int(town.grids)
            writer.raw(",\"cadres\":")
            writer.int(town.cadres)
            writer.raw(",\"visits\":")
            writer.int(town.visits)
            writer.raw(",\"fundsYuan\":")
            writer.int(town.fundsYuan)
            writer.raw(",\"projects\":")
            writer.int(town.projects)
            writer.raw(",\"investmentYuan\":")
            writer.int(town.investmentYuan)
            writer.bytes.append(UInt8(ascii: "}"))
        }
        writer.raw("]}")
        return writer.bytes
    }

    /// `{"open":…,"overdue":…,"closed":…,"closedOnTime":…,"onTimeRate":…,"reworked":…,
    /// "reworkRate":…,"averageWorkingDaysToClose":…,"supervised":…,"void":…,"byTown":[…]}`: rates
    /// are over the closed cases, null when none is closed.
    private static func writeCases(_ snapshot: StatsSnapshot, to writer: inout JSONWriter) {
        writeCaseCounts(snapshot.cases, to: &writer, closing: false)
        writer.raw(",\"byTown\":[")
        for (index, town) in snapshot.byTown.enumerated() {
            if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
            writer.raw("{\"townId\":")
            writer.string(town.townId)
            writer.raw(",\"name\":")
            writer.string(town.name)
            writer.bytes.append(UInt8(ascii: ","))
            writeCaseCounts(town.cases, to: &writer, closing: true)
        }
        writer.raw("]}")
    }

    /// The members of one set of cases, after an opening `{` (or `,`) the caller wrote or not.
    private static func writeCaseCounts(_ counts: CaseCounts, to writer: inout JSONWriter, closing: Bool) {
        writer.raw(closing ? "\"open\":" : "{\"open\":")
        writer.int(counts.open)
        writer.raw(",\"overdue\":")
        writer.int(counts.overdue)
        writer.raw(",\"closed\":")
        writer.int(counts.closed)
        writer.raw(",\"closedOnTime\":")
        writer.int(counts.closedOnTime)
        writer.raw(",\"onTimeRate\":")
        writeRatio(counts.closedOnTime, counts.closed, to: &writer)
        writer.raw(",\"reworked\":")
        writer.int(counts.reworked)
        writer.raw(",\"reworkRate\":")
        writeRatio(counts.closedReworked, counts.closed, to: &writer)
        writer.raw(",\"averageWorkingDaysToClose\":")
        writeRatio(counts.workingDaysToClose, counts.closed, to: &writer)
        writer.raw(",\"supervised\":")
        writer.int(counts.supervised)
        writer.raw(",\"void\":")
        writer.int(counts.void)
        if closing { writer.bytes.append(UInt8(ascii: "}")) }
    }

    /// `part / whole` to three decimals (rounded half up), or null when `whole` is 0.
    static func writeRatio(_ part: Int, _ whole: Int, to writer: inout JSONWriter) {
        guard whole > 0 else {
            writer.raw("null")
            return
        }
        let thousandths = (part * 1000 + whole / 2) / whole
        writer.int(thousandths / 1000)
        let fraction = thousandths % 1000
        if fraction > 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            writer.bytes.append(UInt8(ascii: "."))
            writer.bytes.append(contentsOf: digits.utf8)
        }
    }

    /// `{"key":count,…}`.
    private static func writeCounts(_ counts: [Int], keys: [String], to writer: inout JSONWriter) {
        writer.bytes.append(UInt8(ascii: "{"))
        for (index, key) in keys.enumerated() {
            if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
            writer.key(key)
            writer.int(index < counts.count ? counts[index] : 0)
        }
        writer.bytes.append(UInt8(ascii: "}"))
    }

    /// Writes `,"a":{…}` groups for entries sharing a path prefix; entries arrive grouped.
    private static func writeNested(
        _ entries: ArraySlice<(path: [String], value: Int?)>,
        depth: Int,
        to writer: inout JSONWriter
    ) {
        var index = entries.startIndex
        var first = depth > 0
        while index < entries.endIndex {
            let name = entries[index].path[depth]
            if !first { writer.bytes.append(UInt8(ascii: ",")) }
            first = false
            writer.key(name)
            if entries[index].path.count == depth + 1 {
                if let value = entries[index].value { writer.int(value) } else { writer.raw("null") }
                index += 1
                continue
            }
            var end = index
            while end < entries.endIndex && entries[end].path.count > depth + 1 && entries[end].path[depth] == name {
                end += 1
            }
            writer.bytes.append(UInt8(ascii: "{"))
            writeNested(entries[index..<end], depth: depth + 1, to: &writer)
            writer.bytes.append(UInt8(ascii: "}"))
            index = end
        }
    }

    /// `[{"id","section","key","label","quote","reported","live","applicable","unit","scope"}, …]`,
    /// 49 rows in report order: `live` counted over the scope, null when no record can reproduce
    /// the figure or when it does not apply to the scope (`applicable` false: a district-wide
    /// figure, asked for a part of the district). `reported` is the report's own, district-wide.
    static func report(_ snapshot: StatsSnapshot) -> [UInt8] {
        var writer = JSONWriter(capacity: 16 * 1024)
        let scope = snapshot.region.json
        writer.bytes.append(UInt8(ascii: "["))
        for (index, figure) in Figure.all.enumerated() {
            if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
            writer.raw("{\"id\":")
            writer.string(figure.id)
            writer.raw(",\"section\":")
            writer.string(figure.section)
            writer.raw(",\"key\":")
            writer.string(figure.key)
            writer.raw(",\"label\":")
            writer.string(figure.label)
            writer.raw(",\"quote\":")
            writer.string(figure.quote)
            writer.raw(",\"reported\":")
            writer.int(figure.reported)
            writer.raw(",\"live\":")
            if let live = snapshot.live(figure) { writer.int(live) } else { writer.raw("null") }
            writer.raw(snapshot.applies(figure) ? ",\"applicable\":true" : ",\"applicable\":false")
            writer.raw(",\"unit\":")
            writer.string(figure.unit)
            writer.raw(",\"scope\":")
            writer.raw(scope)
            writer.bytes.append(UInt8(ascii: "}"))
        }
        writer.bytes.append(UInt8(ascii: "]"))
        return writer.bytes
    }
}
