public import AlmedalenCore
public import Foundation
import Postgres

/// What a queued message is about. The raw values are `mail_outbox.kind`.
public enum MailKind: String, Sendable, CaseIterable {
  case signup, promotion, cancellation, change
  case eventCancelled = "event-cancelled"
  case links, invitation
  /// A request's link to confirm it; and, for an address signed up already, its links.
  case confirm, already
  case passwordReset = "password-reset"
  /// The link that verifies the address of a self-registered organiser's first user.
  case verification
}

/// The mail outbox (Schema/005_mail.sql): messages queued in the transaction of the change
/// that causes them, claimed by senders with `FOR UPDATE SKIP LOCKED` and a lease, rendered
/// once, then marked sent, retried later or failed.
public struct OutboxStore: Sendable {
  let pool: ConnectionPool

  /// Everything a message is rendered from, read in the claiming transaction. Secrets are
  /// minted for the kinds that carry links and are shown only here.
  public struct Facts: Sendable {
    public var id: Int64
    public var kind: MailKind
    public var recipient: String
    public var createdAt: Date
    public var registration: Registration?
    /// The status and waitlist position a sign-up had when it was made.
    public var signupStatus: RegistrationStatus?
    public var signupPosition: Int?
    /// The event, with its venue and organiser names (one event, or the attendee's events
    /// for `links`).
    public var programme = ProgrammeSnapshot()
    /// A change's time and place before its first edit.
    public var previousStart: Date?
    public var previousEnd: Date?
    public var previousVenue: Venue?
    /// A new cancel secret per registration id, and a new calendar secret.
    public var cancelSecrets: [UUID: String] = [:]
    public var calendarSecret: String?
    /// The attendee's active registrations (`links`).
    public var registrations: [Registration] = []
    /// An account link's message (invitation, verification, reset): its new secret and
    /// what the text says. Nil when the link was used, revoked or expired meanwhile; then
    /// there is nothing to send.
    public var accountLink: AccountLinkFacts?
  }

  /// What an account link's message needs. The secret is minted here, when the message is
  /// rendered; only its hash is stored (in `account_links`), and it works until the link's
  /// `expiresAt`, once.
  public struct AccountLinkFacts: Sendable, Equatable {
    public var linkID: UUID
    public var kind: AccountLinkKind
    public var secret: String
    public var expiresAt: Date
    /// The recipient's name.
    public var userName: String
    /// Whether the recipient has no password yet (an invitation then asks them to choose one).
    public var needsPassword: Bool
    /// An invitation's organiser and role, and who invited.
    public var organiserName: String?
    public var role: MembershipRole?
    public var inviterName: String?
    /// A self-registration's organisation name (verification).
    public var organisationName: String?
  }

  /// A claimed message, rendered: `message` is the MailMessage as JSON.
  public struct Claimed: Sendable {
    public var id: Int64
    public var kind: MailKind
    public var recipient: String
    public var message: String
    public var messageID: String
    public var attempts: Int
    public var createdAt: Date
  }

  /// A row of `mail list`: never a body or a secret.
  public struct Entry: Sendable {
    public var id: Int64
    public var kind: String
    public var recipient: String
    public var state: String
    public var attempts: Int
    public var notBefore: Date
    public var sentAt: Date?
    public var messageID: String?
    public var lastError: String?
  }

  /// The backlog in figures.
  public struct Status: Sendable {
    public var pending: Int
    public var failed: Int
    public var sent: Int
    public var oldestPendingAt: Date?
  }

  /// The outcome of a rendering: the message as JSON with its Message-ID, or nothing to
  /// send (the change was undone, the registration is gone) and the row is dropped.
  public enum Rendering: Sendable {
    case message(json: String, messageID: String)
    case nothing(reason: String)
  }

