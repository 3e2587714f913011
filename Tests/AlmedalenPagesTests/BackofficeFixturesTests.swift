import AlmedalenCore
import AlmedalenFeeds
import AlmedalenTesting
import Foundation
import Testing

@testable import AlmedalenPages

/// Every backoffice page, rendered from one set of values in which `text` stands in every
/// field anyone else writes (titles, names, reasons, search words, problems), so the same
/// pages serve the structure tests with plain Swedish and the hostile tests with markup.
enum BackofficeFixtures {
  static let context = Fixtures.context
  static let organiserID = Fixtures.organiserID
  static let otherOrganiserID = Fixtures.uuid(10, group: "5003")

  static func date(_ text: String) -> Date { Fixtures.date(text) }

  static let ostercentrum: Venue = {
    var venue = Visby.ostercentrum
    venue.id = Fixtures.uuid(2, group: "5001")
    return venue
  }()

  static func frame(_ text: String, office: Bool = true) -> BackofficeFrame {
    BackofficeFrame(
      userName: text,
      organisations: [
        BackofficeFrame.Organisation(id: organiserID, name: text),
        BackofficeFrame.Organisation(id: otherOrganiserID, name: "Vårdförbundet"),
      ], isOffice: office, notice: text)
  }

  static func organisation(_ text: String) -> BackofficeFrame.Organisation {
    .init(id: organiserID, name: text)
  }

  /// Event `number` by status, with a panel, a moderator and a panelist.
  static func event(
    _ number: Int, _ text: String, status: EventStatus, start: String = Fixtures.defaultStart,
    end: String = Fixtures.defaultEnd, venue: Venue? = Fixtures.donners
  ) -> Event {
    var event = Fixtures.event(
      number: number, title: text, description: text, start: start, end: end, venue: venue,
      status: status, organiser: text, topics: [text], capacity: 50, registrationOpen: true,
      panels: [Panel(title: text)],
      participants: [
        Fixtures.person(1, "Agnes Andersson", role: .moderator, title: text, organisation: text),
        Fixtures.person(2, text, title: text, organisation: text, panel: 0),
      ]
    ).event
    if status == .returned { event.reviewReason = text }
    if status == .submitted || status == .returned {
      event.submittedAt = date("2026-05-0\(number % 9 + 1)T09:00:00Z")
    }
    return event
  }

  /// The walk from Donners plats to the Almedalen tent that Agnes cannot make, as
  /// ConflictFinder finds it.
  static func walkingConflict(_ text: String) -> (Conflict, Event, Event) {
    let first = event(1, text, status: .draft)
    let second = event(
      2, "Nästa seminarium", status: .published, start: "2026-06-23T13:10:00+02:00",
      end: "2026-06-23T14:00:00+02:00", venue: ostercentrum)
    let venues = [Fixtures.donners.id: Fixtures.donners, ostercentrum.id: ostercentrum]
    let conflicts = ConflictFinder.find(events: [first, second], venues: venues)
    let walk = conflicts.first { $0.kind == .personCannotWalk }!
    return (walk, first, second)
  }

  static func warnings(_ text: String) -> [BackofficeWarning] {
    let (walk, first, second) = walkingConflict(text)
    let venues = [Fixtures.donners.id: Fixtures.donners, ostercentrum.id: ostercentrum]
    let venueClash = Conflict(
      kind: .venueDoubleBooked, firstEventID: first.id, secondEventID: second.id,
      venueID: Fixtures.donners.id, summary: "")
    return [
      BackofficeWarning(walk, event: first, other: second, venues: venues),
      BackofficeWarning(venueClash, event: first, other: nil, venues: venues),
      BackofficeWarning(
        conflict: Conflict(
          kind: .personDoubleBooked, firstEventID: first.id, secondEventID: second.id,
          personID: Fixtures.uuid(2, group: "5004"), summary: ""), personName: text,
        otherTitle: text, otherPath: "javascript:alert(1)"),
    ]
  }

