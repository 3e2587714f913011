import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Postgres
import PostgresTesting
import Testing

/// Co-organiser requests in PostgreSQL: what the migration does to existing links, which
/// answers the database allows, and that answers survive concurrent edits of the event.
@Suite struct CoOrganiserStoreTests {
  /// Links that existed before consent was asked for were the organisers' own doing, as
  /// before: they stay shown (accepted).
  @Test func existingLinksBecomeAccepted() throws {
    let database = try TestDatabase.create(prefix: "coorg_migrate")
    defer { try? database.drop() }
    let all = try Migrator.load(SchemaDatabase.directory)
    try Migrator(conninfo: database.conninfo, migrations: all.filter { $0.version < 7 }).migrate()
    let connection = try database.connect()
    try connection.executeScript(
      """
      INSERT INTO editions (id, year, name, first_day, last_day)
        VALUES ('00000000-0000-4000-8000-000000000001', 2026, 'Almedalsveckan 2026',
                '2026-06-21', '2026-06-26');
      INSERT INTO organisers (id, name) VALUES
        ('00000000-0000-4000-8000-000000000002', 'Region Gotland'),
        ('00000000-0000-4000-8000-000000000003', 'Svenska Kyrkan');
      INSERT INTO events (id, edition_id, organiser_id, title, starts_at, ends_at)
        VALUES ('00000000-0000-4000-8000-000000000004', '00000000-0000-4000-8000-000000000001',
                '00000000-0000-4000-8000-000000000002', 'Före samtycket',
                '2026-06-23 12:00+02', '2026-06-23 13:00+02');
      INSERT INTO event_organisers (event_id, organiser_id, position)
        VALUES ('00000000-0000-4000-8000-000000000004', '00000000-0000-4000-8000-000000000003', 0);
      """)
    try Migrator(conninfo: database.conninfo, migrations: all).migrate()
    let status: String = try connection.query("SELECT status FROM event_organisers")[0].decode(
      "status")
    #expect(status == "accepted")
    // New links wait for an answer unless the writer says otherwise.
    try connection.executeScript(
      """
      INSERT INTO organisers (id, name) VALUES ('00000000-0000-4000-8000-000000000005', 'Tredje');
      INSERT INTO event_organisers (event_id, organiser_id, position)
        VALUES ('00000000-0000-4000-8000-000000000004', '00000000-0000-4000-8000-000000000005', 1);
      """)
    let statuses = try connection.query(
      "SELECT status FROM event_organisers ORDER BY position"
    ).map { try $0.decode("status", as: String.self) }
    #expect(statuses == ["accepted", "pending"])
  }

  /// The database itself allows only pending → accepted or declined, and accepted →
  /// declined; a declined request is final, whoever writes SQL.
  @Test func theDatabaseAllowsOnlyForwardAnswers() throws {
    let fixture = try StoreFixture(prefix: "coorg_rules")
    defer { fixture.close() }
    let b = try fixture.store.organisers.create(Organiser(name: "Svenska Kyrkan"))
    var details = fixture.details(title: "Samarbetet")
    details.coOrganiserIDs = [b.id]
    let event = try fixture.store.events.create(details, coOrganisersAccepted: false)
    #expect(event.coOrganisers == [CoOrganiserLink(organiserID: b.id, status: .pending)])
    func set(_ status: String) throws {
      try fixture.database.connect().execute(
        "UPDATE event_organisers SET status = $1 WHERE event_id = $2", [status, event.id])
    }
    #expect(throws: PostgresError.self) { try set("maybe") }
    try set("accepted")
    #expect(throws: PostgresError.self) { try set("pending") }
    try set("declined")
    #expect(throws: PostgresError.self) { try set("accepted") }
    #expect(throws: PostgresError.self) { try set("pending") }
    let decided = try fixture.store.events.get(event.id)
    #expect(decided.coOrganisers == [CoOrganiserLink(organiserID: b.id, status: .declined)])
    // Through the store: a declined request cannot be accepted (409), only asked anew.
    #expect(throws: StoreError.self) {
      try fixture.store.coOrganisers.answer(
        eventID: event.id, organiserID: b.id, accept: true, actor: "token:kyrkan")
    }
    // The answers are in the event's history.
    let history = try fixture.store.events.history(event.id)
    let names: [String] = history.flatMap { change in change.fields.map(\.name) }
    let answers = names.filter { $0 == "co_organisers" }
    #expect(answers.count == 2)
  }

  /// An answer given while the organiser edits the event (reordering its co-organisers) is
  /// never lost, whichever transaction commits first.
  @Test func answersSurviveConcurrentEdits() throws {
    let fixture = try StoreFixture(prefix: "coorg_race", poolSize: 8)
    defer { fixture.close() }
    let b = try fixture.store.organisers.create(Organiser(name: "Svenska Kyrkan"))
    let c = try fixture.store.organisers.create(Organiser(name: "Tredje föreningen"))
    let store = fixture.store
    for round in 0..<12 {
      var details = fixture.details(title: "Runda \(round)")
      details.coOrganiserIDs = [b.id, c.id]
      let event = try store.events.create(details, coOrganisersAccepted: false)
      let base = details
      let outcomes = concurrently(2) { index -> String in
        do {
          if index == 0 {
            _ = try store.coOrganisers.answer(
              eventID: event.id, organiserID: b.id, accept: true, actor: "token:kyrkan")
          } else {
            var reordered = base
            reordered.coOrganiserIDs = [c.id, b.id]
            reordered.title = "Runda \(round), omskriven"
            _ = try store.events.update(
              event.id, expectedVersion: event.version, with: reordered,
              actor: "token:gotland", coOrganisersAccepted: false)
          }
          return "ok"
        } catch {
          return "\(error)"
        }
      }
      #expect(outcomes == ["ok", "ok"], "round \(round)")
      let after = try store.events.get(event.id)
      #expect(
        after.coOrganisers == [
          CoOrganiserLink(organiserID: c.id, status: .pending),
          CoOrganiserLink(organiserID: b.id, status: .accepted),
        ], "round \(round)")
    }
  }

  /// Public reads (the feeds' snapshot, the organiser filter) know only accepted
  /// co-organisers; the organiser's own view keeps everyone it named.
  @Test func publicReadsShowOnlyAcceptedCoOrganisers() throws {
    let fixture = try StoreFixture(prefix: "coorg_public")
    defer { fixture.close() }
    let b = try fixture.store.organisers.create(Organiser(name: "Svenska Kyrkan"))
    var details = fixture.details(title: "Samarbetet")
    details.coOrganiserIDs = [b.id]
    let event = try fixture.store.events.create(details, coOrganisersAccepted: false)
    _ = try fixture.store.events.publish(event.id)
    var filter = EventFilter.publicProgramme
    filter.organiserID = b.id
    #expect(try fixture.store.feeds.snapshot(filter).events.isEmpty)
    let snapshot = try fixture.store.feeds.event(event.id)
    #expect(snapshot.events[0].coOrganiserIDs.isEmpty)
    #expect(snapshot.organisers[b.id] == nil)
    #expect(try fixture.store.events.get(event.id).coOrganiserIDs == [b.id])
    let requests = try fixture.store.coOrganisers.requests(for: b.id, status: .pending)
    #expect(requests.map(\.eventID) == [event.id])
    _ = try fixture.store.coOrganisers.answer(
      eventID: event.id, organiserID: b.id, accept: true, actor: "token:kyrkan")
    #expect(try fixture.store.feeds.snapshot(filter).events.map(\.id) == [event.id])
    #expect(try fixture.store.feeds.event(event.id).organisers[b.id] == "Svenska Kyrkan")
  }
}
