public import AlmedalenStore
import Foundation
import HTTPServer

/// How the pages' sessions behave: `ALMEDALEN_SESSION_IDLE_MINUTES` (30) and
/// `ALMEDALEN_SESSION_HOURS` (12), and the sign-in throttle.
public struct SessionSettings: Sendable {
  /// A session not used for this many seconds has ended.
  public var idleTimeout: Int
  /// A session ends this many seconds after sign-in, however busy.
  public var lifetime: Int
  /// Sign-in attempts allowed in a window: 5 per account from one client address, 25 per
  /// account from all of them (100 an hour at most, OWASP ASVS 2.2.1), 20 per client address
  /// over every account, in 15 minutes. So a guesser at one address is stopped after 5
  /// tries, and the real user, from another address, can still sign in while strangers'
  /// attempts stay under 25.
  public var signInLimits: AccountStore.SignInLimits

  public static let defaultSignInLimits = AccountStore.SignInLimits(
    perAccountAndClient: 5, perAccount: 25, perClient: 20, window: 900)

  public init(
    idleTimeout: Int = SessionStore.defaultIdleTimeout,
    lifetime: Int = SessionStore.defaultLifetime,
    signInLimits: AccountStore.SignInLimits = defaultSignInLimits
  ) {
    self.idleTimeout = max(1, idleTimeout)
    self.lifetime = max(1, lifetime)
    self.signInLimits = signInLimits
  }
}

extension RequestContext {
  /// Whether the public address is https: then the session cookie is `__Host-` and Secure.
  var isSecure: Bool { feeds.baseURL.lowercased().hasPrefix("https://") }

  /// `__Host-almedalen_session` on https. Browsers refuse a `__Host-` cookie without
  /// Secure, and Secure cookies over plain http (local development, the tests), so there
  /// the name is `almedalen_session`.
  var sessionCookieName: String {
    isSecure ? "__Host-almedalen_session" : "almedalen_session"
  }

  /// The session secret the browser sent, if any.
  var sessionSecret: String? {
    guard let value = request.cookie(sessionCookieName), !value.isEmpty else { return nil }
    return value
  }

  /// The live session of this request (not necessarily past its second factor), or nil.
  func signedIn() throws -> SessionStore.SignedIn? {
    guard let secret = sessionSecret else { return nil }
    return try store.sessions.lookup(secret: secret, idleTimeout: sessions.idleTimeout)
  }

  /// The cookie that carries a session's secret: Path=/, no Domain, HttpOnly,
  /// SameSite=Lax, Secure on https.
  func sessionCookie(_ secret: String) -> SetCookie {
    SetCookie(
      name: sessionCookieName, value: secret, path: "/", maxAge: sessions.lifetime,
      httpOnly: true, secure: isSecure, sameSite: .lax)
  }

  /// The cookie that makes the browser forget its session.
  var endedSessionCookie: SetCookie {
    SetCookie(
      name: sessionCookieName, value: "", path: "/", maxAge: 0, httpOnly: true,
      secure: isSecure, sameSite: .lax)
  }
}
