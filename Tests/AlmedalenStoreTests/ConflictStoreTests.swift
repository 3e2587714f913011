import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Postgres
import Testing

@Suite struct ConflictStoreTests {
  /// The stored programme of 23 June: Johan walks from Donners plats to Almedalen (9.4 min)
  /// in 5; Henrietta is at a draft at Donners plats and at Östercentrum at once; the draft
  /// also clashes with a published event at Donners plats; a cancelled event clashes with
  /// everything and counts for nothing.
  struct Programme {
    let fixture: StoreFixture
    let johan: Person
    let henrietta: Person
    let ostercentrum: Venue
    let first: Event
    let walk: Event
    let draft: Event
    let elsewhere: Event
    let cancelled: Event

    init(_ prefix: String) throws {
      let fixture = try StoreFixture(prefix: prefix)
      self.fixture = fixture
      let store = fixture.store
      johan = try store.people.create(Person(name: "Johan Jonsson"))
      henrietta = try store.people.create(Person(name: "Henrietta Stein", party: "S"))
      ostercentrum = try store.venues.create(Visby.ostercentrum)
      let tent = try store.venues.create(Venue(name: "Tält utan adress"))

      func create(
        _ title: String, at venue: Venue, _ start: (Int, Int), _ end: (Int, Int),
        _ participants: [Participation], publish: Bool
      ) throws -> Event {
        let event = try store.events.create(
          .make(
            title: title, startsAt: fixture.at(day: 23, start.0, start.1),
            endsAt: fixture.at(day: 23, end.0, end.1), venueID: venue.id,
            organiserID: fixture.organiser.id, participants: participants))
        return publish ? try store.events.publish(event.id) : event
      }
      first = try create(
        "Välfärdens framtid", at: fixture.venue, (10, 0), (11, 0),
        [Participation(personID: johan.id, role: .panelist)], publish: true)
      // Johan moderates and sits on the panel: one appearance.
      walk = try create(
        "Skolan och AI", at: fixture.otherVenue, (11, 5), (12, 0),
        [
          Participation(personID: johan.id, role: .moderator),
          Participation(personID: johan.id, role: .panelist),
        ], publish: true)
      draft = try create(
        "Utkast om vården", at: fixture.venue, (10, 30), (11, 30),
        [Participation(personID: henrietta.id, role: .speaker)], publish: false)
      elsewhere = try create(
        "Östersjön", at: ostercentrum, (10, 45), (11, 45),
        [Participation(personID: henrietta.id, role: .panelist)], publish: true)
      let toCancel = try create(
        "Inställt", at: tent, (10, 0), (12, 0),
        [
          Participation(personID: johan.id, role: .panelist),
          Participation(personID: henrietta.id, role: .panelist),
        ], publish: true)
      cancelled = try store.events.cancel(toCancel.id)
    }
  }

  @Test func findsEveryConflictOfTheProgramme() throws {
    let programme = try Programme("conflict_find")
    defer { programme.fixture.close() }
    let fixture = programme.fixture
    let conflicts = try fixture.store.conflicts.find(editionID: fixture.edition.id)
    #expect(conflicts.map(\.kind) == [.venueDoubleBooked, .personCannotWalk, .personDoubleBooked])
    #expect(conflicts.allSatisfy { !$0.involves(programme.cancelled.id) })

    let venue = conflicts[0]
    #expect(venue.firstEventID == programme.first.id)
    #expect(venue.secondEventID == programme.draft.id)
    #expect(venue.venueID == fixture.venue.id)

    let walk = conflicts[1]
    #expect(walk.firstEventID == programme.first.id)
    #expect(walk.secondEventID == programme.walk.id)
    #expect(walk.personID == programme.johan.id)
    #expect(walk.gap == 300)
    let metres = fixture.venue.coordinate!.distance(to: fixture.otherVenue.coordinate!)
    #expect(abs(try #require(walk.distanceMetres) - metres) < 1e-6)
    #expect(abs(try #require(walk.walkingTime) - (metres * 1.3 / (5 / 3.6) + 300)) < 1e-6)
    #expect(
      walk.summary
        == "Johan Jonsson has 5 min between “Välfärdens framtid” (Donners plats) and “Skolan och AI” (Almedalen, tält 3), needs 10 min on foot"
    )

