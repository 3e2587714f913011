import AlmedalenAPI
import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import HTTPServer
import KeyValueLog
import LoopbackTesting
import Postgres
import PostgresTesting
import Testing

// MARK: - Helpers for sign-up tests (also used by PrivacyTests)

extension APIFixture {
  /// Next year: its festival is ahead whatever day the tests run, and sign-ups over HTTP go
  /// by the real clock (an event that is over takes none).
  static let futureYear = Calendar(identifier: .gregorian).component(.year, from: Date()) + 1

  /// The edition of `futureYear`, 21–28 June, created on first use.
  @discardableResult
  func futureEdition() throws -> Edition {
    if let edition = try store.editions.find(year: Self.futureYear) { return edition }
    return try store.editions.create(
      Edition(
        year: Self.futureYear, name: "Almedalsveckan \(Self.futureYear)",
        firstDay: LocalDay(year: Self.futureYear, month: 6, day: 21)!,
        lastDay: LocalDay(year: Self.futureYear, month: 6, day: 28)!))
  }

  /// A Visby time in June of `futureYear`.
  func future(day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
    FestivalTime.date(
      LocalDay(year: Self.futureYear, month: 6, day: day)!, hour: hour, minute: minute)
  }

  /// An event of next year's festival with `capacity` seats, published and taking sign-ups
  /// unless told otherwise.
  @discardableResult
  func openEvent(
    _ title: String, capacity: Int? = 10, day: Int = 23, hour: Int = 12,
    organiser: UUID? = nil, registrationOpen: Bool = true, published: Bool = true,
    participants: [Participation] = []
  ) throws -> Event {
    try futureEdition()
    let start = future(day: day, hour)
    let event = try store.events.create(
      EventDetails(
        title: title, startsAt: start, endsAt: start.addingTimeInterval(3600),
        organiserID: organiser ?? self.organiser.id, topics: ["Hälsa"], capacity: capacity,
        registrationOpen: registrationOpen, participants: participants))
    return published ? try store.events.publish(event.id) : event
  }

  /// Rows of `registrations` for one event, whatever their status.
  func registrationRows(_ eventID: UUID) throws -> Int {
    try store.pool.withConnection { connection in
      let count: Int = try connection.query(
        "SELECT count(*)::int AS n FROM registrations WHERE event_id = $1", [eventID])[0]
        .decode("n")
      return count
    }
  }
}

extension APIClient {
  /// `POST /api/v1/events/{id}/registrations` with a name and an email.
  func signUp(_ eventID: UUID, _ name: String, _ email: String) throws -> HTTPReply {
    try post("/api/v1/events/\(eventID.wire)/registrations", ["name": name, "email": email])
  }
}

/// The base every absolute link of the fixture's service starts with.
let publicBase = "https://almedalen.test"

/// The path of an absolute link to the fixture's service, or nil when it is not one.
func servicePath(_ link: Any?) -> String? {
  guard let link = link as? String, link.hasPrefix(publicBase + "/") else { return nil }
  return String(link.dropFirst(publicBase.count))
}

