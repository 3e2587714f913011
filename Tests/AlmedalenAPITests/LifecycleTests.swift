import AlmedalenCore
import AlmedalenStore
import Foundation
import Testing

/// Draft → published → cancelled over HTTP, with the history that records it.
@Suite struct LifecycleTests {
  @Test func draftPublishCancelAndHistory() throws {
    try withAPIFixture("api_lifecycle") { fixture in
      let own = fixture.client(fixture.own)
      let admin = fixture.client(fixture.admin)
      let created = try own.post(
        "/api/v1/events",
        eventBody(
          "Samverkan – har det blivit mindre aktuellt?", venue: fixture.venue.id,
          ["capacity": 80, "registration_open": true]))
      #expect(created.status == 201, "\(created)")
      #expect(created.json["status"] as? String == "draft")
      #expect(created.json["revision"] as? Int == 0)
      #expect(created.json["published_at"] is NSNull)
      let path = "/api/v1/events/\(created.id)"

      // Only the festival's staff publish.
      expectProblem(try own.post(path + "/publish"), 403)
      let published = try admin.post(path + "/publish")
      #expect(published.status == 200, "\(published)")
      #expect(published.json["status"] as? String == "published")
      #expect(published.json["published_at"] is String)
      #expect(published.json["revision"] as? Int == 1)
      // Publishing again is harmless and changes nothing.
      let again = try admin.post(path + "/publish")
      #expect(again.status == 200)
      #expect(again.json["version"] as? Int == published.json["version"] as? Int)

      // A published event is cancelled, never deleted.
      let deleted = try own.delete(path)
      expectProblem(deleted, 409)
      expectProblem(try admin.delete(path), 409)
      #expect(try own.get(path).status == 200)

      // The organiser still edits it; a change subscribers care about raises the revision.
      let renamed = try own.patch(
        path, ["title": "Samverkan i praktiken", "capacity": 60], ifMatch: published.header("ETag"))
      #expect(renamed.status == 200, "\(renamed)")
      #expect(renamed.json["revision"] as? Int == 2)
      #expect(renamed.json["status"] as? String == "published")
      // A change of capacity alone raises the version, not the revision.
      let roomier = try own.patch(path, ["capacity": 70], ifMatch: renamed.header("ETag"))
      #expect(roomier.status == 200, "\(roomier)")
      #expect(roomier.json["revision"] as? Int == 2)
      #expect(
        (roomier.json["version"] as? Int ?? 0) > (renamed.json["version"] as? Int ?? 0))

      let cancelled = try own.post(path + "/cancel")
      #expect(cancelled.status == 200, "\(cancelled)")
      #expect(cancelled.json["status"] as? String == "cancelled")
      #expect(cancelled.json["cancelled_at"] is String)
      #expect(cancelled.json["revision"] as? Int == 3)
      // Cancelled stays cancelled, and is no longer edited or deleted.
      #expect(try own.post(path + "/cancel").status == 200)
      expectProblem(try admin.post(path + "/publish"), 409)
      expectProblem(
        try own.patch(path, ["title": "Igen"], ifMatch: cancelled.header("ETag")), 409)
      expectProblem(try own.delete(path), 409)
      #expect(try own.get(path).json["status"] as? String == "cancelled")

      let history = try own.get(path + "/history")
      #expect(history.status == 200, "\(history)")
      let items = history.items
      #expect(
        items.compactMap { $0["action"] as? String }
          == ["created", "published", "updated", "updated", "cancelled"])
      #expect(
        items.compactMap { $0["actor"] as? String }
          == [
            fixture.own.actor, fixture.admin.actor, fixture.own.actor, fixture.own.actor,
            fixture.own.actor,
          ])
      let revisions = items.compactMap { $0["revision"] as? Int }
      #expect(revisions == [0, 1, 2, 2, 3])
      let versions = items.compactMap { $0["version"] as? Int }
      #expect(versions == versions.sorted() && Set(versions).count == versions.count)
      #expect(versions.last == cancelled.json["version"] as? Int)
      // RFC 3339 with an offset (Visby's, at the moment of the change).
      #expect(
        items.allSatisfy {
          guard let at = $0["at"] as? String, RFC3339.parse(at) != nil else { return false }
          return at.count == 25 && ["+", "-"].contains(at.suffix(6).first.map(String.init))
        }, "\(history)")
      let rename = items[2]["changes"] as? [String: Any] ?? [:]
      #expect(Set(rename.keys) == ["title", "capacity"], "\(rename)")
      let title = rename["title"] as? [String: Any]
      #expect(title?["from"] as? String == "Samverkan – har det blivit mindre aktuellt?")
      #expect(title?["to"] as? String == "Samverkan i praktiken")
      let capacity = rename["capacity"] as? [String: Any]
      #expect(capacity?["from"] as? Int == 80)
      #expect(capacity?["to"] as? Int == 60)
      let status = (items[4]["changes"] as? [String: Any])?["status"] as? [String: Any]
      #expect(status?["from"] as? String == "published")
      #expect(status?["to"] as? String == "cancelled")
      // Another organiser may not read it.
      expectProblem(try fixture.client(fixture.other).get(path + "/history"), 403)
    }
  }

  @Test func aDraftIsDeletedNotCancelled() throws {
    try withAPIFixture("api_draft") { fixture in
      let own = fixture.client(fixture.own)
      let created = try own.post(
        "/api/v1/events",
        eventBody(
          "Utkast", venue: fixture.venue.id,
          ["panels": [["title": "Ett", "moderator_ids": [fixture.person.id.wire]]]]))
      #expect(created.status == 201, "\(created)")
      let path = "/api/v1/events/\(created.id)"
      expectProblem(try own.post(path + "/cancel"), 409)
      let deleted = try own.delete(path)
      #expect(deleted.status == 204, "\(deleted)")
      #expect(deleted.body.isEmpty)
      expectProblem(try own.get(path), 404)
      expectProblem(try own.delete(path), 404)
      expectProblem(try own.get(path + "/history"), 404)
      expectProblem(try fixture.client(fixture.admin).post(path + "/publish"), 404)
      let counts = try fixture.eventRowCounts()
      #expect(counts["events"] == 0 && counts["panels"] == 0 && counts["participations"] == 0)
      // Ids that are not ids, or name nothing.
      expectProblem(try own.get("/api/v1/events/not-an-id"), 404)
      expectProblem(try own.get("/api/v1/events/\(UUID().wire)"), 404)
      expectProblem(try own.get("/api/v1/people/\(UUID().wire)"), 404)
      // A path that exists with other methods: 405 naming them.
      let put = try own.send("PUT", path, json: ["title": "x"])
      expectProblem(put, 405)
      let allow = Set(
        (put.header("Allow") ?? "").split(separator: ",").map {
          $0.trimmingCharacters(in: .whitespaces)
        })
      #expect(allow == ["DELETE", "GET", "HEAD", "PATCH"], "\(put)")
      // A literal segment outranks a parameter: `resend` is no registration token, so its
      // path answers only what its own route does.
      let options = try own.send("OPTIONS", "/api/v1/registrations/resend", json: [:])
      expectProblem(options, 405)
      #expect(options.header("Allow") == "POST", "\(options)")
    }
  }
}
