import AlmedalenAPI
import AlmedalenCore
import AlmedalenPages
import AlmedalenStore
import AlmedalenTesting
import Foundation
import PostgresTesting
import Testing

// The organisation's page over a real socket: an owner invites a colleague by mail, who
// answers through the link pages and is then listed; an editor reads but may not act (404,
// as every forbidden backoffice step); another organisation's owner sees nothing of it; an
// API token is shown once, works for the organisation's events only and stops at revoke;
// removing a member ends their sessions; the last owner stays.

@Suite struct BackofficeOrganisationTests {
  /// Organisation A (the fixture's Region Gotland) with an owner and an editor, and
  /// organisation B with an owner; a draft of each.
  struct Setting {
    let fixture: AccountFixture
    let a: Organiser
    let b: Organiser
    let aDraft: Event
    let bDraft: Event
    let aOwner: User
    let aEditor: User

    init(_ fixture: AccountFixture) throws {
      self.fixture = fixture
      let store = fixture.store
      a = fixture.festival.organiser
      b = try store.organisers.create(Visby.svenskaKyrkan)
      aDraft = try store.events.create(fixture.festival.details(title: "A:s utkast", hour: 10))
      bDraft = try store.events.create(
        .make(title: "B:s utkast", day: 23, hour: 14, venueID: nil, organiserID: b.id))
      aOwner = try fixture.user("agare@a.test", organiser: a.id, role: .owner)
      aEditor = try fixture.user("redaktor@a.test", organiser: a.id, role: .editor)
      try fixture.user("agare@b.test", organiser: b.id, role: .owner)
    }

    func signedIn(_ email: String) throws -> Browser {
      let browser = Browser(fixture)
      let reply = try browser.signIn(email)
      #expect(reply.status == 303, "\(reply)")
      return browser
    }

    /// A programme office account past its second factor (enrolled in the store).
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

    func memberIDs(_ organiser: Organiser) throws -> Set<UUID> {
      Set(try fixture.store.accounts.members(organiserID: organiser.id).map(\.user.id))
    }
  }

  @Test func anOwnerInvitesAColleagueWhoAnswersByMailAndIsListed() throws {
    try withAccountFixture("bo_org_invite") { fixture in
      let setting = try Setting(fixture)
      let owner = try setting.signedIn("agare@a.test")
      let path = BackofficePaths.organisation(setting.a.id)
      let shown = try owner.get(path)
      #expect(shown.status == 200, "\(shown)")
      #expect(shown.header("Cache-Control") == "no-store")
      #expect(shown.text.contains("Namn redaktor@a.test"))
      #expect(shown.text.contains("Skicka inbjudan"))

      // Refused: the fields' problems beside them, in Swedish, what was typed kept.
      let bad = try owner.post(
        BackofficePaths.invite(setting.a.id),
        ["name": "Greta", "email": "inte-en-adress", "role": "editor"])
      #expect(bad.status == 422, "\(bad)")
      #expect(bad.text.contains("Skriv en e-postadress"))
      #expect(bad.text.contains("value=\"inte-en-adress\""))
      let badRole = try owner.post(
        BackofficePaths.invite(setting.a.id),
        ["name": "Greta", "email": "greta@a.test", "role": "admin"])
      #expect(badRole.status == 422)
      #expect(badRole.text.contains("Välj ägare eller redaktör."))
      let member = try owner.post(
        BackofficePaths.invite(setting.a.id),
        ["name": "Igen", "email": "REDAKTOR@a.test", "role": "editor"])
      #expect(member.status == 422)
      #expect(member.text.contains("redan medlem"))
      #expect(try fixture.mailedLinks().isEmpty, "nothing is mailed for a refusal")

      let sent = try owner.post(
        BackofficePaths.invite(setting.a.id),
        ["name": "Greta Gotländska", "email": "greta@a.test", "role": "editor"])
      #expect(sent.status == 303, "\(sent)")
      #expect(sent.header("Location") == path + "?done=invited")
      let waiting = try owner.get(path + "?done=invited")
      #expect(waiting.text.contains("Inbjudan är skickad."))
      #expect(waiting.text.contains("greta@a.test"))
      let links = try fixture.mailedLinks()
      #expect(links.map(\.to) == ["greta@a.test"])
      let link = try #require(links.first?.link)
      #expect(link.kind == .invitation)

      // The invitee answers through the link pages: a GET shows the form, the POST uses it.
      let greta = Browser(fixture, address: "192.0.2.30")
      let page = try greta.get("/account/invitation/" + link.secret)
      #expect(page.status == 200, "\(page)")
      let used = try greta.post(
        "/account/invitation/" + link.secret, ["password": "kalksten vid Fårö 2026"])
      #expect(used.status == 200, "\(used)")
      #expect(try greta.signIn("greta@a.test", "kalksten vid Fårö 2026").status == 303)
      #expect(try greta.get(BackofficePaths.overview(setting.a.id)).status == 200)

      let listed = try owner.get(path)
      #expect(listed.text.contains("Greta Gotländska"))
      #expect(!listed.text.contains("Inbjudningar</h2>\n<ul"), "no invitation waits any more")
      let roles = try fixture.store.accounts.members(organiserID: setting.a.id)
      #expect(roles.first { $0.user.email == "greta@a.test" }?.membership.role == .editor)
    }
  }

