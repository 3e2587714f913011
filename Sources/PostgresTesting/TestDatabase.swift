import Foundation
public import Postgres

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
public struct TestDatabase: Sendable {
  /// The database's name: the prefix, an underscore and a random suffix, all lowercase.
  public let name: String
  /// A conninfo (or URI) for the new database, with everything else from `DATABASE_URL`.
  public let conninfo: String

  /// Creates a database with a unique name on the test server.
  public static func create(prefix: String = "test") throws -> TestDatabase {
    let admin = try adminConninfo()
    let name = uniqueName(prefix: prefix)
    let connection = try Connection(admin)
    try connection.executeScript("CREATE DATABASE \(Connection.quoteIdentifier(name))")
    return TestDatabase(name: name, conninfo: conninfo(admin, replacingDatabaseWith: name))
  }

  /// Opens a new connection to this database.
  public func connect() throws -> Connection {
    try Connection(conninfo)
  }

  /// Drops the database, closing any connections still open to it.
  public func drop() throws {
    let connection = try Connection(try Self.adminConninfo())
    try connection.executeScript(
      "DROP DATABASE IF EXISTS \(Connection.quoteIdentifier(name)) WITH (FORCE)")
  }

  /// `DATABASE_URL`: a superuser connection to database `postgres` on the test server.
  public static func adminConninfo() throws -> String {
    guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
      throw TestDatabaseError(
        "DATABASE_URL is not set: run the tests with scripts/test, which starts PostgreSQL")
    }
    return url
  }

  /// Restarts the test server (fast shutdown, then start) by running the executable named in
  /// `ALMEDALEN_TEST_PG_RESTART`, and returns once it accepts connections again.
  ///
  /// Every connection to the server breaks, including those of other tests running at the
  /// same time in this process.
  public static func restartServer() throws {
    guard let path = ProcessInfo.processInfo.environment["ALMEDALEN_TEST_PG_RESTART"],
      !path.isEmpty
    else {
      throw TestDatabaseError(
        "ALMEDALEN_TEST_PG_RESTART is not set: run the tests with scripts/test, which starts "
          + "PostgreSQL and names the script that restarts it")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.standardInput = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      throw TestDatabaseError("cannot run \(path) to restart PostgreSQL: \(error)")
    }
    process.waitUntilExit()
    guard process.terminationReason == .exit, process.terminationStatus == 0 else {
      throw TestDatabaseError(
        "\(path) failed to restart PostgreSQL (status \(process.terminationStatus))")
    }
  }

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
  public static func conninfo(_ conninfo: String, replacingDatabaseWith name: String) -> String {
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
public struct TestDatabaseError: Error, Sendable, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}
