import Glibc

/// The few POSIX file calls durability needs, with EINTR and short writes handled.
package enum FileIO {
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(JournalError) -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .system("Opening", path, errno) }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(JournalError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .system("Writing", path, errno)
            }
            offset += written
        }
    }

    static func syncData(_ fd: Int32, path: String) throws(JournalError) {
        while fdatasync(fd) != 0 {
            if errno != EINTR { throw .system("fdatasync of", path, errno) }
        }
    }

    /// fsyncs a directory, so a rename or a new file in it survives power loss.
    static func syncDirectory(_ path: String) throws(JournalError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { Glibc.close(fd) }
        while fsync(fd) != 0 {
            if errno != EINTR { throw .system("fsync of directory", path, errno) }
        }
    }

    /// `count` bytes of the open file `fd` from `offset` (fewer at its end).
    static func read(_ fd: Int32, at offset: Int, count: Int, path: String) throws(JournalError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let read = bytes.withUnsafeMutableBytes {
                pread(fd, $0.baseAddress! + filled, count - filled, off_t(offset + filled))
            }
            if read < 0 {
                if errno == EINTR { continue }
                throw .system("Reading", path, errno)
            }
            if read == 0 { break }
            filled += read
        }
        bytes.removeLast(count - filled)
        return bytes
    }

    /// Reads `path` block by block. `consume` gets the unconsumed bytes so far and the file offset
    /// of the first; it returns how many it used (whole lines), and the rest is offered again
    /// with the next block. `atEnd` gets the count left unconsumed, its offset and the file's
    /// length. A missing file reads as empty.
    static func readBlocks(
        _ path: String,
        blockSize: Int = 8 << 20,
        _ consume: (ArraySlice<UInt8>, Int) throws(JournalError) -> Int,
        atEnd: (Int, Int, Int) -> Void
    ) throws(JournalError) {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT {
                atEnd(0, 0, 0)
                return
            }
            throw .system("Opening", path, errno)
        }
        defer { Glibc.close(fd) }
        var pending: [UInt8] = []
        var base = 0
        var total = 0
        var chunk = [UInt8](repeating: 0, count: blockSize)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system("Reading", path, errno)
            }
            if count == 0 { break }
            total += count
            pending.append(contentsOf: chunk[0..<count])
            let used = try consume(pending[...], base)
            pending.removeFirst(used)
            base += used
        }
        atEnd(pending.count, base, total)
    }

    static func rename(_ from: String, _ to: String) throws(JournalError) {
        guard Glibc.rename(from, to) == 0 else { throw .system("Renaming \(from) to", to, errno) }
    }

    /// A second name for the file at `from` (a hard link): the file lives on under `to` after
    /// `from` is replaced.
    static func link(_ from: String, _ to: String) throws(JournalError) {
        guard Glibc.link(from, to) == 0 else { throw .system("Linking \(from) to", to, errno) }
    }

    /// The file's length, or nil when it does not exist.
    static func size(_ path: String) throws(JournalError) -> Int? {
        var status = stat()
        guard stat(path, &status) == 0 else {
            if errno == ENOENT { return nil }
            throw .system("stat of", path, errno)
        }
        return Int(status.st_size)
    }

    /// The names in a directory (without `.` and `..`), unsorted; empty when it does not exist.
    package static func names(in directory: String) throws(JournalError) -> [String] {
        guard let stream = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw .system("Listing", directory, errno)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func truncate(_ path: String, to length: Int) throws(JournalError) {
        guard Glibc.truncate(path, off_t(length)) == 0 else { throw .system("Truncating", path, errno) }
    }

    /// The file's first line (without its newline), when the file exists and its first
    /// `limit` bytes hold a whole line.
    static func firstLine(_ path: String, limit: Int = 4096) throws(JournalError) -> [UInt8]? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .system("Opening", path, errno)
        }
        defer { Glibc.close(fd) }
        var bytes = [UInt8](repeating: 0, count: limit)
        var count = 0
        while count < limit {
            let read = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, limit - count) }
            if read < 0 {
                if errno == EINTR { continue }
                throw .system("Reading", path, errno)
            }
            if read == 0 { break }
            count += read
            if let newline = bytes[..<count].firstIndex(of: UInt8(ascii: "\n")) { return Array(bytes[..<newline]) }
        }
        return nil
    }

    /// Puts `bytes` at `path` atomically: written to `temporary`, fsync'd, renamed over `path`,
    /// and the directory fsync'd. On any failure the temporary file is removed and `path` is as
    /// it was.
    package static func replaceAtomically(
        _ path: String, with bytes: [UInt8], temporary: String, directory: String
    ) throws(JournalError) {
        let fd = try open(temporary, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try writeAll(fd, bytes, path: temporary)
            try syncData(fd, path: temporary)
        } catch {
            Glibc.close(fd)
            unlink(temporary)
            throw error
        }
        Glibc.close(fd)
        do {
            try rename(temporary, path)
        } catch {
            unlink(temporary)
            throw error
        }
        try syncDirectory(directory)
    }

    static func truncate(_ fd: Int32, to length: Int, path: String) throws(JournalError) {
        while ftruncate(fd, off_t(length)) != 0 {
            if errno != EINTR { throw .system("Truncating", path, errno) }
        }
    }

    static func makeDirectory(_ path: String) throws(JournalError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw .system("Creating directory", path, errno) }
    }
}

/// A pthread mutex with a condition variable, for the journal's writer thread to sleep on.
final class ConditionLock: @unchecked Sendable {
    // Unchecked: the pthread objects are only touched through lock/wait/signal, which synchronise.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits for a signal; call inside `withLock`.
    func wait() {
        pthread_cond_wait(condition, mutex)
    }

    /// Waits for a signal or until `milliseconds` have passed; call inside `withLock`.
    func wait(milliseconds: Int) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanoseconds = Int(now.tv_nsec) + (milliseconds % 1000) * 1_000_000
        var deadline = timespec(
            tv_sec: now.tv_sec + milliseconds / 1000 + nanoseconds / 1_000_000_000,
            tv_nsec: nanoseconds % 1_000_000_000)
        pthread_cond_timedwait(condition, mutex, &deadline)
    }

    func signal() {
        pthread_cond_signal(condition)
    }
}
