public import AlmedalenCore
public import Foundation
import Postgres

/// Users, their passwords and second factor, their memberships of organisers, the links
/// mailed to them (invitation, verification, reset) and sign-in (Schema/008_accounts.sql).
///
/// Passwords are hashed and checked in PostgreSQL (pgcrypto's bcrypt at cost 12, through
/// `password_hash` and `password_matches`), never in Swift, and never leave it.
public struct AccountStore: Sendable {
  let pool: ConnectionPool

  static let userColumns: PostgresQuery = """
    u.id, u.email, u.name, u.password_hash IS NOT NULL AS has_password, u.password_changed_at,
    u.email_verified_at, u.office, u.totp_enabled_at, u.created_at, u.disabled_at
    """

  // MARK: Users

  /// The user with this id.
  public func user(_ id: UUID) throws -> User {
    try pool.transaction { connection in try Self.user(id, on: connection) }
  }

  /// The user with this address (compared case-insensitively), if there is one.
  public func user(email: String) throws -> User? {
    try pool.transaction { connection in
      try connection.query(
        "SELECT \(Self.userColumns) FROM users u WHERE lower(u.email) = lower(\(email))"
      ).first.map(Self.decodeUser)
    }
  }

  /// Every user, by name (for the office).
  public func users() throws -> [User] {
    try pool.transaction { connection in
      try connection.query("SELECT \(Self.userColumns) FROM users u ORDER BY lower(u.name), u.id")
        .map(Self.decodeUser)
    }
  }

  /// Creates a user without a password: one of the office from the command line, say, who
  /// then gets an invitation (`invite` with no organiser) to choose one. An address taken
  /// (in any case) is `duplicate(field: "email")`.
  public func createUser(email: String, name: String, office: Bool = false) throws -> User {
    try Self.validate(name: name, email: email)
    return try pool.transaction { connection in
      guard
        let row = try connection.query(
          """
          INSERT INTO users AS u (email, name, office) VALUES (\(email), \(name), \(office))
          ON CONFLICT (lower(email)) DO NOTHING
          RETURNING \(Self.userColumns)
          """
        ).first
      else { throw StoreError.duplicate(field: "email") }
      return try Self.decodeUser(row)
    }
  }

  /// Gives or takes the programme office's role.
  public func setOffice(_ id: UUID, _ office: Bool) throws -> User {
    try pool.transaction { connection in
      guard
        let row = try connection.query(
          "UPDATE users u SET office = \(office) WHERE id = \(id) RETURNING \(Self.userColumns)"
        ).first
      else { throw StoreError.notFound(entity: "user", id: id.uuidString) }
      return try Self.decodeUser(row)
    }
  }

  /// Disables the account (every session ends, by the schema's trigger) or enables it again.
  public func setDisabled(_ id: UUID, _ disabled: Bool) throws -> User {
    try pool.transaction { connection in
      guard
        let row = try connection.query(
          """
          UPDATE users u
          SET disabled_at = CASE WHEN \(disabled) THEN coalesce(disabled_at, now()) END
          WHERE id = \(id) RETURNING \(Self.userColumns)
          """
        ).first
      else { throw StoreError.notFound(entity: "user", id: id.uuidString) }
      return try Self.decodeUser(row)
    }
  }

  /// Renames the user.
  public func rename(_ id: UUID, name: String) throws -> User {
    var validator = Validator()
    validator.requireLine(name, "name", maxLength: 200)
    do { try validator.check() } catch let error as ValidationError {
      throw StoreError.invalid(error)
    }
    return try pool.transaction { connection in
      guard
        let row = try connection.query(
          "UPDATE users u SET name = \(name) WHERE id = \(id) RETURNING \(Self.userColumns)"
        ).first
      else { throw StoreError.notFound(entity: "user", id: id.uuidString) }
      return try Self.decodeUser(row)
    }
  }

  // MARK: Passwords

