public import Foundation
import Postgres

/// One numbered file of `Schema/`: `001_programme.sql`.
public struct Migration: Sendable, Hashable {
  public let version: Int
  public let name: String
  public let sql: String

  public init(version: Int, name: String, sql: String) {
    self.version = version
    self.name = name
    self.sql = sql
  }
}

/// Applies `Schema/` migrations in order, each once, each in its own transaction, recorded in
/// `schema_migrations`. An advisory lock makes concurrent runs wait for each other instead of
/// colliding; a migration edited after it was applied is refused.
public struct Migrator: Sendable {
  /// Arbitrary but fixed: "almedalen" in ASCII, folded into 63 bits.
  static let lockKey: Int64 = 0x616c_6d65_6461_6c65
  public let conninfo: String
  public let migrations: [Migration]

  public init(conninfo: String, directory: URL) throws {
    self.conninfo = conninfo
    self.migrations = try Self.load(directory)
  }

  public init(conninfo: String, migrations: [Migration]) {
    self.conninfo = conninfo
    self.migrations = migrations.sorted { $0.version < $1.version }
  }

  /// Reads `NNN_name.sql` files; refuses gaps in naming and repeated numbers.
  public static func load(_ directory: URL) throws -> [Migration] {
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
      .filter { $0.hasSuffix(".sql") }.sorted()
    var seen = Set<Int>()
    return try names.map { file in
      let stem = file.dropLast(4)
      guard let underscore = stem.firstIndex(of: "_"),
        let version = Int(stem[..<underscore]), version > 0
      else { throw MigrationError("\(file): expected a name like 001_name.sql") }
      guard seen.insert(version).inserted else {
        throw MigrationError("\(file): migration \(version) appears twice")
      }
      let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
      return Migration(
        version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql)
    }
  }

  /// Finds `Schema/`: `ALMEDALEN_SCHEMA_DIR`, else `Schema` in the working directory or in
  /// any folder above the executable (a build under `.build/` lies inside the checkout).
  public static func locateSchemaDirectory() -> URL? {
    let fileManager = FileManager.default
    if let explicit = ProcessInfo.processInfo.environment["ALMEDALEN_SCHEMA_DIR"] {
      return URL(fileURLWithPath: explicit)
    }
    var candidates = [URL(fileURLWithPath: fileManager.currentDirectoryPath)]
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
      .deletingLastPathComponent()
    while folder.path != "/" {
      candidates.append(folder)
      folder = folder.deletingLastPathComponent()
    }
    for candidate in candidates {
      let schema = candidate.appendingPathComponent("Schema")
      var isDirectory: ObjCBool = false
      if fileManager.fileExists(atPath: schema.path, isDirectory: &isDirectory),
        isDirectory.boolValue
      {
        return schema
      }
    }
    return nil
  }

  /// Applies what is pending; returns the migrations applied by this call.
  @discardableResult
  public func migrate(log: (String) -> Void = { _ in }) throws -> [Migration] {
    let connection = try Connection(conninfo)
    try connection.query("SELECT pg_advisory_lock($1)", [Self.lockKey])
    defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [Self.lockKey]) }
    try connection.executeScript(
      """
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version     integer PRIMARY KEY,
        name        text NOT NULL,
        checksum    text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )
      """)
    var applied: [Int: String] = [:]
    for row in try connection.query("SELECT version, checksum FROM schema_migrations") {
      applied[try row.decode("version")] = try row.decode("checksum", as: String.self)
    }
    var done: [Migration] = []
    for migration in migrations {
      let checksum: String = try connection.query(
        "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex') AS sum", [migration.sql]
      )[0].decode("sum")
      if let recorded = applied[migration.version] {
        if recorded != checksum {
          throw MigrationError(
            "migration \(migration.version) (\(migration.name)) was changed after it was applied")
        }
        continue
      }
      log("applying \(migration.version)_\(migration.name)")
      try connection.withTransaction { connection in
        try connection.executeScript(migration.sql)
        try connection.execute(
          "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
          [migration.version, migration.name, checksum])
      }
      done.append(migration)
    }
    return done
  }
}

/// A migration could not be loaded or applied.
public struct MigrationError: Error, CustomStringConvertible, Sendable {
  public let description: String
  init(_ description: String) { self.description = description }
}
