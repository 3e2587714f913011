import AlmedalenCore
import AlmedalenPages
import AlmedalenStore
import AlmedalenTesting
import Foundation
import LoopbackTesting
import Postgres
import Testing

@testable import AlmedalenAPI

// The backoffice's authorisation matrix over a real socket: every page route, GET and POST,
// the event ones for an event of organisation A in each status that matters, × {anonymous,
// A's editor, A's owner, B's owner, the office}. Anonymous goes to the sign-in page; another
// organisation, or an organiser on the office's pages, gets 404 and changes nothing (every
// table but the sessions and throttles, the outbox included, compared before and after);
// who may, may. Every target is made afresh for its cell, so no cell depends on another.

/// Who asks.
enum MatrixActor: String, CaseIterable, Sendable {
  case anonymous, aEditor, aOwner, bOwner, office
}

/// Which group of pages a row is in (one test each, so a group not served yet fails alone).
enum MatrixGroup: Sendable {
  case events, organisation, office
}

/// One route × target status, what each actor gets.
struct MatrixRow: Sendable {
  /// What a cell's request goes to, made afresh for the cell.
  struct Target {
    var path: String
    var fields: [String: String] = [:]
  }

  var method: String
  /// The route table's pattern this row covers.
  var pattern: String
  var group: MatrixGroup
  /// For the event rows: the status of A's event the row is about.
  var status: EventStatus?
  /// The actors that may, and the statuses that mean done (200 a page, 303 done and sent on).
  var allowed: Set<MatrixActor>
  var success: Set<Int>
  var make: @Sendable (BackofficeMatrixTests.Setting, MatrixActor) throws -> Target

  var label: String {
    "\(method) \(pattern)" + (status.map { " (\($0.rawValue))" } ?? "")
  }
}

@Suite(.serialized) struct BackofficeMatrixTests {
  /// Organisation A (the fixture's Region Gotland) with an editor and an owner, organisation
  /// B with an owner, and an office account with its second factor given.
  final class Setting: @unchecked Sendable {
    let fixture: AccountFixture
    let a: Organiser
    let b: Organiser
    var browsers: [MatrixActor: Browser] = [:]
    var counter = 0

    init(_ fixture: AccountFixture) throws {
      self.fixture = fixture
      let store = fixture.store
      a = fixture.festival.organiser
      b = try store.organisers.create(Visby.svenskaKyrkan)
      try fixture.user("redaktor@a.test", organiser: a.id, role: .editor)
      try fixture.user("agare@a.test", organiser: a.id, role: .owner)
      try fixture.user("agare@b.test", organiser: b.id, role: .owner)
      let office = try fixture.user("kansliet@almedalsveckan.test", office: true)

      browsers[.anonymous] = Browser(fixture, address: "192.0.2.30")
      for (actor, email, address) in [
        (MatrixActor.aEditor, "redaktor@a.test", "192.0.2.31"),
        (.aOwner, "agare@a.test", "192.0.2.32"), (.bOwner, "agare@b.test", "192.0.2.33"),
        (.office, office.email, "192.0.2.34"),
      ] {
        let browser = Browser(fixture, address: address)
        let reply = try browser.signIn(email)
        #expect(reply.status == 303, "\(email): \(reply)")
        browsers[actor] = browser
      }
      try store.accounts.beginTOTPEnrolment(
        userID: office.id, secret: Array(repeating: 7, count: 20))
      #expect(try store.accounts.enableTOTP(userID: office.id, step: 1))
      let officeBrowser = try #require(browsers[.office])
      let secret = try #require(officeBrowser.session)
      let fresh: String = try #require(try store.sessions.markSecondFactor(secret: secret))
      officeBrowser.cookies[Browser.sessionCookie] = fresh
      // The anonymous browser has a form token, so its POSTs get past the form check.
      try browsers[.anonymous]?.get("/account/sign-in")
    }

    var store: FestivalStore { fixture.store }

    func next() -> Int {
      counter += 1
      return counter
    }

    /// A fresh event of A in `status`, without a venue (no cell's publish clashes with
    /// another's), on its own hour.
    func event(_ status: EventStatus) throws -> Event {
      let n = next()
      let made = try store.events.create(
        .make(
          title: "A:s evenemang \(n)", day: 21 + n % 7, hour: 8 + (n / 7) % 12, venueID: nil,
          organiserID: a.id))
      switch status {
      case .draft: break
      case .submitted: try store.events.submit(made.id)
      case .published: _ = try store.events.publish(made.id)
      default: Issue.record("no matrix events in \(status)")
      }
      return try store.events.get(made.id)
    }

