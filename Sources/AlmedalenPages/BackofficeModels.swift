public import AlmedalenCore
import AlmedalenFeeds
public import Foundation

/// Where the backoffice pages link and post. The routes answer at these paths; the pages
/// only write them.
public enum BackofficePaths {
  static func id(_ id: UUID) -> String { id.uuidString.lowercased() }

  /// The organisation's events by status.
  public static func overview(_ organiserID: UUID) -> String {
    "/backoffice/organisations/" + id(organiserID) + "/events"
  }
  /// GET: an empty event form; POST: create the draft.
  public static func newEvent(_ organiserID: UUID) -> String {
    "/backoffice/organisations/" + id(organiserID) + "/events/new"
  }
  /// GET: the event form; POST: save, submit, search (the `intent` field says which).
  public static func event(_ eventID: UUID) -> String { "/backoffice/events/" + id(eventID) }
  public static func cancelEvent(_ eventID: UUID) -> String { event(eventID) + "/cancel" }
  public static func deleteEvent(_ eventID: UUID) -> String { event(eventID) + "/delete" }
  public static func registrations(_ eventID: UUID) -> String {
    event(eventID) + "/registrations"
  }
  public static func registrationsCSV(_ eventID: UUID) -> String {
    event(eventID) + "/registrations.csv"
  }
  public static func history(_ eventID: UUID) -> String { event(eventID) + "/history" }

  /// The organisation: members, invitations, tokens.
  public static func organisation(_ organiserID: UUID) -> String {
    "/backoffice/organisations/" + id(organiserID)
  }
  public static func invite(_ organiserID: UUID) -> String {
    organisation(organiserID) + "/invitations"
  }
  public static func resendInvitation(_ organiserID: UUID, _ invitationID: UUID) -> String {
    invite(organiserID) + "/" + id(invitationID) + "/resend"
  }
  public static func revokeInvitation(_ organiserID: UUID, _ invitationID: UUID) -> String {
    invite(organiserID) + "/" + id(invitationID) + "/revoke"
  }
  public static func removeMember(_ organiserID: UUID, _ userID: UUID) -> String {
    organisation(organiserID) + "/members/" + id(userID) + "/remove"
  }
  public static func createToken(_ organiserID: UUID) -> String {
    organisation(organiserID) + "/tokens"
  }
  public static func revokeToken(_ organiserID: UUID, _ tokenID: UUID) -> String {
    createToken(organiserID) + "/" + id(tokenID) + "/revoke"
  }

  /// The programme office.
  public static let reviewQueue = "/backoffice/office/review"
  public static func approve(_ eventID: UUID) -> String {
    reviewQueue + "/" + id(eventID) + "/approve"
  }
  public static func returnEvent(_ eventID: UUID) -> String {
    reviewQueue + "/" + id(eventID) + "/return"
  }
  public static let organisations = "/backoffice/office/organisations"
  public static let users = "/backoffice/office/users"
  public static func disableUser(_ userID: UUID) -> String {
    users + "/" + id(userID) + "/disable"
  }
  public static func enableUser(_ userID: UUID) -> String { users + "/" + id(userID) + "/enable" }
  public static let venues = "/backoffice/office/venues"
  public static func venue(_ venueID: UUID) -> String { venues + "/" + id(venueID) }
  public static let editions = "/backoffice/office/editions"
  public static func edition(_ editionID: UUID) -> String { editions + "/" + id(editionID) }
  public static let signOut = "/account/sign-out"
  public static let security = "/account/security"
}

/// Who is signed in, for the backoffice's own menu on every page.
public struct BackofficeFrame: Sendable, Hashable {
  /// One organisation the user is a member of.
  public struct Organisation: Sendable, Hashable {
    public var id: UUID
    public var name: String
    public init(id: UUID, name: String) {
      self.id = id
      self.name = name
    }
  }

  public var userName: String
  public var organisations: [Organisation]
  /// Whether the user works in the programme office (the office's pages are in the menu).
  public var isOffice: Bool
  /// A message after the last action ("Utkastet är sparat."), shown as a status.
  public var notice: String?