  @Test func resendMakesANewLinkAndWithdrawingStopsIt() throws {
    try withAccountFixture("bo_org_resend") { fixture in
      let setting = try Setting(fixture)
      let owner = try setting.signedIn("agare@a.test")
      #expect(
        try owner.post(
          BackofficePaths.invite(setting.a.id),
          ["name": "Olle", "email": "olle@a.test", "role": "owner"]
        ).status == 303)
      let first = try #require(try fixture.mailedLinks().first?.link)
      let pending = try #require(
        try fixture.store.accounts.pendingInvitations(organiserID: setting.a.id).first)
      #expect(pending.role == .owner)
      let resent = try owner.post(BackofficePaths.resendInvitation(setting.a.id, pending.id))
      #expect(resent.status == 303, "\(resent)")
      let second = try #require(try fixture.mailedLinks().first?.link)
      #expect(second.secret != first.secret)
      #expect(try Browser(fixture).get("/account/invitation/" + first.secret).status == 404)
      #expect(try Browser(fixture).get("/account/invitation/" + second.secret).status == 200)

      let now = try #require(
        try fixture.store.accounts.pendingInvitations(organiserID: setting.a.id).first)
      let withdrawn = try owner.post(BackofficePaths.revokeInvitation(setting.a.id, now.id))
      #expect(withdrawn.status == 303)
      #expect(try Browser(fixture).get("/account/invitation/" + second.secret).status == 404)
      #expect(try fixture.store.accounts.pendingInvitations(organiserID: setting.a.id).isEmpty)
      // Gone, it is 404 (nothing to resend).
      #expect(
        try owner.post(BackofficePaths.resendInvitation(setting.a.id, now.id)).status == 404)
    }
  }

  /// Invitations count against the address's mail cap as every other mailed link: five an
  /// hour from one client, then 429 with the reason beside the address, and nothing sent.
  @Test func invitationsToOneAddressStopAtItsMailCap() throws {
    try withAccountFixture("bo_org_cap") { fixture in
      let setting = try Setting(fixture)
      let owner = try setting.signedIn("agare@a.test")
      let fields = ["name": "Mottagare", "email": "mottagare@a.test", "role": "editor"]
      #expect(try owner.post(BackofficePaths.invite(setting.a.id), fields).status == 303)
      for _ in 0..<4 {
        let pending = try #require(
          try fixture.store.accounts.pendingInvitations(organiserID: setting.a.id).first)
        let again = try owner.post(BackofficePaths.resendInvitation(setting.a.id, pending.id))
        #expect(again.status == 303, "\(again)")
      }
      // Each resend revoked the link before it, so only the last one is still mailed.
      #expect(try fixture.mailedLinks().count == 1)
      let live = try #require(
        try fixture.store.accounts.pendingInvitations(organiserID: setting.a.id).first)
      let capped = try owner.post(BackofficePaths.invite(setting.a.id), fields)
      #expect(capped.status == 429, "\(capped)")
      #expect(capped.text.contains("många brev"))
      #expect(
        try owner.post(BackofficePaths.resendInvitation(setting.a.id, live.id)).status == 429)
      #expect(try fixture.mailedLinks().isEmpty, "nothing more is sent")
      #expect(
        try fixture.store.accounts.pendingInvitations(organiserID: setting.a.id).map(\.id)
          == [live.id], "the live link is left as it was")
    }
  }

  /// An editor reads the page (members, no forms) and every POST is 404, as the
  /// backoffice answers every step the actor may not take (`BackofficeRoutes`: approve,
  /// cancel, delete), so that a forged form learns nothing; nothing changes or is mailed.
  @Test func anEditorReadsTheMembersButMayNotActOnThem() throws {
    try withAccountFixture("bo_org_editor") { fixture in
      let setting = try Setting(fixture)
      let store = fixture.store
      let (token, _) = try store.tokens.create(
        name: "A:s webbplats", role: .organiser, organiserID: setting.a.id)
      let editor = try setting.signedIn("redaktor@a.test")
      let shown = try editor.get(BackofficePaths.organisation(setting.a.id))
      #expect(shown.status == 200, "\(shown)")
      #expect(shown.text.contains("Namn agare@a.test"))
      #expect(shown.text.contains("A:s webbplats"))
      #expect(shown.text.contains("Bara organisationens ägare"))
      #expect(!shown.text.contains("Skicka inbjudan"))
      #expect(!shown.text.contains("Skapa nyckel"))
      #expect(!shown.text.contains(BackofficePaths.removeMember(setting.a.id, setting.aOwner.id)))

      let a = setting.a.id
      let posts: [(String, [String: String])] = [
        (BackofficePaths.invite(a), ["name": "X", "email": "x@a.test", "role": "owner"]),
        (BackofficePaths.removeMember(a, setting.aOwner.id), [:]),
        (BackofficePaths.createToken(a), ["token_name": "Redaktörens"]),
        (BackofficePaths.revokeToken(a, token.id), [:]),
      ]
      for (path, fields) in posts {
        let reply = try editor.post(path, fields)
        #expect(reply.status == 404, "\(path): \(reply.status)")
      }
      #expect(try fixture.mailedLinks().isEmpty)
      #expect(try setting.memberIDs(setting.a) == [setting.aOwner.id, setting.aEditor.id])
      #expect(try store.tokens.list(organiserID: a).map(\.name) == ["A:s webbplats"])
    }
  }

  @Test func anotherOrganisationsOwnerCanNeitherSeeNorActOnIt() throws {
    try withAccountFixture("bo_org_other") { fixture in
      let setting = try Setting(fixture)
      let store = fixture.store
      let (token, secret) = try store.tokens.create(
        name: "A:s nyckel", role: .organiser, organiserID: setting.a.id)
      let owner = try setting.signedIn("agare@a.test")
      #expect(
        try owner.post(
          BackofficePaths.invite(setting.a.id),
          ["name": "Väntar", "email": "vantar@a.test", "role": "editor"]
        ).status == 303)
      _ = try fixture.mailedLinks()
      let invitation = try #require(
        try store.accounts.pendingInvitations(organiserID: setting.a.id).first)

      let b = try setting.signedIn("agare@b.test")
      let seen = try b.get(BackofficePaths.organisation(setting.a.id))
      #expect(seen.status == 404)
      #expect(!seen.text.contains("agare@a.test") && !seen.text.contains("A:s nyckel"))
      let a = setting.a.id
      let posts: [(String, [String: String])] = [
        (BackofficePaths.invite(a), ["name": "X", "email": "x@b.test", "role": "owner"]),
        (BackofficePaths.resendInvitation(a, invitation.id), [:]),
        (BackofficePaths.revokeInvitation(a, invitation.id), [:]),
        (BackofficePaths.removeMember(a, setting.aEditor.id), [:]),
        (BackofficePaths.createToken(a), ["token_name": "Kapad"]),
        (BackofficePaths.revokeToken(a, token.id), [:]),
        // Through B's own page, A's token and invitation are not B's either.
        (BackofficePaths.revokeToken(setting.b.id, token.id), [:]),
        (BackofficePaths.revokeInvitation(setting.b.id, invitation.id), [:]),
        (BackofficePaths.removeMember(setting.b.id, setting.aEditor.id), [:]),
      ]
      for (path, fields) in posts {
        let reply = try b.post(path, fields)
        #expect(reply.status == 404, "\(path): \(reply.status)")
      }
      #expect(try fixture.mailedLinks().isEmpty)
      #expect(try setting.memberIDs(setting.a) == [setting.aOwner.id, setting.aEditor.id])
      #expect(try store.accounts.pendingInvitations(organiserID: a).map(\.id) == [invitation.id])
      #expect(try store.tokens.list(organiserID: a).map(\.id) == [token.id])
      #expect(try store.tokens.authenticate(secret: secret) != nil)
    }
  }

  @Test func aTokenIsShownOnceWorksForItsOrganisationAndStopsWhenRevoked() throws {
    try withAccountFixture("bo_org_token") { fixture in
      let setting = try Setting(fixture)
      let owner = try setting.signedIn("agare@a.test")
      let path = BackofficePaths.organisation(setting.a.id)
      let empty = try owner.post(BackofficePaths.createToken(setting.a.id), ["token_name": " "])
      #expect(empty.status == 422)
      #expect(empty.text.contains("Får inte vara tomt."))

      let made = try owner.post(
        BackofficePaths.createToken(setting.a.id), ["token_name": "Vår webbplats"])
      #expect(made.status == 200, "\(made)")
      #expect(made.header("Cache-Control") == "no-store")
      let secret = try #require(
        element(made.text, "<p class=\"secret\">", "</p>")?.trimmingCharacters(
          in: .whitespacesAndNewlines))
      #expect(secret.hasPrefix("alm_"))
      let token = try #require(try fixture.store.tokens.list(organiserID: setting.a.id).first)
      #expect(token.role == .organiser && token.organiserID == setting.a.id)
      // A second one of the same name is refused beside the field.
      let twice = try owner.post(
        BackofficePaths.createToken(setting.a.id), ["token_name": "Vår webbplats"])
      #expect(twice.status == 422)
      #expect(twice.text.contains("används redan"))

      let reload = try owner.get(path)
      #expect(reload.status == 200)
      #expect(reload.text.contains("Vår webbplats"))
      #expect(!reload.text.contains(secret), "the secret is never shown again")

      let api = APIClient(port: fixture.port, authorization: "Bearer " + secret)
      #expect(try api.get("/api/v1/events/" + setting.aDraft.id.uuidString).status == 200)
      #expect(try api.get("/api/v1/events/" + setting.bDraft.id.uuidString).status == 404)
      let forB = try api.post(
        "/api/v1/events",
        [
          "title": "I B:s namn", "kind": "seminar", "organiser_id": setting.b.id.uuidString,
          "starts_at": "2026-06-24T10:00:00+02:00", "ends_at": "2026-06-24T11:00:00+02:00",
          "languages": ["sv"],
        ])
      #expect(forB.status == 403, "\(forB)")

      let revoked = try owner.post(BackofficePaths.revokeToken(setting.a.id, token.id))
      #expect(revoked.status == 303)
      #expect(try owner.get(path).text.contains("Inga nycklar."))
      #expect(try api.get("/api/v1/events/" + setting.aDraft.id.uuidString).status == 401)
      // Revoked once, it is gone: again is 404.
      #expect(try owner.post(BackofficePaths.revokeToken(setting.a.id, token.id)).status == 404)
    }
  }

  @Test func removingAMemberEndsTheirSessions() throws {
    try withAccountFixture("bo_org_remove") { fixture in
      let setting = try Setting(fixture)
      let editor = try setting.signedIn("redaktor@a.test")
      let elsewhere = try Browser(fixture, address: "192.0.2.77").signIn("redaktor@a.test")
      #expect(elsewhere.status == 303)
      #expect(try editor.get(BackofficePaths.overview(setting.a.id)).status == 200)

      let owner = try setting.signedIn("agare@a.test")
      let removed = try owner.post(
        BackofficePaths.removeMember(setting.a.id, setting.aEditor.id))
      #expect(removed.status == 303, "\(removed)")
      #expect(try setting.memberIDs(setting.a) == [setting.aOwner.id])
      let after = try editor.get(BackofficePaths.overview(setting.a.id))
      #expect(after.status == 303)
      #expect(after.header("Location") == "/account/sign-in")
      #expect(try fixture.store.sessions.list(userID: setting.aEditor.id).isEmpty)
      // Not a member any more: removing again is 404.
      #expect(
        try owner.post(BackofficePaths.removeMember(setting.a.id, setting.aEditor.id)).status
          == 404)
    }
  }

  @Test func theLastOwnerStaysEvenWhenTwoRemovalsRace() throws {
    try withAccountFixture("bo_org_owner") { fixture in
      let setting = try Setting(fixture)
      let store = fixture.store
      let owner = try setting.signedIn("agare@a.test")
      let oneself = try owner.post(BackofficePaths.removeMember(setting.a.id, setting.aOwner.id))
      #expect(oneself.status == 409)
      #expect(oneself.text.contains("Du kan inte ta bort dig själv."))

      // The office removes the only owner: refused, the page says why.
      let office = try setting.office()
      let last = try office.post(BackofficePaths.removeMember(setting.a.id, setting.aOwner.id))
      #expect(last.status == 409, "\(last)")
      #expect(last.text.contains("minst en ägare"))
      #expect(try setting.memberIDs(setting.a).contains(setting.aOwner.id))

      // Two owners removed at once, each by the other's hand: one goes, one stays.
      try store.accounts.setMembership(
        userID: setting.aEditor.id, organiserID: setting.a.id, role: .owner)
      let ids = [setting.aOwner.id, setting.aEditor.id]
      let organiserID = setting.a.id
      for _ in 0..<3 {
        let outcomes = concurrently(2) { index in
          try? store.accounts.removeMember(userID: ids[index], organiserID: organiserID)
        }
        #expect(outcomes.filter { $0 == .removed }.count == 1, "\(outcomes)")
        #expect(outcomes.filter { $0 == .lastOwner }.count == 1, "\(outcomes)")
        let owners = try store.accounts.members(organiserID: organiserID).filter {
          $0.membership.role == .owner
        }
        #expect(owners.count == 1)
        for id in ids where !owners.contains(where: { $0.user.id == id }) {
          try store.accounts.setMembership(userID: id, organiserID: organiserID, role: .owner)
        }
      }
    }
  }
}
