public import AlmedalenCore
public import Foundation
import Postgres

/// Server-side sessions of the backoffice (Schema/008_accounts.sql). The cookie holds a
/// secret of 256 random bits; only its SHA-256 is stored. Every sign-in creates a new
/// session with a new secret (no session id is ever taken from a client), and giving the
/// second factor issues another, so that an id seen before either step is worth nothing.
///
/// Times are the database's clock. The idle timeout and the absolute lifetime are
/// parameters of the calls (the lead's settings: 30 minutes and 12 hours by default).
public struct SessionStore: Sendable {
  let pool: ConnectionPool

  /// The defaults of the issue: 30 minutes idle, 12 hours in all.
  public static let defaultIdleTimeout = 30 * 60
  public static let defaultLifetime = 12 * 3600

  /// At most this many characters of the browser's User-Agent are kept.
  public static let userAgentLength = 200

  /// One session, as the list of one's sessions shows it; never its secret.
  public struct Session: Sendable, Hashable, Identifiable {
    public var id: UUID
    public var userID: UUID
    public var createdAt: Date
    public var lastSeenAt: Date
    /// The absolute end.
    public var expiresAt: Date
    /// When the second factor was given in this session.
    public var secondFactorAt: Date?
    public var endedAt: Date?
    /// `signed-out`, `ended` (from the list), `password-changed`, `membership-removed`,
    /// `disabled`.
    public var endReason: String?
    public var userAgent: String?
    public var clientAddress: String?
  }

  /// A live session with its user and the user's memberships, as each request needs them.
  public struct SignedIn: Sendable {
    public var session: Session
    public var user: User
    public var memberships: [Membership]

    /// Whether the session may act: after the second factor when the user needs one (the
    /// office always does). Before that it may only give the second factor (or enrol it,
    /// for an office account that has none yet) or sign out.
    public var isFullySignedIn: Bool {
      !user.needsSecondFactor || session.secondFactorAt != nil
    }
  }

  static let columns: PostgresQuery = """
    s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.second_factor_at,
    s.ended_at, s.end_reason, s.user_agent, s.client_address
    """

  /// Creates a session for a user who just signed in (`AccountStore.signIn`), with a new
  /// secret returned once: the cookie's value. It ends `lifetime` seconds from now at the
  /// latest. The User-Agent is cut to `userAgentLength` characters, the address to 64.
  public func create(
    userID: UUID, userAgent: String?, clientAddress: String?, lifetime: Int = defaultLifetime
  ) throws -> (session: Session, secret: String) {
    let secret = Secret.make()
    let agent = userAgent.map { Self.cut($0, to: Self.userAgentLength) }
    let address = clientAddress.map { Self.cut($0, to: 64) }
    return try pool.transaction { connection in
      let row = try connection.query(
        """
        INSERT INTO sessions AS s (token_hash, user_id, expires_at, user_agent, client_address)
        SELECT sha256(convert_to(\(secret), 'UTF8')), u.id,
               now() + \(max(lifetime, 1)) * interval '1 second', \(agent), \(address)
        FROM users u WHERE u.id = \(userID) AND u.disabled_at IS NULL
        RETURNING \(Self.columns)
        """
      ).first
      guard let row else { throw StoreError.notFound(entity: "user", id: userID.uuidString) }
      return (try Self.decode(row), secret)
    }
  }

  /// The live session with this secret, its user and memberships; nil when unknown, ended,
  /// past its absolute end, idle for longer than `idleTimeout` seconds, or its user is
  /// disabled. A use is recorded (`last_seen_at`) at most once a minute, to spare writes;
  /// the idle timeout is counted from that record, so it may end up to a minute early.
  public func lookup(secret: String, idleTimeout: Int = defaultIdleTimeout) throws -> SignedIn? {
    guard secret.utf8.count <= 200 else { return nil }
    return try pool.transaction { connection in
      guard
        let row = try connection.query(
          """
          WITH found AS (
            SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = sha256(convert_to(\(secret), 'UTF8')) AND s.ended_at IS NULL
              AND s.expires_at > now()
              AND s.last_seen_at > now() - \(idleTimeout) * interval '1 second'
              AND u.disabled_at IS NULL
          ), touched AS (
            UPDATE sessions SET last_seen_at = now()
            WHERE id IN (SELECT id FROM found) AND last_seen_at < now() - interval '1 minute'
            RETURNING id, last_seen_at
          )
          SELECT \(Self.columns), t.last_seen_at AS touched_at
          FROM found f JOIN sessions s ON s.id = f.id LEFT JOIN touched t ON t.id = s.id
          """
        ).first
      else { return nil }
      var session = try Self.decode(row)
      if let touched: Date = try row.decode("touched_at") { session.lastSeenAt = touched }
      let user = try AccountStore.user(session.userID, on: connection)
      return SignedIn(
        session: session, user: user,
        memberships: try AccountStore.memberships(user.id, on: connection))
    }
  }

