import AlmedalenCore
import Foundation

/// Events to and from the wire format of API.md.
enum EventJSON {
  static let fields: Set<String> = [
    "title", "description", "kind", "starts_at", "ends_at", "venue_id", "organiser_id",
    "co_organiser_ids", "topics", "language", "languages", "capacity", "registration_open",
    "accessibility", "food_served", "livestream_url", "panels", "participants", "source_note",
  ]

  /// Reads an event body. With `base`, only the fields present change (PATCH); without, the
  /// required fields must be there (POST). Every problem is reported at once.
  /// `references` asks the database what only it knows (edition, ids); its problems come in
  /// the same answer as the rest.
  static func details(
    from object: [String: JSONValue], base: EventDetails?, defaultOrganiser: UUID?,
    references: (EventDetails) throws -> [FieldProblem]
  ) throws -> EventDetails {
    var input = JSONInput()
    input.onlyKnown(object, fields)
    let creating = base == nil
    let title = input.string(object, "title", required: creating)
    let startsAt = input.time(object, "starts_at", required: creating)
    let endsAt = input.time(object, "ends_at", required: creating)
    var organiser = input.uuid(object, "organiser_id", required: false)
    if creating && organiser == nil
      && (object["organiser_id"] ?? .null) == .null
    {
      organiser = defaultOrganiser
      if organiser == nil { input.add("organiser_id", "is required") }
    }
    let placeholder = Date(timeIntervalSince1970: 0)
    var details =
      base
      ?? EventDetails(
        title: title ?? "", startsAt: startsAt ?? placeholder, endsAt: endsAt ?? placeholder,
        organiserID: organiser ?? UUID())
    if let title { details.title = title }
    if let startsAt { details.startsAt = startsAt }
    if let endsAt { details.endsAt = endsAt }
    if let organiser { details.organiserID = organiser }
    if let text = input.string(object, "description", required: false) {
      details.description = text
    }
    if let kind = input.enumeration(object, "kind", EventKind.self, required: false) {
      details.kind = kind
    }
    if object.keys.contains("venue_id") {
      details.venueID = input.uuid(object, "venue_id", required: false)
    }
    if let ids = input.uuids(object, "co_organiser_ids") { details.coOrganiserIDs = ids }
    if let topics = input.strings(object, "topics") { details.topics = topics }
    if let language = input.string(object, "language", required: false) {
      details.languages = [language]
    }
    if let languages = input.strings(object, "languages") { details.languages = languages }
    if object.keys.contains("capacity") {
      details.capacity = input.int(object, "capacity", required: false)
    }
    if let open = input.bool(object, "registration_open") { details.registrationOpen = open }
    if let features = input.enumerations(object, "accessibility", Accessibility.self) {
      details.accessibility = features
    }
    if let food = input.bool(object, "food_served") { details.foodServed = food }
    if object.keys.contains("livestream_url") {
      details.livestreamURL = input.string(object, "livestream_url", required: false)
    }
    if object.keys.contains("source_note") {
      details.sourceNote = input.string(object, "source_note", required: false)
    }
    // Where each participation came from on the wire, to name it in problems.
    var origins = details.participants.indices.map { "participants[\($0)]" }
    if object.keys.contains("panels") || object.keys.contains("participants") {
      let (panels, participants, wirePaths) = people(object, &input, base: base)
      details.panels = panels
      details.participants = participants
      origins = wirePaths
    }
    // The rules of the domain, reported together with the input's own problems; a field
    // that could not be read is not judged again.
    var problems = input.problems
    var judged: [FieldProblem] = []
    do {
      try details.validate()
    } catch let error as ValidationError {
      judged = error.problems
    } catch {}
    judged += try references(details).filter { reference in
      !judged.contains { $0.field == reference.field }
    }
    let unreadable = Set(problems.map { root($0.field) })
    let timesUnreadable = unreadable.contains("starts_at") || unreadable.contains("ends_at")
    problems += judged.filter { problem in
      // Missing times were filled with placeholders: judging them would only confuse.
      !unreadable.contains(root(problem.field))
        && !(timesUnreadable && problem.field.hasSuffix("_at"))
    }.map { rename($0, origins) }
    if !problems.isEmpty { throw Problem.invalid(problems) }
    return details
  }

  /// `participants[3].person_id` -> `panels[0].moderator_ids[1]` when that is where the
  /// body named the person.
  private static func rename(_ problem: FieldProblem, _ origins: [String]) -> FieldProblem {
    guard problem.field.hasPrefix("participants["),
      let close = problem.field.firstIndex(of: "]"),
      let index = Int(
        problem.field[problem.field.index(problem.field.startIndex, offsetBy: 13)..<close]),
      origins.indices.contains(index), !origins[index].hasPrefix("participants[")
    else { return problem }
    return FieldProblem(field: origins[index], message: problem.message)
  }

  /// `panels[1].title` -> `panels`.
  private static func root(_ field: String) -> String {
    String(field.prefix { $0 != "[" && $0 != "." })
  }

