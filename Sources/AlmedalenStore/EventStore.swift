public import AlmedalenCore
public import Foundation
import Postgres

/// Events with their co-organisers, panels and participations.
///
/// An event's edition is the one whose days hold its start. Updates are guarded by the
/// event's `version`; the database raises `revision` when subscribers would care.
public struct EventStore: Sendable {
  let pool: ConnectionPool

  static let columns: PostgresQuery = """
    e.id, e.edition_id, e.organiser_id, e.venue_id, e.title, e.description, e.kind,
    e.starts_at, e.ends_at, e.topics, e.languages, e.accessibility::text[] AS accessibility,
    e.food_served, e.livestream_url, e.capacity, e.registration_open, e.status, e.revision,
    e.version, e.source_note, e.created_at, e.updated_at, e.revised_at, e.published_at,
    e.cancelled_at, e.submitted_at, e.review_reason
    """

  // MARK: Writing

  /// Creates a draft. `actor` names who did it in the event's history (the token or
  /// command), and `userID` the signed-in user, if one did.
  ///
  /// Each co-organiser named is asked (`pending`) unless `coOrganisersAccepted`: the
  /// festival's staff (admins, the seed, the command line) may link organisers at once; an
  /// organiser's token may only ask.
  public func create(
    _ details: EventDetails, id: UUID = UUID(), actor: String = "system", userID: UUID? = nil,
    coOrganisersAccepted: Bool = true
  ) throws -> Event {
    try pool.transaction { connection in
      try Self.setActor(actor, userID: userID, on: connection)
      let edition = try Self.checkedEdition(details, on: connection)
      try connection.execute(
        """
        INSERT INTO events (id, edition_id, \(Self.writtenColumns))
        VALUES (\(id), \(edition.id), \(Self.written(details)))
        """)
      try Self.writeCoOrganisers(
        of: id, details.coOrganiserIDs, accepted: coOrganisersAccepted, on: connection)
      try Self.writeChildren(of: id, details, on: connection)
      return try Self.load(id, on: connection)
    }
  }

