import AlmedalenCore
import AlmedalenStore
import Foundation
import PostgresTesting
import Testing

/// `ETag`, `If-Match`, 428 and 412: no one's change is silently overwritten.
@Suite struct PreconditionTests {
  @Test func patchNeedsTheCurrentETag() throws {
    try withAPIFixture("api_etag") { fixture in
      let client = fixture.client(fixture.own)
      let created = try client.post(
        "/api/v1/events", eventBody("Vård i hela länet", venue: fixture.venue.id))
      #expect(created.status == 201, "\(created)")
      let path = "/api/v1/events/\(created.id)"

      let read = try client.get(path)
      #expect(read.status == 200)
      let first = try #require(read.header("ETag"))
      #expect(first == etag(1))
      #expect(first == created.header("ETag"))
      #expect(read.json["version"] as? Int == 1)

      // No If-Match: 428, and nothing changes.
      let missing = try client.patch(path, ["title": "Utan If-Match"], ifMatch: nil)
      expectProblem(missing, 428)
      // Not one of our strong ETags: 412 (a weak one never matches, RFC 9110 §13.1.1).
      for field in ["W/\"v1\"", "v1", "\"1\"", "\"vx\""] {
        expectProblem(
          try client.patch(path, ["title": "Med konstig If-Match"], ifMatch: field), 412, field)
      }

      // The current one: 200 and a new ETag.
      let changed = try client.patch(path, ["title": "Vård på hela Gotland"], ifMatch: first)
      #expect(changed.status == 200, "\(changed)")
      let second = try #require(changed.header("ETag"))
      #expect(second == etag(2))
      #expect(changed.json["title"] as? String == "Vård på hela Gotland")
      #expect(changed.json["version"] as? Int == 2)
      #expect(try client.get(path).header("ETag") == second)

      // The old one again: 412 naming the current ETag, and nothing changes.
      let stale = try client.patch(path, ["title": "Från en gammal flik"], ifMatch: first)
      expectProblem(stale, 412)
      #expect((stale.json["detail"] as? String)?.contains(second) == true, "\(stale)")
      let stored = try fixture.store.events.get(UUID(uuidString: created.id)!)
      #expect(stored.title == "Vård på hela Gotland")
      #expect(stored.version == 2)

      // Publishing and cancelling honour If-Match too, when sent.
      let admin = fixture.client(fixture.admin)
      expectProblem(try admin.post(path + "/publish", headers: [("If-Match", first)]), 412)
      let published = try admin.post(path + "/publish", headers: [("If-Match", second)])
      #expect(published.status == 200, "\(published)")
      #expect(published.header("ETag") == etag(3))
      expectProblem(try client.post(path + "/cancel", headers: [("If-Match", second)]), 412)
      #expect(try fixture.store.events.get(stored.id).status == .published)
    }
  }

  /// Two tokens of one organiser send a change with the same ETag at the same moment: one
  /// wins, the other gets 412, and the loser's change is nowhere.
  @Test func twoEditorsAtOnceExactlyOneWins() throws {
    try withAPIFixture("api_race") { fixture in
      let second = try fixture.newToken("gotland-2", organiser: fixture.organiser.id)
      let clients = [fixture.client(fixture.own), fixture.client(second)]
      let created = try clients[0].post(
        "/api/v1/events", eventBody("Landsbygdens framtid", venue: fixture.venue.id))
      #expect(created.status == 201, "\(created)")
      let id = try #require(UUID(uuidString: created.id))
      let path = "/api/v1/events/\(created.id)"
      for round in 1...4 {
        let version = try fixture.store.events.get(id).version
        let titles = ["Runda \(round) från token ett", "Runda \(round) från token två"]
        let replies = concurrently(2) { index in
          Result {
            try clients[index].patch(
              path, ["title": titles[index], "capacity": 40 + index], ifMatch: etag(version))
          }
        }.map { try? $0.get() }
        let statuses = replies.map { $0?.status ?? -1 }
        #expect(statuses.sorted() == [200, 412], "round \(round): \(replies)")
        guard let winner = statuses.firstIndex(of: 200), let loser = statuses.firstIndex(of: 412)
        else { continue }
        let stored = try fixture.store.events.get(id)
        #expect(stored.version == version + 1)
        #expect(stored.title == titles[winner])
        #expect(stored.capacity == 40 + winner)
        #expect(replies[winner]?.header("ETag") == etag(version + 1))
        let detail = replies[loser]?.json["detail"] as? String ?? ""
        #expect(detail.contains(etag(version + 1)), "\(detail)")
        expectProblem(replies[loser]!, 412)
      }
      // The history has one update per round, each by the token that won it.
      let history = try clients[0].get(path + "/history")
      #expect(history.status == 200)
      let actions = history.items.compactMap { $0["action"] as? String }
      #expect(actions == ["created", "updated", "updated", "updated", "updated"])
      let actors = Set(history.items.dropFirst().compactMap { $0["actor"] as? String })
      #expect(actors.isSubset(of: [fixture.own.actor, second.actor]))
    }
  }
}

@Suite struct OptionalPreconditionTests {
  /// Publish and cancel take `If-Match` when it is sent. One that names no version of
  /// ours (a weak ETag, a list, garbage) can never match, so the answer should be 412,
  /// as PATCH gives; instead the header is ignored and the step happens unconditionally.
  @Test func anUnreadableIfMatchOnPublishIsNotIgnored() throws {
    try withAPIFixture("api_ifmatch") { fixture in
      let admin = fixture.client(fixture.admin)
      let own = fixture.client(fixture.own)
      for field in ["W/\"v1\"", "\"v7\", \"v8\"", "garbage"] {
        let event = try fixture.storedEvent("Villkor \(field)", venue: nil)
        let reply = try admin.post(
          "/api/v1/events/\(event.id.wire)/publish", headers: [("If-Match", field)])
        let status = try fixture.store.events.get(event.id).status
        #expect(reply.status == 412 && status == .draft, "\(field): \(reply)")
        let published =
          status == .draft
          ? try fixture.store.events.publish(event.id) : try fixture.store.events.get(event.id)
        let cancel = try own.post(
          "/api/v1/events/\(event.id.wire)/cancel", headers: [("If-Match", field)])
        let version = try fixture.store.events.get(event.id).version
        #expect(cancel.status == 412 && version == published.version, "\(field): \(cancel)")
      }
    }
  }
}
