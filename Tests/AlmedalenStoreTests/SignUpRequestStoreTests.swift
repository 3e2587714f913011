import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Postgres
import PostgresTesting
import Testing

/// `RegistrationStore.request`, `confirm` and `expireHolds` (issue 19) at the store level.
@Suite struct SignUpRequestStoreTests {
  func openEvent(_ fixture: StoreFixture, seats: Int, hour: Int = 12) throws -> Event {
    let event = try fixture.store.events.create(fixture.details(hour: hour, capacity: seats))
    return try fixture.store.events.publish(event.id)
  }

  /// A published event of next year's festival (links are sent only for seminars not over by
  /// the real clock).
  func futureEvent(_ fixture: StoreFixture, hour: Int) throws -> Event {
    let year = Calendar(identifier: .gregorian).component(.year, from: Date()) + 1
    if try fixture.store.editions.find(year: year) == nil {
      _ = try fixture.store.editions.create(
        Edition(
          year: year, name: "Almedalsveckan \(year)",
          firstDay: LocalDay(year: year, month: 6, day: 21)!,
          lastDay: LocalDay(year: year, month: 6, day: 28)!))
    }
    let start = FestivalTime.date(LocalDay(year: year, month: 6, day: 23)!, hour: hour, minute: 0)
    let event = try fixture.store.events.create(
      .make(
        startsAt: start, endsAt: start.addingTimeInterval(3600),
        organiserID: fixture.organiser.id, capacity: 5))
    return try fixture.store.events.publish(event.id)
  }

  @Test func aRequestIsHeldKnownOrCappedAndMailsAccordingly() throws {
    let fixture = try StoreFixture(prefix: "request_outcomes")
    defer { fixture.close() }
    let registrations = fixture.store.registrations
    let event = try openEvent(fixture, seats: 5)
    let now = fixture.at(day: 20, 9)
    func request(_ email: String, cap: Int = 5) throws -> RegistrationStore.RequestOutcome {
      try registrations.request(
        eventID: event.id, name: "Någon", email: email, holdSeconds: 60,
        mail: .init(client: "192.0.2.1", perClient: cap, perAddress: 20), at: now)
    }
    #expect(try request("anna@example.org") == .held)
    let mail = try #require(try fixture.store.deliverMail().first)
    #expect(mail.kind == .confirm)
    let secret = try #require(mail.registrationSecret)
    guard case .confirmed(let registration, nil) = try registrations.confirm(secret: secret) else {
      Issue.record("not confirmed")
      return
    }
    #expect(registration.status == .confirmed && registration.verifiedAt != nil)
    _ = try fixture.store.deliverMail()
    #expect(try request("ANNA@example.org") == .known)
    #expect(try fixture.store.deliverMail().map(\.kind) == [.already])
    // Two mails of requests went to Anna this hour (the sign-up message is not one): with a
    // cap of two the next is dropped.
    #expect(try request("anna@example.org", cap: 2) == .capped)
    #expect(try fixture.store.deliverMail().isEmpty)
    #expect(try request("bo@example.org", cap: 2) == .held)
  }

