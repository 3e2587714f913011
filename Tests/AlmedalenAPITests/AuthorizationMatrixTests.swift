import AlmedalenAPI
import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Testing

/// Every admin route against every kind of caller, from one table.
///
/// What an organiser token meets on another organiser's event: a *draft* is 404, as if it
/// did not exist (its existence is private); a *published* event is readable (200 on GET)
/// and every change to it is 403.
@Suite struct AuthorizationMatrixTests {
  enum Caller: String, CaseIterable, CustomStringConvertible {
    case noToken, malformed, unknown, revoked, otherOrganiser, ownOrganiser, admin
    var description: String { rawValue }
  }

  /// Which event a route's `{id}` names, for event routes. `requested`: a published event
  /// of the other organiser that names the own organiser as co-organiser, not yet answered.
  enum Target: String {
    case none, draft, published, requested
  }

  struct Row: CustomStringConvertible {
    var method: String
    var pattern: String
    var target: Target = .none
    /// The statuses for another organiser's token, the own organiser's, and an admin's;
    /// every route answers 401 to the other callers.
    var other: Int
    var own: Int
    var admin: Int
    var body: ((APIFixture, Caller) -> [String: Any])? = nil

    var description: String { "\(method) \(pattern) [\(target)]" }

    func expected(_ caller: Caller) -> Int {
      switch caller {
      case .noToken, .malformed, .unknown, .revoked: 401
      case .otherOrganiser: other
      case .ownOrganiser: own
      case .admin: admin
      }
    }
  }

