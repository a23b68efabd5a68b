import Foundation
import Glibc
import TestSupport

/// `gridwork serve --port 0 [--data-dir DIR] --log-level info --today 2014-08-06`, started as a child process and ready.
final class GridworkProcess {
    let child: ChildProcess
    let port: Int
    /// The data directory, or nil for a memory-only server.
    let dataDirectory: String?

    private init(child: ChildProcess, port: Int, dataDirectory: String?) {
        self.child = child
        self.port = port
        self.dataDirectory = dataDirectory
    }

    /// The `gridwork` binary these tests run: `$GRIDWORK_TEST_BINARY` when set (CI points it at
    /// the release binary it built from the same checkout, which starts in a quarter of the debug
    /// build's time), else the one the build put beside the test bundle.
    static func executable() throws(CheckFailure) -> String {
        if let path = ProcessInfo.processInfo.environment["GRIDWORK_TEST_BINARY"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw CheckFailure("GRIDWORK_TEST_BINARY=\(path) is not an executable file")
            }
            return path
        }
        guard let path = ChildProcess.builtExecutable(named: "gridwork") else {
            throw CheckFailure(
                "No `gridwork` executable beside the test bundle \(CommandLine.arguments[0]); "
                    + "build it with `swift build --build-tests` before `swift test --skip-build`.")
        }
        return path
    }

    /// Spawns the server on `dataDirectory` (nil: memory only) without waiting for it. `today`
    /// is the case clock's present: by default the seed's, so its open cases start current and a
    /// start writes nothing of its own; nil leaves the server on today's date.
    static func spawn(_ dataDirectory: String?, today: String? = "2014-08-06") throws(CheckFailure) -> ChildProcess {
        let arguments =
            ["serve", "--port", "0", "--log-level", "info"] + (today.map { ["--today", $0] } ?? [])
            + (dataDirectory.map { ["--data-dir", $0] } ?? [])
        do {
            return try ChildProcess.spawn(
                try executable(), arguments, removingEnvironment: ["GRIDWORK_TOKENS", "GRIDWORK_READ_TOKENS"])
        } catch let error as CheckFailure {
            throw error
        } catch {
            throw CheckFailure("\(error)")
        }
    }

    /// Starts the server on `dataDirectory` (nil: memory only); returns once it logged its port
    /// and `/readyz` is 200.
    static func start(_ dataDirectory: String?, today: String? = "2014-08-06") throws(CheckFailure)
        -> GridworkProcess
    {
        let child = try spawn(dataDirectory, today: today)
        guard child.waitForStderr(within: .seconds(60), until: { port(in: $0) != nil }),
            let port = port(in: child.stderr)
        else {
            let status = child.waitForExit(within: .zero).map { "\($0)" } ?? "still running after 60 s"
            child.killAndReap()
            throw CheckFailure(
                "The server never logged server.port (\(status)). stderr:\n\(child.stderr.suffix(4000))")
        }
        let process = GridworkProcess(child: child, port: port, dataDirectory: dataDirectory)
        let ready = eventually(within: .seconds(10)) {
            guard let client = try? RawClient.connect(port: port, receiveTimeout: .seconds(2)) else { return false }
            return (try? client.get("/readyz"))?.status == 200
        }
        guard ready else {
            child.killAndReap()
            throw CheckFailure("/readyz never answered 200 on port \(port). stderr:\n\(child.stderr.suffix(4000))")
        }
        return process
    }

    /// The number after `server.port=`, once the whole number has arrived.
    static func port(in log: String) -> Int? {
        guard let range = log.range(of: "server.port=") else { return nil }
        let rest = log[range.upperBound...]
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.endIndex < rest.endIndex else { return nil }
        return Int(digits)
    }

    /// A keep-alive connection to the server.
    func connect() throws(CheckFailure) -> RawClient {
        do {
            return try RawClient.connect(port: port, receiveTimeout: .seconds(15))
        } catch {
            throw CheckFailure("connect to port \(port): \(error)")
        }
    }

    /// SIGTERM, then waits for the exit; throws unless it exits 0 having logged `journal.closed`
    /// (when it has a data directory).
    func stop() throws(CheckFailure) {
        child.signal(SIGTERM)
        let status = child.waitForExit(within: .seconds(30))
        if status != nil { _ = child.waitForStderrEnd(within: .seconds(5)) }
        guard status == .exited(0) else {
            child.killAndReap()
            throw CheckFailure(
                "After SIGTERM the server \(status.map { "ended: \($0)" } ?? "did not exit within 30 s"). "
                    + "stderr:\n\(child.stderr.suffix(4000))")
        }
        guard dataDirectory == nil || child.stderr.contains("journal.closed") else {
            throw CheckFailure("After SIGTERM the server exited 0 without logging journal.closed.")
        }
    }

    /// Sets the running server's file-size limit (RLIMIT_FSIZE) to `bytes`, as `prlimit --pid`
    /// would: past it a write fails with EFBIG (the server ignores SIGXFSZ). A disk that fills up,
    /// on demand and at a chosen length.
    func limitFileSize(to bytes: Int) throws(CheckFailure) {
        // Glibc's Swift module does not export prlimit(2) (it is a GNU extension); the C library has it.
        typealias Prlimit =
            @convention(c) (pid_t, Int32, UnsafePointer<rlimit>?, UnsafeMutablePointer<rlimit>?) -> Int32
        guard let symbol = dlsym(nil, "prlimit") else { throw CheckFailure("the C library has no prlimit") }
        var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
        let result = unsafeBitCast(symbol, to: Prlimit.self)(child.pid, Int32(RLIMIT_FSIZE.rawValue), &limit, nil)
        guard result == 0 else { throw CheckFailure("prlimit(\(child.pid), RLIMIT_FSIZE, \(bytes)): errno \(errno)") }
    }

    /// The length of `DIR/journal.log` now.
    var journalBytes: Int {
        guard let dataDirectory else { return 0 }
        let attributes = try? FileManager.default.attributesOfItem(atPath: dataDirectory + "/journal.log")
        return (attributes?[.size] as? NSNumber)?.intValue ?? 0
    }
}

/// A fresh directory `gridwork-LABEL-XXXXXX` under `parent` (the system's temporary directory).
func makeTemporaryDirectory(_ label: String, in parent: String = NSTemporaryDirectory()) -> String {
    let base = parent.hasSuffix("/") ? String(parent.dropLast()) : parent
    var template = Array("\(base)/gridwork-\(label)-XXXXXX".utf8CString)
    let path = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(path != nil, "mkdtemp failed (errno \(errno))")
    return String(cString: path!)
}

/// The bytes of the file at `path`; empty when it cannot be read.
func readFile(_ path: String) -> [UInt8] {
    (try? Data(contentsOf: URL(fileURLWithPath: path))).map { [UInt8]($0) } ?? []
}

/// Writes `bytes` to the file at `path`, replacing it.
func writeFile(_ path: String, _ bytes: [UInt8]) throws(CheckFailure) {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
        throw CheckFailure("could not write \(path)")
    }
}
