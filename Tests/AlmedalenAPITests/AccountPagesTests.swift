import AlmedalenAPI
import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import HTTPServer
import LoopbackTesting
import OneTimePassword
import Testing

// The account pages over a real socket: sign-in with its throttle and second factor,
// session fixation, CSRF, ended and expired sessions, the mailed links (used twice,
// prefetched), TOTP enrolment and replay.

let accountPassword = "gotländsk kalksten 1936"

/// A store served with chosen session settings; clients are told apart by X-Forwarded-For.
final class AccountFixture {
  let festival: StoreFixture
  let server: HTTPServer
  var store: FestivalStore { festival.store }
  var port: Int { server.port }

  init(prefix: String, sessions: SessionSettings = SessionSettings()) throws {
    festival = try StoreFixture(prefix: prefix)
    let application = Application(
      store: festival.store, feeds: FeedSettings(baseURL: "https://almedalen.test"),
      registrations: RegistrationSettings(trustForwardedFor: true), sessions: sessions)
    server = HTTPServer(
      configuration: application.serverConfiguration(
        Configuration(port: 0, workerThreads: 4, logSink: nil)),
      responder: application)
    do { try server.start() } catch {
      festival.close()
      throw error
    }
  }

  func close() {
    server.shutdown()
    let done = DispatchSemaphore(value: 0)
    let server = self.server
    Thread.detachNewThread {
      server.wait()
      done.signal()
    }
    #expect(done.wait(timeout: .now() + 15) == .success, "the server did not stop")
    festival.close()
  }

  /// The account links in the outbox, by recipient (each claimed, so read once).
  func mailedLinks() throws -> [(to: String, link: OutboxStore.AccountLinkFacts)] {
    var links: [(String, OutboxStore.AccountLinkFacts)] = []
    _ = try store.outbox.claim(limit: 1000, lease: 60, coalesceSeconds: 0) { facts in
      if let link = facts.accountLink { links.append((facts.recipient, link)) }
      return .nothing(reason: "read by the test")
    }
    return links
  }

  /// A user with `accountPassword`, through an invitation (which proves the address).
  @discardableResult
  func user(
    _ email: String, office: Bool = false, organiser: UUID? = nil,
    role: MembershipRole? = nil
  ) throws -> User {
    let user = try store.accounts.createUser(email: email, name: "Namn \(email)", office: office)
    try store.accounts.invite(
      email: email, name: user.name, organiserID: organiser, role: organiser == nil ? nil : role)
    let link = try #require(try mailedLinks().first { $0.to == email }?.link)
    try store.accounts.consume(secret: link.secret, kind: .invitation, password: accountPassword)
    return try store.accounts.user(user.id)
  }
}

func withAccountFixture<T>(
  _ prefix: String, sessions: SessionSettings = SessionSettings(),
  _ body: (AccountFixture) throws -> T
) throws -> T {
  let fixture = try AccountFixture(prefix: prefix, sessions: sessions)
  defer { fixture.close() }
  return try body(fixture)
}

/// A browser: keeps its cookies, sends its own address and the site's Origin on POST.
final class Browser {
  static let sessionCookie = "__Host-almedalen_session"
  let port: Int
  let address: String
  var cookies: [String: String] = [:]

  init(_ fixture: AccountFixture, address: String = "192.0.2.10") {
    port = fixture.port
    self.address = address
  }

  var session: String? { cookies[Self.sessionCookie] }

  @discardableResult
  func get(_ path: String) throws -> HTTPReply { try send("GET", path) }

  /// Posts the form with the form token (unless `token` is false) and `origin`.
  @discardableResult
  func post(
    _ path: String, _ fields: [String: String] = [:], token: Bool = true,
    origin: String? = "https://almedalen.test", extra: [(String, String)] = []
  ) throws -> HTTPReply {
    var fields = fields
    if token {
      if cookies["almedalen_form"] == nil { try get("/account/sign-in") }
      fields["form_token"] = cookies["almedalen_form"]
    }
    let body = fields.sorted { $0.key < $1.key }.map {
      Self.encode($0.key) + "=" + Self.encode($0.value)
    }
    .joined(separator: "&")
    var headers = [("Content-Type", "application/x-www-form-urlencoded")] + extra
    if let origin { headers.append(("Origin", origin)) }
    return try send("POST", path, headers: headers, body: Array(body.utf8))
  }