  static func rows() -> [Row] {
    let event = "/api/v1/events/{id}"
    var rows = [
      Row(
        method: "POST", pattern: "/api/v1/editions", other: 403, own: 403, admin: 201,
        body: { _, _ in
          [
            "year": 2027, "name": "Almedalsveckan 2027", "first_day": "2027-06-20",
            "last_day": "2027-06-27",
          ]
        }),
      Row(method: "GET", pattern: "/api/v1/editions", other: 200, own: 200, admin: 200),
      Row(
        method: "POST", pattern: "/api/v1/organisers", other: 403, own: 403, admin: 201,
        body: { _, caller in ["name": "Föreningen \(caller)", "website": "https://example.se"] }),
      Row(method: "GET", pattern: "/api/v1/organisers", other: 200, own: 200, admin: 200),
      Row(method: "GET", pattern: "/api/v1/organisers/{id}", other: 200, own: 200, admin: 200),
      // The requests naming an organiser as co-organiser: that organiser's and admins'.
      Row(
        method: "GET", pattern: "/api/v1/organisers/{id}/co-organiser-requests", other: 403,
        own: 200, admin: 200),
      Row(
        method: "POST", pattern: "/api/v1/venues", other: 403, own: 403, admin: 201,
        body: { _, caller in
          ["name": "Wisby Strand \(caller)", "latitude": 57.6437, "longitude": 18.2880]
        }),
      Row(method: "GET", pattern: "/api/v1/venues", other: 200, own: 200, admin: 200),
      Row(method: "GET", pattern: "/api/v1/venues/{id}", other: 200, own: 200, admin: 200),
      // API.md: "admin or organiser".
      Row(
        method: "POST", pattern: "/api/v1/people", other: 201, own: 201, admin: 201,
        body: { _, caller in ["name": "Anna Andersson \(caller)", "party": "S"] }),
      Row(method: "GET", pattern: "/api/v1/people", other: 200, own: 200, admin: 200),
      Row(method: "GET", pattern: "/api/v1/people/{id}", other: 200, own: 200, admin: 200),
      // For the own organiser; another organiser may not create events in its name.
      Row(
        method: "POST", pattern: "/api/v1/events", other: 403, own: 201, admin: 201,
        body: { fixture, caller in
          eventBody("Seminarium av \(caller)", organiser: fixture.organiser.id)
        }),
      Row(method: "GET", pattern: "/api/v1/events", other: 200, own: 200, admin: 200),
      Row(method: "GET", pattern: "/api/v1/conflicts", other: 200, own: 200, admin: 200),
    ]
    let patch: (APIFixture, Caller) -> [String: Any] = { _, caller in
      ["title": "Ändrad av \(caller)"]
    }
    rows += [
      Row(method: "GET", pattern: event, target: .draft, other: 404, own: 200, admin: 200),
      Row(method: "GET", pattern: event, target: .published, other: 200, own: 200, admin: 200),
      Row(
        method: "PATCH", pattern: event, target: .draft, other: 404, own: 200, admin: 200,
        body: patch),
      Row(
        method: "PATCH", pattern: event, target: .published, other: 403, own: 200, admin: 200,
        body: patch),
      Row(method: "DELETE", pattern: event, target: .draft, other: 404, own: 204, admin: 204),
      // A published event is cancelled, never deleted.
      Row(method: "DELETE", pattern: event, target: .published, other: 403, own: 409, admin: 409),
      // The festival's staff publish: admins only.
      Row(
        method: "POST", pattern: event + "/publish", target: .draft, other: 403, own: 403,
        admin: 200),
      Row(
        method: "POST", pattern: event + "/publish", target: .published, other: 403, own: 403,
        admin: 200),
      // The organiser submits its own for review (issue 14); a published one cannot be.
      Row(
        method: "POST", pattern: event + "/submit", target: .draft, other: 404, own: 200,
        admin: 200),
      Row(
        method: "POST", pattern: event + "/submit", target: .published, other: 403, own: 409,
        admin: 409),
      // A draft is deleted, not cancelled.
      Row(
        method: "POST", pattern: event + "/cancel", target: .draft, other: 404, own: 409,
        admin: 409),
      Row(
        method: "POST", pattern: event + "/cancel", target: .published, other: 403, own: 200,
        admin: 200),
      Row(
        method: "GET", pattern: event + "/history", target: .draft, other: 404, own: 200,
        admin: 200),
      Row(
        method: "GET", pattern: event + "/history", target: .published, other: 403, own: 200,
        admin: 200),
      // Attendee data: the event's own organiser and admins only.
      Row(
        method: "GET", pattern: event + "/registrations", target: .draft, other: 404, own: 200,
        admin: 200),
      Row(
        method: "GET", pattern: event + "/registrations", target: .published, other: 403,
        own: 200, admin: 200),
      // Only the organiser asked (or an admin) answers; the asking organiser cannot.
      Row(
        method: "POST", pattern: event + "/co-organisers/{organiser_id}/accept",
        target: .requested, other: 403, own: 200, admin: 200),
      Row(
        method: "POST", pattern: event + "/co-organisers/{organiser_id}/decline",
        target: .requested, other: 403, own: 200, admin: 200),
      // The mail backlog: admins only.
      Row(method: "GET", pattern: "/api/v1/mail", other: 403, own: 403, admin: 200),
    ]
    return rows
  }

  /// Routes API.md lists as public: no token needed, so not in the matrix.
  static let publicRoutes: Set<String> = [
    "GET /api/v1/openapi.json",
    "GET /api/v1/feeds",
    "POST /api/v1/events/{id}/registrations",
    "DELETE /api/v1/registrations/{token}",
    "GET /api/v1/registrations/{token}",
    // The secret from the request's mail is what authorizes it (issue 19).
    "POST /api/v1/registrations/{token}/confirm",
    "POST /api/v1/registrations/resend",
  ]

