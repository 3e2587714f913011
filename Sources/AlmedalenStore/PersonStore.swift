public import AlmedalenCore
public import Foundation
import Postgres

/// The registry of people shared by all organisers.
public struct PersonStore: Sendable {
  let pool: ConnectionPool

  static let columns: PostgresQuery = "id, version, name, title, organisation, party"

  public func create(_ person: Person) throws -> Person {
    try person.validate()
    return try pool.transaction { connection in
      try Self.decode(
        connection.query(
          """
          INSERT INTO people (id, name, title, organisation, party)
          VALUES (\(person.id), \(person.name), \(person.title), \(person.organisation),
                  \(person.party))
          RETURNING \(Self.columns)
          """)[0])
    }
  }

  public func get(_ id: UUID) throws -> Person {
    try pool.transaction { connection in
      guard
        let row = try connection.query("SELECT \(Self.columns) FROM people WHERE id = \(id)")
          .first
      else { throw StoreError.notFound(entity: "person", id: id.uuidString) }
      return try Self.decode(row)
    }
  }

  /// The person as the public may see them (their page, their calendar, the programme
  /// filtered by them): only once they appear in a published or cancelled event. Someone who
  /// is only in drafts, or in nothing, is not found, as if absent.
  public func publicPerson(_ id: UUID) throws -> Person {
    try pool.transaction(.init(isolation: .repeatableRead)) { connection in
      guard
        let row = try connection.query(
          """
          SELECT \(Self.columns) FROM people
          WHERE id = \(id) AND EXISTS (
            SELECT 1 FROM participations pa JOIN events e ON e.id = pa.event_id
            WHERE pa.person_id = people.id AND e.is_public)
          """
        ).first
      else { throw StoreError.notFound(entity: "person", id: id.uuidString) }
      return try Self.decode(row)
    }
  }

  /// Replaces the person's defaults if `expectedVersion` is still the stored version.
  public func update(_ person: Person, expectedVersion: Int) throws -> Person {
    try person.validate()
    return try pool.transaction { connection in
      let rows = try connection.query(
        """
        UPDATE people SET name = \(person.name), title = \(person.title),
          organisation = \(person.organisation), party = \(person.party),
          version = version + 1, updated_at = now()
        WHERE id = \(person.id) AND version = \(expectedVersion)
        RETURNING \(Self.columns)
        """)
      if let row = rows.first { return try Self.decode(row) }
      throw try StoreError.missingOrStale("person", person.id, in: .people, on: connection)
    }
  }

  /// People by name, a page at a time; `query` matches part of the name.
  public func list(query: String? = nil, limit: Int? = nil, cursor: String? = nil) throws -> Page<
    Person
  > {
    try Cursor.byName(
      pool, .people, columns: Self.columns, query: query, limit: limit, cursor: cursor,
      decode: Self.decode, id: \.id)
  }

  static func decode(_ row: Row) throws -> Person {
    var person = Person(
      id: try row.decode("id"), name: try row.decode("name"), title: try row.decode("title"),
      organisation: try row.decode("organisation"), party: try row.decode("party"))
    person.version = try row.decode("version")
    return person
  }
}