  /// Replaces what the organiser wrote, if `expectedVersion` is still the stored version.
  /// A published event that moves onto a taken venue slot is refused with `venueTaken`.
  /// Co-organisers named anew are asked unless `coOrganisersAccepted`; those named before
  /// keep their answers, whatever their new order.
  public func update(
    _ id: UUID, expectedVersion: Int, with details: EventDetails, actor: String = "system",
    userID: UUID? = nil, coOrganisersAccepted: Bool = true
  ) throws -> Event {
    try refusingVenueClash(id: id, venueID: details.venueID, details.startsAt, details.endsAt) {
      try pool.transaction { connection in
        try Self.setActor(actor, userID: userID, on: connection)
        let current = try Self.lockedVersion(id, on: connection)
        guard current.version == expectedVersion else {
          throw StoreError.staleVersion(current: current.version)
        }
        if current.status == .cancelled {
          throw StoreError.lifecycle("a cancelled event cannot be changed")
        }
        let edition = try Self.checkedEdition(details, on: connection)
        let before = try Self.load(id, on: connection)
        let peopleChanged =
          before.details.panels != details.panels
          || before.details.participants.map(Self.written) != details.participants.map(Self.written)
        var extra: [String] = []
        if peopleChanged { extra.append(#""participants": {"changed": true}"#) }
        if before.details.coOrganiserIDs != details.coOrganiserIDs {
          extra.append(#""co_organiser_ids": {"changed": true}"#)
        }
        if !extra.isEmpty {
          try connection.query(
            "SELECT set_config('almedalen.extra_changes', $1, true)",
            ["{" + extra.joined(separator: ", ") + "}"])
        }
        try connection.execute(
          """
          UPDATE events SET (edition_id, \(Self.writtenColumns))
              = ROW(\(edition.id), \(Self.written(details))),
            revision = revision + \(peopleChanged ? 1 : 0)
          WHERE id = \(id)
          """)
        if before.details.coOrganiserIDs != details.coOrganiserIDs {
          try Self.writeCoOrganisers(
            of: id, details.coOrganiserIDs, accepted: coOrganisersAccepted, on: connection)
        }
        if peopleChanged {
          try Self.writeChildren(of: id, details, on: connection, replacing: true)
        }
        try RegistrationStore.fillFreeSeats(of: id, on: connection)
        return try Self.load(id, on: connection)
      }
    }
  }

  /// Publishes a draft, or approves an event submitted for review (or returned from it):
  /// either way it becomes public. Publishing again is harmless; a cancelled event stays
  /// cancelled. Who may publish is the caller's policy (the office, an admin).
  public func publish(
    _ id: UUID, expectedVersion: Int? = nil, actor: String = "system", userID: UUID? = nil
  ) throws -> Event {
    let stored = try get(id)
    return try refusingVenueClash(
      id: id, venueID: stored.venueID, stored.startsAt, stored.endsAt
    ) {
      try transition(
        id, expectedVersion: expectedVersion, to: .published, actor: actor, userID: userID)
    }
  }

  /// Submits a draft, or a returned event, for the office's review. It stays private until
  /// approved (`publish`). Submitting again is harmless.
  @discardableResult
  public func submit(
    _ id: UUID, expectedVersion: Int? = nil, actor: String = "system", userID: UUID? = nil
  ) throws -> Event {
    try transition(
      id, expectedVersion: expectedVersion, to: .submitted, actor: actor, userID: userID)
  }

  /// Returns a submitted event to its organiser with the office's reason (1–2,000
  /// characters, field `reason`); the organiser edits it and submits it again.
  @discardableResult
  public func returnForChanges(
    _ id: UUID, reason: String, expectedVersion: Int? = nil, actor: String = "system",
    userID: UUID? = nil
  ) throws -> Event {
    var validator = Validator()
    validator.paragraph(reason, "reason", maxLength: 2000)
    if reason.allSatisfy(\.isWhitespace) { validator.add("reason", "must not be empty") }
    do { try validator.check() } catch let error as ValidationError {
      throw StoreError.invalid(error)
    }
    return try transition(
      id, expectedVersion: expectedVersion, to: .returned, reason: reason, actor: actor,
      userID: userID)
  }

  /// Cancels a published event; it stays in feeds, marked cancelled. A private event (a
  /// draft, or one in review) is deleted instead.
  public func cancel(
    _ id: UUID, expectedVersion: Int? = nil, actor: String = "system", userID: UUID? = nil
  ) throws -> Event {
    try transition(
      id, expectedVersion: expectedVersion, to: .cancelled, actor: actor, userID: userID)
  }

  /// Deletes an event that was never public (a draft, submitted or returned). A published
  /// event is never deleted, only cancelled; after its edition's cut-off the schema's
  /// refusal says so (`events_cutoff`). The schema decides, so no caller can get round it.
  public func deleteDraft(_ id: UUID) throws {
    try pool.transaction { connection in
      _ = try Self.lockedVersion(id, on: connection)
      try connection.execute("DELETE FROM events WHERE id = $1", [id])
    }
  }

  private func transition(
    _ id: UUID, expectedVersion: Int?, to target: EventStatus, reason: String? = nil,
    actor: String, userID: UUID?
  ) throws -> Event {
    try pool.transaction { connection in
      try Self.setActor(actor, userID: userID, on: connection)
      let current = try Self.lockedVersion(id, on: connection)
      if let expectedVersion, expectedVersion != current.version {
        throw StoreError.staleVersion(current: current.version)
      }
      switch (current.status, target) {
      case (.draft, .published), (.submitted, .published), (.returned, .published),
        (.published, .cancelled), (.draft, .submitted), (.returned, .submitted):
        try connection.execute("UPDATE events SET status = $2 WHERE id = $1", [id, target])
      case (.submitted, .returned):
        try connection.execute(
          "UPDATE events SET status = 'returned', review_reason = $2 WHERE id = $1", [id, reason])
      case (.published, .published), (.cancelled, .cancelled), (.submitted, .submitted):
        break
      case (.draft, .cancelled), (.submitted, .cancelled), (.returned, .cancelled):
        throw StoreError.lifecycle("the event was never public: delete it instead of cancelling")
      case (.cancelled, _):
        throw StoreError.lifecycle("a cancelled event stays cancelled")
      case (.published, .submitted), (.published, .returned):
        throw StoreError.lifecycle("a published event is no longer reviewed")
      case (_, .returned):
        throw StoreError.lifecycle("only a submitted event can be returned")
      default:
        throw StoreError.lifecycle("cannot go from \(current.status) to \(target)")
      }
      return try Self.load(id, on: connection)
    }
  }

  /// Runs `body`; an exclusion violation becomes `venueTaken` naming the events in the way.
  private func refusingVenueClash<T>(
    id: UUID, venueID: UUID?, _ start: Date, _ end: Date, _ body: () throws -> T
  ) throws -> T {
    do {
      return try body()
    } catch let error as PostgresError
      where error.isExclusionViolation && error.constraint == "events_venue_double_booked"
    {
      let clashing = try pool.transaction { connection in
        try connection.query(
          """
          SELECT id FROM events
          WHERE venue_id = $1 AND status = 'published' AND id <> $2
            AND tstzrange(starts_at, ends_at) && tstzrange($3, $4)
          ORDER BY starts_at
          """, [venueID, id, start, end]
        ).map { try $0.decode("id", as: UUID.self) }
      }
      throw StoreError.venueTaken(conflictingEventIDs: clashing)
    }
  }

  /// Names who acts in this transaction, for the history the database keeps: the token or
  /// command, and the signed-in user (`event_changes.user_id`) when there is one.
  static func setActor(_ actor: String, userID: UUID? = nil, on connection: Connection) throws {
    try connection.query(
      "SELECT set_config('almedalen.actor', $1, true), set_config('almedalen.user_id', $2, true)",
      [String(actor.prefix(200)), userID?.uuidString ?? ""])
  }

  // MARK: Reading

  /// Of `ids`, the private events that `organiserID` may not see (other organisers' drafts
  /// and events in review): the rule of `EventFilter.draftsOf`, for results that are not
  /// event lists (conflicts).
  public func draftsHidden(among ids: Set<UUID>, from organiserID: UUID?) throws -> Set<UUID> {
    guard !ids.isEmpty else { return [] }
    return try pool.transaction { connection in
      Set(
        try connection.query(
          """
          SELECT id FROM events
          WHERE id = ANY ($1::uuid[]) AND NOT is_public
            AND organiser_id IS DISTINCT FROM $2::uuid
          """, [Array(ids), organiserID]
        ).map { try $0.decode("id", as: UUID.self) })
    }
  }

  /// The event's audit trail, oldest first.
  public func history(_ id: UUID) throws -> [EventChange] {
    try pool.transaction(.init(isolation: .repeatableRead)) { connection in
      guard !(try connection.query("SELECT 1 FROM events WHERE id = $1", [id]).isEmpty) else {
        throw StoreError.notFound(entity: "event", id: id.uuidString)
      }
      let rows = try connection.query(
        """
        SELECT c.id, c.changed_at, c.actor, c.user_id, u.name AS user_name, c.action, c.version,
               c.revision, f.key, f.value->>'from' IS NULL AND f.value ? 'changed' AS flag,
               (f.value->'from')::text AS old, (f.value->'to')::text AS new
        FROM event_changes c
        LEFT JOIN users u ON u.id = c.user_id
        LEFT JOIN LATERAL jsonb_each(c.changes) f ON true
        WHERE c.event_id = $1
        ORDER BY c.id, f.key
        """, [id])
      var changes: [EventChange] = []
      var fields: [EventChange.Field] = []
      var current: Row?
      func close() throws {
        guard let row = current else { return }
        let action: String = try row.decode("action")
        changes.append(
          EventChange(
            id: try row.decode("id"), eventID: id, changedAt: try row.decode("changed_at"),
            actor: try row.decode("actor"), userID: try row.decode("user_id"),
            userName: try row.decode("user_name"),
            action: EventChange.Action(rawValue: action) ?? .updated,
            version: try row.decode("version"), revision: try row.decode("revision"),
            fields: fields))
        fields = []
      }
      for row in rows {
        let changeID: Int64 = try row.decode("id")
        if let open = current, try open.decode("id", as: Int64.self) != changeID { try close() }
        current = row
        if let name: String = try row.decode("key") {
          let flag: Bool = try row.decode("flag", as: Bool?.self) ?? false
          fields.append(
            EventChange.Field(
              name: name, from: flag ? nil : try row.decode("old"),
              to: flag ? nil : try row.decode("new")))
        }
      }
      try close()
      return changes
    }
  }

  public func get(_ id: UUID) throws -> Event {
    try pool.transaction(.init(isolation: .repeatableRead)) { try Self.load(id, on: $0) }
  }

  /// Events matching `filter` in time order, a page at a time.
  public func list(_ filter: EventFilter = EventFilter(), limit: Int? = nil, cursor: String? = nil)
    throws -> Page<Event>
  {
    let limit = try Cursor.limit(limit)
    let after = try cursor.map { try Cursor.byStart($0, list: .events) }.map {
      (Date(timeIntervalSince1970: Double($0.microseconds) / 1_000_000), $0.id)
    }
    if let text = filter.text, TextRules.length(text) > SearchText.maxLength {
      throw StoreError.invalid("q", "must be at most \(SearchText.maxLength) characters")
    }
    return try pool.transaction(.init(isolation: .repeatableRead)) { connection in
      var query: PostgresQuery =
        "SELECT \(Self.columns) FROM events e WHERE \(Self.filterClause(filter))"
      if let (start, id) = after {
        query += " AND (e.starts_at, e.id) > (\(start)::timestamptz, \(id)::uuid)"
      }
      query += " ORDER BY e.starts_at, e.id LIMIT \(limit + 1)"
      let rows = try connection.query(query)
      let events = try Self.assemble(Array(rows.prefix(limit)), on: connection, view: .named)
      let next =
        rows.count > limit
        ? events.last.map {
          Cursor.encode(
            .events,
            Cursor.ByStart(
              microseconds: Int64(($0.startsAt.timeIntervalSince1970 * 1_000_000).rounded()),
              id: $0.id))
        } : nil
      return Page(items: events, nextCursor: next)
    }
  }

  /// Every event matching `filter`, in time order: for feeds and exports.
  public func all(_ filter: EventFilter = EventFilter()) throws -> [Event] {
    try pool.transaction(.init(isolation: .repeatableRead)) { connection in
      let rows = try connection.query(
        """
        SELECT \(Self.columns) FROM events e WHERE \(Self.filterClause(filter))
        ORDER BY e.starts_at, e.id
        """)
      return try Self.assemble(Array(rows), on: connection, view: .named)
    }
  }

  /// The conditions of `filter` on the events `e`, each only when the filter sets it.
  static func filterClause(_ filter: EventFilter) -> PostgresQuery {
    var conditions: [PostgresQuery] = []
    if let editionID = filter.editionID {
      conditions.append("e.edition_id = \(editionID)")
    }
    if let day = filter.day {
      conditions.append(
        """
        e.starts_at >= (\(day)::date::timestamp AT TIME ZONE 'Europe/Stockholm')
        AND e.starts_at < ((\(day)::date + 1)::timestamp AT TIME ZONE 'Europe/Stockholm')
        """)
    }
    if let organiserID = filter.organiserID {
      // A co-organiser's events are only those it accepted.
      conditions.append(
        """
        (e.organiser_id = \(organiserID) OR EXISTS (
         SELECT 1 FROM event_organisers eo
         WHERE eo.event_id = e.id AND eo.organiser_id = \(organiserID)
           AND eo.status = 'accepted'))
        """)
    }
    if let venueID = filter.venueID {
      conditions.append("e.venue_id = \(venueID)")
    }
    if let topic = filter.topic {
      conditions.append(
        "EXISTS (SELECT 1 FROM unnest(e.topics) t WHERE lower(t) = lower(\(topic)::text))")
    }
    if let personID = filter.personID {
      conditions.append(
        """
        EXISTS (SELECT 1 FROM participations p
                WHERE p.event_id = e.id AND p.person_id = \(personID))
        """)
    }
    if let statuses = filter.statuses {
      conditions.append("e.status = ANY (\(statuses)::text[])")
    }
    if !filter.accessibility.isEmpty {
      conditions.append("e.accessibility @> \(filter.accessibility)::accessibility_feature[]")
    }
    if let language = filter.language {
      conditions.append("\(language)::text = ANY (e.languages)")
    }
    if let text = filter.text {
      let pattern = Pattern.contains(text)
      conditions.append(
        """
        (e.search @@ websearch_to_tsquery('swedish', \(text)) OR e.title ILIKE \(pattern)
         OR EXISTS (SELECT 1 FROM participations p JOIN people pe ON pe.id = p.person_id
                    WHERE p.event_id = e.id AND pe.name ILIKE \(pattern)))
        """)
    }
    if let draftsOf = filter.draftsOf {
      conditions.append("(e.is_public OR e.organiser_id = \(draftsOf))")
    }
    return conditions.isEmpty ? "TRUE" : conditions.joined(separator: " AND ")
  }

  // MARK: Rows

  static func load(_ id: UUID, on connection: Connection) throws -> Event {
    let rows = try connection.query("SELECT \(columns) FROM events e WHERE e.id = \(id)")
    guard let row = rows.first else {
      throw StoreError.notFound(entity: "event", id: id.uuidString)
    }
    return try assemble([row], on: connection, view: .named)[0]
  }

  /// Which co-organisers a read shows.
  enum CoOrganiserView {
    /// Everyone the organiser named, with their answers: the organiser's and the API's view.
    case named
    /// Only those who accepted: what the public sees (feeds, pages, mail).
    case accepted
  }

  /// Decodes event rows and fetches their co-organisers, panels and participations in three
  /// queries, however many events there are. Unless asked for the `named` view, only
  /// accepted co-organisers are there.
  static func assemble(_ rows: [Row], on connection: Connection, view: CoOrganiserView = .accepted)
    throws -> [Event]
  {
    var events = try rows.map(decode)
    guard !events.isEmpty else { return [] }
    let ids = events.map(\.id)
    var index: [UUID: Int] = [:]
    for (position, event) in events.enumerated() { index[event.id] = position }
    for row in try connection.query(
      """
      SELECT event_id, organiser_id, status FROM event_organisers
      WHERE event_id = ANY (\(ids)::uuid[])
        AND (\(view == .named) OR status = 'accepted')
      ORDER BY event_id, position
      """)
    {
      let link = CoOrganiserLink(
        organiserID: try row.decode("organiser_id"), status: try row.decode("status"))
      let position = index[try row.decode("event_id")]!
      events[position].details.coOrganiserIDs.append(link.organiserID)
      events[position].coOrganisers.append(link)
    }
    var panelIndex: [UUID: Int] = [:]
    for row in try connection.query(
      "SELECT id, event_id, title, starts_at, ends_at FROM panels WHERE event_id = ANY ($1::uuid[]) ORDER BY event_id, position",
      [ids])
    {
      let position = index[try row.decode("event_id")]!
      panelIndex[try row.decode("id")] = events[position].details.panels.count
      events[position].details.panels.append(
        Panel(
          title: try row.decode("title"), startsAt: try row.decode("starts_at"),
          endsAt: try row.decode("ends_at")))
    }
    for row in try connection.query(
      """
      SELECT p.event_id, p.person_id, p.panel_id, p.role, p.title, p.organisation,
             pe.name, pe.party
      FROM participations p JOIN people pe ON pe.id = p.person_id
      WHERE p.event_id = ANY ($1::uuid[]) ORDER BY p.event_id, p.position
      """, [ids])
    {
      let panelID: UUID? = try row.decode("panel_id")
      events[index[try row.decode("event_id")]!].details.participants.append(
        Participation(
          personID: try row.decode("person_id"), role: try row.decode("role"),
          title: try row.decode("title"), organisation: try row.decode("organisation"),
          panel: panelID.flatMap { panelIndex[$0] }, personName: try row.decode("name"),
          personParty: try row.decode("party")))
    }
    return events
  }

  static func decode(_ row: Row) throws -> Event {
    let details = EventDetails(
      title: try row.decode("title"), description: try row.decode("description"),
      kind: try row.decode("kind"), startsAt: try row.decode("starts_at"),
      endsAt: try row.decode("ends_at"), venueID: try row.decode("venue_id"),
      organiserID: try row.decode("organiser_id"), topics: try row.decode("topics"),
      languages: try row.decode("languages"), accessibility: try row.decode("accessibility"),
      foodServed: try row.decode("food_served"), livestreamURL: try row.decode("livestream_url"),
      capacity: try row.decode("capacity"), registrationOpen: try row.decode("registration_open"),
      sourceNote: try row.decode("source_note"))
    return Event(
      id: try row.decode("id"), editionID: try row.decode("edition_id"), details: details,
      status: try row.decode("status"), revision: try row.decode("revision"),
      version: try row.decode("version"), createdAt: try row.decode("created_at"),
      updatedAt: try row.decode("updated_at"), revisedAt: try row.decode("revised_at"),
      publishedAt: try row.decode("published_at"), cancelledAt: try row.decode("cancelled_at"),
      submittedAt: try row.decode("submitted_at"), reviewReason: try row.decode("review_reason"))
  }

  /// The columns an organiser writes, in the order of `written(_:)`.
  static let writtenColumns: PostgresQuery = """
    organiser_id, venue_id, title, description, kind, starts_at, ends_at, topics, languages,
    accessibility, food_served, livestream_url, capacity, registration_open, source_note
    """

  /// The values of `writtenColumns`, for insert and update.
  static func written(_ details: EventDetails) -> PostgresQuery {
    """
    \(details.organiserID), \(details.venueID), \(details.title), \(details.description),
    \(details.kind), \(details.startsAt), \(details.endsAt), \(details.topics),
    \(details.languages), \(details.accessibility)::accessibility_feature[],
    \(details.foodServed), \(details.livestreamURL), \(details.capacity),
    \(details.registrationOpen), \(details.sourceNote)
    """
  }

  /// A participation as written, without the names filled in on reading.
  static func written(_ participation: Participation) -> Participation {
    var copy = participation
    copy.personName = nil
    copy.personParty = nil
    return copy
  }

  /// Makes the event's co-organisers `ids`, in that order: those no longer named go, new
  /// ones are asked (or accepted at once), and those named before keep their answers. One
  /// upsert that never writes `status` of an existing row, so an answer given at the same
  /// moment is kept whichever commits first (positions are checked at commit).
  static func writeCoOrganisers(
    of id: UUID, _ ids: [UUID], accepted: Bool, on connection: Connection
  ) throws {
    try connection.execute(
      "DELETE FROM event_organisers WHERE event_id = \(id) AND organiser_id <> ALL (\(ids)::uuid[])"
    )
    guard !ids.isEmpty else { return }
    let status: CoOrganiserStatus = accepted ? .accepted : .pending
    try connection.execute(
      """
      INSERT INTO event_organisers (event_id, organiser_id, position, status)
      SELECT \(id), o.id, o.n - 1, \(status)
      FROM unnest(\(ids)::uuid[]) WITH ORDINALITY AS o(id, n)
      ON CONFLICT (event_id, organiser_id) DO UPDATE SET position = EXCLUDED.position
        WHERE event_organisers.position IS DISTINCT FROM EXCLUDED.position
      """)
  }

  static func writeChildren(
    of id: UUID, _ details: EventDetails, on connection: Connection, replacing: Bool = false
  ) throws {
    if replacing {
      try connection.execute("DELETE FROM participations WHERE event_id = $1", [id])
      try connection.execute("DELETE FROM panels WHERE event_id = $1", [id])
    }
    var panelIDs: [UUID] = []
    for (position, panel) in details.panels.enumerated() {
      let panelID = UUID()
      panelIDs.append(panelID)
      try connection.execute(
        "INSERT INTO panels (id, event_id, position, title, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5, $6)",
        [panelID, id, position, panel.title, panel.startsAt, panel.endsAt])
    }
    for (position, participant) in details.participants.enumerated() {
      try connection.execute(
        """
        INSERT INTO participations (event_id, person_id, panel_id, role, title, organisation,
                                    position)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        """,
        [
          id, participant.personID, participant.panel.map { panelIDs[$0] }, participant.role,
          participant.title, participant.organisation, position,
        ])
    }
  }

  /// The edition holding the event, after checking every rule and every reference; all
  /// problems are reported together.
  static func checkedEdition(_ details: EventDetails, on connection: Connection) throws -> Edition {
    var (edition, problems) = try references(details, on: connection)
    do {
      try details.validate(in: edition)
    } catch let error as ValidationError {
      problems = error.problems + problems
    }
    guard problems.isEmpty, let edition else { throw StoreError.invalid(ValidationError(problems)) }
    return edition
  }

  /// What only the database can tell about an event: whether an edition holds its day and
  /// whether its organisers, venue and people exist.
  public func referenceProblems(_ details: EventDetails) throws -> [FieldProblem] {
    try pool.transaction(.init(isolation: .repeatableRead)) {
      try Self.references(details, on: $0).problems
    }
  }

  static func references(_ details: EventDetails, on connection: Connection) throws -> (
    edition: Edition?, problems: [FieldProblem]
  ) {
    let edition = try EditionStore.containing(details.startsAt, on: connection)
    var problems: [FieldProblem] = []
    if edition == nil {
      problems.append(
        FieldProblem(field: "starts_at", message: "no festival edition holds this day"))
    }
    let organisers = try existing(
      .organisers, [details.organiserID] + details.coOrganiserIDs, on: connection)
    if !organisers.contains(details.organiserID) {
      problems.append(FieldProblem(field: "organiser_id", message: "names no organiser"))
    }
    for (index, id) in details.coOrganiserIDs.enumerated() where !organisers.contains(id) {
      problems.append(
        FieldProblem(field: "co_organiser_ids[\(index)]", message: "names no organiser"))
    }
    if let venueID = details.venueID, try existing(.venues, [venueID], on: connection).isEmpty {
      problems.append(FieldProblem(field: "venue_id", message: "names no venue"))
    }
    let people = try existing(.people, details.participants.map(\.personID), on: connection)
    for (index, participant) in details.participants.enumerated()
    where !people.contains(participant.personID) {
      problems.append(
        FieldProblem(field: "participants[\(index)].person_id", message: "names no person"))
    }
    return (edition, problems)
  }

  private static func existing(_ table: Table, _ ids: [UUID], on connection: Connection) throws
    -> Set<UUID>
  {
    guard !ids.isEmpty else { return [] }
    return Set(
      try connection.query("SELECT id FROM \(table) WHERE id = ANY (\(ids)::uuid[])").map {
        try $0.decode("id", as: UUID.self)
      })
  }

  static func lockedVersion(_ id: UUID, on connection: Connection) throws -> (
    version: Int, status: EventStatus
  ) {
    guard
      let row = try connection.query(
        "SELECT version, status FROM events WHERE id = $1 FOR UPDATE", [id]
      ).first
    else { throw StoreError.notFound(entity: "event", id: id.uuidString) }
    return (try row.decode("version"), try row.decode("status"))
  }
}
