import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import PostgresTesting
import Testing

/// Venue clashes on publish (409) and the conflicts list, with real distances in Visby.
@Suite struct ConflictAPITests {
  @Test func publishingOntoATakenVenueIsRefused() throws {
    try withAPIFixture("api_clash") { fixture in
      let own = fixture.client(fixture.own)
      let admin = fixture.client(fixture.admin)
      let first = try own.post(
        "/api/v1/events", eventBody("Först", hour: 12, venue: fixture.venue.id))
      let second = try own.post(
        "/api/v1/events", eventBody("Sedan", hour: 12, minute: 30, venue: fixture.venue.id))
      let afterwards = try own.post(
        "/api/v1/events", eventBody("Efteråt", hour: 13, venue: fixture.venue.id))
      let statuses: [Int] = [first.status, second.status, afterwards.status]
      #expect(statuses == [201, 201, 201])
      // Two drafts at one venue are a warning, not an error.
      let warnings = (second.json["warnings"] as? [[String: Any]] ?? []).filter {
        $0["kind"] as? String == "venue_double_booked"
      }
      #expect(warnings.count == 1, "\(second)")
      #expect(warnings.first?["event_ids"] as? [String] == [first.id, second.id])
      #expect(warnings.first?["venue_id"] as? String == fixture.venue.id.wire)

      #expect(try admin.post("/api/v1/events/\(first.id)/publish").status == 200)
      let refused = try admin.post("/api/v1/events/\(second.id)/publish")
      expectProblem(refused, 409)
      #expect(refused.json["conflicting_event_ids"] as? [String] == [first.id], "\(refused)")
      #expect((refused.json["detail"] as? String)?.contains(first.id) == true)
      #expect(try fixture.store.events.get(UUID(uuidString: second.id)!).status == .draft)
      // Back to back is no clash (times are half-open).
      #expect(try admin.post("/api/v1/events/\(afterwards.id)/publish").status == 200)

      // A published event cannot move onto a taken slot either.
      let moved = try own.patch(
        "/api/v1/events/\(afterwards.id)",
        ["starts_at": Visby.wire(day: 23, 12, 45), "ends_at": Visby.wire(day: 23, 13, 45)],
        ifMatch: etag(2))
      expectProblem(moved, 409)
      #expect(moved.json["conflicting_event_ids"] as? [String] == [first.id], "\(moved)")
      #expect(
        try fixture.store.events.get(UUID(uuidString: afterwards.id)!).startsAt
          == fixture.at(day: 23, 13))
    }
  }

  /// Two admins publish two clashing events at the same moment over HTTP: one wins.
  @Test func concurrentPublishesOfClashingEvents() throws {
    try withAPIFixture("api_clash_race") { fixture in
      let second = try fixture.newToken("staff-2")
      let clients = [fixture.client(fixture.admin), fixture.client(second)]
      for round in 0..<3 {
        let events = try [0, 1].map { index in
          try fixture.storedEvent(
            "Runda \(round) nr \(index)", day: 22 + round, hour: 10, minute: index * 15,
            venue: fixture.otherVenue.id)
        }
        let ids = events.map(\.id.wire)
        let replies = concurrently(2) { index in
          Result { try clients[index].post("/api/v1/events/\(ids[index])/publish") }
        }.map { try? $0.get() }
        let statuses = replies.map { $0?.status ?? -1 }
        #expect(statuses.sorted() == [200, 409], "round \(round): \(replies)")
        guard let winner = statuses.firstIndex(of: 200), let loser = statuses.firstIndex(of: 409)
        else { continue }
        expectProblem(replies[loser]!, 409)
        #expect(replies[loser]?.json["conflicting_event_ids"] as? [String] == [ids[winner]])
        #expect(try fixture.store.events.get(events[winner].id).status == .published)
        #expect(try fixture.store.events.get(events[loser].id).status == .draft)
      }
    }
  }

  /// A moderator at Donners plats who speaks at Östercentrum ten minutes later cannot walk
  /// there in time (about 710 m, some 16 minutes at the default pace).
  @Test func walkingConflictsAndWhoSeesThem() throws {
    try withAPIFixture("api_walk") { fixture in
      let admin = fixture.client(fixture.admin)
      let own = fixture.client(fixture.own)
      let other = fixture.client(fixture.other)
      func venue(_ name: String, _ latitude: Double, _ longitude: Double) throws -> UUID {
        let reply = try admin.post(
          "/api/v1/venues", ["name": name, "latitude": latitude, "longitude": longitude])
        #expect(reply.status == 201, "\(reply)")
        #expect(reply.json["latitude"] as? Double == latitude)
        return try #require(UUID(uuidString: reply.id))
      }
      let donners = fixture.venue.id  // 57.6394, 18.2925
      let strand = try venue("Wisby Strand", 57.6437, 18.2880)
      let oster = try venue("Östercentrum", 57.6357, 18.3023)
      func person(_ name: String, via client: APIClient) throws -> String {
        let reply = try client.post("/api/v1/people", ["name": name])
        #expect(reply.status == 201, "\(reply)")
        return reply.id
      }
      let anna = try person("Anna Wallin", via: own)
      let bo = try person("Bo Lindqvist", via: other)
      let cecilia = try person("Cecilia Holm", via: admin)
      func event(
        _ client: APIClient, _ title: String, _ hour: Int, _ minute: Int, _ minutes: Int,
        _ venue: UUID, _ extra: [String: Any]
      ) throws -> String {
        let reply = try client.post(
          "/api/v1/events",
          eventBody(title, hour: hour, minute: minute, minutes: minutes, venue: venue, extra))
        #expect(reply.status == 201, "\(reply)")
        return reply.id
      }
      // Anna moderates a panel at Donners plats until 13:00, and speaks at Östercentrum at
      // 13:10; at 15:00 she is at Wisby Strand, with time enough to walk.
      let moderated = try event(
        own, "Vem bär ansvaret?", 12, 0, 60, donners,
        ["panels": [["title": "Panelen", "moderator_ids": [anna]]]])
      let spoken = try event(
        own, "Framtidens vård", 13, 10, 50, oster,
        ["participants": [["person_id": anna, "role": "speaker", "title": "regionråd"]]])
      let relaxed = try event(
        own, "Efter lunch", 15, 0, 60, strand,
        ["participants": [["person_id": anna, "role": "speaker"]]])
      // The other organiser's Bo: Wisby Strand until 11:00, Donners plats at 11:05.
      let boFirst = try event(
        other, "Kyrkan i samhället", 10, 0, 60, strand,
        ["participants": [["person_id": bo, "role": "speaker"]]])
      let boSecond = try event(
        other, "Tro och politik", 11, 5, 55, donners,
        ["participants": [["person_id": bo, "role": "moderator"]]])
      // Cecilia: the own organiser's published event at Wisby Strand until 17:00, then the
      // other organiser's *draft* at Östercentrum at 17:05.
      let ceciliaOwn = try event(
        own, "Ungas psykiska hälsa", 16, 0, 60, strand,
        ["participants": [["person_id": cecilia, "role": "panelist"]]])
      #expect(try admin.post("/api/v1/events/\(ceciliaOwn)/publish").status == 200)
      let secretDraft = try event(
        other, "Hemligt utkast", 17, 5, 55, oster,
        ["participants": [["person_id": cecilia, "role": "speaker"]]])

      let all = try admin.get("/api/v1/conflicts")
      #expect(all.status == 200, "\(all)")
      let walking = all.items.filter { $0["kind"] as? String == "person_cannot_walk" }
      let pairs = walking.compactMap { $0["event_ids"] as? [String] }
      #expect(
        pairs == [[boFirst, boSecond], [moderated, spoken], [ceciliaOwn, secretDraft]],
        "\(all)")
      #expect(all.items.count == walking.count, "only walking conflicts: \(all)")
      let annas = try #require(walking.first { $0["person_id"] as? String == anna })
      #expect(annas["gap_minutes"] as? Double == 10)
      let minutes = annas["walking_minutes"] as? Double ?? 0
      #expect(minutes > 10 && minutes < 25, "\(annas)")
      let metres = annas["distance_metres"] as? Double ?? 0
      #expect(metres > 600 && metres < 800, "\(annas)")
      #expect((annas["summary"] as? String)?.contains("Anna Wallin") == true)
      #expect(!pairs.contains([spoken, relaxed]))

      // The event shows it among its warnings, whoever moderates or speaks.
      for id in [moderated, spoken] {
        let read = try own.get("/api/v1/events/\(id)")
        let kinds = (read.json["warnings"] as? [[String: Any]] ?? []).map {
          ($0["kind"] as? String ?? "", $0["person_id"] as? String ?? "")
        }
        #expect(kinds.contains { $0 == ("person_cannot_walk", anna) }, "\(read)")
      }
      #expect(
        (try own.get("/api/v1/events/\(relaxed)").json["warnings"] as? [Any])?.isEmpty == true)

      // Each organiser sees the conflicts of its own events, and not the other's. The other
      // organiser sees Cecilia's: its own draft against a published event.
      let ownPairs = try own.get("/api/v1/conflicts").items.compactMap {
        $0["event_ids"] as? [String]
      }
      #expect(ownPairs.contains([moderated, spoken]))
      #expect(!ownPairs.contains([boFirst, boSecond]))
      let otherPairs = try other.get("/api/v1/conflicts").items.compactMap {
        $0["event_ids"] as? [String]
      }
      #expect(otherPairs == [[boFirst, boSecond], [ceciliaOwn, secretDraft]])

      // Another organiser's draft is private everywhere else (404); the conflicts list and
      // the warnings should not reveal it either.
      expectProblem(try own.get("/api/v1/events/\(secretDraft)"), 404)
      let ownConflicts = try own.get("/api/v1/conflicts")
      let ownWarnings = try own.get("/api/v1/events/\(ceciliaOwn)")
      #expect(!ownConflicts.text.contains(secretDraft), "\(ownConflicts)")
      #expect(!ownConflicts.text.contains("Hemligt utkast"))
      #expect(!ownWarnings.text.contains(secretDraft), "\(ownWarnings)")
      #expect(!ownWarnings.text.contains("Hemligt utkast"))

      // Once the draft is published it is public, and the conflict is everyone's business.
      #expect(try admin.post("/api/v1/events/\(secretDraft)/publish").status == 200)
      let afterPublishing = try own.get("/api/v1/conflicts").items.compactMap {
        $0["event_ids"] as? [String]
      }
      #expect(afterPublishing == [[moderated, spoken], [ceciliaOwn, secretDraft]])
      // A cancelled event conflicts with nothing.
      #expect(try own.post("/api/v1/events/\(moderated)/cancel").status == 409)  // a draft
      #expect(try admin.post("/api/v1/events/\(moderated)/publish").status == 200)
      #expect(try own.post("/api/v1/events/\(moderated)/cancel").status == 200)
      let remaining = try admin.get("/api/v1/conflicts").items.compactMap {
        $0["event_ids"] as? [String]
      }
      #expect(remaining == [[boFirst, boSecond], [ceciliaOwn, secretDraft]])
    }
  }
}
