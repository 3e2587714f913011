public import AlmedalenCore
public import Foundation
import Postgres

/// Sign-ups, with capacity and the waitlist decided under a row lock on the event, so that
/// any number of server processes can take sign-ups at once without overbooking.
public struct RegistrationStore: Sendable {
  let pool: ConnectionPool

  static let columns: PostgresQuery =
    """
    id, event_id, name, email, status, arrival, revision, created_at, updated_at, erased_at,
    verified_at, expires_at
    """

  /// The outcome of a sign-up. `secret` is the attendee's cancel/calendar secret: shown once,
  /// stored only as a hash. It is nil when the email was already signed up (`existing`).
  public struct SignUp: Sendable {
    public let registration: Registration
    public let secret: String?
    /// A new secret for the attendee's calendar of all their sign-ups (nil with `secret`).
    public let calendarSecret: String?
    /// 1 for the first on the waitlist; nil when confirmed.
    public let waitlistPosition: Int?
    public var existing: Bool { secret == nil }
  }

  /// Signs up someone whose address is proven (they hold their attendee link): confirmed
  /// while seats remain, waitlisted after. A second sign-up with the same email answers with
  /// the existing registration. Requests from anyone else go through `request`.
  public func register(eventID: UUID, name: String, email: String, at now: Date = Date()) throws
    -> SignUp
  {
    do {
      try Registration.validate(name: name, email: email)
    } catch let error as ValidationError {
      throw StoreError.invalid(error)
    }
    let secret = Secret.make()
    let calendarSecret = Secret.make()
    return try pool.transaction { connection in
      // The event's row lock serialises every seat decision for this event.
      guard
        let event = try connection.query(
          """
          SELECT status, registration_open, capacity, ends_at FROM events
          WHERE id = $1 FOR UPDATE
          """, [eventID]
        ).first
      else { throw StoreError.notFound(entity: "event", id: eventID.uuidString) }
      let status: EventStatus = try event.decode("status")
      // A draft, or an event in review, does not exist for the public.
      guard status.isPublic else {
        throw StoreError.notFound(entity: "event", id: eventID.uuidString)
      }
      guard status == .published else { throw StoreError.lifecycle("the event is cancelled") }
      guard try event.decode("registration_open", as: Bool.self) else {
        throw StoreError.lifecycle("registration for this event is closed")
      }
      guard try event.decode("ends_at", as: Date.self) > now else {
        throw StoreError.lifecycle("the event is over")
      }
      try Self.expireHolds(of: eventID, on: connection)
      if let row = try connection.query(
        """
        SELECT \(Self.columns) FROM registrations
        WHERE event_id = \(eventID) AND lower(email) = lower(\(email)) AND status <> 'cancelled'
          AND verified_at IS NOT NULL
        """
      ).first {
        let registration = try Self.decode(row)
        return SignUp(
          registration: registration, secret: nil, calendarSecret: nil,
          waitlistPosition: try Self.position(of: registration, on: connection))
      }
      let capacity: Int? = try event.decode("capacity")
      let confirmed: Int = try connection.query(
        "SELECT count(*)::int AS n FROM registrations WHERE event_id = $1 AND status = 'confirmed'",
        [eventID]
      )[0].decode("n")
      let newStatus: RegistrationStatus =
        capacity.map { confirmed < $0 } ?? true ? .confirmed : .waitlisted
      let attendeeID: UUID = try connection.query(
        """
        INSERT INTO attendees (email) VALUES ($1)
        ON CONFLICT (lower(email)) DO UPDATE SET email = attendees.email RETURNING id
        """, [email]
      )[0].decode("id")
      try connection.execute(
        """
        INSERT INTO calendar_tokens (token_hash, attendee_id)
        VALUES (sha256(convert_to($1, 'UTF8')), $2)
        """, [calendarSecret, attendeeID])
      // The clock after the lock, not the transaction's start: sign-up times then follow
      // the arrival order the organiser's list shows.
      let registration = try Self.decode(
        connection.query(
          """
          INSERT INTO registrations (event_id, name, email, status, token_hash, attendee_id,
                                     created_at, updated_at, verified_at)
          VALUES (\(eventID), \(name), \(email), \(newStatus), sha256(convert_to(\(secret), 'UTF8')),
                  \(attendeeID), clock_timestamp(), clock_timestamp(), clock_timestamp())
          RETURNING \(Self.columns)
          """)[0])
      try connection.execute(
        """
        INSERT INTO registration_tokens (token_hash, registration_id)
        VALUES (sha256(convert_to($1, 'UTF8')), $2)
        """, [secret, registration.id])
      return SignUp(
        registration: registration, secret: secret, calendarSecret: calendarSecret,
        waitlistPosition: try Self.position(of: registration, on: connection))
    }
  }