  public init(
    userName: String, organisations: [Organisation] = [], isOffice: Bool = false,
    notice: String? = nil
  ) {
    self.userName = userName
    self.organisations = organisations
    self.isOffice = isOffice
    self.notice = notice
  }
}

/// A conflict the API found for an event, with the names the sentence needs and the other
/// event of the two.
public struct BackofficeWarning: Sendable, Hashable {
  public var conflict: Conflict
  public var personName: String?
  public var venueName: String?
  /// The other event's title, and its backoffice path when the reader may open it.
  public var otherTitle: String?
  public var otherPath: String?

  public init(
    conflict: Conflict, personName: String? = nil, venueName: String? = nil,
    otherTitle: String? = nil, otherPath: String? = nil
  ) {
    self.conflict = conflict
    self.personName = personName
    self.venueName = venueName
    self.otherTitle = otherTitle
    self.otherPath = otherPath
  }

  /// The names from the event shown (`event`), the other event when the reader may see it,
  /// and the venues; the person's name as the event's participants give it.
  public init(_ conflict: Conflict, event: Event, other: Event?, venues: [UUID: Venue]) {
    let person = conflict.personID.flatMap { id in
      (event.details.participants + (other?.details.participants ?? [])).first {
        $0.personID == id && $0.personName != nil
      }?.personName
    }
    self.init(
      conflict: conflict, personName: person,
      venueName: conflict.venueID.flatMap { venues[$0]?.name }, otherTitle: other?.details.title,
      otherPath: other.map { BackofficePaths.event($0.id) })
  }

  /// The Swedish sentence (`Conflict.swedish`, the one wording of every page).
  public var sentence: String {
    conflict.swedish(who: personName, venueName: venueName)
  }
}

/// Sign-ups of an event as numbers: for the overview and the catering.
public struct BackofficeHeadcount: Sendable, Hashable {
  public var confirmed: Int
  public var waitlisted: Int
  public var pending: Int
  public var capacity: Int?

  public init(confirmed: Int = 0, waitlisted: Int = 0, pending: Int = 0, capacity: Int? = nil) {
    self.confirmed = confirmed
    self.waitlisted = waitlisted
    self.pending = pending
    self.capacity = capacity
  }
}

/// `BackofficePaths.overview`: an organisation's events by status.
public struct BackofficeOverviewModel: Sendable {
  public struct Item: Sendable {
    public var event: Event
    public var venue: Venue?
    public var warnings: [BackofficeWarning]
    public var headcount: BackofficeHeadcount

    public init(
      event: Event, venue: Venue?, warnings: [BackofficeWarning] = [],
      headcount: BackofficeHeadcount = .init()
    ) {
      self.event = event
      self.venue = venue
      self.warnings = warnings
      self.headcount = headcount
    }
  }

  public var frame: BackofficeFrame
  public var organisation: BackofficeFrame.Organisation
  public var items: [Item]

  public init(frame: BackofficeFrame, organisation: BackofficeFrame.Organisation, items: [Item]) {
    self.frame = frame
    self.organisation = organisation
    self.items = items
  }
}

/// One participant row of the event form: a person from the registry, their role, panel
/// and their title and organisation at this event.
public struct BackofficeParticipantValues: Sendable, Hashable {
  public var personID: UUID
  /// The person's name in the registry (shown, not edited here).
  public var name: String
  public var role: ParticipantRole
  /// Index into the form's panels; nil for the whole event.
  public var panel: Int?
  public var title: String
  public var organisation: String

  public init(
    personID: UUID, name: String, role: ParticipantRole, panel: Int? = nil, title: String = "",
    organisation: String = ""
  ) {
    self.personID = personID
    self.name = name
    self.role = role
    self.panel = panel
    self.title = title
    self.organisation = organisation
  }
}