    /// The event form's fields for `event`, saved (or `intent`) with its version.
    func form(_ event: Event, intent: String = "save") -> [String: String] {
      let n = next()
      let start = Self.local(event.details.startsAt)
      let end = Self.local(event.details.endsAt)
      return [
        "title": "Ändrad rubrik \(n)", "description": "Ett samtal.", "kind": "seminar",
        "start_date": start.date, "start_time": start.time, "end_date": end.date,
        "end_time": end.time, "languages": "sv", "topics": "Hälsa", "intent": intent,
        "version": String(event.version),
      ]
    }

    /// A Visby date and time as the form's fields write them.
    static func local(_ date: Date) -> (date: String, time: String) {
      var calendar = Calendar(identifier: .gregorian)
      calendar.timeZone = TimeZone(identifier: "Europe/Stockholm") ?? .current
      let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
      func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
      return (
        "\(parts.year ?? 0)-\(two(parts.month))-\(two(parts.day))",
        "\(two(parts.hour)):\(two(parts.minute))"
      )
    }

    /// A new draft's fields.
    func newForm() -> [String: String] {
      let n = next()
      return [
        "title": "Nytt utkast \(n)", "description": "Ett samtal.", "kind": "seminar",
        "start_date": "2026-06-2\(1 + n % 7)", "start_time": "\(8 + (n / 7) % 12):00",
        "end_date": "2026-06-2\(1 + n % 7)", "end_time": "\(8 + (n / 7) % 12):45",
        "languages": "sv", "topics": "Hälsa", "intent": "save",
      ]
    }

    /// A pending invitation to A.
    func invitation() throws -> UUID {
      let n = next()
      return try store.accounts.invite(
        email: "inbjuden\(n)@a.test", name: "Inbjuden \(n)", organiserID: a.id, role: .editor
      ).linkID
    }

    /// A member of A without a password (enough to be removed).
    func member() throws -> UUID {
      let n = next()
      let user = try store.accounts.createUser(email: "medlem\(n)@a.test", name: "Medlem \(n)")
      try store.accounts.setMembership(userID: user.id, organiserID: a.id, role: .editor)
      return user.id
    }

    /// A live API token of A.
    func token() throws -> UUID {
      try store.tokens.create(name: "A:s nyckel \(next())", role: .organiser, organiserID: a.id)
        .token.id
    }

    /// A user of A, enabled or disabled.
    func user(disabled: Bool) throws -> UUID {
      let id = try member()
      if disabled { _ = try store.accounts.setDisabled(id, true) }
      return id
    }

    /// The digest of every table a request could change (not the sessions and throttles,
    /// which every signed-in request touches), by table.
    func snapshot() throws -> [String: String] {
      let connection = try Connection(fixture.festival.database.conninfo)
      let rows = try connection.query(
        """
        SELECT name, md5(coalesce(string_agg(line, '|' ORDER BY line), '')) AS digest FROM (
          SELECT 'account_links' AS name, t::text AS line FROM account_links t UNION ALL
          SELECT 'api_tokens', t::text FROM api_tokens t UNION ALL
          SELECT 'attendees', t::text FROM attendees t UNION ALL
          SELECT 'calendar_tokens', t::text FROM calendar_tokens t UNION ALL
          SELECT 'editions', t::text FROM editions t UNION ALL
          SELECT 'event_changes', t::text FROM event_changes t UNION ALL
          SELECT 'event_organisers', t::text FROM event_organisers t UNION ALL
          SELECT 'events', t::text FROM events t UNION ALL
          SELECT 'mail_outbox', t::text FROM mail_outbox t UNION ALL
          SELECT 'memberships', t::text FROM memberships t UNION ALL
          SELECT 'organisers', t::text FROM organisers t UNION ALL
          SELECT 'panels', t::text FROM panels t UNION ALL
          SELECT 'participations', t::text FROM participations t UNION ALL
          SELECT 'people', t::text FROM people t UNION ALL
          SELECT 'recovery_codes', t::text FROM recovery_codes t UNION ALL
          SELECT 'registration_tokens', t::text FROM registration_tokens t UNION ALL
          SELECT 'registrations', t::text FROM registrations t UNION ALL
          SELECT 'users', t::text FROM users t UNION ALL
          SELECT 'venues', t::text FROM venues t UNION ALL
          SELECT 'none', NULL
        ) every_row GROUP BY name
        """, [])
      var digests: [String: String] = [:]
      for row in rows {
        digests[try row.decode("name", as: String.self)] = try row.decode("digest", as: String.self)
      }
      return digests
    }
  }