  /// Cancels the registration whose secret this is; the first on the waitlist takes the
  /// freed seat in the same transaction. Returns the cancelled registration.
  @discardableResult
  public func cancel(secret: String) throws -> Registration {
    try pool.transaction { connection in
      guard
        let found = try connection.query(
          """
          SELECT r.id, r.event_id FROM registrations r JOIN registration_tokens t
            ON t.registration_id = r.id
          WHERE t.token_hash = sha256(convert_to($1, 'UTF8'))
          """, [secret]
        ).first
      else { throw StoreError.notFound(entity: "registration", id: "(secret)") }
      let eventID: UUID = try found.decode("event_id")
      let id: UUID = try found.decode("id")
      // Lock the event first, in the same order as sign-ups, so the two never deadlock.
      try connection.query("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", [eventID])
      let registration = try Self.decode(
        connection.query(
          """
          UPDATE registrations SET status = 'cancelled', updated_at = now(),
            revision = revision + CASE WHEN status = 'cancelled' THEN 0 ELSE 1 END
          WHERE id = \(id)
          RETURNING \(Self.columns)
          """)[0])
      try Self.fillFreeSeats(of: eventID, on: connection)
      return registration
    }
  }

  /// How much mail a public request may cause to one address in an hour. Counted per address
  /// and client, so that one client cannot use up the address's share and keep its owner's
  /// own requests from being mailed, and per address across clients, so that many clients
  /// together cannot flood the mailbox either. Past either, the mail is dropped.
  public struct MailCap: Sendable, Equatable {
    /// Who asks: the client address the per-client limit counts (never stored in clear).
    public var client: String
    /// Mails to one address caused by one client, per hour.
    public var perClient: Int
    /// Mails to one address caused by all clients together, per hour.
    public var perAddress: Int

    public init(client: String, perClient: Int = 5, perAddress: Int = 20) {
      self.client = client
      self.perClient = perClient
      self.perAddress = perAddress
    }
  }

  /// What became of a request; the caller answers the same in every case.
  public enum RequestOutcome: Sendable, Equatable {
    /// A place is held and the address is asked to confirm it.
    case held
    /// The address is signed up already: it is sent its links; a place is held all the same
    /// (and expires), so that nothing public tells the two apart.
    case known
    /// As `held` or `known`, but the address had its share of mail this hour (`MailCap`):
    /// nothing is sent.
    case capped
  }

  /// A sign-up from someone whose address is not proven: it holds a seat (or a waitlist
  /// place) for `holdSeconds` and mails the address the link to confirm it, or, when the
  /// address is signed up for the event already, its links again, within `mail`'s cap; more
  /// are dropped. Nothing is linked to the address's attendee until it is confirmed.
  public func request(
    eventID: UUID, name: String, email: String, holdSeconds: Int, mail: MailCap,
    at now: Date = Date()
  ) throws -> RequestOutcome {
    do {
      try Registration.validate(name: name, email: email)
    } catch let error as ValidationError {
      throw StoreError.invalid(error)
    }
    return try pool.transaction { connection in
      try Self.lockOpenEvent(eventID, at: now, on: connection)
      try Self.expireHolds(of: eventID, on: connection)
      let capacity: Int? = try connection.query(
        "SELECT capacity FROM events WHERE id = $1", [eventID])[0].decode("capacity")
      let seated: Int = try connection.query(
        "SELECT count(*)::int AS n FROM registrations WHERE event_id = $1 AND status = 'confirmed'",
        [eventID]
      )[0].decode("n")
      let status: RegistrationStatus =
        capacity.map { seated < $0 } ?? true ? .confirmed : .waitlisted
      let hold: UUID = try connection.query(
        """
        INSERT INTO registrations (event_id, name, email, status, created_at, updated_at,
                                   expires_at)
        VALUES (\(eventID), \(name), \(email), \(status), clock_timestamp(), clock_timestamp(),
                clock_timestamp() + \(holdSeconds) * interval '1 second')
        RETURNING id
        """)[0].decode("id")
      let known: UUID? = try connection.query(
        """
        SELECT id FROM registrations
        WHERE event_id = \(eventID) AND lower(email) = lower(\(email)) AND status <> 'cancelled'
          AND verified_at IS NOT NULL
        """
      ).first?.decode("id")
      guard try Self.countMail(to: email, within: mail, on: connection) else {
        return .capped
      }
      try connection.execute(
        """
        INSERT INTO mail_outbox (kind, recipient, registration_id, event_id)
        VALUES (\(known == nil ? "confirm" : "already"), \(email), \(known ?? hold), \(eventID))
        """)
      return known == nil ? .held : .known
    }
  }

