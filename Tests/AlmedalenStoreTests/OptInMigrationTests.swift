import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Postgres
import PostgresTesting
import Testing

/// Schema/006_signup_optin.sql on a database with sign-ups made before it (issue 19: they stay
/// confirmed, and their old links keep working until revoked).
@Suite struct OptInMigrationTests {
  @Test func signUpsMadeBeforeTheOptInStayConfirmedWithTheirLinks() throws {
    let database = try TestDatabase.create(prefix: "migrate_optin")
    defer { try? database.drop() }
    let all = try Migrator.load(SchemaDatabase.directory)
    let optIn = try #require(all.first { $0.name == "signup_optin" }, "no 006_signup_optin.sql")
    try Migrator(conninfo: database.conninfo, migrations: all.filter { $0.version < optIn.version })
      .migrate()

    let store = FestivalStore(pool: ConnectionPool(conninfo: database.conninfo, maxConnections: 2))
    defer { store.pool.shutdown() }
    // The edition and the event as SQL: today's store writes columns of later migrations.
    let edition = Visby.edition
    _ = try store.pool.withConnection { connection in
      try connection.execute(
        """
        INSERT INTO editions (id, year, name, first_day, last_day)
        VALUES (\(edition.id), \(edition.year), \(edition.name), \(edition.firstDay),
                \(edition.lastDay))
        """)
    }
    let organiser = try store.organisers.create(Visby.regionGotland)
    let details = EventDetails.make(organiserID: organiser.id, capacity: 1)
    let eventID: UUID = try store.pool.withConnection { connection in
      let id: UUID = try connection.query(
        """
        INSERT INTO events (edition_id, organiser_id, title, starts_at, ends_at, capacity,
                            registration_open)
        SELECT id, \(organiser.id), \(details.title), \(details.startsAt), \(details.endsAt), 1, true
        FROM editions WHERE year = 2026 RETURNING id
        """)[0].decode("id")
      try connection.execute("UPDATE events SET status = 'published' WHERE id = $1", [id])
      return id
    }
    struct Published { let id: UUID }
    let event = Published(id: eventID)

    // Two sign-ups as the code before the opt-in wrote them: a seat and a waitlist place,
    // each with its cancel link, the first with a calendar link.
    let cancelSecret = "OldCancelLink0000000000000000000000000000001"
    let waitlistSecret = "OldCancelLink0000000000000000000000000000002"
    let calendarSecret = "OldCalendarLink00000000000000000000000000001"
    try store.pool.withConnection { connection in
      for (email, status, secret) in [
        ("Old@example.org", "confirmed", cancelSecret),
        ("queue@example.org", "waitlisted", waitlistSecret),
      ] {
        let attendee: UUID = try connection.query(
          "INSERT INTO attendees (email) VALUES (\(email)) RETURNING id")[0].decode("id")
        let registration: UUID = try connection.query(
          """
          INSERT INTO registrations (event_id, name, email, status, token_hash, attendee_id)
          VALUES (\(event.id), 'Före Införandet', \(email), \(status),
                  sha256(convert_to(\(secret), 'UTF8')), \(attendee))
          RETURNING id
          """)[0].decode("id")
        try connection.execute(
          """
          INSERT INTO registration_tokens (token_hash, registration_id)
          VALUES (sha256(convert_to(\(secret), 'UTF8')), \(registration))
          """)
        if status == "confirmed" {
          try connection.execute(
            """
            INSERT INTO calendar_tokens (token_hash, attendee_id)
            VALUES (sha256(convert_to(\(calendarSecret), 'UTF8')), \(attendee))
            """)
        }
      }
      try connection.execute("DELETE FROM mail_outbox")
    }

    let applied = try Migrator(conninfo: database.conninfo, migrations: all).migrate()
    #expect(applied.map(\.version).contains(optIn.version), "\(applied.map(\.version))")

    let registrations = store.registrations
    let confirmed = try registrations.find(secret: cancelSecret)
    #expect(confirmed.registration.status == .confirmed)
    #expect(confirmed.registration.verifiedAt != nil)
    #expect(confirmed.registration.expiresAt == nil)
    let waitlisted = try registrations.find(secret: waitlistSecret)
    #expect(waitlisted.registration.status == .waitlisted)
    #expect(waitlisted.waitlistPosition == 1)
    #expect(
      try registrations.counts(eventID: event.id)
        == [.confirmed: 1, .waitlisted: 1, .cancelled: 0, .pending: 0])
    // The old calendar link shows the sign-up, and proves the address.
    let calendar = try registrations.calendar(secret: calendarSecret)
    #expect(calendar.registrations.mapValues(\.status) == [event.id: .confirmed])
    #expect(try registrations.provenEmail(attendeeSecret: calendarSecret) == "Old@example.org")
    // A request with the address finds it signed up: it is mailed its links.
    let now = Visby.at(day: 20, 9)
    #expect(
      try registrations.request(
        eventID: event.id, name: "Någon", email: "old@EXAMPLE.org", holdSeconds: 60,
        mail: .init(client: "192.0.2.1"), at: now) == .known)
    // The old cancel link still cancels, and the waitlist moves on.
    #expect(try registrations.cancel(secret: cancelSecret).status == .cancelled)
    #expect(try registrations.find(secret: waitlistSecret).registration.status == .confirmed)
    // Until revoked.
    try registrations.revokeCalendar(secret: calendarSecret)
    #expect(throws: StoreError.self) { try registrations.calendar(secret: calendarSecret) }
  }
}
