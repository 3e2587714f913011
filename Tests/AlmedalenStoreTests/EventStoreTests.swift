import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Postgres
import PostgresTesting
import Testing

@Suite struct EventStoreTests {
  @Test func createdEventReadsBackWithPanelsAndParticipants() throws {
    let fixture = try StoreFixture(prefix: "event_create")
    defer { fixture.close() }
    let moderator = try fixture.store.people.create(
      Person(
        name: "Johan Jonsson", title: "folkhälsochef", organisation: "Västra Götalandsregionen"))
    let panelist = try fixture.store.people.create(Person(name: "Henrietta Stein", party: "S"))
    let coOrganiser = try fixture.store.organisers.create(Organiser(name: "Nationella Rådet"))
    var details = fixture.details(title: "Samverkan – har det blivit mindre aktuellt?")
    details.coOrganiserIDs = [coOrganiser.id]
    details.panels = [
      Panel(
        title: "Hur fungerar Finsam?", startsAt: fixture.at(day: 23, 12, 15),
        endsAt: fixture.at(day: 23, 12, 45))
    ]
    details.participants = [
      Participation(personID: moderator.id, role: .moderator, title: "folkhälsochef"),
      Participation(
        personID: panelist.id, role: .panelist, title: "utredare",
        organisation: "Arbetsförmedlingen",
        panel: 0),
    ]
    let event = try fixture.store.events.create(details)
    #expect(event.status == .draft)
    #expect(event.revision == 0)
    #expect(event.editionID == fixture.edition.id)
    let read = try fixture.store.events.get(event.id)
    #expect(read.title == details.title)
    #expect(read.startsAt == details.startsAt)
    #expect(read.coOrganiserIDs == [coOrganiser.id])
    #expect(read.panels == details.panels)
    #expect(read.participants.map(\.personName) == ["Johan Jonsson", "Henrietta Stein"])
    #expect(read.participants[1].panel == 0)
    #expect(read.participants[1].title == "utredare")
    #expect(read.participants[1].personParty == "S")
  }

