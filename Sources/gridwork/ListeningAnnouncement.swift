import Glibc
import GridworkJournal
import GridworkStore
import JSON

/// Tells a harness where the server listens, once it does: one JSON line on stdout,
/// `{"event":"listening","host":"127.0.0.1","port":8080}` (stdout carries nothing else), and
/// with `--port-file` the port alone in a file that appears whole (written beside it, fsync'd and
/// renamed, as the journal replaces its files), so a reader never sees it half written.
enum ListeningAnnouncement {
    /// The stdout line, without its newline.
    static func line(host: String, port: Int) -> String {
        var writer = JSONWriter()
        writer.raw("{\"event\":\"listening\",\"host\":")
        writer.string(host)
        writer.raw(Array(",\"port\":\(port)}".utf8))
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Prints the line and flushes it, then writes the port file when asked for one.
    static func announce(host: String, port: Int, portFile: String?) throws(JournalError) {
        // One write(2), unbuffered: the line is there, whole, before anything else happens.
        let bytes = Array((line(host: host, port: port) + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        guard let portFile else { return }
        let directory = portFile.lastIndex(of: "/").map { String(portFile[..<$0]) } ?? "."
        try FileIO.replaceAtomically(
            portFile, with: Array("\(port)\n".utf8), temporary: portFile + ".tmp",
            directory: directory.isEmpty ? "/" : directory)
    }

}