/// One panel of the event form; its own times (`HH:MM`, on the event's day) are optional.
public struct BackofficePanelValues: Sendable, Hashable {
  public var title: String
  public var startTime: String
  public var endTime: String

  public init(title: String = "", startTime: String = "", endTime: String = "") {
    self.title = title
    self.startTime = startTime
    self.endTime = endTime
  }
}

/// What the event form holds, as text: a refused form shows again exactly what was typed.
///
/// Form field names (what the route reads back): `title`, `description`, `kind`,
/// `start_date`, `start_time`, `end_date`, `end_time` (`YYYY-MM-DD`, `HH:MM`), `venue_id`
/// (radio; empty for none), `languages` (checkboxes, repeated), `topics` (one per line),
/// `accessibility` (repeated), `food_served` and `registration_open` (`on`), `capacity`,
/// `livestream_url`, `co_organiser_ids` (checkboxes, repeated; unchecked ones are dropped),
/// `panels[i].title`, `panels[i].start_time`, `panels[i].end_time`, `panels[i].remove`,
/// `participants[i].person_id`, `.name`, `.role`, `.panel` (index or empty), `.title`,
/// `.organisation`, `.remove`; `version`; and `intent` (the button pressed): `save`,
/// `submit`, `search_venue` (with `venue_q`), `search_person` (with `person_q`),
/// `add_person` (with `add_person_id`, `add_role`, `add_panel`, `add_title`,
/// `add_organisation`), `new_person` (with `new_person_name`, `new_person_title`,
/// `new_person_organisation`, and the same `add_role`/`add_panel`), `add_panel`,
/// `search_organiser` (with `organiser_q`, results as `co_organiser_ids` checkboxes).
public struct BackofficeEventValues: Sendable, Hashable {
  public var title = ""
  public var description = ""
  public var kind: EventKind = .seminar
  public var startDate = ""
  public var startTime = ""
  public var endDate = ""
  public var endTime = ""
  public var venue: Venue?
  public var languages: [String] = ["sv"]
  public var topics: [String] = []
  public var accessibility: [Accessibility] = []
  public var foodServed = false
  public var capacity = ""
  public var registrationOpen = false
  public var livestreamURL = ""
  public var coOrganisers: [BackofficeFrame.Organisation] = []
  public var panels: [BackofficePanelValues] = []
  public var participants: [BackofficeParticipantValues] = []

  public init() {}

  /// The values of a stored event, times in Visby's; participants are named by the
  /// `personName` the event carries, co-organisers by `coOrganisers`.
  public init(
    _ event: Event, venue: Venue?, coOrganisers: [BackofficeFrame.Organisation] = []
  ) {
    let details = event.details
    title = details.title
    description = details.description
    kind = details.kind
    let start = LocalTimeText(details.startsAt)
    let end = LocalTimeText(details.endsAt)
    startDate = start.date
    startTime = start.time
    endDate = end.date
    endTime = end.time
    self.venue = venue
    languages = details.languages
    topics = details.topics
    accessibility = details.accessibility
    foodServed = details.foodServed
    capacity = details.capacity.map(String.init) ?? ""
    registrationOpen = details.registrationOpen
    livestreamURL = details.livestreamURL ?? ""
    self.coOrganisers = coOrganisers
    panels = details.panels.map { panel in
      BackofficePanelValues(
        title: panel.title ?? "", startTime: panel.startsAt.map { LocalTimeText($0).time } ?? "",
        endTime: panel.endsAt.map { LocalTimeText($0).time } ?? "")
    }
    participants = details.participants.map { participation in
      BackofficeParticipantValues(
        personID: participation.personID, name: participation.personName ?? "",
        role: participation.role, panel: participation.panel, title: participation.title ?? "",
        organisation: participation.organisation ?? "")
    }
  }
}

/// A date and a clock in Visby's time as the form's inputs write them.
struct LocalTimeText {
  var date: String
  var time: String

  init(_ moment: Date) {
    let local = LocalTime(moment)
    date = local.isoDate
    time = local.clock
  }
}

