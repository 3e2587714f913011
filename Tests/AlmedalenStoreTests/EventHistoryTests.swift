import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Postgres
import Testing

@Suite struct EventHistoryTests {
  @Test func historyRecordsWhoChangedWhatAndWhen() throws {
    let fixture = try StoreFixture(prefix: "history")
    defer { fixture.close() }
    let events = fixture.store.events
    let person = try fixture.store.people.create(Person(name: "Hans Folkesson"))
    var event = try events.create(fixture.details(title: "Före"), actor: "token:gotland")
    event = try events.publish(event.id, actor: "token:staff")
    var details = event.details
    details.title = "Efter"
    details.startsAt = fixture.at(day: 23, 14)
    details.endsAt = fixture.at(day: 23, 15)
    details.participants = [Participation(personID: person.id, role: .speaker)]
    event = try events.update(
      event.id, expectedVersion: event.version, with: details, actor: "token:gotland")
    event = try events.cancel(event.id, actor: "token:staff")

    let history = try events.history(event.id)
    #expect(history.map(\.action) == [.created, .published, .updated, .cancelled])
    #expect(
      history.map(\.actor) == ["token:gotland", "token:staff", "token:gotland", "token:staff"])
    #expect(history.map(\.revision) == [0, 1, 2, 3])
    #expect(history.last?.version == event.version)
    let update = history[2]
    let names = Set(update.fields.map(\.name))
    #expect(names == ["title", "starts_at", "ends_at", "participants"])
    let title = try #require(update.fields.first { $0.name == "title" })
    #expect(title.from == "\"Före\"")
    #expect(title.to == "\"Efter\"")
    #expect(history[3].fields.map(\.name) == ["status"])
    #expect(zip(history, history.dropFirst()).allSatisfy { $0.changedAt <= $1.changedAt })
  }

  @Test func changesMadeOutsideTheStoreAreStillRecorded() throws {
    let fixture = try StoreFixture(prefix: "history_sql")
    defer { fixture.close() }
    let event = try fixture.store.events.create(fixture.details())
    _ = try fixture.store.pool.withConnection {
      try $0.execute("UPDATE events SET capacity = 12 WHERE id = $1", [event.id])
    }
    let last = try #require(try fixture.store.events.history(event.id).last)
    #expect(last.actor == "sql")
    #expect(last.fields == [EventChange.Field(name: "capacity", from: "null", to: "12")])
    #expect(throws: StoreError.self) { try fixture.store.events.history(UUID()) }
  }
}
