public import AlmedalenCore
public import Foundation
import Postgres

/// The links mailed to users: invitations, verifications of an address, password resets.
///
/// Each is queued in the outbox by the transaction that makes it; its secret is minted when
/// the message is rendered (`OutboxStore.claim`), so none is ever stored, only its SHA-256.
/// A link is used once: its `UPDATE … WHERE used_at IS NULL AND revoked_at IS NULL AND
/// expires_at > now() RETURNING` lets one of two requests win. Sending a link again revokes
/// the live one of its kind (for the same organiser). Nothing here consumes on reading:
/// `peek` is for the page a link opens (mail scanners fetch links), `consume` for its form.
extension AccountStore {
  /// What a link is, for the page it opens and for the outcome of using it.
  public struct LinkInfo: Sendable, Equatable {
    public var id: UUID
    public var kind: AccountLinkKind
    public var userID: UUID
    public var email: String
    public var name: String
    /// An invitation's organiser and role.
    public var organiserID: UUID?
    public var organiserName: String?
    public var role: MembershipRole?
    /// A self-registration's organisation, created when the address is verified.
    public var organisationName: String?
    public var expiresAt: Date
    /// Whether using the link needs a password: a reset always, an invitation when the
    /// user has none yet.
    public var needsPassword: Bool
  }

  static let linkColumns: PostgresQuery = """
    l.id, l.kind, l.user_id, u.email, u.name, l.organiser_id, o.name AS organiser_name, l.role,
    l.organisation_name, l.expires_at,
    l.kind = 'reset' OR (l.kind = 'invitation' AND u.password_hash IS NULL) AS needs_password
    """

  /// The address had its share of mail this hour (`RegistrationStore.MailCap`): nothing was
  /// made or sent.
  public struct MailCapped: Error, Sendable {}

  /// What a self-registration came to; the caller answers the same in every case, so that
  /// nobody learns whether an address has an account.
  public enum RegistrationOutcome: Sendable, Equatable {
    /// A user was created (without access until the address is verified) and the
    /// verification link queued.
    case queued(userID: UUID)
    /// The address has an account already: nothing was created or sent.
    case existing
    /// The address had its share of mail this hour: nothing was created or sent.
    case capped
  }

  /// "Skapa arrangörskonto": a new organisation registers itself with its name and its first
  /// user's name, address and password. The user can sign in once the address is verified
  /// by the mailed link, which also creates the organiser with the user as its owner. The
  /// password is hashed whether or not the address is taken, so both take as long; two
  /// registrations of one address at once make one account.
  public func registerOrganisation(
    organisationName: String, name: String, email: String, password: String,
    mail: RegistrationStore.MailCap,
    lifetime: Int = AccountLinkKind.verification.defaultLifetime
  ) throws -> RegistrationOutcome {
    var validator = Validator()
    validator.requireLine(organisationName, "organisation_name", maxLength: 200)
    validator.requireLine(name, "name", maxLength: 200)
    validator.deliverableEmail(email, "email")
    for problem in Password.problems(password, email: email, name: name) {
      validator.add(problem.field, problem.message)
    }
    do { try validator.check() } catch let error as ValidationError {
      throw StoreError.invalid(error)
    }
    return try pool.transaction { connection in
      let created: UUID? = try connection.query(
        """
        INSERT INTO users (email, name, password_hash, password_changed_at)
        VALUES (\(email), \(name), password_hash(\(password)), now())
        ON CONFLICT (lower(email)) DO NOTHING
        RETURNING id
        """
      ).first?.decode("id")
      guard let userID = created else { return .existing }
      guard try RegistrationStore.countMail(to: email, within: mail, on: connection) else {
        // Nothing is sent, so nothing is kept: the address can register again later.
        try connection.execute("DELETE FROM users WHERE id = $1", [userID])
        return .capped
      }
      try Self.issueLink(
        .verification, userID: userID, organisationName: organisationName, lifetime: lifetime,
        on: connection)
      return .queued(userID: userID)
    }
  }

