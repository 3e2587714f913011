package import AlmedalenCore
package import AlmedalenFeeds
package import Foundation

/// Events as the feed writers and the pages receive them, without a database: numbered, so a
/// failure says which, with ids that read as their numbers and fixed time stamps, so the
/// bytes written are the same on every run.
///
/// The feed tests and the page tests each conform once (`RSSFixtures`, `Fixtures`), with
/// their own festival year and id groups.
package protocol OfflineProgramme {
  /// The first id group: events are `<idGroup>`, venues `+1`, the edition `+2`, the
  /// organiser `+3`, people `+4`.
  static var idGroup: Int { get }
  /// Where events happen unless told otherwise.
  static var donners: Venue { get }
  /// When an event starts and ends unless told otherwise, as RFC 3339 text.
  static var defaultStart: String { get }
  static var defaultEnd: String { get }
  static var defaultTopics: [String] { get }
  /// When every event was created and published.
  static var createdAt: String { get }
  /// When an event was last revised unless told otherwise.
  static var defaultRevisedAt: String { get }
  /// When a cancelled event was cancelled; nil for "when it was last revised".
  static var cancelledAt: String? { get }
}

extension OfflineProgramme {
  package static func date(_ text: String) -> Date { RFC3339.parse(text)! }

  package static func uuid(_ number: Int, group: String? = nil) -> UUID {
    .numbered(number, group: group ?? String(idGroup))
  }

  package static var editionID: UUID { uuid(1, group: String(idGroup + 2)) }
  package static var organiserID: UUID { uuid(9, group: String(idGroup + 3)) }

  package static func event(
    number: Int = 1, title: String = "Vård i hela landet", description: String = "",
    kind: EventKind = .seminar, start: String = defaultStart, end: String = defaultEnd,
    venue: Venue? = donners, status: EventStatus = .published, organiser: String = "Region Gotland",
    coOrganisers: [String] = [], coOrganiserIDs: [UUID] = [], topics: [String] = defaultTopics,
    languages: [String] = ["sv"], accessibility: [Accessibility] = [], foodServed: Bool = false,
    livestreamURL: String? = nil, capacity: Int? = nil, registrationOpen: Bool = false,
    panels: [Panel] = [], participants: [Participation] = [], revisedAt: String = defaultRevisedAt,
    pageURL: String? = nil
  ) -> FeedEvent {
    let details = EventDetails.make(
      title: title, description: description, kind: kind,
      startsAt: date(start), endsAt: date(end),
      venueID: venue?.id, organiserID: organiserID, coOrganiserIDs: coOrganiserIDs,
      topics: topics, languages: languages, accessibility: accessibility,
      foodServed: foodServed, livestreamURL: livestreamURL, capacity: capacity,
      registrationOpen: registrationOpen, panels: panels, participants: participants)
    let revised = date(revisedAt)
    let stored = Event.make(
      id: uuid(number), editionID: editionID, details: details, status: status,
      createdAt: date(createdAt), revisedAt: revised, publishedAt: date(createdAt),
      cancelledAt: cancelledAt.map(date) ?? revised)
    return FeedEvent(
      event: stored, number: number, venue: venue, organiser: organiser,
      coOrganisers: coOrganisers,
      pageURL: pageURL ?? "https://almedalen.example/events/" + uuid(number).uuidString.lowercased()
    )
  }

  /// Someone on the programme, with an id in the people's group.
  package static func person(
    _ number: Int, _ name: String?, role: ParticipantRole = .panelist, title: String? = nil,
    organisation: String? = nil, party: String? = nil, panel: Int? = nil
  ) -> Participation {
    .make(
      personID: uuid(number, group: String(idGroup + 4)), name, role: role, title: title,
      organisation: organisation, party: party, panel: panel)
  }
}
