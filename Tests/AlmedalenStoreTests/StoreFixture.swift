import AlmedalenCore
import AlmedalenStore
import Foundation
import Postgres
import PostgresTesting

/// A fresh, migrated database with an edition, an organiser and two venues, for one test.
struct StoreFixture {
  let database: TestDatabase
  let store: FestivalStore
  let edition: Edition
  let organiser: Organiser
  let venue: Venue
  let otherVenue: Venue

  static let schemaDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Schema")

  init(prefix: String = "store", poolSize: Int = 8) throws {
    database = try TestDatabase.create(prefix: prefix)
    try Migrator(conninfo: database.conninfo, directory: Self.schemaDirectory).migrate()
    store = FestivalStore(
      pool: ConnectionPool(conninfo: database.conninfo, maxConnections: poolSize))
    edition = try store.editions.create(
      Edition(
        year: 2026, name: "Almedalsveckan 2026", firstDay: LocalDay("2026-06-21")!,
        lastDay: LocalDay("2026-06-28")!))
    organiser = try store.organisers.create(Organiser(name: "Region Gotland"))
    venue = try store.venues.create(
      Venue(
        name: "Donners plats", coordinate: Coordinate(latitude: 57.6394, longitude: 18.2925),
        capacity: 60))
    otherVenue = try store.venues.create(
      Venue(
        name: "Almedalen, tält 3", coordinate: Coordinate(latitude: 57.6404, longitude: 18.2881)))
  }

  func close() {
    store.pool.shutdown()
    try? database.drop()
  }

  /// A Visby time on a festival day: `at(day: 23, 12)` is 23 June 2026 at 12:00.
  func at(day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
    FestivalTime.date(LocalDay(year: 2026, month: 6, day: day)!, hour: hour, minute: minute)
  }

  /// An event with sensible defaults at the fixture's venue.
  func details(
    title: String = "Hur klarar vi välfärden?", day: Int = 23, hour: Int = 12,
    minutes: Int = 60, venue: UUID? = nil, capacity: Int? = nil
  ) -> EventDetails {
    EventDetails(
      title: title, kind: .seminar, startsAt: at(day: day, hour),
      endsAt: at(day: day, hour).addingTimeInterval(Double(minutes) * 60),
      venueID: venue ?? self.venue.id, organiserID: organiser.id, topics: ["Hälsa"],
      capacity: capacity, registrationOpen: capacity != nil)
  }
}