  /// Changes the password of a signed-in user who gives the current one (field
  /// `current_password` when it is wrong, `password` when the new one breaks a rule). Every
  /// session of the user ends (the schema's trigger): the caller signs the user in anew.
  public func changePassword(userID: UUID, current: String, new password: String) throws {
    let user = try self.user(userID)
    try Self.checkPassword(password, for: user)
    try pool.transaction { connection in
      let matches: Bool =
        try connection.query(
          """
          SELECT password_matches(\(current), password_hash) AS ok FROM users
          WHERE id = \(userID) AND disabled_at IS NULL
          """
        ).first?.decode("ok") ?? false
      guard matches else {
        throw StoreError.invalid("current_password", "is not your password")
      }
      try Self.setPassword(userID, password, on: connection)
    }
  }

  static func checkPassword(_ password: String, for user: User) throws {
    do {
      try Password.validate(password, email: user.email, name: user.name)
    } catch let error as ValidationError {
      throw StoreError.invalid(error)
    }
  }

  static func setPassword(_ userID: UUID, _ password: String, on connection: Connection) throws {
    try connection.execute(
      """
      UPDATE users SET password_hash = password_hash($2), password_changed_at = now()
      WHERE id = $1
      """, [userID, password])
  }

  // MARK: Sign-in

  /// How many sign-in attempts are allowed in a window: per account from one client (the
  /// tight limit, which is what stops guessing from one place), per account from all clients
  /// (so that many clients together stay at OWASP ASVS 2.2.1's "no more than 100 failed
  /// attempts per hour" per account; it is looser, so that locking an owner out takes many
  /// clients), and per client across accounts.
  public struct SignInLimits: Sendable, Equatable {
    public var perAccountAndClient: Int
    public var perAccount: Int
    public var perClient: Int
    /// The window's length in seconds.
    public var window: Int

    public init(
      perAccountAndClient: Int = 5, perAccount: Int = 25, perClient: Int = 20, window: Int = 900
    ) {
      self.perAccountAndClient = perAccountAndClient
      self.perAccount = perAccount
      self.perClient = perClient
      self.window = window
    }
  }

  /// What a sign-in came to. The caller answers `refused` and `throttled` alike for an
  /// address with or without an account; both took the same work.
  public enum SignInOutcome: Sendable, Equatable {
    /// The password is right: create a session (`SessionStore.create`). When
    /// `user.needsSecondFactor` the session acts only after the second factor.
    case signedIn(User)
    /// Wrong address or password, or a disabled account: the same answer for all.
    case refused
    /// Too many failures for this account or from this client: try again after this many
    /// seconds. The password was not checked.
    case throttled(retryAfter: Int)
    /// The password is right but the address was never verified (a self-registration whose
    /// link was not used yet).
    case unverified(User)
  }

  /// Checks `email` and `password`, throttled (`SignInLimits`) in `rate_limits`, shared by
  /// every server process. Every attempt counts at once, before the password is checked, so
  /// that parallel guesses cannot slip past the limits; a success forgives the account its
  /// failures from this client and takes back its own count from the client's, but not
  /// from the account's total (or an attacker's guessing would start again whenever the
  /// owner signs in). Without an account, or without a password, a fixed hash is checked
  /// instead, so the answer takes as long.
  public func signIn(
    email: String, password: String, client: String, limits: SignInLimits = .init()
  ) throws -> SignInOutcome {
    let account = "signin-account:" + email.lowercased()
    let here = account + " client:" + client
    let clientKey = "signin-client:" + client
    let retryAfter = try pool.transaction { connection in
      try [
        (here, limits.perAccountAndClient), (account, limits.perAccount),
        (clientKey, limits.perClient),
      ].compactMap { key, limit -> Int? in
        let (count, left) = try RateLimits.count(key, window: limits.window, on: connection)
        return count > limit ? left : nil
      }.max()
    }
    if let retryAfter { return .throttled(retryAfter: retryAfter) }
    let checked = try pool.transaction { connection in
      let row = try connection.query(
        """
        SELECT \(Self.userColumns),
               password_matches(\(password), CASE WHEN u.disabled_at IS NULL
                                                 THEN u.password_hash END) AS ok
        FROM (VALUES (1)) AS one (x)
        LEFT JOIN users u ON lower(u.email) = lower(\(email))
        """)[0]
      guard try row.decode("ok", as: Bool.self) else { return nil as User? }
      return try Self.decodeUser(row)
    }
    guard let user = checked else { return .refused }
    try pool.transaction { connection in
      try RateLimits.forget(here, on: connection)
      try RateLimits.takeBack(clientKey, window: limits.window, on: connection)
    }
    return user.emailVerifiedAt == nil ? .unverified(user) : .signedIn(user)
  }