  // MARK: The table

  static let organisers: Set<MatrixActor> = [.aEditor, .aOwner, .office]
  static let owners: Set<MatrixActor> = [.aOwner, .office]
  static let signedIn: Set<MatrixActor> = [.aEditor, .aOwner, .bOwner, .office]

  static func eventRows(_ status: EventStatus) -> [MatrixRow] {
    let isPublic = status == .published
    return [
      MatrixRow(
        method: "GET", pattern: "/backoffice/events/{id}", group: .events, status: status,
        allowed: organisers, success: [200]
      ) { s, _ in .init(path: BackofficePaths.event(try s.event(status).id)) },
      MatrixRow(
        method: "POST", pattern: "/backoffice/events/{id}", group: .events, status: status,
        allowed: organisers, success: [303]
      ) { s, _ in
        let event = try s.event(status)
        return .init(path: BackofficePaths.event(event.id), fields: s.form(event))
      },
      MatrixRow(
        method: "POST", pattern: "/backoffice/events/{id}/cancel", group: .events, status: status,
        allowed: isPublic ? organisers : Set(), success: [303]
      ) { s, _ in .init(path: BackofficePaths.cancelEvent(try s.event(status).id)) },
      MatrixRow(
        method: "POST", pattern: "/backoffice/events/{id}/delete", group: .events, status: status,
        allowed: isPublic ? Set() : organisers, success: [303]
      ) { s, _ in .init(path: BackofficePaths.deleteEvent(try s.event(status).id)) },
      MatrixRow(
        method: "GET", pattern: "/backoffice/events/{id}/registrations", group: .events,
        status: status, allowed: organisers, success: [200]
      ) { s, _ in .init(path: BackofficePaths.registrations(try s.event(status).id)) },
      MatrixRow(
        method: "GET", pattern: "/backoffice/events/{id}/registrations.csv", group: .events,
        status: status, allowed: organisers, success: [200]
      ) { s, _ in .init(path: BackofficePaths.registrationsCSV(try s.event(status).id)) },
      MatrixRow(
        method: "GET", pattern: "/backoffice/events/{id}/history", group: .events, status: status,
        allowed: organisers, success: [200]
      ) { s, _ in .init(path: BackofficePaths.history(try s.event(status).id)) },
      // Approving and returning: the office's, and only of a submitted event.
      MatrixRow(
        method: "POST", pattern: "/backoffice/office/review/{id}/approve", group: .events,
        status: status, allowed: status == .submitted ? [MatrixActor.office] : Set(), success: [303]
      ) { s, _ in .init(path: BackofficePaths.approve(try s.event(status).id)) },
      MatrixRow(
        method: "POST", pattern: "/backoffice/office/review/{id}/return", group: .events,
        status: status, allowed: status == .submitted ? [MatrixActor.office] : Set(), success: [303]
      ) { s, _ in
        .init(
          path: BackofficePaths.returnEvent(try s.event(status).id),
          fields: ["reason": "Välj en annan tid."])
      },
    ]
  }

  static let startRows: [MatrixRow] = [
    MatrixRow(
      method: "GET", pattern: "/backoffice", group: .events, allowed: signedIn, success: [200, 303]
    ) { _, _ in .init(path: "/backoffice") },
    MatrixRow(
      method: "GET", pattern: "/backoffice/organisations/{id}/events", group: .events,
      allowed: organisers, success: [200]
    ) { s, _ in .init(path: BackofficePaths.overview(s.a.id)) },
    MatrixRow(
      method: "GET", pattern: "/backoffice/organisations/{id}/events/new", group: .events,
      allowed: organisers, success: [200]
    ) { s, _ in .init(path: BackofficePaths.newEvent(s.a.id)) },
    MatrixRow(
      method: "POST", pattern: "/backoffice/organisations/{id}/events/new", group: .events,
      allowed: organisers, success: [303]
    ) { s, _ in .init(path: BackofficePaths.newEvent(s.a.id), fields: s.newForm()) },
  ]

