public import Foundation

/// Everything an organiser writes about an event: the input of create and update.
public struct EventDetails: Hashable, Sendable {
  public var title: String
  public var description: String
  public var kind: EventKind
  public var startsAt: Date
  public var endsAt: Date
  public var venueID: UUID?
  public var organiserID: UUID
  public var coOrganiserIDs: [UUID]
  public var topics: [String]
  /// ISO 639-1 codes (`sv`, `en`).
  public var languages: [String]
  public var accessibility: [Accessibility]
  public var foodServed: Bool
  public var livestreamURL: String?
  public var capacity: Int?
  public var registrationOpen: Bool
  public var panels: [Panel]
  public var participants: [Participation]
  /// Where the data came from and what was assumed (seeded or imported events).
  public var sourceNote: String?

  public init(
    title: String, description: String = "", kind: EventKind = .seminar, startsAt: Date,
    endsAt: Date, venueID: UUID? = nil, organiserID: UUID, coOrganiserIDs: [UUID] = [],
    topics: [String] = [], languages: [String] = ["sv"], accessibility: [Accessibility] = [],
    foodServed: Bool = false, livestreamURL: String? = nil, capacity: Int? = nil,
    registrationOpen: Bool = false, panels: [Panel] = [], participants: [Participation] = [],
    sourceNote: String? = nil
  ) {
    self.title = title
    self.description = description
    self.kind = kind
    self.startsAt = startsAt
    self.endsAt = endsAt
    self.venueID = venueID
    self.organiserID = organiserID
    self.coOrganiserIDs = coOrganiserIDs
    self.topics = topics
    self.languages = languages
    self.accessibility = accessibility
    self.foodServed = foodServed
    self.livestreamURL = livestreamURL
    self.capacity = capacity
    self.registrationOpen = registrationOpen
    self.panels = panels
    self.participants = participants
    self.sourceNote = sourceNote
  }

  /// Limits that keep one event's data to a sane size.
  public enum Limits {
    public static let title = 300
    public static let description = 20_000
    public static let topics = 20
    public static let topicLength = 60
    public static let languages = 10
    public static let panels = 20
    public static let participants = 100
    public static let duration: TimeInterval = 24 * 3600
  }

