import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Testing

/// `GET /api/v1/events`: filters, cursor pagination, and whose drafts a token sees.
@Suite struct EventListTests {
  struct Spec {
    var title: String
    var ownOrganiser: Bool
    var day: Int
    var hour: Int
    var minute: Int = 0
    var venue: Int?  // 0: Donners plats, 1: Almedalen, tält 3
    var status: EventStatus
    var withPerson = false
  }

  static let specs: [Spec] = [
    Spec(
      title: "Vattnet på Gotland", ownOrganiser: true, day: 22, hour: 9, venue: 0,
      status: .published, withPerson: true),
    Spec(
      title: "Skolan i fokus", ownOrganiser: true, day: 22, hour: 9, venue: 1, status: .published),
    Spec(
      title: "Visbyvatten och klimatet", ownOrganiser: false, day: 23, hour: 9, venue: 0,
      status: .published),
    Spec(
      title: "Kyrkans roll", ownOrganiser: false, day: 23, hour: 9, venue: 1, status: .draft,
      withPerson: true),
    Spec(title: "Gotlands utkast", ownOrganiser: true, day: 23, hour: 10, venue: 0, status: .draft),
    Spec(
      title: "Bostäder för unga", ownOrganiser: true, day: 23, hour: 10, venue: nil,
      status: .published),
    Spec(
      title: "Inställt möte", ownOrganiser: true, day: 24, hour: 14, venue: 0, status: .cancelled,
      withPerson: true),
    Spec(
      title: "Kyrkans andra utkast", ownOrganiser: false, day: 24, hour: 14, venue: 1,
      status: .draft),
    // Late on the 23rd and early on the 24th in Visby: the 24th's starts on the 23rd in UTC.
    Spec(
      title: "Sent på kvällen", ownOrganiser: true, day: 23, hour: 23, minute: 30, venue: 0,
      status: .published),
    Spec(
      title: "Tidigt på morgonen", ownOrganiser: false, day: 24, hour: 0, minute: 30, venue: 1,
      status: .published),
    // Four at the same moment, to page through ties.
    Spec(
      title: "Samtidigt ett", ownOrganiser: true, day: 22, hour: 13, venue: nil, status: .published),
    Spec(
      title: "Samtidigt två", ownOrganiser: false, day: 22, hour: 13, venue: nil, status: .published
    ),
    Spec(title: "Samtidigt tre", ownOrganiser: true, day: 22, hour: 13, venue: nil, status: .draft),
    Spec(
      title: "Samtidigt fyra", ownOrganiser: false, day: 22, hour: 13, venue: nil,
      status: .published),
  ]

