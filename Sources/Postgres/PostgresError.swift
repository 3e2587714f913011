/// An error from the database or from this client, carrying PostgreSQL's diagnostics when
/// the server sent them.
///
/// `description` stays generic enough to show an operator; `debugDescription` carries the
/// detail for logs. Neither ever contains a password.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible
{
  /// What kind of failure this is.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Base: String, Hashable, Sendable {
      case connectionFailed, connectionLost, server, decoding, poolTimeout, poolClosed
      case copyFailed, unexpectedResult, commitOutcomeUnknown
    }
    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// A connection could not be opened.
    public static let connectionFailed = Code(.connectionFailed)
    /// An open connection broke (the server restarted, the network failed).
    public static let connectionLost = Code(.connectionLost)
    /// The server refused a statement; see `sqlState`.
    public static let server = Code(.server)
    /// A value could not be decoded into the requested Swift type.
    public static let decoding = Code(.decoding)
    /// No pooled connection became free in time.
    public static let poolTimeout = Code(.poolTimeout)
    /// The pool was shut down.
    public static let poolClosed = Code(.poolClosed)
    /// A COPY could not be completed.
    public static let copyFailed = Code(.copyFailed)
    /// The connection broke while COMMIT was in flight: the transaction may or may not have
    /// committed, so it must not be retried blindly.
    public static let commitOutcomeUnknown = Code(.commitOutcomeUnknown)
    /// The server answered with something this client did not expect.
    public static let unexpectedResult = Code(.unexpectedResult)

    public var description: String { base.rawValue }
  }

  public let code: Code
  /// The five-character SQLSTATE, when the server sent one (`23505`, `23P01`, `40001`, …).
  public let sqlState: String?
  /// The primary message.
  public let message: String
  public let detail: String?
  public let hint: String?
  /// The constraint that was violated, for integrity errors.
  public let constraint: String?
  public let table: String?
  public let column: String?

  package init(
    _ code: Code, message: String, sqlState: String? = nil, detail: String? = nil,
    hint: String? = nil, constraint: String? = nil, table: String? = nil, column: String? = nil
  ) {
    self.code = code
    self.message = message
    self.sqlState = sqlState
    self.detail = detail
    self.hint = hint
    self.constraint = constraint
    self.table = table
    self.column = column
  }

  /// `unique_violation`.
  public var isUniqueViolation: Bool { sqlState == "23505" }
  /// `exclusion_violation`, as raised by an `EXCLUDE` constraint.
  public var isExclusionViolation: Bool { sqlState == "23P01" }
  /// `foreign_key_violation`.
  public var isForeignKeyViolation: Bool { sqlState == "23503" }
  /// `check_violation`.
  public var isCheckViolation: Bool { sqlState == "23514" }
  /// A failure that a retried transaction may not meet again: serialization failure (40001)
  /// or deadlock (40P01).
  public var isTransient: Bool { sqlState == "40001" || sqlState == "40P01" }
  /// The connection is unusable: it broke, could not be opened, or the server is shutting down.
  public var isConnectionProblem: Bool {
    code == .connectionLost || code == .connectionFailed || code == .commitOutcomeUnknown
      || (sqlState.map { $0.hasPrefix("08") || $0 == "57P01" || $0 == "57P02" || $0 == "57P03" }
        ?? false)
  }

  public var description: String {
    if let sqlState { return "PostgreSQL error \(sqlState): \(message)" }
    return "PostgreSQL \(code): \(message)"
  }

  public var debugDescription: String {
    var parts = [description]
    if let detail { parts.append("detail: \(detail)") }
    if let hint { parts.append("hint: \(hint)") }
    if let constraint { parts.append("constraint: \(constraint)") }
    if let table { parts.append("table: \(table)") }
    if let column { parts.append("column: \(column)") }
    return parts.joined(separator: "; ")
  }
}
