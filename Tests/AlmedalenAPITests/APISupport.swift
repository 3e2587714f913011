import AlmedalenAPI
import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import HTTPServer
import LoopbackTesting
import Postgres
import PostgresTesting
import Testing

// Helpers for the API tests: the store fixture served by an `Application` on a free port,
// and tokens of every kind.

// MARK: - The fixture

/// `StoreFixture`'s database plus a second organiser and a person, served over HTTP on a free
/// port, with an admin token and one organiser token for each organiser.
final class APIFixture {
  let festival: StoreFixture
  let server: HTTPServer
  let application: Application
  /// Set when the fixture listens for programme changes (feeds cache only then).
  let watcher: ProgrammeWatcher?
  /// The organiser whose token is `other`.
  let otherOrganiser: Organiser
  let person: Person
  let admin: Token
  /// A token of `organiser`.
  let own: Token
  /// A token of `otherOrganiser`.
  let other: Token

  var database: TestDatabase { festival.database }
  var store: FestivalStore { festival.store }
  var edition: Edition { festival.edition }
  /// The organiser whose token is `own`.
  var organiser: Organiser { festival.organiser }
  /// Donners plats, 57.6394 N 18.2925 E.
  var venue: Venue { festival.venue }
  /// Almedalen, tält 3.
  var otherVenue: Venue { festival.otherVenue }

  struct Token {
    let name: String
    let secret: String
    /// What the history names the token as.
    var actor: String { "token:\(name)" }
  }

  init(prefix: String, poolSize: Int = 6, watchProgramme: Bool = false) throws {
    let festival = try StoreFixture(prefix: prefix, poolSize: poolSize)
    self.festival = festival
    let store = festival.store
    do {
      otherOrganiser = try store.organisers.create(Visby.svenskaKyrkan)
      person = try store.people.create(Visby.hansFolkesson)
      admin = try Self.token(store, "staff", .admin, nil)
      own = try Self.token(store, "gotland", .organiser, festival.organiser.id)
      other = try Self.token(store, "kyrkan", .organiser, otherOrganiser.id)
    } catch {
      festival.close()
      throw error
    }
    application = Application(
      store: store, feeds: FeedSettings(baseURL: "https://almedalen.test"))
    watcher =
      watchProgramme ? application.watchProgramme(conninfo: festival.database.conninfo) : nil
    server = HTTPServer(
      configuration: application.serverConfiguration(
        Configuration(port: 0, workerThreads: 4, logSink: nil)),
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
    festival.close()
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
    Visby.at(day: day, hour, minute)
  }

  /// An event written straight to the store, for setting the scene.
  @discardableResult
  func storedEvent(
    _ title: String, organiser: UUID? = nil, day: Int = 23, hour: Int = 12, minute: Int = 0,
    minutes: Int = 60, venue: UUID?, participants: [Participation] = [],
    published: Bool = false
  ) throws -> Event {
    let event = try store.events.create(
      .make(
        title: title, day: day, hour: hour, minute: minute, minutes: minutes, venueID: venue,
        organiserID: organiser ?? self.organiser.id, topics: [], participants: participants))
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
    "title": title, "kind": "seminar", "starts_at": Visby.wire(day: day, hour, minute),
    "ends_at": Visby.wire(day: day + end / (24 * 60), end % (24 * 60) / 60, end % 60),
    "topics": ["Hälsa"], "language": "sv",
  ]
  if let venue { body["venue_id"] = venue.wire }
  if let organiser { body["organiser_id"] = organiser.wire }
  body.merge(extra) { _, new in new }
  return body
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
