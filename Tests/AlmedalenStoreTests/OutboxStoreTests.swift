import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Postgres
import PostgresTesting
import Testing

/// The mail outbox: rows written by the transactions that cause them, claimed once, rendered
/// once, coalesced, dropped when there is nothing left to say.
@Suite struct OutboxStoreTests {
  func openEvent(_ fixture: StoreFixture, seats: Int, hour: Int = 12) throws -> Event {
    let event = try fixture.store.events.create(fixture.details(hour: hour, capacity: seats))
    return try fixture.store.events.publish(event.id)
  }

  /// Kinds queued so far, in order.
  func kinds(_ fixture: StoreFixture) throws -> [String] {
    try fixture.store.outbox.list(state: nil).map(\.kind)
  }

  /// Claims everything due with a renderer that records the facts and answers `answer`.
  func claimAll(
    _ fixture: StoreFixture, coalesce: Int = 0,
    answer: (OutboxStore.Facts) -> OutboxStore.Rendering = { facts in
      .message(json: "{}", messageID: "<\(facts.id)@test>")
    }
  ) throws -> (claimed: [OutboxStore.Claimed], facts: [OutboxStore.Facts]) {
    var seen: [OutboxStore.Facts] = []
    let result = try fixture.store.outbox.claim(limit: 100, lease: 60, coalesceSeconds: coalesce) {
      seen.append($0)
      return answer($0)
    }
    return (result.claimed, seen)
  }

  /// Claims everything due and marks it sent, as a relay that takes all would.
  func sendAll(_ fixture: StoreFixture) throws {
    for item in try claimAll(fixture).claimed { try fixture.store.outbox.markSent(id: item.id) }
  }

