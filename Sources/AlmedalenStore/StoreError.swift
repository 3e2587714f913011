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
  /// otherwise. A check that reaches a client names the field (the wire name, which is the
  /// column's), never the constraint.
  static func translate(_ error: PostgresError) -> any Error {
    if error.isConnectionProblem || error.code == .poolTimeout || error.code == .poolClosed {
      return StoreError.unavailable(error)
    }
    guard error.isCheckViolation, let constraint = error.constraint else { return error }
    switch constraint {
    case "events_inside_edition":
      return StoreError.invalid("starts_at", "must lie inside the festival's days")
    case "events_lifecycle", "event_organisers_consent", "events_cutoff":
      // Our own words, raised by a trigger.
      return StoreError.lifecycle(error.message)
    case "panels_inside_event":
      return StoreError.invalid("panels", "a panel's times must lie inside the event's")
    default:
      let problem = fieldProblem(constraint: constraint, table: error.table, column: error.column)
      return StoreError.invalid(problem.field, problem.message)
    }
  }

  /// The schema's named checks, in the API's words.
  static let namedChecks: [String: (field: String, message: String)] = [
    "editions_days_in_order": ("last_day", "must not be before first_day"),
    "editions_at_most_a_month": ("last_day", "an edition lasts at most a month"),
    "editions_year_matches": ("year", "must be the year of first_day"),
    "venues_coordinates_together": ("latitude", "give latitude and longitude together, or neither"),
    "events_ends_after_starts": ("ends_at", "must be after starts_at"),
    "events_at_most_a_day": ("ends_at", "an event lasts at most 24 hours"),
    "events_cancelled_was_published": ("status", "only a published event can be cancelled"),
    "events_returned_has_reason": ("reason", "a returned event needs a reason"),
    "panels_times_together": ("panels", "give a panel both starts_at and ends_at, or neither"),
    "panels_ends_after_starts": ("panels", "a panel must end after it starts"),
    "accessibility_feature_check": ("accessibility", "names a feature this service does not know"),
  ]

  /// The field a check concerns: a named check's, else the column PostgreSQL reports, else
  /// the column in the name PostgreSQL gives an unnamed column check (`organisers_website_check`
  /// is `website`). Never the constraint's name.
  static func fieldProblem(constraint: String, table: String?, column: String?) -> (
    field: String, message: String
  ) {
    if let named = namedChecks[constraint] { return named }
    let message = "is not accepted here: check its length and form"
    if let column { return (column, message) }
    if let table, constraint.hasPrefix(table + "_"), constraint.hasSuffix("_check") {
      let name = constraint.dropFirst(table.count + 1).dropLast("_check".count)
      if !name.isEmpty { return (String(name), message) }
    }
    return ("request", "breaks a rule of the programme's data")
  }
}
