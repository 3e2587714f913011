public import AlmedalenCore
public import Foundation
import Postgres

/// Sign-ups, with capacity and the waitlist decided under a row lock on the event, so that
/// any number of server processes can take sign-ups at once without overbooking.
public struct RegistrationStore: Sendable {
  let pool: ConnectionPool

  static let columns =
    "id, event_id, name, email, status, arrival, created_at, updated_at, erased_at"

  /// The outcome of a sign-up. `secret` is the attendee's cancel/calendar secret: shown once,
  /// stored only as a hash. It is nil when the email was already signed up (`existing`).
  public struct SignUp: Sendable {
    public let registration: Registration
    public let secret: String?
    /// 1 for the first on the waitlist; nil when confirmed.
    public let waitlistPosition: Int?
    public var existing: Bool { secret == nil }
  }

  /// Signs someone up: confirmed while seats remain, waitlisted after. A second sign-up with
  /// the same email answers with the existing registration.
  public func register(eventID: UUID, name: String, email: String, at now: Date = Date()) throws
    -> SignUp
  {
    do {
      try Registration.validate(name: name, email: email)
    } catch let error as ValidationError {
      throw StoreError.invalid(error)
    }
    let secret = Secret.make()
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
      guard status == .published else {
        throw StoreError.lifecycle(
          status == .cancelled ? "the event is cancelled" : "the event is not published")
      }
      guard try event.decode("registration_open", as: Bool.self) else {
        throw StoreError.lifecycle("registration for this event is closed")
      }
      guard try event.decode("ends_at", as: Date.self) > now else {
        throw StoreError.lifecycle("the event is over")
      }
      if let row = try connection.query(
        "SELECT " + Self.columns
          + " FROM registrations WHERE event_id = $1 AND lower(email) = lower($2) AND status <> 'cancelled'",
        [eventID, email]
      ).first {
        let registration = try Self.decode(row)
        return SignUp(
          registration: registration, secret: nil,
          waitlistPosition: try Self.position(of: registration, on: connection))
      }
      let capacity: Int? = try event.decode("capacity")
      let confirmed: Int = try connection.query(
        "SELECT count(*)::int AS n FROM registrations WHERE event_id = $1 AND status = 'confirmed'",
        [eventID]
      )[0].decode("n")
      let newStatus: RegistrationStatus =
        capacity.map { confirmed < $0 } ?? true ? .confirmed : .waitlisted
      let registration = try Self.decode(
        connection.query(
          """
          INSERT INTO registrations (event_id, name, email, status, token_hash)
          VALUES ($1, $2, $3, $4, sha256(convert_to($5, 'UTF8'))) RETURNING
          """ + " " + Self.columns, [eventID, name, email, newStatus, secret])[0])
      return SignUp(
        registration: registration, secret: secret,
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
          "SELECT event_id FROM registrations WHERE token_hash = sha256(convert_to($1, 'UTF8'))",
          [secret]
        ).first
      else { throw StoreError.notFound(entity: "registration", id: "(secret)") }
      let eventID: UUID = try found.decode("event_id")
      // Lock the event first, in the same order as sign-ups, so the two never deadlock.
      try connection.query("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", [eventID])
      let registration = try Self.decode(
        connection.query(
          """
          UPDATE registrations SET status = 'cancelled', updated_at = now()
          WHERE token_hash = sha256(convert_to($1, 'UTF8')) RETURNING
          """ + " " + Self.columns, [secret])[0])
      try Self.fillFreeSeats(of: eventID, on: connection)
      return registration
    }
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
      UPDATE registrations SET status = 'confirmed', updated_at = now()
      WHERE id IN (SELECT id FROM promoted)
      """, [eventID])
  }

  /// The event's registrations in arrival order (organisers and admins only).
  public func list(eventID: UUID) throws -> [Registration] {
    try pool.transaction { connection in
      try connection.query(
        "SELECT " + Self.columns + " FROM registrations WHERE event_id = $1 ORDER BY arrival",
        [eventID]
      ).map(Self.decode)
    }
  }

  /// Headcounts per status; the confirmed count is what the caterer needs.
  public func counts(eventID: UUID) throws -> [RegistrationStatus: Int] {
    try pool.transaction { connection in
      var counts: [RegistrationStatus: Int] = [.confirmed: 0, .waitlisted: 0, .cancelled: 0]
      for row in try connection.query(
        "SELECT status, count(*)::int AS n FROM registrations WHERE event_id = $1 GROUP BY status",
        [eventID])
      {
        counts[try row.decode("status")] = try row.decode("n")
      }
      return counts
    }
  }

  /// Erases one person's name and email everywhere (GDPR article 17); returns how many
  /// registrations held them.
  @discardableResult
  public func erase(email: String) throws -> Int {
    try pool.transaction { connection in
      try connection.execute(
        """
        UPDATE registrations SET name = NULL, email = NULL, erased_at = now(), updated_at = now()
        WHERE lower(email) = lower($1)
        """, [email])
    }
  }

  /// Erases attendee data of editions that ended more than `days` days before `now`.
  @discardableResult
  public func eraseEnded(retentionDays days: Int, now: Date = Date()) throws -> Int {
    try pool.transaction { connection in
      try connection.execute(
        """
        UPDATE registrations r SET name = NULL, email = NULL, erased_at = now(), updated_at = now()
        FROM events e JOIN editions ed ON ed.id = e.edition_id
        WHERE r.event_id = e.id AND r.erased_at IS NULL
          AND ed.last_day + $1::int < ($2::timestamptz AT TIME ZONE ed.time_zone)::date
        """, [days, now])
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
    Registration(
      id: try row.decode("id"), eventID: try row.decode("event_id"), name: try row.decode("name"),
      email: try row.decode("email"), status: try row.decode("status"),
      arrival: try row.decode("arrival"), createdAt: try row.decode("created_at"),
      updatedAt: try row.decode("updated_at"), erasedAt: try row.decode("erased_at"))
  }
}

/// Secrets for tokens and attendee links: 256 bits from the system's CSPRNG (getrandom on
/// Linux, through `SystemRandomNumberGenerator`), base64url without padding.
enum Secret {
  static func make(prefix: String = "") -> String {
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
