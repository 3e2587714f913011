import AlmedalenAPI
import AlmedalenCore
import AlmedalenPages
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Testing

// The backoffice pages over a real socket, signed in through the sign-in form: an
// organisation's overview is its members' and no one else's, a form read before someone
// else's change does not save over it, and an event goes from draft through the office's
// review to the public programme.

@Suite struct BackofficePagesTests {
  /// Organisation A (the fixture's Region Gotland), organisation B, an editor of each and a
  /// draft of each.
  struct Setting {
    let fixture: AccountFixture
    let a: Organiser
    let b: Organiser
    let aDraft: Event
    let bDraft: Event

    init(_ fixture: AccountFixture) throws {
      self.fixture = fixture
      let store = fixture.store
      a = fixture.festival.organiser
      b = try store.organisers.create(Visby.svenskaKyrkan)
      aDraft = try store.events.create(
        fixture.festival.details(title: "A:s utkast om vården", hour: 10))
      bDraft = try store.events.create(
        .make(
          title: "B:s hemliga utkast", day: 23, hour: 14, venueID: nil, organiserID: b.id))
      try fixture.user("redaktor@a.test", organiser: a.id, role: .editor)
      try fixture.user("redaktor@b.test", organiser: b.id, role: .editor)
    }

    /// A browser signed in as `email`, past the sign-in form.
    func signedIn(_ email: String) throws -> Browser {
      let browser = Browser(fixture)
      let reply = try browser.signIn(email)
      #expect(reply.status == 303, "\(reply)")
      return browser
    }

    /// A browser of a programme office account, its second factor given (enrolled in the
    /// store; the account pages' tests walk that part).
    func office() throws -> Browser {
      let store = fixture.store
      let user = try fixture.user("kansliet@almedalsveckan.test", office: true)
      let browser = try signedIn(user.email)
      try store.accounts.beginTOTPEnrolment(
        userID: user.id, secret: Array(repeating: 7, count: 20))
      #expect(try store.accounts.enableTOTP(userID: user.id, step: 1))
      let secret = try #require(browser.session)
      let fresh: String = try #require(try store.sessions.markSecondFactor(secret: secret))
      browser.cookies[Browser.sessionCookie] = fresh
      return browser
    }
  }

  /// The form fields of a seminar on 23 June at `hour`, at the fixture's first venue.
  func fields(
    _ setting: Setting, title: String, hour: Int = 16, version: Int? = nil,
    intent: String = "save"
  ) -> [String: String] {
    var fields = [
      "title": title, "description": "Ett samtal.", "kind": "seminar",
      "start_date": "2026-06-23", "start_time": "\(hour):00", "end_date": "2026-06-23",
      "end_time": "\(hour):45", "venue_id": setting.fixture.festival.venue.id.uuidString,
      "languages": "sv", "topics": "Hälsa", "intent": intent,
    ]
    if let version { fields["version"] = String(version) }
    return fields
  }

  @Test func anEditorSeesTheirOrganisationsOverviewAndNotAnothers() throws {
    try withAccountFixture("bo_overview") { fixture in
      let setting = try Setting(fixture)
      let anonymous = Browser(fixture)
      let away = try anonymous.get("/backoffice")
      #expect(away.status == 303)
      #expect(away.header("Location") == "/account/sign-in")

      let editor = try setting.signedIn("redaktor@a.test")
      let start = try editor.get("/backoffice")
      #expect(start.status == 303)
      #expect(start.header("Location") == BackofficePaths.overview(setting.a.id))

      let own = try editor.get(BackofficePaths.overview(setting.a.id))
      #expect(own.status == 200, "\(own)")
      #expect(own.text.contains("A:s utkast om vården"))
      #expect(!own.text.contains("B:s hemliga utkast"))
      #expect(own.header("Cache-Control") == "no-store")
      #expect(own.header("X-Robots-Tag") == "noindex")

      // B's overview, B's draft and its form's POST: as if they did not exist.
      let other = try editor.get(BackofficePaths.overview(setting.b.id))
      #expect(other.status == 404)
      #expect(!other.text.contains("B:s hemliga utkast"))
      #expect(try editor.get(BackofficePaths.event(setting.bDraft.id)).status == 404)
      #expect(try editor.get(BackofficePaths.newEvent(setting.b.id)).status == 404)
      let forged = try editor.post(
        BackofficePaths.event(setting.bDraft.id),
        fields(setting, title: "Kapat", version: setting.bDraft.version))
      #expect(forged.status == 404)
      #expect(try fixture.store.events.get(setting.bDraft.id).details.title == "B:s hemliga utkast")
      // The office's queue is not an editor's.
      #expect(try editor.get(BackofficePaths.reviewQueue).status == 404)

      let b = try setting.signedIn("redaktor@b.test")
      let theirs = try b.get(BackofficePaths.overview(setting.b.id))
      #expect(theirs.status == 200)
      #expect(theirs.text.contains("B:s hemliga utkast"))
    }
  }