  func send(
    _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []
  ) throws -> HTTPReply {
    var all = headers + [("X-Forwarded-For", address), ("User-Agent", "Testwebbläsare \(address)")]
    if !cookies.isEmpty {
      all.append(
        (
          "Cookie",
          cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        ))
    }
    let reply = try APIClient(port: port).raw(method, path, headers: all, body: body)
    for header in reply.headers where header.name.lowercased() == "set-cookie" {
      let attributes = header.value.split(separator: ";").map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      guard let pair = attributes.first, let equals = pair.firstIndex(of: "=") else { continue }
      let name = String(pair[..<equals])
      let value = String(pair[pair.index(after: equals)...])
      if attributes.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
    }
    return reply
  }

  /// Email and password at the sign-in form.
  @discardableResult
  func signIn(_ email: String, _ password: String = accountPassword) throws -> HTTPReply {
    try post("/account/sign-in", ["email": email, "password": password])
  }

  static func encode(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
  }
}

/// The text of the first element `<tag class="cls">…</tag>` in an HTML body.
func element(_ body: String, _ opening: String, _ closing: String) -> String? {
  guard let start = body.range(of: opening),
    let end = body.range(of: closing, range: start.upperBound..<body.endIndex)
  else { return nil }
  return String(body[start.upperBound..<end.lowerBound])
}

