import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Testing

/// 400, 415 and 422 on event bodies: every problem named by its field, and nothing written.
@Suite struct EventValidationTests {
  /// One body breaking every rule the request can be judged on: each problem comes back
  /// with its field, and no row is written.
  @Test func everyProblemAtOnce() throws {
    try withAPIFixture("api_invalid_all") { fixture in
      let client = fixture.client(fixture.own)
      let before = try fixture.eventRowCounts()
      let body: [String: Any] = [
        "title": String(repeating: "Å", count: 300) + "\u{7}",
        "kind": "workshop",
        "starts_at": "2026-07-10T13:00:00+02:00",
        "ends_at": "2026-07-10T12:00:00+02:00",
        "venue_id": UUID().wire,
        "capacity": "80",
        "registration_open": "ja",
        "topics": "Hälsa",
        "language": "svenska",
        "colour": "röd",
        "co_organiser_ids": ["inte-ett-id"],
        "panels": [
          ["title": "Första", "moderator_ids": [fixture.person.id.wire]],
          [
            "title": "Andra", "panelist_ids": ["inte-ett-id"],
            "starts_at": "2026-07-10T12:10:00", "ends_at": "2026-07-10T12:40:00+02:00",
            "room": "B",
          ],
        ],
        "participants": [
          ["person_id": fixture.person.id.wire, "role": "host"],
          "Hans Folkesson",
          ["person_id": UUID().wire, "role": "speaker"],
        ],
      ]
      let reply = try client.post("/api/v1/events", body)
      expectProblem(reply, 422)
      let fields = reply.errorFields
      #expect(
        fields.sorted()
          == [
            "capacity", "co_organiser_ids[0]", "colour", "ends_at", "kind", "languages[0]",
            "panels[1].panelist_ids[0]", "panels[1].room", "panels[1].starts_at",
            "participants[0].role", "participants[1]", "registration_open", "starts_at", "title",
            "title", "topics", "venue_id",
          ], "\(reply)")
      #expect(reply.errorMessages("title").contains("must be at most 300 characters"))
      #expect(
        reply.errorMessages("title").contains(
          "must not contain control characters or line breaks"))
      #expect(
        reply.errorMessages("panels[1].starts_at").first?.contains("with offset") == true,
        "\(reply)")
      #expect(reply.errorMessages("ends_at") == ["must be after starts_at"])
      #expect(reply.errorMessages("colour") == ["is not a known field"])
      #expect(reply.json["detail"] as? String == "\(fields.count) problems in the request.")
      // The rules that need the database (the edition's days, whether ids name anything)
      // come in the same answer.
      #expect(reply.errorMessages("starts_at") == ["no festival edition holds this day"])
      #expect(reply.errorMessages("venue_id") == ["names no venue"])
      #expect(try fixture.eventRowCounts() == before)
    }
  }

  /// Each rule on its own, in an otherwise good body: exactly that field is named.
  @Test func eachRuleOnItsOwn() throws {
    try withAPIFixture("api_invalid_each") { fixture in
      let client = fixture.client(fixture.own)
      let before = try fixture.eventRowCounts()
      let person = fixture.person.id.wire
      let cases: [(String, [String: Any], [String])] = [
        ("unknown field", ["colour": "röd"], ["colour"]),
        ("string for a number", ["capacity": "80"], ["capacity"]),
        ("fraction for a number", ["capacity": 80.5], ["capacity"]),
        ("boolean for a number", ["capacity": true], ["capacity"]),
        ("number for a string", ["title": 42], ["title"]),
        ("number for a boolean", ["registration_open": 1], ["registration_open"]),
        ("object for an array", ["topics": ["Hälsa": true]], ["topics"]),
        ("number in a list of strings", ["topics": ["Hälsa", 7]], ["topics[1]"]),
        ("null for a required field", ["title": NSNull()], ["title"]),
        ("no offset", ["starts_at": "2026-06-23T12:00:00"], ["starts_at"]),
        ("a space for the T", ["ends_at": "2026-06-23 13:00:00+02:00"], ["ends_at"]),
        ("no such day", ["starts_at": "2026-06-31T12:00:00+02:00"], ["starts_at"]),
        ("ends before it starts", ["ends_at": Visby.wire(day: 23, 11)], ["ends_at"]),
        ("ends as it starts", ["ends_at": Visby.wire(day: 23, 12)], ["ends_at"]),
        ("longer than a day", ["ends_at": Visby.wire(day: 24, 13)], ["ends_at"]),
        (
          "before the festival",
          ["starts_at": "2026-06-20T12:00:00+02:00", "ends_at": "2026-06-20T13:00:00+02:00"],
          ["starts_at"]
        ),
        (
          "after the festival",
          ["starts_at": "2026-07-10T12:00:00+02:00", "ends_at": "2026-07-10T13:00:00+02:00"],
          ["starts_at"]
        ),
        (
          "runs past the last day",
          ["starts_at": Visby.wire(day: 28, 23, 30), "ends_at": "2026-06-29T00:30:00+02:00"],
          ["starts_at"]
        ),
        ("control character in the title", ["title": "Vård\u{0}och omsorg"], ["title"]),
        ("line break in the title", ["title": "Vård\noch omsorg"], ["title"]),
        ("blank title", ["title": "   "], ["title"]),
        ("title one too long", ["title": String(repeating: "x", count: 301)], ["title"]),
        ("language not a code", ["language": "svenska"], ["languages[0]"]),
        ("language in capitals", ["language": "SV"], ["languages[0]"]),
        ("unknown kind", ["kind": "workshop"], ["kind"]),
        ("unknown accessibility", ["accessibility": ["ramp"]], ["accessibility[0]"]),
        (
          "livestream not a web address", ["livestream_url": "ftp://example.se/x"],
          ["livestream_url"]
        ),
        ("registration without capacity", ["registration_open": true], ["capacity"]),
        ("negative capacity", ["capacity": -1], ["capacity"]),
        ("unknown venue", ["venue_id": UUID().wire], ["venue_id"]),
        ("venue not an id", ["venue_id": "Donners plats"], ["venue_id"]),
        ("unknown organiser", ["co_organiser_ids": [UUID().wire]], ["co_organiser_ids[0]"]),
        (
          "unknown person",
          [
            "participants": [
              ["person_id": person, "role": "speaker"],
              ["person_id": UUID().wire, "role": "panelist"],
            ]
          ],
          ["participants[1].person_id"]
        ),
        (
          "person not an id",
          ["participants": [["person_id": "Hans", "role": "speaker"]]],
          ["participants[0].person_id"]
        ),
        (
          "unknown role",
          ["participants": [["person_id": person, "role": "host"]]], ["participants[0].role"]
        ),
        (
          "unknown participant field",
          ["participants": [["person_id": person, "role": "speaker", "email": "a@b.se"]]],
          ["participants[0].email"]
        ),
        (
          "participant of no panel",
          ["participants": [["person_id": person, "role": "speaker", "panel": 2]]],
          ["participants[0].panel"]
        ),
        (
          "panelist not an id",
          ["panels": [["title": "Ett"], ["title": "Två", "panelist_ids": ["Hans"]]]],
          ["panels[1].panelist_ids[0]"]
        ),
        (
          "panel not an object", ["panels": [["title": "Ett"], "Två"]], ["panels[1]"]
        ),
        (
          "panel outside the event",
          [
            "panels": [
              [
                "title": "Ett", "starts_at": Visby.wire(day: 23, 11),
                "ends_at": Visby.wire(day: 23, 12, 30),
              ]
            ]
          ],
          ["panels[0].starts_at"]
        ),
        (
          "panel with only a start",
          ["panels": [["title": "Ett", "starts_at": Visby.wire(day: 23, 12)]]],
          ["panels[0].ends_at"]
        ),
      ]
      for (name, change, expected) in cases {
        let reply = try client.post(
          "/api/v1/events", eventBody("Bra titel", venue: fixture.venue.id, change))
        expectProblem(reply, 422, name)
        #expect(reply.errorFields == expected, "\(name): \(reply)")
      }
      #expect(try fixture.eventRowCounts() == before)
      // The limits themselves are allowed.
      let longest = try client.post(
        "/api/v1/events",
        eventBody(String(repeating: "x", count: 300), venue: fixture.venue.id, ["language": "en"]))
      #expect(longest.status == 201, "\(longest)")
      #expect(longest.json["languages"] as? [String] == ["en"])
    }
  }

  /// An unknown person in a panel's `moderator_ids` should be reported where the client
  /// wrote it.
  @Test func unknownPanelMemberIsNamedWhereItWasWritten() throws {
    try withAPIFixture("api_invalid_panel") { fixture in
      let client = fixture.client(fixture.own)
      let reply = try client.post(
        "/api/v1/events",
        eventBody(
          "Panel", venue: fixture.venue.id,
          [
            "panels": [["title": "Ett", "moderator_ids": [fixture.person.id.wire, UUID().wire]]]
          ]))
      expectProblem(reply, 422)
      #expect(reply.errorFields.count == 1, "\(reply)")
      #expect(reply.errorFields == ["panels[0].moderator_ids[1]"], "\(reply)")
    }
  }

  @Test func bodiesThatAreNotJSONObjects() throws {
    try withAPIFixture("api_invalid_json") { fixture in
      let client = fixture.client(fixture.own)
      let before = try fixture.eventRowCounts()
      let json = [("Content-Type", "application/json")]
      for body in [
        "{\"title\": ", "[]", "\"Seminarium\"", "42", "null", "{'title': 'x'}", "\u{FEFF}",
      ] {
        let reply = try client.raw("POST", "/api/v1/events", headers: json, body: Array(body.utf8))
        expectProblem(reply, 400, body.debugDescription)
      }
      expectProblem(try client.raw("POST", "/api/v1/events", headers: json), 400, "empty body")
      expectProblem(
        try client.raw("POST", "/api/v1/events", headers: json, body: [0xFF, 0xFE, 0x7B, 0x7D]),
        400, "not UTF-8")

      let good = Array(try JSONSerialization.data(withJSONObject: eventBody("Rätt JSON")))
      for type in ["text/plain", "application/x-www-form-urlencoded", "application/jsonx", "json"] {
        let reply = try client.raw(
          "POST", "/api/v1/events", headers: [("Content-Type", type)], body: good)
        expectProblem(reply, 415, type)
      }
      expectProblem(try client.raw("POST", "/api/v1/events", body: good), 415, "no Content-Type")
      #expect(try fixture.eventRowCounts() == before)

      // Parameters and +json types are fine.
      let utf8 = try client.raw(
        "POST", "/api/v1/events", headers: [("Content-Type", "Application/JSON; charset=utf-8")],
        body: good)
      #expect(utf8.status == 201, "\(utf8)")
      let path = "/api/v1/events/\(utf8.id)"
      let merge = try client.raw(
        "PATCH", path,
        headers: [("Content-Type", "application/merge-patch+json"), ("If-Match", etag(1))],
        body: Array(#"{"capacity": 30}"#.utf8))
      #expect(merge.status == 200, "\(merge)")
      #expect(merge.json["capacity"] as? Int == 30)
    }
  }

  /// A refused PATCH changes nothing: not the event, its version, its people or its history.
  @Test func refusedPatchLeavesTheEventAlone() throws {
    try withAPIFixture("api_invalid_patch") { fixture in
      let client = fixture.client(fixture.own)
      let created = try client.post(
        "/api/v1/events",
        eventBody(
          "Före", venue: fixture.venue.id,
          [
            "participants": [
              ["person_id": fixture.person.id.wire, "role": "speaker", "title": "ordförande"]
            ]
          ]))
      #expect(created.status == 201, "\(created)")
      let path = "/api/v1/events/\(created.id)"
      let before = try fixture.eventRowCounts()
      let stored = try fixture.store.events.get(UUID(uuidString: created.id)!)
      let refusals: [(String, [String: Any], Int)] = [
        ("bad time", ["starts_at": "2026-06-23T12:00"], 422),
        ("ends before it starts", ["ends_at": Visby.wire(day: 23, 11)], 422),
        (
          "outside the festival",
          ["starts_at": "2026-08-01T12:00:00+02:00", "ends_at": "2026-08-01T13:00:00+02:00"], 422
        ),
        ("unknown person", ["participants": [["person_id": UUID().wire, "role": "speaker"]]], 422),
        ("unknown venue", ["venue_id": UUID().wire], 422),
        ("status is not written", ["status": "published"], 422),
        ("id is not written", ["id": UUID().wire], 422),
      ]
      for (name, change, status) in refusals {
        let reply = try client.patch(path, change, ifMatch: etag(1))
        expectProblem(reply, status, name)
        #expect(!reply.errorFields.isEmpty, "\(name): \(reply)")
      }
      expectProblem(
        try client.raw(
          "PATCH", path, headers: [("Content-Type", "application/json"), ("If-Match", etag(1))],
          body: Array("{".utf8)), 400)
      expectProblem(
        try client.raw(
          "PATCH", path, headers: [("Content-Type", "text/plain"), ("If-Match", etag(1))],
          body: Array("{}".utf8)), 415)
      #expect(try fixture.store.events.get(stored.id) == stored)
      #expect(try fixture.eventRowCounts() == before)
    }
  }
}

@Suite struct RequiredOrganiserTests {
  /// `"organiser_id": null` from an organiser token: either its own organiser (as when the
  /// field is left out) or 422 "is required" — not 403, which says the token may not act.
  @Test func nullOrganiserIsAnInputProblem() throws {
    try withAPIFixture("api_null_organiser") { fixture in
      let before = try fixture.eventRowCounts()
      let own = try fixture.client(fixture.own).post(
        "/api/v1/events", eventBody("Null", ["organiser_id": NSNull()]))
      #expect([201, 422].contains(own.status), "\(own)")
      let admin = try fixture.client(fixture.admin).post(
        "/api/v1/events", eventBody("Null", ["organiser_id": NSNull()]))
      expectProblem(admin, 422)
      #expect(admin.errorMessages("organiser_id") == ["is required"], "\(admin)")
      if own.status != 201 { #expect(try fixture.eventRowCounts() == before) }
    }
  }
}