  @Test func signUpsPromotionsAndCancellationsAreQueuedWithTheirChange() throws {
    let fixture = try StoreFixture(prefix: "outbox_flow")
    defer { fixture.close() }
    let registrations = fixture.store.registrations
    let event = try openEvent(fixture, seats: 1)
    let now = fixture.at(day: 20, 9)
    let anna = try registrations.register(
      eventID: event.id, name: "Anna", email: "anna@example.org", at: now)
    _ = try registrations.register(eventID: event.id, name: "Bo", email: "bo@example.org", at: now)
    // A repeat sign-up changes nothing and queues nothing.
    _ = try registrations.register(
      eventID: event.id, name: "Anna", email: "ANNA@example.org", at: now)
    #expect(try kinds(fixture) == ["signup", "signup"])
    try registrations.cancel(secret: try #require(anna.secret))
    #expect(try kinds(fixture) == ["signup", "signup", "cancellation", "promotion"])

    let (claimed, facts) = try claimAll(fixture)
    #expect(claimed.count == 4)
    let bo = try #require(facts.first { $0.kind == .signup && $0.recipient == "bo@example.org" })
    #expect(bo.signupStatus == .waitlisted)
    #expect(bo.signupPosition == 1)
    #expect(bo.programme.events.map(\.id) == [event.id])
    // Links are minted at rendering and open the registration.
    let promotion = try #require(facts.first { $0.kind == .promotion })
    let secret = try #require(promotion.cancelSecrets.values.first)
    #expect(try registrations.find(secret: secret).registration.status == .confirmed)
    #expect(promotion.calendarSecret != nil)
    // Claimed rows are leased: a second claim finds nothing.
    #expect(try claimAll(fixture).claimed.isEmpty)
  }

  @Test func aRefusedSignUpQueuesNothing() throws {
    let fixture = try StoreFixture(prefix: "outbox_refused")
    defer { fixture.close() }
    let event = try openEvent(fixture, seats: 5)
    let over = fixture.at(day: 24, 9)
    #expect(throws: StoreError.self) {
      try fixture.store.registrations.register(
        eventID: event.id, name: "Anna", email: "anna@example.org", at: over)
    }
    #expect(throws: StoreError.self) {
      try fixture.store.registrations.register(
        eventID: event.id, name: "Anna", email: "anna@localhost", at: fixture.at(day: 20, 9))
    }
    #expect(try kinds(fixture).isEmpty)
  }

  @Test func movesCoalescePerRegistrationAndAMoveBackSendsNothing() throws {
    let fixture = try StoreFixture(prefix: "outbox_moves")
    defer { fixture.close() }
    var event = try openEvent(fixture, seats: 10)
    let now = fixture.at(day: 20, 9)
    for name in ["anna", "bo"] {
      _ = try fixture.store.registrations.register(
        eventID: event.id, name: name, email: "\(name)@example.org", at: now)
    }
    try sendAll(fixture)
    let original = event.details
    var moved = original
    moved.startsAt = original.startsAt.addingTimeInterval(3600)
    moved.endsAt = original.endsAt.addingTimeInterval(3600)
    event = try fixture.store.events.update(event.id, expectedVersion: event.version, with: moved)
    moved.startsAt = moved.startsAt.addingTimeInterval(1800)
    moved.endsAt = moved.endsAt.addingTimeInterval(1800)
    event = try fixture.store.events.update(event.id, expectedVersion: event.version, with: moved)
    let pending = try fixture.store.outbox.list(state: "pending")
    #expect(pending.map(\.kind) == ["change", "change"])
    // Within the window nothing is due.
    #expect(try claimAll(fixture, coalesce: 3600).facts.isEmpty)
    // After it: one message each, knowing the time before the first edit.
    let (claimed, facts) = try claimAll(fixture)
    #expect(claimed.count == 2)
    for item in claimed { try fixture.store.outbox.markSent(id: item.id) }
    #expect(facts.allSatisfy { $0.previousStart == original.startsAt })
    #expect(facts.allSatisfy { $0.programme.events.first?.startsAt == moved.startsAt })

    // Moved back within a new window: the renderer sees it and the row is dropped.
    var back = moved
    back.startsAt = moved.startsAt.addingTimeInterval(600)
    back.endsAt = moved.endsAt.addingTimeInterval(600)
    event = try fixture.store.events.update(event.id, expectedVersion: event.version, with: back)
    event = try fixture.store.events.update(event.id, expectedVersion: event.version, with: moved)
    let dropped = try fixture.store.outbox.claim(limit: 100, lease: 60, coalesceSeconds: 0) {
      facts in
      facts.previousStart == facts.programme.events.first?.startsAt
        ? .nothing(reason: "back") : .message(json: "{}", messageID: "<x\(facts.id)@test>")
    }
    #expect(dropped.claimed.isEmpty)
    #expect(dropped.dropped.count == 2)
    #expect(try fixture.store.outbox.list(state: "pending").isEmpty)
  }

  @Test func cancellingTheEventReplacesAMoveNotYetSent() throws {
    let fixture = try StoreFixture(prefix: "outbox_cancel")
    defer { fixture.close() }
    var event = try openEvent(fixture, seats: 10)
    _ = try fixture.store.registrations.register(
      eventID: event.id, name: "Anna", email: "anna@example.org", at: fixture.at(day: 20, 9))
    try sendAll(fixture)
    var moved = event.details
    moved.startsAt = moved.startsAt.addingTimeInterval(3600)
    moved.endsAt = moved.endsAt.addingTimeInterval(3600)
    event = try fixture.store.events.update(event.id, expectedVersion: event.version, with: moved)
    _ = try fixture.store.events.cancel(event.id)
    #expect(try fixture.store.outbox.list(state: "pending").map(\.kind) == ["event-cancelled"])
  }

  @Test func twoSendersNeverClaimTheSameMessage() throws {
    let fixture = try StoreFixture(prefix: "outbox_race")
    defer { fixture.close() }
    let event = try openEvent(fixture, seats: 500)
    for n in 0..<60 {
      _ = try fixture.store.registrations.register(
        eventID: event.id, name: "P\(n)", email: "p\(n)@example.org", at: fixture.at(day: 20, 9))
    }
    let outbox = fixture.store.outbox
    let perSender = concurrently(4) { _ -> [Int64] in
      var mine: [Int64] = []
      while let batch = try? outbox.claim(
        limit: 7, lease: 60, coalesceSeconds: 0,
        render: {
          facts in .message(json: "{}", messageID: "<\(facts.id)@race>")
        }), !batch.claimed.isEmpty
      {
        mine += batch.claimed.map(\.id)
      }
      return mine
    }
    let ids = perSender.flatMap { $0 }
    #expect(ids.count == 60)
    #expect(Set(ids).count == 60)
  }

  @Test func temporaryFailuresWaitThenFailForGood() throws {
    let fixture = try StoreFixture(prefix: "outbox_retry")
    defer { fixture.close() }
    let event = try openEvent(fixture, seats: 5)
    _ = try fixture.store.registrations.register(
      eventID: event.id, name: "Anna", email: "anna@example.org", at: fixture.at(day: 20, 9))
    let first = try #require(try claimAll(fixture).claimed.first)
    try fixture.store.outbox.markFailed(
      id: first.id, error: "451 try later", retryAfter: 3600, giveUpAfter: 86_400)
    let waiting = try #require(try fixture.store.outbox.list(state: "pending").first)
    #expect(waiting.notBefore > Date().addingTimeInterval(3000))
    #expect(waiting.lastError == "451 try later")
    #expect(try claimAll(fixture).claimed.isEmpty)
    // Retried now: the same rendered message, the same Message-ID, not rendered again.
    try fixture.store.outbox.retry(id: first.id)
    let again = try claimAll(fixture)
    #expect(again.facts.isEmpty)
    #expect(again.claimed.map(\.messageID) == [first.messageID])
    // A retry later than a day after queuing gives up.
    try fixture.store.outbox.markFailed(
      id: first.id, error: "451 still", retryAfter: 90_000, giveUpAfter: 86_400)
    #expect(try fixture.store.outbox.list(state: "failed").map(\.id) == [first.id])
    try fixture.store.outbox.markSent(id: first.id)
    #expect(try fixture.store.outbox.status().failed == 1)
  }

  @Test func erasureDeletesTheAddressesMessages() throws {
    let fixture = try StoreFixture(prefix: "outbox_erase")
    defer { fixture.close() }
    let event = try openEvent(fixture, seats: 5)
    for name in ["anna", "bo"] {
      _ = try fixture.store.registrations.register(
        eventID: event.id, name: name, email: "\(name)@example.org", at: fixture.at(day: 20, 9))
    }
    let first = try #require(try claimAll(fixture).claimed.first)
    try fixture.store.outbox.markSent(id: first.id)
    try fixture.store.registrations.erase(email: "ANNA@example.org")
    #expect(try fixture.store.outbox.list(state: nil).map(\.recipient) == ["bo@example.org"])
  }
}
