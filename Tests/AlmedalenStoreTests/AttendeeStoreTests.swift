import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Postgres
import PostgresTesting
import Testing

/// Attendees across events: one per email, one calendar for all their sign-ups, revocable
/// secrets, rate-limit windows and the GDPR export, at the store level.
@Suite struct AttendeeStoreTests {
  /// A published event with `seats` seats open for registration, at its own hour.
  func openEvent(_ fixture: StoreFixture, _ title: String, seats: Int, hour: Int) throws -> Event {
    let event = try fixture.store.events.create(
      fixture.details(title: title, hour: hour, capacity: seats))
    return try fixture.store.events.publish(event.id)
  }

  /// Before the festival: every sign-up here is taken.
  func beforeTheFestival(_ fixture: StoreFixture) -> Date { fixture.at(day: 20, 9) }

  func attendeeRows(_ fixture: StoreFixture) throws -> [(email: String, registrations: Int)] {
    try fixture.store.pool.withConnection { connection in
      try connection.query(
        """
        SELECT a.email, (SELECT count(*)::int FROM registrations r WHERE r.attendee_id = a.id) AS n
        FROM attendees a ORDER BY a.created_at, a.email
        """
      ).map { (try $0.decode("email"), try $0.decode("n")) }
    }
  }

  @Test func oneAttendeePerEmailAcrossEventsWhateverTheCase() throws {
    let fixture = try StoreFixture(prefix: "attendee_one")
    defer { fixture.close() }
    let registrations = fixture.store.registrations
    let now = beforeTheFestival(fixture)
    let events = try [9, 11, 14].map {
      try openEvent(fixture, "Seminarium \($0)", seats: 5, hour: $0)
    }
    _ = try registrations.register(
      eventID: events[0].id, name: "Anna Lind", email: "Anna.Lind@Example.org", at: now)
    _ = try registrations.register(
      eventID: events[1].id, name: "Anna Lind", email: "anna.lind@example.org", at: now)
    _ = try registrations.register(
      eventID: events[2].id, name: "A. Lind", email: "ANNA.LIND@EXAMPLE.ORG", at: now)
    _ = try registrations.register(
      eventID: events[0].id, name: "Bo Ek", email: "bo@example.org", at: now)

    let attendees = try attendeeRows(fixture)
    #expect(attendees.count == 2, "\(attendees)")
    // The address as first given is kept.
    #expect(attendees.first?.email == "Anna.Lind@Example.org")
    #expect(attendees.map(\.registrations) == [3, 1])
  }

