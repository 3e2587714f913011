import AlmedalenCore
import AlmedalenSeed
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Postgres
import PostgresTesting
import Testing

/// The generated festival, loaded into fresh databases: the sizes asked for, loaded once,
/// the same for the same seed, and within the schema's rules (no double-booked venue, every
/// event inside its edition).
@Suite struct FestivalGeneratorTests {
  /// Runs `body` with a connection to a fresh database with the schema, dropped afterwards.
  private func withMigratedDatabase<T>(_ body: (Connection) throws -> T) throws -> T {
    let database = try SchemaDatabase.create(prefix: "festgen")
    defer { try? database.drop() }
    let connection = try database.connect()
    return try body(connection)
  }

  private func count(_ sql: PostgresQuery, on connection: Connection) throws -> Int {
    try connection.query(sql)[0].decode(column: 0)
  }

  @Test func loadsTheSizesAskedForOnceAndKeepsTheRules() throws {
    try withMigratedDatabase { connection in
      let generator = FestivalGenerator(events: 600, seed: 7)
      var lines: [String] = []
      let summary = try generator.load(on: connection) { lines.append($0) }
      #expect(!summary.alreadyLoaded)
      #expect(summary.events == 600)
      #expect(summary.venues >= 48)
      #expect(summary.organisers == 240)
      #expect(summary.people == 1440)
      #expect(summary.panels > 0)
      #expect(summary.participations > 600)
      #expect(lines.contains("venues \(summary.venues)"))
      #expect(lines.contains("events 600/600"))

      // What the summary says is what the database holds.
      #expect(try count("SELECT count(*) FROM events", on: connection) == 600)
      #expect(try count("SELECT count(*) FROM venues", on: connection) == summary.venues)
      #expect(try count("SELECT count(*) FROM organisers", on: connection) == 240)
      #expect(try count("SELECT count(*) FROM people", on: connection) == 1440)
      #expect(try count("SELECT count(*) FROM panels", on: connection) == summary.panels)
      #expect(
        try count("SELECT count(*) FROM participations", on: connection)
          == summary.participations)
      #expect(
        try count(
          "SELECT count(*) FROM seed_batches WHERE name = 'generate:2026:7:600'", on: connection)
          == 1)
      let edition = try connection.query(
        "SELECT name, first_day::text AS first, last_day::text AS last FROM editions WHERE year = 2026"
      )
      #expect(edition.count == 1)
      #expect(try edition.first?.decode("name", as: String.self) == "Almedalsveckan 2026")
      #expect(try edition.first?.decode("first", as: String.self) == "2026-06-21")
      #expect(try edition.first?.decode("last", as: String.self) == "2026-06-28")

      // A second run finds the batch and loads nothing.
      let again = try generator.load(on: connection) { _ in }
      #expect(again.alreadyLoaded)
      #expect(again.events == 0)
      #expect(try count("SELECT count(*) FROM events", on: connection) == 600)

