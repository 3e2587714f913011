import AlmedalenCore
import Foundation
public import Postgres

/// The festival's repositories over one connection pool. Each operation runs in one
/// transaction.
public struct FestivalStore: Sendable {
  public let pool: ConnectionPool

  public init(pool: ConnectionPool) { self.pool = pool }

  public var editions: EditionStore { EditionStore(pool: pool) }
  public var organisers: OrganiserStore { OrganiserStore(pool: pool) }
  public var venues: VenueStore { VenueStore(pool: pool) }
  public var people: PersonStore { PersonStore(pool: pool) }
  public var events: EventStore { EventStore(pool: pool) }
  public var registrations: RegistrationStore { RegistrationStore(pool: pool) }
  public var tokens: TokenStore { TokenStore(pool: pool) }
  public var conflicts: ConflictStore { ConflictStore(pool: pool) }
  public var feeds: FeedStore { FeedStore(pool: pool) }
  public var outbox: OutboxStore { OutboxStore(pool: pool) }

  /// Whether the database answers (`SELECT 1`), for health checks.
  public func ping() -> Bool {
    (try? pool.withConnection { try $0.query("SELECT 1") }) != nil
  }
}

/// Keyset pagination over `(starts_at, id)` or `(name, id)`: the cursor is the last row's
/// key, so pages stay stable while rows are added.
enum Cursor {
  static func encode(_ parts: [String]) -> String {
    let raw = parts.joined(separator: "\u{1F}")
    return Data(raw.utf8).base64EncodedString()
      .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }

  static func decode(_ cursor: String, parts count: Int) throws -> [String] {
    var base64 = cursor.replacingOccurrences(of: "-", with: "+")
      .replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    guard cursor.count <= 512, let data = Data(base64Encoded: base64),
      let text = String(data: data, encoding: .utf8)
    else { throw StoreError.invalid("cursor", "is not a cursor this service gave out") }
    let parts = text.components(separatedBy: "\u{1F}")
    guard parts.count == count else {
      throw StoreError.invalid("cursor", "is not a cursor this service gave out")
    }
    return parts
  }

  /// A page of rows of `table` ordered by name, for organisers, venues and people; the filter
  /// and order are the same for all three.
  static func byName<T>(
    _ pool: ConnectionPool, _ table: Table, columns: PostgresQuery, query: String?, limit: Int?,
    cursor: String?, decode: (Row) throws -> T, name: (T) -> String, id: (T) -> UUID
  ) throws -> Page<T> {
    let limit = try Cursor.limit(limit)
    let after = try cursor.map { try Cursor.decode($0, parts: 2) }
    if let query, query.count > 200 {
      throw StoreError.invalid("q", "must be at most 200 characters")
    }
    return try pool.transaction { connection in
      var sql: PostgresQuery = "SELECT \(columns) FROM \(table) WHERE TRUE"
      if let query { sql += " AND name ILIKE \(Pattern.contains(query))" }
      if let after { sql += " AND (lower(name), id) > (\(after[0])::text, \(after[1])::uuid)" }
      sql += " ORDER BY lower(name), id LIMIT \(limit + 1)"
      let rows = try connection.query(sql)
      let items = try rows.prefix(limit).map(decode)
      let next =
        rows.count > limit
        ? items.last.map { Cursor.encode([name($0).lowercased(), id($0).uuidString]) } : nil
      return Page(items: items, nextCursor: next)
    }
  }

  /// Bounds a requested page size.
  static func limit(_ requested: Int?) throws -> Int {
    guard let requested else { return 50 }
    guard (1...500).contains(requested) else {
      throw StoreError.invalid("limit", "must be between 1 and 500")
    }
    return requested
  }
}