  /// Panels (with `moderator_ids` and `panelist_ids`) and participants (with the title and
  /// organisation shown at this event, and an optional `panel` index) become participations.
  /// A PATCH that sends only one of the two keeps the other as it was: panels and their
  /// members, or the participants outside any panel.
  private static func people(
    _ object: [String: JSONValue], _ input: inout JSONInput, base: EventDetails?
  ) -> ([Panel], [Participation], [String]) {
    var participants: [Participation] = []
    if !object.keys.contains("participants"), let base {
      participants = base.participants.filter { $0.panel == nil }
    }
    var origins = participants.indices.map { "participants[\($0)]" }
    for (index, item) in (input.array(object, "participants") ?? []).enumerated() {
      let path = "participants[\(index)]"
      guard case .object(let entry) = item else {
        input.add(path, "must be an object")
        continue
      }
      // `name` and `party` come back from GET; they are read-only and ignored here.
      input.onlyKnown(
        entry, ["person_id", "role", "title", "organisation", "panel", "name", "party"], at: path)
      let person = input.uuid(entry, "person_id", at: path, required: true)
      let role = input.enumeration(entry, "role", ParticipantRole.self, at: path, required: true)
      let title = input.string(entry, "title", at: path, required: false)
      let organisation = input.string(entry, "organisation", at: path, required: false)
      let panel = input.int(entry, "panel", at: path, required: false)
      if let person, let role {
        participants.append(
          Participation(
            personID: person, role: role, title: title, organisation: organisation, panel: panel))
        origins.append(path)
      }
    }
    var panels: [Panel] = []
    if !object.keys.contains("panels"), let base {
      panels = base.panels
      let kept = base.participants.filter { $0.panel != nil }
      origins += kept.indices.map { "participants[\(participants.count + $0)]" }
      participants += kept
    }
    for (index, item) in (input.array(object, "panels") ?? []).enumerated() {
      let path = "panels[\(index)]"
      guard case .object(let entry) = item else {
        input.add(path, "must be an object")
        continue
      }
      input.onlyKnown(
        entry, ["title", "starts_at", "ends_at", "moderator_ids", "panelist_ids"], at: path)
      panels.append(
        Panel(
          title: input.string(entry, "title", at: path, required: false),
          startsAt: input.time(entry, "starts_at", at: path, required: false),
          endsAt: input.time(entry, "ends_at", at: path, required: false)))
      for (key, role) in [
        ("moderator_ids", ParticipantRole.moderator), ("panelist_ids", .panelist),
      ] {
        for (position, person) in (input.uuids(entry, key, at: path) ?? []).enumerated() {
          if let existing = participants.firstIndex(where: {
            $0.personID == person && $0.role == role && $0.panel == nil
          }) {
            participants[existing].panel = index
          } else if !participants.contains(where: {
            $0.personID == person && $0.role == role && $0.panel == index
          }) {
            participants.append(Participation(personID: person, role: role, panel: index))
            origins.append("\(path).\(key)[\(position)]")
          }
        }
      }
    }
    return (panels, participants, origins)
  }

  /// The wire form of a stored event.
  static func object(_ event: Event, warnings: [Conflict] = []) -> JSONValue {
    let d = event.details
    var panels: [JSONValue] = []
    for (index, panel) in d.panels.enumerated() {
      let members = d.participants.filter { $0.panel == index }
      panels.append([
        "title": panel.title.json,
        "starts_at": panel.startsAt.map(RFC3339.format).json,
        "ends_at": panel.endsAt.map(RFC3339.format).json,
        "moderator_ids": members.filter { $0.role == .moderator }.map(\.personID.wire).json,
        "panelist_ids": members.filter { $0.role == .panelist }.map(\.personID.wire).json,
      ])
    }
    let participants: [JSONValue] = d.participants.map {
      [
        "person_id": $0.personID.wire.json, "role": $0.role.rawValue.json,
        "name": $0.personName.json, "party": $0.personParty.json,
        "title": $0.title.json, "organisation": $0.organisation.json,
        "panel": $0.panel.json,
      ]
    }
    return [
      "id": event.id.wire.json, "edition_id": event.editionID.wire.json,
      "status": event.status.rawValue.json, "revision": event.revision.json,
      "version": event.version.json,
      "title": d.title.json, "description": d.description.json, "kind": d.kind.rawValue.json,
      "starts_at": RFC3339.format(d.startsAt).json, "ends_at": RFC3339.format(d.endsAt).json,
      "venue_id": d.venueID?.wire.json ?? .null, "organiser_id": d.organiserID.wire.json,
      "co_organiser_ids": d.coOrganiserIDs.map(\.wire).json, "topics": d.topics.json,
      "languages": d.languages.json, "accessibility": d.accessibility.map(\.rawValue).json,
      "food_served": d.foodServed.json, "livestream_url": d.livestreamURL.json,
      "capacity": d.capacity.json, "registration_open": d.registrationOpen.json,
      "panels": .array(panels), "participants": .array(participants),
      "source_note": d.sourceNote.json,
      "created_at": RFC3339.format(event.createdAt).json,
      "updated_at": RFC3339.format(event.updatedAt).json,
      "published_at": event.publishedAt.map(RFC3339.format).json,
      "cancelled_at": event.cancelledAt.map(RFC3339.format).json,
      "warnings": .array(warnings.map(ConflictJSON.object)),
    ]
  }
}

extension UUID {
  /// Ids on the wire: lowercase, as RFC 9562 recommends.
  var wire: String { uuidString.lowercased() }
}