      // No two published events overlap at a venue.
      #expect(
        try count(
          """
          SELECT count(*) FROM events a JOIN events b
            ON a.venue_id = b.venue_id AND a.id < b.id
           AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
          WHERE a.status = 'published' AND b.status = 'published'
          """, on: connection) == 0)
      // Every event lies inside its edition's days, between 07:30 and 21:00 in Visby.
      #expect(
        try count(
          """
          SELECT count(*) FROM events e JOIN editions d ON d.id = e.edition_id
          WHERE (e.starts_at AT TIME ZONE 'Europe/Stockholm')::date < d.first_day
             OR (e.ends_at AT TIME ZONE 'Europe/Stockholm')::date > d.last_day
             OR (e.starts_at AT TIME ZONE 'Europe/Stockholm')::time < '07:30'
             OR (e.ends_at AT TIME ZONE 'Europe/Stockholm')::time > '21:00'
             OR (e.starts_at AT TIME ZONE 'Europe/Stockholm')::date
                <> (e.ends_at AT TIME ZONE 'Europe/Stockholm')::date
          """, on: connection) == 0)
      // Kinds keep their hours.
      #expect(
        try count(
          """
          SELECT count(*) FROM events
          WHERE (kind = 'breakfast_seminar'
                 AND (ends_at AT TIME ZONE 'Europe/Stockholm')::time > '09:00')
             OR (kind = 'lunch_seminar'
                 AND ((starts_at AT TIME ZONE 'Europe/Stockholm')::time < '12:00'
                      OR (ends_at AT TIME ZONE 'Europe/Stockholm')::time > '13:00'))
          """, on: connection) == 0)
      #expect(
        try count("SELECT count(DISTINCT kind) FROM events", on: connection)
          == EventKind.allCases.count)
      // Lifecycle: mostly published; cancelled events were published first.
      let published = try count(
        "SELECT count(*) FROM events WHERE status = 'published'", on: connection)
      #expect(published > 540)
      #expect(
        try count(
          """
          SELECT count(*) FROM events
          WHERE (status = 'cancelled' AND (published_at IS NULL OR cancelled_at IS NULL
                                           OR revision < 1))
             OR (status = 'draft' AND published_at IS NOT NULL)
          """, on: connection) == 0)
      // Co-organisers never repeat the organiser; panels' people belong to their event.
      #expect(
        try count(
          """
          SELECT count(*) FROM event_organisers o JOIN events e ON e.id = o.event_id
          WHERE o.organiser_id = e.organiser_id
          """, on: connection) == 0)
      #expect(
        try count(
          "SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM participations p WHERE p.event_id = e.id)",
          on: connection) == 0)
      // Ids are RFC 4122 version 4; contact details never point at a real domain.
      #expect(
        try count(
          """
          SELECT count(*) FROM (SELECT id FROM events UNION ALL SELECT id FROM people
                                UNION ALL SELECT id FROM venues UNION ALL SELECT id FROM organisers) ids
          WHERE substr(id::text, 15, 1) <> '4' OR substr(id::text, 20, 1) NOT IN ('8', '9', 'a', 'b')
          """, on: connection) == 0)
      #expect(
        try count(
          """
          SELECT count(*) FROM organisers
          WHERE contact_email !~ '@[a-z0-9-]+\\.example$'
             OR website !~ '^https://[a-z0-9.-]*\\.example(/|$)'
          """, on: connection) == 0)
      #expect(
        try count(
          """
          SELECT count(*) FROM venues
          WHERE latitude NOT BETWEEN 57.633 AND 57.646 OR longitude NOT BETWEEN 18.283 AND 18.305
          """, on: connection) == 0)

      // Another seed loads beside it into the same edition without any id colliding.
      let other = try FestivalGenerator(events: 200, seed: 8).load(on: connection) { _ in }
      #expect(!other.alreadyLoaded)
      #expect(try count("SELECT count(*) FROM events", on: connection) == 800)
      #expect(try count("SELECT count(*) FROM editions", on: connection) == 1)
    }
  }

  @Test func anExistingEditionKeepsItsDays() throws {
    try withMigratedDatabase { connection in
      try connection.execute(
        """
        INSERT INTO editions (year, name, first_day, last_day)
        VALUES (2027, 'Almedalsveckan 2027', '2027-06-28', '2027-06-29')
        """)
      // 150 events in two days: more than the usual venues can hold, so venues are added.
      let summary = try FestivalGenerator(events: 150, seed: 9, year: 2027).load(on: connection) {
        _ in
      }
      #expect(summary.events == 150)
      #expect(
        try count(
          """
          SELECT count(*) FROM events
          WHERE (starts_at AT TIME ZONE 'Europe/Stockholm')::date NOT IN ('2027-06-28', '2027-06-29')
          """, on: connection) == 0)
      #expect(
        try count(
          """
          SELECT count(*) FROM events a JOIN events b
            ON a.venue_id = b.venue_id AND a.id < b.id
           AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
          WHERE a.status = 'published' AND b.status = 'published'
          """, on: connection) == 0)
    }
  }

  @Test func twoRunsAtOnceLoadTheBatchOnce() throws {
    let database = try SchemaDatabase.create(prefix: "festgen")
    defer { try? database.drop() }
    let results = LoadResults()
    let group = DispatchGroup()
    for _ in 0..<2 {
      group.enter()
      Thread.detachNewThread {
        defer { group.leave() }
        do {
          let connection = try database.connect()
          let summary = try FestivalGenerator(events: 120, seed: 3).load(on: connection) { _ in }
          results.add(.success(summary.alreadyLoaded))
        } catch {
          results.add(.failure(error))
        }
      }
    }
    group.wait()
    let outcomes = try results.all.map { try $0.get() }
    #expect(outcomes.sorted { !$0 && $1 } == [false, true])
    let connection = try database.connect()
    #expect(try count("SELECT count(*) FROM events", on: connection) == 120)
    #expect(try count("SELECT count(*) FROM seed_batches", on: connection) == 1)
  }

  @Test func theSameSeedGivesTheSameFestival() throws {
    func snapshot() throws -> (events: [String], people: [String]) {
      try withMigratedDatabase { connection in
        _ = try FestivalGenerator(events: 600, seed: 7).load(on: connection) { _ in }
        let events = try connection.query(
          "SELECT id::text || ' ' || title || ' ' || starts_at::text FROM events ORDER BY id"
        ).map { try $0.decode(column: 0, as: String.self) }
        let people = try connection.query(
          """
          SELECT p.id::text || ' ' || p.name || ' ' || count(q.id)::text
          FROM people p LEFT JOIN participations q ON q.person_id = p.id
          GROUP BY p.id ORDER BY p.id
          """
        ).map { try $0.decode(column: 0, as: String.self) }
        return (events, people)
      }
    }
    let first = try snapshot()
    let second = try snapshot()
    #expect(first.events.count == 600)
    #expect(first.events == second.events)
    #expect(first.people == second.people)
  }

  @Test func assumedDaysStartOnTheFirstSundayFromJune20() {
    #expect(FestivalGenerator.assumedFirstDay(year: 2026) == LocalDay("2026-06-21"))
    #expect(FestivalGenerator.assumedFirstDay(year: 2027) == LocalDay("2027-06-20"))
    #expect(FestivalGenerator.assumedFirstDay(year: 2025) == LocalDay("2025-06-22"))
    #expect(FestivalGenerator(events: 5000, seed: 1).batchName == "generate:2026:1:5000")
  }
}

/// Outcomes of loads on several threads: whether each found the batch already loaded.
private final class LoadResults: @unchecked Sendable {
  private let lock = NSLock()
  private var results: [Result<Bool, any Error>] = []
  func add(_ result: Result<Bool, any Error>) {
    lock.lock()
    results.append(result)
    lock.unlock()
  }
  var all: [Result<Bool, any Error>] {
    lock.lock()
    defer { lock.unlock() }
    return results
  }
}
