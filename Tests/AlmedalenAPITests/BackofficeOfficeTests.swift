import AlmedalenAPI
import AlmedalenCore
import AlmedalenPages
import AlmedalenStore
import AlmedalenTesting
import Foundation
import LoopbackTesting
import Testing

// The programme office's pages over a real socket: organisations with their first owner's
// invitation, users disabled and enabled, venues judged by the API's rules, editions'
// cut-off. Nobody but the fully signed-in office sees or changes any of it.

@Suite struct BackofficeOfficeTests {
  typealias Setting = BackofficePagesTests.Setting

  /// The API's venue body that the form `fields` stands for (what `VenueForm` sends to
  /// `VenueInput`), to ask the JSON API the same question.
  static func venueJSON(_ fields: [String: String]) -> [String: Any] {
    func text(_ name: String) -> Any {
      let value = fields[name] ?? ""
      return value.isEmpty ? NSNull() : value
    }
    func number(_ name: String) -> Any {
      let value = fields[name] ?? ""
      if value.isEmpty { return NSNull() }
      return Double(value) ?? value as Any
    }
    return [
      "name": fields["name"] ?? "", "address": text("address"), "description": text("description"),
      "latitude": number("latitude"), "longitude": number("longitude"),
      "capacity": number("capacity"), "accessibility": [String](),
    ]
  }

  /// The admin API's client for the fixture's server.
  static func admin(_ fixture: AccountFixture) throws -> APIClient {
    let (_, secret) = try fixture.store.tokens.create(name: "kansliet-api", role: .admin)
    return APIClient(port: fixture.port, authorization: "Bearer " + secret)
  }

  /// The `Location` of a 303 and the id at its end (before any query).
  static func createdID(_ reply: HTTPReply) -> UUID? {
    guard let location = reply.header("Location") else { return nil }
    let path = location.split(separator: "?").first.map(String.init) ?? location
    return path.split(separator: "/").last.flatMap { UUID(uuidString: String($0)) }
  }

  @Test func theOfficeAddsAnOrganisationAndItsOwnersInvitationIsMailed() throws {
    try withAccountFixture("bo_office_org") { fixture in
      let setting = try Setting(fixture)
      let office = try setting.office()
      let page = try office.get(BackofficePaths.organisations)
      #expect(page.status == 200, "\(page)")
      #expect(page.text.contains(setting.a.name))

      let made = try office.post(
        BackofficePaths.organisations,
        [
          "organisation_name": "Gotlands Fågelvänner", "name": "Ingrid Lind",
          "email": "ingrid@fagel.test",
        ])
      #expect(made.status == 303, "\(made)")
      #expect(made.header("Location") == BackofficePaths.organisations + "?done=organisation")
      let organiser = try #require(
        try fixture.store.organisers.summaries().first {
          $0.organiser.name == "Gotlands Fågelvänner"
        }
      ).organiser
      #expect(try office.get(BackofficePaths.organisations).text.contains("Gotlands Fågelvänner"))

      // The invitation is in the outbox, to the new owner, for the new organiser.
      let links = try fixture.mailedLinks().filter { $0.to == "ingrid@fagel.test" }
      #expect(links.count == 1)
      let link = try #require(links.first?.link)
      let info = try #require(
        try fixture.store.accounts.peek(secret: link.secret, kind: .invitation))
      #expect(info.organiserID == organiser.id)
      #expect(info.role == .owner)
      #expect(info.name == "Ingrid Lind")

      // Problems are named by the form's fields, all at once, and nothing is made.
      let before = try fixture.store.organisers.summaries().count
      let refused = try office.post(
        BackofficePaths.organisations,
        ["organisation_name": " ", "name": "", "email": "inte en adress"])
      #expect(refused.status == 422, "\(refused)")
      #expect(refused.text.contains("Organisationen kunde inte läggas till"))
      #expect(refused.text.contains(BackofficeWords.field("organisation_name") + ": "))
      #expect(refused.text.contains(BackofficeWords.field("name") + ": "))
      #expect(refused.text.contains(BackofficeWords.field("email") + ": "))
      #expect(refused.text.contains("value=\"inte en adress\""))
      #expect(try fixture.store.organisers.summaries().count == before)

