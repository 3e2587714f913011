import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Postgres
import PostgresTesting
import Testing

@Suite struct RegistrationStoreTests {
  /// A published event with `seats` seats open for registration.
  func openEvent(_ fixture: StoreFixture, seats: Int, hour: Int = 12) throws -> Event {
    let event = try fixture.store.events.create(fixture.details(hour: hour, capacity: seats))
    return try fixture.store.events.publish(event.id)
  }

  @Test func seatsThenWaitlistThenPromotionInArrivalOrder() throws {
    let fixture = try StoreFixture(prefix: "reg_flow")
    defer { fixture.close() }
    let registrations = fixture.store.registrations
    let event = try openEvent(fixture, seats: 2)
    let now = fixture.at(day: 20, 9)
    let anna = try registrations.register(
      eventID: event.id, name: "Anna", email: "anna@example.org", at: now)
    let bo = try registrations.register(
      eventID: event.id, name: "Bo", email: "bo@example.org", at: now)
    let cecilia = try registrations.register(
      eventID: event.id, name: "Cecilia", email: "c@example.org", at: now)
    let david = try registrations.register(
      eventID: event.id, name: "David", email: "d@example.org", at: now)
    #expect(anna.registration.status == .confirmed)
    #expect(bo.registration.status == .confirmed)
    #expect(cecilia.registration.status == .waitlisted)
    #expect(cecilia.waitlistPosition == 1)
    #expect(david.waitlistPosition == 2)
    let again = try registrations.register(
      eventID: event.id, name: "Anna", email: "ANNA@example.org", at: now)
    #expect(again.existing)
    #expect(again.registration.id == anna.registration.id)

    try registrations.cancel(secret: try #require(anna.secret))
    let statuses = Dictionary(
      uniqueKeysWithValues: try registrations.list(eventID: event.id).map(\.registration).map {
        ($0.name!, $0.status)
      })
    #expect(
      statuses == [
        "Anna": .cancelled, "Bo": .confirmed, "Cecilia": .confirmed, "David": .waitlisted,
      ])
    #expect(
      try registrations.counts(eventID: event.id) == [
        .confirmed: 2, .waitlisted: 1, .cancelled: 1, .pending: 0,
      ])
    #expect(throws: StoreError.self) { try registrations.cancel(secret: "alm_not-a-secret") }
  }

  @Test func raisingCapacityPromotesAndLoweringRemovesNobody() throws {
    let fixture = try StoreFixture(prefix: "reg_capacity")
    defer { fixture.close() }
    let registrations = fixture.store.registrations
    var event = try openEvent(fixture, seats: 1)
    let now = fixture.at(day: 20, 9)
    for n in 0..<4 {
      _ = try registrations.register(
        eventID: event.id, name: "P\(n)", email: "p\(n)@example.org", at: now)
    }
    var details = event.details
    details.capacity = 3
    event = try fixture.store.events.update(event.id, expectedVersion: event.version, with: details)
    #expect(try registrations.counts(eventID: event.id)[.confirmed] == 3)
    details.capacity = 1
    event = try fixture.store.events.update(event.id, expectedVersion: event.version, with: details)
    #expect(try registrations.counts(eventID: event.id)[.confirmed] == 3)
    #expect(try registrations.counts(eventID: event.id)[.waitlisted] == 1)
  }

  @Test func signUpIsRefusedWhenClosedDraftCancelledOrOver() throws {
    let fixture = try StoreFixture(prefix: "reg_refused")
    defer { fixture.close() }
    let registrations = fixture.store.registrations
    let now = fixture.at(day: 20, 9)
    let draft = try fixture.store.events.create(fixture.details(hour: 9, capacity: 5))
    #expect(throws: StoreError.self) {
      try registrations.register(eventID: draft.id, name: "A", email: "a@example.org", at: now)
    }
    let closed = try fixture.store.events.publish(
      try fixture.store.events.create(fixture.details(hour: 11)).id)
    #expect(throws: StoreError.self) {
      try registrations.register(eventID: closed.id, name: "A", email: "a@example.org", at: now)
    }
    let open = try openEvent(fixture, seats: 5, hour: 14)
    #expect(throws: StoreError.self) {
      try registrations.register(
        eventID: open.id, name: "A", email: "a@example.org", at: fixture.at(day: 24, 9))
    }
    #expect(throws: StoreError.self) {
      try registrations.register(eventID: open.id, name: "", email: "nope", at: now)
    }
    _ = try fixture.store.events.cancel(open.id)
    #expect(throws: StoreError.self) {
      try registrations.register(eventID: open.id, name: "A", email: "a@example.org", at: now)
    }
  }

  @Test func concurrentSignUpsNeverOverbook() throws {
    let fixture = try StoreFixture(prefix: "reg_race", poolSize: 16)
    defer { fixture.close() }
    let event = try openEvent(fixture, seats: 10)
    let registrations = fixture.store.registrations
    let now = fixture.at(day: 20, 9)
    let outcomes = concurrently(40) { n -> String in
      do {
        return try registrations.register(
          eventID: event.id, name: "P\(n)", email: "p\(n)@example.org", at: now
        ).registration.status.rawValue
      } catch {
        return "error: \(error)"
      }
    }
    #expect(outcomes.filter { $0 == "confirmed" }.count == 10)
    #expect(outcomes.filter { $0 == "waitlisted" }.count == 30)
    // The ten confirmed are the first ten to arrive.
    let list = try registrations.list(eventID: event.id).map(\.registration)
    #expect(list.prefix(10).allSatisfy { $0.status == .confirmed })
    #expect(list.dropFirst(10).allSatisfy { $0.status == .waitlisted })
  }

  @Test func secretsAreStoredOnlyAsHashesAndErasureKeepsCounts() throws {
    let fixture = try StoreFixture(prefix: "reg_privacy")
    defer { fixture.close() }
    let event = try openEvent(fixture, seats: 5)
    let signUp = try fixture.store.registrations.register(
      eventID: event.id, name: "Greta", email: "greta@example.org", at: fixture.at(day: 20, 9))
    let secret = try #require(signUp.secret)
    #expect(secret.utf8.count >= 43)  // 256 bits in base64url
    let dump: String = try fixture.store.pool.withConnection {
      try $0.query("SELECT string_agg(r::text, '|') AS d FROM registrations r")[0].decode("d")
    }
    #expect(!dump.contains(secret))
    #expect(try fixture.store.registrations.erase(email: "GRETA@example.org") == 1)
    let after = try fixture.store.registrations.list(eventID: event.id).map(\.registration)
    #expect(after.count == 1)
    #expect(after[0].name == nil && after[0].email == nil && after[0].erasedAt != nil)
    #expect(try fixture.store.registrations.counts(eventID: event.id)[.confirmed] == 1)
  }

  @Test func retentionErasesOnlyEditionsLongOver() throws {
    let fixture = try StoreFixture(prefix: "reg_retention")
    defer { fixture.close() }
    let event = try openEvent(fixture, seats: 5)
    _ = try fixture.store.registrations.register(
      eventID: event.id, name: "Greta", email: "greta@example.org", at: fixture.at(day: 20, 9))
    // The festival ends 28 June; with 30 days' retention, 28 July is still kept.
    #expect(
      try fixture.store.registrations.eraseEnded(
        retentionDays: 30, now: FestivalTime.date(LocalDay("2026-07-28")!, hour: 12)) == 0)
    #expect(
      try fixture.store.registrations.eraseEnded(
        retentionDays: 30, now: FestivalTime.date(LocalDay("2026-07-29")!, hour: 12)) == 1)
    #expect(
      try fixture.store.registrations.list(eventID: event.id).map(\.registration)[0].email == nil)
  }
}