  @Test func everyProblemIsReportedWithItsField() throws {
    let fixture = try StoreFixture(prefix: "event_invalid")
    defer { fixture.close() }
    var details = fixture.details(title: "  ")
    details.endsAt = details.startsAt.addingTimeInterval(-60)
    details.venueID = UUID()
    details.languages = ["svenska"]
    details.participants = [Participation(personID: UUID(), role: .panelist, panel: 3)]
    do {
      _ = try fixture.store.events.create(details)
      Issue.record("an invalid event was stored")
    } catch StoreError.invalid(let error) {
      let fields = Set(error.problems.map(\.field))
      #expect(
        fields.isSuperset(of: [
          "title", "ends_at", "venue_id", "languages[0]", "participants[0].panel",
          "participants[0].person_id",
        ]))
    }
    let count: Int = try fixture.store.pool.withConnection {
      try $0.query("SELECT count(*)::int AS n FROM events")[0].decode("n")
    }
    #expect(count == 0)
  }

  @Test func eventOutsideTheFestivalIsRefused() throws {
    let fixture = try StoreFixture(prefix: "event_outside")
    defer { fixture.close() }
    var details = fixture.details()
    // 29 June is the day after the last festival day.
    details.startsAt = fixture.at(day: 29, 10)
    details.endsAt = fixture.at(day: 29, 11)
    #expect {
      try fixture.store.events.create(details)
    } throws: { error in
      guard case StoreError.invalid(let problems) = error else { return false }
      return problems.problems.contains { $0.field == "starts_at" }
    }
  }

  @Test func staleVersionIsRefusedAndNothingIsOverwritten() throws {
    let fixture = try StoreFixture(prefix: "event_stale")
    defer { fixture.close() }
    let event = try fixture.store.events.create(fixture.details())
    var first = event.details
    first.title = "Första ändringen"
    let updated = try fixture.store.events.update(
      event.id, expectedVersion: event.version, with: first)
    #expect(updated.version == event.version + 1)
    var second = event.details
    second.title = "Andra ändringen"
    #expect {
      try fixture.store.events.update(event.id, expectedVersion: event.version, with: second)
    } throws: { error in
      guard case StoreError.staleVersion(let current) = error else { return false }
      return current == updated.version
    }
    #expect(try fixture.store.events.get(event.id).title == "Första ändringen")
  }

  @Test func revisionRisesByOneForSubscriberChangesOnly() throws {
    let fixture = try StoreFixture(prefix: "event_revision")
    defer { fixture.close() }
    let person = try fixture.store.people.create(Person(name: "Ola Andersson"))
    var event = try fixture.store.events.create(fixture.details())
    event = try fixture.store.events.publish(event.id)
    #expect(event.revision == 1)
    // A description is not something a calendar must re-alert about.
    var details = event.details
    details.description = "Ny beskrivning"
    event = try fixture.store.events.update(event.id, expectedVersion: event.version, with: details)
    #expect(event.revision == 1)
    // Moving the event and renaming it at once is one revision.
    details.startsAt = fixture.at(day: 23, 14)
    details.endsAt = fixture.at(day: 23, 15)
    details.title = "Flyttad"
    event = try fixture.store.events.update(event.id, expectedVersion: event.version, with: details)
    #expect(event.revision == 2)
    details.venueID = fixture.otherVenue.id
    event = try fixture.store.events.update(event.id, expectedVersion: event.version, with: details)
    #expect(event.revision == 3)
    details.participants = [Participation(personID: person.id, role: .speaker)]
    event = try fixture.store.events.update(event.id, expectedVersion: event.version, with: details)
    #expect(event.revision == 4)
    event = try fixture.store.events.cancel(event.id)
    #expect(event.revision == 5)
    #expect(event.status == .cancelled)
    #expect(event.cancelledAt != nil)
  }

  @Test func lifecycleOnlyMovesForward() throws {
    let fixture = try StoreFixture(prefix: "event_lifecycle")
    defer { fixture.close() }
    let draft = try fixture.store.events.create(fixture.details())
    #expect(throws: StoreError.self) { try fixture.store.events.cancel(draft.id) }
    let published = try fixture.store.events.publish(draft.id)
    #expect(published.status == .published)
    #expect(throws: StoreError.self) { try fixture.store.events.deleteDraft(published.id) }
    // Not even SQL can delete a published event.
    #expect(throws: PostgresError.self) {
      try fixture.store.pool.withConnection {
        try $0.execute("DELETE FROM events WHERE id = $1", [published.id])
      }
    }
    let cancelled = try fixture.store.events.cancel(published.id)
    #expect(throws: StoreError.self) { try fixture.store.events.publish(cancelled.id) }
    let other = try fixture.store.events.create(fixture.details(hour: 16))
    try fixture.store.events.deleteDraft(other.id)
    #expect(throws: StoreError.self) { try fixture.store.events.get(other.id) }
  }

  @Test func clashingPublishIsRefusedNamingTheOtherEvent() throws {
    let fixture = try StoreFixture(prefix: "event_clash")
    defer { fixture.close() }
    let first = try fixture.store.events.create(fixture.details(hour: 12))
    let second = try fixture.store.events.create(
      fixture.details(title: "Krock", hour: 12, minutes: 90))
    _ = try fixture.store.events.publish(first.id)
    #expect {
      try fixture.store.events.publish(second.id)
    } throws: { error in
      guard case StoreError.venueTaken(let ids) = error else { return false }
      return ids == [first.id]
    }
    #expect(try fixture.store.events.get(second.id).status == .draft)
    // Back to back is not a clash: ranges are half-open.
    let next = try fixture.store.events.create(fixture.details(title: "Efteråt", hour: 13))
    #expect(try fixture.store.events.publish(next.id).status == .published)
  }

  @Test func twoConcurrentPublishersOfClashingEventsExactlyOneWins() throws {
    let fixture = try StoreFixture(prefix: "event_race")
    defer { fixture.close() }
    for round in 0..<5 {
      let a = try fixture.store.events.create(
        fixture.details(title: "A\(round)", day: 22 + round, hour: 10))
      let b = try fixture.store.events.create(
        fixture.details(title: "B\(round)", day: 22 + round, hour: 10, minutes: 30))
      let store = fixture.store
      let outcomes = concurrently(2) { index -> String in
        do {
          _ = try store.events.publish(index == 0 ? a.id : b.id)
          return "published"
        } catch StoreError.venueTaken {
          return "venueTaken"
        } catch {
          return "other: \(error)"
        }
      }
      #expect(outcomes.sorted() == ["published", "venueTaken"])
      let published = try store.events.list(
        EventFilter(day: LocalDay(year: 2026, month: 6, day: 22 + round), statuses: [.published]))
      #expect(published.items.count == 1)
    }
  }

  @Test func movingAPublishedEventOntoATakenSlotIsRefused() throws {
    let fixture = try StoreFixture(prefix: "event_move")
    defer { fixture.close() }
    let first = try fixture.store.events.publish(
      try fixture.store.events.create(fixture.details(hour: 10)).id)
    let second = try fixture.store.events.publish(
      try fixture.store.events.create(fixture.details(title: "Senare", hour: 14)).id)
    var moved = second.details
    moved.startsAt = fixture.at(day: 23, 10, 30)
    moved.endsAt = fixture.at(day: 23, 11, 30)
    #expect {
      try fixture.store.events.update(second.id, expectedVersion: second.version, with: moved)
    } throws: { error in
      guard case StoreError.venueTaken(let ids) = error else { return false }
      return ids == [first.id]
    }
    #expect(try fixture.store.events.get(second.id).startsAt == fixture.at(day: 23, 14))
  }

  @Test func listFiltersNarrowAndPagesCoverEverythingOnce() throws {
    let fixture = try StoreFixture(prefix: "event_list")
    defer { fixture.close() }
    let store = fixture.store
    let speaker = try store.people.create(Person(name: "Karl-Henrik Nanning", party: "M"))
    let partner = try store.organisers.create(Organiser(name: "Försäkringskassan"))
    var created: [Event] = []
    for index in 0..<12 {
      var details = fixture.details(
        title: index == 5 ? "Samordningsförbund och rehabilitering" : "Seminarium \(index)",
        day: 21 + index % 3, hour: 8 + index / 3,
        venue: index % 2 == 0 ? fixture.venue.id : fixture.otherVenue.id)
      details.topics = index % 4 == 0 ? ["Klimat"] : ["Hälsa"]
      details.languages = index == 7 ? ["en"] : ["sv"]
      details.accessibility = index % 3 == 0 ? [.wheelchair, .hearingLoop] : []
      if index == 3 { details.participants = [Participation(personID: speaker.id, role: .speaker)] }
      if index == 4 { details.coOrganiserIDs = [partner.id] }
      var event = try store.events.create(details)
      if index != 11 { event = try store.events.publish(event.id) }
      created.append(event)
    }
    func ids(_ filter: EventFilter) throws -> Set<UUID> {
      Set(try store.events.all(filter).map(\.id))
    }
    #expect(
      try ids(EventFilter(day: LocalDay("2026-06-22")!))
        == Set(created.enumerated().filter { $0.offset % 3 == 1 }.map(\.element.id)))
    #expect(try ids(EventFilter(venueID: fixture.otherVenue.id)).count == 6)
    #expect(try ids(EventFilter(topic: "klimat")).count == 3)
    #expect(try ids(EventFilter(personID: speaker.id)) == [created[3].id])
    #expect(try ids(EventFilter(organiserID: partner.id)) == [created[4].id])
    #expect(try ids(EventFilter(organiserID: fixture.organiser.id)).count == 12)
    #expect(try ids(EventFilter(statuses: [.draft])) == [created[11].id])
    #expect(try ids(EventFilter(accessibility: [.hearingLoop])).count == 4)
    #expect(try ids(EventFilter(language: "en")) == [created[7].id])
    #expect(try ids(EventFilter(text: "rehabilitering")) == [created[5].id])
    #expect(try ids(EventFilter(text: "Nanning")) == [created[3].id])
    #expect(try ids(EventFilter(text: "100%_")).isEmpty)
    #expect(
      try ids(EventFilter(day: LocalDay("2026-06-21")!, venueID: fixture.venue.id, topic: "Klimat"))
        .count == 1)

    var seen: [UUID] = []
    var cursor: String?
    repeat {
      let page = try store.events.list(EventFilter(), limit: 5, cursor: cursor)
      #expect(page.items.count <= 5)
      seen += page.items.map(\.id)
      cursor = page.nextCursor
    } while cursor != nil
    #expect(seen.count == 12)
    #expect(Set(seen) == Set(created.map(\.id)))
    let times = try seen.map { id in try store.events.get(id).startsAt }
    #expect(times == times.sorted())
    #expect(throws: StoreError.self) { try store.events.list(cursor: "not-a-cursor") }
    #expect(throws: StoreError.self) { try store.events.list(limit: 10_000) }
  }
}
