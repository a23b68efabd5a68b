import Glibc

/// A point on the monotonic clock, in nanoseconds. Cheap to read (vDSO), immune to wall-clock steps.
package struct MonotonicInstant: Comparable, Hashable, Sendable {
    /// Nanoseconds since an arbitrary origin.
    package var nanoseconds: UInt64

    /// Creates an instant from nanoseconds.
    package init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    /// Now.
    package static func now() -> MonotonicInstant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return MonotonicInstant(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    /// The instant `duration` later.
    package static func + (lhs: MonotonicInstant, rhs: Duration) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: lhs.nanoseconds &+ rhs.nanoseconds)
    }

    /// Whether more than `duration` has passed since `start`.
    package func hasPassed(_ duration: Duration, since start: MonotonicInstant) -> Bool {
        nanoseconds > start.nanoseconds &+ duration.nanoseconds
    }

    /// Comparison by nanoseconds.
    package static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating; limits are never that long).
    package var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
    }

    /// The duration in milliseconds, as a Double, for logs.
    package var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