  /// What confirming a request did.
  public enum Confirmation: Sendable {
    /// The address is proven: the registration, confirmed or waitlisted, with its position.
    case confirmed(Registration, waitlistPosition: Int?)
    /// The address was signed up for the event already: the request let go of its place.
    case alreadySignedUp(Registration, waitlistPosition: Int?)
    /// The request was not confirmed in time, or was cancelled.
    case expired
  }

  /// Confirms the request whose secret this is (from the mail, so the address is proven):
  /// it keeps its place and is linked to the address's attendee; the sign-up message with
  /// the attendee's links follows. Repeating is harmless.
  public func confirm(secret: String) throws -> Confirmation {
    try pool.transaction { connection in
      let id = try Self.registrationID(secret: secret, on: connection)
      let eventID: UUID = try connection.query(
        "SELECT event_id FROM registrations WHERE id = $1", [id])[0].decode("event_id")
      try connection.query("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", [eventID])
      try Self.expireHolds(of: eventID, on: connection)
      let registration = try Self.decode(
        connection.query("SELECT \(Self.columns) FROM registrations WHERE id = \(id)")[0])
      switch registration.status {
      case .cancelled: return .expired
      case .confirmed, .waitlisted:
        return .confirmed(
          registration, waitlistPosition: try Self.position(of: registration, on: connection))
      case .pending: break
      }
      guard let email = registration.email else { return .expired }
      if let row = try connection.query(
        """
        SELECT \(Self.columns) FROM registrations
        WHERE event_id = \(eventID) AND lower(email) = lower(\(email)) AND status <> 'cancelled'
          AND verified_at IS NOT NULL
        """
      ).first {
        try connection.execute(
          "UPDATE registrations SET status = 'cancelled', updated_at = now() WHERE id = $1", [id])
        try Self.fillFreeSeats(of: eventID, on: connection)
        let existing = try Self.decode(row)
        return .alreadySignedUp(
          existing, waitlistPosition: try Self.position(of: existing, on: connection))
      }
      let attendeeID: UUID = try connection.query(
        """
        INSERT INTO attendees (email) VALUES ($1)
        ON CONFLICT (lower(email)) DO UPDATE SET email = attendees.email RETURNING id
        """, [email]
      )[0].decode("id")
      let confirmed = try Self.decode(
        connection.query(
          """
          UPDATE registrations SET verified_at = clock_timestamp(), expires_at = NULL,
            attendee_id = \(attendeeID), updated_at = now()
          WHERE id = \(id) RETURNING \(Self.columns)
          """)[0])
      return .confirmed(
        confirmed, waitlistPosition: try Self.position(of: confirmed, on: connection))
    }
  }

  /// Lets go of every request not confirmed in time, in every event, and moves the waitlists
  /// on; returns how many. Each event is locked first, in the order sign-ups lock it.
  @discardableResult
  public func expireHolds() throws -> Int {
    let events: [UUID] = try pool.withConnection { connection in
      try connection.query(
        """
        SELECT DISTINCT event_id FROM registrations
        WHERE verified_at IS NULL AND status <> 'cancelled' AND expires_at < now()
        """
      ).map { try $0.decode("event_id") }
    }
    var expired = 0
    for eventID in events {
      expired += try pool.transaction { connection in
        try connection.query("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", [eventID])
        return try Self.expireHolds(of: eventID, on: connection)
      }
    }
    return expired
  }

  /// With the event locked: its expired requests let go, and the waitlist moves on.
  @discardableResult
  static func expireHolds(of eventID: UUID, on connection: Connection) throws -> Int {
    let expired = try connection.execute(
      """
      UPDATE registrations SET status = 'cancelled', updated_at = now()
      WHERE event_id = $1 AND verified_at IS NULL AND status <> 'cancelled'
        AND expires_at < clock_timestamp()
      """, [eventID])
    if expired > 0 { try fillFreeSeats(of: eventID, on: connection) }
    return expired
  }

