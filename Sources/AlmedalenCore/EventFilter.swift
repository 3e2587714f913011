public import Foundation

/// Which events a list, feed or page shows. Every field narrows; nil means "any".
public struct EventFilter: Hashable, Sendable {
  public var editionID: UUID?
  /// A local day in Visby.
  public var day: LocalDay?
  /// The organiser or one of the co-organisers.
  public var organiserID: UUID?
  public var venueID: UUID?
  public var topic: String?
  /// Someone who moderates, sits on a panel or speaks.
  public var personID: UUID?
  /// Allowed statuses; nil means all.
  public var statuses: [EventStatus]?
  /// Events offering all of these.
  public var accessibility: [Accessibility]
  public var language: String?
  /// Free text over title, topics and description.
  public var text: String?
  /// When set, events that are not public (drafts, submitted, returned) are shown only if
  /// they belong to this organiser (an organiser's token sees everyone's public events and
  /// its own others).
  public var draftsOf: UUID?

  public init(
    editionID: UUID? = nil, day: LocalDay? = nil, organiserID: UUID? = nil, venueID: UUID? = nil,
    topic: String? = nil, personID: UUID? = nil, statuses: [EventStatus]? = nil,
    accessibility: [Accessibility] = [], language: String? = nil, text: String? = nil,
    draftsOf: UUID? = nil
  ) {
    self.editionID = editionID
    self.day = day
    self.organiserID = organiserID
    self.venueID = venueID
    self.topic = topic
    self.personID = personID
    self.statuses = statuses
    self.accessibility = accessibility
    self.language = language
    self.text = text
    self.draftsOf = draftsOf
  }

  /// What the public sees: published and cancelled events, never drafts or events in review.
  public static let publicProgramme = EventFilter(statuses: EventStatus.publicStatuses)
}

/// One page of a list and where the next begins.
public struct Page<Item: Sendable>: Sendable {
  public var items: [Item]
  /// Opaque; pass it back to get the next page. Nil on the last page.
  public var nextCursor: String?

  public init(items: [Item], nextCursor: String?) {
    self.items = items
    self.nextCursor = nextCursor
  }
}

/// An API token as the store knows it; the secret itself is never kept.
public struct APIToken: Hashable, Sendable, Identifiable {
  public var id: UUID
  public var name: String
  public var role: TokenRole
  public var organiserID: UUID?
  public var createdAt: Date
  public var lastUsedAt: Date?
  public var revokedAt: Date?

  public init(
    id: UUID, name: String, role: TokenRole, organiserID: UUID?, createdAt: Date,
    lastUsedAt: Date? = nil, revokedAt: Date? = nil
  ) {
    self.id = id
    self.name = name
    self.role = role
    self.organiserID = organiserID
    self.createdAt = createdAt
    self.lastUsedAt = lastUsedAt
    self.revokedAt = revokedAt
  }
}