  @Test func filtersPagesAndDrafts() throws {
    try withAPIFixture("api_list") { fixture in
      var events: [(spec: Spec, event: Event)] = []
      for spec in Self.specs {
        var event = try fixture.storedEvent(
          spec.title,
          organiser: spec.ownOrganiser ? fixture.organiser.id : fixture.otherOrganiser.id,
          day: spec.day, hour: spec.hour, minute: spec.minute,
          venue: spec.venue.map { [fixture.venue.id, fixture.otherVenue.id][$0] },
          participants: spec.withPerson
            ? [Participation(personID: fixture.person.id, role: .speaker)] : [],
          published: spec.status != .draft)
        if spec.status == .cancelled { event = try fixture.store.events.cancel(event.id) }
        events.append((spec, event))
      }
      let admin = fixture.client(fixture.admin)
      let own = fixture.client(fixture.own)
      let other = fixture.client(fixture.other)
      /// Every page of a list, following `next_cursor`; the titles in order.
      func titles(_ client: APIClient, _ query: String, limit: Int = 4) throws -> [String] {
        var titles: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
          var target = "/api/v1/events?limit=\(limit)"
          if !query.isEmpty { target += "&" + query }
          if let cursor { target += "&cursor=\(cursor)" }
          let reply = try client.get(target)
          #expect(reply.status == 200, "\(target): \(reply)")
          let page = reply.items.compactMap { $0["title"] as? String }
          #expect(page.count <= limit)
          titles += page
          cursor = reply.json["next_cursor"] as? String
          #expect(cursor == nil || page.count == limit, "\(target)")
          pages += 1
        } while cursor != nil && pages < 50
        return titles
      }
      func expected(_ include: (Spec) -> Bool) -> [String] {
        events.filter { include($0.spec) }
          .sorted {
            ($0.event.startsAt, $0.event.id.uuidString) < (
              $1.event.startsAt, $1.event.id.uuidString
            )
          }
          .map(\.spec.title)
      }

      // Every event once, in programme order, across pages of every size.
      for limit in [1, 3, 4, 14, 500] {
        #expect(try titles(admin, "", limit: limit) == expected { _ in true }, "limit \(limit)")
      }
      let ownID = fixture.organiser.id.wire
      let otherID = fixture.otherOrganiser.id.wire
      let cases: [(String, (Spec) -> Bool)] = [
        ("status=published", { $0.status == .published }),
        ("status=draft", { $0.status == .draft }),
        ("status=cancelled", { $0.status == .cancelled }),
        ("day=2026-06-23", { $0.day == 23 }),
        ("day=2026-06-24", { $0.day == 24 }),
        ("day=2026-06-27", { _ in false }),
        ("organiser_id=\(otherID)", { !$0.ownOrganiser }),
        ("venue_id=\(fixture.venue.id.wire)", { $0.venue == 0 }),
        ("person_id=\(fixture.person.id.wire)", { $0.withPerson }),
        ("person_id=\(UUID().wire)", { _ in false }),
        ("q=Visbyvatten", { $0.title == "Visbyvatten och klimatet" }),
        ("q=vattnet", { $0.title == "Vattnet på Gotland" }),
        ("q=Folkesson", { $0.withPerson }),
        ("q=%25", { _ in false }),
        ("q=Samtidigt", { $0.title.hasPrefix("Samtidigt") }),
        (
          "status=published&day=2026-06-23&venue_id=\(fixture.venue.id.wire)",
          { $0.status == .published && $0.day == 23 && $0.venue == 0 }
        ),
      ]
      for (query, include) in cases {
        #expect(try titles(admin, query, limit: 3) == expected(include), "\(query)")
      }

      // An organiser sees public events and its own drafts, never another's drafts.
      let ownSees: (Spec) -> Bool = { $0.status != .draft || $0.ownOrganiser }
      #expect(try titles(own, "") == expected(ownSees))
      #expect(try titles(other, "") == expected { $0.status != .draft || !$0.ownOrganiser })
      #expect(
        try titles(own, "status=draft") == expected { $0.status == .draft && $0.ownOrganiser })
      #expect(try titles(own, "organiser_id=\(otherID)&status=draft").isEmpty)
      #expect(
        try titles(own, "organiser_id=\(otherID)")
          == expected { !$0.ownOrganiser && $0.status != .draft })
      #expect(
        try titles(own, "person_id=\(fixture.person.id.wire)")
          == expected { $0.withPerson && ownSees($0) })
      #expect(try titles(own, "q=Kyrkans").isEmpty)
      #expect(try titles(other, "q=Kyrkans") == ["Kyrkans roll", "Kyrkans andra utkast"])
      #expect(
        try titles(own, "day=2026-06-22", limit: 1) == expected { $0.day == 22 && ownSees($0) })
      #expect(
        try titles(own, "organiser_id=\(ownID)", limit: 2)
          == expected { $0.ownOrganiser })

      // Items have the wire form of a single event.
      let first = try admin.get("/api/v1/events?limit=1").items.first ?? [:]
      for key in [
        "id", "status", "title", "starts_at", "ends_at", "organiser_id", "version", "revision",
      ] {
        #expect(first[key] != nil, "\(key) missing from \(first)")
      }
      #expect(first["starts_at"] as? String == "2026-06-22T09:00:00+02:00")
    }
  }

  @Test func badListParameters() throws {
    try withAPIFixture("api_list_bad") { fixture in
      let admin = fixture.client(fixture.admin)
      for (query, field) in [
        ("limit=0", "limit"), ("limit=501", "limit"), ("limit=-1", "limit"), ("limit=ten", "limit"),
        ("limit=", "limit"), ("cursor=bm90IGEgY3Vyc29y", "cursor"),
        ("status=open", "status"), ("day=2026-13-01", "day"), ("day=23", "day"),
        ("organiser_id=gotland", "organiser_id"), ("venue_id=1", "venue_id"),
        ("person_id=hans", "person_id"),
        ("q=" + String(repeating: "a", count: 201), "q"),
      ] {
        let reply = try admin.get("/api/v1/events?" + query)
        expectProblem(reply, 422, query)
        #expect(reply.errorFields == [field], "\(query): \(reply)")
      }
      // Several at once are reported together.
      let several = try admin.get("/api/v1/events?status=open&day=x&venue_id=y")
      expectProblem(several, 422)
      #expect(Set(several.errorFields) == ["status", "day", "venue_id"], "\(several)")
      // The other lists page the same way.
      for path in ["/api/v1/organisers", "/api/v1/venues", "/api/v1/people"] {
        expectProblem(try admin.get(path + "?limit=0"), 422, path)
      }
      let venues = try admin.get("/api/v1/venues?limit=1")
      #expect(venues.items.count == 1)
      let cursor = try #require(venues.json["next_cursor"] as? String)
      let rest = try admin.get("/api/v1/venues?limit=1&cursor=\(cursor)")
      #expect(rest.items.count == 1)
      #expect(rest.json["next_cursor"] is NSNull)
      #expect(
        Set((venues.items + rest.items).compactMap { $0["name"] as? String })
          == ["Donners plats", "Almedalen, tält 3"])
    }
  }
}
