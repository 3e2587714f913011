package import AlmedalenCore
package import Foundation

// Values with defaults for everything, so that a test names only what it is about.

extension EventDetails {
  /// A seminar on health in Swedish, 23 June 2026 12:00–13:00 in Visby, without a venue;
  /// registration opens when there is a capacity, unless told otherwise.
  package static func make(
    title: String = "Hur klarar vi välfärden?", description: String = "",
    kind: EventKind = .seminar, day: Int = 23, hour: Int = 12, minute: Int = 0,
    minutes: Int = 60, startsAt: Date? = nil, endsAt: Date? = nil, venueID: UUID? = nil,
    organiserID: UUID = Visby.regionGotland.id, coOrganiserIDs: [UUID] = [],
    topics: [String] = ["Hälsa"], languages: [String] = ["sv"],
    accessibility: [Accessibility] = [], foodServed: Bool = false,
    livestreamURL: String? = nil, capacity: Int? = nil, registrationOpen: Bool? = nil,
    panels: [Panel] = [], participants: [Participation] = []
  ) -> EventDetails {
    let start = startsAt ?? Visby.at(day: day, hour, minute)
    return EventDetails(
      title: title, description: description, kind: kind, startsAt: start,
      endsAt: endsAt ?? start.addingTimeInterval(Double(minutes) * 60), venueID: venueID,
      organiserID: organiserID, coOrganiserIDs: coOrganiserIDs, topics: topics,
      languages: languages, accessibility: accessibility, foodServed: foodServed,
      livestreamURL: livestreamURL, capacity: capacity,
      registrationOpen: registrationOpen ?? (capacity != nil), panels: panels,
      participants: participants)
  }
}

extension Event {
  /// A stored event as the store would give it back: published, first version, every time
  /// stamp at `createdAt` unless told otherwise.
  package static func make(
    id: UUID = UUID(), editionID: UUID = Visby.edition.id, details: EventDetails = .make(),
    status: EventStatus = .published, revision: Int = 0, version: Int? = nil,
    createdAt: Date = Visby.at(day: 1, 10), updatedAt: Date? = nil, revisedAt: Date? = nil,
    publishedAt: Date? = nil, cancelledAt: Date? = nil
  ) -> Event {
    Event(
      id: id, editionID: editionID, details: details, status: status, revision: revision,
      version: version ?? revision + 1, createdAt: createdAt,
      updatedAt: updatedAt ?? revisedAt ?? createdAt, revisedAt: revisedAt ?? createdAt,
      publishedAt: publishedAt ?? (status.isPublic ? createdAt : nil),
      cancelledAt: status == .cancelled ? cancelledAt ?? revisedAt ?? createdAt : nil)
  }
}

extension Participation {
  /// A panelist with nothing but a name.
  package static func make(
    personID: UUID = UUID(), _ name: String? = "Hans Folkesson",
    role: ParticipantRole = .panelist, title: String? = nil, organisation: String? = nil,
    party: String? = nil, panel: Int? = nil
  ) -> Participation {
    Participation(
      personID: personID, role: role, title: title, organisation: organisation, panel: panel,
      personName: name, personParty: party)
  }
}

extension UUID {
  /// A UUID that reads as the number it was made from, in a group naming its kind, so a
  /// failure says which fixture it is: `numbered(7, group: "4001")` is
  /// `00000000-0000-4001-8000-000000000007`.
  package static func numbered(_ number: Int, group: String) -> UUID {
    let digits = String(number)
    let padded = String(repeating: "0", count: 12 - digits.count) + digits
    return UUID(uuidString: "00000000-0000-" + group + "-8000-" + padded)!
  }
}
