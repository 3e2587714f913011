import AlmedalenStore
import AlmedalenTesting
import Foundation
import Postgres
import PostgresTesting
import Testing

@Suite struct MigratorTests {
  @Test func secondRunAppliesNothing() throws {
    let database = try TestDatabase.create(prefix: "migrate")
    defer { try? database.drop() }
    let migrator = try Migrator(
      conninfo: database.conninfo, directory: SchemaDatabase.directory)
    let first = try migrator.migrate()
    #expect(first.count == migrator.migrations.count)
    #expect(!first.isEmpty)
    #expect(try migrator.migrate().isEmpty)
    let recorded: Int = try database.connect().query(
      "SELECT count(*)::int AS n FROM schema_migrations")[0].decode("n")
    #expect(recorded == migrator.migrations.count)
  }

  @Test func concurrentRunsApplyEachMigrationOnce() throws {
    let database = try TestDatabase.create(prefix: "migrate_race")
    defer { try? database.drop() }
    let migrator = try Migrator(
      conninfo: database.conninfo, directory: SchemaDatabase.directory)
    let outcomes = concurrently(4) { _ -> Result<Int, MigrationFailure> in
      do { return .success(try migrator.migrate().count) } catch {
        return .failure(MigrationFailure(description: "\(error)"))
      }
    }
    let counts = try outcomes.map { try $0.get() }
    // Exactly one run did the work; the others waited on the lock and found nothing to do.
    #expect(counts.sorted() == [0, 0, 0, migrator.migrations.count])
    let versions = try database.connect().query("SELECT version FROM schema_migrations ORDER BY 1")
      .map { try $0.decode("version", as: Int.self) }
    #expect(versions == migrator.migrations.map(\.version))
  }

  @Test func migrationEditedAfterApplyingIsRefused() throws {
    let database = try TestDatabase.create(prefix: "migrate_edit")
    defer { try? database.drop() }
    let original = Migration(version: 1, name: "one", sql: "CREATE TABLE one (x int)")
    try Migrator(conninfo: database.conninfo, migrations: [original]).migrate()
    let edited = Migration(version: 1, name: "one", sql: "CREATE TABLE one (x bigint)")
    #expect(throws: MigrationError.self) {
      try Migrator(conninfo: database.conninfo, migrations: [edited]).migrate()
    }
  }

  @Test func failingMigrationLeavesNothingBehind() throws {
    let database = try TestDatabase.create(prefix: "migrate_fail")
    defer { try? database.drop() }
    let good = Migration(version: 1, name: "good", sql: "CREATE TABLE good (x int)")
    let bad = Migration(
      version: 2, name: "bad", sql: "CREATE TABLE half (x int); SELECT * FROM no_such_table;")
    #expect(throws: PostgresError.self) {
      try Migrator(conninfo: database.conninfo, migrations: [good, bad]).migrate()
    }
    let connection = try database.connect()
    let tables = try connection.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
    ).map { try $0.decode("table_name", as: String.self) }
    #expect(tables == ["good", "schema_migrations"])
    let versions = try connection.query("SELECT version FROM schema_migrations").map {
      try $0.decode("version", as: Int.self)
    }
    #expect(versions == [1])
  }

  @Test func schemaDatabasesAreCopiesWithEveryMigrationAppliedAndNothingElse() throws {
    let migrations = try Migrator.load(SchemaDatabase.directory)
    let database = try SchemaDatabase.create(prefix: "migrate_copy")
    defer { try? database.drop() }
    #expect(database.name != SchemaDatabase.template.name)
    let versions = try database.connect().query("SELECT version FROM schema_migrations ORDER BY 1")
      .map { try $0.decode("version", as: Int.self) }
    #expect(versions == migrations.map(\.version))
    // Nothing pending, and no rows a test would trip over.
    #expect(try Migrator(conninfo: database.conninfo, migrations: migrations).migrate().isEmpty)
    let events: Int = try database.connect().query("SELECT count(*)::int AS n FROM events")[0]
      .decode("n")
    #expect(events == 0)
  }

  @Test func misnamedFilesAreRefused() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "schema-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try "SELECT 1".write(
      to: folder.appendingPathComponent("first.sql"), atomically: true, encoding: .utf8)
    #expect(throws: MigrationError.self) { try Migrator.load(folder) }
  }
}

struct MigrationFailure: Error, Sendable {
  let description: String
}