  static func overview(_ text: String) -> BackofficeOverviewModel {
    let statuses: [EventStatus] = [.published, .draft, .returned, .submitted, .cancelled]
    return BackofficeOverviewModel(
      frame: frame(text), organisation: organisation(text),
      items: statuses.enumerated().map { index, status in
        .init(
          event: event(index + 1, text, status: status), venue: index == 0 ? nil : Fixtures.donners,
          warnings: index == 1 ? warnings(text) : [],
          headcount: BackofficeHeadcount(
            confirmed: 12, waitlisted: index, pending: 1, capacity: 50))
      })
  }

  static func eventForm(_ text: String, problems: [FieldProblem]? = nil) -> BackofficeEventFormModel
  {
    let stored = event(1, text, status: .returned)
    var values = BackofficeEventValues(
      stored, venue: Fixtures.donners,
      coOrganisers: [.init(id: otherOrganiserID, name: text)])
    values.panels.append(BackofficePanelValues(title: text, startTime: "12:30", endTime: "13:00"))
    values.participants.append(
      BackofficeParticipantValues(
        personID: Fixtures.uuid(3, group: "5004"), name: text, role: .panelist, panel: 1,
        title: text, organisation: text))
    values.accessibility = [.wheelchair]
    values.livestreamURL = text
    var model = BackofficeEventFormModel(
      frame: frame(text), organisation: organisation(text), eventID: stored.id,
      status: .returned, version: 7, reviewReason: text, values: values,
      problems: problems ?? [
        FieldProblem(field: "title", message: "must not be empty"),
        FieldProblem(field: "ends_at", message: "must be after starts_at"),
        FieldProblem(field: "panels[1].panelist_ids[0]", message: text),
        FieldProblem(field: "participants[2].title", message: "must be at most 300 characters"),
        FieldProblem(field: "topics[0]", message: text),
        FieldProblem(field: "no_such_field", message: text),
      ], warnings: warnings(text),
      overwrite: BackofficeOverwrite(
        changedBy: text, changedAt: date("2026-05-02T10:00:00Z"),
        changes: [
          BackofficeFieldChange(field: "starts_at", old: "12:00", new: text),
          BackofficeFieldChange(field: "title", old: text, new: "Ny rubrik"),
        ], saved: false),
      canSubmit: true, canCancel: true, canDelete: true, cutoffAt: date("2026-06-01T22:00:00Z"))
    model.venueQuery = text
    model.venueResults = [
      ostercentrum, Venue(id: Fixtures.uuid(3, group: "5001"), name: text, address: text),
    ]
    model.personQuery = text
    model.personResults = [
      Person(id: Fixtures.uuid(4, group: "5004"), name: text, title: text, organisation: text)
    ]
    model.organiserQuery = text
    model.organiserResults = [.init(id: Fixtures.uuid(11, group: "5003"), name: text)]
    model.languageOptions.append(text)
    return model
  }

  static func newEventForm(_ text: String) -> BackofficeEventFormModel {
    BackofficeEventFormModel(frame: frame(text, office: false), organisation: organisation(text))
  }

  static func attendee(_ text: String, _ minute: Int) -> BackofficeAttendee {
    BackofficeAttendee(
      name: text, email: "a\(minute)@example.se",
      signedUpAt: date("2026-06-01T10:\(String(format: "%02d", minute)):00Z"))
  }

  static func registrations(_ text: String) -> BackofficeRegistrationsModel {
    BackofficeRegistrationsModel(
      frame: frame(text), organisation: organisation(text),
      event: event(1, text, status: .published),
      headcount: BackofficeHeadcount(confirmed: 2, waitlisted: 3, pending: 1, capacity: 2),
      confirmed: [
        attendee(text, 1),
        BackofficeAttendee(name: nil, email: nil, signedUpAt: date("2026-06-01T10:02:00Z")),
      ],
      waitlist: [attendee("Första i kön", 3), attendee("Andra i kön", 4), attendee(text, 5)],
      pending: [attendee("Obekräftad", 6)])
  }

