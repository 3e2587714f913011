import AlmedalenCore
import AlmedalenStore
import Foundation
import LoopbackTesting
import Testing

/// PATCH changes only the fields it names.
@Suite struct PatchTests {
  @Test func untouchedFieldsStayAsTheyWere() throws {
    try withAPIFixture("api_patch") { fixture in
      let own = fixture.client(fixture.own)
      let created = try own.post(
        "/api/v1/events",
        eventBody(
          "Allt på en gång", venue: fixture.venue.id,
          [
            "description": "Lång text.\nMed radbrytning.", "capacity": 80,
            "registration_open": true, "accessibility": ["wheelchair", "hearing_loop"],
            "topics": ["Arbetsmarknad", "Hälsa"], "livestream_url": "https://example.se/live",
            "co_organiser_ids": [fixture.otherOrganiser.id.wire],
          ]))
      #expect(created.status == 201, "\(created)")
      let changed = try own.patch(
        "/api/v1/events/\(created.id)", ["title": "Nytt namn"], ifMatch: etag(1))
      #expect(changed.status == 200, "\(changed)")
      var before = created.json
      var after = changed.json
      for key in ["title", "version", "revision", "updated_at", "warnings"] {
        before[key] = nil
        after[key] = nil
      }
      func canonical(_ object: [String: Any]) throws -> String {
        String(
          decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
          as: UTF8.self)
      }
      #expect(try canonical(before) == canonical(after))
      // null clears an optional field.
      let cleared = try own.patch(
        "/api/v1/events/\(created.id)", ["livestream_url": NSNull(), "venue_id": NSNull()],
        ifMatch: etag(2))
      #expect(cleared.status == 200, "\(cleared)")
      #expect(cleared.json["livestream_url"] is NSNull)
      #expect(cleared.json["venue_id"] is NSNull)
      #expect(cleared.json["capacity"] as? Int == 80)
    }
  }

  /// Sending only `participants` should leave the panels (and their moderators and
  /// panelists) alone, and sending only `panels` should leave the speakers alone.
  @Test func panelsAndParticipantsArePatchedApart() throws {
    try withAPIFixture("api_patch_people") { fixture in
      let own = fixture.client(fixture.own)
      let moderator = fixture.person.id.wire
      let speaker = try own.post("/api/v1/people", ["name": "Karin Ek"]).id
      let created = try own.post(
        "/api/v1/events",
        eventBody(
          "Panel och tal", venue: fixture.venue.id,
          [
            "panels": [["title": "Panelen", "moderator_ids": [moderator]]],
            "participants": [["person_id": speaker, "role": "speaker"]],
          ]))
      #expect(created.status == 201, "\(created)")
      let path = "/api/v1/events/\(created.id)"
      func people(_ reply: HTTPReply) -> Set<String> {
        Set(
          (reply.json["participants"] as? [[String: Any]] ?? []).map {
            "\($0["person_id"] as? String ?? "") \($0["role"] as? String ?? "")"
          })
      }
      #expect(people(created) == ["\(moderator) moderator", "\(speaker) speaker"])

      let retitled = try own.patch(
        path,
        ["participants": [["person_id": speaker, "role": "speaker", "title": "landshövding"]]],
        ifMatch: etag(1))
      #expect(retitled.status == 200, "\(retitled)")
      #expect((retitled.json["panels"] as? [Any])?.count == 1, "\(retitled)")
      #expect(people(retitled) == ["\(moderator) moderator", "\(speaker) speaker"])

      let current = try own.get(path)
      let version = current.json["version"] as? Int ?? 0
      let renamed = try own.patch(
        path, ["panels": [["title": "Panelen, nytt namn", "moderator_ids": [moderator]]]],
        ifMatch: etag(version))
      #expect(renamed.status == 200, "\(renamed)")
      #expect(people(renamed).contains("\(speaker) speaker"), "\(renamed)")
    }
  }
}
