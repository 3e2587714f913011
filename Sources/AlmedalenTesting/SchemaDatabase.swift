import AlmedalenStore
package import Foundation
package import PostgresTesting

/// Test databases that start with the whole schema, copied from a template migrated once.
package enum SchemaDatabase {
  /// `Schema/` of this checkout.
  package static let directory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Schema")

  /// Named by a hash of every migration's name and text, so an edited or added migration
  /// gets a template of its own instead of a copy of the old schema.
  package static let template: TestTemplate = {
    var bytes: [UInt8] = []
    let migrations = (try? Migrator.load(directory)) ?? []
    for migration in migrations {
      bytes += Array("\(migration.version)_\(migration.name)\u{0}\(migration.sql)\u{0}".utf8)
    }
    let hash = String(TestTemplate.fnv1a(bytes), radix: 16)
    return TestTemplate(name: "almedalen_schema_" + hash) { conninfo in
      _ = try Migrator(conninfo: conninfo, directory: SchemaDatabase.directory).migrate()
    }
  }()

  /// A new database with every migration applied.
  package static func create(prefix: String) throws -> TestDatabase {
    try TestDatabase.create(prefix: prefix, template: template)
  }
}
