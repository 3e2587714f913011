public import AlmedalenCore
public import Foundation
import Postgres

/// Venues in Visby, with coordinates for maps and walking times.
public struct VenueStore: Sendable {
  let pool: ConnectionPool

  static let columns: PostgresQuery = """
    id, version, name, address, description, latitude, longitude, capacity,
    accessibility::text[] AS accessibility
    """

  public func create(_ venue: Venue) throws -> Venue {
    try venue.validate()
    return try pool.transaction { connection in
      try Self.decode(
        connection.query(
          """
          INSERT INTO venues (id, \(Self.writtenColumns)) VALUES (\(venue.id), \(Self.written(venue)))
          RETURNING \(Self.columns)
          """)[0])
    }
  }

  public func get(_ id: UUID) throws -> Venue {
    try pool.transaction { connection in
      guard
        let row = try connection.query("SELECT \(Self.columns) FROM venues WHERE id = \(id)")
          .first
      else { throw StoreError.notFound(entity: "venue", id: id.uuidString) }
      return try Self.decode(row)
    }
  }

  /// Replaces the venue's fields if `expectedVersion` is still the stored version.
  public func update(_ venue: Venue, expectedVersion: Int) throws -> Venue {
    try venue.validate()
    return try pool.transaction { connection in
      let rows = try connection.query(
        """
        UPDATE venues SET (\(Self.writtenColumns)) = ROW(\(Self.written(venue))),
          version = version + 1, updated_at = now()
        WHERE id = \(venue.id) AND version = \(expectedVersion)
        RETURNING \(Self.columns)
        """)
      if let row = rows.first { return try Self.decode(row) }
      throw try StoreError.missingOrStale("venue", venue.id, in: .venues, on: connection)
    }
  }

  /// Venues by name, a page at a time.
  public func list(query: String? = nil, limit: Int? = nil, cursor: String? = nil) throws -> Page<
    Venue
  > {
    try Cursor.byName(
      pool, .venues, columns: Self.columns, query: query, limit: limit, cursor: cursor,
      decode: Self.decode, id: \.id)
  }

  /// Every venue with its coordinates, for conflict detection and maps.
  public func all() throws -> [Venue] {
    try pool.transaction { connection in
      try connection.query("SELECT \(Self.columns) FROM venues ORDER BY name, id").map(Self.decode)
    }
  }

  /// The columns a venue's editor writes, in the order of `written(_:)`.
  private static let writtenColumns: PostgresQuery =
    "name, address, description, latitude, longitude, capacity, accessibility"

  /// The values of `writtenColumns`, for insert and update.
  private static func written(_ venue: Venue) -> PostgresQuery {
    """
    \(venue.name), \(venue.address), \(venue.description), \(venue.coordinate?.latitude),
    \(venue.coordinate?.longitude), \(venue.capacity), \(venue.accessibility)::accessibility_feature[]
    """
  }

  static func decode(_ row: Row) throws -> Venue {
    let latitude: Double? = try row.decode("latitude")
    let longitude: Double? = try row.decode("longitude")
    var venue = Venue(
      id: try row.decode("id"), name: try row.decode("name"), address: try row.decode("address"),
      description: try row.decode("description"),
      coordinate: latitude.flatMap { lat in
        longitude.map { Coordinate(latitude: lat, longitude: $0) }
      },
      capacity: try row.decode("capacity"), accessibility: try row.decode("accessibility"))
    venue.version = try row.decode("version")
    return venue
  }
}