  /// Locks the event for a seat decision; it must be public, open and not over.
  static func lockOpenEvent(_ eventID: UUID, at now: Date, on connection: Connection) throws {
    guard
      let event = try connection.query(
        """
        SELECT status, registration_open, ends_at FROM events WHERE id = $1 FOR UPDATE
        """, [eventID]
      ).first
    else { throw StoreError.notFound(entity: "event", id: eventID.uuidString) }
    let status: EventStatus = try event.decode("status")
    guard status.isPublic else {
      throw StoreError.notFound(entity: "event", id: eventID.uuidString)
    }
    guard status == .published else { throw StoreError.lifecycle("the event is cancelled") }
    guard try event.decode("registration_open", as: Bool.self) else {
      throw StoreError.lifecycle("registration for this event is closed")
    }
    guard try event.decode("ends_at", as: Date.self) > now else {
      throw StoreError.lifecycle("the event is over")
    }
  }

  /// Counts one mail to `email` in this hour's window; false when over `limit`.
  /// Counts one mail to `email` against `cap`, per address and client first, so that a
  /// client past its own share does not use up the address's; false when over either.
  static func countMail(to email: String, within cap: MailCap, on connection: Connection) throws
    -> Bool
  {
    // The keys are hashes; the per-client one is the address's, a colon and 128 bits of the
    // client's, so that erasing the address finds it (and it fits rate_limits' 100).
    func count(client: String?) throws -> Int {
      try connection.query(
        """
        INSERT INTO rate_limits AS r (key, window_start, count)
        VALUES (encode(sha256(convert_to('mail:' || lower($1), 'UTF8')), 'hex')
                  || coalesce(':' || left(encode(sha256(convert_to($2, 'UTF8')), 'hex'), 32), ''),
                date_trunc('hour', now()), 1)
        ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + 1
        RETURNING count
        """, [email, client]
      )[0].decode("count")
    }
    return try count(client: cap.client) <= cap.perClient
      && count(client: nil) <= cap.perAddress
  }

  static func registrationID(secret: String, on connection: Connection) throws -> UUID {
    guard
      let row = try connection.query(
        """
        SELECT registration_id FROM registration_tokens
        WHERE token_hash = sha256(convert_to($1, 'UTF8'))
        """, [secret]
      ).first
    else { throw StoreError.notFound(entity: "registration", id: "(secret)") }
    return try row.decode("registration_id")
  }

  /// Promotes the waitlist, in arrival order, into seats that are free. Call with the event
  /// row locked. Lowering capacity never removes confirmed people.
  static func fillFreeSeats(of eventID: UUID, on connection: Connection) throws {
    try connection.execute(
      """
      WITH event AS (
        SELECT capacity FROM events WHERE id = $1
      ), free AS (
        SELECT CASE WHEN event.capacity IS NULL THEN NULL
                    ELSE greatest(event.capacity - (
                      SELECT count(*) FROM registrations
                      WHERE event_id = $1 AND status = 'confirmed'), 0) END AS seats
        FROM event
      ), promoted AS (
        SELECT id FROM registrations
        WHERE event_id = $1 AND status = 'waitlisted'
        ORDER BY arrival
        LIMIT (SELECT seats FROM free)
      )
      UPDATE registrations SET status = 'confirmed', updated_at = now(), revision = revision + 1
      WHERE id IN (SELECT id FROM promoted)
      """, [eventID])
  }

  /// The event's registrations in arrival order (organisers and admins only), each with its
  /// waitlist position.
  public func list(eventID: UUID) throws -> [(registration: Registration, waitlistPosition: Int?)] {
    try pool.transaction { connection in
      try connection.query(
        """
        SELECT \(Self.columns), CASE WHEN status = 'waitlisted'
               THEN row_number() OVER (PARTITION BY status ORDER BY arrival) END AS position
        FROM registrations WHERE event_id = \(eventID) ORDER BY arrival
        """
      ).map { (try Self.decode($0), try $0.decode("position", as: Int?.self)) }
    }
  }

