import AlmedalenAPI
import AlmedalenCore
import AlmedalenStore
import Foundation
import HTTPServer
import LoopbackTesting
import Postgres
import PostgresTesting
import Testing

#if canImport(Glibc)
  import Glibc
#endif

// Helpers for the API tests: a fresh migrated database with a served `Application` per test,
// tokens of every kind, and a small blocking HTTP/1.1 client over POSIX sockets.

// MARK: - The fixture

/// A fresh, migrated database with the 2026 edition (21–28 June), two organisers, two venues
/// with real Visby coordinates and a person, served over HTTP on a free port, with an admin
/// token and one organiser token for each organiser.
final class APIFixture {
  let database: TestDatabase
  let store: FestivalStore
  let server: HTTPServer
  let application: Application
  /// Set when the fixture listens for programme changes (feeds cache only then).
  let watcher: ProgrammeWatcher?
  let edition: Edition
  /// The organiser whose token is `own`.
  let organiser: Organiser
  /// The organiser whose token is `other`.
  let otherOrganiser: Organiser
  /// Donners plats, 57.6394 N 18.2925 E.
  let venue: Venue
  /// Almedalen, tält 3.
  let otherVenue: Venue
  let person: Person
  let admin: Token
  /// A token of `organiser`.
  let own: Token
  /// A token of `otherOrganiser`.
  let other: Token

  struct Token {
    let name: String
    let secret: String
    /// What the history names the token as.
    var actor: String { "token:\(name)" }
  }

  static let schemaDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Schema")

  init(prefix: String, poolSize: Int = 6, watchProgramme: Bool = false) throws {
    database = try TestDatabase.create(prefix: prefix)
    do {
      try Migrator(conninfo: database.conninfo, directory: Self.schemaDirectory).migrate()
    } catch {
      try? database.drop()
      throw error
    }
    store = FestivalStore(
      pool: ConnectionPool(conninfo: database.conninfo, maxConnections: poolSize))
    edition = try store.editions.create(
      Edition(
        year: 2026, name: "Almedalsveckan 2026", firstDay: LocalDay("2026-06-21")!,
        lastDay: LocalDay("2026-06-28")!))
    organiser = try store.organisers.create(Organiser(name: "Region Gotland"))
    otherOrganiser = try store.organisers.create(Organiser(name: "Svenska Kyrkan"))
    venue = try store.venues.create(
      Venue(
        name: "Donners plats", coordinate: Coordinate(latitude: 57.6394, longitude: 18.2925),
        capacity: 60))
    otherVenue = try store.venues.create(
      Venue(
        name: "Almedalen, tält 3", coordinate: Coordinate(latitude: 57.6404, longitude: 18.2881)))
    person = try store.people.create(Person(name: "Hans Folkesson", title: "förbundsdirektör"))
    admin = try Self.token(store, "staff", .admin, nil)
    own = try Self.token(store, "gotland", .organiser, organiser.id)
    other = try Self.token(store, "kyrkan", .organiser, otherOrganiser.id)
    application = Application(
      store: store, feeds: FeedSettings(baseURL: "https://almedalen.test"))
    watcher = watchProgramme ? application.watchProgramme(conninfo: database.conninfo) : nil
    server = HTTPServer(
      configuration: Configuration(port: 0, workerThreads: 4, logSink: nil),
      responder: application)
    try server.start()
  }

  private static func token(
    _ store: FestivalStore, _ name: String, _ role: TokenRole, _ organiserID: UUID?
  ) throws -> Token {
    Token(
      name: name,
      secret: try store.tokens.create(name: name, role: role, organiserID: organiserID).secret)
  }

  var port: Int { server.port }

  func close() {
    server.shutdown()
    let done = DispatchSemaphore(value: 0)
    let server = self.server
    Thread.detachNewThread {
      server.wait()
      done.signal()
    }
    let stopped = done.wait(timeout: .now() + 15) == .success
    #expect(stopped, "the server did not stop")
    watcher?.stop()
    store.pool.shutdown()
    try? database.drop()
  }

  /// A client that sends `token` as a bearer token.
  func client(_ token: Token?) -> APIClient {
    APIClient(port: port, authorization: token.map { "Bearer \($0.secret)" })
  }

  /// Another token of an organiser (or an admin token when `organiserID` is nil).
  func newToken(_ name: String, organiser organiserID: UUID? = nil) throws -> Token {
    Token(
      name: name,
      secret: try store.tokens.create(
        name: name, role: organiserID == nil ? .admin : .organiser, organiserID: organiserID
      ).secret)
  }

  /// A Visby time on a festival day: `at(day: 23, 12)` is 23 June 2026 at 12:00.
  func at(day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
    FestivalTime.date(LocalDay(year: 2026, month: 6, day: day)!, hour: hour, minute: minute)
  }