  // MARK: Memberships

  /// The organisers the user belongs to, by name.
  public func memberships(userID: UUID) throws -> [Membership] {
    try pool.transaction { connection in try Self.memberships(userID, on: connection) }
  }

  static func memberships(_ userID: UUID, on connection: Connection) throws -> [Membership] {
    try connection.query(
      """
      SELECT m.user_id, m.organiser_id, o.name AS organiser_name, m.role, m.created_at
      FROM memberships m JOIN organisers o ON o.id = m.organiser_id
      WHERE m.user_id = \(userID) ORDER BY lower(o.name), o.id
      """
    ).map(Self.decodeMembership)
  }

  /// The organiser's members with their roles, by name.
  public func members(organiserID: UUID) throws -> [(user: User, membership: Membership)] {
    try pool.transaction { connection in
      try connection.query(
        """
        SELECT \(Self.userColumns), m.user_id, m.organiser_id, o.name AS organiser_name, m.role,
               m.created_at AS membership_created_at
        FROM memberships m JOIN users u ON u.id = m.user_id
        JOIN organisers o ON o.id = m.organiser_id
        WHERE m.organiser_id = \(organiserID) ORDER BY lower(u.name), u.id
        """
      ).map { row in
        (
          try Self.decodeUser(row),
          Membership(
            userID: try row.decode("user_id"), organiserID: try row.decode("organiser_id"),
            organiserName: try row.decode("organiser_name"), role: try row.decode("role"),
            createdAt: try row.decode("membership_created_at"))
        )
      }
    }
  }

  /// Adds the user to the organiser with `role`, or changes the role they have there.
  @discardableResult
  public func setMembership(userID: UUID, organiserID: UUID, role: MembershipRole) throws
    -> Membership
  {
    try pool.transaction { connection in
      try Self.upsertMembership(userID, organiserID, role, keepOwner: false, on: connection)
    }
  }

  static func upsertMembership(
    _ userID: UUID, _ organiserID: UUID, _ role: MembershipRole, keepOwner: Bool,
    on connection: Connection
  ) throws -> Membership {
    do {
      try connection.execute(
        """
        INSERT INTO memberships AS m (user_id, organiser_id, role) VALUES ($1, $2, $3)
        ON CONFLICT (user_id, organiser_id) DO UPDATE
        SET role = CASE WHEN $4 AND m.role = 'owner' THEN 'owner' ELSE excluded.role END
        """, [userID, organiserID, role, keepOwner])
    } catch let error as PostgresError where error.isForeignKeyViolation {
      throw StoreError.invalid("organiser_id", "names no organiser")
    }
    return try memberships(userID, on: connection).first { $0.organiserID == organiserID }
      ?? Membership(
        userID: userID, organiserID: organiserID, organiserName: "", role: role,
        createdAt: Date())
  }

  /// Removes the user from the organiser; every session of theirs ends (the schema's
  /// trigger). False when they were no member.
  @discardableResult
  public func removeMembership(userID: UUID, organiserID: UUID) throws -> Bool {
    try pool.transaction { connection in
      try connection.execute(
        "DELETE FROM memberships WHERE user_id = $1 AND organiser_id = $2",
        [userID, organiserID]) == 1
    }
  }

  /// What removing a member from the members' page came to.
  public enum Removal: Sendable, Equatable {
    /// Removed; every session of theirs ended (the schema's trigger), in the same transaction.
    case removed
    /// They were no member of the organiser.
    case notMember
    /// They are its only owner: an organisation always keeps one, so nothing was removed.
    case lastOwner
  }

