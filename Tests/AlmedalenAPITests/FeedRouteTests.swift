import AlmedalenAPI
import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import HTTPServer
import LoopbackTesting
import Postgres
import Testing

/// The feeds over HTTP: caching, validators, invalidation across processes, filters.
/// The formats themselves are checked by real parsers in Tests/python.
@Suite struct FeedRouteTests {
  /// GETs `target` until the answer comes from the cache (the watcher listens by then).
  func waitUntilCached(_ client: APIClient, _ target: String) throws -> HTTPReply {
    let deadline = Date().addingTimeInterval(5)
    while true {
      let reply = try client.get(target)
      if reply.header("X-Feed-Cache") == "hit" || Date() > deadline { return reply }
      Thread.sleep(forTimeInterval: 0.02)
    }
  }

  @Test func unchangedProgrammeIsAnsweredFromTheCacheAnd304() throws {
    let fixture = try APIFixture(prefix: "feedcache", watchProgramme: true)
    defer { fixture.close() }
    try fixture.storedEvent("Vården på Gotland", venue: fixture.venue.id, published: true)
    let client = fixture.client(nil)
    let first = try waitUntilCached(client, "/feeds/program.ics")
    #expect(first.status == 200)
    #expect(first.header("X-Feed-Cache") == "hit")
    #expect(first.header("Content-Type") == "text/calendar; charset=utf-8")
    #expect(first.text.contains("SUMMARY:Vården på Gotland"))
    let etag = try #require(first.header("ETag"))
    #expect(etag.hasPrefix("\"") && etag.hasSuffix("\"") && !etag.hasPrefix("W/"))
    #expect(first.header("Last-Modified")?.hasSuffix(" GMT") == true)
    #expect(first.header("Cache-Control")?.contains("max-age") == true)

    let again = try client.get("/feeds/program.ics", headers: [("If-None-Match", etag)])
    #expect(again.status == 304)
    #expect(again.body.isEmpty)
    #expect(again.header("ETag") == etag)
    let since = try client.get(
      "/feeds/program.ics", headers: [("If-Modified-Since", first.header("Last-Modified")!)])
    #expect(since.status == 304)
    let head = try client.send("HEAD", "/feeds/program.ics")
    #expect(head.status == 200 && head.body.isEmpty && head.header("ETag") == etag)
  }

  @Test func anEditThroughTheAPIChangesTheFeedAndItsETag() throws {
    let fixture = try APIFixture(prefix: "feededit", watchProgramme: true)
    defer { fixture.close() }
    let event = try fixture.storedEvent("Före", venue: fixture.venue.id, published: true)
    let client = fixture.client(nil)
    let before = try waitUntilCached(client, "/feeds/program.ics")
    let admin = fixture.client(fixture.admin)
    let current = try admin.get("/api/v1/events/\(event.id.wire)")
    let patched = try admin.patch(
      "/api/v1/events/\(event.id.wire)", ["title": "Efter"], ifMatch: current.header("ETag"))
    #expect(patched.status == 200)
    // The notification arrives within moments; poll briefly rather than sleep blindly.
    var after = try client.get("/feeds/program.ics")
    let deadline = Date().addingTimeInterval(2)
    while !after.text.contains("SUMMARY:Efter") && Date() < deadline {
      Thread.sleep(forTimeInterval: 0.02)
      after = try client.get("/feeds/program.ics")
    }
    #expect(after.text.contains("SUMMARY:Efter"))
    #expect(!after.text.contains("SUMMARY:Före"))
    #expect(after.header("ETag") != before.header("ETag"))
    let stale = try client.get(
      "/feeds/program.ics", headers: [("If-None-Match", before.header("ETag")!)])
    #expect(stale.status == 200)
  }