  /// An event written straight to the store, for setting the scene.
  @discardableResult
  func storedEvent(
    _ title: String, organiser: UUID? = nil, day: Int = 23, hour: Int = 12, minute: Int = 0,
    minutes: Int = 60, venue: UUID?, participants: [Participation] = [],
    published: Bool = false
  ) throws -> Event {
    let start = at(day: day, hour, minute)
    let event = try store.events.create(
      EventDetails(
        title: title, startsAt: start, endsAt: start.addingTimeInterval(Double(minutes) * 60),
        venueID: venue, organiserID: organiser ?? self.organiser.id, participants: participants))
    return published ? try store.events.publish(event.id) : event
  }

  /// Rows in every table an event writes to, to show that a refused request left nothing.
  func eventRowCounts() throws -> [String: Int] {
    var counts: [String: Int] = [:]
    for table: Table in [.events, .panels, .participations, .eventOrganisers, .eventChanges] {
      counts[table.rawValue] = try store.pool.withConnection { connection in
        let value: Int = try connection.query("SELECT count(*)::int AS n FROM \(table)")[0]
          .decode("n")
        return value
      }
    }
    return counts
  }
}

/// Runs `body` with a fresh fixture and closes it afterwards.
func withAPIFixture<T>(_ prefix: String, _ body: (APIFixture) throws -> T) throws -> T {
  let fixture = try APIFixture(prefix: prefix)
  defer { fixture.close() }
  return try body(fixture)
}

// MARK: - Wire formats

/// `2026-06-23T12:00:00+02:00`: a summer time in Visby as the API writes it.
func visby(day: Int, _ hour: Int, _ minute: Int = 0) -> String {
  func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
  return "2026-06-\(two(day))T\(two(hour)):\(two(minute)):00+02:00"
}

extension UUID {
  /// Ids as the API writes them: lowercase.
  var wire: String { uuidString.lowercased() }
}

/// An event body for `POST /api/v1/events`, with `extra` merged over the defaults.
func eventBody(
  _ title: String, day: Int = 23, hour: Int = 12, minute: Int = 0, minutes: Int = 60,
  venue: UUID? = nil, organiser: UUID? = nil, _ extra: [String: Any] = [:]
) -> [String: Any] {
  let start = hour * 60 + minute
  let end = start + minutes
  var body: [String: Any] = [
    "title": title, "kind": "seminar", "starts_at": visby(day: day, hour, minute),
    "ends_at": visby(day: day + end / (24 * 60), end % (24 * 60) / 60, end % 60),
    "topics": ["Hälsa"], "language": "sv",
  ]
  if let venue { body["venue_id"] = venue.wire }
  if let organiser { body["organiser_id"] = organiser.wire }
  body.merge(extra) { _, new in new }
  return body
}

// MARK: - The client

typealias ClientError = LoopbackError

/// An HTTP response as read off the wire.
struct HTTPReply: Sendable, CustomStringConvertible {
  var status: Int
  var headers: [Header]
  var body: [UInt8]

  struct Header: Sendable {
    var name: String
    var value: String
  }

  func header(_ name: String) -> String? {
    headers.first { $0.name.lowercased() == name.lowercased() }?.value
  }

  var text: String { String(decoding: body, as: UTF8.self) }

  /// The body as a JSON object; an empty object when it is not one.
  var json: [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
  }

  /// `items` of a list answer.
  var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }

  /// `errors[].field` of a problem answer.
  var errorFields: [String] {
    (json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
  }

  /// `errors[].message` of a problem answer for one field.
  func errorMessages(_ field: String) -> [String] {
    (json["errors"] as? [[String: Any]] ?? []).filter { $0["field"] as? String == field }
      .compactMap { $0["message"] as? String }
  }

  var id: String { json["id"] as? String ?? "" }

  var description: String {
    "\(status) \(headers.map { "\($0.name): \($0.value)" }) \(text.prefix(600))"
  }
}

/// A blocking HTTP/1.1 client for `127.0.0.1`: one connection per request
/// (`Connection: close`), every wait bounded.
struct APIClient: Sendable {
  let port: Int
  /// The whole `Authorization` field, or nil to send none.
  var authorization: String?

  func get(_ target: String, headers: [(String, String)] = []) throws -> HTTPReply {
    try send("GET", target, headers: headers)
  }

  func delete(_ target: String) throws -> HTTPReply { try send("DELETE", target) }

  func post(_ target: String, _ json: [String: Any]? = nil, headers: [(String, String)] = [])
    throws -> HTTPReply
  {
    try send("POST", target, headers: headers, json: json)
  }