  /// Seats taken and waitlist places taken, for the public: requests not yet confirmed count
  /// as what they hold, so that nothing shown tells whether a request was new or known.
  public func places(eventID: UUID) throws -> (seated: Int, queued: Int) {
    try pool.withConnection { connection in
      let row = try connection.query(
        """
        SELECT count(*) FILTER (WHERE status = 'confirmed')::int AS seated,
               count(*) FILTER (WHERE status = 'waitlisted')::int AS queued
        FROM registrations WHERE event_id = $1
        """, [eventID])[0]
      return (try row.decode("seated"), try row.decode("queued"))
    }
  }

  /// Headcounts per status, requests not yet confirmed (`pending`) apart; the confirmed count
  /// is what the caterer needs.
  public func counts(eventID: UUID) throws -> [RegistrationStatus: Int] {
    try pool.transaction { connection in
      var counts: [RegistrationStatus: Int] = [
        .confirmed: 0, .waitlisted: 0, .cancelled: 0, .pending: 0,
      ]
      for row in try connection.query(
        """
        SELECT CASE WHEN verified_at IS NULL AND status <> 'cancelled' THEN 'pending'
                    ELSE status END AS shown, count(*)::int AS n
        FROM registrations WHERE event_id = $1 GROUP BY shown
        """, [eventID])
      {
        counts[try row.decode("shown")] = try row.decode("n")
      }
      return counts
    }
  }

  /// Erases one person's name and email everywhere (GDPR article 17), with their calendar
  /// links; returns how many registrations held them. The registrations stay, anonymous and
  /// unlinked, for headcounts.
  @discardableResult
  public func erase(email: String) throws -> Int {
    try pool.transaction { connection in
      let erased = try connection.execute(
        """
        UPDATE registrations SET name = NULL, email = NULL, attendee_id = NULL,
          erased_at = now(), updated_at = now()
        WHERE lower(email) = lower($1)
           OR attendee_id IN (SELECT id FROM attendees WHERE lower(email) = lower($1))
        """, [email])
      // Queued and sent messages, with their bodies: nothing more goes to the address.
      try connection.execute(
        """
        DELETE FROM mail_outbox WHERE lower(recipient) = lower($1)
           OR registration_id IN (SELECT id FROM registrations WHERE erased_at IS NOT NULL)
        """, [email])
      try connection.execute(
        """
        DELETE FROM registration_tokens
        WHERE registration_id IN (SELECT id FROM registrations WHERE erased_at IS NOT NULL)
        """)
      try connection.execute("DELETE FROM attendees WHERE lower(email) = lower($1)", [email])
      // Even a hash of the address is about them (and guessable from it).
      try connection.execute(
        """
        DELETE FROM rate_limits
        WHERE key IN (
            encode(sha256(convert_to('email:' || lower($1), 'UTF8')), 'hex'),
            encode(sha256(convert_to('mail:' || lower($1), 'UTF8')), 'hex'))
          OR key LIKE encode(sha256(convert_to('mail:' || lower($1), 'UTF8')), 'hex') || ':%'
        """,
        [email])
      return erased
    }
  }

  /// Erases attendee data of editions that ended more than `days` days before `now`, and
  /// attendees left with nothing to show; also forgets old rate-limit windows.
  @discardableResult
  public func eraseEnded(retentionDays days: Int, now: Date = Date()) throws -> Int {
    try pool.transaction { connection in
      let erased = try connection.execute(
        """
        UPDATE registrations r SET name = NULL, email = NULL, attendee_id = NULL,
          erased_at = now(), updated_at = now()
        FROM events e JOIN editions ed ON ed.id = e.edition_id
        WHERE r.event_id = e.id AND r.erased_at IS NULL
          AND ed.last_day + $1::int < ($2::timestamptz AT TIME ZONE ed.time_zone)::date
        """, [days, now])
      try connection.execute(
        """
        DELETE FROM mail_outbox o
        WHERE registration_id IN (SELECT id FROM registrations WHERE erased_at IS NOT NULL)
           OR (o.kind = 'links' AND NOT EXISTS (
                 SELECT 1 FROM registrations r WHERE lower(r.email) = lower(o.recipient)))
           OR (o.state <> 'pending'
               AND o.created_at < $1::timestamptz - $2::int * interval '1 day')
        """, [now, days])
      try connection.execute(
        """
        DELETE FROM registration_tokens
        WHERE registration_id IN (SELECT id FROM registrations WHERE erased_at IS NOT NULL)
        """)
      try connection.execute(
        """
        DELETE FROM attendees a
        WHERE NOT EXISTS (SELECT 1 FROM registrations r WHERE r.attendee_id = a.id)
        """)
      try connection.execute(
        "DELETE FROM rate_limits WHERE window_start < $1::timestamptz - interval '1 day'", [now])
      return erased
    }
  }

