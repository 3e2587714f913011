import AlmedalenCore
import AlmedalenTesting
import Foundation
import Postgres
import PostgresTesting
import Testing

@testable import AlmedalenStore

/// Claims every due message, as a sender would, and returns the account links they carry
/// (with the secrets minted for them); the rows are then dropped.
func mailedLinks(_ fixture: StoreFixture) throws -> [OutboxStore.AccountLinkFacts] {
  var links: [OutboxStore.AccountLinkFacts] = []
  _ = try fixture.store.outbox.claim(limit: 1000, lease: 60, coalesceSeconds: 0) { facts in
    if let link = facts.accountLink { links.append(link) }
    return .nothing(reason: "read by the test")
  }
  return links
}

/// One value of SQL, for checks that read the tables themselves.
func scalar<T: PostgresDecodable>(
  _ fixture: StoreFixture, _ sql: StaticString, _ parameters: [any PostgresEncodable] = [],
  as: T.Type = T.self
) throws -> T {
  try fixture.store.pool.withConnection { try $0.query(sql, parameters)[0].decode("v") }
}

/// Runs SQL statements as they are (no results).
func run(_ fixture: StoreFixture, _ sql: String) throws {
  try fixture.store.pool.withConnection { try $0.executeScript(sql) }
}

let client = RegistrationStore.MailCap(client: "203.0.113.5")
let goodPassword = "gotländsk kalksten 1936"

