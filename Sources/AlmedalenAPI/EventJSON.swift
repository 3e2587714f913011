import AlmedalenCore
import Foundation

/// Events to and from the wire format of API.md.
enum EventJSON {
  /// Reads an event body: with `base`, only the fields present change (PATCH, whose route
  /// reads `EventInput.patch`); without, the required fields must be there (POST,
  /// `EventInput.create`). Every problem is reported at once.
  /// `references` asks the database what only it knows (edition, ids); its problems come in
  /// the same answer as the rest.
  static func details(
    from reader: BodyReader<EventInput>, base: EventDetails?, defaultOrganiser: UUID?,
    references: (EventDetails) throws -> [FieldProblem]
  ) throws -> EventDetails {
    var input = JSONInput()
    let creating = base == nil
    let (body, object) = try reader.read(&input)
    let title = body.title
    let startsAt = body.startsAt
    let endsAt = body.endsAt
    var organiser = body.organiserID
    if creating && organiser == nil && (object["organiser_id"] ?? .null) == .null {
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
    if let text = body.description { details.description = text }
    if let kind = body.kind { details.kind = kind }
    if object.keys.contains("venue_id") { details.venueID = body.venueID }
    if let ids = body.coOrganiserIDs { details.coOrganiserIDs = ids }
    if let topics = body.topics { details.topics = topics }
    if let language = body.language { details.languages = [language] }
    if let languages = body.languages { details.languages = languages }
    if object.keys.contains("capacity") { details.capacity = body.capacity }
    if let open = body.registrationOpen { details.registrationOpen = open }
    if let features = body.accessibility { details.accessibility = features }
    if let food = body.foodServed { details.foodServed = food }
    if object.keys.contains("livestream_url") { details.livestreamURL = body.livestreamURL }
    if object.keys.contains("source_note") { details.sourceNote = body.sourceNote }
    // Where each participation came from on the wire, to name it in problems.
    var origins = details.participants.indices.map { "participants[\($0)]" }
    if object.keys.contains("panels") || object.keys.contains("participants") {
      let (panels, participants, wirePaths) = people(body, Set(object.keys), base: base)
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
    _ body: EventInput, _ keys: Set<String>, base: EventDetails?
  ) -> ([Panel], [Participation], [String]) {
    var participants: [Participation] = []
    if !keys.contains("participants"), let base {
      participants = base.participants.filter { $0.panel == nil }
    }
    var origins = participants.indices.map { "participants[\($0)]" }
    for (index, item) in (body.participants ?? []).enumerated() {
      guard let item, let person = item.personID, let role = item.role else { continue }
      participants.append(
        Participation(
          personID: person, role: role, title: item.title, organisation: item.organisation,
          panel: item.panel))
      origins.append("participants[\(index)]")
    }
    var panels: [Panel] = []
    if !keys.contains("panels"), let base {
      panels = base.panels
      let kept = base.participants.filter { $0.panel != nil }
      origins += kept.indices.map { "participants[\(participants.count + $0)]" }
      participants += kept
    }
    for (index, item) in (body.panels ?? []).enumerated() {
      guard let item else { continue }
      let path = "panels[\(index)]"
      panels.append(Panel(title: item.title, startsAt: item.startsAt, endsAt: item.endsAt))
      for (key, role, ids) in [
        ("moderator_ids", ParticipantRole.moderator, item.moderatorIDs),
        ("panelist_ids", .panelist, item.panelistIDs),
      ] {
        for (position, person) in (ids ?? []).enumerated() {
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
    WireOutputs.event.json(WireOutputs.EventAnswer(event: event, warnings: warnings))
  }
}

extension UUID {
  /// Ids on the wire: lowercase, as RFC 9562 recommends.
  var wire: String { uuidString.lowercased() }
}