  /// Claims up to `limit` due messages for `lease` seconds, rendering those not rendered
  /// yet. Moves are due `coalesceSeconds` after their first edit. A row whose rendering
  /// throws is failed with the error, so that one bad row never stops the queue.
  public func claim(
    limit: Int, lease: Int, coalesceSeconds: Int,
    render: (Facts) throws -> Rendering
  ) throws -> (claimed: [Claimed], dropped: [(id: Int64, kind: MailKind, reason: String)]) {
    try pool.transaction { connection in
      let rows = try connection.query(
        """
        SELECT id, kind, recipient, registration_id, event_id, account_link_id,
               payload::text AS payload,
               message::text AS message, message_id, attempts, created_at,
               (payload->>'starts_at')::timestamptz AS previous_start,
               (payload->>'ends_at')::timestamptz AS previous_end,
               (payload->>'venue_id')::uuid AS previous_venue,
               payload->>'status' AS signup_status, (payload->>'position')::int AS position
        FROM mail_outbox
        WHERE state = 'pending' AND not_before <= now()
          AND (claimed_until IS NULL OR claimed_until < now())
          AND NOT (kind = 'change' AND message IS NULL
                   AND created_at > now() - \(coalesceSeconds) * interval '1 second')
        ORDER BY not_before, id
        LIMIT \(limit)
        FOR UPDATE SKIP LOCKED
        """)
      var claimed: [Claimed] = []
      var dropped: [(id: Int64, kind: MailKind, reason: String)] = []
      for row in rows {
        let id: Int64 = try row.decode("id")
        guard let kind = MailKind(rawValue: try row.decode("kind")) else { continue }
        var message: String? = try row.decode("message")
        var messageID: String? = try row.decode("message_id")
        if message == nil {
          let facts = try Self.facts(of: row, kind: kind, on: connection)
          let rendering: Rendering
          do {
            rendering = try render(facts)
          } catch {
            try connection.execute(
              """
              UPDATE mail_outbox SET state = 'failed', last_error = left($2, 1000)
              WHERE id = $1
              """, [id, "rendering failed: \(error)"])
            continue
          }
          switch rendering {
          case .nothing(let reason):
            try connection.execute("DELETE FROM mail_outbox WHERE id = $1", [id])
            dropped.append((id, kind, reason))
            continue
          case .message(let json, let newID):
            try connection.execute(
              "UPDATE mail_outbox SET message = $2::jsonb, message_id = $3 WHERE id = $1",
              [id, json, newID])
            message = json
            messageID = newID
          }
        }
        guard let message, let messageID else { continue }
        claimed.append(
          Claimed(
            id: id, kind: kind, recipient: try row.decode("recipient"), message: message,
            messageID: messageID, attempts: try row.decode("attempts") + 1,
            createdAt: try row.decode("created_at")))
      }
      try connection.execute(
        """
        UPDATE mail_outbox SET claimed_until = now() + $2 * interval '1 second',
          attempts = attempts + 1
        WHERE id = ANY ($1::bigint[])
        """, [claimed.map(\.id), lease])
      return (claimed, dropped)
    }
  }

  /// The relay took the message: the body, which holds secret links, is dropped.
  public func markSent(id: Int64) throws {
    try pool.withConnection { connection in
      _ = try connection.execute(
        """
        UPDATE mail_outbox SET state = 'sent', sent_at = now(), message = NULL, payload = '{}',
          claimed_until = NULL, last_error = NULL
        WHERE id = $1 AND state = 'pending'
        """, [id])
    }
  }

  /// A temporary failure: due again after `retryAfter` seconds, unless the message has been
  /// queued for longer than `giveUpAfter` seconds, when it fails for good. A permanent
  /// failure (`retryAfter` nil) fails at once.
  public func markFailed(id: Int64, error: String, retryAfter: Int?, giveUpAfter: Int) throws {
    try pool.withConnection { connection in
      _ = try connection.execute(
        """
        UPDATE mail_outbox SET claimed_until = NULL, last_error = left($2, 1000),
          state = CASE WHEN $3::int IS NULL
                         OR created_at + $4 * interval '1 second' < now() + $3 * interval '1 second'
                       THEN 'failed' ELSE 'pending' END,
          not_before = now() + coalesce($3::int, 0) * interval '1 second'
        WHERE id = $1 AND state = 'pending'
        """, [id, error, retryAfter, giveUpAfter])
    }
  }

  /// Failed messages (or one) become due now, with their attempts counted afresh. Returns how
  /// many.
  @discardableResult
  public func retry(id: Int64?) throws -> Int {
    try pool.withConnection { connection in
      try connection.execute(
        """
        UPDATE mail_outbox SET state = 'pending', not_before = now(), claimed_until = NULL,
          attempts = 0, created_at = now()
        WHERE state IN ('failed', 'pending') AND ($1::bigint IS NULL OR id = $1)
          AND ($1::bigint IS NOT NULL OR state = 'failed')
        """, [id])
    }
  }

  /// Counts per state and the oldest pending message.
  public func status() throws -> Status {
    try pool.withConnection { connection in
      let row = try connection.query(
        """
        SELECT count(*) FILTER (WHERE state = 'pending')::int AS pending,
               count(*) FILTER (WHERE state = 'failed')::int AS failed,
               count(*) FILTER (WHERE state = 'sent')::int AS sent,
               min(created_at) FILTER (WHERE state = 'pending') AS oldest
        FROM mail_outbox
        """)[0]
      return Status(
        pending: try row.decode("pending"), failed: try row.decode("failed"),
        sent: try row.decode("sent"), oldestPendingAt: try row.decode("oldest"))
    }
  }

  /// The messages in one state (or all), oldest first, at most `limit`.
  public func list(state: String?, limit: Int = 1000) throws -> [Entry] {
    try pool.withConnection { connection in
      try connection.query(
        """
        SELECT id, kind, recipient, state, attempts, not_before, sent_at, message_id, last_error
        FROM mail_outbox WHERE \(state)::text IS NULL OR state = \(state)
        ORDER BY id LIMIT \(limit)
        """
      ).map { row in
        Entry(
          id: try row.decode("id"), kind: try row.decode("kind"),
          recipient: try row.decode("recipient"), state: try row.decode("state"),
          attempts: try row.decode("attempts"), notBefore: try row.decode("not_before"),
          sentAt: try row.decode("sent_at"), messageID: try row.decode("message_id"),
          lastError: try row.decode("last_error"))
      }
    }
  }