  static func history(_ text: String) -> BackofficeHistoryModel {
    BackofficeHistoryModel(
      frame: frame(text), organisation: organisation(text),
      event: event(1, text, status: .published),
      changes: [
        EventChange(
          id: 1, eventID: Fixtures.uuid(1), changedAt: date("2026-05-01T10:00:00Z"),
          actor: "regiongotland-webb", action: .created, version: 1, revision: 1, fields: []),
        EventChange(
          id: 2, eventID: Fixtures.uuid(1), changedAt: date("2026-05-03T10:00:00Z"),
          actor: "session", userID: Fixtures.uuid(1, group: "5006"), userName: text,
          action: .updated, version: 2, revision: 2,
          fields: [
            .init(name: "title", from: "\"Gammal rubrik\"", to: "\"" + text + "\""),
            .init(name: "capacity", from: "null", to: "50"),
          ]),
        EventChange(
          id: 3, eventID: Fixtures.uuid(1), changedAt: date("2026-05-04T10:00:00Z"),
          actor: text, action: .published, version: 3, revision: 3, fields: []),
      ])
  }

  static func organisationPage(_ text: String, canManage: Bool = true)
    -> BackofficeOrganisationModel
  {
    var model = BackofficeOrganisationModel(
      frame: frame(text), organisation: organisation(text),
      members: [
        .init(
          userID: Fixtures.uuid(1, group: "5006"), name: text, email: "agnes@example.se",
          role: .owner, isYou: true),
        .init(
          userID: Fixtures.uuid(2, group: "5006"), name: "Bo Berg", email: text, role: .editor,
          isYou: false),
      ],
      invitations: [
        .init(
          id: Fixtures.uuid(3, group: "5006"), name: text, email: text, role: .editor,
          expiresAt: date("2026-05-08T10:00:00Z"))
      ],
      tokens: [
        APIToken(
          id: Fixtures.uuid(4, group: "5006"), name: text, role: .organiser,
          organiserID: organiserID, createdAt: date("2026-04-01T10:00:00Z"),
          lastUsedAt: date("2026-05-01T10:00:00Z")),
        APIToken(
          id: Fixtures.uuid(5, group: "5006"), name: "Aldrig använd", role: .organiser,
          organiserID: organiserID, createdAt: date("2026-04-02T10:00:00Z")),
        APIToken(
          id: Fixtures.uuid(6, group: "5006"), name: "Återkallad", role: .organiser,
          organiserID: organiserID, createdAt: date("2026-04-02T10:00:00Z"),
          revokedAt: date("2026-04-03T10:00:00Z")),
      ], canManage: canManage)
    if canManage {
      model.newToken = (name: text, secret: "alm_" + text)
      model.inviteName = text
      model.inviteEmail = text
      model.tokenName = text
      model.problems = [
        FieldProblem(field: "email", message: "must be an email address"),
        FieldProblem(field: "token_name", message: text),
      ]
    }
    return model
  }

  static func review(_ text: String) -> BackofficeReviewModel {
    var late = BackofficeReviewModel.Item(
      event: event(3, "Senare inskickat", status: .submitted), organiserName: text,
      venue: Fixtures.donners)
    late.event.submittedAt = date("2026-05-05T09:00:00Z")
    var early = BackofficeReviewModel.Item(
      event: event(2, text, status: .submitted), organiserName: text, venue: Fixtures.donners,
      warnings: warnings(text), clashes: [warnings(text)[1]], problem: "is required")
    early.event.submittedAt = date("2026-05-01T09:00:00Z")
    early.reason = text
    return BackofficeReviewModel(frame: frame(text), items: [late, early])
  }

  static func organisations(_ text: String) -> BackofficeOrganisationsModel {
    var model = BackofficeOrganisationsModel(
      frame: frame(text),
      rows: [
        .init(
          organiser: Organiser(
            id: organiserID, name: text, contactEmail: text, website: "javascript:alert(1)"),
          members: 1, events: 4),
        .init(
          organiser: Organiser(
            id: otherOrganiserID, name: "Vårdförbundet", website: "https://vardforbundet.se"),
          members: 3, events: 0),
      ])
    model.organisationName = text
    model.inviteName = text
    model.inviteEmail = text
    model.problems = [FieldProblem(field: "organisation_name", message: text)]
    return model
  }