  @Test func aSecondServerOnTheSameDatabaseServesAChangeWithinOneSecond() throws {
    let fixture = try APIFixture(prefix: "feedtwo", watchProgramme: true)
    defer { fixture.close() }
    let event = try fixture.storedEvent("Första titeln", venue: fixture.venue.id, published: true)
    // A second service: its own pool, cache and watcher, as another process would have.
    let store = FestivalStore(
      pool: ConnectionPool(conninfo: fixture.database.conninfo, maxConnections: 2))
    let application = Application(
      store: store, feeds: FeedSettings(baseURL: "https://almedalen.test"))
    let watcher = application.watchProgramme(conninfo: fixture.database.conninfo)
    let server = HTTPServer(
      configuration: Configuration(port: 0, workerThreads: 2, logSink: nil),
      responder: application)
    try server.start()
    defer {
      server.shutdown()
      server.wait()
      watcher.stop()
      store.pool.shutdown()
    }
    let second = APIClient(port: server.port)
    let cached = try waitUntilCached(second, "/feeds/program.ics")
    #expect(cached.header("X-Feed-Cache") == "hit")
    #expect(cached.text.contains("SUMMARY:Första titeln"))

    let admin = fixture.client(fixture.admin)
    let current = try admin.get("/api/v1/events/\(event.id.wire)")
    let started = Date()
    #expect(
      try admin.patch(
        "/api/v1/events/\(event.id.wire)", ["title": "Andra titeln"],
        ifMatch: current.header("ETag")
      ).status == 200)
    var seen: TimeInterval?
    while Date().timeIntervalSince(started) < 3 {
      if try second.get("/feeds/program.ics").text.contains("SUMMARY:Andra titeln") {
        seen = Date().timeIntervalSince(started)
        break
      }
      Thread.sleep(forTimeInterval: 0.01)
    }
    let delay = try #require(seen, "the second server never served the change")
    #expect(delay < 1.0, "the second server served the change after \(delay) s")
  }

  @Test func withoutAWatcherEveryRequestRendersTheSameBytes() throws {
    try withAPIFixture("feednowatch") { fixture in
      try fixture.storedEvent("Samma", venue: fixture.venue.id, published: true)
      let client = fixture.client(nil)
      let one = try client.get("/feeds/program.ics")
      let two = try client.get("/feeds/program.ics")
      #expect(one.header("X-Feed-Cache") == "miss")
      #expect(two.header("X-Feed-Cache") == "miss")
      #expect(one.body == two.body)
      #expect(one.header("ETag") == two.header("ETag"))
    }
  }

  @Test func theWatcherListensAgainAfterItsConnectionIsKilled() throws {
    let fixture = try APIFixture(prefix: "feedkill", watchProgramme: true)
    defer { fixture.close() }
    let event = try fixture.storedEvent("Innan", venue: fixture.venue.id, published: true)
    let client = fixture.client(nil)
    _ = try waitUntilCached(client, "/feeds/program.ics")
    let killed: Bool = try fixture.store.pool.withConnection { connection in
      try connection.query(
        """
        SELECT bool_or(pg_terminate_backend(pid)) AS killed FROM pg_stat_activity
        WHERE application_name = 'almedalen-watcher' AND datname = current_database()
        """)[0].decode("killed", as: Bool?.self) ?? false
    }
    #expect(killed, "no watcher connection found")
    // Listening again, it caches again; and a change after that is still seen.
    #expect(try waitUntilCached(client, "/feeds/program.ics").header("X-Feed-Cache") == "hit")
    let admin = fixture.client(fixture.admin)
    let current = try admin.get("/api/v1/events/\(event.id.wire)")
    _ = try admin.patch(
      "/api/v1/events/\(event.id.wire)", ["title": "Efteråt"], ifMatch: current.header("ETag"))
    var text = ""
    let deadline = Date().addingTimeInterval(2)
    repeat {
      text = try client.get("/feeds/program.ics").text
    } while !text.contains("SUMMARY:Efteråt") && Date() < deadline
    #expect(text.contains("SUMMARY:Efteråt"))
  }

  @Test func gzipIsItsOwnRepresentationWithItsOwnETag() throws {
    try withAPIFixture("feedgzip") { fixture in
      for hour in 8..<18 {
        try fixture.storedEvent(
          "Seminarium \(hour)", hour: hour, venue: fixture.venue.id, published: true)
      }
      let client = fixture.client(nil)
      let plain = try client.get("/feeds/program.ics")
      let gzipped = try client.get("/feeds/program.ics", headers: [("Accept-Encoding", "gzip")])
      #expect(gzipped.header("Content-Encoding") == "gzip")
      #expect(gzipped.header("Vary")?.contains("Accept-Encoding") == true)
      #expect(Gzip.decompress(gzipped.body, limit: 1 << 24) == plain.body)
      let tag = try #require(plain.header("ETag"))
      #expect(gzipped.header("ETag") == String(tag.dropLast()) + "-gz\"")
      // Either tag validates either representation (If-None-Match compares weakly).
      #expect(
        try client.get("/feeds/program.ics", headers: [("If-None-Match", gzipped.header("ETag")!)])
          .status == 304)
    }
  }

  @Test func draftsAndUnknownIdsAreNeverInFeeds() throws {
    try withAPIFixture("feeddraft") { fixture in
      let draft = try fixture.storedEvent("Hemligt utkast", venue: fixture.venue.id)
      let client = fixture.client(nil)
      for target in [
        "/feeds/program.ics", "/feeds/program.rss", "/feeds/schedule.xml", "/feeds/schedule.json",
      ] {
        let reply = try client.get(target)
        #expect(reply.status == 200, "\(target): \(reply)")
        #expect(!reply.text.contains("Hemligt utkast"), "\(target) shows a draft")
      }
      // Someone in no public seminar has no public calendar (PublicPersonTests).
      let person = try client.get("/feeds/people/\(fixture.person.id.wire).ics")
      #expect(person.status == 404, "\(person)")
      #expect(!person.text.contains("Hemligt utkast"))
      #expect(try client.get("/feeds/events/\(draft.id.wire).ics").status == 404)
      #expect(try client.get("/feeds/events/\(UUID().uuidString).ics").status == 404)
      #expect(try client.get("/feeds/events/nonsense.ics").status == 404)
      #expect(try client.get("/feeds/people/\(UUID().uuidString).ics").status == 404)
    }
  }

  @Test func badFiltersGetAProblemNamingTheField() throws {
    try withAPIFixture("feedbad") { fixture in
      let client = fixture.client(nil)
      let reply = try client.get(
        "/feeds/program.ics?day=2026-13-45&organiser=x&accessibility=teleport&language=svenska")
      #expect(reply.status == 422)
      #expect(reply.header("Content-Type") == "application/problem+json")
      #expect(Set(reply.errorFields) == ["day", "organiser", "accessibility", "language"])
      #expect(try client.get("/feeds/program.rss?limit=0").errorFields == ["limit"])
      #expect(
        try client.get("/feeds/program.ics?q=" + String(repeating: "a", count: 201)).status == 422)
      #expect(try client.get("/feeds/program.ics?organiser=\(UUID().uuidString)").status == 404)
    }
  }

  @Test func filtersNarrowAndNameTheFeed() throws {
    try withAPIFixture("feedfilter") { fixture in
      try fixture.storedEvent(
        "Måndag på Donners", day: 22, venue: fixture.venue.id, published: true)
      try fixture.storedEvent(
        "Tisdag i tältet", day: 23, venue: fixture.otherVenue.id, published: true)
      let client = fixture.client(nil)
      let tuesday = try client.get("/feeds/program.ics?day=2026-06-23").text
      #expect(tuesday.contains("Tisdag i tältet") && !tuesday.contains("Måndag på Donners"))
      #expect(tuesday.contains("X-WR-CALNAME:Almedalsveckan · tisdag 23 juni 2026"))
      let venue = try client.get("/feeds/program.ics?venue=\(fixture.venue.id.wire)").text
      #expect(venue.contains("Måndag på Donners") && !venue.contains("Tisdag i tältet"))
      let both = try client.get(
        "/feeds/program.ics?venue=\(fixture.venue.id.wire)&day=2026-06-23")
      #expect(!both.text.contains("BEGIN:VEVENT"))
      // Parameters in another order are the same feed, with the same canonical self link.
      let rss = try client.get("/feeds/program.rss?venue=\(fixture.venue.id.wire)&day=2026-06-22")
      #expect(
        rss.text.contains(
          "https://almedalen.test/feeds/program.rss?day=2026-06-22&amp;venue=\(fixture.venue.id.wire)"
        ))
    }
  }

  @Test func theChangeFeedTellsNewMovedAndCancelledApart() throws {
    try withAPIFixture("feedrss") { fixture in
      let admin = fixture.client(fixture.admin)
      let created = try admin.post(
        "/api/v1/events",
        eventBody(
          "Bostadsfrågan", hour: 12, venue: fixture.venue.id, organiser: fixture.organiser.id))
      let id = created.id
      #expect(try admin.post("/api/v1/events/\(id)/publish").status == 200)
      let current = try admin.get("/api/v1/events/\(id)")
      #expect(
        try admin.patch(
          "/api/v1/events/\(id)",
          [
            "starts_at": Visby.wire(day: 23, 14), "ends_at": Visby.wire(day: 23, 15),
            "venue_id": fixture.otherVenue.id.wire,
          ], ifMatch: current.header("ETag")
        ).status == 200)
      #expect(try admin.post("/api/v1/events/\(id)/cancel").status == 200)
      let rss = try fixture.client(nil).get("/feeds/program.rss")
      #expect(rss.header("Content-Type") == "application/rss+xml; charset=utf-8")
      let items = rss.text.components(separatedBy: "<item>").dropFirst()
      #expect(items.count == 3)
      // Newest first: cancelled, moved, published.
      #expect(items.first?.contains("Inställt") == true)
      #expect(items.dropFirst().first?.contains("Flyttad till 14:00, Almedalen, tält 3") == true)
      #expect(items.last?.contains("Nytt") == true)
    }
  }

  @Test func everyFeedIsOfferedAsHttpsAndWebcal() throws {
    try withAPIFixture("feedlinks") { fixture in
      let reply = try fixture.client(nil).get("/api/v1/feeds?topic=H%C3%A4lsa&day=2026-06-23")
      let ics = try #require(reply.json["ics"] as? [String: String])
      #expect(
        ics["https"] == "https://almedalen.test/feeds/program.ics?day=2026-06-23&topic=H%C3%A4lsa")
      #expect(
        ics["webcal"] == "webcal://almedalen.test/feeds/program.ics?day=2026-06-23&topic=H%C3%A4lsa"
      )
    }
  }
}