/// Whether `text` looks like one of the attendee secrets: 32 bytes in unpadded base64url.
func isSecret(_ text: some StringProtocol) -> Bool {
  text.utf8.count == 43
    && text.utf8.allSatisfy { byte in
      (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}

/// The secret at the end of an attendee link path (`…/registrations/S`, `…/attendee/S.ics`).
func secretOf(_ path: String) -> String {
  var last = path.split(separator: "/").last.map(String.init) ?? ""
  if last.hasSuffix(".ics") { last.removeLast(4) }
  return last
}

/// The VEVENTs of a calendar, each as its unfolded content lines (without BEGIN/END).
func veventsOf(_ calendar: String) -> [[String]] {
  var events: [[String]] = []
  var current: [String]?
  for line in calendar.replacingOccurrences(of: "\r\n ", with: "").components(separatedBy: "\r\n") {
    if line == "BEGIN:VEVENT" {
      current = []
    } else if line == "END:VEVENT" {
      if let current { events.append(current) }
      current = nil
    } else {
      current?.append(line)
    }
  }
  return events
}

/// The VEVENT whose SUMMARY ends with `title` (a cancelled one starts with `INSTÄLLT: `).
func veventTitled(_ calendar: String, titled title: String) -> [String]? {
  veventsOf(calendar).first { lines in
    lines.contains { $0.hasPrefix("SUMMARY:") && $0.hasSuffix(title) }
  }
}

/// The value of a property of a VEVENT (`STATUS` → `CONFIRMED`).
func veventProperty(_ event: [String]?, _ name: String) -> String? {
  event?.first { $0.hasPrefix(name + ":") }.map { String($0.dropFirst(name.count + 1)) }
}

/// Another service on the fixture's database with its own pool and sign-up limits, as a
/// second server process would be.
final class SecondServer {
  let store: FestivalStore
  let server: HTTPServer

  init(
    _ fixture: APIFixture, registrations: RegistrationSettings, workers: Int = 2,
    loggedPath: @escaping @Sendable (Request) -> String = { $0.path },
    logSink: (@Sendable (String) -> Void)? = nil
  ) throws {
    store = FestivalStore(
      pool: ConnectionPool(conninfo: fixture.database.conninfo, maxConnections: workers + 1))
    server = HTTPServer(
      configuration: Configuration(
        port: 0, workerThreads: workers, loggedPath: loggedPath,
        logSink: logSink.map { sink in { @Sendable (line: LogLine) in sink(line.text) } }),
      responder: Application(
        store: store, feeds: FeedSettings(baseURL: publicBase), registrations: registrations))
    try server.start()
  }

  var client: APIClient { APIClient(port: server.port) }

  func close() {
    server.shutdown()
    server.wait()
    store.pool.shutdown()
  }
}

/// An integer of a JSON answer (NSNumber or Int), nil for null or anything else.
func jsonInt(_ value: Any?) -> Int? { value as? Int }

// MARK: - The tests

/// Public sign-up, the attendee's own links, the organiser's list and the abuse limits, over
/// HTTP against a real database.
@Suite struct RegistrationAPITests {
  @Test func signUpsAreConfirmedWhileSeatsRemainThenWaitlistedInOrder() throws {
    try withAPIFixture("reg_api_flow") { fixture in
      let event = try fixture.openEvent("Vem bygger Gotland?", capacity: 1)
      let client = fixture.client(nil)

      let first = try client.signUp(event.id, "Anna Lind", "anna@example.org")
      #expect(first.status == 201, "\(first)")
      #expect(first.header("Content-Type")?.hasPrefix("application/json") == true)
      #expect(first.header("Cache-Control") == "no-store")
      #expect(first.json["status"] as? String == "confirmed")
      #expect(first.json["waitlist_position"] is NSNull)
      #expect(first.json["event_id"] as? String == event.id.wire)
      let cancelURL = try #require(first.json["cancel_url"] as? String, "\(first)")
      let calendarURL = try #require(first.json["calendar_url"] as? String, "\(first)")
      #expect(cancelURL.hasPrefix(publicBase + "/api/v1/registrations/"))
      #expect(calendarURL.hasPrefix(publicBase + "/feeds/attendee/"))
      #expect(calendarURL.hasSuffix(".ics"))
      let cancelSecret = secretOf(try #require(servicePath(cancelURL)))
      let calendarSecret = secretOf(try #require(servicePath(calendarURL)))
      #expect(isSecret(cancelSecret), "\(cancelSecret)")
      #expect(isSecret(calendarSecret), "\(calendarSecret)")
      #expect(cancelSecret != calendarSecret)
      #expect(
        first.json["calendar_webcal_url"] as? String
          == "webcal://almedalen.test/feeds/attendee/\(calendarSecret).ics")

      let second = try client.signUp(event.id, "Bo Ek", "bo@example.org")
      let third = try client.signUp(event.id, "Cilla Gran", "cilla@example.org")
      for (reply, position) in [(second, 1), (third, 2)] {
        #expect(reply.status == 201, "\(reply)")
        #expect(reply.json["status"] as? String == "waitlisted")
        #expect(jsonInt(reply.json["waitlist_position"]) == position)
        #expect(servicePath(reply.json["cancel_url"]).map(secretOf).map(isSecret) == true)
        #expect(servicePath(reply.json["calendar_url"]).map(secretOf).map(isSecret) == true)
      }
      // Every link is the attendee's own.
      let secrets = [first, second, third].flatMap { reply in
        ["cancel_url", "calendar_url"].compactMap { servicePath(reply.json[$0]).map(secretOf) }
      }
      #expect(Set(secrets).count == 6)
    }
  }

  @Test func aSecondSignUpWithTheSameEmailAnswersWithTheExistingRegistration() throws {
    try withAPIFixture("reg_api_duplicate") { fixture in
      let event = try fixture.openEvent("Dubbelbokat?", capacity: 1)
      let client = fixture.client(nil)
      #expect(try client.signUp(event.id, "Anna Lind", "anna@example.org").status == 201)
      let waitlisted = try client.signUp(event.id, "Bo Ek", "Bo.Ek@Example.org")
      #expect(waitlisted.json["status"] as? String == "waitlisted")

      let again = try client.signUp(event.id, "Anna L.", "ANNA@EXAMPLE.ORG")
      #expect(again.status == 200, "\(again)")
      #expect(again.json["status"] as? String == "confirmed")
      #expect(again.json["existing"] as? Bool == true)
      #expect(again.json["cancel_url"] == nil && again.json["calendar_url"] == nil, "\(again)")
      #expect(again.json["calendar_webcal_url"] == nil)

      let waitlistedAgain = try client.signUp(event.id, "Bo Ek", "bo.ek@example.ORG")
      #expect(waitlistedAgain.status == 200, "\(waitlistedAgain)")
      #expect(waitlistedAgain.json["status"] as? String == "waitlisted")
      #expect(jsonInt(waitlistedAgain.json["waitlist_position"]) == 1)
      #expect(waitlistedAgain.json["cancel_url"] == nil)

      #expect(try fixture.registrationRows(event.id) == 2)
    }
  }

  @Test func signUpIsRefusedWithAConflictWhenClosedCancelledOrOver() throws {
    try withAPIFixture("reg_api_refused") { fixture in
      let client = fixture.client(nil)
      let closed = try fixture.openEvent("Stängd anmälan", capacity: 10, registrationOpen: false)
      let cancelled = try fixture.openEvent("Inställt", capacity: 10, hour: 14)
      #expect(
        try fixture.client(fixture.admin).post("/api/v1/events/\(cancelled.id.wire)/cancel")
          .status == 200)
      // This year's festival (June 2026) is over by the clock the route reads.
      let start = fixture.at(day: 23, 12)
      let over = try fixture.store.events.publish(
        try fixture.store.events.create(
          EventDetails(
            title: "Redan över", startsAt: start, endsAt: start.addingTimeInterval(3600),
            organiserID: fixture.organiser.id, capacity: 10, registrationOpen: true)
        ).id)
      #expect(over.endsAt < Date())

      for (event, word) in [(closed, "closed"), (cancelled, "cancelled"), (over, "over")] {
        let reply = try client.signUp(event.id, "Anna Lind", "anna@example.org")
        expectProblem(reply, 409, event.title)
        #expect(
          (reply.json["detail"] as? String)?.contains(word) == true,
          "\(event.title): \(reply)")
        #expect(try fixture.registrationRows(event.id) == 0)
      }
    }
  }

  @Test func aDraftOrAnUnknownEventIsNotFound() throws {
    try withAPIFixture("reg_api_notfound") { fixture in
      let client = fixture.client(nil)
      let draft = try fixture.openEvent("Hemligt utkast", capacity: 10, published: false)
      expectProblem(try client.signUp(draft.id, "Anna Lind", "anna@example.org"), 404, "draft")
      #expect(try fixture.registrationRows(draft.id) == 0)
      expectProblem(try client.signUp(UUID(), "Anna Lind", "anna@example.org"), 404, "unknown")
      expectProblem(
        try client.post(
          "/api/v1/events/inte-ett-id/registrations", ["name": "Anna", "email": "a@example.org"]),
        404, "not an id")
    }
  }

  @Test func aBadSignUpIsRefusedNamingTheField() throws {
    try withAPIFixture("reg_api_invalid") { fixture in
      let event = try fixture.openEvent("Validering", capacity: 10)
      let client = fixture.client(nil)
      let path = "/api/v1/events/\(event.id.wire)/registrations"
      let cases: [(body: [String: Any], field: String)] = [
        (["name": "", "email": "anna@example.org"], "name"),
        (["name": "   ", "email": "anna@example.org"], "name"),
        (["email": "anna@example.org"], "name"),
        (["name": "Anna Lind", "email": "inte-en-adress"], "email"),
        (["name": "Anna Lind", "email": "anna@"], "email"),
        (["name": "Anna Lind", "email": ""], "email"),
        (["name": "Anna Lind"], "email"),
        (["name": "Anna Lind", "email": 42], "email"),
        (["name": "Anna Lind", "email": "anna@example.org", "telefon": "0498-123"], "telefon"),
      ]
      for (body, field) in cases {
        let reply = try client.post(path, body)
        expectProblem(reply, 422, "\(body)")
        #expect(reply.errorFields.contains(field), "\(body): \(reply)")
      }
      #expect(try fixture.registrationRows(event.id) == 0)
    }
  }

  @Test func aSignUpThatIsNotJSONIsRefusedWith415() throws {
    try withAPIFixture("reg_api_415") { fixture in
      let event = try fixture.openEvent("Fel format", capacity: 10)
      let client = fixture.client(nil)
      let path = "/api/v1/events/\(event.id.wire)/registrations"
      for type in ["application/x-www-form-urlencoded", "text/plain; charset=utf-8"] {
        let reply = try client.raw(
          "POST", path, headers: [("Content-Type", type)],
          body: Array("name=Anna+Lind&email=anna%40example.org".utf8))
        expectProblem(reply, 415, type)
      }
      let untyped = try client.raw(
        "POST", path, body: Array(#"{"name":"Anna Lind","email":"anna@example.org"}"#.utf8))
      expectProblem(untyped, 415, "no Content-Type")
      #expect(try fixture.registrationRows(event.id) == 0)
    }
  }

  @Test func cancellingWithTheSecretLinkPromotesTheFirstOnTheWaitlistAtOnce() throws {
    try withAPIFixture("reg_api_cancel") { fixture in
      let event = try fixture.openEvent("Avbokning", capacity: 1)
      let client = fixture.client(nil)
      let anna = try client.signUp(event.id, "Anna Lind", "anna@example.org")
      let bo = try client.signUp(event.id, "Bo Ek", "bo@example.org")
      let cilla = try client.signUp(event.id, "Cilla Gran", "cilla@example.org")
      let annaLink = try #require(servicePath(anna.json["cancel_url"]))
      let boLink = try #require(servicePath(bo.json["cancel_url"]))
      let cillaLink = try #require(servicePath(cilla.json["cancel_url"]))

      let boBefore = try client.get(boLink)
      #expect(boBefore.status == 200, "\(boBefore)")
      #expect(boBefore.json["status"] as? String == "waitlisted")
      #expect(jsonInt(boBefore.json["waitlist_position"]) == 1)
      #expect(boBefore.header("Cache-Control") == "no-store")

      let cancelled = try client.delete(annaLink)
      #expect(cancelled.status == 200, "\(cancelled)")
      #expect(cancelled.json["status"] as? String == "cancelled")
      // No waiting: the promotion is part of the cancellation's transaction.
      let boAfter = try client.get(boLink)
      #expect(boAfter.json["status"] as? String == "confirmed", "\(boAfter)")
      #expect(boAfter.json["waitlist_position"] is NSNull)
      let cillaAfter = try client.get(cillaLink)
      #expect(cillaAfter.json["status"] as? String == "waitlisted")
      #expect(jsonInt(cillaAfter.json["waitlist_position"]) == 1)
      #expect(try client.get(annaLink).json["status"] as? String == "cancelled")

      // Cancelling again changes nothing and promotes no one else.
      let repeated = try client.delete(annaLink)
      #expect((200..<300).contains(repeated.status), "\(repeated)")
      #expect(try client.get(cillaLink).json["status"] as? String == "waitlisted")
      #expect(
        try fixture.store.registrations.counts(eventID: event.id)
          == [.confirmed: 1, .waitlisted: 1, .cancelled: 1])

      // Links that are not ours are simply not found.
      let unknown = String(repeating: "A", count: 43)
      expectProblem(try client.get("/api/v1/registrations/\(unknown)"), 404, "unknown")
      expectProblem(try client.delete("/api/v1/registrations/\(unknown)"), 404, "unknown")
      expectProblem(try client.delete("/api/v1/registrations/kort"), 404, "malformed")
    }
  }

  @Test func raisingCapacityPromotesInArrivalOrderAndLoweringItRemovesNobody() throws {
    try withAPIFixture("reg_api_capacity") { fixture in
      let event = try fixture.openEvent("Fler platser", capacity: 1)
      let client = fixture.client(nil)
      var links: [String: String] = [:]
      for name in ["Anna", "Bo", "Cilla", "David"] {
        let reply = try client.signUp(event.id, name, "\(name.lowercased())@example.org")
        #expect(reply.status == 201, "\(reply)")
        let link = try #require(servicePath(reply.json["cancel_url"]))
        links[name] = link
      }
      func status(_ name: String) throws -> String? {
        try client.get(links[name]!).json["status"] as? String
      }
      let owner = fixture.client(fixture.own)
      let path = "/api/v1/events/\(event.id.wire)"

      let raised = try owner.patch(
        path, ["capacity": 3], ifMatch: try owner.get(path).header("ETag"))
      #expect(raised.status == 200, "\(raised)")
      #expect(try status("Bo") == "confirmed")
      #expect(try status("Cilla") == "confirmed")
      #expect(try status("David") == "waitlisted")
      #expect(jsonInt(try client.get(links["David"]!).json["waitlist_position"]) == 1)

      let lowered = try owner.patch(
        path, ["capacity": 1], ifMatch: try owner.get(path).header("ETag"))
      #expect(lowered.status == 200, "\(lowered)")
      for name in ["Anna", "Bo", "Cilla"] { #expect(try status(name) == "confirmed", "\(name)") }
      #expect(try status("David") == "waitlisted")
      // With more confirmed than seats, a freed seat promotes no one.
      #expect(try client.delete(links["Anna"]!).status == 200)
      #expect(try status("David") == "waitlisted")
      let late = try client.signUp(event.id, "Erik", "erik@example.org")
      #expect(late.json["status"] as? String == "waitlisted")
      #expect(jsonInt(late.json["waitlist_position"]) == 2)
      #expect(
        try fixture.store.registrations.counts(eventID: event.id)
          == [.confirmed: 2, .waitlisted: 2, .cancelled: 1])
    }
  }

  @Test func theAttendeeCalendarShowsWaitlistedAsTentativeAndConfirmedAsConfirmed() throws {
    try withAPIFixture("reg_api_calendar") { fixture in
      let full = try fixture.openEvent("Fullsatt seminarium", capacity: 1, hour: 10)
      let roomy = try fixture.openEvent("Gott om plats", capacity: 50, hour: 14)
      let other = try fixture.openEvent("Inte anmäld hit", capacity: 50, hour: 16)
      let client = fixture.client(nil)
      #expect(try client.signUp(full.id, "Först Påplats", "forst@example.org").status == 201)
      #expect(try client.signUp(other.id, "Först Påplats", "forst@example.org").status == 201)
      let waitlisted = try client.signUp(full.id, "Greta Ahl", "greta@example.org")
      let confirmed = try client.signUp(roomy.id, "Greta Ahl", "GRETA@example.org")
      #expect(waitlisted.json["status"] as? String == "waitlisted")
      #expect(confirmed.json["status"] as? String == "confirmed")

      // Either sign-up's link shows the same calendar: both of Greta's seminars.
      var bodies: [[UInt8]] = []
      for reply in [waitlisted, confirmed] {
        let path = try #require(servicePath(reply.json["calendar_url"]))
        let calendar = try client.get(path)
        #expect(calendar.status == 200, "\(calendar)")
        #expect(calendar.header("Content-Type") == "text/calendar; charset=utf-8")
        // Someone's own calendar, behind a secret link: no cache keeps it (issue 19).
        #expect(calendar.header("Cache-Control") == "no-store")
        #expect(calendar.text.hasPrefix("BEGIN:VCALENDAR\r\n"))
        #expect(veventsOf(calendar.text).count == 2, "\(calendar.text)")
        #expect(
          veventProperty(veventTitled(calendar.text, titled: "Fullsatt seminarium"), "STATUS")
            == "TENTATIVE")
        #expect(
          veventProperty(veventTitled(calendar.text, titled: "Gott om plats"), "STATUS")
            == "CONFIRMED")
        #expect(veventTitled(calendar.text, titled: "Inte anmäld hit") == nil)
        bodies.append(calendar.body)

        let etag = try #require(calendar.header("ETag"))
        let again = try client.get(path, headers: [("If-None-Match", etag)])
        #expect(again.status == 304, "\(again)")
        #expect(again.body.isEmpty)
        #expect(again.header("Cache-Control") == "no-store")
      }
      // The calendar names itself by its own link, so only the events are compared.
      #expect(
        veventsOf(String(decoding: bodies[0], as: UTF8.self))
          == veventsOf(String(decoding: bodies[1], as: UTF8.self)))
    }
  }

  @Test func aCancelledEventShowsAsCancelledAndTheAttendeesOwnCancellationDisappears() throws {
    try withAPIFixture("reg_api_calcancel") { fixture in
      let stopped = try fixture.openEvent("Blir inställt", capacity: 10, hour: 10)
      let dropped = try fixture.openEvent("Avbokar själv", capacity: 10, hour: 13)
      let kept = try fixture.openEvent("Blir av", capacity: 10, hour: 15)
      let client = fixture.client(nil)
      let first = try client.signUp(stopped.id, "Greta Ahl", "greta@example.org")
      let second = try client.signUp(dropped.id, "Greta Ahl", "greta@example.org")
      #expect(try client.signUp(kept.id, "Greta Ahl", "greta@example.org").status == 201)
      let path = try #require(servicePath(first.json["calendar_url"]))
      let before = try client.get(path)
      #expect(veventsOf(before.text).count == 3)
      let etag = try #require(before.header("ETag"))

      #expect(
        try fixture.client(fixture.admin).post("/api/v1/events/\(stopped.id.wire)/cancel")
          .status == 200)
      #expect(try client.delete(try #require(servicePath(second.json["cancel_url"]))).status == 200)

      let after = try client.get(path, headers: [("If-None-Match", etag)])
      #expect(after.status == 200, "a changed calendar must not be 304: \(after)")
      #expect(after.header("ETag") != etag)
      let cancelled = veventTitled(after.text, titled: "Blir inställt")
      #expect(veventProperty(cancelled, "STATUS") == "CANCELLED", "\(after.text)")
      #expect(veventProperty(cancelled, "SUMMARY") == "INSTÄLLT: Blir inställt")
      #expect(veventTitled(after.text, titled: "Avbokar själv") == nil, "\(after.text)")
      #expect(veventProperty(veventTitled(after.text, titled: "Blir av"), "STATUS") == "CONFIRMED")
      #expect(veventsOf(after.text).count == 2)
    }
  }

  /// FEEDS.md 9: SEQUENCE rises on every change a subscriber would care about, status
  /// included; calendar apps keep what they have otherwise. (LAST-MODIFIED should move with
  /// it, but within one second it cannot show.)
  @Test func aPromotionRaisesTheSequenceInTheAttendeeCalendar() throws {
    try withAPIFixture("reg_api_calseq") { fixture in
      let event = try fixture.openEvent("Kön flyttar fram", capacity: 1)
      let client = fixture.client(nil)
      let anna = try client.signUp(event.id, "Anna Lind", "anna@example.org")
      let bo = try client.signUp(event.id, "Bo Ek", "bo@example.org")
      let path = try #require(servicePath(bo.json["calendar_url"]))
      let before = veventTitled(try client.get(path).text, titled: "Kön flyttar fram")
      #expect(veventProperty(before, "STATUS") == "TENTATIVE")

      #expect(try client.delete(try #require(servicePath(anna.json["cancel_url"]))).status == 200)
      let after = veventTitled(try client.get(path).text, titled: "Kön flyttar fram")
      #expect(veventProperty(after, "STATUS") == "CONFIRMED")
      let sequenceBefore = try #require(veventProperty(before, "SEQUENCE").flatMap { Int($0) })
      let sequenceAfter = try #require(veventProperty(after, "SEQUENCE").flatMap { Int($0) })
      #expect(
        sequenceAfter > sequenceBefore,
        "TENTATIVE → CONFIRMED kept SEQUENCE \(sequenceBefore); calendar apps may ignore it")
    }
  }

  @Test func revokingTheCalendarStopsEveryLinkAndANewSignUpGivesAWorkingOne() throws {
    try withAPIFixture("reg_api_revoke") { fixture in
      let one = try fixture.openEvent("Första", capacity: 10, hour: 9)
      let two = try fixture.openEvent("Andra", capacity: 10, hour: 11)
      let three = try fixture.openEvent("Tredje", capacity: 10, hour: 13)
      let client = fixture.client(nil)
      let first = try client.signUp(one.id, "Greta Ahl", "greta@example.org")
      let second = try client.signUp(two.id, "Greta Ahl", "greta@example.org")
      let someoneElse = try client.signUp(one.id, "Bo Ek", "bo@example.org")
      let firstPath = try #require(servicePath(first.json["calendar_url"]))
      let secondPath = try #require(servicePath(second.json["calendar_url"]))
      let otherPath = try #require(servicePath(someoneElse.json["calendar_url"]))
      #expect(try client.get(secondPath).status == 200)

      let revoked = try client.delete(firstPath)
      #expect(revoked.status == 204, "\(revoked)")
      expectProblem(try client.get(firstPath), 404, "revoked link")
      expectProblem(try client.get(secondPath), 404, "the attendee's other link")
      expectProblem(try client.delete(secondPath), 404, "revoking again")
      // Someone else's calendar and Greta's sign-ups are untouched.
      #expect(try client.get(otherPath).status == 200)
      let cancelLink = try #require(servicePath(first.json["cancel_url"]))
      #expect(try client.get(cancelLink).json["status"] as? String == "confirmed")

      let third = try client.signUp(three.id, "Greta Ahl", "greta@example.org")
      #expect(third.status == 201, "\(third)")
      let newPath = try #require(servicePath(third.json["calendar_url"]))
      let calendar = try client.get(newPath)
      #expect(calendar.status == 200, "\(calendar)")
      #expect(veventsOf(calendar.text).count == 3, "\(calendar.text)")
      for title in ["Första", "Andra", "Tredje"] {
        #expect(veventTitled(calendar.text, titled: title) != nil, "\(title)")
      }
      expectProblem(try client.get(firstPath), 404, "still revoked")
    }
  }

  @Test func theEventsOrganiserAndAdminsSeeTheListWithCountsAndPositions() throws {
    try withAPIFixture("reg_api_list") { fixture in
      let event = try fixture.openEvent("Anmälningslistan", capacity: 1)
      let client = fixture.client(nil)
      var replies: [HTTPReply] = []
      for (name, email) in [
        ("Anna Lind", "anna@example.org"), ("Bo Ek", "bo@example.org"),
        ("Cilla Gran", "cilla@example.org"), ("David Öst", "david@example.org"),
      ] {
        replies.append(try client.signUp(event.id, name, email))
      }
      #expect(
        try client.delete(try #require(servicePath(replies[3].json["cancel_url"]))).status == 200)
      let path = "/api/v1/events/\(event.id.wire)/registrations"

      for token in [fixture.own, fixture.admin] {
        let list = try fixture.client(token).get(path)
        #expect(list.status == 200, "\(token.name): \(list)")
        #expect(list.header("Cache-Control") == "no-store")
        #expect(list.json["event_id"] as? String == event.id.wire)
        #expect(jsonInt(list.json["capacity"]) == 1)
        let counts = (list.json["counts"] as? [String: Any] ?? [:]).mapValues(jsonInt)
        #expect(counts == ["confirmed": 1, "waitlisted": 2, "cancelled": 1], "\(list)")
        let items = list.items
        #expect(
          items.map { $0["name"] as? String } == ["Anna Lind", "Bo Ek", "Cilla Gran", "David Öst"])
        #expect(
          items.map { $0["email"] as? String }
            == ["anna@example.org", "bo@example.org", "cilla@example.org", "david@example.org"])
        #expect(
          items.map { $0["status"] as? String }
            == ["confirmed", "waitlisted", "waitlisted", "cancelled"])
        #expect(items.map { jsonInt($0["waitlist_position"]) } == [nil, 1, 2, nil])
        #expect(items.allSatisfy { ($0["registered_at"] as? String)?.isEmpty == false })
      }
      expectProblem(try fixture.client(fixture.other).get(path), 403, "other organiser")
      expectProblem(
        try fixture.client(fixture.other).get(path, headers: [("Accept", "text/csv")]), 403,
        "other organiser, CSV")
      expectProblem(try fixture.client(nil).get(path), 401, "no token")
      expectProblem(
        try fixture.client(nil).get(path, headers: [("Accept", "text/csv")]), 401, "no token, CSV")
      expectProblem(
        try APIClient(port: fixture.port, authorization: "Bearer alm_fel").get(path), 401,
        "bad token")
    }
  }

  @Test func theCSVOpensInSwedishExcel() throws {
    try withAPIFixture("reg_api_csv") { fixture in
      let event = try fixture.openEvent("Excel-listan", capacity: 2)
      let client = fixture.client(nil)
      for (name, email) in [
        ("Åsa Öberg-Ärlig", "asa@example.org"), ("=SUMMA(A1:A9)", "formel@example.org"),
        (#"Karl "Kalle"; Svensson"#, "kalle@example.org"), ("@Kommando", "at@example.org"),
      ] {
        #expect(try client.signUp(event.id, name, email).status == 201)
      }
      let reply = try fixture.client(fixture.own).get(
        "/api/v1/events/\(event.id.wire)/registrations", headers: [("Accept", "text/csv")])
      #expect(reply.status == 200, "\(reply)")
      #expect(reply.header("Content-Type")?.hasPrefix("text/csv") == true)
      #expect(reply.header("Content-Type")?.lowercased().contains("charset=utf-8") == true)
      #expect(Array(reply.body.prefix(3)) == [0xEF, 0xBB, 0xBF], "no UTF-8 byte-order mark")
      #expect(String(validating: reply.body, as: UTF8.self) != nil, "not UTF-8")

      let text = String(decoding: reply.body.dropFirst(3), as: UTF8.self)
      #expect(text.hasSuffix("\r\n"))
      // Every line ends in CRLF: no bare LF, no bare CR.
      let bytes = Array(text.utf8)
      for (index, byte) in bytes.enumerated() where byte == 10 {
        #expect(index > 0 && bytes[index - 1] == 13, "a bare LF at byte \(index)")
      }
      for (index, byte) in bytes.enumerated() where byte == 13 {
        #expect(index + 1 < bytes.count && bytes[index + 1] == 10, "a bare CR at byte \(index)")
      }
      let lines = text.components(separatedBy: "\r\n").dropLast()
      #expect(lines.count == 5, "\(text)")
      #expect(lines.first == "Nr;Namn;E-post;Status;Plats i kön;Anmäld")
      let rows = Array(lines.dropFirst())
      #expect(rows.count == 4)
      guard rows.count == 4 else { return }
      #expect(rows[0].hasPrefix("1;Åsa Öberg-Ärlig;asa@example.org;bekräftad;;"), "\(rows[0])")
      #expect(rows[1].hasPrefix("2;'=SUMMA(A1:A9);formel@example.org;bekräftad;;"), "\(rows[1])")
      #expect(
        rows[2].hasPrefix(#"3;"Karl ""Kalle""; Svensson";kalle@example.org;väntelista;1;"#),
        "\(rows[2])")
      #expect(rows[3].hasPrefix("4;'@Kommando;at@example.org;väntelista;2;"), "\(rows[3])")
      // The sign-up time is a plain local date and time, which Excel reads as one.
      let time = try #require(rows[0].split(separator: ";").last.map(String.init))
      #expect(
        time.range(of: #"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$"#, options: .regularExpression)
          != nil, "\(time)")
    }
  }

  @Test func theClientLimitAnswers429WithRetryAfter() throws {
    try withAPIFixture("reg_api_client_limit") { fixture in
      let event = try fixture.openEvent("Flödet", capacity: 100)
      let limited = try SecondServer(
        fixture,
        registrations: RegistrationSettings(
          perClient: 3, clientWindow: 600, perEmail: 100, emailWindow: 3600))
      defer { limited.close() }
      let client = limited.client
      for n in 1...3 {
        let reply = try client.signUp(event.id, "Person \(n)", "p\(n)@example.org")
        #expect(reply.status == 201, "sign-up \(n): \(reply)")
      }
      let refused = try client.signUp(event.id, "Person 4", "p4@example.org")
      expectProblem(refused, 429, "fourth from one client")
      let retryAfter = try #require(refused.header("Retry-After").flatMap { Int($0) }, "\(refused)")
      #expect((1...600).contains(retryAfter), "Retry-After: \(retryAfter)")
      #expect(try fixture.registrationRows(event.id) == 3)
    }
  }

  @Test func theEmailLimitAnswers429ForTheSameAddressWhateverTheEvent() throws {
    try withAPIFixture("reg_api_email_limit") { fixture in
      let events = try (0..<3).map {
        try fixture.openEvent("Seminarium \($0)", capacity: 100, hour: 9 + 2 * $0)
      }
      let limited = try SecondServer(
        fixture,
        registrations: RegistrationSettings(
          perClient: 100_000, clientWindow: 600, perEmail: 2, emailWindow: 3600))
      defer { limited.close() }
      let client = limited.client
      #expect(try client.signUp(events[0].id, "Greta Ahl", "greta@example.org").status == 201)
      #expect(try client.signUp(events[1].id, "Greta Ahl", "greta@example.org").status == 201)
      // The same address in other letters is the same address.
      let refused = try client.signUp(events[2].id, "Greta Ahl", "GRETA@Example.org")
      expectProblem(refused, 429, "third for one email")
      let retryAfter = try #require(refused.header("Retry-After").flatMap { Int($0) }, "\(refused)")
      #expect((1...3600).contains(retryAfter), "Retry-After: \(retryAfter)")
      #expect(try fixture.registrationRows(events[2].id) == 0)
      // Another address from the same client is not held back.
      #expect(try client.signUp(events[2].id, "Bo Ek", "bo@example.org").status == 201)
    }
  }

  @Test func limitsHoldAcrossTwoServersOnOneDatabase() throws {
    try withAPIFixture("reg_api_limit_two") { fixture in
      let event = try fixture.openEvent("Två processer", capacity: 100)
      let settings = RegistrationSettings(
        perClient: 3, clientWindow: 600, perEmail: 100, emailWindow: 3600)
      let one = try SecondServer(fixture, registrations: settings)
      defer { one.close() }
      let two = try SecondServer(fixture, registrations: settings)
      defer { two.close() }
      #expect(try one.client.signUp(event.id, "P1", "p1@example.org").status == 201)
      #expect(try two.client.signUp(event.id, "P2", "p2@example.org").status == 201)
      #expect(try one.client.signUp(event.id, "P3", "p3@example.org").status == 201)
      expectProblem(try two.client.signUp(event.id, "P4", "p4@example.org"), 429, "second server")
      expectProblem(try one.client.signUp(event.id, "P5", "p5@example.org"), 429, "first server")
      #expect(try fixture.registrationRows(event.id) == 3)
    }
  }

  @Test func concurrentSignUpsOverHTTPNeverOverbookAndQueueInOrder() throws {
    try withAPIFixture("reg_api_race") { fixture in
      let event = try fixture.openEvent("Rusning", capacity: 5)
      let server = try SecondServer(
        fixture, registrations: RegistrationSettings(perClient: 100_000, perEmail: 100),
        workers: 8)
      defer { server.close() }
      let client = server.client
      let eventID = event.id
      let outcomes = concurrently(30) { n -> String in
        do {
          let reply = try client.signUp(eventID, "Person \(n)", "p\(n)@example.org")
          guard reply.status == 201 else { return "HTTP \(reply.status)" }
          let status = reply.json["status"] as? String ?? "?"
          return status + (jsonInt(reply.json["waitlist_position"]).map { " \($0)" } ?? "")
        } catch {
          return "error: \(error)"
        }
      }
      #expect(outcomes.filter { $0 == "confirmed" }.count == 5, "\(outcomes)")
      let positions = outcomes.filter { $0.hasPrefix("waitlisted ") }.compactMap {
        Int($0.dropFirst("waitlisted ".count))
      }
      #expect(positions.sorted() == Array(1...25), "\(outcomes)")
      // The five seats went to the first five to arrive.
      let list = try fixture.store.registrations.list(eventID: eventID)
      #expect(list.prefix(5).allSatisfy { $0.registration.status == .confirmed })
      #expect(list.dropFirst(5).map(\.waitlistPosition) == Array(1...25))
    }
  }

  @Test func concurrentSignUpsWithOneEmailMakeOneRegistration() throws {
    try withAPIFixture("reg_api_race_dup") { fixture in
      let event = try fixture.openEvent("Dubbelklick", capacity: 5)
      let server = try SecondServer(
        fixture, registrations: RegistrationSettings(perClient: 100_000, perEmail: 100),
        workers: 8)
      defer { server.close() }
      let client = server.client
      let eventID = event.id
      let statuses = concurrently(12) { n -> Int in
        let email = n.isMultiple(of: 2) ? "greta@example.org" : "GRETA@example.org"
        return (try? client.signUp(eventID, "Greta Ahl", email).status) ?? -1
      }
      #expect(statuses.filter { $0 == 201 }.count == 1, "\(statuses)")
      #expect(statuses.filter { $0 == 200 }.count == 11, "\(statuses)")
      #expect(try fixture.registrationRows(eventID) == 1)
    }
  }
}