  /// Invites someone to an organiser with `role` (the office inviting an organisation's first
  /// user, an owner a colleague), creating their user (without a password) when the address
  /// has none; with no organiser, it invites an existing user without membership to choose
  /// a password (an office account made on the command line). Any live invitation of theirs
  /// to the same organiser is revoked: this is also "send again". With `mail`, the address's
  /// mail cap counts this message too; past it nothing is made or sent (`MailCapped`).
  @discardableResult
  public func invite(
    email: String, name: String, organiserID: UUID?, role: MembershipRole?,
    invitedBy: UUID? = nil, lifetime: Int = AccountLinkKind.invitation.defaultLifetime,
    mail: RegistrationStore.MailCap? = nil
  ) throws -> (user: User, linkID: UUID) {
    try Self.validate(name: name, email: email)
    if (organiserID == nil) != (role == nil) {
      throw StoreError.invalid(
        "role", "an invitation to an organiser gives a role; one to none gives none")
    }
    return try pool.transaction { connection in
      if let organiserID,
        try connection.query("SELECT 1 FROM organisers WHERE id = $1", [organiserID]).isEmpty
      {
        throw StoreError.invalid("organiser_id", "names no organiser")
      }
      return try Self.invite(
        email: email, name: name, organiserID: organiserID, role: role, invitedBy: invitedBy,
        lifetime: lifetime, mail: mail, on: connection)
    }
  }

  /// The programme office adds an organisation and invites its first user as its owner, in
  /// one transaction: an invitation refused (a disabled account, say) leaves no organiser
  /// behind. The organiser's problems are named `organisation_name` (the form's field), the
  /// user's `name` and `email`, all reported at once.
  public func createOrganisation(
    _ organiser: Organiser, ownerEmail email: String, ownerName name: String,
    invitedBy: UUID? = nil, lifetime: Int = AccountLinkKind.invitation.defaultLifetime
  ) throws -> (organiser: Organiser, user: User, linkID: UUID) {
    var problems: [FieldProblem] = []
    do { try organiser.validate() } catch let error as ValidationError {
      problems += error.problems.map {
        FieldProblem(
          field: $0.field == "name" ? "organisation_name" : $0.field, message: $0.message)
      }
    }
    do { try User.validate(name: name, email: email) } catch let error as ValidationError {
      problems += error.problems
    }
    if !problems.isEmpty { throw StoreError.invalid(ValidationError(problems)) }
    return try pool.transaction { connection in
      let created = try OrganiserStore.decode(
        connection.query(
          """
          INSERT INTO organisers (id, name, contact_email, website)
          VALUES (\(organiser.id), \(organiser.name), \(organiser.contactEmail),
                  \(organiser.website))
          RETURNING \(OrganiserStore.columns)
          """)[0])
      let (user, linkID) = try Self.invite(
        email: email, name: name, organiserID: created.id, role: .owner, invitedBy: invitedBy,
        lifetime: lifetime, on: connection)
      return (created, user, linkID)
    }
  }

  /// `invite`'s work inside the caller's transaction.
  static func invite(
    email: String, name: String, organiserID: UUID?, role: MembershipRole?, invitedBy: UUID?,
    lifetime: Int, mail: RegistrationStore.MailCap? = nil, on connection: Connection
  ) throws -> (user: User, linkID: UUID) {
    // An existing account keeps its name; a new one gets the name given.
    let row = try connection.query(
      """
      INSERT INTO users AS u (email, name) VALUES (\(email), \(name))
      ON CONFLICT (lower(email)) DO UPDATE SET email = u.email
      RETURNING \(Self.userColumns)
      """)[0]
    let user = try Self.decodeUser(row)
    if user.disabledAt != nil {
      throw StoreError.lifecycle("the account of this address is disabled")
    }
    if let mail, try !RegistrationStore.countMail(to: email, within: mail, on: connection) {
      throw MailCapped()
    }
    let linkID = try Self.issueLink(
      .invitation, userID: user.id, organiserID: organiserID, role: role, invitedBy: invitedBy,
      lifetime: lifetime, on: connection)
    return (user, linkID)
  }

