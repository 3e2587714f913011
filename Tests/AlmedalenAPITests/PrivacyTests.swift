import AlmedalenAPI
import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import HTTPServer
import LoopbackTesting
import Postgres
import Synchronization
import Testing

/// Attendee data stays with the attendee, the event's organiser and admins: never in a public
/// answer, a log line or the database in clear, and gone after erasure or retention.
@Suite struct PrivacyTests {
  static let name = "Zlatan Hemligsson"
  static let email = "Hemlig.Person@Example.org"
  static let otherName = "Åsa Sekretessdóttir"
  static let otherEmail = "asa.sekretess@example.se"

  /// Every form in which the two attendees' data could show.
  static let needles: [String] = {
    let values = [
      name, "Hemligsson", email, "Hemlig.Person", otherName, "Sekretessdóttir", otherEmail,
      "asa.sekretess",
    ]
    return Array(Set(values + values.map { $0.lowercased() } + values.map { $0.uppercased() }))
  }()

  /// Checks that neither the headers nor the body of `reply` (unfolded, for calendars) carry
  /// any form of the attendees' names or emails.
  func expectNoAttendeeData(
    _ reply: HTTPReply, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let headers = reply.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    let body = reply.text.replacingOccurrences(of: "\r\n ", with: "")
    for needle in Self.needles {
      #expect(
        !headers.contains(needle), "\(what): a header has \(needle)", sourceLocation: sourceLocation
      )
      #expect(
        !body.contains(needle), "\(what): the body has \(needle)", sourceLocation: sourceLocation)
    }
  }

  /// Each table of the database as text (`t::text` of every row), by table name.
  func tableDumps(_ fixture: APIFixture) throws -> [String: String] {
    try fixture.store.pool.withConnection { connection in
      var dumps: [String: String] = [:]
      for row in try connection.query(
        """
        SELECT table_name::text AS name,
          coalesce(query_to_xml(format('SELECT t::text AS r FROM %I t', table_name),
            false, false, '')::text, '') AS dump
        FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
        """)
      {
        dumps[try row.decode("name")] = try row.decode("dump")
      }
      return dumps
    }
  }

  /// Two attendees on a seminar with one seat (one confirmed, one waitlisted), with a
  /// speaker, so that every public feed has something to show.
  func signedUpScene(_ fixture: APIFixture) throws -> (
    event: Event, signUp: MailedSignUp, other: MailedSignUp
  ) {
    let event = try fixture.openEvent(
      "Integritet i praktiken", capacity: 1,
      participants: [Participation(personID: fixture.person.id, role: .speaker)])
    let signUp = try fixture.signUpByMail(event.id, Self.name, Self.email)
    let other = try fixture.signUpByMail(event.id, Self.otherName, Self.otherEmail)
    #expect(signUp.status == "confirmed", "\(signUp.confirmation)")
    #expect(other.status == "waitlisted", "\(other.confirmation)")
    return (event, signUp, other)
  }

  @Test func noPublicAnswerEverContainsAnAttendeesNameOrEmail() throws {
    try withAPIFixture("privacy_public") { fixture in
      let (event, signUp, other) = try signedUpScene(fixture)
      let closed = try fixture.openEvent(
        "Stängd för anmälan", capacity: 5, hour: 15, registrationOpen: false)
      let client = fixture.client(nil)
      expectNoAttendeeData(signUp.request, "the sign-up answer")
      expectNoAttendeeData(signUp.confirmation, "the confirm answer")
      expectNoAttendeeData(other.request, "the waitlisted sign-up answer")
      expectNoAttendeeData(other.confirmation, "the waitlisted confirm answer")
      let duplicate = try client.signUp(event.id, Self.name, Self.email.lowercased())
      #expect(duplicate.status == 202)
      expectNoAttendeeData(duplicate, "the repeated sign-up answer")
      expectNoAttendeeData(
        try client.confirmSignUp(signUp.confirmSecret), "the repeated confirm answer")
      let refused = try client.signUp(closed.id, Self.name, Self.email)
      #expect(refused.status == 409)
      expectNoAttendeeData(refused, "a refused sign-up")
      expectNoAttendeeData(
        try client.signUp(UUID(), Self.name, Self.email), "a sign-up for no event")

      let cancelPath = try fixture.registrationPath(signUp)
      let calendarPath = try fixture.calendarPath(signUp)
      let otherCancel = try fixture.registrationPath(other)
      let otherCalendar = try fixture.calendarPath(other)
      var targets = [
        "/feeds/program.ics", "/feeds/program.rss", "/feeds/events/\(event.id.wire).ics",
        "/feeds/people/\(fixture.person.id.wire).ics", "/feeds/schedule.xml",
        "/feeds/schedule.json", "/feeds/schedule.xml?year=\(APIFixture.futureYear)",
        "/feeds/program.ics?organiser=\(fixture.organiser.id.wire)", "/api/v1/feeds",
        "/api/v1/openapi.json", "/healthz", "/robots.txt",
      ]
      targets += [
        cancelPath, calendarPath, otherCancel, otherCalendar,
        "/registrations/\(secretOf(cancelPath))", "/attendees/\(secretOf(calendarPath))",
        "/registrations/\(signUp.confirmSecret)",
      ]
      var bodies = 0
      for target in targets {
        let reply = try client.get(target)
        #expect(reply.status == 200, "\(target): \(reply)")
        if target.hasPrefix("/feeds/") && target.contains(".ics") {
          #expect(reply.text.contains("SUMMARY:Integritet i praktiken"), "\(target)")
        } else if target.hasPrefix("/attendees/") || target.hasPrefix("/registrations/") {
          #expect(reply.text.contains("Integritet i praktiken"), "\(target)")
        }
        bodies += reply.body.count
        expectNoAttendeeData(reply, target)
      }
      #expect(bodies > 10_000)
      let head = try client.send("HEAD", calendarPath)
      expectNoAttendeeData(head, "HEAD of the calendar")
      let etag = try #require(try client.get(calendarPath).header("ETag"))
      expectNoAttendeeData(
        try client.get(calendarPath, headers: [("If-None-Match", etag)]), "304 of the calendar")
      // The check sees names and emails where they belong: the organiser's own list.
      let ownList = try fixture.client(fixture.own).get(
        "/api/v1/events/\(event.id.wire)/registrations")
      #expect(ownList.text.contains(Self.name) && ownList.text.contains(Self.email), "\(ownList)")
      expectNoAttendeeData(
        try client.get("/api/v1/events/\(event.id.wire)/registrations"), "the list without a token")
      expectNoAttendeeData(
        try fixture.client(fixture.other).get("/api/v1/events/\(event.id.wire)/registrations"),
        "the list for another organiser")

      // The event as the admin API shows it carries no attendee either.
      for token in [fixture.admin, fixture.own] {
        let api = fixture.client(token)
        for target in [
          "/api/v1/events/\(event.id.wire)", "/api/v1/events", "/api/v1/events?status=published",
          "/api/v1/events/\(event.id.wire)/history",
        ] {
          let reply = try api.get(target)
          #expect(reply.status == 200, "\(token.name) \(target): \(reply)")
          expectNoAttendeeData(reply, "\(token.name) \(target)")
        }
      }

      // The attendee's own cancellation and revocation answers.
      expectNoAttendeeData(try client.delete(otherCancel), "the cancel answer")
      expectNoAttendeeData(try client.get(calendarPath), "the calendar after a cancellation")
      expectNoAttendeeData(try client.delete(otherCalendar), "the revoke answer")
    }
  }

  @Test func secretsAndEmailsAreNeverStoredInClearOutsideTheRegistration() throws {
    try withAPIFixture("privacy_hashes") { fixture in
      let (_, signUp, other) = try signedUpScene(fixture)
      var secrets = [fixture.admin.secret, fixture.own.secret, fixture.other.secret]
      for signUp in [signUp, other] {
        secrets.append(secretOf(try fixture.registrationPath(signUp)))
        secrets.append(secretOf(try fixture.calendarPath(signUp)))
        secrets.append(signUp.confirmSecret)
      }
      #expect(secrets.dropFirst(3).allSatisfy(isSecret))

      let dumps = try tableDumps(fixture)
      for table in [
        "registrations", "registration_tokens", "calendar_tokens", "rate_limits", "api_tokens",
        "attendees", "mail_outbox",
      ] {
        #expect(dumps[table]?.contains("<row>") == true, "\(table) is empty: nothing was checked")
      }
      // The dump sees what is stored where it belongs.
      #expect(dumps["registrations"]?.contains(Self.email) == true)
      #expect(dumps["attendees"]?.contains(Self.otherEmail) == true)
      for (table, dump) in dumps {
        for secret in secrets {
          #expect(!dump.contains(secret), "\(table) holds a secret in clear")
        }
      }
      // Rate limits, calendar links and API tokens hold no email, name or client address.
      for table in ["rate_limits", "calendar_tokens", "registration_tokens", "api_tokens"] {
        let dump = dumps[table] ?? ""
        for needle in Self.needles {
          #expect(!dump.contains(needle), "\(table) holds \(needle)")
        }
        #expect(!dump.contains("127.0.0.1"), "\(table) holds the client's address")
      }

      // What is stored is the SHA-256 of the secret.
      let cancelSecret = secrets[3]
      let calendarSecret = secrets[4]
      let confirmSecret = secrets[5]
      let matches: (Int, Int, Int) = try fixture.store.pool.withConnection { connection in
        func registrationTokens(_ secret: String) throws -> Int {
          try connection.query(
            """
            SELECT count(*)::int AS n FROM registration_tokens
            WHERE token_hash = sha256(convert_to(\(secret), 'UTF8'))
            """)[0].decode("n")
        }
        let calendarTokens: Int = try connection.query(
          """
          SELECT count(*)::int AS n FROM calendar_tokens
          WHERE token_hash = sha256(convert_to(\(calendarSecret), 'UTF8'))
          """)[0].decode("n")
        return (
          try registrationTokens(cancelSecret), calendarTokens,
          try registrationTokens(confirmSecret)
        )
      }
      #expect(matches == (1, 1, 1))
    }
  }

  @Test func loggedPathRedactsEveryAttendeeSecret() throws {
    let secret = "Qx3_kL9-vT2mN8pR4sW6yZ0aB5cD7eF1gH3iJ5kL7mN"
    #expect(isSecret(secret))
    let percentEncoded = "%51" + secret.dropFirst()  // %51 is "Q"
    let targets = [
      "/api/v1/registrations/\(secret)", "/api/v1/registrations/\(secret)?utm_source=mejl",
      "/api/v1/registrations/\(percentEncoded)",
      "https://almedalen.test/api/v1/registrations/\(secret)",
      "/api/v1/registrations/\(secret)/",
      "/feeds/attendee/\(secret).ics", "/feeds/attendee/\(secret).ics?x=1",
      "/feeds/attendee/\(percentEncoded).ics",
      "https://almedalen.test/feeds/attendee/\(secret).ics",
      "/feeds/attendee/\(secret).ics/",
    ]
    for target in targets {
      for method in ["GET", "HEAD", "DELETE"] {
        let logged = Application.loggedPath(try Request(method: method, target: target))
        // All but the first character, so that a raw percent-encoded form is caught too.
        #expect(!logged.contains(secret.dropFirst()), "\(method) \(target) is logged as \(logged)")
      }
    }
    #expect(
      Application.loggedPath(try Request(method: "GET", target: targets[0]))
        == "/api/v1/registrations/{token}")
    #expect(
      Application.loggedPath(try Request(method: "GET", target: targets[5]))
        == "/feeds/attendee/{token}.ics")
    // A literal segment outranks a parameter here as in routing: resend is not a token.
    #expect(
      Application.loggedPath(try Request(method: "POST", target: "/api/v1/registrations/resend"))
        == "/api/v1/registrations/resend")
    // Other paths are logged as they are.
    #expect(
      Application.loggedPath(try Request(method: "GET", target: "/feeds/program.ics?day=x"))
        == "/feeds/program.ics")
  }

  /// Collects access-log lines.
  final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
  }

  @Test func theAccessLogNeverShowsASecretOnAnyPathTheRouterAnswers() throws {
    try withAPIFixture("privacy_log") { fixture in
      let event = try fixture.openEvent("Loggat", capacity: 5)
      let log = LogLines()
      let server = try SecondServer(
        fixture, registrations: RegistrationSettings(),
        loggedPath: { Application.loggedPath($0) }, logSink: { log.append($0) })
      defer { server.close() }
      let client = server.client
      let signUp = try client.signUpByMail(event.id, Self.name, Self.email, store: fixture.store)
      let cancelPath = try fixture.registrationPath(signUp)
      let calendarPath = try fixture.calendarPath(signUp)
      let secrets = [secretOf(cancelPath), secretOf(calendarPath), signUp.confirmSecret]
      for target in [
        cancelPath, cancelPath + "?ref=mejl", cancelPath + "/", calendarPath,
        calendarPath + "?ref=app", calendarPath + "/", "/registrations/\(signUp.confirmSecret)",
        "/attendees/\(secretOf(calendarPath))",
      ] {
        let reply = try client.get(target)
        #expect(reply.status == 200, "\(target): \(reply)")
      }
      #expect(try client.send("HEAD", calendarPath).status == 200)
      let lines = log.all
      // The request and the confirm are logged too.
      #expect(lines.count >= 11, "\(lines)")
      for line in lines {
        for secret in secrets {
          #expect(!line.contains(secret), "the access log shows a secret: \(line)")
        }
        for needle in Self.needles {
          #expect(!line.contains(needle), "the access log shows \(needle): \(line)")
        }
      }
    }
  }

  @Test func erasingAPersonForgetsThemEverywhereAndKeepsTheCounts() throws {
    try withAPIFixture("privacy_erase") { fixture in
      let first = try fixture.openEvent("Ett säte", capacity: 1, hour: 10)
      let second = try fixture.openEvent("Många säten", capacity: 10, hour: 14)
      let client = fixture.client(nil)
      #expect(
        try fixture.signUpByMail(first.id, "Anna Kvar", "anna.kvar@example.org").status
          == "confirmed")
      let waitlisted = try fixture.signUpByMail(first.id, Self.name, Self.email)
      let confirmed = try fixture.signUpByMail(second.id, Self.name, Self.email.lowercased())
      #expect(waitlisted.status == "waitlisted")
      #expect(confirmed.status == "confirmed")
      let calendars = try [waitlisted, confirmed].map { try fixture.calendarPath($0) }
      let registrations = fixture.store.registrations
      let countsBefore = try [first, second].map { try registrations.counts(eventID: $0.id) }
      #expect(try registrations.export(email: Self.email.uppercased()).count == 2)

      #expect(try registrations.erase(email: "HEMLIG.person@EXAMPLE.org") == 2)

      #expect(try [first, second].map { try registrations.counts(eventID: $0.id) } == countsBefore)
      let list = try registrations.list(eventID: first.id).map(\.registration)
      #expect(list.map(\.name) == ["Anna Kvar", nil])
      #expect(list.map(\.email) == ["anna.kvar@example.org", nil])
      #expect(list[1].erasedAt != nil && list[1].status == .waitlisted)
      #expect(try registrations.export(email: Self.email).isEmpty)
      #expect(try registrations.export(email: "anna.kvar@example.org").count == 1)
      for path in calendars {
        expectProblem(try client.get(path), 404, "the erased person's calendar")
      }
      let dumps = try tableDumps(fixture)
      for (table, dump) in dumps {
        for needle in Self.needles {
          #expect(!dump.contains(needle), "\(table) still holds \(needle)")
        }
      }
      #expect(dumps["registrations"]?.contains("anna.kvar@example.org") == true)

      let csv = try fixture.client(fixture.own).get(
        "/api/v1/events/\(first.id.wire)/registrations", headers: [("Accept", "text/csv")])
      #expect(csv.status == 200)
      expectNoAttendeeData(csv, "the CSV after erasure")
      #expect(csv.text.contains("(raderad)"))
      let json = try fixture.client(fixture.admin).get(
        "/api/v1/events/\(first.id.wire)/registrations")
      expectNoAttendeeData(json, "the list after erasure")
      #expect(json.items.count == 2)
    }
  }

  @Test func retentionErasesAttendeeDataOnlyOnceTheRetentionPeriodIsOver() throws {
    try withAPIFixture("privacy_retention") { fixture in
      // Last year's festival (2026, ended 28 June), signed up for before it began.
      let start = fixture.at(day: 23, 12)
      let past = try fixture.store.events.publish(
        try fixture.store.events.create(
          EventDetails(
            title: "Förra året", startsAt: start, endsAt: start.addingTimeInterval(3600),
            organiserID: fixture.organiser.id, capacity: 1, registrationOpen: true)
        ).id)
      let registrations = fixture.store.registrations
      for (name, email) in [
        ("Gammal Besökare", "gammal@example.org"), ("Sen Besökare", "sen@example.org"),
      ] {
        _ = try registrations.register(
          eventID: past.id, name: name, email: email, at: fixture.at(day: 20, 9))
      }
      // Next year's festival, signed up for over HTTP.
      let upcoming = try fixture.openEvent("Nästa år", capacity: 5)
      let signUp = try fixture.signUpByMail(upcoming.id, Self.name, Self.email)
      let calendar = try fixture.calendarPath(signUp)
      let pastCounts = try registrations.counts(eventID: past.id)
      let upcomingCounts = try registrations.counts(eventID: upcoming.id)
      #expect(pastCounts == counts(confirmed: 1, waitlisted: 1))

      func day(_ year: Int, _ month: Int, _ day: Int) -> Date {
        FestivalTime.date(LocalDay(year: year, month: month, day: day)!, hour: 12)
      }
      // 28 June + 29 days: kept.
      #expect(try registrations.eraseEnded(retentionDays: 30, now: day(2026, 7, 27)) == 0)
      #expect(try registrations.export(email: "gammal@example.org").count == 1)
      // 28 June + 31 days: last year's attendees are erased, next year's are not.
      #expect(try registrations.eraseEnded(retentionDays: 30, now: day(2026, 7, 29)) == 2)
      #expect(
        try registrations.list(eventID: past.id).allSatisfy {
          $0.registration.email == nil && $0.registration.name == nil
        })
      #expect(try registrations.export(email: "gammal@example.org").isEmpty)
      #expect(try registrations.counts(eventID: past.id) == pastCounts)
      #expect(try registrations.export(email: Self.email).count == 1)
      #expect(try fixture.client(nil).get(calendar).status == 200)

      let year = APIFixture.futureYear
      #expect(try registrations.eraseEnded(retentionDays: 30, now: day(year, 7, 27)) == 0)
      #expect(try fixture.client(nil).get(calendar).status == 200)
      #expect(try registrations.eraseEnded(retentionDays: 30, now: day(year, 7, 29)) == 1)
      #expect(try registrations.export(email: Self.email).isEmpty)
      #expect(try registrations.counts(eventID: upcoming.id) == upcomingCounts)
      expectProblem(try fixture.client(nil).get(calendar), 404, "calendar after retention")
      // Erasing again finds nothing more, and no attendee is left.
      #expect(try registrations.eraseEnded(retentionDays: 30, now: day(year, 7, 29)) == 0)
      let dumps = try tableDumps(fixture)
      #expect(dumps["attendees"]?.contains("<row>") == false, "\(dumps["attendees"] ?? "")")
      for (table, dump) in dumps {
        for needle in Self.needles + ["gammal@example.org", "Gammal Besökare"] {
          #expect(!dump.contains(needle), "\(table) still holds \(needle)")
        }
      }
    }
  }
}