@Suite struct AccountStoreTests {
  @Test func passwordsAreBcryptAtCost12AndWholeAndTheTimeIsPrinted() throws {
    let fixture = try StoreFixture(prefix: "acc_bcrypt")
    defer { fixture.close() }
    let rounds = 4
    let started = Date()
    func hash(_ password: String) throws -> String {
      try scalar(fixture, "SELECT password_hash($1) AS v", [password])
    }
    func matches(_ password: String, _ stored: String) throws -> Bool {
      try scalar(fixture, "SELECT password_matches($1, $2) AS v", [password, stored])
    }
    for _ in 0..<rounds { _ = try hash("gotländsk kalksten") }
    let milliseconds = Date().timeIntervalSince(started) * 1000 / Double(rounds)
    print("bcrypt (pgcrypto bf, cost 12): \(Int(milliseconds.rounded())) ms per hash")
    let stored = try hash("gotländsk kalksten")
    #expect(stored.hasPrefix("$2a$12$") && stored.count == 60)
    #expect(try matches("gotländsk kalksten", stored))
    #expect(try !matches("gotländsk kalkste", stored))
    // bcrypt alone reads 72 bytes; two passwords alike in their first 100 are still two.
    let prefix = String(repeating: "å", count: 50)
    #expect(try !matches(prefix + "b", hash(prefix + "a")))
    // NFKC: a precomposed and a combined å are one password.
    #expect(try matches("kalkstensmur a\u{30A}", hash("kalkstensmur \u{E5}")))
    // A weaker cost is refused by the table.
    #expect(throws: PostgresError.self) {
      try run(
        fixture,
        "INSERT INTO users (email, name, password_hash) VALUES ('a@example.se', 'A', crypt('x', gen_salt('bf', 6)))"
      )
    }
  }

  @Test func selfRegistrationVerifiesTheAddressThenCreatesTheOrganiser() throws {
    let fixture = try StoreFixture(prefix: "acc_register")
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    let outcome = try accounts.registerOrganisation(
      organisationName: "Föreningen Gotlands Framtid", name: "Anna Berg",
      email: "Anna.Berg@example.se", password: goodPassword, mail: client)
    guard case .queued(let userID) = outcome else {
      Issue.record("expected queued, got \(outcome)")
      return
    }
    // Not before the address is proven, even with the right password.
    #expect(
      try accounts.signIn(email: "anna.berg@example.se", password: goodPassword, client: "c1")
        == .unverified(try accounts.user(userID)))
    #expect(try accounts.memberships(userID: userID).isEmpty)
    let links = try mailedLinks(fixture)
    #expect(links.count == 1)
    let link = try #require(links.first)
    #expect(link.kind == .verification && link.organisationName == "Föreningen Gotlands Framtid")
    // Only the hash is stored.
    #expect(
      try scalar(
        fixture, "SELECT count(*)::int AS v FROM account_links WHERE token_hash IS NOT NULL",
        as: Int.self) == 1)
    let everything = try scalar(
      fixture,
      "SELECT (SELECT string_agg(l::text, '|') FROM account_links l) || (SELECT coalesce(string_agg(m::text, '|'), '') FROM mail_outbox m) AS v",
      as: String.self)
    #expect(!everything.contains(link.secret))
    // Opening the page (GET) reads; it does not use the link.
    #expect(try accounts.peek(secret: link.secret, kind: .verification)?.userID == userID)
    #expect(try accounts.peek(secret: link.secret, kind: .verification)?.userID == userID)
    #expect(try accounts.peek(secret: link.secret, kind: .reset) == nil)
    let used = try accounts.consume(secret: link.secret, kind: .verification)
    #expect(used.role == .owner)
    let memberships = try accounts.memberships(userID: userID)
    #expect(memberships.map(\.organiserName) == ["Föreningen Gotlands Framtid"])
    #expect(memberships.first?.role == .owner)
    guard
      case .signedIn(let user) = try accounts.signIn(
        email: "ANNA.berg@example.se", password: goodPassword, client: "c1")
    else {
      Issue.record("expected to sign in")
      return
    }
    #expect(user.emailVerifiedAt != nil && !user.needsSecondFactor)
    // The link is spent; the address is taken.
    #expect(try accounts.peek(secret: link.secret, kind: .verification) == nil)
    #expect(throws: StoreError.self) {
      try accounts.consume(secret: link.secret, kind: .verification)
    }
    #expect(
      try accounts.registerOrganisation(
        organisationName: "Annat", name: "Anna", email: "anna.berg@EXAMPLE.se",
        password: goodPassword, mail: client) == .existing)
  }

  @Test func registrationRefusesWeakPasswordsNamingTheField() throws {
    let fixture = try StoreFixture(prefix: "acc_weak")
    defer { fixture.close() }
    do {
      _ = try fixture.store.accounts.registerOrganisation(
        organisationName: "", name: "Anna", email: "not an address", password: "password1",
        mail: client)
      Issue.record("accepted")
    } catch StoreError.invalid(let error) {
      #expect(Set(error.problems.map(\.field)) == ["organisation_name", "email", "password"])
    }
  }

  @Test func twoRegistrationsOfOneAddressAtOnceMakeOneAccount() throws {
    let fixture = try StoreFixture(prefix: "acc_race", poolSize: 8)
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    let outcomes = concurrently(6) { index in
      try? accounts.registerOrganisation(
        organisationName: "Förening \(index)", name: "Anna \(index)",
        email: index % 2 == 0 ? "anna@example.se" : "ANNA@example.se", password: goodPassword,
        mail: RegistrationStore.MailCap(client: "c\(index)"))
    }
    let queued = outcomes.filter { if case .queued = $0 { true } else { false } }
    #expect(queued.count == 1)
    #expect(outcomes.filter { $0 == .existing }.count == 5)
    #expect(try scalar(fixture, "SELECT count(*)::int AS v FROM users", as: Int.self) == 1)
    #expect(try mailedLinks(fixture).count == 1)
  }

  @Test func anInvitationUsedTwiceAtOnceWorksOnce() throws {
    let fixture = try StoreFixture(prefix: "acc_invite_race", poolSize: 8)
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    let (user, _) = try accounts.invite(
      email: "berit@example.se", name: "Berit", organiserID: fixture.organiser.id, role: .editor)
    #expect(!user.hasPassword)
    let link = try #require(try mailedLinks(fixture).first)
    #expect(link.kind == .invitation && link.needsPassword && link.role == .editor)
    #expect(link.organiserName == fixture.organiser.name)
    // Without a password an invitation of a new user is not used up.
    #expect(throws: StoreError.self) {
      try accounts.consume(secret: link.secret, kind: .invitation)
    }
    #expect(throws: StoreError.self) {
      try accounts.consume(secret: link.secret, kind: .invitation, password: "qwertyuiop")
    }
    #expect(try accounts.peek(secret: link.secret, kind: .invitation) != nil)
    let results = concurrently(6) { index in
      (try? accounts.consume(
        secret: link.secret, kind: .invitation, password: goodPassword + " \(index)")) != nil
    }
    #expect(results.filter { $0 }.count == 1)
    let winner = try #require(results.firstIndex(of: true))
    #expect(try accounts.memberships(userID: user.id).map(\.role) == [.editor])
    guard
      case .signedIn = try accounts.signIn(
        email: "berit@example.se", password: goodPassword + " \(winner)", client: "c")
    else {
      Issue.record("the winner's password does not sign in")
      return
    }
  }

  @Test func sendingAgainRevokesTheEarlierLinkAndAnUnsentOneIsDropped() throws {
    let fixture = try StoreFixture(prefix: "acc_resend")
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    _ = try accounts.invite(
      email: "cecilia@example.se", name: "Cecilia", organiserID: fixture.organiser.id,
      role: .owner)
    let first = try #require(try mailedLinks(fixture).first)
    // Sent again twice before the sender ran: the middle one's message carries nothing.
    _ = try accounts.invite(
      email: "cecilia@example.se", name: "Cecilia", organiserID: fixture.organiser.id,
      role: .owner)
    _ = try accounts.invite(
      email: "cecilia@example.se", name: "Cecilia", organiserID: fixture.organiser.id,
      role: .owner)
    let again = try mailedLinks(fixture)
    #expect(again.count == 1)
    let last = try #require(again.first)
    #expect(try accounts.peek(secret: first.secret, kind: .invitation) == nil)
    #expect(throws: StoreError.self) {
      try accounts.consume(secret: first.secret, kind: .invitation, password: goodPassword)
    }
    #expect(try accounts.pendingInvitations(organiserID: fixture.organiser.id).count == 1)
    try accounts.consume(secret: last.secret, kind: .invitation, password: goodPassword)
    #expect(try accounts.pendingInvitations(organiserID: fixture.organiser.id).isEmpty)
    #expect(
      try scalar(
        fixture,
        "SELECT count(*)::int AS v FROM account_links WHERE used_at IS NULL AND revoked_at IS NULL",
        as: Int.self) == 0)
  }

  @Test func aResetLinkWorksOnceWithinHalfAnHourAndEndsTheSessions() throws {
    let fixture = try StoreFixture(prefix: "acc_reset")
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    let user = try signedUpUser(fixture, email: "dan@example.se")
    #expect(try accounts.requestReset(email: "nobody@example.se", mail: client) == .unknown)
    #expect(try accounts.requestReset(email: "DAN@example.se", mail: client) == .queued)
    let link = try #require(try mailedLinks(fixture).first)
    #expect(link.kind == .reset)
    let minutes = link.expiresAt.timeIntervalSinceNow / 60
    #expect(minutes > 29 && minutes <= 30)
    let (_, secret) = try fixture.store.sessions.create(
      userID: user.id, userAgent: "Firefox", clientAddress: "203.0.113.5")
    // A mail scanner fetches the link (GET): the page reads it, nothing is used.
    #expect(try accounts.peek(secret: link.secret, kind: .reset)?.needsPassword == true)
    #expect(throws: StoreError.self) {
      try accounts.consume(secret: link.secret, kind: .reset, password: "short")
    }
    let newPassword = "ny kalksten vid ringmuren"
    try accounts.consume(secret: link.secret, kind: .reset, password: newPassword)
    #expect(try fixture.store.sessions.lookup(secret: secret) == nil)
    // Used: the second use fails, and the password stays the one set.
    #expect(throws: StoreError.self) {
      try accounts.consume(secret: link.secret, kind: .reset, password: "en tredje kalksten")
    }
    #expect(
      try accounts.signIn(email: "dan@example.se", password: goodPassword, client: "c")
        == .refused)
    guard
      case .signedIn = try accounts.signIn(
        email: "dan@example.se", password: newPassword, client: "c")
    else {
      Issue.record("the new password does not sign in")
      return
    }
  }

  @Test func anExpiredLinkIsRefused() throws {
    let fixture = try StoreFixture(prefix: "acc_expired")
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    _ = try signedUpUser(fixture, email: "eva@example.se")
    #expect(try accounts.requestReset(email: "eva@example.se", mail: client) == .queued)
    let link = try #require(try mailedLinks(fixture).first)
    try run(
      fixture,
      "UPDATE account_links SET created_at = now() - interval '31 minutes', expires_at = now() - interval '1 minute'"
    )
    #expect(try accounts.peek(secret: link.secret, kind: .reset) == nil)
    #expect(throws: StoreError.self) {
      try accounts.consume(secret: link.secret, kind: .reset, password: "ny kalksten vid muren")
    }
    // Nor is a link whose message was not rendered before it expired: nothing is sent.
    #expect(try accounts.requestReset(email: "eva@example.se", mail: client) == .queued)
    try run(
      fixture,
      "UPDATE account_links SET created_at = now() - interval '31 minutes', expires_at = now() - interval '1 minute' WHERE used_at IS NULL AND revoked_at IS NULL"
    )
    #expect(try mailedLinks(fixture).isEmpty)
  }

  @Test func signInIsThrottledPerAccountAndClientPerAccountAndPerClient() throws {
    let fixture = try StoreFixture(prefix: "acc_throttle")
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    _ = try signedUpUser(fixture, email: "frida@example.se")
    let limits = AccountStore.SignInLimits(
      perAccountAndClient: 5, perAccount: 12, perClient: 20, window: 900)
    for attempt in 1...5 {
      #expect(
        try accounts.signIn(
          email: "frida@example.se", password: "fel lösenord \(attempt)", client: "a",
          limits: limits) == .refused)
    }
    // The sixth attempt from that client, even with the right password, is not checked…
    guard
      case .throttled(let wait) = try accounts.signIn(
        email: "frida@example.se", password: goodPassword, client: "a", limits: limits)
    else {
      Issue.record("not throttled")
      return
    }
    #expect(wait > 0 && wait <= 900)
    // …but one guessing client does not lock the owner out: from elsewhere she signs in.
    guard
      case .signedIn = try accounts.signIn(
        email: "frida@example.se", password: goodPassword, client: "home", limits: limits)
    else {
      Issue.record("the owner was locked out by another client's guesses")
      return
    }
    // Many clients together reach the account's own limit (12 in all, her success and the
    // throttled attempt counted): then nobody is checked for that account.
    for attempt in 1...5 {
      #expect(
        try accounts.signIn(
          email: "frida@example.se", password: "fel \(attempt)", client: "b\(attempt)",
          limits: limits) == .refused)
    }
    if case .throttled = try accounts.signIn(
      email: "frida@example.se", password: goodPassword, client: "home2", limits: limits)
    {
    } else {
      Issue.record("the account's limit across clients does not hold")
    }
    // An address without an account is throttled just the same: nothing tells them apart.
    for _ in 1...5 {
      #expect(
        try accounts.signIn(
          email: "ingen@example.se", password: "fel", client: "d", limits: limits) == .refused)
    }
    if case .throttled = try accounts.signIn(
      email: "ingen@example.se", password: "fel", client: "d", limits: limits)
    {
    } else {
      Issue.record("an unknown address is not throttled")
    }
    // One client trying many accounts: 20 attempts, then nothing more from it.
    for index in 0..<14 {
      #expect(
        try accounts.signIn(
          email: "konto\(index)@example.se", password: "fel", client: "d", limits: limits)
          == .refused)
    }
    if case .throttled = try accounts.signIn(
      email: "annan@example.se", password: "fel", client: "d", limits: limits)
    {
    } else {
      Issue.record("the client is not throttled after 20 attempts")
    }
  }

  @Test func aSuccessForgivesItsClientsGuessesAtTheAccountButNotTheClientsOthers() throws {
    let fixture = try StoreFixture(prefix: "acc_forgive")
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    _ = try signedUpUser(fixture, email: "gun@example.se")
    let limits = AccountStore.SignInLimits(
      perAccountAndClient: 3, perAccount: 100, perClient: 5, window: 900)
    for _ in 1...2 {
      #expect(
        try accounts.signIn(email: "gun@example.se", password: "fel", client: "x", limits: limits)
          == .refused)
    }
    guard
      case .signedIn = try accounts.signIn(
        email: "gun@example.se", password: goodPassword, client: "x", limits: limits)
    else {
      Issue.record("expected to sign in")
      return
    }
    // Her count from this client starts again: three more failures are still checked…
    for _ in 1...2 {
      #expect(
        try accounts.signIn(email: "gun@example.se", password: "fel", client: "x", limits: limits)
          == .refused)
    }
    // …but the client keeps its failures (two, then two more; the success taken back): one
    // more and it is stopped, whatever the account.
    #expect(
      try accounts.signIn(
        email: "x\(UUID())@example.se", password: "fel", client: "x", limits: limits)
        == .refused)
    if case .throttled = try accounts.signIn(
      email: "gun@example.se", password: goodPassword, client: "x", limits: limits)
    {
    } else {
      Issue.record("the client's failures were forgiven")
    }
  }

  @Test func parallelGuessesCannotSlipPastTheLimit() throws {
    let fixture = try StoreFixture(prefix: "acc_guess_race", poolSize: 10)
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    _ = try signedUpUser(fixture, email: "hanna@example.se")
    let outcomes = concurrently(12) { index in
      try? accounts.signIn(
        email: "hanna@example.se", password: "gissning \(index)", client: "c")
    }
    #expect(outcomes.filter { $0 == .refused }.count == 5)
    #expect(outcomes.filter { if case .throttled = $0 { true } else { false } }.count == 7)
  }

  @Test func aDisabledAccountIsRefusedLikeAWrongPassword() throws {
    let fixture = try StoreFixture(prefix: "acc_disabled")
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    let user = try signedUpUser(fixture, email: "ida@example.se")
    let (_, secret) = try fixture.store.sessions.create(
      userID: user.id, userAgent: nil, clientAddress: nil)
    _ = try accounts.setDisabled(user.id, true)
    #expect(try fixture.store.sessions.lookup(secret: secret) == nil)
    #expect(
      try accounts.signIn(email: "ida@example.se", password: goodPassword, client: "c") == .refused)
    #expect(try accounts.requestReset(email: "ida@example.se", mail: client) == .unknown)
  }

  @Test func aTOTPStepIsUsedOnceEvenByTwoRequestsAtOnce() throws {
    let fixture = try StoreFixture(prefix: "acc_totp", poolSize: 8)
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    let user = try accounts.createUser(email: "office@example.se", name: "Kansliet", office: true)
    #expect(user.needsSecondFactor)
    let secret: [UInt8] = Array(0..<20)
    try accounts.beginTOTPEnrolment(userID: user.id, secret: secret)
    let pending = try #require(try accounts.totp(userID: user.id))
    #expect(pending.secret == secret && !pending.enabled)
    #expect(try !accounts.useTOTPStep(userID: user.id, step: 100))
    #expect(try accounts.enableTOTP(userID: user.id, step: 100))
    #expect(try accounts.user(user.id).totpEnabledAt != nil)
    // The enrolment's own step is spent, and so is any before it.
    #expect(try !accounts.useTOTPStep(userID: user.id, step: 100))
    #expect(try !accounts.useTOTPStep(userID: user.id, step: 99))
    let results = concurrently(6) { _ in
      (try? accounts.useTOTPStep(userID: user.id, step: 101)) ?? false
    }
    #expect(results.filter { $0 }.count == 1)
    #expect(try accounts.totp(userID: user.id)?.lastStep == 101)
    // An enabled factor is not replaced behind the user's back; the office keeps one.
    #expect(throws: StoreError.self) {
      try accounts.beginTOTPEnrolment(userID: user.id, secret: Array(repeating: 7, count: 20))
    }
    #expect(throws: StoreError.self) { try accounts.disableTOTP(userID: user.id) }
  }

  @Test func recoveryCodesWorkOnceAndAreStoredSaltedAndHashed() throws {
    let fixture = try StoreFixture(prefix: "acc_recovery", poolSize: 8)
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    let user = try signedUpUser(fixture, email: "jan@example.se")
    let codes = (0..<10).map { "KOD\($0)ABCDEFGH" }
    try accounts.setRecoveryCodes(userID: user.id, codes: codes)
    #expect(try accounts.recoveryCodesLeft(userID: user.id) == 10)
    let stored = try scalar(
      fixture, "SELECT string_agg(r::text, '|') AS v FROM recovery_codes r", as: String.self)
    #expect(!codes.contains { stored.contains($0) })
    #expect(
      try scalar(
        fixture, "SELECT count(DISTINCT salt)::int AS v FROM recovery_codes", as: Int.self) == 10)
    let results = concurrently(5) { _ in
      (try? accounts.useRecoveryCode(userID: user.id, code: codes[3])) ?? false
    }
    #expect(results.filter { $0 }.count == 1)
    #expect(try !accounts.useRecoveryCode(userID: user.id, code: codes[3]))
    #expect(try !accounts.useRecoveryCode(userID: user.id, code: "NOTACODE"))
    #expect(try accounts.recoveryCodesLeft(userID: user.id) == 9)
    // A new set replaces the old.
    try accounts.setRecoveryCodes(userID: user.id, codes: ["NYKOD1234567"])
    #expect(try !accounts.useRecoveryCode(userID: user.id, code: codes[4]))
    #expect(try accounts.useRecoveryCode(userID: user.id, code: "NYKOD1234567"))
  }

  @Test func changingThePasswordNeedsTheCurrentOneAndEndsEverySession() throws {
    let fixture = try StoreFixture(prefix: "acc_change")
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    let user = try signedUpUser(fixture, email: "karin@example.se")
    let sessions = fixture.store.sessions
    let one = try sessions.create(userID: user.id, userAgent: "a", clientAddress: nil)
    let two = try sessions.create(userID: user.id, userAgent: "b", clientAddress: nil)
    do {
      try accounts.changePassword(userID: user.id, current: "fel", new: "nytt lösenord i visby")
      Issue.record("changed with a wrong current password")
    } catch StoreError.invalid(let error) {
      #expect(error.problems.map(\.field) == ["current_password"])
    }
    do {
      try accounts.changePassword(userID: user.id, current: goodPassword, new: "karin@example.se")
      Issue.record("changed to the address")
    } catch StoreError.invalid(let error) {
      #expect(error.problems.map(\.field) == ["password"])
    }
    #expect(try sessions.lookup(secret: one.secret) != nil)
    try accounts.changePassword(
      userID: user.id, current: goodPassword, new: "nytt lösenord i visby")
    #expect(try sessions.lookup(secret: one.secret) == nil)
    #expect(try sessions.lookup(secret: two.secret) == nil)
    #expect(
      try scalar(
        fixture,
        "SELECT string_agg(DISTINCT end_reason, ',') AS v FROM sessions", as: String.self)
        == "password-changed")
    // The trigger, not the store, ends them: a change in SQL does the same.
    let three = try sessions.create(userID: user.id, userAgent: "c", clientAddress: nil)
    try run(fixture, "UPDATE users SET password_hash = password_hash('ett lösenord i sql')")
    #expect(try sessions.lookup(secret: three.secret) == nil)
  }

  @Test func removingAMembershipEndsTheUsersSessions() throws {
    let fixture = try StoreFixture(prefix: "acc_member")
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    let user = try signedUpUser(fixture, email: "lars@example.se")
    let organiserID = try #require(try accounts.memberships(userID: user.id).first?.organiserID)
    try accounts.setMembership(userID: user.id, organiserID: fixture.organiser.id, role: .editor)
    let session = try fixture.store.sessions.create(
      userID: user.id, userAgent: nil, clientAddress: nil)
    let signedIn = try #require(try fixture.store.sessions.lookup(secret: session.secret))
    #expect(Set(signedIn.memberships.map(\.organiserID)) == [organiserID, fixture.organiser.id])
    #expect(try accounts.members(organiserID: fixture.organiser.id).map(\.user.id) == [user.id])
    #expect(try accounts.removeMembership(userID: user.id, organiserID: fixture.organiser.id))
    #expect(try fixture.store.sessions.lookup(secret: session.secret) == nil)
    #expect(try !accounts.removeMembership(userID: user.id, organiserID: fixture.organiser.id))
    #expect(try accounts.memberships(userID: user.id).map(\.organiserID) == [organiserID])
  }

  @Test func anUnknownAddressCostsAHashToo() throws {
    let fixture = try StoreFixture(prefix: "acc_constant")
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    _ = try signedUpUser(fixture, email: "olle@example.se")
    func timed(_ email: String) throws -> Double {
      let started = Date()
      #expect(
        try accounts.signIn(email: email, password: "fel lösenord", client: email) == .refused)
      return Date().timeIntervalSince(started) * 1000
    }
    let known = try timed("olle@example.se")
    let unknown = try timed("ingen.alls@example.se")
    print("sign-in refused: known address \(Int(known)) ms, unknown address \(Int(unknown)) ms")
    // bcrypt at cost 12 takes well over 50 ms here; a lookup alone takes a few.
    #expect(unknown > 50 && known > 50)
  }

  @Test func theOfficeIsInvitedToChooseAPasswordAndTheMailNamesWhoInvited() throws {
    let fixture = try StoreFixture(prefix: "acc_office_invite")
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    let office = try accounts.createUser(
      email: "chef@example.se", name: "Kanslichefen", office: true)
    let (colleague, _) = try accounts.invite(
      email: "ny@example.se", name: "Ny på kansliet", organiserID: nil, role: nil,
      invitedBy: office.id)
    _ = try accounts.setOffice(colleague.id, true)
    #expect(throws: StoreError.self) {
      try accounts.invite(
        email: "x@example.se", name: "X", organiserID: fixture.organiser.id, role: nil)
    }
    let link = try #require(try mailedLinks(fixture).first)
    #expect(link.inviterName == "Kanslichefen" && link.organiserName == nil && link.needsPassword)
    let used = try accounts.consume(
      secret: link.secret, kind: .invitation, password: "kansliets eget lösenord")
    #expect(used.organiserID == nil)
    #expect(try accounts.memberships(userID: colleague.id).isEmpty)
    guard
      case .signedIn(let user) = try accounts.signIn(
        email: "ny@example.se", password: "kansliets eget lösenord", client: "c")
    else {
      Issue.record("the office colleague cannot sign in")
      return
    }
    #expect(user.office && user.needsSecondFactor)
  }

  @Test func aLinkWhoseRenderingFailedGetsANewSecretWhenRetried() throws {
    struct RenderingFailed: Error {}
    let fixture = try StoreFixture(prefix: "acc_remint")
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    _ = try signedUpUser(fixture, email: "pia@example.se")
    #expect(try accounts.requestReset(email: "pia@example.se", mail: client) == .queued)
    var failed: String?
    _ = try fixture.store.outbox.claim(limit: 10, lease: 60, coalesceSeconds: 0) { facts in
      failed = facts.accountLink?.secret
      throw RenderingFailed()
    }
    let never = try #require(failed)
    #expect(try fixture.store.outbox.retry(id: nil) == 1)
    let sent = try #require(try mailedLinks(fixture).first)
    #expect(sent.secret != never)
    #expect(try accounts.peek(secret: never, kind: .reset) == nil)
    #expect(try accounts.peek(secret: sent.secret, kind: .reset) != nil)
  }

  @Test func inviteAnExistingOwnerKeepsThemOwner() throws {
    let fixture = try StoreFixture(prefix: "acc_keep_owner")
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    let user = try signedUpUser(fixture, email: "maja@example.se")
    let organiserID = try #require(try accounts.memberships(userID: user.id).first?.organiserID)
    _ = try accounts.invite(
      email: "maja@example.se", name: "Someone else", organiserID: organiserID, role: .editor)
    let link = try #require(try mailedLinks(fixture).first)
    #expect(!link.needsPassword && link.userName == "Maja")
    try accounts.consume(secret: link.secret, kind: .invitation)
    #expect(try accounts.memberships(userID: user.id).map(\.role) == [.owner])
  }
}

/// A user who registered an organisation, verified the address and can sign in with
/// `goodPassword`; named after the address.
func signedUpUser(_ fixture: StoreFixture, email: String) throws -> User {
  let name = String(email.prefix { $0 != "@" }).capitalized
  let outcome = try fixture.store.accounts.registerOrganisation(
    organisationName: "Förening \(name)", name: name, email: email, password: goodPassword,
    mail: RegistrationStore.MailCap(client: "setup-\(email)"))
  guard case .queued(let userID) = outcome else { throw StoreError.duplicate(field: "email") }
  for link in try mailedLinks(fixture) {
    try fixture.store.accounts.consume(secret: link.secret, kind: link.kind)
  }
  return try fixture.store.accounts.user(userID)
}