  @Test func aNewEventIsJudgedByTheAPIsRulesAndSavedAsADraft() throws {
    try withAccountFixture("bo_create") { fixture in
      let setting = try Setting(fixture)
      let editor = try setting.signedIn("redaktor@a.test")
      let path = BackofficePaths.newEvent(setting.a.id)
      #expect(try editor.get(path).status == 200)
      // Without the form token: refused before anything is read.
      #expect(
        try editor.post(path, fields(setting, title: "Utan token"), token: false).status == 403)

      var bad = fields(setting, title: "")
      bad["end_time"] = "15:00"  // before the start
      let refused = try editor.post(path, bad)
      #expect(refused.status == 422, "\(refused)")
      #expect(refused.text.contains("Evenemanget kunde inte sparas"))
      // The API's field paths, named in Swedish in the summary.
      #expect(refused.text.contains(BackofficeWords.field("title") + ": "))
      #expect(refused.text.contains(BackofficeWords.field("ends_at") + ": "))
      #expect(refused.text.contains("value=\"15:00\""), "what was typed is shown again")

      let made = try editor.post(path, fields(setting, title: "Ny hälsodebatt"))
      #expect(made.status == 303, "\(made)")
      let location = try #require(made.header("Location"))
      let events = try fixture.store.events.all(EventFilter(organiserID: setting.a.id))
      let event = try #require(events.first { $0.details.title == "Ny hälsodebatt" })
      #expect(location.hasPrefix(BackofficePaths.event(event.id)))
      #expect(event.status == .draft)
      #expect(event.details.startsAt == Visby.at(day: 23, 16))
      #expect(event.details.venueID == setting.fixture.festival.venue.id)
      let form = try editor.get(location)
      #expect(form.status == 200)
      #expect(form.text.contains("Utkastet är skapat."))
      #expect(form.text.contains("Ny hälsodebatt"))
    }
  }

  @Test func savingAStaleFormShowsTheOtherChangeAndSavesNothing() throws {
    try withAccountFixture("bo_stale") { fixture in
      let setting = try Setting(fixture)
      let store = fixture.store
      let editor = try setting.signedIn("redaktor@a.test")
      let path = BackofficePaths.event(setting.aDraft.id)
      let read = try editor.get(path)
      #expect(read.status == 200)
      let version = setting.aDraft.version
      #expect(read.text.contains("name=\"version\" value=\"\(version)\""))

      // Someone else moves the title while the form is open.
      var theirs = setting.aDraft.details
      theirs.title = "Kollegans rubrik"
      let changed = try store.events.update(
        setting.aDraft.id, expectedVersion: version, with: theirs, actor: "user:kollega@a.test")

      let stale = try editor.post(path, fields(setting, title: "Min rubrik", version: version))
      #expect(stale.status == 412, "\(stale)")
      #expect(stale.text.contains("Någon annan har ändrat evenemanget"))
      #expect(stale.text.contains("Kollegans rubrik"), "the other change is shown")
      #expect(stale.text.contains("value=\"Min rubrik\""), "the user's value is kept")
      #expect(stale.text.contains("name=\"version\" value=\"\(changed.version)\""))
      #expect(try store.events.get(setting.aDraft.id).details.title == "Kollegans rubrik")

      // From another site, with the right token: refused, nothing saved.
      let forged = try editor.post(
        path, fields(setting, title: "Från en annan sajt", version: changed.version),
        origin: "https://evil.test")
      #expect(forged.status == 403)
      #expect(try store.events.get(setting.aDraft.id).details.title == "Kollegans rubrik")

      // Sent again with the version the page now carries, it saves.
      let saved = try editor.post(
        path, fields(setting, title: "Min rubrik", version: changed.version))
      #expect(saved.status == 303, "\(saved)")
      #expect(try store.events.get(setting.aDraft.id).details.title == "Min rubrik")
    }
  }

  @Test func submittedThenApprovedByTheOfficeIsPublished() throws {
    try withAccountFixture("bo_review") { fixture in
      let setting = try Setting(fixture)
      let store = fixture.store
      let editor = try setting.signedIn("redaktor@a.test")
      let id = setting.aDraft.id
      let submitted = try editor.post(
        BackofficePaths.event(id),
        fields(setting, title: "Vården i fokus", version: setting.aDraft.version, intent: "submit"))
      #expect(submitted.status == 303, "\(submitted)")
      #expect(try store.events.get(id).status == .submitted)
      // An editor cannot approve their own.
      #expect(try editor.post(BackofficePaths.approve(id)).status == 404)
      #expect(try store.events.get(id).status == .submitted)

      let office = try setting.office()
      #expect(try office.get("/backoffice").header("Location") == BackofficePaths.reviewQueue)
      let queue = try office.get(BackofficePaths.reviewQueue)
      #expect(queue.status == 200, "\(queue)")
      #expect(queue.text.contains("Vården i fokus"))
      #expect(queue.text.contains(BackofficePaths.approve(id)))

      // Returning needs a reason.
      let noReason = try office.post(BackofficePaths.returnEvent(id), ["reason": " "])
      #expect(noReason.status == 422, "\(noReason)")
      #expect(try store.events.get(id).status == .submitted)

      let approved = try office.post(BackofficePaths.approve(id))
      #expect(approved.status == 303, "\(approved)")
      let event = try store.events.get(id)
      #expect(event.status == .published)
      let history = try store.events.history(id)
      #expect(history.contains { $0.actor == "user:kansliet@almedalsveckan.test" })
      let trail = try editor.get(BackofficePaths.history(id))
      #expect(trail.status == 200, "\(trail)")
      #expect(trail.text.contains("Namn kansliet@almedalsveckan.test"), "the office user is named")
      #expect(try editor.get(BackofficePaths.history(setting.bDraft.id)).status == 404)
      let publicPage = try Browser(fixture).get("/events/" + id.uuidString.lowercased())
      #expect(publicPage.status == 200)
      #expect(publicPage.text.contains("Vården i fokus"))

      // Published: the editor may cancel it (it stays, marked), not delete it.
      #expect(try editor.post(BackofficePaths.deleteEvent(id)).status == 404)
      let cancelled = try editor.post(BackofficePaths.cancelEvent(id))
      #expect(cancelled.status == 303, "\(cancelled)")
      #expect(try store.events.get(id).status == .cancelled)
      // B's draft: not A's to delete; A's own new draft is.
      #expect(try editor.post(BackofficePaths.deleteEvent(setting.bDraft.id)).status == 404)
      let draft = try store.events.create(fixture.festival.details(title: "Slängs", hour: 18))
      let deleted = try editor.post(BackofficePaths.deleteEvent(draft.id))
      #expect(deleted.status == 303, "\(deleted)")
      #expect(
        deleted.header("Location") == BackofficePaths.overview(setting.a.id) + "?done=deleted")
      #expect(throws: StoreError.self) { try store.events.get(draft.id) }
      #expect(try store.events.get(setting.bDraft.id).status == .draft)
    }
  }

  @Test func theOverviewWarnsOfAClashAndTheOfficeCannotApproveOverAPublishedOne() throws {
    try withAccountFixture("bo_clash") { fixture in
      let setting = try Setting(fixture)
      let store = fixture.store
      let venue = fixture.festival.venue
      // B's published seminar at A's draft's venue and time.
      let taken = try store.events.create(
        .make(
          title: "B:s publicerade seminarium", day: 23, hour: 10, venueID: venue.id,
          organiserID: setting.b.id, capacity: 40, registrationOpen: true))
      _ = try store.events.publish(taken.id)
      _ = try store.registrations.register(
        eventID: taken.id, name: "Anna Andersson", email: "anna@example.test",
        at: Visby.at(day: 20, 12))
      let b = try setting.signedIn("redaktor@b.test")
      let list = try b.get(BackofficePaths.registrations(taken.id))
      #expect(list.status == 200, "\(list)")
      #expect(list.text.contains("Anna Andersson"))
      let csv = try b.get(BackofficePaths.registrationsCSV(taken.id))
      #expect(csv.status == 200)
      #expect(csv.header("Content-Type")?.hasPrefix("text/csv") == true)
      #expect(csv.text.contains("Anna Andersson;anna@example.test"))
      let editor = try setting.signedIn("redaktor@a.test")
      let overview = try editor.get(BackofficePaths.overview(setting.a.id))
      #expect(overview.status == 200)
      #expect(overview.text.contains("B:s publicerade seminarium"), "the other event is named")
      #expect(overview.text.contains(venue.name))
      #expect(
        !overview.text.contains(BackofficePaths.event(taken.id)),
        "no link to a form A may not open")
      #expect(try editor.get(BackofficePaths.event(taken.id)).status == 404)
      #expect(try editor.get(BackofficePaths.registrations(taken.id)).status == 404)
      #expect(try editor.get(BackofficePaths.registrationsCSV(taken.id)).status == 404)

      try store.events.submit(setting.aDraft.id)
      let office = try setting.office()
      let queue = try office.get(BackofficePaths.reviewQueue)
      #expect(queue.text.contains("Kan inte publiceras"))
      let refused = try office.post(BackofficePaths.approve(setting.aDraft.id))
      #expect(refused.status == 409, "\(refused)")
      #expect(refused.text.contains("Platsen är redan bokad"))
      #expect(try store.events.get(setting.aDraft.id).status == .submitted)

      // Returned with a reason, the organiser sees it on the form.
      let returned = try office.post(
        BackofficePaths.returnEvent(setting.aDraft.id), ["reason": "Välj en annan plats."])
      #expect(returned.status == 303, "\(returned)")
      #expect(try store.events.get(setting.aDraft.id).status == .returned)
      let form = try editor.get(BackofficePaths.event(setting.aDraft.id))
      #expect(form.text.contains("Välj en annan plats."))
      #expect(form.text.contains("Skicka in för granskning"))
    }
  }

  @Test func thePersonSearchAndAddButtonsSaveNothingUntilSaveIsPressed() throws {
    try withAccountFixture("bo_people") { fixture in
      let setting = try Setting(fixture)
      let store = fixture.store
      let person = try store.people.create(Visby.hansFolkesson)
      let editor = try setting.signedIn("redaktor@a.test")
      let path = BackofficePaths.event(setting.aDraft.id)
      let version = setting.aDraft.version
      var search = fields(setting, title: "Med panel", version: version, intent: "search_person")
      search["person_q"] = "Folkesson"
      let found = try editor.post(path, search)
      #expect(found.status == 200, "\(found)")
      #expect(found.text.contains("Hans Folkesson"))
      var add = fields(setting, title: "Med panel", version: version, intent: "add_person")
      add["add_person_id"] = person.id.uuidString.lowercased()
      add["add_role"] = "moderator"
      add["add_title"] = "moderator för dagen"
      let added = try editor.post(path, add)
      #expect(added.status == 200, "\(added)")
      #expect(added.text.contains("name=\"participants[0].person_id\""))
      #expect(try store.events.get(setting.aDraft.id).details.title == "A:s utkast om vården")

      var save = fields(setting, title: "Med panel", version: version)
      save["participants[0].person_id"] = person.id.uuidString.lowercased()
      save["participants[0].role"] = "moderator"
      save["participants[0].title"] = "moderator för dagen"
      let saved = try editor.post(path, save)
      #expect(saved.status == 303, "\(saved)")
      let event = try store.events.get(setting.aDraft.id)
      #expect(event.details.title == "Med panel")
      #expect(event.details.participants.map(\.personID) == [person.id])
      #expect(event.details.participants.first?.role == .moderator)
      #expect(event.details.participants.first?.title == "moderator för dagen")

      // An unknown person: the API's rule, at the API's path.
      save["participants[0].person_id"] = UUID().uuidString.lowercased()
      save["version"] = String(event.version)
      let unknown = try editor.post(path, save)
      #expect(unknown.status == 422, "\(unknown)")
      #expect(
        try store.events.get(setting.aDraft.id).details.participants.map(\.personID) == [person.id])
    }
  }

  @Test func theStartPageChoosesAndAHostileTitleStaysText() throws {
    try withAccountFixture("bo_start") { fixture in
      let setting = try Setting(fixture)
      let store = fixture.store
      let both = try fixture.user("bada@ab.test", organiser: setting.a.id, role: .editor)
      try store.accounts.setMembership(userID: both.id, organiserID: setting.b.id, role: .owner)
      let browser = try setting.signedIn(both.email)
      let choice = try browser.get("/backoffice")
      #expect(choice.status == 200, "\(choice)")
      #expect(choice.text.contains(BackofficePaths.overview(setting.a.id)))
      #expect(choice.text.contains(BackofficePaths.overview(setting.b.id)))

      // An office account that has not given its second factor gets nowhere yet.
      let office = try fixture.user("ny@almedalsveckan.test", office: true)
      let halfway = try setting.signedIn(office.email)
      let sent = try halfway.get("/backoffice")
      #expect(sent.status == 303)
      #expect(sent.header("Location") == "/account/security")
      #expect(
        try halfway.get(BackofficePaths.reviewQueue).header("Location") == "/account/security")

      let hostile = "<script>alert(1)</script>&\"'"
      var details = setting.aDraft.details
      details.title = hostile
      _ = try store.events.update(
        setting.aDraft.id, expectedVersion: setting.aDraft.version, with: details)
      for path in [
        BackofficePaths.overview(setting.a.id), BackofficePaths.event(setting.aDraft.id),
      ] {
        let reply = try browser.get(path)
        #expect(reply.status == 200, "\(path)")
        #expect(!reply.text.contains("<script>"), "\(path)")
        #expect(reply.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(path)")
      }
    }
  }
}