  /// Removes the user from the organiser, unless they are its last owner. The organiser's
  /// row is locked (`FOR NO KEY UPDATE`, which leaves events' foreign-key checks alone)
  /// before the owners are counted, so that two removals at once are taken one after the
  /// other and cannot leave it with none.
  public func removeMember(userID: UUID, organiserID: UUID) throws -> Removal {
    try pool.transaction { connection in
      _ = try connection.query(
        "SELECT 1 FROM organisers WHERE id = $1 FOR NO KEY UPDATE", [organiserID])
      let rows = try connection.query(
        """
        SELECT m.role,
               (SELECT count(*) FROM memberships o
                WHERE o.organiser_id = m.organiser_id AND o.role = 'owner')::int AS owners
        FROM memberships m WHERE m.user_id = \(userID) AND m.organiser_id = \(organiserID)
        """)
      guard let row = rows.first else { return .notMember }
      let role: MembershipRole = try row.decode("role")
      let owners: Int = try row.decode("owners")
      if role == .owner && owners <= 1 { return .lastOwner }
      try connection.execute(
        "DELETE FROM memberships WHERE user_id = $1 AND organiser_id = $2",
        [userID, organiserID])
      return .removed
    }
  }

  // MARK: Second factor (TOTP, recovery codes)

  /// The user's TOTP secret (raw bytes) while enrolling or enrolled, whether it is enabled,
  /// and the last time step used; nil when there is none. Only for checking a code.
  public func totp(userID: UUID) throws -> (secret: [UInt8], enabled: Bool, lastStep: Int64?)? {
    try pool.transaction { connection in
      guard
        let row = try connection.query(
          """
          SELECT encode(totp_secret, 'hex') AS secret, totp_enabled_at IS NOT NULL AS enabled,
                 totp_last_step
          FROM users WHERE id = \(userID) AND totp_secret IS NOT NULL
          """
        ).first
      else { return nil }
      guard let secret = Self.bytes(hex: try row.decode("secret")) else { return nil }
      return (secret, try row.decode("enabled"), try row.decode("totp_last_step"))
    }
  }

  /// Starts an enrolment with a new secret (10–64 bytes), replacing one not yet enabled.
  /// An enabled second factor is replaced only after `disableTOTP`.
  public func beginTOTPEnrolment(userID: UUID, secret: [UInt8]) throws {
    guard (10...64).contains(secret.count) else {
      throw StoreError.invalid("totp_secret", "must have 10 to 64 bytes")
    }
    try pool.transaction { connection in
      let changed = try connection.execute(
        """
        UPDATE users SET totp_secret = decode($2, 'hex'), totp_last_step = NULL
        WHERE id = $1 AND totp_enabled_at IS NULL
        """, [userID, Self.hex(secret)])
      if changed == 0 {
        _ = try Self.user(userID, on: connection)
        throw StoreError.lifecycle("a second factor is enabled already: disable it first")
      }
    }
  }

  /// Enables the enrolled secret once the caller checked a code against it, at time step
  /// `step` (which counts as used). False when there is no enrolment to enable.
  @discardableResult
  public func enableTOTP(userID: UUID, step: Int64) throws -> Bool {
    try pool.transaction { connection in
      try connection.execute(
        """
        UPDATE users SET totp_enabled_at = now(), totp_last_step = $2
        WHERE id = $1 AND totp_secret IS NOT NULL AND totp_enabled_at IS NULL
        """, [userID, step]) == 1
    }
  }

  /// Records that a code of time step `step` was accepted: true only when `step` is later
  /// than every step used before, so that no code (nor an earlier one still inside the
  /// window) works twice, even when two requests bring it at once.
  public func useTOTPStep(userID: UUID, step: Int64) throws -> Bool {
    try pool.transaction { connection in
      try connection.execute(
        """
        UPDATE users SET totp_last_step = $2
        WHERE id = $1 AND totp_enabled_at IS NOT NULL
          AND (totp_last_step IS NULL OR totp_last_step < $2)
        """, [userID, step]) == 1
    }
  }