/// One field someone else changed, for the form saved over their change.
public struct BackofficeFieldChange: Sendable, Hashable {
  /// The field's JSON name (`starts_at`); the page shows its Swedish label.
  public var field: String
  public var old: String
  public var new: String

  public init(field: String, old: String, new: String) {
    self.field = field
    self.old = old
    self.new = new
  }
}

/// The form was sent with an older version than the stored one.
public struct BackofficeOverwrite: Sendable, Hashable {
  /// Who made the change in between, and when.
  public var changedBy: String
  public var changedAt: Date
  public var changes: [BackofficeFieldChange]
  /// Whether this save went through over the other change (true) or was held back so the
  /// user can look first (false: the form shows their values, with the new version).
  public var saved: Bool

  public init(changedBy: String, changedAt: Date, changes: [BackofficeFieldChange], saved: Bool) {
    self.changedBy = changedBy
    self.changedAt = changedAt
    self.changes = changes
    self.saved = saved
  }
}

/// `BackofficePaths.event` / `newEvent`: the event form.
public struct BackofficeEventFormModel: Sendable {
  public var frame: BackofficeFrame
  public var organisation: BackofficeFrame.Organisation
  /// Nil for a new event.
  public var eventID: UUID?
  public var status: EventStatus
  /// The stored version the form was read at (the If-Match-like guard).
  public var version: Int?
  /// Why the office returned it.
  public var reviewReason: String?
  public var values: BackofficeEventValues
  /// Problems as the API's 422 lists them (field path, message); messages in English are
  /// put in Swedish with `BackofficeWords.problem`.
  public var problems: [FieldProblem]
  public var warnings: [BackofficeWarning]
  public var overwrite: BackofficeOverwrite?

  /// The venue search: what was asked and what matched.
  public var venueQuery = ""
  public var venueResults: [Venue] = []
  /// The person search.
  public var personQuery = ""
  public var personResults: [Person] = []
  /// The co-organiser search.
  public var organiserQuery = ""
  public var organiserResults: [BackofficeFrame.Organisation] = []
  /// The languages offered as checkboxes (codes); the event's own are always offered.
  public var languageOptions = ["sv", "en", "fi", "se", "ar", "de"]

  /// What the user may do now.
  public var canSubmit: Bool
  public var canCancel: Bool
  public var canDelete: Bool
  /// After the edition's cut-off: shown beside the delete/cancel buttons.
  public var cutoffAt: Date?

  public init(
    frame: BackofficeFrame, organisation: BackofficeFrame.Organisation, eventID: UUID? = nil,
    status: EventStatus = .draft, version: Int? = nil, reviewReason: String? = nil,
    values: BackofficeEventValues = .init(), problems: [FieldProblem] = [],
    warnings: [BackofficeWarning] = [], overwrite: BackofficeOverwrite? = nil,
    canSubmit: Bool = false, canCancel: Bool = false, canDelete: Bool = false,
    cutoffAt: Date? = nil
  ) {
    self.frame = frame
    self.organisation = organisation
    self.eventID = eventID
    self.status = status
    self.version = version
    self.reviewReason = reviewReason
    self.values = values
    self.problems = problems
    self.warnings = warnings
    self.overwrite = overwrite
    self.canSubmit = canSubmit
    self.canCancel = canCancel
    self.canDelete = canDelete
    self.cutoffAt = cutoffAt
  }
}

/// One attendee as the organiser sees them: for the catering and the door.
public struct BackofficeAttendee: Sendable, Hashable {
  /// Nil once erased after the festival.
  public var name: String?
  public var email: String?
  public var signedUpAt: Date

  public init(name: String?, email: String?, signedUpAt: Date) {
    self.name = name
    self.email = email
    self.signedUpAt = signedUpAt
  }
}