    let person = conflicts[2]
    #expect(person.firstEventID == programme.draft.id)
    #expect(person.secondEventID == programme.elsewhere.id)
    #expect(person.personID == programme.henrietta.id)
    #expect(person.summary.hasPrefix("Henrietta Stein is booked at overlapping times"))

    // All editions is the same here; an edition without events has none.
    #expect(try fixture.store.conflicts.find() == conflicts)
    #expect(try fixture.store.conflicts.find(editionID: UUID()).isEmpty)
  }

  @Test func statusesAndPaceNarrowTheSearch() throws {
    let programme = try Programme("conflict_narrow")
    defer { programme.fixture.close() }
    let conflicts = programme.fixture.store.conflicts
    // Published only: the draft's clashes go.
    let published = try conflicts.find(statuses: [.published])
    #expect(published.map(\.kind) == [.personCannotWalk])
    // Cancelled events count for nothing even when asked for.
    #expect(try conflicts.find(statuses: [.published, .cancelled]) == published)
    // 284 m at 6 km/h with no allowance is 3.7 minutes: five is enough.
    let brisk = WalkingPace(kilometresPerHour: 6, allowance: 0)
    #expect(try conflicts.find(pace: brisk, statuses: [.published]).isEmpty)
    #expect(
      try conflicts.find(pace: brisk).map(\.kind) == [.venueDoubleBooked, .personDoubleBooked])
  }

  @Test func oneEventsConflictsAreTheOnesItTakesPartIn() throws {
    let programme = try Programme("conflict_event")
    defer { programme.fixture.close() }
    let conflicts = programme.fixture.store.conflicts
    let all = try conflicts.find()

    let first = try conflicts.conflicts(for: programme.first.id)
    #expect(first.map(\.kind) == [.venueDoubleBooked, .personCannotWalk])
    #expect(first == all.filter { $0.involves(programme.first.id) })

    let draft = try conflicts.conflicts(for: programme.draft.id)
    #expect(draft.map(\.kind) == [.venueDoubleBooked, .personDoubleBooked])
    #expect(
      try conflicts.conflicts(for: programme.elsewhere.id).map(\.kind) == [.personDoubleBooked])
    #expect(try conflicts.conflicts(for: programme.cancelled.id).isEmpty)

    // Among published events only, the draft still hears of the published ones it clashes
    // with; the published event no longer hears of the draft.
    #expect(
      try conflicts.conflicts(for: programme.draft.id, statuses: [.published]).map(\.kind)
        == [.venueDoubleBooked, .personDoubleBooked])
    #expect(
      try conflicts.conflicts(for: programme.first.id, statuses: [.published]).map(\.kind)
        == [.personCannotWalk])
    #expect(
      try conflicts.conflicts(for: programme.walk.id, pace: WalkingPace(allowance: 0)).isEmpty)

    #expect(throws: StoreError.self) { try conflicts.conflicts(for: UUID()) }
  }

  @Test func movingAnEventEndsItsConflict() throws {
    let programme = try Programme("conflict_move")
    defer { programme.fixture.close() }
    let store = programme.fixture.store
    // The second event starts ten minutes later: 15 minutes is enough to walk.
    var details = programme.walk.details
    details.startsAt = programme.fixture.at(day: 23, 11, 15)
    _ = try store.events.update(
      programme.walk.id, expectedVersion: programme.walk.version, with: details)
    #expect(try store.conflicts.conflicts(for: programme.walk.id).isEmpty)
    #expect(
      try store.conflicts.find().map(\.kind) == [.venueDoubleBooked, .personDoubleBooked])
  }
}
