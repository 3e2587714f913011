package import AlmedalenCore
package import AlmedalenStore
package import Foundation
import Postgres
package import PostgresTesting

/// A database with the whole schema and the 2026 edition, an organiser (Region Gotland) and
/// two venues (Donners plats and Almedalen, tält 3), for one test.
package struct StoreFixture {
  package let database: TestDatabase
  package let store: FestivalStore
  package let edition: Edition
  package let organiser: Organiser
  /// Donners plats, 60 seats.
  package let venue: Venue
  /// Almedalen, tält 3, without a capacity.
  package let otherVenue: Venue

  package init(prefix: String = "store", poolSize: Int = 8) throws {
    let database = try SchemaDatabase.create(prefix: prefix)
    let store = FestivalStore(
      pool: ConnectionPool(conninfo: database.conninfo, maxConnections: poolSize))
    do {
      edition = try store.editions.create(Visby.edition)
      organiser = try store.organisers.create(Visby.regionGotland)
      venue = try store.venues.create(Visby.donnersPlats)
      otherVenue = try store.venues.create(Visby.almedalenTent)
    } catch {
      store.pool.shutdown()
      try? database.drop()
      throw error
    }
    self.database = database
    self.store = store
  }

  package func close() {
    store.pool.shutdown()
    try? database.drop()
  }

  /// A Visby time on a festival day: `at(day: 23, 12)` is 23 June 2026 at 12:00.
  package func at(day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
    Visby.at(day: day, hour, minute)
  }

  /// A seminar by the fixture's organiser at its first venue unless told otherwise.
  package func details(
    title: String = "Hur klarar vi välfärden?", day: Int = 23, hour: Int = 12,
    minutes: Int = 60, venue: UUID? = nil, capacity: Int? = nil
  ) -> EventDetails {
    .make(
      title: title, day: day, hour: hour, minutes: minutes, venueID: venue ?? self.venue.id,
      organiserID: organiser.id, capacity: capacity)
  }
}
