public import AlmedalenCore
public import Foundation
import Postgres

/// The events a feed shows with everything their ids stand for, read in one snapshot.
public struct ProgrammeSnapshot: Sendable {
  public var events: [Event]
  /// Each event's small stable number (frab's integer id).
  public var numbers: [UUID: Int]
  public var venues: [UUID: Venue]
  /// Organiser names, for the organisers and co-organisers of `events`.
  public var organisers: [UUID: String]

  public init(
    events: [Event] = [], numbers: [UUID: Int] = [:], venues: [UUID: Venue] = [:],
    organisers: [UUID: String] = [:]
  ) {
    self.events = events
    self.numbers = numbers
    self.venues = venues
    self.organisers = organisers
  }
}

/// One entry of the public change feed, as the audit trail recorded it.
public struct ProgrammeChange: Hashable, Sendable {
  public var id: Int64
  public var eventID: UUID
  public var changedAt: Date
  /// `published` also for an event that was loaded already published.
  public var action: EventChange.Action
  /// The new start, when the change moved it.
  public var newStart: Date?
  /// Whether the venue changed, and to which (nil: no venue any more).
  public var venueChanged: Bool
  public var newVenueName: String?
  /// Wire names of the fields that changed (`starts_at`, `venue_id`, `title`, `participants`…).
  public var fields: [String]
}

/// The values the programme's filters offer.
public struct FilterChoices: Sendable {
  public var topics: [String] = []
  public var languages: [String] = []
  public var organisers: [(id: UUID, name: String)] = []
  public var venues: [(id: UUID, name: String)] = []
}

/// What the public feeds read: published and cancelled events, never drafts.
public struct FeedStore: Sendable {
  let pool: ConnectionPool

  /// Subscriber-relevant fields: a change touching none of them is no news for partners.
  static let newsworthy = [
    "starts_at", "ends_at", "venue_id", "title", "status", "participants",
  ]

  /// Every public event matching `filter`, in time order, with names resolved.
  public func snapshot(_ filter: EventFilter) throws -> ProgrammeSnapshot {
    try Self.checkText(filter)
    return try pool.transaction(.init(isolation: .repeatableRead, retries: 3)) { connection in
      let rows = try connection.query(
        """
        SELECT e.number, \(EventStore.columns) FROM events e
        WHERE \(EventStore.filterClause(filter)) AND e.is_public
        ORDER BY e.starts_at, e.title, e.id
        """)
      return try Self.resolve(Array(rows), on: connection)
    }
  }

  /// The newest `limit` public changes of events matching `filter`, newest first, and the
  /// events they concern as they are now.
  public func changes(_ filter: EventFilter, limit: Int) throws -> (
    changes: [ProgrammeChange], snapshot: ProgrammeSnapshot
  ) {
    try Self.checkText(filter)
    return try pool.transaction(.init(isolation: .repeatableRead, retries: 3)) { connection in
      let rows = try connection.query(
        """
        SELECT c.id, c.event_id, c.changed_at, c.action,
               (c.changes -> 'starts_at' ->> 'to')::timestamptz AS new_start,
               c.changes ? 'venue_id' AS venue_changed, v.name AS new_venue,
               ARRAY(SELECT jsonb_object_keys(c.changes) ORDER BY 1) AS fields
        FROM event_changes c
        JOIN events e ON e.id = c.event_id
        LEFT JOIN venues v ON v.id = (c.changes -> 'venue_id' ->> 'to')::uuid
        WHERE e.is_public AND \(EventStore.filterClause(filter))
          AND (c.action IN ('published', 'cancelled')
               OR (c.action = 'updated' AND c.changed_at > e.published_at
                   AND c.changes ?| \(Self.newsworthy)::text[])
               OR (c.action = 'created' AND e.published_at IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM event_changes p
                   WHERE p.event_id = c.event_id AND p.action = 'published')))
        ORDER BY c.id DESC LIMIT \(limit)
        """)
      var changes: [ProgrammeChange] = []
      for row in rows {
        let action: String = try row.decode("action")
        changes.append(
          ProgrammeChange(
            id: try row.decode("id"), eventID: try row.decode("event_id"),
            changedAt: try row.decode("changed_at"),
            action: action == "created"
              ? .published : EventChange.Action(rawValue: action) ?? .updated,
            newStart: try row.decode("new_start"), venueChanged: try row.decode("venue_changed"),
            newVenueName: try row.decode("new_venue"), fields: try row.decode("fields")))
      }
      let ids = Array(Set(changes.map(\.eventID)))
      let eventRows = try connection.query(
        """
        SELECT e.number, \(EventStore.columns) FROM events e WHERE e.id = ANY (\(ids)::uuid[])
        ORDER BY e.starts_at, e.id
        """)
      return (changes, try Self.resolve(Array(eventRows), on: connection))
    }
  }