  /// Records the second factor (a TOTP code or a recovery code the caller accepted) in the
  /// live session with this secret, and gives it a new secret, returned once: the caller
  /// sets the cookie anew. Nil when the session is not live, or its user has no enabled
  /// second factor (enrolment first: `AccountStore.enableTOTP`).
  public func markSecondFactor(secret: String, idleTimeout: Int = defaultIdleTimeout) throws
    -> String?
  {
    let fresh = Secret.make()
    return try pool.transaction { connection in
      try connection.execute(
        """
        UPDATE sessions SET token_hash = sha256(convert_to($2, 'UTF8')),
          second_factor_at = now(), last_seen_at = now()
        WHERE token_hash = sha256(convert_to($1, 'UTF8')) AND ended_at IS NULL
          AND expires_at > now() AND last_seen_at > now() - $3 * interval '1 second'
          AND user_id IN (SELECT id FROM users
                          WHERE totp_enabled_at IS NOT NULL AND disabled_at IS NULL)
        """, [secret, fresh, idleTimeout]) == 1 ? fresh : nil
    }
  }

  /// Signs out: the session with this secret ends. False when it was not live.
  @discardableResult
  public func end(secret: String) throws -> Bool {
    try pool.transaction { connection in
      try connection.execute(
        """
        UPDATE sessions SET ended_at = now(), end_reason = 'signed-out'
        WHERE token_hash = sha256(convert_to($1, 'UTF8')) AND ended_at IS NULL
        """, [secret]) == 1
    }
  }

  /// Ends one of the user's own sessions, from the list of their sessions. False when it is
  /// not theirs or not live.
  @discardableResult
  public func end(sessionID: UUID, userID: UUID) throws -> Bool {
    try pool.transaction { connection in
      try connection.execute(
        """
        UPDATE sessions SET ended_at = now(), end_reason = 'ended'
        WHERE id = $1 AND user_id = $2 AND ended_at IS NULL
        """, [sessionID, userID]) == 1
    }
  }

  /// Ends every session of the user but `except` (the one asking, when it should stay);
  /// returns how many ended.
  @discardableResult
  public func endAll(userID: UUID, except: UUID? = nil) throws -> Int {
    try pool.transaction { connection in
      try connection.execute(
        """
        UPDATE sessions SET ended_at = now(), end_reason = 'ended'
        WHERE user_id = $1 AND ended_at IS NULL AND id IS DISTINCT FROM $2::uuid
        """, [userID, except])
    }
  }

  /// The user's live sessions, the newest first.
  public func list(userID: UUID, idleTimeout: Int = defaultIdleTimeout) throws -> [Session] {
    try pool.transaction { connection in
      try connection.query(
        """
        SELECT \(Self.columns) FROM sessions s
        WHERE s.user_id = \(userID) AND s.ended_at IS NULL AND s.expires_at > now()
          AND s.last_seen_at > now() - \(idleTimeout) * interval '1 second'
        ORDER BY s.created_at DESC, s.id
        """
      ).map(Self.decode)
    }
  }

  /// Deletes sessions that ended or expired more than `days` days ago; returns how many.
  @discardableResult
  public func purge(olderThanDays days: Int = 30) throws -> Int {
    try pool.transaction { connection in
      try connection.execute(
        """
        DELETE FROM sessions
        WHERE coalesce(ended_at, expires_at) < now() - $1 * interval '1 day'
        """, [days])
    }
  }

  static func cut(_ text: String, to length: Int) -> String {
    var scalars = String.UnicodeScalarView()
    for scalar in text.unicodeScalars.prefix(length) where !TextRules.isControl(scalar) {
      scalars.append(scalar)
    }
    return String(scalars)
  }

  static func decode(_ row: Row) throws -> Session {
    Session(
      id: try row.decode("id"), userID: try row.decode("user_id"),
      createdAt: try row.decode("created_at"), lastSeenAt: try row.decode("last_seen_at"),
      expiresAt: try row.decode("expires_at"), secondFactorAt: try row.decode("second_factor_at"),
      endedAt: try row.decode("ended_at"), endReason: try row.decode("end_reason"),
      userAgent: try row.decode("user_agent"), clientAddress: try row.decode("client_address"))
  }
}
