public import AlmedalenCore
public import AlmedalenFeeds

/// What every page needs: where the site lives, the visitor's form token, and the links to
/// subscribe to what the page shows.
public struct PageContext: Hashable, Sendable {
  /// `https://almedalen.example`, no trailing slash.
  public var baseURL: String
  /// The anti-forgery token every form carries (double-submit: it is also in a cookie).
  public var formToken: String

  public init(baseURL: String, formToken: String) {
    self.baseURL = baseURL
    self.formToken = formToken
  }
}

/// The feeds matching what a page shows.
public struct FeedLinks: Hashable, Sendable {
  /// The iCalendar feed, https and `webcal://`.
  public var calendar: String
  public var webcal: String
  /// The RSS change feed (nil where there is none, e.g. a person's page).
  public var rss: String?

  public init(calendar: String, webcal: String, rss: String? = nil) {
    self.calendar = calendar
    self.webcal = webcal
    self.rss = rss
  }
}

/// One choice in a filter's list: its query value and what people read.
public struct FilterOption: Hashable, Sendable {
  public var value: String
  public var label: String

  public init(value: String, label: String) {
    self.value = value
    self.label = label
  }
}

/// The programme page's filters: what is chosen and what can be chosen.
public struct ProgrammeFilters: Hashable, Sendable {
  public var day: String?
  public var topic: String?
  public var organiser: String?
  public var venue: String?
  public var accessibility: [String]
  public var language: String?
  public var text: String?

  public var days: [FilterOption]
  public var topics: [FilterOption]
  public var organisers: [FilterOption]
  public var venues: [FilterOption]
  public var languages: [FilterOption]
  /// Every accessibility feature, `wheelchair` → "Rullstolsanpassat".
  public var features: [FilterOption]

  public init(
    day: String? = nil, topic: String? = nil, organiser: String? = nil, venue: String? = nil,
    accessibility: [String] = [], language: String? = nil, text: String? = nil,
    days: [FilterOption] = [], topics: [FilterOption] = [], organisers: [FilterOption] = [],
    venues: [FilterOption] = [], languages: [FilterOption] = [], features: [FilterOption] = []
  ) {
    self.day = day
    self.topic = topic
    self.organiser = organiser
    self.venue = venue
    self.accessibility = accessibility
    self.language = language
    self.text = text
    self.days = days
    self.topics = topics
    self.organisers = organisers
    self.venues = venues
    self.languages = languages
    self.features = features
  }
}

/// `/`: the programme, by day, with filters and subscription links.
public struct ProgrammePageModel: Sendable {
  /// "Almedalsveckan 2026" or, filtered, what the filter chose.
  public var title: String
  public var filters: ProgrammeFilters
  /// Days in order, each with its events in time order.
  public var days: [(day: LocalDay, events: [FeedEvent])]
  public var feeds: FeedLinks
  /// The canonical query of this selection (`day=2026-06-23&topic=H%C3%A4lsa`), for links.
  public var query: String

  public init(
    title: String, filters: ProgrammeFilters, days: [(day: LocalDay, events: [FeedEvent])],
    feeds: FeedLinks, query: String
  ) {
    self.title = title
    self.filters = filters
    self.days = days
    self.feeds = feeds
    self.query = query
  }
}

/// How full an event is, for its page. Never who signed up.
public struct Seats: Hashable, Sendable {
  public var capacity: Int?
  public var confirmed: Int
  public var waitlisted: Int
  public var registrationOpen: Bool

  public init(capacity: Int?, confirmed: Int, waitlisted: Int, registrationOpen: Bool) {
    self.capacity = capacity
    self.confirmed = confirmed
    self.waitlisted = waitlisted
    self.registrationOpen = registrationOpen
  }

  public var left: Int? { capacity.map { max($0 - confirmed, 0) } }
}

/// `/events/{id}`: one seminar in full, with the sign-up form.
public struct EventPageModel: Sendable {
  public var event: FeedEvent
  public var seats: Seats
  /// Whether sign-up is possible now (published, open, not over).
  public var canSignUp: Bool
  /// The one-event calendar, https and webcal.
  public var calendar: FeedLinks
  /// After a refused sign-up: what was wrong, per field (`name`, `email`), and the values to
  /// fill the form with again.
  public var problems: [String: String]
  public var name: String
  public var email: String
  /// "Skicka mina länkar igen": the address given, what was wrong with it, or that the
  /// request was taken (the same answer for any address).
  /// Whether the page offers "Skicka mina länkar igen" (a published seminar with sign-up
  /// that has not ended).
  public var canResendLinks = false
  public var linksEmail = ""
  public var linksProblem: String?
  public var linksRequested = false

  public init(
    event: FeedEvent, seats: Seats, canSignUp: Bool, calendar: FeedLinks,
    problems: [String: String] = [:], name: String = "", email: String = ""
  ) {
    self.event = event
    self.seats = seats
    self.canSignUp = canSignUp
    self.calendar = calendar
    self.problems = problems
    self.name = name
    self.email = email
  }
}

/// After a sign-up: the outcome and the attendee's own links (shown only this once).
public struct SignedUpPageModel: Sendable {
  public var event: FeedEvent
  public var status: RegistrationStatus
  public var waitlistPosition: Int?
  /// The page where the attendee can see and cancel their registration (nil when they were
  /// already signed up: the links were given the first time).
  public var registrationPage: String?
  public var calendar: FeedLinks?

  public init(
    event: FeedEvent, status: RegistrationStatus, waitlistPosition: Int?,
    registrationPage: String?, calendar: FeedLinks?
  ) {
    self.event = event
    self.status = status
    self.waitlistPosition = waitlistPosition
    self.registrationPage = registrationPage
    self.calendar = calendar
  }
}

/// `/registrations/{token}`: the attendee's own registration, with a cancel button.
public struct RegistrationPageModel: Sendable {
  public var event: FeedEvent
  public var status: RegistrationStatus
  public var waitlistPosition: Int?
  /// The form's target (`/registrations/{token}/cancel`).
  public var cancelAction: String

  public init(
    event: FeedEvent, status: RegistrationStatus, waitlistPosition: Int?, cancelAction: String
  ) {
    self.event = event
    self.status = status
    self.waitlistPosition = waitlistPosition
    self.cancelAction = cancelAction
  }
}

/// `/people/{id}` and `/organisers/{id}`: someone's seminars.
public struct ListingPageModel: Sendable {
  public enum Kind: Sendable { case person, organiser }
  public var kind: Kind
  public var name: String
  /// For a person: title and organisation, party.
  public var subtitle: String?
  public var website: String?
  public var events: [FeedEvent]
  public var feeds: FeedLinks

  public init(
    kind: Kind, name: String, subtitle: String? = nil, website: String? = nil,
    events: [FeedEvent], feeds: FeedLinks
  ) {
    self.kind = kind
    self.name = name
    self.subtitle = subtitle
    self.website = website
    self.events = events
    self.feeds = feeds
  }
}