  // MARK: Rendering facts

  /// A new secret for a live account link (replacing one minted by a rendering that failed
  /// and was never sent), with what its message says; nil when the link is no longer live.
  static func mintAccountLink(_ id: UUID, on connection: Connection) throws -> AccountLinkFacts? {
    let secret = Secret.make()
    guard
      let row = try connection.query(
        """
        UPDATE account_links l SET token_hash = sha256(convert_to(\(secret), 'UTF8'))
        FROM users u
        WHERE l.id = \(id) AND u.id = l.user_id AND l.used_at IS NULL AND l.revoked_at IS NULL
          AND l.expires_at > now() AND u.disabled_at IS NULL
        RETURNING l.kind, l.expires_at, l.role, l.organisation_name, u.name AS user_name,
          u.password_hash IS NULL AS needs_password,
          (SELECT name FROM organisers WHERE id = l.organiser_id) AS organiser_name,
          (SELECT name FROM users WHERE id = l.invited_by) AS inviter_name
        """
      ).first
    else { return nil }
    return AccountLinkFacts(
      linkID: id, kind: try row.decode("kind"), secret: secret,
      expiresAt: try row.decode("expires_at"), userName: try row.decode("user_name"),
      needsPassword: try row.decode("needs_password"),
      organiserName: try row.decode("organiser_name"), role: try row.decode("role"),
      inviterName: try row.decode("inviter_name"),
      organisationName: try row.decode("organisation_name"))
  }

  static func facts(of row: Row, kind: MailKind, on connection: Connection) throws -> Facts {
    var facts = Facts(
      id: try row.decode("id"), kind: kind, recipient: try row.decode("recipient"),
      createdAt: try row.decode("created_at"))
    facts.signupStatus = try (row.decode("signup_status", as: String?.self)).flatMap {
      RegistrationStatus(rawValue: $0)
    }
    facts.signupPosition = try row.decode("position")
    facts.previousStart = try row.decode("previous_start")
    facts.previousEnd = try row.decode("previous_end")
    if let venueID: UUID = try row.decode("previous_venue") {
      facts.previousVenue = try connection.query(
        "SELECT \(VenueStore.columns) FROM venues WHERE id = \(venueID)"
      ).first.map(VenueStore.decode)
    }
    if let linkID: UUID = try row.decode("account_link_id") {
      facts.accountLink = try mintAccountLink(linkID, on: connection)
    }
    if let registrationID: UUID = try row.decode("registration_id") {
      facts.registration = try connection.query(
        "SELECT \(RegistrationStore.columns) FROM registrations WHERE id = \(registrationID)"
      ).first.map(RegistrationStore.decode)
    }
    var eventIDs: [UUID] = try row.decode("event_id", as: UUID?.self).map { [$0] } ?? []
    if kind == .links {
      facts.registrations = try connection.query(
        """
        SELECT \(RegistrationStore.columns) FROM registrations r
        WHERE lower(email) = lower(\(facts.recipient)) AND status <> 'cancelled'
          AND verified_at IS NOT NULL
          AND EXISTS (SELECT 1 FROM events e WHERE e.id = r.event_id AND e.ends_at > now())
        ORDER BY arrival
        """
      ).map(RegistrationStore.decode)
      eventIDs = facts.registrations.map(\.eventID)
    }
    if !eventIDs.isEmpty {
      let rows = try connection.query(
        """
        SELECT e.number, \(EventStore.columns) FROM events e
        WHERE e.id = ANY (\(eventIDs)::uuid[]) ORDER BY e.starts_at, e.title, e.id
        """)
      facts.programme = try FeedStore.resolve(Array(rows), on: connection)
    }
    // New links, for the messages that carry them.
    let linked: [Registration]
    switch kind {
    case .signup, .promotion, .confirm, .already: linked = facts.registration.map { [$0] } ?? []
    case .links: linked = facts.registrations
    default: linked = []
    }
    guard let first = linked.first, first.email != nil else { return facts }
    for registration in linked {
      let secret = Secret.make()
      try connection.execute(
        """
        INSERT INTO registration_tokens (token_hash, registration_id)
        VALUES (sha256(convert_to($1, 'UTF8')), $2)
        """, [secret, registration.id])
      facts.cancelSecrets[registration.id] = secret
    }
    let secret = Secret.make()
    let inserted = try connection.execute(
      """
      INSERT INTO calendar_tokens (token_hash, attendee_id)
      SELECT sha256(convert_to($1, 'UTF8')), attendee_id FROM registrations
      WHERE id = $2 AND attendee_id IS NOT NULL
      """, [secret, first.id])
    if inserted == 1 { facts.calendarSecret = secret }
    return facts
  }
}
