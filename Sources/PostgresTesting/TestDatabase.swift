import Foundation
package import Postgres

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A fresh, empty database on the PostgreSQL server that `scripts/test` starts, for one test.
///
/// `scripts/test` exports `DATABASE_URL` (a superuser connection to database `postgres`, as a
/// libpq URI or key=value conninfo). Without it every call here throws: tests never skip
/// silently because the server is missing.
///
/// ```swift
/// let database = try TestDatabase.create(prefix: "pool")
/// defer { try? database.drop() }
/// let connection = try database.connect()
/// ```
package struct TestDatabase: Sendable {
  /// The database's name: the prefix, an underscore and a random suffix, all lowercase.
  package let name: String
  /// A conninfo (or URI) for the new database, with everything else from `DATABASE_URL`.
  package let conninfo: String

  /// Creates an empty database with a unique name on the test server.
  package static func create(prefix: String = "test") throws -> TestDatabase {
    try create(prefix: prefix, clause: "")
  }

  /// Creates a database with a unique name as a copy of `template`, building the template
  /// first if no one has yet.
  package static func create(prefix: String = "test", template: TestTemplate) throws
    -> TestDatabase
  {
    try template.ensure()
    return try create(
      prefix: prefix, clause: " TEMPLATE \(Connection.quoteIdentifier(template.name))")
  }

  private static func create(prefix: String, clause: String) throws -> TestDatabase {
    let admin = try adminConninfo()
    let name = uniqueName(prefix: prefix)
    let connection = try Connection(admin)
    try connection.executeScript("CREATE DATABASE \(Connection.quoteIdentifier(name))" + clause)
    return TestDatabase(name: name, conninfo: conninfo(admin, replacingDatabaseWith: name))
  }

  /// Opens a new connection to this database.
  package func connect() throws -> Connection {
    try Connection(conninfo)
  }

  /// Drops the database, closing any connections still open to it.
  package func drop() throws {
    let connection = try Connection(try Self.adminConninfo())
    try connection.executeScript(
      "DROP DATABASE IF EXISTS \(Connection.quoteIdentifier(name)) WITH (FORCE)")
  }

  /// `DATABASE_URL`: a superuser connection to database `postgres` on the test server.
  package static func adminConninfo() throws -> String {
    guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
      throw TestDatabaseError(
        "DATABASE_URL is not set: run the tests with scripts/test, which starts PostgreSQL")
    }
    return url
  }

  /// Restarts the test server (fast shutdown, then start) by running the executable named in
  /// `ALMEDALEN_TEST_PG_RESTART`, and returns once it exits, that is once the server accepts
  /// connections again. Throws if the variable is unset or the script fails.
  ///
  /// Every connection to the server breaks, including those of other tests running at the
  /// same time in this process.
  ///
  /// This spawns and waits with `posix_spawn`/`waitpid` rather than `Foundation.Process`: on
  /// Linux, `Process` learns of the exit through a socket that the child inherits, and the
  /// restarted postmaster (a grandchild that stays running) inherits it too, so
  /// `waitUntilExit()` would never return. For the same reason the child gets no descriptor
  /// of ours beyond stdin (/dev/null), stdout and stderr.
  package static func restartServer() throws {
    guard let path = ProcessInfo.processInfo.environment["ALMEDALEN_TEST_PG_RESTART"],
      !path.isEmpty
    else {
      throw TestDatabaseError(
        "ALMEDALEN_TEST_PG_RESTART is not set: run the tests with scripts/test, which starts "
          + "PostgreSQL and names the script that restarts it")
    }
    let status = try runAndWait(path)
    guard status == 0 else {
      throw TestDatabaseError("\(path) failed to restart PostgreSQL (wait status \(status))")
    }
  }

  /// Runs the executable at `path` without arguments and returns its raw wait status.
  private static func runAndWait(_ path: String) throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    #if canImport(Darwin)
      // Every descriptor not named in `actions` (0, 1, 2 are inherited) is closed.
      posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_CLOEXEC_DEFAULT))
      for descriptor: Int32 in [1, 2] {
        posix_spawn_file_actions_adddup2(&actions, descriptor, descriptor)
      }
    #else
      closeInheritedDescriptors(&actions)
    #endif
    var pid = pid_t()
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup(path), nil]
    let environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") }
    let envp = environment + [nil]
    defer { for pointer in argv + envp { free(pointer) } }
    let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
    guard spawned == 0 else {
      throw TestDatabaseError(
        "cannot run \(path) to restart PostgreSQL: \(String(cString: strerror(spawned)))")
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 {
      guard errno == EINTR else {
        throw TestDatabaseError("waiting for \(path) failed: \(String(cString: strerror(errno)))")
      }
    }
    return status
  }

  #if !canImport(Darwin)
    /// Adds a close action for every descriptor from 3 up: with glibc's
    /// `posix_spawn_file_actions_addclosefrom_np` (2.34+, looked up at run time because Swift
    /// does not import it), else one by one from /proc/self/fd.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
      typealias CloseFrom =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32)
        -> Int32
      if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
        let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
        if closeFrom(&actions, 3) == 0 { return }
      }
      let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
      for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
        posix_spawn_file_actions_addclose(&actions, descriptor)
      }
    }
  #endif

  /// `prefix` reduced to lowercase letters, digits and underscores, plus a random suffix;
  /// short enough for PostgreSQL's 63-byte identifiers.
  static func uniqueName(prefix: String) -> String {
    let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_")
    var base = String(prefix.lowercased().filter { allowed.contains($0) }.prefix(40))
    if base.isEmpty { base = "test" }
    let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
    return base + "_" + String(repeating: "0", count: 16 - suffix.count) + suffix
  }

  /// `conninfo` with its database replaced by `name`: in a `postgresql://` URI the path is
  /// rewritten; a key=value conninfo gets ` dbname=name` appended (libpq takes the last).
  /// `name` must need no quoting or percent-encoding (see `uniqueName`).
  package static func conninfo(_ conninfo: String, replacingDatabaseWith name: String) -> String {
    let text = conninfo.trimmingCharacters(in: .whitespaces)
    guard let scheme = ["postgresql://", "postgres://"].first(where: { text.hasPrefix($0) })
    else {
      return "\(text) dbname=\(name)"
    }
    let afterScheme = text.index(text.startIndex, offsetBy: scheme.count)
    // The authority (user, password, hosts, ports) runs to the first '/', '?' or '#'.
    let authorityEnd = text[afterScheme...].firstIndex { "/?#".contains($0) } ?? text.endIndex
    // The path, if any, runs from that '/' to the query or fragment.
    var pathEnd = authorityEnd
    if authorityEnd < text.endIndex, text[authorityEnd] == "/" {
      pathEnd = text[authorityEnd...].firstIndex { "?#".contains($0) } ?? text.endIndex
    }
    return String(text[..<authorityEnd]) + "/" + name + String(text[pathEnd...])
  }
}

/// Why the test database helper could not do its job.
package struct TestDatabaseError: Error, Sendable, CustomStringConvertible {
  package let description: String
  package init(_ description: String) { self.description = description }
}
