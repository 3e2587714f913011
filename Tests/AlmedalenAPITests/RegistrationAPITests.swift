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

extension APIFixture {
  /// Signs up through the whole flow, from the fixture's server: the request, the confirm
  /// mail read from the outbox, the confirm, and the sign-up mail with the attendee's links.
  func signUpByMail(_ eventID: UUID, _ name: String, _ email: String) throws -> MailedSignUp {
    try client(nil).signUpByMail(eventID, name, email, store: store)
  }

  /// The registration link of a sign-up's mail, which must be there.
  func registrationPath(
    _ signUp: MailedSignUp, sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> String {
    try #require(signUp.registrationPath, "no sign-up mail", sourceLocation: sourceLocation)
  }

  /// The calendar link of a sign-up's mail, which must be there.
  func calendarPath(
    _ signUp: MailedSignUp, sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> String {
    try #require(signUp.calendarPath, "no calendar link", sourceLocation: sourceLocation)
  }
}

/// Counts as the store gives them, every status present.
func counts(
  confirmed: Int = 0, waitlisted: Int = 0, cancelled: Int = 0, pending: Int = 0
) -> [RegistrationStatus: Int] {
  [.confirmed: confirmed, .waitlisted: waitlisted, .cancelled: cancelled, .pending: pending]
}

// MARK: - The tests

/// Public sign-up through the mail (request, confirm), the attendee's own links, the
/// organiser's list and the abuse limits, over HTTP against a real database.
@Suite struct RegistrationAPITests {
  @Test func signUpsAreConfirmedWhileSeatsRemainThenWaitlistedInOrder() throws {
    try withAPIFixture("reg_api_flow") { fixture in
      let event = try fixture.openEvent("Vem bygger Gotland?", capacity: 1)

      let first = try fixture.signUpByMail(event.id, "Anna Lind", "anna@example.org")
      #expect(first.request.status == 202, "\(first.request)")
      #expect(first.request.header("Content-Type")?.hasPrefix("application/json") == true)
      #expect(first.request.header("Cache-Control") == "no-store")
      // The answer to a request carries no link and nothing about the address.
      #expect(Set(first.request.json.keys) == ["event_id", "detail"], "\(first.request)")
      #expect(first.request.json["event_id"] as? String == event.id.wire)
      #expect(first.confirmation.header("Cache-Control") == "no-store")
      #expect(first.status == "confirmed", "\(first.confirmation)")
      #expect(first.confirmation.json["waitlist_position"] is NSNull)
      #expect(first.confirmation.json["event_id"] as? String == event.id.wire)
      #expect(first.confirmation.json["cancel_url"] == nil)
      #expect(first.confirmation.json["calendar_url"] == nil)
      let cancelSecret = secretOf(try fixture.registrationPath(first))
      let calendarSecret = secretOf(try fixture.calendarPath(first))
      #expect(isSecret(cancelSecret), "\(cancelSecret)")
      #expect(isSecret(calendarSecret), "\(calendarSecret)")
      #expect(cancelSecret != calendarSecret)
      #expect(cancelSecret != first.confirmSecret)
      #expect(first.confirmMail.calendarSecret == nil, "a request's mail links no attendee")

      let second = try fixture.signUpByMail(event.id, "Bo Ek", "bo@example.org")
      let third = try fixture.signUpByMail(event.id, "Cilla Gran", "cilla@example.org")
      for (signUp, position) in [(second, 1), (third, 2)] {
        #expect(signUp.request.status == 202)
        #expect(signUp.status == "waitlisted", "\(signUp.confirmation)")
        #expect(signUp.waitlistPosition == position)
        #expect(isSecret(secretOf(try fixture.registrationPath(signUp))))
        #expect(isSecret(secretOf(try fixture.calendarPath(signUp))))
      }
      // Every link is the attendee's own.
      let secrets = [first, second, third].flatMap { signUp in
        [signUp.registrationPath, signUp.calendarPath].compactMap { $0.map(secretOf) }
      }
      #expect(Set(secrets).count == 6)
    }
  }

  @Test func aRequestForAnAddressSignedUpAlreadyMailsItsLinksAndChangesNothing() throws {
    try withAPIFixture("reg_api_duplicate") { fixture in
      let event = try fixture.openEvent("Dubbelbokat?", capacity: 1)
      let anna = try fixture.signUpByMail(event.id, "Anna Lind", "anna@example.org")
      let bo = try fixture.signUpByMail(event.id, "Bo Ek", "Bo.Ek@Example.org")
      #expect(bo.status == "waitlisted")
      let client = fixture.client(nil)

      let again = try client.signUp(event.id, "Anna L.", "ANNA@EXAMPLE.ORG")
      #expect(again.status == 202, "\(again)")
      #expect(again.body == anna.request.body, "the answer tells a known address apart")
      let mails = try fixture.store.deliverMail()
      #expect(mails.map(\.kind) == [.already], "\(mails.map(\.kind))")
      let already = try #require(mails.first)
      #expect(already.recipient.lowercased() == "anna@example.org")
      // Its links are Anna's registration, which is as it was.
      let link = try #require(already.registrationSecret)
      let status = try client.get("/api/v1/registrations/\(link)")
      #expect(status.json["status"] as? String == "confirmed", "\(status)")
      #expect(
        try client.get(fixture.registrationPath(anna)).json["status"] as? String == "confirmed")
      #expect(already.calendarSecret != nil, "the already mail carries the calendar")

      let waitlistedAgain = try client.signUp(event.id, "Bo Ek", "bo.ek@example.ORG")
      #expect(waitlistedAgain.status == 202)
      #expect(try fixture.store.deliverMail().map(\.kind) == [.already])
      let boStatus = try client.get(fixture.registrationPath(bo))
      #expect(boStatus.json["status"] as? String == "waitlisted")
      #expect(jsonInt(boStatus.json["waitlist_position"]) == 1)
      // The two requests only hold places, which are no one's until they expire.
      #expect(
        try fixture.store.registrations.counts(eventID: event.id)
          == counts(confirmed: 1, waitlisted: 1, pending: 2))
      let proven = try fixture.store.registrations.list(eventID: event.id).filter {
        $0.registration.verifiedAt != nil
      }
      #expect(proven.count == 2)
    }
  }