  /// Removes the second factor and the recovery codes. The office cannot: it must always
  /// have one (`lifecycle`).
  public func disableTOTP(userID: UUID) throws {
    try pool.transaction { connection in
      let user = try Self.user(userID, on: connection)
      guard !user.office else {
        throw StoreError.lifecycle("the programme office must keep a second factor")
      }
      try connection.execute(
        """
        UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL
        WHERE id = $1
        """, [userID])
      try connection.execute("DELETE FROM recovery_codes WHERE user_id = $1", [userID])
    }
  }

  /// Replaces the user's recovery codes with these (each normalised by the caller, as
  /// OneTimePassword's normalising function does): each is stored salted and hashed.
  public func setRecoveryCodes(userID: UUID, codes: [String]) throws {
    try pool.transaction { connection in
      _ = try Self.user(userID, on: connection)
      try connection.execute("DELETE FROM recovery_codes WHERE user_id = $1", [userID])
      try connection.execute(
        """
        INSERT INTO recovery_codes (user_id, salt, code_hash)
        SELECT $1, salt, sha256(salt || convert_to(code, 'UTF8'))
        FROM (SELECT gen_random_bytes(16) AS salt, code FROM unnest($2::text[]) AS code) c
        """, [userID, codes])
    }
  }

  /// Uses one recovery code (normalised by the caller): true once per code, also when two
  /// requests bring it at once.
  public func useRecoveryCode(userID: UUID, code: String) throws -> Bool {
    try pool.transaction { connection in
      try connection.execute(
        """
        UPDATE recovery_codes SET used_at = now()
        WHERE id = (SELECT id FROM recovery_codes
                    WHERE user_id = $1 AND used_at IS NULL
                      AND code_hash = sha256(salt || convert_to($2, 'UTF8'))
                    LIMIT 1 FOR UPDATE)
          AND used_at IS NULL
        """, [userID, code]) == 1
    }
  }

  /// How many recovery codes the user has left.
  public func recoveryCodesLeft(userID: UUID) throws -> Int {
    try pool.transaction { connection in
      try connection.query(
        "SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        [userID]
      )[0].decode("n")
    }
  }

  // MARK: Decoding

  static func user(_ id: UUID, on connection: Connection) throws -> User {
    guard
      let row = try connection.query("SELECT \(userColumns) FROM users u WHERE u.id = \(id)")
        .first
    else { throw StoreError.notFound(entity: "user", id: id.uuidString) }
    return try decodeUser(row)
  }

  static func validate(name: String, email: String) throws {
    do { try User.validate(name: name, email: email) } catch let error as ValidationError {
      throw StoreError.invalid(error)
    }
  }

  static func decodeUser(_ row: Row) throws -> User {
    User(
      id: try row.decode("id"), email: try row.decode("email"), name: try row.decode("name"),
      hasPassword: try row.decode("has_password"),
      passwordChangedAt: try row.decode("password_changed_at"),
      emailVerifiedAt: try row.decode("email_verified_at"), office: try row.decode("office"),
      totpEnabledAt: try row.decode("totp_enabled_at"), createdAt: try row.decode("created_at"),
      disabledAt: try row.decode("disabled_at"))
  }

  static func decodeMembership(_ row: Row) throws -> Membership {
    Membership(
      userID: try row.decode("user_id"), organiserID: try row.decode("organiser_id"),
      organiserName: try row.decode("organiser_name"), role: try row.decode("role"),
      createdAt: try row.decode("created_at"))
  }

  static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
  }

  static func bytes(hex: String) -> [UInt8]? {
    let scalars = Array(hex.utf8)
    guard scalars.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(scalars.count / 2)
    func value(_ c: UInt8) -> UInt8? {
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
      default: nil
      }
    }
    for index in stride(from: 0, to: scalars.count, by: 2) {
      guard let high = value(scalars[index]), let low = value(scalars[index + 1]) else {
        return nil
      }
      bytes.append(high << 4 | low)
    }
    return bytes
  }
}
