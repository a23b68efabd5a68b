import Foundation
import Glibc

/// Why a child process could not be started.
package struct ChildProcessError: Error, CustomStringConvertible {
    package let description: String
}

/// How a child process ended.
package enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
    /// It called `exit` (or returned from `main`) with this status.
    case exited(Int32)
    /// A signal ended it.
    case signaled(Int32)
    /// `waitpid` failed with this errno (something else reaped it).
    case unknown(errno: Int32)

    package var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .signaled(let number): return "killed by signal \(number)"
        case .unknown(let code): return "ended, status unknown (waitpid errno \(code))"
        }
    }
}

/// A child process started with `posix_spawn`, its stderr read into memory by a thread of its
/// own so the child never blocks on a full pipe. stdin and stdout are `/dev/null`.
///
/// The child stays a zombie until `waitForExit` reaps it under the same lock `signal` takes, so a
/// signal can never reach a recycled pid. Call `killAndReap()` in a `defer`.
///
/// Concurrency: every stored `var` is guarded by `condition`; the two helper threads (stderr and
/// exit watcher) only touch state through it.
package final class ChildProcess: @unchecked Sendable {
    package let pid: Int32
    private let condition = NSCondition()
    private var stderrBytes: [UInt8] = []
    private var stderrEnded = false
    private var exited = false
    private var status: ExitStatus?

    private init(pid: Int32) {
        self.pid = pid
    }

    /// Starts `executable` with `arguments`, in the caller's environment minus `removing`.
    package static func spawn(
        _ executable: String, _ arguments: [String], removingEnvironment removing: Set<String> = []
    ) throws(ChildProcessError) -> ChildProcess {
        // Between pipe() and FD_CLOEXEC another spawn could inherit the write end, and then this
        // child's stderr would never end; spawns take turns.
        spawnLock.lock()
        defer { spawnLock.unlock() }
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else {
            throw ChildProcessError(description: "pipe failed (errno \(errno))")
        }
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        // Nothing else of the test process (the runner's pipes, another test's descriptors)
        // leaks into the child. (glibc ignores a close of a descriptor that was closed meanwhile.)
        for fd in inheritableDescriptors() where fd > 2 && fd != pipeFDs[1] {
            posix_spawn_file_actions_addclose(&actions, fd)
        }

        // The child starts as a shell would start it: no blocked signals, default dispositions.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let environment = ProcessInfo.processInfo.environment.filter { !removing.contains($0.key) }.map {
            strdup("\($0.key)=\($0.value)")
        }
        let envp = environment + [nil]
        defer { for pointer in envp { free(pointer) } }

        var pid: Int32 = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(pipeFDs[1])
        guard result == 0 else {
            close(pipeFDs[0])
            throw ChildProcessError(
                description: "posix_spawn \(executable) failed: \(String(cString: strerror(result)))")
        }
        let child = ChildProcess(pid: pid)
        let readFD = pipeFDs[0]
        Thread.detachNewThread { child.drainStderr(readFD) }
        Thread.detachNewThread { child.watchForExit() }
        return child
    }

    private static let spawnLock = NSLock()

    /// This process's open descriptors without FD_CLOEXEC.
    private static func inheritableDescriptors() -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return names.compactMap { Int32($0) }.filter { fd in
            let flags = fcntl(fd, F_GETFD)
            return flags >= 0 && flags & FD_CLOEXEC == 0
        }
    }

    // MARK: stderr

    /// Everything the child wrote to stderr so far.
    package var stderr: String {
        condition.lock()
        defer { condition.unlock() }
        return String(decoding: stderrBytes, as: UTF8.self)
    }

    /// Blocks until `predicate` holds for stderr so far, stderr ends (the child exited) or
    /// `timeout` passes. Returns whether `predicate` held.
    package func waitForStderr(within timeout: Duration, until predicate: (String) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout.seconds)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if predicate(String(decoding: stderrBytes, as: UTF8.self)) { return true }
            if stderrEnded || !condition.wait(until: deadline) {
                return predicate(String(decoding: stderrBytes, as: UTF8.self))
            }
        }
    }

    /// Blocks until stderr ends (every writer closed it) or `timeout` passes; whether it ended.
    package func waitForStderrEnd(within timeout: Duration) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout.seconds)
        condition.lock()
        defer { condition.unlock() }
        while !stderrEnded {
            if !condition.wait(until: deadline) { return stderrEnded }
        }
        return true
    }

    private func drainStderr(_ fd: Int32) {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            condition.lock()
            if count > 0 {
                stderrBytes.append(contentsOf: chunk[0..<count])
            } else {
                stderrEnded = true
            }
            condition.broadcast()
            condition.unlock()
            if count <= 0 { break }
        }
        close(fd)
    }

    // MARK: Exit

    /// Sends `number` to the child unless it has been reaped already. Returns whether it was sent.
    @discardableResult
    package func signal(_ number: Int32) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard status == nil else { return false }
        return kill(pid, number) == 0
    }

    /// Blocks until the child exits (then reaps it) or `timeout` passes (then returns nil).
    package func waitForExit(within timeout: Duration) -> ExitStatus? {
        let deadline = Date(timeIntervalSinceNow: timeout.seconds)
        condition.lock()
        defer { condition.unlock() }
        while !exited {
            if !condition.wait(until: deadline) && !exited { return nil }
        }
        if let status { return status }
        var raw: Int32 = 0
        var result = waitpid(pid, &raw, 0)
        while result < 0 && errno == EINTR { result = waitpid(pid, &raw, 0) }
        let reaped: ExitStatus =
            result < 0 ? .unknown(errno: errno) : raw & 0x7F == 0 ? .exited((raw >> 8) & 0xFF) : .signaled(raw & 0x7F)
        status = reaped
        return reaped
    }

    /// SIGKILL unless already reaped, then reap. For `defer`; idempotent.
    package func killAndReap() {
        signal(SIGKILL)
        _ = waitForExit(within: .seconds(30))
    }

    /// Waits (without reaping: `WNOWAIT`) until the child has exited.
    private func watchForExit() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        condition.lock()
        exited = true
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Finding executables

    /// The executable `name` that the build put beside the running test bundle (the directory of
    /// `/proc/self/exe`, or on macOS the directory holding the `.xctest` bundle), or nil.
    package static func builtExecutable(named name: String) -> String? {
        var here = URL(fileURLWithPath: Self.testExecutablePath()).resolvingSymlinksInPath()
        // .build/debug/X.xctest on Linux; .build/debug/X.xctest/Contents/MacOS/X on macOS.
        for _ in 0..<4 {
            here = here.deletingLastPathComponent()
            let candidate = here.appendingPathComponent(name).path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        return nil
    }

    private static func testExecutablePath() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return CommandLine.arguments[0]
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
