import Glibc

/// A failed system call, with the errno captured at the call site.
public struct SocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call that failed, e.g. `bind`.
    public var operation: String
    /// errno right after the call.
    public var code: Int32

    /// Creates an error from an operation and an errno value.
    public init(_ operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }

    /// Captures the current errno for `operation`; call immediately after the failing syscall.
    static func last(_ operation: String) -> SocketError {
        SocketError(operation, code: errno)
    }

    /// `bind: Address already in use (errno 98)`.
    public var description: String {
        "\(operation): \(String(decoding: UnsafeRawBufferPointer(start: strerror(code), count: strlen(strerror(code))), as: UTF8.self)) (errno \(code))"
    }
}