      // A refused invitation (the address's account is disabled) leaves no organiser behind.
      let closed = try fixture.user("avstangd@example.test")
      _ = try fixture.store.accounts.setDisabled(closed.id, true)
      _ = try fixture.mailedLinks()
      let blocked = try office.post(
        BackofficePaths.organisations,
        [
          "organisation_name": "Spökföreningen", "name": "Någon",
          "email": "avstangd@example.test",
        ])
      #expect(blocked.status == 409, "\(blocked)")
      #expect(blocked.text.contains("avstängt"))
      #expect(
        try fixture.store.organisers.summaries().allSatisfy {
          $0.organiser.name != "Spökföreningen"
        })
      #expect(try fixture.mailedLinks().isEmpty)
    }
  }

  @Test func anOrganiserGets404OnEveryOfficePageAndPostAndNothingChanges() throws {
    try withAccountFixture("bo_office_404") { fixture in
      let setting = try Setting(fixture)
      let store = fixture.store
      let venue = fixture.festival.venue
      let edition = fixture.festival.edition
      let victim = try store.accounts.user(email: "redaktor@b.test")
      let victimID = try #require(victim?.id)
      let organisers = try store.organisers.summaries().count
      let venues = try store.venues.all()

      let pages = [
        BackofficePaths.organisations, BackofficePaths.users, BackofficePaths.venues,
        BackofficePaths.venue(venue.id), BackofficePaths.editions,
      ]
      let posts: [(String, [String: String])] = [
        (
          BackofficePaths.organisations,
          ["organisation_name": "Kapad förening", "name": "Kapare", "email": "kapare@example.test"]
        ),
        (BackofficePaths.disableUser(victimID), [:]),
        (BackofficePaths.enableUser(victimID), [:]),
        (BackofficePaths.venues, ["name": "Kapad plats", "latitude": "57.6", "longitude": "18.3"]),
        (BackofficePaths.venue(venue.id), ["name": "Kapad", "version": String(venue.version)]),
        (
          BackofficePaths.edition(edition.id),
          ["cutoff_date": "2026-06-01", "cutoff_time": "12:00"]
        ),
      ]

      // Anonymous: to the sign-in form, for pages and forms alike.
      let anonymous = Browser(fixture)
      for path in pages {
        let reply = try anonymous.get(path)
        #expect(reply.status == 303, "\(path)")
        #expect(reply.header("Location") == "/account/sign-in", "\(path)")
      }
      for (path, fields) in posts {
        #expect(try anonymous.post(path, fields).status == 303, "\(path)")
      }

      // An organiser (A's editor, and an owner of a new organisation): as if absent.
      let owner = try fixture.user("agare@a.test", organiser: setting.a.id, role: .owner)
      for email in ["redaktor@a.test", owner.email] {
        let organiser = try setting.signedIn(email)
        for path in pages {
          let reply = try organiser.get(path)
          #expect(reply.status == 404, "\(email) \(path)")
          #expect(!reply.text.contains(venue.name) || path != BackofficePaths.venues)
        }
        for (path, fields) in posts {
          #expect(try organiser.post(path, fields).status == 404, "\(email) POST \(path)")
        }
      }
      // An office account without its second factor is not the office yet.
      _ = try fixture.user("halvvags@almedalsveckan.test", office: true)
      let halfway = try setting.signedIn("halvvags@almedalsveckan.test")
      for path in pages {
        let reply = try halfway.get(path)
        #expect(reply.status == 303, "\(path)")
        #expect(reply.header("Location") == "/account/security", "\(path)")
      }
      for (path, fields) in posts {
        let reply = try halfway.post(path, fields)
        #expect(reply.header("Location") == "/account/security", "POST \(path)")
      }

      #expect(try store.organisers.summaries().count == organisers)
      #expect(try store.venues.all() == venues)
      #expect(try store.accounts.user(victimID).disabledAt == nil)
      #expect(try store.editions.get(edition.id).cutoffAt == nil)
      #expect(try fixture.mailedLinks().allSatisfy { $0.to != "kapare@example.test" })
    }
  }

  @Test func venueFormErrorsNameTheFieldsAsTheAPIs422AndSaveNothing() throws {
    try withAccountFixture("bo_office_venue_422") { fixture in
      let setting = try Setting(fixture)
      let office = try setting.office()
      let api = try Self.admin(fixture)
      let before = try fixture.store.venues.all()

      // What the reader refuses (types, a latitude without its longitude) ...
      let unread = ["name": "", "latitude": "norr", "longitude": "", "capacity": "många"]
      // ... and what the venue's own rules refuse once it reads.
      let unruly = [
        "name": "Utsiktsplatsen", "latitude": "95", "longitude": "18.3", "capacity": "-4",
      ]
      // ... and a latitude without its longitude.
      let halfPoint = ["name": "Halva punkten", "latitude": "57.6", "longitude": ""]
      for fields in [unread, unruly, halfPoint] {
        let answer = try api.post("/api/v1/venues", Self.venueJSON(fields))
        #expect(answer.status == 422, "\(answer)")
        let errors = try #require(answer.json["errors"] as? [[String: Any]])
        let fieldsNamed = Set(errors.compactMap { $0["field"] as? String })
        #expect(!fieldsNamed.isEmpty)

        let page = try office.post(BackofficePaths.venues, fields)
        #expect(page.status == 422, "\(page)")
        #expect(page.text.contains("Platsen kunde inte sparas"))
        for error in errors {
          let field = try #require(error["field"] as? String)
          let message = try #require(error["message"] as? String)
          // The same field, and the same rule in Swedish beside it.
          #expect(page.text.contains(BackofficeWords.field(field) + ": "), "\(field)")
          #expect(page.text.contains(BackofficeWords.problem(message)), "\(field): \(message)")
          #expect(BackofficeWords.problem(message) != message, "untranslated: \(message)")
        }
        // What was typed is shown again.
        for (name, value) in fields where !value.isEmpty {
          #expect(page.text.contains("name=\"\(name)\""))
          #expect(page.text.contains("value=\"\(value)\""), "\(name)")
        }
      }
      #expect(Set(try Self.answerFields(api, unread)).isSuperset(of: ["latitude", "capacity"]))
      #expect(try Self.answerFields(api, halfPoint) == ["longitude"])
      #expect(Set(try Self.answerFields(api, unruly)) == ["latitude", "capacity"])
      #expect(try fixture.store.venues.all() == before)

      // An edit from a form read before someone else's save is not saved over it.
      let venue = fixture.festival.venue
      _ = try fixture.store.venues.update(
        Venue(
          id: venue.id, name: venue.name + " (ny)", address: venue.address,
          description: venue.description, coordinate: venue.coordinate, capacity: venue.capacity,
          accessibility: venue.accessibility), expectedVersion: venue.version)
      let stale = try office.post(
        BackofficePaths.venue(venue.id),
        [
          "name": "Skrivet över", "version": String(venue.version), "latitude": "57.64",
          "longitude": "18.29",
        ])
      #expect(stale.status == 412, "\(stale)")
      #expect(stale.text.contains("Någon annan har ändrat platsen"))
      #expect(stale.text.contains("value=\"Skrivet över\""))
      #expect(try fixture.store.venues.get(venue.id).name == venue.name + " (ny)")
    }
  }

  static func answerFields(_ api: APIClient, _ fields: [String: String]) throws -> [String] {
    let answer = try api.post("/api/v1/venues", venueJSON(fields))
    return (answer.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
  }

  @Test func aVenueWithCoordinatesAndAccessibilityShowsInThePublicData() throws {
    try withAccountFixture("bo_office_venue") { fixture in
      let setting = try Setting(fixture)
      let office = try setting.office()
      #expect(try office.get(BackofficePaths.venues).status == 200)
      let made = try office.post(
        BackofficePaths.venues,
        [
          "name": "Hamnplan scen 3", "address": "Hamnplan, Visby", "latitude": "57,6412",
          "longitude": "18.2867", "capacity": "120", "accessibility": "wheelchair",
        ], extra: [])
      #expect(made.status == 303, "\(made)")
      let id = try #require(Self.createdID(made))
      let stored = try fixture.store.venues.get(id)
      #expect(stored.coordinate == Coordinate(latitude: 57.6412, longitude: 18.2867))
      #expect(stored.accessibility == [.wheelchair])
      #expect(stored.capacity == 120)
      let form = try office.get(try #require(made.header("Location")))
      #expect(form.status == 200)
      #expect(form.text.contains("Platsen är tillagd."))
      #expect(form.text.contains("value=\"57.6412\""))

      // Edited with the form's version: a second feature.
      let body =
        "name=Hamnplan+scen+3&address=Hamnplan%2C+Visby&latitude=57.6412&longitude=18.2867"
        + "&capacity=120&accessibility=wheelchair&accessibility=hearing_loop&version="
        + String(stored.version)
      let saved = try office.send(
        "POST", BackofficePaths.venue(id),
        headers: [
          ("Content-Type", "application/x-www-form-urlencoded"),
          ("Origin", "https://almedalen.test"),
        ],
        body: Array((body + "&form_token=" + (office.cookies["almedalen_form"] ?? "")).utf8))
      #expect(saved.status == 303, "\(saved)")
      #expect(try fixture.store.venues.get(id).accessibility == [.wheelchair, .hearingLoop])

      // The API's venue: coordinates and accessibility as saved.
      let (_, secret) = try fixture.store.tokens.create(
        name: "gotland-app", role: .organiser, organiserID: setting.a.id)
      let api = APIClient(port: fixture.port, authorization: "Bearer " + secret)
      let json = try api.get("/api/v1/venues/" + id.uuidString.lowercased())
      #expect(json.status == 200, "\(json)")
      #expect(json.json["latitude"] as? Double == 57.6412)
      #expect(json.json["longitude"] as? Double == 18.2867)
      #expect(json.json["accessibility"] as? [String] == ["wheelchair", "hearing_loop"])

      // A published event there: its public page links the map at the coordinates.
      var details = fixture.festival.details(title: "Seminarium vid hamnen", hour: 15)
      details.venueID = id
      let event = try fixture.store.events.create(details)
      _ = try fixture.store.events.publish(event.id)
      let publicPage = try Browser(fixture).get("/events/" + event.id.uuidString.lowercased())
      #expect(publicPage.status == 200, "\(publicPage)")
      #expect(publicPage.text.contains("Hamnplan scen 3"))
      #expect(publicPage.text.contains("mlat=57.6412&amp;mlon=18.2867"))
    }
  }

  @Test func aCutoffRefusesAnOrganisersDeleteOfAPublishedEventButAllowsCancel() throws {
    try withAccountFixture("bo_office_cutoff") { fixture in
      let setting = try Setting(fixture)
      let office = try setting.office()
      let store = fixture.store
      let edition = fixture.festival.edition
      #expect(try office.get(BackofficePaths.editions).status == 200)

      let refused = try office.post(
        BackofficePaths.edition(edition.id), ["cutoff_date": "2026-06-01", "cutoff_time": "sex"])
      #expect(refused.status == 422, "\(refused)")
      #expect(refused.text.contains("TT:MM"))
      #expect(try store.editions.get(edition.id).cutoffAt == nil)

      // A cut-off already passed (the festival's first of June, 18:00 in Visby).
      let set = try office.post(
        BackofficePaths.edition(edition.id), ["cutoff_date": "2026-06-01", "cutoff_time": "18:00"])
      #expect(set.status == 303, "\(set)")
      let cutoff = try #require(try store.editions.get(edition.id).cutoffAt)
      #expect(cutoff == FestivalTime.date(try #require(LocalDay("2026-06-01")), hour: 18))
      #expect(RFC3339.format(cutoff) == "2026-06-01T18:00:00+02:00")  // Visby, summer time
      let shown = try office.get(BackofficePaths.editions)
      #expect(shown.text.contains("value=\"18:00\""))
      #expect(shown.text.contains("value=\"2026-06-01\""))

      let published = try store.events.publish(setting.aDraft.id)
      #expect(published.editionID == edition.id)
      let editor = try setting.signedIn("redaktor@a.test")
      let deleted = try editor.post(BackofficePaths.deleteEvent(published.id))
      #expect(deleted.status != 303, "\(deleted)")
      #expect(try store.events.get(published.id).status == .published)
      // The rule is the schema's: no caller gets round it, and it names the cut-off.
      do {
        try store.events.deleteDraft(published.id)
        Issue.record("a published event was deleted after the cut-off")
      } catch StoreError.lifecycle(let reason) {
        #expect(reason.contains("cut-off"), "\(reason)")
      }
      let cancelled = try editor.post(BackofficePaths.cancelEvent(published.id))
      #expect(cancelled.status == 303, "\(cancelled)")
      #expect(try store.events.get(published.id).status == .cancelled)

      // Both fields empty: no cut-off.
      let cleared = try office.post(
        BackofficePaths.edition(edition.id), ["cutoff_date": "", "cutoff_time": ""])
      #expect(cleared.status == 303)
      #expect(try store.editions.get(edition.id).cutoffAt == nil)
    }
  }

  @Test func disablingAUserEndsTheirSessionsAndRefusesSignIn() throws {
    try withAccountFixture("bo_office_disable") { fixture in
      let setting = try Setting(fixture)
      let office = try setting.office()
      let editor = try setting.signedIn("redaktor@a.test")
      let overview = BackofficePaths.overview(setting.a.id)
      #expect(try editor.get(overview).status == 200)
      let user = try #require(try fixture.store.accounts.user(email: "redaktor@a.test"))
      let users = try office.get(BackofficePaths.users)
      #expect(users.status == 200)
      #expect(users.text.contains(user.name))

      let disabled = try office.post(BackofficePaths.disableUser(user.id))
      #expect(disabled.status == 303, "\(disabled)")
      #expect(try fixture.store.accounts.user(user.id).disabledAt != nil)
      let after = try editor.get(overview)
      #expect(after.status == 303)
      #expect(after.header("Location") == "/account/sign-in")
      #expect(try Browser(fixture, address: "192.0.2.11").signIn(user.email).status == 422)
      #expect(try office.get(BackofficePaths.users).text.contains("Avstängd"))

      // Not oneself.
      let officeUser = try #require(
        try fixture.store.accounts.user(email: "kansliet@almedalsveckan.test"))
      let own = try office.post(BackofficePaths.disableUser(officeUser.id))
      #expect(own.status == 409, "\(own)")
      #expect(try fixture.store.accounts.user(officeUser.id).disabledAt == nil)

      let enabled = try office.post(BackofficePaths.enableUser(user.id))
      #expect(enabled.status == 303)
      #expect(try Browser(fixture, address: "192.0.2.12").signIn(user.email).status == 303)
    }
  }

  @Test func hostileNamesOnTheOfficePagesAreText() throws {
    try withAccountFixture("bo_office_hostile") { fixture in
      let setting = try Setting(fixture)
      let office = try setting.office()
      let hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>"
      let made = try office.post(
        BackofficePaths.organisations,
        ["organisation_name": hostile, "name": hostile, "email": "fiende@example.test"])
      #expect(made.status == 303, "\(made)")
      let venue = try office.post(
        BackofficePaths.venues, ["name": hostile, "address": hostile, "description": hostile])
      #expect(venue.status == 303, "\(venue)")
      let venueID = try #require(Self.createdID(venue))
      for path in [
        BackofficePaths.organisations, BackofficePaths.users, BackofficePaths.venues,
        BackofficePaths.venue(venueID), BackofficePaths.editions,
      ] {
        let page = try office.get(path)
        #expect(page.status == 200, "\(path)")
        #expect(!page.text.contains("<script>alert"), "\(path)")
        #expect(!page.text.contains("<img src=x"), "\(path)")
      }
      #expect(try office.get(BackofficePaths.organisations).text.contains("&lt;script&gt;alert(1)"))
    }
  }
}
