public import AlmedalenCore
public import Foundation

/// One event as a feed shows it: the event and the names its ids stand for, resolved by the
/// store so that the writers need no lookups.
public struct FeedEvent: Hashable, Sendable {
  public var event: Event
  /// A small stable integer for formats that want one (frab's event `id`).
  public var number: Int
  public var venue: Venue?
  public var organiser: String
  public var coOrganisers: [String]
  /// The absolute https URL of the event's page.
  public var pageURL: String
  /// In an attendee's own calendar: their registration's status (`TENTATIVE` while
  /// waitlisted). Nil in the public feeds.
  public var registration: RegistrationStatus?
  /// In an attendee's own calendar: how often their registration's status changed (a
  /// promotion), and when it last did; both move `SEQUENCE` and `DTSTAMP` with the event's own.
  public var registrationRevision = 0
  public var registrationChangedAt: Date?

  /// `SEQUENCE`: the event's revision, plus the attendee's own changes in their calendar.
  public var sequence: Int { event.revision + registrationRevision }

  /// `DTSTAMP` and `LAST-MODIFIED`: the later of the event's last revision and the
  /// registration's last change.
  public var revisedAt: Date {
    guard let registrationChangedAt, registrationChangedAt > event.revisedAt else {
      return event.revisedAt
    }
    return registrationChangedAt
  }

  public init(
    event: Event, number: Int, venue: Venue?, organiser: String, coOrganisers: [String] = [],
    pageURL: String, registration: RegistrationStatus? = nil
  ) {
    self.event = event
    self.number = number
    self.venue = venue
    self.organiser = organiser
    self.coOrganisers = coOrganisers
    self.pageURL = pageURL
    self.registration = registration
  }
}

/// What a feed is: its name (which describes the filter) and where it lives.
public struct FeedInfo: Hashable, Sendable {
  /// `NAME`, `X-WR-CALNAME`, the RSS channel title: "Almedalsveckan – tisdag 3 juli · Hälsa".
  public var name: String
  public var description: String
  /// The absolute https URL of this very feed, query included (RSS `atom:link rel="self"`,
  /// iCalendar `SOURCE`).
  public var selfURL: String
  /// The absolute https URL of the page showing the same selection (RSS channel `link`).
  public var pageURL: String
  /// The public base URL, `https://almedalen.example`, without a trailing slash.
  public var baseURL: String

  public init(name: String, description: String, selfURL: String, pageURL: String, baseURL: String)
  {
    self.name = name
    self.description = description
    self.selfURL = selfURL
    self.pageURL = pageURL
    self.baseURL = baseURL
  }
}

/// One entry of the RSS change feed: a seminar published, changed or cancelled.
public struct FeedChange: Hashable, Sendable {
  public enum Kind: String, Hashable, Sendable, CaseIterable {
    /// Published: a seminar partners have not seen before.
    case published
    /// Its time or venue changed.
    case moved
    /// Something else a subscriber cares about changed (title, end, participants…).
    case changed
    case cancelled
  }

  /// The audit trail's id: stable, so the item's guid is too.
  public var id: Int64
  public var changedAt: Date
  public var kind: Kind
  /// When the change moved the start: the new start.
  public var newStart: Date?
  /// When the change moved the seminar to another venue: the new venue's name ("" when the
  /// venue was removed).
  public var newVenue: String?
  /// The wire names of the other fields that changed (`title`, `ends_at`, `participants`…).
  public var changedFields: [String]
  /// The event as it is now.
  public var event: FeedEvent

  public init(
    id: Int64, changedAt: Date, kind: Kind, newStart: Date? = nil, newVenue: String? = nil,
    changedFields: [String] = [], event: FeedEvent
  ) {
    self.id = id
    self.changedAt = changedAt
    self.kind = kind
    self.newStart = newStart
    self.newVenue = newVenue
    self.changedFields = changedFields
    self.event = event
  }
}