  func patch(_ target: String, _ json: [String: Any], ifMatch: String?) throws -> HTTPReply {
    try send("PATCH", target, headers: ifMatch.map { [("If-Match", $0)] } ?? [], json: json)
  }

  func send(
    _ method: String, _ target: String, headers: [(String, String)] = [],
    json: [String: Any]? = nil
  ) throws -> HTTPReply {
    var headers = headers
    var body: [UInt8] = []
    if let json {
      body = Array(try JSONSerialization.data(withJSONObject: json))
      headers.append(("Content-Type", "application/json"))
    }
    return try raw(method, target, headers: headers, body: body)
  }

  /// Sends exactly these headers (plus Host, Connection, Authorization and Content-Length)
  /// and body.
  func raw(
    _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []
  ) throws -> HTTPReply {
    var head = "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    if let authorization { head += "Authorization: \(authorization)\r\n" }
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    if !body.isEmpty || ["POST", "PATCH", "PUT"].contains(method) {
      head += "Content-Length: \(body.count)\r\n"
    }
    head += "\r\n"
    let fd = try Self.connect(port: port)
    defer { Glibc.close(fd) }
    try Self.write(fd, Array(head.utf8) + body)
    return try Self.readReply(fd, head: method == "HEAD")
  }

  private static func connect(port: Int) throws -> Int32 {
    try Loopback.connect(port: port, sendTimeoutSeconds: 10)
  }

  private static func write(_ fd: Int32, _ bytes: [UInt8]) throws {
    try Loopback.sendAll(fd, bytes)
  }

  /// Reads until the response is complete by its Content-Length, or until the server
  /// closes the connection.
  private static func readReply(_ fd: Int32, head: Bool) throws -> HTTPReply {
    let deadline = ContinuousClock.now + .seconds(20)
    var buffer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
      if let reply = try parse(buffer, head: head, complete: false) { return reply }
      let remaining = deadline - .now
      guard remaining > .zero else {
        throw ClientError("no full response within 20 s; got \(buffer.count) bytes")
      }
      var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let millis = remaining.components.seconds * 1000 + 1
      let ready = poll(&descriptor, 1, Int32(clamping: millis))
      if ready < 0 && errno == EINTR { continue }
      guard ready > 0 else { continue }
      let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if count > 0 {
        buffer.append(contentsOf: chunk[0..<count])
      } else if count < 0 && (errno == EINTR || errno == EAGAIN) {
        continue
      } else {
        if let reply = try parse(buffer, head: head, complete: true) { return reply }
        throw ClientError(
          "the connection closed after \(buffer.count) bytes: "
            + String(decoding: buffer.prefix(200), as: UTF8.self).debugDescription)
      }
    }
  }

  private static func parse(_ buffer: [UInt8], head: Bool, complete: Bool) throws -> HTTPReply? {
    guard let end = buffer.firstRange(of: [13, 10, 13, 10])?.lowerBound else { return nil }
    let lines = String(decoding: buffer[..<end], as: UTF8.self).components(separatedBy: "\r\n")
    let statusLine = lines[0].split(separator: " ", maxSplits: 2)
    guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
      throw ClientError("malformed status line \(lines[0].debugDescription)")
    }
    var headers: [HTTPReply.Header] = []
    for line in lines.dropFirst() {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers.append(
        HTTPReply.Header(
          name: String(line[..<colon]),
          value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
    }
    var reply = HTTPReply(status: status, headers: headers, body: [])
    let start = end + 4
    if head || status == 204 || status == 304 || (100..<200).contains(status) { return reply }
    if let length = reply.header("Content-Length").flatMap(Int.init) {
      guard buffer.count - start >= length else { return nil }
      reply.body = Array(buffer[start..<(start + length)])
      return reply
    }
    guard complete else { return nil }
    reply.body = Array(buffer[start...])
    return reply
  }
}

// MARK: - Expectations

/// Checks that `reply` is a problem answer (RFC 9457) with this status, whose body names the
/// same status.
func expectProblem(
  _ reply: HTTPReply, _ status: Int, _ comment: String = "",
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(
    reply.status == status, "\(comment) \(reply)", sourceLocation: sourceLocation)
  #expect(
    reply.header("Content-Type") == "application/problem+json", "\(comment) \(reply)",
    sourceLocation: sourceLocation)
  #expect(
    reply.json["status"] as? Int == reply.status, "\(comment) \(reply)",
    sourceLocation: sourceLocation)
  #expect(reply.json["title"] is String, "\(comment)", sourceLocation: sourceLocation)
}

/// `"v7"`: the ETag of version 7.
func etag(_ version: Int) -> String { "\"v\(version)\"" }
