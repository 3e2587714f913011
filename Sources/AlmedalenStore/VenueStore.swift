public import AlmedalenCore
public import Foundation
import Postgres

/// Venues in Visby, with coordinates for maps and walking times.
public struct VenueStore: Sendable {
  let pool: ConnectionPool

  static let columns =
    "id, version, name, address, description, latitude, longitude, capacity, accessibility::text[] AS accessibility"

  public func create(_ venue: Venue) throws -> Venue {
    try venue.validate()
    return try pool.transaction { connection in
      try Self.decode(
        connection.query(
          """
          INSERT INTO venues (id, name, address, description, latitude, longitude, capacity,
                              accessibility)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8::accessibility_feature[]) RETURNING
          """ + " " + Self.columns, [venue.id] + Self.fields(venue))[0])
    }
  }

  public func get(_ id: UUID) throws -> Venue {
    try pool.transaction { connection in
      guard
        let row = try connection.query(
          "SELECT " + Self.columns + " FROM venues WHERE id = $1", [id]
        )
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
        UPDATE venues SET name = $3, address = $4, description = $5, latitude = $6,
          longitude = $7, capacity = $8, accessibility = $9::accessibility_feature[],
          version = version + 1, updated_at = now()
        WHERE id = $1 AND version = $2 RETURNING
        """ + " " + Self.columns, [venue.id, expectedVersion] + Self.fields(venue))
      if let row = rows.first { return try Self.decode(row) }
      throw try StoreError.missingOrStale(
        "venue", venue.id, on: connection, "SELECT version FROM venues WHERE id = $1")
    }
  }

  /// Venues by name, a page at a time.
  public func list(query: String? = nil, limit: Int? = nil, cursor: String? = nil) throws -> Page<
    Venue
  > {
    try Cursor.byName(
      pool, select: "SELECT " + Self.columns + " FROM venues", query: query, limit: limit,
      cursor: cursor, decode: Self.decode, name: \.name, id: \.id)
  }

  /// Every venue with its coordinates, for conflict detection and maps.
  public func all() throws -> [Venue] {
    try pool.transaction { connection in
      try connection.query("SELECT " + Self.columns + " FROM venues ORDER BY name, id").map(
        Self.decode)
    }
  }

  private static func fields(_ venue: Venue) -> [any PostgresEncodable] {
    [
      venue.name, venue.address, venue.description, venue.coordinate?.latitude,
      venue.coordinate?.longitude, venue.capacity, venue.accessibility,
    ]
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