  static func users(_ text: String) -> BackofficeUsersModel {
    BackofficeUsersModel(
      frame: frame(text),
      rows: [
        .init(
          user: User(
            id: Fixtures.uuid(1, group: "5006"), email: text, name: text, hasPassword: true,
            emailVerifiedAt: date("2026-04-01T10:00:00Z"), office: true,
            totpEnabledAt: date("2026-04-01T10:00:00Z"), createdAt: date("2026-04-01T10:00:00Z")),
          memberships: []),
        .init(
          user: User(
            id: Fixtures.uuid(2, group: "5006"), email: "bo@example.se", name: "Bo Berg",
            hasPassword: false, createdAt: date("2026-04-01T10:00:00Z"),
            disabledAt: date("2026-04-02T10:00:00Z")),
          memberships: [
            Membership(
              userID: Fixtures.uuid(2, group: "5006"), organiserID: organiserID,
              organiserName: text, role: .editor, createdAt: date("2026-04-01T10:00:00Z"))
          ]),
      ])
  }

  static func venues(_ text: String) -> BackofficeVenuesModel {
    let hostileVenue = Venue(
      id: Fixtures.uuid(3, group: "5001"), name: text, address: text, description: text,
      coordinate: nil, capacity: 20, accessibility: [.hearingLoop])
    var values = BackofficeVenueValues(Fixtures.donners)
    values.name = text
    values.latitude = text
    return BackofficeVenuesModel(
      frame: frame(text), venues: [Fixtures.donners, ostercentrum, hostileVenue],
      editing: Fixtures.donners, values: values,
      problems: [FieldProblem(field: "latitude", message: "must be between -90 and 90")])
  }

  static func editions(_ text: String) -> BackofficeEditionsModel {
    let current = Edition(
      id: Fixtures.editionID, year: 2026, name: text,
      firstDay: LocalDay(year: 2026, month: 6, day: 21)!,
      lastDay: LocalDay(year: 2026, month: 6, day: 26)!, cutoffAt: date("2026-06-01T22:00:00Z"))
    let next = Edition(
      id: Fixtures.uuid(2, group: "5002"), year: 2027, name: "Almedalsveckan 2027",
      firstDay: LocalDay(year: 2027, month: 6, day: 20)!,
      lastDay: LocalDay(year: 2027, month: 6, day: 25)!)
    return BackofficeEditionsModel(
      frame: frame(text), editions: [current, next], problems: [current.id: text])
  }

  /// Every page kind, with a name for failure messages and file names.
  static func allPages(_ text: String = "Almedalsveckan 2026", context: PageContext = context)
    -> [(name: String, bytes: [UInt8])]
  {
    [
      ("overview", Pages.backofficeOverview(overview(text), context)),
      (
        "overview-empty",
        Pages.backofficeOverview(
          BackofficeOverviewModel(frame: frame(text), organisation: organisation(text), items: []),
          context)
      ),
      ("event-form", Pages.backofficeEventForm(eventForm(text), context)),
      ("event-form-new", Pages.backofficeEventForm(newEventForm(text), context)),
      ("registrations", Pages.backofficeRegistrations(registrations(text), context)),
      ("history", Pages.backofficeHistory(history(text), context)),
      ("organisation", Pages.backofficeOrganisation(organisationPage(text), context)),
      (
        "organisation-editor",
        Pages.backofficeOrganisation(organisationPage(text, canManage: false), context)
      ),
      ("review", Pages.backofficeReview(review(text), context)),
      (
        "review-empty",
        Pages.backofficeReview(BackofficeReviewModel(frame: frame(text), items: []), context)
      ),
      ("organisations", Pages.backofficeOrganisations(organisations(text), context)),
      ("users", Pages.backofficeUsers(users(text), context)),
      ("venues", Pages.backofficeVenues(venues(text), context)),
      ("editions", Pages.backofficeEditions(editions(text), context)),
    ]
  }
}