  /// Checks every rule; throws `ValidationError` listing every problem with its field.
  /// With an edition, the event must also lie inside its days.
  public func validate(in edition: Edition? = nil) throws {
    var v = Validator()
    v.requireLine(title, "title", maxLength: Limits.title)
    v.paragraph(description, "description", maxLength: Limits.description)
    if endsAt <= startsAt {
      v.add("ends_at", "must be after starts_at")
    } else if endsAt.timeIntervalSince(startsAt) > Limits.duration {
      v.add("ends_at", "an event lasts at most 24 hours")
    }
    if let edition, !edition.contains(start: startsAt, end: endsAt) {
      v.add(
        "starts_at",
        "must lie inside the festival's days, \(edition.firstDay) to \(edition.lastDay) (Europe/Stockholm)"
      )
    }
    if coOrganiserIDs.contains(organiserID) {
      v.add("co_organiser_ids", "must not repeat the organiser")
    }
    if Set(coOrganiserIDs).count != coOrganiserIDs.count {
      v.add("co_organiser_ids", "must not repeat an organiser")
    }
    if coOrganiserIDs.count > 20 { v.add("co_organiser_ids", "at most 20 co-organisers") }
    if topics.count > Limits.topics { v.add("topics", "at most \(Limits.topics) topics") }
    for (index, topic) in topics.enumerated() {
      v.requireLine(topic, "topics[\(index)]", maxLength: Limits.topicLength)
    }
    if Set(topics.map { $0.lowercased() }).count != topics.count {
      v.add("topics", "must not repeat a topic")
    }
    if languages.isEmpty { v.add("languages", "must name at least one language") }
    if languages.count > Limits.languages { v.add("languages", "at most \(Limits.languages)") }
    for (index, code) in languages.enumerated()
    where code.utf8.count != 2 || !code.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) }) {
      v.add("languages[\(index)]", "must be a two-letter ISO 639-1 code such as sv or en")
    }
    if Set(languages).count != languages.count { v.add("languages", "must not repeat a language") }
    if Set(accessibility).count != accessibility.count {
      v.add("accessibility", "must not repeat a feature")
    }
    v.optionalWebURL(livestreamURL, "livestream_url")
    if let capacity, !FieldLimits.capacity.contains(capacity) {
      v.add(
        "capacity",
        "must be between \(FieldLimits.capacity.lowerBound) and \(FieldLimits.capacity.upperBound)")
    }
    if registrationOpen && capacity == nil {
      v.add("capacity", "is required when registration is open")
    }
    if let sourceNote { v.paragraph(sourceNote, "source_note", maxLength: FieldLimits.paragraph) }
    validatePanels(&v)
    validateParticipants(&v)
    try v.check()
  }

  private func validatePanels(_ v: inout Validator) {
    if panels.count > Limits.panels { v.add("panels", "at most \(Limits.panels) panels") }
    for (index, panel) in panels.enumerated() {
      let field = "panels[\(index)]"
      v.optionalLine(panel.title, "\(field).title", maxLength: FieldLimits.line)
      switch (panel.startsAt, panel.endsAt) {
      case (nil, nil): break
      case (let start?, let end?):
        if end <= start {
          v.add("\(field).ends_at", "must be after starts_at")
        } else if start < startsAt || end > endsAt {
          v.add("\(field).starts_at", "must lie inside the event's time")
        }
      default:
        v.add("\(field).ends_at", "give both starts_at and ends_at, or neither")
      }
    }
  }

  private func validateParticipants(_ v: inout Validator) {
    if participants.count > Limits.participants {
      v.add("participants", "at most \(Limits.participants) participants")
    }
    var seen = Set<String>()
    for (index, participant) in participants.enumerated() {
      let field = "participants[\(index)]"
      v.optionalLine(participant.title, "\(field).title", maxLength: FieldLimits.line)
      v.optionalLine(participant.organisation, "\(field).organisation", maxLength: FieldLimits.line)
      if let panel = participant.panel, !panels.indices.contains(panel) {
        v.add("\(field).panel", "names no panel of this event")
      }
      let key = "\(participant.personID)|\(participant.role)|\(participant.panel ?? -1)"
      if !seen.insert(key).inserted {
        v.add("\(field).person_id", "appears twice in the same role")
      }
    }
  }
}

/// A stored event: what the organiser wrote plus its identity, state and history.
@dynamicMemberLookup
public struct Event: Hashable, Sendable, Identifiable {
  public var id: UUID
  public var editionID: UUID
  public var details: EventDetails
  public var status: EventStatus
  /// Rises by one on every change a subscriber would care about; iCalendar `SEQUENCE`.
  public var revision: Int
  /// Rises on every change; guards updates against lost writes (the ETag).
  public var version: Int
  public var createdAt: Date
  public var updatedAt: Date
  /// When `revision` last rose: `DTSTAMP` and `LAST-MODIFIED`.
  public var revisedAt: Date
  public var publishedAt: Date?
  public var cancelledAt: Date?
  /// When the event was last submitted for review.
  public var submittedAt: Date?
  /// Why the office returned it, while it is `returned`.
  public var reviewReason: String?
  /// The co-organisers `details` names, in order, with their answers. A public read (feeds,
  /// pages) holds only the accepted ones, here and in `details.coOrganiserIDs`.
  public var coOrganisers: [CoOrganiserLink] = []

  public init(
    id: UUID, editionID: UUID, details: EventDetails, status: EventStatus, revision: Int,
    version: Int, createdAt: Date, updatedAt: Date, revisedAt: Date, publishedAt: Date? = nil,
    cancelledAt: Date? = nil, submittedAt: Date? = nil, reviewReason: String? = nil
  ) {
    self.id = id
    self.editionID = editionID
    self.details = details
    self.status = status
    self.revision = revision
    self.version = version
    self.createdAt = createdAt
    self.updatedAt = updatedAt
    self.revisedAt = revisedAt
    self.publishedAt = publishedAt
    self.cancelledAt = cancelledAt
    self.submittedAt = submittedAt
    self.reviewReason = reviewReason
  }

  public subscript<T>(dynamicMember keyPath: KeyPath<EventDetails, T>) -> T {
    details[keyPath: keyPath]
  }

  /// The people in one role, in programme order.
  public func appearances(as role: ParticipantRole) -> [Participation] {
    details.participants.filter { $0.role == role }
  }
}