  /// Everything kept about one person (GDPR article 15): their sign-ups with the events.
  public func export(email: String) throws -> [(registration: Registration, event: Event)] {
    try pool.transaction(.init(isolation: .repeatableRead, retries: 3)) { connection in
      let registrations = try connection.query(
        """
        SELECT \(Self.columns) FROM registrations WHERE lower(email) = lower(\(email))
        ORDER BY arrival
        """
      ).map(Self.decode)
      let rows = try connection.query(
        """
        SELECT \(EventStore.columns) FROM events e
        WHERE e.id = ANY (\(registrations.map(\.eventID))::uuid[])
        """)
      let events = Dictionary(
        uniqueKeysWithValues: try EventStore.assemble(Array(rows), on: connection).map {
          ($0.id, $0)
        })
      return registrations.compactMap { registration in
        events[registration.eventID].map { (registration, $0) }
      }
    }
  }

  /// The registration behind an attendee's secret, with its waitlist position.
  public func find(secret: String) throws -> (registration: Registration, waitlistPosition: Int?) {
    try pool.transaction { connection in
      guard
        let row = try connection.query(
          """
          SELECT \(Self.columns) FROM registrations WHERE id = (
            SELECT registration_id FROM registration_tokens
            WHERE token_hash = sha256(convert_to(\(secret), 'UTF8')))
          """
        ).first
      else { throw StoreError.notFound(entity: "registration", id: "(secret)") }
      let registration = try Self.decode(row)
      return (registration, try Self.position(of: registration, on: connection))
    }
  }

  /// The events of the attendee whose calendar secret this is, with their registration
  /// statuses; sign-ups they cancelled themselves are left out, cancelled events are not.
  public func calendar(secret: String) throws -> (
    snapshot: ProgrammeSnapshot, registrations: [UUID: Registration]
  ) {
    try pool.transaction(.init(isolation: .repeatableRead, retries: 3)) { connection in
      guard
        let attendee = try connection.query(
          """
          SELECT attendee_id FROM calendar_tokens
          WHERE token_hash = sha256(convert_to($1, 'UTF8')) AND revoked_at IS NULL
          """, [secret]
        ).first
      else { throw StoreError.notFound(entity: "calendar", id: "(secret)") }
      var registrations: [UUID: Registration] = [:]
      let attendeeID = try attendee.decode("attendee_id", as: UUID.self)
      for row in try connection.query(
        """
        SELECT \(Self.columns) FROM registrations
        WHERE attendee_id = \(attendeeID) AND status <> 'cancelled'
        """)
      {
        let registration = try Self.decode(row)
        registrations[registration.eventID] = registration
      }
      let rows = try connection.query(
        """
        SELECT e.number, \(EventStore.columns) FROM events e
        WHERE e.id = ANY (\(Array(registrations.keys))::uuid[]) ORDER BY e.starts_at, e.title, e.id
        """)
      return (try FeedStore.resolve(Array(rows), on: connection), registrations)
    }
  }

  /// The address behind an attendee link that works (it proves the address: it was mailed
  /// there), or nil.
  public func provenEmail(attendeeSecret secret: String) throws -> String? {
    try pool.withConnection { connection in
      try connection.query(
        """
        SELECT a.email FROM calendar_tokens t JOIN attendees a ON a.id = t.attendee_id
        WHERE t.token_hash = sha256(convert_to($1, 'UTF8')) AND t.revoked_at IS NULL
        """, [secret]
      ).first?.decode("email")
    }
  }

  /// Cancels one of the attendee's own registrations, by their attendee link.
  @discardableResult
  public func cancel(registrationID: UUID, attendeeSecret secret: String) throws -> Registration {
    try pool.transaction { connection in
      guard
        let row = try connection.query(
          """
          SELECT r.event_id FROM registrations r JOIN calendar_tokens t
            ON t.attendee_id = r.attendee_id AND t.revoked_at IS NULL
          WHERE r.id = $1 AND t.token_hash = sha256(convert_to($2, 'UTF8'))
          """, [registrationID, secret]
        ).first
      else { throw StoreError.notFound(entity: "registration", id: registrationID.uuidString) }
      let eventID: UUID = try row.decode("event_id")
      try connection.query("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", [eventID])
      let registration = try Self.decode(
        connection.query(
          """
          UPDATE registrations SET status = 'cancelled', updated_at = now(),
            revision = revision + CASE WHEN status = 'cancelled' THEN 0 ELSE 1 END
          WHERE id = \(registrationID)
          RETURNING \(Self.columns)
          """)[0])
      try Self.fillFreeSeats(of: eventID, on: connection)
      return registration
    }
  }

