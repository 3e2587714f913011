import Foundation
import Postgres
import PostgresTesting
import Testing

/// Every test here that talks to the server runs inside this suite, one at a time: one of
/// them restarts PostgreSQL, which would break whatever else was running at that moment.
/// Pure tests (timestamps, conninfo rewriting) live outside it and run in parallel.
@Suite(.serialized) struct ServerTests {}

/// Runs `body` with a fresh database and drops it afterwards, even when `body` throws.
func withTestDatabase<T>(
  _ prefix: String, _ body: (TestDatabase) throws -> T
) throws -> T {
  let database = try TestDatabase.create(prefix: prefix)
  defer {
    do { try database.drop() } catch { Issue.record("could not drop \(database.name): \(error)") }
  }
  return try body(database)
}

/// Runs `body` with a connection to a fresh database.
func withTestConnection<T>(_ prefix: String, _ body: (Connection) throws -> T) throws -> T {
  try withTestDatabase(prefix) { database in try body(try database.connect()) }
}

/// A value shared between threads, guarded by a lock.
final class Locked<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var value: Value
  init(_ value: Value) { self.value = value }
  func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
    lock.lock()
    defer { lock.unlock() }
    return try body(&value)
  }
  var current: Value { withLock { $0 } }
}

/// Runs `body(index)` on `count` real threads at once and waits for all of them.
///
/// The client's API blocks, and `DispatchQueue.concurrentPerform` runs only as many
/// iterations at once as there are cores, so tests that need real contention use threads.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
  _ = concurrently(count, body)
}

/// Seconds elapsed since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
  let elapsed = ContinuousClock.now - start
  return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// A small deterministic generator (SplitMix64), so random tests can be replayed.
struct SeededGenerator: RandomNumberGenerator {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// `conninfo` with one more parameter: as `key=value` for a key=value conninfo, as a query
/// parameter for a URI. `value` must need no quoting or encoding.
func appendingParameter(_ conninfo: String, _ key: String, _ value: String) -> String {
  let text = conninfo.trimmingCharacters(in: .whitespaces)
  guard text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") else {
    return "\(text) \(key)=\(value)"
  }
  return text + (text.contains("?") ? "&" : "?") + "\(key)=\(value)"
}
