import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Testing

/// Editions, organisers, venues and people: create, read, guarded update, list.
@Suite struct ReferenceStoreTests {
  @Test func editionsAreOnePerYearAndHoldTheirDays() throws {
    let fixture = try StoreFixture(prefix: "editions")
    defer { fixture.close() }
    let editions = fixture.store.editions
    #expect(try editions.get(fixture.edition.id) == fixture.edition)
    #expect(try editions.find(year: 2026)?.id == fixture.edition.id)
    #expect(try editions.find(year: 1999) == nil)
    #expect(try editions.containing(fixture.at(day: 28, 23, 30))?.id == fixture.edition.id)
    #expect(try editions.containing(fixture.at(day: 29, 0, 30)) == nil)
    #expect(fixture.edition.days.count == 8)
    #expect {
      try editions.create(
        Edition(
          year: 2026, name: "Igen", firstDay: LocalDay("2026-06-01")!,
          lastDay: LocalDay("2026-06-02")!))
    } throws: { error in
      guard case StoreError.duplicate(let field) = error else { return false }
      return field == "year"
    }
    #expect(throws: ValidationError.self) {
      try editions.create(
        Edition(
          year: 2027, name: "Baklänges", firstDay: LocalDay("2027-06-10")!,
          lastDay: LocalDay("2027-06-01")!))
    }
    #expect(try editions.list().map(\.year) == [2026])
  }

  @Test func organisersUpdateOnlyFromTheCurrentVersion() throws {
    let fixture = try StoreFixture(prefix: "organisers")
    defer { fixture.close() }
    let organisers = fixture.store.organisers
    var organiser = try organisers.create(
      Organiser(
        name: "Arbetsförmedlingen", contactEmail: "info@af.example", website: "https://af.example"))
    #expect(try organisers.get(organiser.id) == organiser)
    let stale = organiser.version
    organiser.name = "Arbetsförmedlingen Gotland"
    let updated = try organisers.update(organiser, expectedVersion: stale)
    #expect(updated.version == stale + 1)
    #expect(throws: StoreError.self) { try organisers.update(organiser, expectedVersion: stale) }
    #expect(throws: StoreError.self) { try organisers.get(UUID()) }
    #expect(throws: ValidationError.self) {
      try organisers.create(Organiser(name: "X", contactEmail: "not an email", website: "ftp://x"))
    }
  }

  @Test func venuesKeepCoordinatesAndAccessibility() throws {
    let fixture = try StoreFixture(prefix: "venues")
    defer { fixture.close() }
    let venues = fixture.store.venues
    var venue = try venues.create(
      Venue(
        name: "S:t Hans plats", address: "S:t Hansgatan, Visby",
        coordinate: Coordinate(latitude: 57.6382, longitude: 18.2919), capacity: 120,
        accessibility: [.wheelchair, .signLanguage]))
    #expect(try venues.get(venue.id) == venue)
    venue.capacity = 150
    venue.accessibility = [.captions]
    let updated = try venues.update(venue, expectedVersion: venue.version)
    #expect(updated.capacity == 150)
    #expect(updated.accessibility == [.captions])
    #expect(throws: ValidationError.self) {
      try venues.create(Venue(name: "Fel", coordinate: Coordinate(latitude: 91, longitude: 18)))
    }
    #expect(try venues.all().count == 3)
  }

  @Test func peoplePagesAreStableAndSearchable() throws {
    let fixture = try StoreFixture(prefix: "people")
    defer { fixture.close() }
    let people = fixture.store.people
    for name in [
      "Ola Andersson", "Per-Arne Andersson", "Hans Folkesson", "Johan Jonsson", "Åsa Öberg",
    ] {
      _ = try people.create(Person(name: name))
    }
    var names: [String] = []
    var cursor: String?
    repeat {
      let page = try people.list(limit: 2, cursor: cursor)
      names += page.items.map(\.name)
      cursor = page.nextCursor
    } while cursor != nil
    #expect(names.count == 5)
    #expect(Set(names).count == 5)
    #expect(
      try people.list(query: "andersson").items.map(\.name).sorted() == [
        "Ola Andersson", "Per-Arne Andersson",
      ])
    #expect(try people.list(query: "%").items.isEmpty)
    var person = try #require(try people.list(query: "Folkesson").items.first)
    person.title = "utvärderare"
    #expect(try people.update(person, expectedVersion: person.version).title == "utvärderare")
  }
}
