import AlmedalenCore
import AlmedalenTesting
import Foundation
import Postgres
import PostgresTesting
import Testing

@testable import AlmedalenStore

@Suite struct SessionStoreTests {
  @Test func everySignInGetsANewSecretStoredOnlyAsAHash() throws {
    let fixture = try StoreFixture(prefix: "sess_new")
    defer { fixture.close() }
    let user = try signedUpUser(fixture, email: "nils@example.se")
    let sessions = fixture.store.sessions
    let one = try sessions.create(
      userID: user.id, userAgent: "Mozilla/5.0 \u{1b}[31m" + String(repeating: "x", count: 300),
      clientAddress: "203.0.113.5")
    let two = try sessions.create(userID: user.id, userAgent: nil, clientAddress: nil)
    #expect(one.secret != two.secret && one.session.id != two.session.id)
    // 256 bits, base64url.
    #expect(one.secret.count == 43)
    #expect(one.session.userAgent?.unicodeScalars.count == 199)
    #expect(one.session.userAgent?.contains("\u{1b}") == false)
    let stored = try scalar(
      fixture, "SELECT string_agg(s::text, '|') AS v FROM sessions s", as: String.self)
    #expect(!stored.contains(one.secret) && !stored.contains(two.secret))
    let signedIn = try #require(try sessions.lookup(secret: one.secret))
    #expect(signedIn.user.id == user.id && signedIn.isFullySignedIn)
    #expect(signedIn.memberships.count == 1)
    #expect(try sessions.lookup(secret: one.secret + "x") == nil)
    #expect(try sessions.list(userID: user.id).count == 2)
  }