@Suite struct AccountPagesTests {
  @Test func signInSetsAHostCookieAndANewSessionEachTime() throws {
    try withAccountFixture("acct_fixation") { fixture in
      try fixture.user("anna@example.se", organiser: fixture.festival.organiser.id, role: .editor)
      let browser = Browser(fixture)
      // A session id planted before sign-in (by another site, a shared computer) is not the
      // one after.
      browser.cookies[Browser.sessionCookie] = "planted-by-someone-else-0000000000000000000"
      let first = try browser.signIn("anna@example.se")
      #expect(first.status == 303, "\(first)")
      #expect(first.header("Location") == "/account")
      let cookie = try #require(
        first.headers.first {
          $0.name.lowercased() == "set-cookie" && $0.value.hasPrefix("__Host-")
        }?
        .value)
      #expect(cookie.contains("Path=/") && cookie.contains("HttpOnly"))
      #expect(cookie.contains("SameSite=Lax") && cookie.contains("Secure"))
      #expect(!cookie.contains("Domain"))
      let a = try #require(browser.session)
      #expect(a != "planted-by-someone-else-0000000000000000000")
      #expect(try browser.get("/account").status == 200)
      // Signing in again issues another id and ends the first.
      try browser.signIn("anna@example.se")
      let b = try #require(browser.session)
      #expect(a != b)
      let stale = Browser(fixture)
      stale.cookies[Browser.sessionCookie] = a
      #expect(try stale.get("/account").header("Location") == "/account/sign-in")
      #expect(try browser.get("/account").status == 200)
    }
  }

  @Test func formsWithoutTheTokenOrFromAnotherSiteAreRefused() throws {
    try withAccountFixture("acct_csrf") { fixture in
      try fixture.user("bo@example.se")
      let browser = Browser(fixture)
      #expect(try browser.signIn("bo@example.se").status == 303)
      let before = try #require(browser.session)
      for (label, reply) in [
        ("no token", try browser.post("/account/sign-out", token: false)),
        ("foreign origin", try browser.post("/account/sign-out", origin: "https://evil.example")),
        (
          "cross-site fetch",
          try browser.post("/account/sign-out", extra: [("Sec-Fetch-Site", "cross-site")])
        ),
        (
          "sign-in without token",
          try browser.post(
            "/account/sign-in", ["email": "bo@example.se", "password": accountPassword],
            token: false)
        ),
      ] {
        #expect(reply.status == 403, "\(label): \(reply)")
        #expect(reply.header("Content-Type") == "text/html; charset=utf-8", "\(label)")
      }
      // Nothing of it ended the session.
      #expect(browser.session == before)
      #expect(try browser.get("/account").status == 200)
      // A form token of another browser does not do either.
      let other = Browser(fixture)
      try other.get("/account/sign-in")
      browser.cookies["almedalen_form"] = "x" + (other.cookies["almedalen_form"] ?? "").dropFirst()
      #expect(
        try browser.send(
          "POST", "/account/sign-out",
          headers: [("Content-Type", "application/x-www-form-urlencoded")],
          body: Array("form_token=\(other.cookies["almedalen_form"] ?? "")".utf8)
        ).status == 403)
    }
  }

  @Test func signOutAndEndingASessionFromTheListEndThem() throws {
    try withAccountFixture("acct_ended") { fixture in
      try fixture.user("cia@example.se")
      let phone = Browser(fixture, address: "192.0.2.21")
      let laptop = Browser(fixture, address: "192.0.2.22")
      #expect(try phone.signIn("cia@example.se").status == 303)
      #expect(try laptop.signIn("cia@example.se").status == 303)
      let list = try laptop.get("/account/sessions")
      #expect(list.status == 200)
      #expect(list.header("Cache-Control") == "no-store")
      #expect(list.text.contains("Testwebbläsare 192.0.2.21"))
      #expect(list.text.contains("Testwebbläsare 192.0.2.22</strong> (den här)"))
      // The laptop ends the phone's session.
      let cia = try #require(try fixture.store.accounts.user(email: "cia@example.se"))
      let sessions = try fixture.store.sessions.list(userID: cia.id)
      let phoneSession = try #require(
        sessions.first { $0.userAgent == "Testwebbläsare 192.0.2.21" })
      let ended = try laptop.post(
        "/account/sessions/\(phoneSession.id.uuidString.lowercased())/end")
      #expect(ended.status == 303 && ended.header("Location") == "/account/sessions")
      #expect(try phone.get("/account").header("Location") == "/account/sign-in")
      // Someone else's session id is not found.
      #expect(try laptop.post("/account/sessions/\(UUID().uuidString)/end").status == 404)
      // Sign-out ends the laptop's own, and the cookie is cleared.
      let secret = try #require(laptop.session)
      let out = try laptop.post("/account/sign-out")
      #expect(out.status == 200)
      #expect(laptop.session == nil)
      laptop.cookies[Browser.sessionCookie] = secret
      #expect(try laptop.get("/account").header("Location") == "/account/sign-in")
    }
  }

  @Test func changingThePasswordEndsTheOtherSessionsButNotThisOne() throws {
    try withAccountFixture("acct_password") { fixture in
      try fixture.user("karin@example.se")
      let here = Browser(fixture, address: "192.0.2.31")
      let there = Browser(fixture, address: "192.0.2.32")
      #expect(try here.signIn("karin@example.se").status == 303)
      #expect(try there.signIn("karin@example.se").status == 303)
      let before = try #require(here.session)
      let wrong = try here.post(
        "/account/security/password",
        ["current_password": "inte mitt", "password": "ett nytt långt lösenord"])
      #expect(wrong.status == 422)
      #expect(wrong.text.contains("Det är inte ditt nuvarande lösenord."))
      #expect(try there.get("/account").status == 200, "a refused change ended a session")
      let changed = try here.post(
        "/account/security/password",
        ["current_password": accountPassword, "password": "ett nytt långt lösenord"])
      #expect(changed.status == 303)
      #expect(changed.header("Location") == "/account/security?changed=password")
      #expect(here.session != nil && here.session != before)
      let page = try here.get("/account/security?changed=password")
      #expect(page.status == 200)
      #expect(page.text.contains("Lösenordet är bytt."))
      #expect(try there.get("/account").header("Location") == "/account/sign-in")
      #expect(
        try Browser(fixture, address: "192.0.2.33").signIn(
          "karin@example.se", "ett nytt långt lösenord"
        ).status == 303)
    }
  }

  @Test func idleAndAbsoluteTimeoutsEndSessions() throws {
    try withAccountFixture("acct_idle", sessions: SessionSettings(idleTimeout: 2, lifetime: 3600)) {
      fixture in
      try fixture.user("dan@example.se")
      let browser = Browser(fixture)
      #expect(try browser.signIn("dan@example.se").status == 303)
      #expect(try browser.get("/account").status == 200)
      Thread.sleep(forTimeInterval: 3)
      #expect(try browser.get("/account").header("Location") == "/account/sign-in")
    }
    try withAccountFixture(
      "acct_absolute", sessions: SessionSettings(idleTimeout: 600, lifetime: 3)
    ) {
      fixture in
      try fixture.user("eva@example.se")
      let browser = Browser(fixture)
      #expect(try browser.signIn("eva@example.se").status == 303)
      // Busy all along, and still ended at its absolute lifetime.
      for _ in 0..<2 {
        #expect(try browser.get("/account").status == 200)
        Thread.sleep(forTimeInterval: 1)
      }
      Thread.sleep(forTimeInterval: 2)
      #expect(try browser.get("/account").header("Location") == "/account/sign-in")
    }
  }

  @Test func aResetLinkPrefetchedByGetStillWorksOnceAndOnlyOnce() throws {
    try withAccountFixture("acct_reset") { fixture in
      try fixture.user("frida@example.se")
      let browser = Browser(fixture)
      let known = try browser.post("/account/forgot", ["email": "frida@example.se"])
      let unknown = try browser.post("/account/forgot", ["email": "ingen@example.se"])
      #expect(known.status == 200 && unknown.status == 200)
      #expect(known.text == unknown.text, "the answer tells whether the address has an account")
      let links = try fixture.mailedLinks()
      #expect(links.map(\.to) == ["frida@example.se"])
      let link = try #require(links.first?.link)
      #expect(link.kind == .reset)
      let path = "/account/reset/" + link.secret
      // A mail scanner fetches it, twice: nothing is used up.
      for _ in 0..<2 {
        let shown = try Browser(fixture, address: "198.51.100.1").get(path)
        #expect(shown.status == 200, "\(shown)")
        #expect(shown.header("Cache-Control") == "no-store")
        #expect(shown.header("Referrer-Policy") == "no-referrer")
        #expect(shown.header("X-Robots-Tag") == "noindex")
        #expect(shown.text.contains("autocomplete=\"new-password\""))
      }
      // A weak password is refused and leaves the link live.
      let weak = try browser.post(path, ["password": "password"])
      #expect(weak.status == 422)
      #expect(weak.text.contains("aria-describedby=\"f1-password-hint f1-password-problem\""))
      let used = try browser.post(path, ["password": "ny sten på Fårö 2026"])
      #expect(used.status == 200, "\(used)")
      #expect(try browser.signIn("frida@example.se", "ny sten på Fårö 2026").status == 303)
      // Used twice: the second time it is gone, and the password stays.
      let again = try Browser(fixture, address: "192.0.2.99").post(
        path, ["password": "ett annat lösenord 77"])
      #expect(again.status == 404)
      #expect(try Browser(fixture).get(path).status == 404)
      #expect(
        try Browser(fixture, address: "192.0.2.98").signIn(
          "frida@example.se", "ny sten på Fårö 2026"
        )
        .status == 303)
    }
  }

  /// Decided: failures count per (account, client) tightly and per account loosely, so a
  /// guesser at one address is stopped after 5, and a stranger cannot lock the real user out
  /// from elsewhere until the account's own (looser) limit.
  @Test func signInBruteForceIsThrottledWithoutLockingTheUserOut() throws {
    let limits = AccountStore.SignInLimits(
      perAccountAndClient: 3, perAccount: 8, perClient: 100, window: 900)
    try withAccountFixture("acct_brute", sessions: SessionSettings(signInLimits: limits)) {
      fixture in
      try fixture.user("gun@example.se")
      let attacker = Browser(fixture, address: "203.0.113.5")
      func answer(_ email: String) throws -> HTTPReply {
        try attacker.signIn(email, "fel lösenord")
      }
      for _ in 0..<3 {
        let known = try answer("gun@example.se")
        let unknown = try answer("ingen@example.se")
        #expect(known.status == 422 && unknown.status == 422)
        #expect(
          known.text.replacingOccurrences(of: "gun@", with: "X")
            == unknown.text.replacingOccurrences(of: "ingen@", with: "X"))
      }
      // The fourth from this client is not even checked, with the right password too, and
      // reads the same for an address without an account.
      let stopped = try attacker.signIn("gun@example.se")
      #expect(stopped.status == 429)
      #expect(Int(stopped.header("Retry-After") ?? "") ?? 0 > 0)
      #expect(try answer("ingen@example.se").status == 429)
      // The real user, from another address, signs in.
      let real = Browser(fixture, address: "192.0.2.50")
      #expect(try real.signIn("gun@example.se").status == 303)
      // Many addresses together reach the account's limit (8 in the window) …
      for index in 0..<3 {
        for _ in 0..<3 {
          _ = try Browser(fixture, address: "203.0.113.\(20 + index)").signIn(
            "gun@example.se", "fel")
        }
      }
      #expect(try Browser(fixture, address: "192.0.2.51").signIn("gun@example.se").status == 429)
    }
  }

  @Test func totpEnrolmentThenSignInRefusesAReplayedCode() throws {
    try withAccountFixture("acct_totp") { fixture in
      let user = try fixture.user("hans@example.se", office: true)
      let browser = Browser(fixture)
      // The office must enrol before anything else.
      let first = try browser.signIn("hans@example.se")
      #expect(first.header("Location") == "/account/security")
      #expect(try browser.get("/account").header("Location") == "/account/security")
      #expect(try browser.get("/account/sessions").header("Location") == "/account/security")
      #expect(try browser.post("/account/security/totp").header("Location") == "/account/security")
      let page = try browser.get("/account/security")
      #expect(page.status == 200)
      #expect(page.text.contains("role=\"img\" aria-label=\"QR-kod"))
      let shown = try #require(element(page.text, "<code class=\"secret\">", "</code>"))
      let secret = try Base32.decode(shown.replacingOccurrences(of: " ", with: ""))
      #expect(try fixture.store.accounts.totp(userID: user.id)?.secret == secret)
      let now = Int64(Date().timeIntervalSince1970)
      let totp = TOTP()
      let code = try #require(totp.code(secret: secret, at: now))
      let before = try #require(browser.session)
      let enabled = try browser.post("/account/security/totp/confirm", ["code": code])
      #expect(enabled.status == 200, "\(enabled)")
      let codes = enabled.text.components(separatedBy: "<li><code>").dropFirst().compactMap {
        $0.components(separatedBy: "</code>").first
      }
      #expect(codes.count == 10)
      // The second factor gives the session a new id.
      #expect(browser.session != nil && browser.session != before)
      #expect(try browser.get("/account").status == 200)

      // A new sign-in: the code just used (and any before it) is refused, the next one not.
      let second = Browser(fixture, address: "192.0.2.60")
      #expect(try second.signIn("hans@example.se").header("Location") == "/account/sign-in/code")
      #expect(try second.get("/account").header("Location") == "/account/sign-in/code")
      let replay = try second.post("/account/sign-in/code", ["code": code])
      #expect(replay.status == 422, "\(replay)")
      let step = try #require(totp.step(at: now))
      let next = totp.code(secret: secret, step: step + 1)
      let passed = try second.post("/account/sign-in/code", ["code": next])
      #expect(passed.status == 303 && passed.header("Location") == "/account")
      #expect(try second.get("/account").status == 200)
      // The same code from a third browser within its window: refused.
      let third = Browser(fixture, address: "192.0.2.61")
      try third.signIn("hans@example.se")
      #expect(try third.post("/account/sign-in/code", ["code": next]).status == 422)
      // A recovery code works once.
      let recovery = try #require(codes.first)
      #expect(try third.post("/account/sign-in/code", ["code": recovery]).status == 303)
      let fourth = Browser(fixture, address: "192.0.2.62")
      try fourth.signIn("hans@example.se")
      #expect(try fourth.post("/account/sign-in/code", ["code": recovery]).status == 422)
      // The office cannot turn it off.
      let off = try second.post(
        "/account/security/totp/disable", ["current_password": accountPassword])
      #expect(off.status == 422)
      #expect(try fixture.store.accounts.user(user.id).totpEnabledAt != nil)
    }
  }

  @Test func registrationAnswersTheSameForANewAndATakenAddress() throws {
    try withAccountFixture("acct_register") { fixture in
      try fixture.user("ida@example.se")
      func register(_ email: String) throws -> HTTPReply {
        try Browser(fixture, address: "192.0.2.\(email.count)").post(
          "/account/register",
          [
            "organisation_name": "Föreningen Visby", "name": "Ida Ek", "email": email,
            "password": "kalkstensmur i Visby",
          ])
      }
      let taken = try register("ida@example.se")
      let new = try register("jon@example.se")
      #expect(taken.status == 200 && new.status == 200)
      #expect(taken.text == new.text)
      #expect(new.text.contains("Titta i din e-post"))
      let links = try fixture.mailedLinks()
      #expect(links.map(\.to) == ["jon@example.se"])
      let link = try #require(links.first?.link)
      // The verification link: GET shows, POST uses; then the owner can sign in.
      let path = "/account/verify/" + link.secret
      let browser = Browser(fixture)
      #expect(try browser.get(path).status == 200)
      #expect(try browser.signIn("jon@example.se", "kalkstensmur i Visby").status == 403)
      #expect(try browser.post(path).status == 200)
      #expect(try browser.signIn("jon@example.se", "kalkstensmur i Visby").status == 303)
      let landing = try browser.get("/account")
      #expect(landing.text.contains("Föreningen Visby (ägare)"))
      // A bad field is named beside itself.
      let bad = try register("inte en adress")
      #expect(bad.status == 422)
      #expect(bad.text.contains("aria-invalid=\"true\" aria-describedby=\"f1-email-problem\""))
    }
  }

  /// Every account route against anonymous, a half-signed-in office session and a signed-in
  /// user: who gets the page, who is sent to sign in, and that every answer is private.
  @Test func everyAccountRouteAnswersAnonymousVisitorsWithoutLeaking() throws {
    try withAccountFixture("acct_anon") { fixture in
      let anonymous = Browser(fixture)
      let secret = "Qx3_kL9-vT2mN8pR4sW6yZ0aB5cD7eF1gH3iJ5kL7mN"
      let expectations: [(String, String, Int, String?)] = [
        ("GET", "/account", 303, "/account/sign-in"),
        ("GET", "/account/sign-in", 200, nil),
        ("GET", "/account/sign-in/code", 303, "/account/sign-in"),
        ("GET", "/account/register", 200, nil),
        ("GET", "/account/forgot", 200, nil),
        ("GET", "/account/invitation/\(secret)", 404, nil),
        ("GET", "/account/verify/\(secret)", 404, nil),
        ("GET", "/account/reset/\(secret)", 404, nil),
        ("POST", "/account/invitation/\(secret)", 404, nil),
        ("POST", "/account/verify/\(secret)", 404, nil),
        ("POST", "/account/reset/\(secret)", 404, nil),
        ("GET", "/account/security", 303, "/account/sign-in"),
        ("GET", "/account/sessions", 303, "/account/sign-in"),
        ("POST", "/account/sign-in/code", 303, "/account/sign-in"),
        ("POST", "/account/security/password", 303, "/account/sign-in"),
        ("POST", "/account/security/totp", 303, "/account/sign-in"),
        ("POST", "/account/security/totp/confirm", 303, "/account/security"),
        ("POST", "/account/security/totp/disable", 303, "/account/sign-in"),
        (
          "POST", "/account/sessions/\(UUID().uuidString.lowercased())/end", 303, "/account/sign-in"
        ),
        ("POST", "/account/sign-out", 200, nil),
      ]
      for (method, path, status, location) in expectations {
        let reply = method == "GET" ? try anonymous.get(path) : try anonymous.post(path)
        #expect(reply.status == status, "\(method) \(path): \(reply)")
        #expect(reply.header("Location") == location, "\(method) \(path)")
        #expect(reply.header("Cache-Control") == "no-store", "\(method) \(path)")
        #expect(reply.header("Referrer-Policy") == "no-referrer", "\(method) \(path)")
        #expect(reply.header("Content-Security-Policy") != nil, "\(method) \(path)")
      }
      #expect(try anonymous.get("/robots.txt").text.contains("Disallow: /account\n"))
    }
  }
}
