/// A point on a monotonic clock, in nanoseconds from an arbitrary origin.
///
/// The connection state machine is handed instants and never reads a clock, so tests can move
/// time by hand; only the event loop reads the real one (`Socket.now()`).
package struct MonotonicInstant: Comparable, Hashable, Sendable {
  package var nanoseconds: UInt64

  package init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

  package static func < (a: MonotonicInstant, b: MonotonicInstant) -> Bool {
    a.nanoseconds < b.nanoseconds
  }

  /// Negative durations count as zero: a timeout never lies in the past.
  package static func + (instant: MonotonicInstant, duration: Duration) -> MonotonicInstant {
    let parts = duration.components
    let nanoseconds =
      UInt64(max(0, parts.seconds)) * 1_000_000_000
      + UInt64(max(0, parts.attoseconds) / 1_000_000_000)
    return MonotonicInstant(nanoseconds: instant.nanoseconds &+ nanoseconds)
  }

  /// Microseconds from `earlier` to here, for the access log; zero if `earlier` is later.
  package func microseconds(since earlier: MonotonicInstant) -> Int64 {
    nanoseconds > earlier.nanoseconds ? Int64((nanoseconds - earlier.nanoseconds) / 1000) : 0
  }
}