  @Test func everyAdminRouteIsInTheTable() throws {
    try withAPIFixture("api_routes") { fixture in
      let served = Set(
        Application(store: fixture.store).routes.filter { $0.path.hasPrefix("/api/v1/") }
          .map { "\($0.method) \($0.path)" })
      let table = Set(Self.rows().map { "\($0.method) \($0.pattern)" })
      // A new admin route needs a row in the matrix; a new public one, a place in
      // `publicRoutes` and tests of its own.
      let missing = served.subtracting(table).subtracting(Self.publicRoutes)
      #expect(missing.isEmpty, "routes without a row: \(missing.sorted())")
      #expect(
        table.subtracting(served).isEmpty, "rows without a route: \(table.subtracting(served))")
      #expect(table.isDisjoint(with: Self.publicRoutes))
      if served.contains("GET /api/v1/openapi.json") {
        let reply = try APIClient(port: fixture.port).get("/api/v1/openapi.json")
        #expect(reply.status == 200, "\(reply)")
      }
    }
  }

  @Test func everyRouteAgainstEveryCaller() throws {
    try withAPIFixture("api_matrix") { fixture in
      let revoked = try fixture.newToken("revoked", organiser: fixture.organiser.id)
      #expect(try fixture.store.tokens.revoke(name: revoked.name))
      func authorization(_ caller: Caller) -> String? {
        switch caller {
        case .noToken: nil
        case .malformed: "Basic Z290bGFuZDpoZW1saWd0"
        case .unknown: "Bearer alm_thisTokenWasNeverIssuedByTheService0000"
        case .revoked: "Bearer \(revoked.secret)"
        case .otherOrganiser: "Bearer \(fixture.other.secret)"
        case .ownOrganiser: "Bearer \(fixture.own.secret)"
        case .admin: "Bearer \(fixture.admin.secret)"
        }
      }
      var cases = 0
      var slot = 0
      for row in Self.rows() {
        for caller in Caller.allCases {
          cases += 1
          let context = "\(row) as \(caller):"
          // A fresh event of the own organiser for every case, so that no case sees another's
          // leftovers. No venue, so that publishing never clashes.
          var target: Event?
          if row.target == .requested {
            slot += 1
            var details = EventDetails.make(
              title: "Mål \(slot)", day: 21 + slot % 8, hour: 8 + slot % 12, venueID: nil,
              organiserID: fixture.otherOrganiser.id, topics: [])
            details.coOrganiserIDs = [fixture.organiser.id]
            let asked = try fixture.store.events.create(details, coOrganisersAccepted: false)
            target = try fixture.store.events.publish(asked.id)
          } else if row.target != .none {
            slot += 1
            target = try fixture.storedEvent(
              "Mål \(slot)", day: 21 + slot % 8, hour: 8 + slot % 12, venue: nil,
              published: row.target == .published)
          }
          let path = row.pattern
            .replacingOccurrences(
              of: "/organisers/{id}", with: "/organisers/\(fixture.organiser.id.wire)"
            )
            .replacingOccurrences(of: "/venues/{id}", with: "/venues/\(fixture.venue.id.wire)")
            .replacingOccurrences(of: "/people/{id}", with: "/people/\(fixture.person.id.wire)")
            .replacingOccurrences(of: "{organiser_id}", with: fixture.organiser.id.wire)
            .replacingOccurrences(of: "{id}", with: target?.id.wire ?? "")
          let client = APIClient(port: fixture.port, authorization: authorization(caller))
          var headers: [(String, String)] = []
          if let target, row.method == "PATCH" {
            headers.append(("If-Match", etag(target.version)))
          }
          let reply = try client.send(
            row.method, path, headers: headers, json: row.body?(fixture, caller))
          let expected = row.expected(caller)
          #expect(reply.status == expected, "\(context) \(reply)")
          if expected >= 400 {
            expectProblem(reply, expected, context)
          } else if expected != 204 {
            #expect(reply.header("Content-Type") == "application/json", "\(context) \(reply)")
          }
          if expected == 401 {
            #expect(reply.header("WWW-Authenticate") == "Bearer", "\(context) \(reply)")
          }
          if expected == 201 { #expect(!reply.id.isEmpty, "\(context) \(reply)") }
          guard let target else { continue }
          // A refused change leaves the event as it was; an allowed one did what it said.
          let after = try? fixture.store.events.get(target.id)
          if row.target == .requested {
            let answer: CoOrganiserStatus =
              expected != 200 ? .pending : row.pattern.hasSuffix("/accept") ? .accepted : .declined
            #expect(
              after?.coOrganisers
                == [CoOrganiserLink(organiserID: fixture.organiser.id, status: answer)],
              "\(context)")
          }
          switch (row.method, expected) {
          case ("DELETE", 204):
            #expect(after == nil, "\(context) the draft is still there")
          case ("PATCH", 200):
            #expect(after?.title == "Ändrad av \(caller)", "\(context)")
            #expect(reply.header("ETag") == etag(target.version + 1), "\(context) \(reply)")
          case ("POST", 200) where row.pattern.hasSuffix("/publish"):
            #expect(after?.status == .published, "\(context)")
          case ("POST", 200) where row.pattern.hasSuffix("/cancel"):
            #expect(after?.status == .cancelled, "\(context)")
          case ("POST", 200) where row.pattern.hasSuffix("/submit"):
            #expect(after?.status == .submitted, "\(context)")
          case (_, 200):
            #expect(after?.version == target.version, "\(context) a read changed the event")
          default:
            #expect(after?.version == target.version, "\(context) a refused request changed it")
            #expect(after?.status == target.status, "\(context)")
          }
        }
      }
      #expect(cases == Self.rows().count * Caller.allCases.count)
      // Only the allowed creations happened.
      let admin = fixture.client(fixture.admin)
      #expect(try admin.get("/api/v1/editions").items.count == 2)
      #expect(try admin.get("/api/v1/organisers").items.count == 3)
      #expect(try admin.get("/api/v1/venues").items.count == 3)
      #expect(try admin.get("/api/v1/people").items.count == 4)
      let created = try admin.get("/api/v1/events?q=Seminarium").items.compactMap {
        $0["title"] as? String
      }
      #expect(Set(created) == ["Seminarium av ownOrganiser", "Seminarium av admin"])
    }
  }

  /// The ways an `Authorization` field can be wrong all answer 401 with a challenge, and a
  /// revoked token stops working at once.
  @Test func badAuthorizationFieldsAndRevocation() throws {
    try withAPIFixture("api_auth") { fixture in
      let token = try fixture.newToken("short-lived", organiser: fixture.organiser.id)
      let client = fixture.client(token)
      #expect(try client.get("/api/v1/events").status == 200)
      for field in [
        "", "Bearer", "Bearer ", "bearer", "Token \(token.secret)", "Basic \(token.secret)",
        "Bearer \(token.secret)x", "Bearer x\(token.secret)", "Bearer \(token.secret.dropLast())",
        "Bearer " + String(repeating: "a", count: 300),
      ] {
        let reply = try APIClient(port: fixture.port, authorization: field).get("/api/v1/events")
        expectProblem(reply, 401, field.debugDescription)
        #expect(reply.header("WWW-Authenticate") == "Bearer", "\(field.debugDescription)")
      }
      // The scheme is case-insensitive (RFC 9110 §11.1).
      #expect(
        try APIClient(port: fixture.port, authorization: "bearer \(token.secret)")
          .get("/api/v1/events").status == 200)
      #expect(try fixture.store.tokens.revoke(name: token.name))
      expectProblem(try client.get("/api/v1/events"), 401, "after revocation")
      expectProblem(try client.post("/api/v1/people", ["name": "Efter"]), 401, "after revocation")
    }
  }

  /// An organiser cannot hand its event to another organiser, nor create one in another's
  /// name; without `organiser_id` its own is taken.
  @Test func organisersActOnlyForThemselves() throws {
    try withAPIFixture("api_own") { fixture in
      let own = fixture.client(fixture.own)
      let created = try own.post("/api/v1/events", eventBody("Utan organiser_id"))
      #expect(created.status == 201, "\(created)")
      #expect(created.json["organiser_id"] as? String == fixture.organiser.id.wire)
      #expect(created.json["status"] as? String == "draft")
      let moved = try own.patch(
        "/api/v1/events/\(created.id)", ["organiser_id": fixture.otherOrganiser.id.wire],
        ifMatch: created.header("ETag"))
      expectProblem(moved, 403)
      let stored = try fixture.store.events.get(UUID(uuidString: created.id)!)
      #expect(stored.organiserID == fixture.organiser.id)
      #expect(stored.version == 1)
      // An admin token must name the organiser.
      let admin = try fixture.client(fixture.admin).post("/api/v1/events", eventBody("Admin"))
      expectProblem(admin, 422)
      #expect(admin.errorFields == ["organiser_id"])
    }
  }
}
