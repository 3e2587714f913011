public import AlmedalenCore
public import Foundation
import Postgres

/// Requests to co-organise events: the asked organiser lists them and answers. Naming a
/// co-organiser (EventStore) asks; only an accepted request shows the event under the
/// co-organiser's name. The database keeps answers moving forward only (pending → accepted
/// or declined, accepted → declined) and records each in the event's history.
public struct CoOrganiserStore: Sendable {
  let pool: ConnectionPool

  static let columns: PostgresQuery = """
    eo.event_id, e.title, e.status AS event_status, e.starts_at, e.organiser_id,
    o.name AS organiser_name, eo.organiser_id AS co_organiser_id, eo.status, eo.requested_at,
    eo.decided_at
    """

  /// The events naming `organiserID` as co-organiser, oldest request first; with `status`,
  /// only those in that state. Not found when there is no such organiser.
  public func requests(for organiserID: UUID, status: CoOrganiserStatus? = nil) throws
    -> [CoOrganiserRequest]
  {
    try pool.transaction(.init(isolation: .repeatableRead)) { connection in
      guard
        !(try connection.query("SELECT 1 FROM organisers WHERE id = \(organiserID)").isEmpty)
      else { throw StoreError.notFound(entity: "organiser", id: organiserID.uuidString) }
      return try connection.query(
        """
        SELECT \(Self.columns)
        FROM event_organisers eo
        JOIN events e ON e.id = eo.event_id
        JOIN organisers o ON o.id = e.organiser_id
        WHERE eo.organiser_id = \(organiserID)
          AND (\(status)::text IS NULL OR eo.status = \(status)::text)
        ORDER BY eo.requested_at, e.starts_at, e.id
        """
      ).map(Self.decode)
    }
  }

  /// Accepts or declines the request of event `eventID` to `organiserID`. Answering as
  /// before is harmless; a declined request cannot be accepted (`lifecycle`: the event's
  /// organiser may name the co-organiser anew). Not found when the event names no such
  /// co-organiser. `userID` names the signed-in user who answered, for the history.
  @discardableResult
  public func answer(
    eventID: UUID, organiserID: UUID, accept: Bool, actor: String, userID: UUID? = nil
  ) throws -> CoOrganiserRequest {
    try pool.transaction { connection in
      try EventStore.setActor(actor, userID: userID, on: connection)
      // The event's row first, as an edit of the event takes it: an answer and an edit then
      // queue rather than deadlock on each other's rows.
      guard
        !(try connection.query("SELECT 1 FROM events WHERE id = \(eventID) FOR SHARE").isEmpty)
      else { throw StoreError.notFound(entity: "event", id: eventID.uuidString) }
      let target: CoOrganiserStatus = accept ? .accepted : .declined
      // The trigger refuses a step backwards (declined → accepted) in its own words.
      try connection.execute(
        """
        UPDATE event_organisers SET status = \(target)
        WHERE event_id = \(eventID) AND organiser_id = \(organiserID) AND status <> \(target)
        """)
      guard
        let row = try connection.query(
          """
          SELECT \(Self.columns)
          FROM event_organisers eo
          JOIN events e ON e.id = eo.event_id
          JOIN organisers o ON o.id = e.organiser_id
          WHERE eo.event_id = \(eventID) AND eo.organiser_id = \(organiserID)
          """
        ).first
      else {
        throw StoreError.notFound(entity: "co-organiser request", id: organiserID.uuidString)
      }
      return try Self.decode(row)
    }
  }

  static func decode(_ row: Row) throws -> CoOrganiserRequest {
    CoOrganiserRequest(
      eventID: try row.decode("event_id"), eventTitle: try row.decode("title"),
      eventStatus: try row.decode("event_status"), startsAt: try row.decode("starts_at"),
      organiserID: try row.decode("organiser_id"),
      organiserName: try row.decode("organiser_name"),
      coOrganiserID: try row.decode("co_organiser_id"), status: try row.decode("status"),
      requestedAt: try row.decode("requested_at"), decidedAt: try row.decode("decided_at"))
  }
}