/// `BackofficePaths.registrations`: who comes.
public struct BackofficeRegistrationsModel: Sendable {
  public var frame: BackofficeFrame
  public var organisation: BackofficeFrame.Organisation
  public var event: Event
  public var headcount: BackofficeHeadcount
  public var confirmed: [BackofficeAttendee]
  /// In waitlist order: the first gets the next free seat.
  public var waitlist: [BackofficeAttendee]
  /// Not yet confirmed by mail (holding a place for a while).
  public var pending: [BackofficeAttendee]

  public init(
    frame: BackofficeFrame, organisation: BackofficeFrame.Organisation, event: Event,
    headcount: BackofficeHeadcount, confirmed: [BackofficeAttendee],
    waitlist: [BackofficeAttendee], pending: [BackofficeAttendee]
  ) {
    self.frame = frame
    self.organisation = organisation
    self.event = event
    self.headcount = headcount
    self.confirmed = confirmed
    self.waitlist = waitlist
    self.pending = pending
  }
}

/// `BackofficePaths.history`: the event's audit trail, newest first.
public struct BackofficeHistoryModel: Sendable {
  public var frame: BackofficeFrame
  public var organisation: BackofficeFrame.Organisation
  public var event: Event
  public var changes: [EventChange]

  public init(
    frame: BackofficeFrame, organisation: BackofficeFrame.Organisation, event: Event,
    changes: [EventChange]
  ) {
    self.frame = frame
    self.organisation = organisation
    self.event = event
    self.changes = changes
  }
}

/// `BackofficePaths.organisation`: members, invitations and API tokens.
public struct BackofficeOrganisationModel: Sendable {
  public struct Member: Sendable, Hashable {
    public var userID: UUID
    public var name: String
    public var email: String
    public var role: MembershipRole
    /// The signed-in user (no remove button for oneself).
    public var isYou: Bool

    public init(userID: UUID, name: String, email: String, role: MembershipRole, isYou: Bool) {
      self.userID = userID
      self.name = name
      self.email = email
      self.role = role
      self.isYou = isYou
    }
  }

  public struct Invitation: Sendable, Hashable {
    public var id: UUID
    public var name: String
    public var email: String
    public var role: MembershipRole
    public var expiresAt: Date

    public init(id: UUID, name: String, email: String, role: MembershipRole, expiresAt: Date) {
      self.id = id
      self.name = name
      self.email = email
      self.role = role
      self.expiresAt = expiresAt
    }
  }

  public var frame: BackofficeFrame
  public var organisation: BackofficeFrame.Organisation
  public var members: [Member]
  public var invitations: [Invitation]
  /// The organisation's tokens (revoked ones are not listed).
  public var tokens: [APIToken]
  /// Whether the user may invite, remove and manage tokens (an owner or the office).
  public var canManage: Bool
  /// A token just made: its name and secret, shown this once.
  public var newToken: (name: String, secret: String)?
  /// The invite form after a refused attempt.
  public var inviteName = ""
  public var inviteEmail = ""
  public var inviteRole: MembershipRole = .editor
  public var tokenName = ""
  /// Problems of the invite and token forms: `name`, `email`, `role`, `token_name`.
  public var problems: [FieldProblem] = []
  /// Why a step on a member or an invitation was refused (the last owner, oneself).
  public var refusal: String?

  public init(
    frame: BackofficeFrame, organisation: BackofficeFrame.Organisation, members: [Member],
    invitations: [Invitation], tokens: [APIToken], canManage: Bool
  ) {
    self.frame = frame
    self.organisation = organisation
    self.members = members
    self.invitations = invitations
    self.tokens = tokens
    self.canManage = canManage
  }
}

/// `BackofficePaths.reviewQueue`: submitted events, oldest first.
public struct BackofficeReviewModel: Sendable {
  public struct Item: Sendable {
    public var event: Event
    public var organiserName: String
    public var venue: Venue?
    public var warnings: [BackofficeWarning]
    /// Published events at the same venue and time: approval would break the database's
    /// exclusion constraint, so it is refused until one of them moves.
    public var clashes: [BackofficeWarning]
    /// What was wrong with the last approve or return of this event (a missing reason).
    public var problem: String?
    public var reason = ""

