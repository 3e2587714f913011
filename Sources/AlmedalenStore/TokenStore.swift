public import AlmedalenCore
public import Foundation
import Postgres

/// API tokens. The secret is returned once, at creation; only its SHA-256 is stored.
public struct TokenStore: Sendable {
  let pool: ConnectionPool

  static let columns: PostgresQuery =
    "id, name, role, organiser_id, created_at, last_used_at, revoked_at"

  /// Creates a token and returns it with its secret.
  public func create(name: String, role: TokenRole, organiserID: UUID? = nil) throws -> (
    token: APIToken, secret: String
  ) {
    var validator = Validator()
    validator.requireLine(name, "name", maxLength: 100)
    if role == .organiser && organiserID == nil {
      validator.add("organiser", "an organiser token needs --organiser ID")
    }
    if role == .admin && organiserID != nil {
      validator.add("organiser", "an admin token belongs to no organiser")
    }
    do { try validator.check() } catch let error as ValidationError {
      throw StoreError.invalid(error)
    }
    let secret = Secret.make(prefix: "alm_")
    return try pool.transaction { connection in
      if let organiserID,
        try connection.query("SELECT 1 FROM organisers WHERE id = $1", [organiserID]).isEmpty
      {
        throw StoreError.invalid("organiser", "names no organiser")
      }
      do {
        let row = try connection.query(
          """
          INSERT INTO api_tokens (name, role, organiser_id, token_hash)
          VALUES (\(name), \(role), \(organiserID), sha256(convert_to(\(secret), 'UTF8')))
          RETURNING \(Self.columns)
          """)[0]
        return (try Self.decode(row), secret)
      } catch let error as PostgresError where error.isUniqueViolation {
        throw StoreError.duplicate(field: "name")
      }
    }
  }

  /// Revokes the named token at once; false when there is no live token of that name.
  @discardableResult
  public func revoke(name: String) throws -> Bool {
    try pool.transaction { connection in
      try connection.execute(
        "UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL", [name])
        == 1
    }
  }

  /// Revokes the token with this id if it is a live one of `organiserID` (an owner's
  /// members' page); false when there is none such, whoever else's it may be.
  @discardableResult
  public func revoke(id: UUID, organiserID: UUID) throws -> Bool {
    try pool.transaction { connection in
      try connection.execute(
        """
        UPDATE api_tokens SET revoked_at = now()
        WHERE id = $1 AND organiser_id = $2 AND revoked_at IS NULL
        """, [id, organiserID]) == 1
    }
  }

  /// The organiser's live tokens, oldest first.
  public func list(organiserID: UUID) throws -> [APIToken] {
    try pool.transaction { connection in
      try connection.query(
        """
        SELECT \(Self.columns) FROM api_tokens
        WHERE organiser_id = \(organiserID) AND revoked_at IS NULL ORDER BY created_at, name
        """
      ).map(Self.decode)
    }
  }

  /// The live token with this secret, recording its use; nil for an unknown or revoked one.
  public func authenticate(secret: String) throws -> APIToken? {
    guard secret.utf8.count <= 200 else { return nil }
    return try pool.transaction { connection in
      // Recording every use would write on every request; once a minute is enough.
      try connection.query(
        """
        UPDATE api_tokens SET last_used_at = now()
        WHERE token_hash = sha256(convert_to($1, 'UTF8')) AND revoked_at IS NULL
          AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
        """, [secret])
      return try connection.query(
        """
        SELECT \(Self.columns) FROM api_tokens
        WHERE token_hash = sha256(convert_to(\(secret), 'UTF8')) AND revoked_at IS NULL
        """
      ).first.map(Self.decode)
    }
  }

  public func list() throws -> [APIToken] {
    try pool.transaction { connection in
      try connection.query("SELECT \(Self.columns) FROM api_tokens ORDER BY created_at, name")
        .map(Self.decode)
    }
  }

  static func decode(_ row: Row) throws -> APIToken {
    APIToken(
      id: try row.decode("id"), name: try row.decode("name"), role: try row.decode("role"),
      organiserID: try row.decode("organiser_id"), createdAt: try row.decode("created_at"),
      lastUsedAt: try row.decode("last_used_at"), revokedAt: try row.decode("revoked_at"))
  }
}