  static let organisationRows: [MatrixRow] = [
    // The organisation's page: every member sees it, its owners manage it.
    MatrixRow(
      method: "GET", pattern: "/backoffice/organisations/{id}", group: .organisation,
      allowed: organisers, success: [200]
    ) { s, _ in .init(path: BackofficePaths.organisation(s.a.id)) },
    MatrixRow(
      method: "POST", pattern: "/backoffice/organisations/{id}/invitations", group: .organisation,
      allowed: owners, success: [200, 303]
    ) { s, _ in
      let n = s.next()
      return .init(
        path: BackofficePaths.invite(s.a.id),
        fields: ["name": "Kollega \(n)", "email": "kollega\(n)@a.test", "role": "editor"])
    },
    MatrixRow(
      method: "POST", pattern: "/backoffice/organisations/{id}/invitations/{id}/resend",
      group: .organisation, allowed: owners, success: [303]
    ) { s, _ in .init(path: BackofficePaths.resendInvitation(s.a.id, try s.invitation())) },
    MatrixRow(
      method: "POST", pattern: "/backoffice/organisations/{id}/invitations/{id}/revoke",
      group: .organisation, allowed: owners, success: [303]
    ) { s, _ in .init(path: BackofficePaths.revokeInvitation(s.a.id, try s.invitation())) },
    MatrixRow(
      method: "POST", pattern: "/backoffice/organisations/{id}/members/{id}/remove",
      group: .organisation, allowed: owners, success: [303]
    ) { s, _ in .init(path: BackofficePaths.removeMember(s.a.id, try s.member())) },
    MatrixRow(
      method: "POST", pattern: "/backoffice/organisations/{id}/tokens", group: .organisation,
      allowed: owners, success: [200, 303]
    ) { s, _ in
      .init(
        path: BackofficePaths.createToken(s.a.id), fields: ["token_name": "Webben \(s.next())"])
    },
    MatrixRow(
      method: "POST", pattern: "/backoffice/organisations/{id}/tokens/{id}/revoke",
      group: .organisation, allowed: owners, success: [303]
    ) { s, _ in .init(path: BackofficePaths.revokeToken(s.a.id, try s.token())) },
  ]

  static let officeRows: [MatrixRow] = [
    MatrixRow(
      method: "GET", pattern: "/backoffice/office/review", group: .office, allowed: [.office],
      success: [200]
    ) { _, _ in .init(path: BackofficePaths.reviewQueue) },
    MatrixRow(
      method: "GET", pattern: "/backoffice/office/organisations", group: .office,
      allowed: [.office], success: [200]
    ) { _, _ in .init(path: BackofficePaths.organisations) },
    MatrixRow(
      method: "POST", pattern: "/backoffice/office/organisations", group: .office,
      allowed: [.office], success: [200, 303]
    ) { s, _ in
      let n = s.next()
      return .init(
        path: BackofficePaths.organisations,
        fields: [
          "organisation_name": "Ny förening \(n)", "name": "Första \(n)",
          "email": "forsta\(n)@forening.test",
        ])
    },
    MatrixRow(
      method: "GET", pattern: "/backoffice/office/users", group: .office, allowed: [.office],
      success: [200]
    ) { _, _ in .init(path: BackofficePaths.users) },
    MatrixRow(
      method: "POST", pattern: "/backoffice/office/users/{id}/disable", group: .office,
      allowed: [.office], success: [303]
    ) { s, _ in .init(path: BackofficePaths.disableUser(try s.user(disabled: false))) },
    MatrixRow(
      method: "POST", pattern: "/backoffice/office/users/{id}/enable", group: .office,
      allowed: [.office], success: [303]
    ) { s, _ in .init(path: BackofficePaths.enableUser(try s.user(disabled: true))) },
    MatrixRow(
      method: "GET", pattern: "/backoffice/office/venues", group: .office, allowed: [.office],
      success: [200]
    ) { _, _ in .init(path: BackofficePaths.venues) },
    MatrixRow(
      method: "POST", pattern: "/backoffice/office/venues", group: .office, allowed: [.office],
      success: [200, 303]
    ) { s, _ in
      .init(
        path: BackofficePaths.venues,
        fields: [
          "name": "Ny plats \(s.next())", "address": "Strandgatan 1", "description": "",
          "latitude": "57.6400", "longitude": "18.2900", "capacity": "30",
        ])
    },
    MatrixRow(
      method: "GET", pattern: "/backoffice/office/venues/{id}", group: .office,
      allowed: [.office], success: [200]
    ) { s, _ in .init(path: BackofficePaths.venue(s.fixture.festival.otherVenue.id)) },
    MatrixRow(
      method: "POST", pattern: "/backoffice/office/venues/{id}", group: .office,
      allowed: [.office], success: [200, 303]
    ) { s, _ in
      let venue = try s.store.venues.get(s.fixture.festival.otherVenue.id)
      return .init(
        path: BackofficePaths.venue(venue.id),
        fields: [
          "name": "Almedalen, tält \(s.next())", "address": "", "description": "",
          "latitude": "57.6410", "longitude": "18.2890", "capacity": "",
          "version": String(venue.version),
        ])
    },
    MatrixRow(
      method: "GET", pattern: "/backoffice/office/editions", group: .office, allowed: [.office],
      success: [200]
    ) { _, _ in .init(path: BackofficePaths.editions) },
    MatrixRow(
      method: "POST", pattern: "/backoffice/office/editions/{id}", group: .office,
      allowed: [.office], success: [200, 303]
    ) { s, _ in
      .init(
        path: BackofficePaths.edition(s.fixture.festival.edition.id),
        fields: ["cutoff_date": "2026-06-\(10 + s.next() % 10)", "cutoff_time": "12:00"])
    },
  ]