    public init(
      event: Event, organiserName: String, venue: Venue?, warnings: [BackofficeWarning] = [],
      clashes: [BackofficeWarning] = [], problem: String? = nil
    ) {
      self.event = event
      self.organiserName = organiserName
      self.venue = venue
      self.warnings = warnings
      self.clashes = clashes
      self.problem = problem
    }
  }

  public var frame: BackofficeFrame
  public var items: [Item]

  public init(frame: BackofficeFrame, items: [Item]) {
    self.frame = frame
    self.items = items
  }
}

/// `BackofficePaths.organisations`: every organisation, and the form that creates one and
/// invites its first user.
public struct BackofficeOrganisationsModel: Sendable {
  public struct Row: Sendable, Hashable {
    public var organiser: Organiser
    public var members: Int
    public var events: Int

    public init(organiser: Organiser, members: Int, events: Int) {
      self.organiser = organiser
      self.members = members
      self.events = events
    }
  }

  public var frame: BackofficeFrame
  public var rows: [Row]
  /// The form's values after a refused attempt, and its problems (`organisation_name`,
  /// `name`, `email`).
  public var organisationName = ""
  public var inviteName = ""
  public var inviteEmail = ""
  public var problems: [FieldProblem] = []

  public init(frame: BackofficeFrame, rows: [Row]) {
    self.frame = frame
    self.rows = rows
  }
}

/// `BackofficePaths.users`: every account.
public struct BackofficeUsersModel: Sendable {
  public struct Row: Sendable, Hashable {
    public var user: User
    public var memberships: [Membership]

    public init(user: User, memberships: [Membership]) {
      self.user = user
      self.memberships = memberships
    }
  }

  public var frame: BackofficeFrame
  public var rows: [Row]

  public init(frame: BackofficeFrame, rows: [Row]) {
    self.frame = frame
    self.rows = rows
  }
}

/// The venue form's text.
///
/// Field names: `name`, `address`, `description`, `latitude`, `longitude`, `capacity`,
/// `accessibility` (repeated), `version`.
public struct BackofficeVenueValues: Sendable, Hashable {
  public var name = ""
  public var address = ""
  public var description = ""
  public var latitude = ""
  public var longitude = ""
  public var capacity = ""
  public var accessibility: [Accessibility] = []

  public init() {}

  public init(_ venue: Venue) {
    name = venue.name
    address = venue.address ?? ""
    description = venue.description ?? ""
    latitude = venue.coordinate.flatMap { Fragments.decimal($0.latitude, limit: 90) } ?? ""
    longitude = venue.coordinate.flatMap { Fragments.decimal($0.longitude, limit: 180) } ?? ""
    capacity = venue.capacity.map(String.init) ?? ""
    accessibility = venue.accessibility
  }
}

/// `BackofficePaths.venues`: the venues, and one being edited (or a new one).
public struct BackofficeVenuesModel: Sendable {
  public var frame: BackofficeFrame
  public var venues: [Venue]
  /// The venue being edited (nil: the form adds a new one).
  public var editing: Venue?
  public var values: BackofficeVenueValues
  public var problems: [FieldProblem]

  public init(
    frame: BackofficeFrame, venues: [Venue], editing: Venue? = nil,
    values: BackofficeVenueValues = .init(), problems: [FieldProblem] = []
  ) {
    self.frame = frame
    self.venues = venues
    self.editing = editing
    self.values = values
    self.problems = problems
  }
}

/// `BackofficePaths.editions`: the editions and their cut-off dates.
///
/// Each edition's form posts `cutoff_date` and `cutoff_time` (empty: no cut-off).
public struct BackofficeEditionsModel: Sendable {
  public var frame: BackofficeFrame
  public var editions: [Edition]
  /// Problems by edition (`cutoff_at`).
  public var problems: [UUID: String]

  public init(frame: BackofficeFrame, editions: [Edition], problems: [UUID: String] = [:]) {
    self.frame = frame
    self.editions = editions
    self.problems = problems
  }
}
