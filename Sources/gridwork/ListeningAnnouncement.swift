import Glibc
import GridworkStore

/// Tells a harness where the server listens, once it does: one JSON line on stdout,
/// `{"event":"listening","host":"127.0.0.1","port":8080}` (stdout carries nothing else), and
/// with `--port-file` the port alone in a file that appears whole (written beside it, then
/// renamed), so a reader never sees it half written.
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
    static func announce(host: String, port: Int, portFile: String?) throws(Failure) {
        // One write(2), unbuffered: the line is there, whole, before anything else happens.
        let bytes = Array((line(host: host, port: port) + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        guard let portFile else { return }
        let temporary = portFile + ".tmp"
        guard let file = fopen(temporary, "w") else { throw Failure(path: temporary, errno: errno) }
        let written = fputs("\(port)\n", file) >= 0
        let closed = fclose(file) == 0
        guard written, closed else {
            let code = errno
            unlink(temporary)
            throw Failure(path: temporary, errno: code)
        }
        guard rename(temporary, portFile) == 0 else {
            let code = errno
            unlink(temporary)
            throw Failure(path: portFile, errno: code)
        }
    }

    /// The port file could not be written.
    struct Failure: Error, CustomStringConvertible {
        let path: String
        let errno: Int32
        var description: String { "\(path): \(String(cString: strerror(errno)))" }
    }
}
