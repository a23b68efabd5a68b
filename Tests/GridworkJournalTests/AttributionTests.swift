import GridworkJournal
import GridworkStore
import TestSupport
import Testing

/// Who made each change survives the journal, the snapshot and a restart; journals written
/// before writes were attributed still load.
struct AttributionTests {
    @Test func principals_survive_replay_andCompaction() throws {
        let directory = TemporaryDirectory()
        var id = ""
        try withJournal(directory) { store, journal in
            id = try store.insert(.towns, values: town("新镇"), source: .api, at: "2026-01-01T00:00:00Z", by: "li").value
                .id
            try store.replace(.towns, id: id, values: town("新镇二"), at: "2026-01-02T00:00:00Z", by: "wang")
            _ = waitDurable(journal, store.headRevision)
        }
        let lines = String(decoding: directory.bytes("journal.log"), as: UTF8.self).split(separator: "\n")
        #expect(lines.last?.contains(#""at":"2026-01-02T00:00:00Z","by":"wang""#) == true)
        let replayed = try load(directory).store.record(.towns, id: id)
        #expect(replayed?.createdBy == "li")
        #expect(replayed?.updatedBy == "wang")
        _ = try compactOffline(directory)
        let fromSnapshot = try load(directory).store.record(.towns, id: id)
        #expect(fromSnapshot?.createdBy == "li")
        #expect(fromSnapshot?.updatedBy == "wang")
    }

    @Test func linesWithoutPrincipals_loadAsUnattributed() throws {
        let directory = TemporaryDirectory()
        var id = ""
        try withJournal(directory) { store, journal in
            id = try store.insert(.towns, values: town("旧镇"), source: .api, at: "2026-01-01T00:00:00Z", by: "li").value
                .id
            _ = waitDurable(journal, store.headRevision)
        }
        // Rewrite the change line as a journal of before attribution had it: no at, by or *By.
        var text = JournalText(directory.bytes("journal.log"))
        let body = text.body(1)
        let old = body.replacingOccurrences(#","at":"2026-01-01T00:00:00Z","by":"li""#, "")
            .replacingOccurrences(#","createdBy":"li","updatedBy":"li""#, "")
        #expect(old.utf8.count < body.utf8.count - 40)
        text.lines[1] = JournalText.sealed(old)
        directory.write("journal.log", text.bytes)
        let record = try load(directory).store.record(.towns, id: id)
        #expect(record?.createdBy == Change.unattributed)
        #expect(record?.updatedBy == Change.unattributed)
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