  /// Sends the verification link again to an address that registered and has not verified
  /// it yet, within `mail`'s cap; the old link stops working. The caller answers the same
  /// whatever this returns.
  public func resendVerification(
    email: String, mail: RegistrationStore.MailCap,
    lifetime: Int = AccountLinkKind.verification.defaultLifetime
  ) throws -> Bool {
    try pool.transaction { connection in
      guard
        let row = try connection.query(
          """
          SELECT u.id, l.organisation_name FROM users u
          LEFT JOIN LATERAL (
            SELECT organisation_name FROM account_links
            WHERE user_id = u.id AND kind = 'verification' ORDER BY created_at DESC LIMIT 1
          ) l ON true
          WHERE lower(u.email) = lower(\(email)) AND u.email_verified_at IS NULL
            AND u.disabled_at IS NULL AND u.password_hash IS NOT NULL
          """
        ).first
      else { return false }
      guard try RegistrationStore.countMail(to: email, within: mail, on: connection) else {
        return false
      }
      try Self.issueLink(
        .verification, userID: try row.decode("id"),
        organisationName: try row.decode("organisation_name"), lifetime: lifetime,
        on: connection)
      return true
    }
  }

  /// What asking for a reset did; the caller answers the same in every case.
  public enum ResetOutcome: Sendable, Equatable {
    case queued
    /// No enabled account has this address: nothing is sent.
    case unknown
    /// The address had its share of mail this hour.
    case capped
  }

  /// Mails a password reset link (valid 30 minutes by default) to the account with this
  /// address, within `mail`'s cap; an earlier reset link stops working.
  public func requestReset(
    email: String, mail: RegistrationStore.MailCap,
    lifetime: Int = AccountLinkKind.reset.defaultLifetime
  ) throws -> ResetOutcome {
    try pool.transaction { connection in
      guard
        let userID: UUID = try connection.query(
          """
          SELECT id FROM users WHERE lower(email) = lower(\(email)) AND disabled_at IS NULL
          """
        ).first?.decode("id")
      else { return .unknown }
      guard try RegistrationStore.countMail(to: email, within: mail, on: connection) else {
        return .capped
      }
      try Self.issueLink(.reset, userID: userID, lifetime: lifetime, on: connection)
      return .queued
    }
  }

  /// The live link with this secret, for the page it opens; nil when it is unknown, used,
  /// revoked or expired. Reading never uses it up.
  public func peek(secret: String, kind: AccountLinkKind) throws -> LinkInfo? {
    guard secret.utf8.count <= 200 else { return nil }
    return try pool.transaction { connection in
      try connection.query(
        """
        SELECT \(Self.linkColumns)
        FROM account_links l JOIN users u ON u.id = l.user_id
        LEFT JOIN organisers o ON o.id = l.organiser_id
        WHERE l.token_hash = sha256(convert_to(\(secret), 'UTF8')) AND l.kind = \(kind)
          AND l.used_at IS NULL AND l.revoked_at IS NULL AND l.expires_at > now()
          AND u.disabled_at IS NULL
        """
      ).first.map(Self.decodeLink)
    }
  }

  /// Uses the link with this secret, once: an invitation makes the user a member (keeping
  /// an owner an owner) and, when they have no password yet, sets `password`; a verification
  /// marks the address verified and creates the self-registered organiser with the user as
  /// owner; a reset sets `password` (every session of the user ends). Each also proves the
  /// address. An unknown, used, revoked or expired link is `notFound(entity: "link")`; a
  /// password that breaks a rule is `invalid` on `password` and leaves the link unused.
  @discardableResult
  public func consume(secret: String, kind: AccountLinkKind, password: String? = nil) throws
    -> LinkInfo
  {
    let gone = StoreError.notFound(entity: "link", id: "(secret)")
    guard secret.utf8.count <= 200 else { throw gone }
    return try pool.transaction { connection in
      guard
        let row = try connection.query(
          """
          WITH used AS (
            UPDATE account_links SET used_at = now()
            WHERE token_hash = sha256(convert_to(\(secret), 'UTF8')) AND kind = \(kind)
              AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
              AND user_id IN (SELECT id FROM users WHERE disabled_at IS NULL)
            RETURNING *
          )
          SELECT \(Self.linkColumns)
          FROM used l JOIN users u ON u.id = l.user_id
          LEFT JOIN organisers o ON o.id = l.organiser_id
          """
        ).first
      else { throw gone }
      var link = try Self.decodeLink(row)
      let user = try Self.user(link.userID, on: connection)
      if link.needsPassword {
        guard let password, !password.isEmpty else {
          throw StoreError.invalid("password", "must not be empty")
        }
        try Self.checkPassword(password, for: user)
        try Self.setPassword(user.id, password, on: connection)
      }
      try connection.execute(
        "UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1",
        [user.id])
      switch kind {
      case .invitation:
        if let organiserID = link.organiserID, let role = link.role {
          _ = try Self.upsertMembership(user.id, organiserID, role, keepOwner: true, on: connection)
        }
      case .verification:
        if let organisation = link.organisationName {
          let organiserID: UUID = try connection.query(
            """
            INSERT INTO organisers (name, contact_email) VALUES ($1, $2) RETURNING id
            """, [organisation, user.email]
          )[0].decode("id")
          _ = try Self.upsertMembership(
            user.id, organiserID, .owner, keepOwner: true, on: connection)
          link.organiserID = organiserID
          link.organiserName = organisation
          link.role = .owner
        }
      case .reset:
        break
      }
      return link
    }
  }

