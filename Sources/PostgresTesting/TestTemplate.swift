import Foundation
import Postgres

/// A database prepared once (migrated, say) that test databases are copied from with
/// `CREATE DATABASE … TEMPLATE`, which costs a file copy instead of replaying every migration.
///
/// The name should change whenever what `prepare` builds changes (name it by a hash of the
/// migrations), so a cluster that outlives an edit never hands out a stale copy. Within a
/// process the first caller builds it and the others wait; across processes sharing a server
/// an advisory lock keyed by the name does the same.
package final class TestTemplate: Sendable {
  package let name: String
  private let prepare: @Sendable (_ conninfo: String) throws -> Void
  private let state = BuildFlag()

  package init(name: String, prepare: @escaping @Sendable (_ conninfo: String) throws -> Void) {
    self.name = name
    self.prepare = prepare
  }

  /// Builds the template unless this process or another already did.
  package func ensure() throws {
    try state.withLock { ready in
      guard !ready else { return }
      try build()
      ready = true
    }
  }

  private func build() throws {
    let admin = try Connection(try TestDatabase.adminConninfo())
    let key = Int64(bitPattern: Self.fnv1a(Array(name.utf8)))
    try admin.query("SELECT pg_advisory_lock($1)", [key])
    defer { _ = try? admin.query("SELECT pg_advisory_unlock($1)", [key]) }
    // Finished means frozen: a template still accepting connections was left half-built by a
    // process that died, and is built again.
    let finished = try admin.query(
      "SELECT 1 AS one FROM pg_database WHERE datname = $1 AND datistemplate AND NOT datallowconn",
      [name])
    guard finished.isEmpty else { return }
    let quoted = Connection.quoteIdentifier(name)
    try admin.executeScript("DROP DATABASE IF EXISTS \(quoted) WITH (FORCE)")
    try admin.executeScript("CREATE DATABASE \(quoted)")
    do {
      try prepare(
        TestDatabase.conninfo(try TestDatabase.adminConninfo(), replacingDatabaseWith: name))
      // No connections from now on: PostgreSQL refuses to copy a database someone is in.
      try admin.executeScript(
        "ALTER DATABASE \(quoted) WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
    } catch {
      _ = try? admin.executeScript("DROP DATABASE IF EXISTS \(quoted) WITH (FORCE)")
      throw error
    }
  }

  /// FNV-1a, 64 bits: a stable hash for names and lock keys (Swift's `Hasher` is seeded per
  /// process, so two processes would disagree).
  package static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash ^= UInt64(byte)
      hash &*= 0x0000_0100_0000_01b3
    }
    return hash
  }
}

/// A flag behind a lock, held while the template is built so that concurrent tests wait for
/// it rather than race to build it too.
private final class BuildFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var ready = false

  func withLock(_ body: (inout Bool) throws -> Void) rethrows {
    lock.lock()
    defer { lock.unlock() }
    try body(&ready)
  }
}
