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
  public var coOrganisers: CoOrganiserStore { CoOrganiserStore(pool: pool) }
  public var accounts: AccountStore { AccountStore(pool: pool) }
  public var sessions: SessionStore { SessionStore(pool: pool) }

  /// Whether the database answers (`SELECT 1`), for health checks.
  public func ping() -> Bool {
    (try? pool.withConnection { try $0.query("SELECT 1") }) != nil
  }
}

/// Keyset pagination over `(starts_at, id)` or `(name, id)`: the cursor is the last row's
/// key, so pages stay stable while rows are added.
///
/// A cursor is decoded here, in one place, before any SQL: unpadded base64url of the list's
/// name and the key's parts, separated by U+001F. Anything else (another list's cursor, a
/// part that is not a canonical number or id, a time PostgreSQL cannot hold, bytes that are
/// not the canonical encoding) was not given out by this service and is refused as invalid
/// `cursor` (422), never passed on to the database.
enum Cursor {
  /// Where a list's key stands: its sort name (as PostgreSQL's `lower(name)` wrote it) or
  /// start, and the id that breaks ties.
  struct ByName: Equatable {
    let name: String
    let id: UUID
  }

  struct ByStart: Equatable {
    /// Microseconds since 1970.
    let microseconds: Int64
    let id: UUID
  }

  /// Starts from 0001-01-01 to 9999-12-31 in microseconds since 1970: the range of the
  /// timestamps a cursor may name (PostgreSQL's is wider, Swift's `Date` to the database
  /// narrower at the far ends).
  static let starts: ClosedRange<Int64> = -62_135_596_800_000_000...253_402_300_799_999_999

  static let refused = StoreError.invalid("cursor", "is not a cursor this service gave out")

  static func encode(_ list: String, _ parts: [String]) -> String {
    let raw = ([list] + parts).joined(separator: "\u{1F}")
    return Data(raw.utf8).base64EncodedString()
      .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }

  static func encode(_ list: Table, _ key: ByName) -> String {
    encode(list.rawValue, [key.name, key.id.uuidString])
  }

  static func encode(_ list: Table, _ key: ByStart) -> String {
    encode(list.rawValue, [String(key.microseconds), key.id.uuidString])
  }

  static func byName(_ cursor: String, list: Table) throws -> ByName {
    let parts = try decode(cursor, list: list.rawValue, parts: 2)
    guard let id = canonicalID(parts[1]) else { throw refused }
    return ByName(name: parts[0], id: id)
  }

  static func byStart(_ cursor: String, list: Table) throws -> ByStart {
    let parts = try decode(cursor, list: list.rawValue, parts: 2)
    guard let microseconds = Int64(parts[0]), String(microseconds) == parts[0],
      starts.contains(microseconds), let id = canonicalID(parts[1])
    else { throw refused }
    return ByStart(microseconds: microseconds, id: id)
  }

  /// The parts after the list's name, when `cursor` is exactly what `encode` writes for
  /// that list.
  static func decode(_ cursor: String, list: String, parts count: Int) throws -> [String] {
    guard (1...512).contains(cursor.utf8.count),
      cursor.utf8.allSatisfy({ byte in
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
          UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
          true
        default: false
        }
      })
    else { throw refused }
    var base64 = cursor.replacingOccurrences(of: "-", with: "+")
      .replacingOccurrences(of: "_", with: "/")
    while base64.utf8.count % 4 != 0 { base64 += "=" }
    guard let data = Data(base64Encoded: base64),
      let text = String(validating: Array(data), as: UTF8.self),
      // Controls other than the separator, NUL among them, are in no key we write.
      !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\u{1F}" }),
      !text.unicodeScalars.contains(where: { $0.value == 0x7F })
    else { throw refused }
    let parts = text.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(
      String.init)
    guard parts.count == count + 1, parts[0] == list,
      // Only the canonical encoding: no other bits in the last character.
      encode(list, Array(parts.dropFirst())) == cursor
    else { throw refused }
    return Array(parts.dropFirst())
  }

  /// An id as `encode` writes it (upper case, with hyphens).
  static func canonicalID(_ text: String) -> UUID? {
    guard let id = UUID(uuidString: text), id.uuidString == text else { return nil }
    return id
  }

  /// A page of rows of `table` ordered by name, for organisers, venues and people; the filter
  /// and order are the same for all three. `columns` must not name `cursor_name`, which this
  /// adds: PostgreSQL's `lower(name)`, so that the next page starts where this one's order
  /// ended.
  static func byName<T>(
    _ pool: ConnectionPool, _ table: Table, columns: PostgresQuery, query: String?, limit: Int?,
    cursor: String?, decode: (Row) throws -> T, id: (T) -> UUID
  ) throws -> Page<T> {
    let limit = try Cursor.limit(limit)
    let after = try cursor.map { try Cursor.byName($0, list: table) }
    if let query, TextRules.length(query) > SearchText.maxLength {
      throw StoreError.invalid("q", "must be at most \(SearchText.maxLength) characters")
    }
    return try pool.transaction { connection in
      var sql: PostgresQuery =
        "SELECT \(columns), lower(name) AS cursor_name FROM \(table) WHERE TRUE"
      if let query { sql += " AND name ILIKE \(Pattern.contains(query))" }
      if let after { sql += " AND (lower(name), id) > (\(after.name)::text, \(after.id)::uuid)" }
      sql += " ORDER BY lower(name), id LIMIT \(limit + 1)"
      let rows = try connection.query(sql)
      let items = try rows.prefix(limit).map(decode)
      var next: String?
      if rows.count > limit, let last = items.last {
        let sortName: String = try rows[limit - 1].decode("cursor_name")
        next = Cursor.encode(table, ByName(name: sortName, id: id(last)))
      }
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