  @Test func withTheAttendeeTokenASignUpIsMadeAtOnceAndARepeatSaysItExists() throws {
    try withAPIFixture("reg_api_attendee_token") { fixture in
      let first = try fixture.openEvent("Första", capacity: 1, hour: 9)
      let second = try fixture.openEvent("Andra", capacity: 1, hour: 11)
      let greta = try fixture.signUpByMail(first.id, "Greta Ahl", "greta@example.org")
      let token = secretOf(try fixture.calendarPath(greta))
      #expect(try fixture.signUpByMail(second.id, "Bo Ek", "bo@example.org").status == "confirmed")
      let client = fixture.client(nil)

      let made = try client.requestSignUp(
        second.id, "Greta Ahl", "GRETA@example.org", attendeeToken: token)
      #expect(made.status == 201, "\(made)")
      #expect(made.json["status"] as? String == "waitlisted")
      #expect(jsonInt(made.json["waitlist_position"]) == 1)
      #expect(made.json["existing"] as? Bool == false)
      #expect(made.json["cancel_url"] == nil && made.json["calendar_url"] == nil, "\(made)")
      let mails = try fixture.store.deliverMail()
      #expect(mails.map(\.kind) == [.signup], "\(mails.map(\.kind))")

      let repeated = try client.requestSignUp(
        second.id, "Greta Ahl", "greta@example.org", attendeeToken: token)
      #expect(repeated.status == 200, "\(repeated)")
      #expect(repeated.json["existing"] as? Bool == true)
      #expect(repeated.json["status"] as? String == "waitlisted")
      #expect(try fixture.store.deliverMail().isEmpty)

      // The token proves only its own address: with another, it is a request like any.
      let other = try client.requestSignUp(
        second.id, "Någon Annan", "annan@example.org", attendeeToken: token)
      #expect(other.status == 202, "\(other)")
      #expect(Set(other.json.keys) == ["event_id", "detail"], "\(other)")
      #expect(try fixture.store.deliverMail().map(\.kind) == [.confirm])
      // A token that is not one proves nothing either.
      let forged = try client.requestSignUp(
        second.id, "Greta Ahl", "greta@example.org",
        attendeeToken: String(repeating: "A", count: 43))
      #expect(forged.status == 202, "\(forged)")
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
      #expect(try fixture.store.deliverMail().isEmpty)
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
        (
          ["name": "Anna Lind", "email": "anna@example.org", "attendee_token": 7], "attendee_token"
        ),
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
      let annaLink = try fixture.registrationPath(
        fixture.signUpByMail(event.id, "Anna Lind", "anna@example.org"))
      let boLink = try fixture.registrationPath(
        fixture.signUpByMail(event.id, "Bo Ek", "bo@example.org"))
      let cillaLink = try fixture.registrationPath(
        fixture.signUpByMail(event.id, "Cilla Gran", "cilla@example.org"))

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
      let mails = try fixture.store.deliverMail()
      #expect(
        Set(mails.map { "\($0.kind.rawValue) \($0.recipient)" })
          == ["cancellation anna@example.org", "promotion bo@example.org"])

      // Cancelling again changes nothing and promotes no one else.
      let repeated = try client.delete(annaLink)
      #expect((200..<300).contains(repeated.status), "\(repeated)")
      #expect(try client.get(cillaLink).json["status"] as? String == "waitlisted")
      #expect(
        try fixture.store.registrations.counts(eventID: event.id)
          == counts(confirmed: 1, waitlisted: 1, cancelled: 1))