  /// Revokes the live links of the user of a kind (an owner withdrawing an invitation);
  /// returns how many.
  @discardableResult
  public func revokeLinks(userID: UUID, kind: AccountLinkKind, organiserID: UUID? = nil) throws
    -> Int
  {
    try pool.transaction { connection in
      try connection.execute(
        """
        UPDATE account_links SET revoked_at = now()
        WHERE user_id = $1 AND kind = $2 AND organiser_id IS NOT DISTINCT FROM $3::uuid
          AND used_at IS NULL AND revoked_at IS NULL
        """, [userID, kind, organiserID])
    }
  }

  /// The organiser's invitations still waiting to be used (for its members' page).
  public func pendingInvitations(organiserID: UUID) throws -> [LinkInfo] {
    try pool.transaction { connection in
      try connection.query(
        """
        SELECT \(Self.linkColumns)
        FROM account_links l JOIN users u ON u.id = l.user_id
        LEFT JOIN organisers o ON o.id = l.organiser_id
        WHERE l.organiser_id = \(organiserID) AND l.kind = 'invitation'
          AND l.used_at IS NULL AND l.revoked_at IS NULL AND l.expires_at > now()
        ORDER BY l.created_at
        """
      ).map(Self.decodeLink)
    }
  }

  /// Makes a link and queues its message, in the caller's transaction. The user's row is
  /// locked first, so that two sends of one kind cannot both leave a live link.
  @discardableResult
  static func issueLink(
    _ kind: AccountLinkKind, userID: UUID, organiserID: UUID? = nil, role: MembershipRole? = nil,
    organisationName: String? = nil, invitedBy: UUID? = nil, lifetime: Int,
    on connection: Connection
  ) throws -> UUID {
    guard
      let email: String = try connection.query(
        "SELECT email FROM users WHERE id = $1 FOR UPDATE", [userID]
      ).first?.decode("email")
    else { throw StoreError.notFound(entity: "user", id: userID.uuidString) }
    try connection.execute(
      """
      UPDATE account_links SET revoked_at = now()
      WHERE user_id = $1 AND kind = $2 AND organiser_id IS NOT DISTINCT FROM $3::uuid
        AND used_at IS NULL AND revoked_at IS NULL
      """, [userID, kind, organiserID])
    let linkID: UUID = try connection.query(
      """
      INSERT INTO account_links (kind, user_id, organiser_id, role, organisation_name,
                                 invited_by, expires_at)
      VALUES (\(kind), \(userID), \(organiserID), \(role), \(organisationName), \(invitedBy),
              now() + \(max(lifetime, 1)) * interval '1 second')
      RETURNING id
      """
    )[0].decode("id")
    let mailKind: MailKind =
      switch kind {
      case .invitation: .invitation
      case .verification: .verification
      case .reset: .passwordReset
      }
    try connection.execute(
      "INSERT INTO mail_outbox (kind, recipient, account_link_id) VALUES ($1, $2, $3)",
      [mailKind.rawValue, email, linkID])
    return linkID
  }

  static func decodeLink(_ row: Row) throws -> LinkInfo {
    LinkInfo(
      id: try row.decode("id"), kind: try row.decode("kind"), userID: try row.decode("user_id"),
      email: try row.decode("email"), name: try row.decode("name"),
      organiserID: try row.decode("organiser_id"),
      organiserName: try row.decode("organiser_name"), role: try row.decode("role"),
      organisationName: try row.decode("organisation_name"),
      expiresAt: try row.decode("expires_at"), needsPassword: try row.decode("needs_password"))
  }
}