  @Test func anIdleSessionAndAnExpiredOneAreGone() throws {
    let fixture = try StoreFixture(prefix: "sess_idle")
    defer { fixture.close() }
    let user = try signedUpUser(fixture, email: "olof@example.se")
    let sessions = fixture.store.sessions
    let idle = try sessions.create(userID: user.id, userAgent: "idle", clientAddress: nil)
    let old = try sessions.create(userID: user.id, userAgent: "old", clientAddress: nil)
    let fresh = try sessions.create(userID: user.id, userAgent: "fresh", clientAddress: nil)
    try run(
      fixture,
      """
      UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE user_agent = 'idle';
      UPDATE sessions SET created_at = now() - interval '13 hours',
        expires_at = now() - interval '1 hour', last_seen_at = now() WHERE user_agent = 'old';
      UPDATE sessions SET last_seen_at = now() - interval '29 minutes' WHERE user_agent = 'fresh';
      """)
    #expect(try sessions.lookup(secret: idle.secret, idleTimeout: 1800) == nil)
    // A longer idle timeout (a setting) keeps it.
    #expect(try sessions.lookup(secret: idle.secret, idleTimeout: 3600) != nil)
    #expect(try sessions.lookup(secret: old.secret, idleTimeout: 1800) == nil)
    // Used within the timeout: it lives on, and its use is recorded.
    let seen = try #require(try sessions.lookup(secret: fresh.secret, idleTimeout: 1800))
    #expect(abs(seen.session.lastSeenAt.timeIntervalSinceNow) < 60)
    #expect(
      try scalar(
        fixture,
        "SELECT (last_seen_at > now() - interval '1 minute') AS v FROM sessions WHERE user_agent = 'fresh'",
        as: Bool.self))
    // (`idle` was used just now, with the longer timeout.)
    #expect(
      try sessions.list(userID: user.id, idleTimeout: 1800).map(\.userAgent) == ["fresh", "idle"])
    // The absolute lifetime is the caller's: an hour here.
    let short = try sessions.create(
      userID: user.id, userAgent: "short", clientAddress: nil, lifetime: 3600)
    #expect(abs(short.session.expiresAt.timeIntervalSinceNow - 3600) < 60)
  }

  @Test func signingOutAndEndingFromTheList() throws {
    let fixture = try StoreFixture(prefix: "sess_end")
    defer { fixture.close() }
    let user = try signedUpUser(fixture, email: "per@example.se")
    let other = try signedUpUser(fixture, email: "quinn@example.se")
    let sessions = fixture.store.sessions
    let a = try sessions.create(userID: user.id, userAgent: "a", clientAddress: nil)
    let b = try sessions.create(userID: user.id, userAgent: "b", clientAddress: nil)
    let c = try sessions.create(userID: user.id, userAgent: "c", clientAddress: nil)
    let theirs = try sessions.create(userID: other.id, userAgent: "x", clientAddress: nil)
    #expect(try sessions.end(secret: a.secret))
    #expect(try sessions.lookup(secret: a.secret) == nil)
    #expect(try !sessions.end(secret: a.secret))
    // Nobody ends someone else's session from their list.
    #expect(try !sessions.end(sessionID: theirs.session.id, userID: user.id))
    #expect(try sessions.lookup(secret: theirs.secret) != nil)
    #expect(try sessions.end(sessionID: b.session.id, userID: user.id))
    #expect(try sessions.lookup(secret: b.secret) == nil)
    let d = try sessions.create(userID: user.id, userAgent: "d", clientAddress: nil)
    #expect(try sessions.endAll(userID: user.id, except: d.session.id) == 1)
    #expect(try sessions.lookup(secret: c.secret) == nil)
    #expect(try sessions.lookup(secret: d.secret) != nil)
    #expect(try sessions.lookup(secret: theirs.secret) != nil)
  }

  @Test func theOfficeActsOnlyAfterTheSecondFactorWhichRenewsTheSecret() throws {
    let fixture = try StoreFixture(prefix: "sess_2fa")
    defer { fixture.close() }
    let accounts = fixture.store.accounts
    let office = try accounts.createUser(email: "kansli@example.se", name: "Kansli", office: true)
    let sessions = fixture.store.sessions
    let session = try sessions.create(userID: office.id, userAgent: nil, clientAddress: nil)
    let before = try #require(try sessions.lookup(secret: session.secret))
    #expect(!before.isFullySignedIn)
    // No second factor without one enrolled.
    #expect(try sessions.markSecondFactor(secret: session.secret) == nil)
    try accounts.beginTOTPEnrolment(userID: office.id, secret: Array(repeating: 2, count: 20))
    try accounts.enableTOTP(userID: office.id, step: 5)
    let renewed = try #require(try sessions.markSecondFactor(secret: session.secret))
    #expect(renewed != session.secret)
    // The secret seen before the second factor is worth nothing now (fixation).
    #expect(try sessions.lookup(secret: session.secret) == nil)
    let after = try #require(try sessions.lookup(secret: renewed))
    #expect(after.isFullySignedIn && after.session.id == session.session.id)
    #expect(try sessions.markSecondFactor(secret: session.secret) == nil)
    // An organiser who enabled TOTP needs it too; one who did not, does not.
    let organiser = try signedUpUser(fixture, email: "rut@example.se")
    let plain = try sessions.create(userID: organiser.id, userAgent: nil, clientAddress: nil)
    #expect(try sessions.lookup(secret: plain.secret)?.isFullySignedIn == true)
    try accounts.beginTOTPEnrolment(userID: organiser.id, secret: Array(repeating: 1, count: 20))
    try accounts.enableTOTP(userID: organiser.id, step: 1)
    #expect(try sessions.lookup(secret: plain.secret)?.isFullySignedIn == false)
  }

  @Test func oldSessionsArePurged() throws {
    let fixture = try StoreFixture(prefix: "sess_purge")
    defer { fixture.close() }
    let user = try signedUpUser(fixture, email: "sara@example.se")
    let sessions = fixture.store.sessions
    let ended = try sessions.create(userID: user.id, userAgent: "ended", clientAddress: nil)
    _ = try sessions.create(userID: user.id, userAgent: "live", clientAddress: nil)
    try sessions.end(secret: ended.secret)
    try run(
      fixture,
      "UPDATE sessions SET ended_at = now() - interval '31 days' WHERE user_agent = 'ended'")
    #expect(try sessions.purge(olderThanDays: 30) == 1)
    #expect(try scalar(fixture, "SELECT count(*)::int AS v FROM sessions", as: Int.self) == 1)
  }
}
