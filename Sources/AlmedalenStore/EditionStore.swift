public import AlmedalenCore
public import Foundation
import Postgres

/// Festival editions.
public struct EditionStore: Sendable {
  let pool: ConnectionPool

  static let columns: PostgresQuery = "id, year, name, first_day, last_day, cutoff_at"

  public func create(_ edition: Edition) throws -> Edition {
    try edition.validate()
    return try pool.transaction { connection in
      do {
        return try Self.decode(
          connection.query(
            """
            INSERT INTO editions (id, year, name, first_day, last_day, cutoff_at)
            VALUES (\(edition.id), \(edition.year), \(edition.name), \(edition.firstDay),
                    \(edition.lastDay), \(edition.cutoffAt))
            RETURNING \(Self.columns)
            """)[0])
      } catch let error as PostgresError where error.isUniqueViolation {
        throw StoreError.duplicate(field: "year")
      }
    }
  }

  public func get(_ id: UUID) throws -> Edition {
    try pool.transaction { connection in
      let rows = try connection.query("SELECT \(Self.columns) FROM editions WHERE id = \(id)")
      guard let row = rows.first else {
        throw StoreError.notFound(entity: "edition", id: id.uuidString)
      }
      return try Self.decode(row)
    }
  }

  /// The edition of a year, if there is one.
  public func find(year: Int) throws -> Edition? {
    try pool.transaction { connection in
      try connection.query("SELECT \(Self.columns) FROM editions WHERE year = \(year)").first.map(
        Self.decode)
    }
  }

  /// The edition whose days hold an instant (in Visby).
  public func containing(_ date: Date) throws -> Edition? {
    try pool.transaction { try Self.containing(date, on: $0) }
  }

  static func containing(_ date: Date, on connection: Connection) throws -> Edition? {
    try connection.query(
      """
      SELECT \(columns) FROM editions
      WHERE (\(date)::timestamptz AT TIME ZONE time_zone)::date BETWEEN first_day AND last_day
      """
    ).first.map(decode)
  }

  public func list() throws -> [Edition] {
    try pool.transaction { connection in
      try connection.query("SELECT \(Self.columns) FROM editions ORDER BY year").map(Self.decode)
    }
  }

  static func decode(_ row: Row) throws -> Edition {
    Edition(
      id: try row.decode("id"), year: try row.decode("year"), name: try row.decode("name"),
      firstDay: try row.decode("first_day"), lastDay: try row.decode("last_day"),
      cutoffAt: try row.decode("cutoff_at"))
  }

  /// Sets (or, with nil, clears) the edition's cut-off: after it, its published events can
  /// only be cancelled, never deleted.
  public func setCutoff(_ id: UUID, at cutoff: Date?) throws -> Edition {
    try pool.transaction { connection in
      guard
        let row = try connection.query(
          "UPDATE editions SET cutoff_at = \(cutoff) WHERE id = \(id) RETURNING \(Self.columns)"
        ).first
      else { throw StoreError.notFound(entity: "edition", id: id.uuidString) }
      return try Self.decode(row)
    }
  }
}