  @Test func everyCalendarSecretShowsAllOfTheAttendeesLiveSignUps() throws {
    let fixture = try StoreFixture(prefix: "attendee_calendar")
    defer { fixture.close() }
    let registrations = fixture.store.registrations
    let now = beforeTheFestival(fixture)
    let roomy = try openEvent(fixture, "Gott om plats", seats: 5, hour: 9)
    let full = try openEvent(fixture, "Fullt", seats: 0, hour: 11)
    let dropped = try openEvent(fixture, "Avbokat", seats: 5, hour: 14)
    let mine = try [roomy, full, dropped].map {
      try registrations.register(
        eventID: $0.id, name: "Greta Ahl", email: "greta@example.org", at: now)
    }
    let theirs = try registrations.register(
      eventID: dropped.id, name: "Bo Ek", email: "bo@example.org", at: now)
    try registrations.cancel(secret: try #require(mine[2].secret))

    let secrets = try mine.map { try #require($0.calendarSecret) }
    #expect(Set(secrets).count == 3, "every sign-up hands out a new calendar secret")
    #expect(secrets.allSatisfy { $0.utf8.count == 43 })
    #expect(Set(secrets).isDisjoint(with: mine.compactMap(\.secret)))
    for secret in secrets {
      let (snapshot, signUps) = try registrations.calendar(secret: secret)
      #expect(snapshot.events.map(\.title) == ["Gott om plats", "Fullt"])
      #expect(signUps.mapValues(\.status) == [roomy.id: .confirmed, full.id: .waitlisted])
    }
    let (otherSnapshot, otherRegistrations) = try registrations.calendar(
      secret: try #require(theirs.calendarSecret))
    #expect(otherSnapshot.events.map(\.id) == [dropped.id])
    #expect(otherRegistrations.mapValues(\.status) == [dropped.id: .confirmed])
    // The cancel secret is not a calendar secret, nor is anything else.
    #expect(throws: StoreError.self) {
      try registrations.calendar(secret: try #require(mine[0].secret))
    }
    #expect(throws: StoreError.self) {
      try registrations.calendar(secret: String(repeating: "A", count: 43))
    }
  }

  @Test func revokingOneCalendarSecretStopsThemAll() throws {
    let fixture = try StoreFixture(prefix: "attendee_revoke")
    defer { fixture.close() }
    let registrations = fixture.store.registrations
    let now = beforeTheFestival(fixture)
    let one = try openEvent(fixture, "Ett", seats: 5, hour: 9)
    let two = try openEvent(fixture, "Två", seats: 5, hour: 11)
    let three = try openEvent(fixture, "Tre", seats: 5, hour: 14)
    let first = try registrations.register(
      eventID: one.id, name: "Greta Ahl", email: "greta@example.org", at: now)
    let second = try registrations.register(
      eventID: two.id, name: "Greta Ahl", email: "Greta@example.org", at: now)
    let other = try registrations.register(
      eventID: one.id, name: "Bo Ek", email: "bo@example.org", at: now)

    try registrations.revokeCalendar(secret: try #require(second.calendarSecret))
    for secret in [first.calendarSecret, second.calendarSecret] {
      let error = #expect(throws: StoreError.self) {
        try registrations.calendar(secret: try #require(secret))
      }
      if let error, case .notFound = error {
      } else {
        Issue.record("not notFound: \(String(describing: error))")
      }
    }
    #expect(throws: StoreError.self) {
      try registrations.revokeCalendar(secret: try #require(first.calendarSecret))
    }
    // Someone else's calendar and Greta's sign-ups stay.
    #expect(
      try registrations.calendar(secret: try #require(other.calendarSecret)).registrations.count
        == 1)
    #expect(
      try registrations.find(secret: try #require(first.secret)).registration.status == .confirmed)

    let third = try registrations.register(
      eventID: three.id, name: "Greta Ahl", email: "greta@example.org", at: now)
    let (snapshot, _) = try registrations.calendar(secret: try #require(third.calendarSecret))
    #expect(snapshot.events.map(\.title) == ["Ett", "Två", "Tre"])
    #expect(throws: StoreError.self) {
      try registrations.calendar(secret: try #require(first.calendarSecret))
    }
  }

  @Test func countAttemptCountsUpToTheLimitAndStartsAfreshInTheNextWindow() throws {
    let fixture = try StoreFixture(prefix: "attendee_ratelimit")
    defer { fixture.close() }
    let registrations = fixture.store.registrations
    let key = "email:greta@example.org"
    #expect(try registrations.countAttempt(key: key, limit: 2, window: 600) == nil)
    #expect(try registrations.countAttempt(key: key, limit: 2, window: 600) == nil)
    let wait = try #require(try registrations.countAttempt(key: key, limit: 2, window: 600))
    #expect((1...600).contains(wait), "\(wait)")
    #expect(try registrations.countAttempt(key: key, limit: 2, window: 600) != nil)
    // Keys count apart.
    #expect(try registrations.countAttempt(key: "client:192.0.2.7", limit: 2, window: 600) == nil)

    let stored: [(key: String, count: Int)] = try fixture.store.pool.withConnection { connection in
      try connection.query("SELECT key, count FROM rate_limits ORDER BY count DESC").map {
        (try $0.decode("key"), try $0.decode("count"))
      }
    }
    #expect(stored.map(\.count) == [4, 1])
    // Keys are hashes, never the address itself.
    #expect(stored.allSatisfy { $0.key.utf8.count == 64 && !$0.key.contains("@") })
    #expect(stored.allSatisfy { !$0.key.contains("greta") && !$0.key.contains("192.0.2.7") })

    // Move every window one back, as the clock would: the current window starts empty.
    try fixture.store.pool.withConnection { connection in
      _ = try connection.execute(
        "UPDATE rate_limits SET window_start = window_start - interval '600 seconds'")
    }
    #expect(try registrations.countAttempt(key: key, limit: 2, window: 600) == nil)
    #expect(try registrations.countAttempt(key: key, limit: 2, window: 600) == nil)
    #expect(try registrations.countAttempt(key: key, limit: 2, window: 600) != nil)
  }

  @Test func exportListsThePersonsSignUpsWithTheirEvents() throws {
    let fixture = try StoreFixture(prefix: "attendee_export")
    defer { fixture.close() }
    let registrations = fixture.store.registrations
    let now = beforeTheFestival(fixture)
    let one = try openEvent(fixture, "Vården på Gotland", seats: 1, hour: 9)
    let two = try openEvent(fixture, "Bostäder i Visby", seats: 5, hour: 14)
    _ = try registrations.register(
      eventID: one.id, name: "Bo Ek", email: "bo@example.org", at: now)
    _ = try registrations.register(
      eventID: one.id, name: "Greta Ahl", email: "greta@example.org", at: now)
    let cancelled = try registrations.register(
      eventID: two.id, name: "Greta A.", email: "GRETA@example.org", at: now)
    try registrations.cancel(secret: try #require(cancelled.secret))

    let export = try registrations.export(email: "Greta@Example.org")
    #expect(export.map(\.event.title) == ["Vården på Gotland", "Bostäder i Visby"])
    #expect(export.map(\.registration.name) == ["Greta Ahl", "Greta A."])
    #expect(export.map(\.registration.status) == [.waitlisted, .cancelled])
    #expect(export.allSatisfy { $0.registration.eventID == $0.event.id })
    #expect(!export.contains { $0.registration.email == "bo@example.org" })
    #expect(try registrations.export(email: "ingen@example.org").isEmpty)

    #expect(try registrations.erase(email: "greta@example.org") == 2)
    #expect(try registrations.export(email: "greta@example.org").isEmpty)
    #expect(try registrations.export(email: "bo@example.org").count == 1)
  }
}