  /// Stops every calendar link of the attendee whose calendar secret this is.
  public func revokeCalendar(secret: String) throws {
    let revoked = try pool.transaction { connection in
      try connection.execute(
        """
        UPDATE calendar_tokens SET revoked_at = now()
        WHERE revoked_at IS NULL AND attendee_id = (
          SELECT attendee_id FROM calendar_tokens
          WHERE token_hash = sha256(convert_to($1, 'UTF8')) AND revoked_at IS NULL)
        """, [secret])
    }
    if revoked == 0 { throw StoreError.notFound(entity: "calendar", id: "(secret)") }
  }

  /// What "send my links again" did; the caller answers the same in every case.
  public enum Resend: Sendable, Equatable {
    case queued
    /// The address has no active registration: nothing is sent.
    case unknown
    /// The address had its share of mail this hour (`MailCap`).
    case capped
  }

  /// Queues a message with new links to every active registration of `email`, within `mail`'s
  /// cap. The caller must give the same answer whatever this returns, so that nobody can
  /// learn whether an address is signed up.
  public func resendLinks(email: String, mail: MailCap) throws -> Resend {
    try pool.transaction { connection in
      let known =
        try connection.query(
          """
          SELECT 1 FROM registrations r JOIN events e ON e.id = r.event_id
          WHERE lower(r.email) = lower($1) AND r.status <> 'cancelled' AND e.ends_at > now()
          AND r.verified_at IS NOT NULL
          LIMIT 1
          """, [email]
        ).first != nil
      guard known else { return .unknown }
      guard try Self.countMail(to: email, within: mail, on: connection) else { return .capped }
      try connection.execute(
        "INSERT INTO mail_outbox (kind, recipient) VALUES ('links', $1)", [email])
      return .queued
    }
  }

  /// Counts one sign-up attempt under `key` (hashed here) in a fixed window shared by every
  /// server process; returns the seconds until the window ends when over `limit`.
  public func countAttempt(key: String, limit: Int, window seconds: Int) throws -> Int? {
    try pool.transaction { connection in
      let (count, left) = try RateLimits.count(key, window: seconds, on: connection)
      return count > limit ? left : nil
    }
  }

  static func position(of registration: Registration, on connection: Connection) throws -> Int? {
    guard registration.status == .waitlisted else { return nil }
    return try connection.query(
      """
      SELECT count(*)::int AS n FROM registrations
      WHERE event_id = $1 AND status = 'waitlisted' AND arrival <= $2
      """, [registration.eventID, registration.arrival]
    )[0].decode("n")
  }

  static func decode(_ row: Row) throws -> Registration {
    let stored: RegistrationStatus = try row.decode("status")
    let verified: Date? = try row.decode("verified_at")
    return Registration(
      id: try row.decode("id"), eventID: try row.decode("event_id"), name: try row.decode("name"),
      email: try row.decode("email"),
      status: verified == nil && stored != .cancelled ? .pending : stored,
      arrival: try row.decode("arrival"), revision: try row.decode("revision"),
      createdAt: try row.decode("created_at"),
      updatedAt: try row.decode("updated_at"), erasedAt: try row.decode("erased_at"),
      verifiedAt: try row.decode("verified_at"), expiresAt: try row.decode("expires_at"))
  }
}

/// Secrets for tokens and attendee links: 256 bits from the system's CSPRNG (getrandom on
/// Linux, through `SystemRandomNumberGenerator`), base64url without padding.
package enum Secret {
  package static func make(prefix: String = "") -> String {
    var generator = SystemRandomNumberGenerator()
    var bytes: [UInt8] = []
    for _ in 0..<4 {
      let word = generator.next()
      for shift in stride(from: 0, to: 64, by: 8) {
        bytes.append(UInt8(truncatingIfNeeded: word >> shift))
      }
    }
    return prefix
      + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
      .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
  }
}