  @Test func confirmingTwoRequestsOfOneAddressKeepsOneAndLetsTheOtherGo() throws {
    let fixture = try StoreFixture(prefix: "request_two")
    defer { fixture.close() }
    let registrations = fixture.store.registrations
    let event = try openEvent(fixture, seats: 1)
    let now = fixture.at(day: 20, 9)
    for _ in 0..<2 {
      #expect(
        try registrations.request(
          eventID: event.id, name: "Greta", email: "greta@example.org", holdSeconds: 60,
          mail: .init(client: "192.0.2.1"), at: now) == .held)
    }
    let secrets = try fixture.store.deliverMail().compactMap(\.registrationSecret)
    #expect(secrets.count == 2)
    // The second request confirmed first: it held the waitlist place, and keeps it.
    guard case .confirmed(let kept, let position) = try registrations.confirm(secret: secrets[1])
    else {
      Issue.record("not confirmed")
      return
    }
    #expect(kept.status == .waitlisted && position == 1)
    guard case .alreadySignedUp(let existing, _) = try registrations.confirm(secret: secrets[0])
    else {
      Issue.record("the first request was not answered as signed up already")
      return
    }
    #expect(existing.id == kept.id)
    // The seat the first request held went to the waitlist: Greta's registration.
    #expect(try registrations.find(secret: secrets[1]).registration.status == .confirmed)
    #expect(try registrations.find(secret: secrets[0]).registration.status == .cancelled)
    #expect(
      try registrations.counts(eventID: event.id)
        == [.confirmed: 1, .waitlisted: 0, .cancelled: 1, .pending: 0])
  }

  /// "Send my links again" after someone asked for a seminar in the address's name: the
  /// message carries the address's own sign-ups and its calendar, nothing of the request.
  @Test func theLinksMailAfterSomeoneElsesRequestCarriesOnlyProvenSignUps() throws {
    let fixture = try StoreFixture(prefix: "request_links")
    defer { fixture.close() }
    let registrations = fixture.store.registrations
    let theirs = try futureEvent(fixture, hour: 9)
    let requested = try futureEvent(fixture, hour: 14)
    let now = Date()
    // Someone else's request comes first, then the owner's own sign-up.
    #expect(
      try registrations.request(
        eventID: requested.id, name: "Angripare", email: "vera@example.org", holdSeconds: 600,
        mail: .init(client: "192.0.2.1"), at: now) == .held)
    let own = try registrations.register(
      eventID: theirs.id, name: "Vera", email: "vera@example.org", at: now)
    _ = try fixture.store.deliverMail()

    #expect(
      try registrations.resendLinks(email: "vera@example.org", mail: .init(client: "192.0.2.1"))
        == .queued)
    let links = try #require(try fixture.store.deliverMail().first)
    #expect(links.kind == .links)
    #expect(links.facts.registrations.map(\.id) == [own.registration.id], "the request is listed")
    #expect(links.facts.calendarSecret != nil, "the links mail has no calendar link")
  }

  /// Someone else's requests for an address use up only their own client's share of its mail:
  /// the owner's own request from another client is still mailed (issue 19's "no one can
  /// stop a person from signing up"), and all clients together stay under the address's cap.
  @Test func oneClientCannotUseUpAnAddressesMailForItsOwner() throws {
    let fixture = try StoreFixture(prefix: "request_cap_clients")
    defer { fixture.close() }
    let registrations = fixture.store.registrations
    let event = try openEvent(fixture, seats: 50)
    let now = fixture.at(day: 20, 9)
    func request(from client: String, _ email: String = "offer@example.org") throws
      -> RegistrationStore.RequestOutcome
    {
      try registrations.request(
        eventID: event.id, name: "Någon", email: email, holdSeconds: 60,
        mail: .init(client: client, perClient: 3, perAddress: 5), at: now)
    }
    let attacker = try (0..<6).map { _ in try request(from: "198.51.100.7") }
    #expect(attacker == [.held, .held, .held, .capped, .capped, .capped])
    #expect(try request(from: "203.0.113.9") == .held, "the owner's own request was dropped")
    #expect(try request(from: "203.0.113.10") == .held)
    // Five mails went to the address this hour, from three clients: the cap for all of them.
    #expect(try request(from: "203.0.113.11") == .capped)
    #expect(try request(from: "203.0.113.12", "annan@example.org") == .held)
    let sent = try fixture.store.deliverMail()
    #expect(sent.filter { $0.recipient == "offer@example.org" }.count == 5)
    // Erasing the address forgets its counters, the per-client ones too.
    let keys: (String) throws -> Int = { address in
      try fixture.store.pool.withConnection { connection in
        try connection.query(
          """
          SELECT count(*)::int AS n FROM rate_limits
          WHERE key LIKE encode(sha256(convert_to('mail:' || lower($1), 'UTF8')), 'hex') || '%'
          """, [address]
        )[0].decode("n")
      }
    }
    #expect(try keys("offer@example.org") == 5)
    try registrations.erase(email: "Offer@example.org")
    #expect(try keys("offer@example.org") == 0)
    #expect(try keys("annan@example.org") == 2)
  }
}
