public import Foundation

/// What a member may do for an organiser: owners also invite and remove members and manage
/// the organiser's API tokens.
public enum MembershipRole: String, CaseIterable, Hashable, Sendable, Codable {
  case owner, editor
}

/// A user's membership of one organiser.
public struct Membership: Hashable, Sendable {
  public var userID: UUID
  public var organiserID: UUID
  /// The organiser's name, for lists.
  public var organiserName: String
  public var role: MembershipRole
  public var createdAt: Date

  public init(
    userID: UUID, organiserID: UUID, organiserName: String, role: MembershipRole,
    createdAt: Date
  ) {
    self.userID = userID
    self.organiserID = organiserID
    self.organiserName = organiserName
    self.role = role
    self.createdAt = createdAt
  }
}

/// Someone who signs in to the backoffice: an organiser's staff, or the programme office.
/// The password hash and the TOTP secret never leave the store.
public struct User: Hashable, Sendable, Identifiable {
  public var id: UUID
  public var email: String
  public var name: String
  /// False until a password is set (an invited user who has not accepted yet).
  public var hasPassword: Bool
  public var passwordChangedAt: Date?
  public var emailVerifiedAt: Date?
  /// The programme office: reviews every organiser's events.
  public var office: Bool
  /// When TOTP was enabled (a code proved the enrolment); nil while not.
  public var totpEnabledAt: Date?
  public var createdAt: Date
  public var disabledAt: Date?

  public init(
    id: UUID, email: String, name: String, hasPassword: Bool, passwordChangedAt: Date? = nil,
    emailVerifiedAt: Date? = nil, office: Bool = false, totpEnabledAt: Date? = nil,
    createdAt: Date, disabledAt: Date? = nil
  ) {
    self.id = id
    self.email = email
    self.name = name
    self.hasPassword = hasPassword
    self.passwordChangedAt = passwordChangedAt
    self.emailVerifiedAt = emailVerifiedAt
    self.office = office
    self.totpEnabledAt = totpEnabledAt
    self.createdAt = createdAt
    self.disabledAt = disabledAt
  }

  /// Whether a session of this user acts only after a second factor: always for the
  /// office (which must enrol TOTP before it can act at all), and for anyone who enabled it.
  public var needsSecondFactor: Bool { office || totpEnabledAt != nil }

  /// Checks a user's name and address as the store does before writing them.
  public static func validate(name: String, email: String) throws {
    var validator = Validator()
    validator.requireLine(name, "name", maxLength: 200)
    validator.deliverableEmail(email, "email")
    try validator.check()
  }
}

/// What a mailed account link is for.
public enum AccountLinkKind: String, CaseIterable, Hashable, Sendable, Codable {
  /// Join an organiser (and, for a new user, choose a password).
  case invitation
  /// Prove an address given at self-registration ("Skapa arrangörskonto").
  case verification
  /// Choose a new password.
  case reset

  /// The path of the page a link of this kind opens, before its secret; the page's form
  /// POSTs, since a GET never uses a link up (mail scanners fetch links).
  public var pagePath: String {
    switch self {
    case .invitation: "/account/invitation/"
    case .verification: "/account/verify/"
    case .reset: "/account/reset/"
    }
  }

  /// How long a link of this kind is valid by default: a reset half an hour (the issue's
  /// rule), a verification a day, an invitation a week (it may wait for a colleague's
  /// holiday; it can be sent again, which revokes the old one).
  public var defaultLifetime: Int {
    switch self {
    case .reset: 30 * 60
    case .verification: 24 * 3600
    case .invitation: 7 * 24 * 3600
    }
  }
}

/// The password rules, OWASP ASVS 4.0 level 2 (V2.1): at least 8 and at most 128
/// characters counted as Unicode scalars (as PostgreSQL counts, so that `e` with a
/// combining accent is two), every printable character allowed (spaces, emoji), no
/// composition rules, and none of the 10,000 most common passwords (`CommonPasswords.swift`
/// names the list's source). Nothing is cut: the schema hashes the whole password.
public enum Password {
  public static let minimumLength = 8
  public static let maximumLength = 128

  /// Every problem with `password` as field `field`; `email` and `name`, when given, must
  /// not be the password either.
  public static func problems(
    _ password: String, field: String = "password", email: String? = nil, name: String? = nil
  ) -> [FieldProblem] {
    var validator = Validator()
    let length = TextRules.length(password)
    if length < minimumLength {
      validator.add(field, "must have at least \(minimumLength) characters")
    } else if length > maximumLength {
      validator.add(field, "must have at most \(maximumLength) characters")
    }
    if password.unicodeScalars.contains(where: TextRules.isControl) {
      validator.add(field, "must not contain control characters")
    }
    let folded = password.lowercased()
    if isCommon(password) {
      validator.add(field, "is one of the most common passwords: choose another")
    } else if let email, !email.isEmpty,
      folded == email.lowercased()
        || folded == email.split(separator: "@").first.map({ $0.lowercased() })
    {
      validator.add(field, "must not be your email address")
    } else if let name, !TextRules.isBlank(name), folded == name.lowercased() {
      validator.add(field, "must not be your name")
    }
    return validator.problems
  }

  /// Throws `ValidationError` with every problem of `problems`.
  public static func validate(
    _ password: String, field: String = "password", email: String? = nil, name: String? = nil
  ) throws {
    let found = problems(password, field: field, email: email, name: name)
    if !found.isEmpty { throw ValidationError(found) }
  }

  /// Whether `password`, lowercased, is on the shipped list of common passwords.
  public static func isCommon(_ password: String) -> Bool {
    common.contains(password.lowercased())
  }

  /// The list as a set, built once at first use.
  static let common: Set<String> = Set(
    commonPasswordText.split(separator: "\n").map { String($0) })

  /// How many passwords the shipped list holds.
  public static var commonCount: Int { common.count }
}
