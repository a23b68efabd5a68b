import Glibc

/// Why a data directory could not be opened or written.
public struct JournalError: Error, CustomStringConvertible, Sendable {
    /// What went wrong with a line or file.
    public enum Reason: Error, Sendable, Equatable {
        case checksum
        case syntax(String)
    }

    /// A human sentence naming the file and, where it applies, the byte offset.
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    static func system(_ what: String, _ path: String, _ code: Int32) -> JournalError {
        JournalError("\(what) \(path) failed: \(String(cString: strerror(code))) (errno \(code)).")
    }
}

extension JournalError.Reason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .checksum: return "its checksum does not match"
        case .syntax(let problem): return problem
        }
    }
}
