public import AlmedalenCore
public import Foundation
import Postgres

/// Organisers: parties, agencies, unions, companies, NGOs.
public struct OrganiserStore: Sendable {
  let pool: ConnectionPool

  static let columns: PostgresQuery = "id, version, name, contact_email, website"

  public func create(_ organiser: Organiser) throws -> Organiser {
    try organiser.validate()
    return try pool.transaction { connection in
      try Self.decode(
        connection.query(
          """
          INSERT INTO organisers (id, name, contact_email, website)
          VALUES (\(organiser.id), \(organiser.name), \(organiser.contactEmail),
                  \(organiser.website))
          RETURNING \(Self.columns)
          """)[0])
    }
  }

  public func get(_ id: UUID) throws -> Organiser {
    try pool.transaction { connection in
      guard
        let row = try connection.query(
          "SELECT \(Self.columns) FROM organisers WHERE id = \(id)"
        ).first
      else { throw StoreError.notFound(entity: "organiser", id: id.uuidString) }
      return try Self.decode(row)
    }
  }

  /// Replaces name, email and website if `expectedVersion` is still the stored version.
  public func update(_ organiser: Organiser, expectedVersion: Int) throws -> Organiser {
    try organiser.validate()
    return try pool.transaction { connection in
      let rows = try connection.query(
        """
        UPDATE organisers SET name = \(organiser.name), contact_email = \(organiser.contactEmail),
          website = \(organiser.website), version = version + 1, updated_at = now()
        WHERE id = \(organiser.id) AND version = \(expectedVersion)
        RETURNING \(Self.columns)
        """)
      if let row = rows.first { return try Self.decode(row) }
      throw try StoreError.missingOrStale(
        "organiser", organiser.id, in: .organisers, on: connection)
    }
  }

  /// Every organiser by name, with how many members and events (of any status) it has, for
  /// the programme office.
  public func summaries() throws -> [(organiser: Organiser, members: Int, events: Int)] {
    try pool.transaction { connection in
      try connection.query(
        """
        SELECT \(Self.columns),
          (SELECT count(*) FROM memberships m WHERE m.organiser_id = o.id)::int AS members,
          (SELECT count(*) FROM events e WHERE e.organiser_id = o.id)::int AS events
        FROM organisers o ORDER BY lower(o.name), o.id
        """
      ).map { row in
        (try Self.decode(row), try row.decode("members"), try row.decode("events"))
      }
    }
  }

  /// Organisers by name, a page at a time; `query` matches part of the name.
  public func list(query: String? = nil, limit: Int? = nil, cursor: String? = nil) throws -> Page<
    Organiser
  > {
    try Cursor.byName(
      pool, .organisers, columns: Self.columns, query: query, limit: limit, cursor: cursor,
      decode: Self.decode, id: \.id)
  }

  static func decode(_ row: Row) throws -> Organiser {
    var organiser = Organiser(
      id: try row.decode("id"), name: try row.decode("name"),
      contactEmail: try row.decode("contact_email"), website: try row.decode("website"))
    organiser.version = try row.decode("version")
    return organiser
  }
}

/// `ILIKE` patterns with the user's `%`, `_` and `\` taken literally.
enum Pattern {
  static func contains(_ text: String) -> String {
    var escaped = ""
    for character in text {
      if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
      escaped.append(character)
    }
    return "%" + escaped + "%"
  }
}

extension StoreError {
  /// After an update matched no row: not found, or found with another version.
  static func missingOrStale(
    _ entity: String, _ id: UUID, in table: Table, on connection: Connection
  ) throws -> StoreError {
    guard let row = try connection.query("SELECT version FROM \(table) WHERE id = \(id)").first
    else {
      return .notFound(entity: entity, id: id.uuidString)
    }
    return .staleVersion(current: try row.decode("version"))
  }
}