  static let rows: [MatrixRow] =
    startRows + eventRows(.draft) + eventRows(.submitted) + eventRows(.published)
    + organisationRows + officeRows

  // MARK: Running it

  /// Every cell of `group`: each actor's request to a fresh target, its status, and for
  /// anyone who may not, an unchanged database.
  func run(_ group: MatrixGroup, _ name: String) throws {
    try withAccountFixture(name) { fixture in
      let setting = try Setting(fixture)
      var cells = 0
      for row in Self.rows where row.group == group {
        for actor in MatrixActor.allCases {
          let browser = try #require(setting.browsers[actor])
          let target = try row.make(setting, actor)
          let before = try setting.snapshot()
          let reply =
            row.method == "GET"
            ? try browser.get(target.path) : try browser.post(target.path, target.fields)
          let cell = "\(row.label) as \(actor.rawValue) → \(reply.status)"
          cells += 1
          if actor == .anonymous {
            #expect(reply.status == 303, "\(cell)")
            #expect(reply.header("Location") == "/account/sign-in", "\(cell)")
          } else if row.allowed.contains(actor) {
            #expect(row.success.contains(reply.status), "\(cell): \(reply.text.prefix(400))")
            // The control: a POST that may, does change something, so the snapshot sees.
            if row.method == "POST" && reply.status == 303 {
              let after = try setting.snapshot()
              #expect(after.keys.contains { before[$0] != after[$0] }, "\(cell) changed nothing")
            }
            continue
          } else {
            #expect(reply.status == 404, "\(cell)")
            #expect(!reply.text.contains("A:s evenemang"), "\(cell): names A's event")
          }
          let after = try setting.snapshot()
          let changed = after.keys.filter { before[$0] != after[$0] }.sorted()
          #expect(changed.isEmpty, "\(cell) changed \(changed)")
        }
      }
      #expect(cells == Self.rows.filter { $0.group == group }.count * MatrixActor.allCases.count)
    }
  }

  @Test func theEventPagesFollowTheMatrix() throws { try run(.events, "bo_matrix_events") }

  @Test func theOrganisationPageFollowsTheMatrix() throws {
    try run(.organisation, "bo_matrix_org")
  }

  @Test func theOfficePagesFollowTheMatrix() throws { try run(.office, "bo_matrix_office") }

  /// A route served under /backoffice without a row here fails: a new page gets its row.
  @Test func everyBackofficeRouteHasARow() {
    func normal(_ pattern: String) -> String {
      pattern.split(separator: "/").map { $0.hasPrefix("{") ? "{id}" : String($0) }.joined(
        separator: "/")
    }
    let covered = Set(Self.rows.map { "\($0.method) \(normal($0.pattern))" })
    let served = Application.router.routes.filter {
      $0.path == "/backoffice" || $0.path.hasPrefix("/backoffice/")
    }
    #expect(!served.isEmpty)
    for route in served {
      #expect(
        covered.contains("\(route.method.rawValue) \(normal(route.path))"),
        "\(route.method.rawValue) \(route.path) has no row in the matrix")
    }
    // Each event route has its rows in every status that matters.
    for pattern in Set(Self.rows.filter { $0.status != nil }.map(\.pattern)) {
      let statuses = Set(Self.rows.filter { $0.pattern == pattern }.compactMap(\.status))
      #expect(statuses == [.draft, .submitted, .published], "\(pattern)")
    }
  }
}
