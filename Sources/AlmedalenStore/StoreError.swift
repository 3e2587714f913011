public import AlmedalenCore
public import Foundation
public import Postgres

/// What a repository operation can refuse, in the domain's words. The API turns each case
/// into one HTTP answer; anything else is an internal error.
public enum StoreError: Error, Sendable, CustomStringConvertible {
  /// No such row (or not visible to the caller).
  case notFound(entity: String, id: String)
  /// The caller's version is stale; `current` is the stored one.
  case staleVersion(current: Int)
  /// The venue already holds a published event at that time.
  case venueTaken(conflictingEventIDs: [UUID])
  /// The input breaks a rule; every problem with its field.
  case invalid(ValidationError)
  /// The step is not allowed in the event's or registration's current state.
  case lifecycle(String)
  /// A unique name is taken.
  case duplicate(field: String)
  /// The database cannot be reached (restart, outage): try again shortly.
  case unavailable(PostgresError)

  public var description: String {
    switch self {
    case .notFound(let entity, let id): "no \(entity) \(id)"
    case .staleVersion(let current): "stale version; the current version is \(current)"
    case .venueTaken(let ids): "venue already booked by \(ids.map(\.uuidString))"
    case .invalid(let error): error.description
    case .lifecycle(let reason): reason
    case .duplicate(let field): "\(field) is already taken"
    case .unavailable(let error): "database unavailable: \(error)"
    }
  }

  static func invalid(_ field: String, _ message: String) -> StoreError {
    .invalid(ValidationError([FieldProblem(field: field, message: message)]))
  }
}

extension ConnectionPool {
  /// A transaction whose database errors come out as `StoreError` where they have a
  /// meaning for users: check violations become field problems, outages `unavailable`.
  func transaction<T>(
    _ options: TransactionOptions = .init(retries: 3), _ body: (Connection) throws -> T
  ) throws -> T {
    do {
      return try withTransaction(options, body)
    } catch let error as PostgresError {
      throw StoreError.translate(error)
    }
  }
}

extension StoreError {
  /// Maps a database error to a domain error when it has a domain meaning; rethrows it
  /// otherwise.
  static func translate(_ error: PostgresError) -> any Error {
    if error.isConnectionProblem || error.code == .poolTimeout || error.code == .poolClosed {
      return StoreError.unavailable(error)
    }
    guard error.isCheckViolation, let constraint = error.constraint else { return error }
    switch constraint {
    case "events_inside_edition":
      return StoreError.invalid("starts_at", "must lie inside the festival's days")
    case "events_lifecycle":
      return StoreError.lifecycle(error.message)
    case "panels_inside_event":
      return StoreError.invalid("panels", "a panel's times must lie inside the event's")
    default:
      return StoreError.invalid(error.column ?? constraint, "breaks the rule \(constraint)")
    }
  }
}