  /// One public event (published or cancelled); not found for a draft.
  public func event(_ id: UUID) throws -> ProgrammeSnapshot {
    let snapshot = try pool.transaction(.init(isolation: .repeatableRead, retries: 3)) {
      connection in
      let rows = try connection.query(
        "SELECT e.number, \(EventStore.columns) FROM events e WHERE e.id = \(id) AND e.is_public"
      )
      return try Self.resolve(Array(rows), on: connection)
    }
    guard !snapshot.events.isEmpty else {
      throw StoreError.notFound(entity: "event", id: id.uuidString)
    }
    return snapshot
  }

  /// What the public programme of an edition can be filtered by: its topics, languages,
  /// and the organisers and venues that have public events, each sorted for people.
  public func filterOptions(editionID: UUID) throws -> FilterChoices {
    try pool.transaction(.init(isolation: .repeatableRead, retries: 3)) { connection in
      var choices = FilterChoices()
      choices.topics = try connection.query(
        """
        SELECT DISTINCT t AS topic FROM events e, unnest(e.topics) t
        WHERE e.edition_id = $1 AND e.is_public ORDER BY 1
        """, [editionID]
      ).map { try $0.decode("topic") }
      choices.languages = try connection.query(
        """
        SELECT DISTINCT l AS language FROM events e, unnest(e.languages) l
        WHERE e.edition_id = $1 AND e.is_public ORDER BY 1
        """, [editionID]
      ).map { try $0.decode("language") }
      // Ids first, then names: a correlated EXISTS per organiser took 0.7 s on 5,000 events.
      choices.organisers = try connection.query(
        """
        SELECT o.id, o.name FROM organisers o WHERE o.id IN (
          SELECT e.organiser_id FROM events e WHERE e.edition_id = $1 AND e.is_public
          UNION
          SELECT eo.organiser_id FROM event_organisers eo JOIN events e ON e.id = eo.event_id
          WHERE e.edition_id = $1 AND e.is_public AND eo.status = 'accepted')
        ORDER BY o.name, o.id
        """, [editionID]
      ).map { (try $0.decode("id"), try $0.decode("name")) }
      choices.venues = try connection.query(
        """
        SELECT v.id, v.name FROM venues v WHERE v.id IN (
          SELECT e.venue_id FROM events e WHERE e.edition_id = $1 AND e.is_public)
        ORDER BY v.name, v.id
        """, [editionID]
      ).map { (try $0.decode("id"), try $0.decode("name")) }
      return choices
    }
  }

  /// The public events one person moderates, sits on a panel of or speaks at.
  public func schedule(of personID: UUID) throws -> ProgrammeSnapshot {
    var filter = EventFilter.publicProgramme
    filter.personID = personID
    return try snapshot(filter)
  }

  static func checkText(_ filter: EventFilter) throws {
    if let text = filter.text, TextRules.length(text) > SearchText.maxLength {
      throw StoreError.invalid("q", "must be at most \(SearchText.maxLength) characters")
    }
  }

  /// Events from `rows` (with a `number` column) plus the venues and organisers they name.
  static func resolve(_ rows: [Row], on connection: Connection) throws -> ProgrammeSnapshot {
    var snapshot = ProgrammeSnapshot()
    snapshot.events = try EventStore.assemble(rows, on: connection)
    for (row, event) in zip(rows, snapshot.events) {
      snapshot.numbers[event.id] = try row.decode("number")
    }
    let venueIDs = Array(Set(snapshot.events.compactMap(\.venueID)))
    if !venueIDs.isEmpty {
      for row in try connection.query(
        "SELECT \(VenueStore.columns) FROM venues WHERE id = ANY (\(venueIDs)::uuid[])")
      {
        let venue = try VenueStore.decode(row)
        snapshot.venues[venue.id] = venue
      }
    }
    let organiserIDs = Array(
      Set(snapshot.events.flatMap { [$0.organiserID] + $0.coOrganiserIDs }))
    if !organiserIDs.isEmpty {
      for row in try connection.query(
        "SELECT id, name FROM organisers WHERE id = ANY ($1::uuid[])", [organiserIDs])
      {
        snapshot.organisers[try row.decode("id")] = try row.decode("name")
      }
    }
    return snapshot
  }
}