      // Links that are not ours are simply not found.
      let unknown = String(repeating: "A", count: 43)
      expectProblem(try client.get("/api/v1/registrations/\(unknown)"), 404, "unknown")
      expectProblem(try client.delete("/api/v1/registrations/\(unknown)"), 404, "unknown")
      expectProblem(try client.delete("/api/v1/registrations/kort"), 404, "malformed")
      expectProblem(try client.confirmSignUp(unknown), 404, "confirming an unknown link")
    }
  }

  @Test func raisingCapacityPromotesInArrivalOrderAndLoweringItRemovesNobody() throws {
    try withAPIFixture("reg_api_capacity") { fixture in
      let event = try fixture.openEvent("Fler platser", capacity: 1)
      let client = fixture.client(nil)
      var links: [String: String] = [:]
      for name in ["Anna", "Bo", "Cilla", "David"] {
        let signUp = try fixture.signUpByMail(event.id, name, "\(name.lowercased())@example.org")
        links[name] = try fixture.registrationPath(signUp)
      }
      func status(_ name: String) throws -> String? {
        try client.get(try #require(links[name])).json["status"] as? String
      }
      let owner = fixture.client(fixture.own)
      let path = "/api/v1/events/\(event.id.wire)"

      let raised = try owner.patch(
        path, ["capacity": 3], ifMatch: try owner.get(path).header("ETag"))
      #expect(raised.status == 200, "\(raised)")
      #expect(try status("Bo") == "confirmed")
      #expect(try status("Cilla") == "confirmed")
      #expect(try status("David") == "waitlisted")
      #expect(jsonInt(try client.get(try #require(links["David"])).json["waitlist_position"]) == 1)

      let lowered = try owner.patch(
        path, ["capacity": 1], ifMatch: try owner.get(path).header("ETag"))
      #expect(lowered.status == 200, "\(lowered)")
      for name in ["Anna", "Bo", "Cilla"] { #expect(try status(name) == "confirmed", "\(name)") }
      #expect(try status("David") == "waitlisted")
      // With more confirmed than seats, a freed seat promotes no one.
      #expect(try client.delete(try #require(links["Anna"])).status == 200)
      #expect(try status("David") == "waitlisted")
      let late = try fixture.signUpByMail(event.id, "Erik", "erik@example.org")
      #expect(late.status == "waitlisted")
      #expect(late.waitlistPosition == 2)
      #expect(
        try fixture.store.registrations.counts(eventID: event.id)
          == counts(confirmed: 2, waitlisted: 2, cancelled: 1))
    }
  }

  @Test func theAttendeeCalendarShowsWaitlistedAsTentativeAndConfirmedAsConfirmed() throws {
    try withAPIFixture("reg_api_calendar") { fixture in
      let full = try fixture.openEvent("Fullsatt seminarium", capacity: 1, hour: 10)
      let roomy = try fixture.openEvent("Gott om plats", capacity: 50, hour: 14)
      let other = try fixture.openEvent("Inte anmäld hit", capacity: 50, hour: 16)
      let client = fixture.client(nil)
      #expect(
        try fixture.signUpByMail(full.id, "Först Påplats", "forst@example.org").status
          == "confirmed")
      #expect(
        try fixture.signUpByMail(other.id, "Först Påplats", "forst@example.org").status
          == "confirmed")
      let waitlisted = try fixture.signUpByMail(full.id, "Greta Ahl", "greta@example.org")
      let confirmed = try fixture.signUpByMail(roomy.id, "Greta Ahl", "GRETA@example.org")
      #expect(waitlisted.status == "waitlisted")
      #expect(confirmed.status == "confirmed")

      // Either sign-up's link shows the same calendar: both of Greta's seminars.
      var bodies: [[UInt8]] = []
      for signUp in [waitlisted, confirmed] {
        let path = try fixture.calendarPath(signUp)
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
      let first = try fixture.signUpByMail(stopped.id, "Greta Ahl", "greta@example.org")
      let second = try fixture.signUpByMail(dropped.id, "Greta Ahl", "greta@example.org")
      #expect(try fixture.signUpByMail(kept.id, "Greta Ahl", "greta@example.org").status != nil)
      let path = try fixture.calendarPath(first)
      let before = try client.get(path)
      #expect(veventsOf(before.text).count == 3)
      let etag = try #require(before.header("ETag"))

      #expect(
        try fixture.client(fixture.admin).post("/api/v1/events/\(stopped.id.wire)/cancel")
          .status == 200)
      #expect(try client.delete(fixture.registrationPath(second)).status == 200)
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
      let anna = try fixture.signUpByMail(event.id, "Anna Lind", "anna@example.org")
      let bo = try fixture.signUpByMail(event.id, "Bo Ek", "bo@example.org")
      let path = try fixture.calendarPath(bo)
      let before = veventTitled(try client.get(path).text, titled: "Kön flyttar fram")
      #expect(veventProperty(before, "STATUS") == "TENTATIVE")

      #expect(try client.delete(fixture.registrationPath(anna)).status == 200)
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
      let first = try fixture.signUpByMail(one.id, "Greta Ahl", "greta@example.org")
      let second = try fixture.signUpByMail(two.id, "Greta Ahl", "greta@example.org")
      let someoneElse = try fixture.signUpByMail(one.id, "Bo Ek", "bo@example.org")
      let firstPath = try fixture.calendarPath(first)
      let secondPath = try fixture.calendarPath(second)
      let otherPath = try fixture.calendarPath(someoneElse)
      #expect(try client.get(secondPath).status == 200)

      let revoked = try client.delete(firstPath)
      #expect(revoked.status == 204, "\(revoked)")
      expectProblem(try client.get(firstPath), 404, "revoked link")
      expectProblem(try client.get(secondPath), 404, "the attendee's other link")
      expectProblem(try client.delete(secondPath), 404, "revoking again")
      // Someone else's calendar and Greta's sign-ups are untouched.
      #expect(try client.get(otherPath).status == 200)
      let cancelLink = try fixture.registrationPath(first)
      #expect(try client.get(cancelLink).json["status"] as? String == "confirmed")

      let third = try fixture.signUpByMail(three.id, "Greta Ahl", "greta@example.org")
      #expect(third.status == "confirmed", "\(third.confirmation)")
      let newPath = try fixture.calendarPath(third)
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
      var signUps: [MailedSignUp] = []
      for (name, email) in [
        ("Anna Lind", "anna@example.org"), ("Bo Ek", "bo@example.org"),
        ("Cilla Gran", "cilla@example.org"), ("David Öst", "david@example.org"),
      ] {
        signUps.append(try fixture.signUpByMail(event.id, name, email))
      }
      #expect(try fixture.client(nil).delete(fixture.registrationPath(signUps[3])).status == 200)
      // A request not confirmed yet shows as pending, apart.
      #expect(
        try fixture.client(nil).signUp(event.id, "Erik Väntar", "erik@example.org").status == 202)
      let path = "/api/v1/events/\(event.id.wire)/registrations"

      for token in [fixture.own, fixture.admin] {
        let list = try fixture.client(token).get(path)
        #expect(list.status == 200, "\(token.name): \(list)")
        #expect(list.header("Cache-Control") == "no-store")
        #expect(list.json["event_id"] as? String == event.id.wire)
        #expect(jsonInt(list.json["capacity"]) == 1)
        let counts = (list.json["counts"] as? [String: Any] ?? [:]).mapValues(jsonInt)
        #expect(
          counts == ["confirmed": 1, "waitlisted": 2, "cancelled": 1, "pending": 1], "\(list)")
        let items = list.items
        #expect(
          items.map { $0["name"] as? String }
            == ["Anna Lind", "Bo Ek", "Cilla Gran", "David Öst", "Erik Väntar"])
        #expect(
          items.map { $0["email"] as? String }
            == [
              "anna@example.org", "bo@example.org", "cilla@example.org", "david@example.org",
              "erik@example.org",
            ])
        #expect(
          items.map { $0["status"] as? String }
            == ["confirmed", "waitlisted", "waitlisted", "cancelled", "pending"])
        // The request holds the third waitlist place (seats are taken), pending.
        #expect(items.map { jsonInt($0["waitlist_position"]) } == [nil, 1, 2, nil, 3])
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
      for (name, email) in [
        ("Åsa Öberg-Ärlig", "asa@example.org"), ("=SUMMA(A1:A9)", "formel@example.org"),
        (#"Karl "Kalle"; Svensson"#, "kalle@example.org"), ("@Kommando", "at@example.org"),
      ] {
        #expect(try fixture.signUpByMail(event.id, name, email).status != nil)
      }
      #expect(
        try fixture.client(nil).signUp(event.id, "Obekräftad", "ob@example.org").status == 202)
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
      #expect(lines.count == 6, "\(text)")
      #expect(lines.first == "Nr;Namn;E-post;Status;Plats i kön;Anmäld")
      let rows = Array(lines.dropFirst())
      #expect(rows.count == 5)
      guard rows.count == 5 else { return }
      #expect(rows[0].hasPrefix("1;Åsa Öberg-Ärlig;asa@example.org;bekräftad;;"), "\(rows[0])")
      #expect(rows[1].hasPrefix("2;'=SUMMA(A1:A9);formel@example.org;bekräftad;;"), "\(rows[1])")
      #expect(
        rows[2].hasPrefix(#"3;"Karl ""Kalle""; Svensson";kalle@example.org;väntelista;1;"#),
        "\(rows[2])")
      #expect(rows[3].hasPrefix("4;'@Kommando;at@example.org;väntelista;2;"), "\(rows[3])")
      // A request holds the third waitlist place: shown as not confirmed, with the place.
      #expect(rows[4].hasPrefix("5;Obekräftad;ob@example.org;ej bekräftad;3;"), "\(rows[4])")
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
        fixture, registrations: RegistrationSettings(perClient: 3, clientWindow: 600))
      defer { limited.close() }
      let client = limited.client
      for n in 1...3 {
        let reply = try client.signUp(event.id, "Person \(n)", "p\(n)@example.org")
        #expect(reply.status == 202, "sign-up \(n): \(reply)")
      }
      let refused = try client.signUp(event.id, "Person 4", "p4@example.org")
      expectProblem(refused, 429, "fourth from one client")
      let retryAfter = try #require(refused.header("Retry-After").flatMap { Int($0) }, "\(refused)")
      #expect((1...600).contains(retryAfter), "Retry-After: \(retryAfter)")
      #expect(try fixture.registrationRows(event.id) == 3)
      #expect(try fixture.store.deliverMail().count == 3, "a refused request mails nothing")
    }
  }

  /// Issue 19, finding 4: anyone could lock a person out for an hour with six sign-ups in
  /// their name. Now mail to one address is capped instead, silently, and nothing answers 429.
  @Test func mailToOneAddressIsCappedAndTheAddressIsNeverRefused() throws {
    try withAPIFixture("reg_api_email_cap") { fixture in
      let events = try (0..<3).map {
        try fixture.openEvent("Seminarium \($0)", capacity: 100, hour: 9 + 2 * $0)
      }
      let limited = try SecondServer(
        fixture,
        registrations: RegistrationSettings(
          perClient: 100_000, clientWindow: 600, linksPerAddress: 5))
      defer { limited.close() }
      let client = limited.client
      let spellings = [
        "greta@example.org", "GRETA@Example.org", "Greta@example.org", "greta@EXAMPLE.ORG",
        "gReTa@example.org",
      ]
      var answers: [HTTPReply] = []
      for (n, email) in spellings.enumerated() {
        answers.append(try client.signUp(events[n % 3].id, "Greta Ahl", email))
      }
      let fiveMails = try fixture.store.deliverMail()
      #expect(fiveMails.count == 5, "\(fiveMails.map(\.kind))")
      #expect(fiveMails.allSatisfy { $0.recipient.lowercased() == "greta@example.org" })

      // The sixth in the hour: answered the same, but no mail goes out.
      let sixth = try client.signUp(events[2].id, "Greta Ahl", "greta@example.org")
      #expect(sixth.status == 202, "\(sixth)")
      #expect(sixth.body == answers[2].body, "the same seminar's answer")
      #expect(sixth.header("Retry-After") == nil)
      #expect(try fixture.store.deliverMail().isEmpty, "the sixth mail in an hour went out")
      // Nor does any later one; none is refused.
      for n in 0..<4 {
        let reply = try client.signUp(events[n % 3].id, "Greta Ahl", "greta@example.org")
        #expect(reply.status == 202, "\(reply)")
      }
      #expect(try fixture.store.deliverMail().isEmpty)
      // Greta herself can still confirm a mailed request: the cap never locks her out.
      let confirmLink = try #require(fiveMails.first?.registrationSecret)
      let confirmed = try client.confirmSignUp(confirmLink)
      #expect(confirmed.status == 200, "\(confirmed)")
      #expect(confirmed.json["status"] as? String == "confirmed")
      // Another address from the same client is not held back.
      #expect(try client.signUp(events[2].id, "Bo Ek", "bo@example.org").status == 202)
      let boMail = try fixture.store.deliverMail().filter { $0.recipient == "bo@example.org" }
      #expect(boMail.map(\.kind) == [.confirm])
    }
  }

  @Test func limitsHoldAcrossTwoServersOnOneDatabase() throws {
    try withAPIFixture("reg_api_limit_two") { fixture in
      let event = try fixture.openEvent("Två processer", capacity: 100)
      let settings = RegistrationSettings(perClient: 3, clientWindow: 600)
      let one = try SecondServer(fixture, registrations: settings)
      defer { one.close() }
      let two = try SecondServer(fixture, registrations: settings)
      defer { two.close() }
      #expect(try one.client.signUp(event.id, "P1", "p1@example.org").status == 202)
      #expect(try two.client.signUp(event.id, "P2", "p2@example.org").status == 202)
      #expect(try one.client.signUp(event.id, "P3", "p3@example.org").status == 202)
      expectProblem(try two.client.signUp(event.id, "P4", "p4@example.org"), 429, "second server")
      expectProblem(try one.client.signUp(event.id, "P5", "p5@example.org"), 429, "first server")
      #expect(try fixture.registrationRows(event.id) == 3)
    }
  }

  @Test func concurrentRequestsOverHTTPNeverOverbookAndQueueInOrder() throws {
    try withAPIFixture("reg_api_race") { fixture in
      let event = try fixture.openEvent("Rusning", capacity: 5)
      let server = try SecondServer(
        fixture, registrations: RegistrationSettings(perClient: 100_000), workers: 8)
      defer { server.close() }
      let client = server.client
      let eventID = event.id
      let statuses = concurrently(30) { n -> Int in
        (try? client.signUp(eventID, "Person \(n)", "p\(n)@example.org").status) ?? -1
      }
      #expect(statuses == Array(repeating: 202, count: 30), "\(statuses)")
      // The requests hold five seats and 25 waitlist places, nothing more.
      let places = try fixture.store.registrations.places(eventID: eventID)
      #expect(places.seated == 5 && places.queued == 25, "\(places)")

      // Confirmed in any order, each keeps the place it held, by arrival.
      let mails = try fixture.store.deliverMail()
      #expect(mails.count == 30)
      let secrets = mails.compactMap(\.registrationSecret)
      let outcomes = concurrently(secrets.count) { n -> String in
        guard let reply = try? client.confirmSignUp(secrets[n]), reply.status == 200 else {
          return "failed"
        }
        let status = reply.json["status"] as? String ?? "?"
        return status + (jsonInt(reply.json["waitlist_position"]).map { " \($0)" } ?? "")
      }
      #expect(outcomes.filter { $0 == "confirmed" }.count == 5, "\(outcomes)")
      let positions = outcomes.filter { $0.hasPrefix("waitlisted ") }.compactMap {
        Int($0.dropFirst("waitlisted ".count))
      }
      #expect(positions.count == 25, "\(outcomes)")
      // The five seats went to the first five to arrive.
      let list = try fixture.store.registrations.list(eventID: eventID)
      #expect(list.prefix(5).allSatisfy { $0.registration.status == .confirmed })
      #expect(list.dropFirst(5).map(\.waitlistPosition) == Array(1...25))
    }
  }

  @Test func concurrentConfirmsWithOneEmailMakeOneRegistration() throws {
    try withAPIFixture("reg_api_race_dup") { fixture in
      let event = try fixture.openEvent("Dubbelklick", capacity: 20)
      let server = try SecondServer(
        fixture, registrations: RegistrationSettings(perClient: 100_000, linksPerAddress: 100),
        workers: 8)
      defer { server.close() }
      let client = server.client
      let eventID = event.id
      let statuses = concurrently(12) { n -> Int in
        let email = n.isMultiple(of: 2) ? "greta@example.org" : "GRETA@example.org"
        return (try? client.signUp(eventID, "Greta Ahl", email).status) ?? -1
      }
      #expect(statuses == Array(repeating: 202, count: 12), "\(statuses)")
      let secrets = try fixture.store.deliverMail().filter { $0.kind == .confirm }.compactMap(
        \.registrationSecret)
      #expect(secrets.count == 12)
      let confirms = concurrently(secrets.count) { n -> String in
        guard let reply = try? client.confirmSignUp(secrets[n]) else { return "error" }
        return "\(reply.status) \(reply.json["status"] as? String ?? "?")"
      }
      #expect(confirms == Array(repeating: "200 confirmed", count: 12), "\(confirms)")
      let live = try fixture.store.registrations.list(eventID: eventID).filter {
        $0.registration.status != .cancelled
      }
      #expect(live.count == 1, "\(live.map(\.registration.status))")
      #expect(live.first?.registration.verifiedAt != nil)
      // One sign-up mail, for the one registration.
      #expect(try fixture.store.deliverMail().map(\.kind) == [.signup])
    }
  }
}
