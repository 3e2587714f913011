public import AlmedalenCore
public import Foundation
public import Postgres

/// People booked at overlapping times or unable to walk between venues in time, and venues
/// holding two events at once: `ConflictFinder` over the stored programme.
public struct ConflictStore: Sendable {
  let pool: ConnectionPool

  public init(pool: ConnectionPool) { self.pool = pool }

  /// The events that take their time and place: every one not cancelled, public or not
  /// (drafts, and events in review, are planned too).
  public static let planned = EventStatus.allCases.filter { $0 != .cancelled }

  /// Every conflict among the events of `statuses` (cancelled events never conflict), in
  /// one edition or all, in programme order.
  public func find(
    editionID: UUID? = nil, pace: WalkingPace = .init(),
    statuses: [EventStatus] = ConflictStore.planned
  ) throws -> [Conflict] {
    let events = try EventStore(pool: pool).all(
      EventFilter(editionID: editionID, statuses: statuses))
    guard events.count > 1 else { return [] }
    let venues = try VenueStore(pool: pool).all()
    return ConflictFinder.find(
      events: events, venues: Dictionary(uniqueKeysWithValues: venues.map { ($0.id, $0) }),
      pace: pace)
  }

  /// The conflicts of one event with the others of its edition in `statuses`: for warnings
  /// while an organiser plans it. A cancelled event has none.
  public func conflicts(
    for eventID: UUID, pace: WalkingPace = .init(),
    statuses: [EventStatus] = ConflictStore.planned
  ) throws -> [Conflict] {
    let (event, others, venues) = try pool.transaction(.init(isolation: .repeatableRead)) {
      connection in
      let event = try EventStore.load(eventID, on: connection)
      // Only events that share a person or the venue can touch this one.
      let rows = try connection.query(
        """
        SELECT \(EventStore.columns) FROM events e
        WHERE e.edition_id = \(event.editionID) AND e.id <> \(event.id)
          AND e.status = ANY (\(statuses)::text[])
          AND (e.venue_id = \(event.details.venueID) OR EXISTS (
               SELECT 1 FROM participations p WHERE p.event_id = e.id
                 AND p.person_id = ANY (\(event.details.participants.map(\.personID))::uuid[])))
        ORDER BY e.starts_at, e.id
        """)
      let others = try EventStore.assemble(Array(rows), on: connection)
      let venues = try connection.query("SELECT \(VenueStore.columns) FROM venues").map(
        VenueStore.decode)
      return (event, others, venues)
    }
    return ConflictFinder.conflicts(
      for: event, among: others,
      venues: Dictionary(uniqueKeysWithValues: venues.map { ($0.id, $0) }), pace: pace)
  }
}
