import AlmedalenCore
import AlmedalenFeeds
import Foundation
import Testing

@testable import AlmedalenPages

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Events, page models and an XML parser shared by the page tests.
enum Fixtures {
  static func date(_ text: String) -> Date { RFC3339.parse(text)! }

  /// A UUID that reads as the number it was made from, so failures are easy to trace.
  static func uuid(_ number: Int, group: String = "5000") -> UUID {
    let digits = String(number)
    let padded = String(repeating: "0", count: 12 - digits.count) + digits
    return UUID(uuidString: "00000000-0000-" + group + "-8000-" + padded)!
  }

  static let context = PageContext(
    baseURL: "https://almedalen.example", formToken: "tok-3f9a1c7e5b")

  static let donners = Venue(
    id: uuid(1, group: "5001"), name: "Donners plats", address: "Donners plats 1, Visby",
    coordinate: Coordinate(latitude: 57.6393, longitude: 18.2922),
    accessibility: [.wheelchair])

  static let edition = uuid(1, group: "5002")
  static let organiserID = uuid(9, group: "5003")

  /// Markup, an attribute breakout, an ampersand, both quotes, XML-forbidden controls, an
  /// emoji, right-to-left marks and a Windows line break.
  static let hostile =
    "<script>alert(1)</script>\"><img src=x onerror=1> & 'q' \u{0}\u{1}\u{7F}\u{85}🎉 \u{200F}\u{202E}rtl\r\nrad två"
  /// `hostile` as a parser gives it back: the forbidden characters gone, CRLF as LF.
  static let hostileClean =
    "<script>alert(1)</script>\"><img src=x onerror=1> & 'q' 🎉 \u{200F}\u{202E}rtl\nrad två"
  /// `hostileClean` as a whole field renders: its right-to-left override closed at its end.
  static let hostileRendered = hostileClean + "\u{202C}"

  static func event(
    number: Int = 1, title: String = "Vård i hela landet", description: String = "",
    kind: EventKind = .seminar, start: String = "2026-06-23T12:00:00+02:00",
    end: String = "2026-06-23T13:00:00+02:00", venue: Venue? = donners,
    status: EventStatus = .published, organiser: String = "Region Gotland",
    coOrganisers: [String] = [], coOrganiserIDs: [UUID] = [], topics: [String] = ["Hälsa"],
    languages: [String] = ["sv"], accessibility: [Accessibility] = [], foodServed: Bool = false,
    livestreamURL: String? = nil, capacity: Int? = nil, registrationOpen: Bool = false,
    panels: [Panel] = [], participants: [Participation] = [], pageURL: String? = nil
  ) -> FeedEvent {
    let details = EventDetails(
      title: title, description: description, kind: kind, startsAt: date(start),
      endsAt: date(end), venueID: venue?.id, organiserID: organiserID,
      coOrganiserIDs: coOrganiserIDs, topics: topics, languages: languages,
      accessibility: accessibility, foodServed: foodServed, livestreamURL: livestreamURL,
      capacity: capacity, registrationOpen: registrationOpen, panels: panels,
      participants: participants)
    let stored = Event(
      id: uuid(number), editionID: edition, details: details, status: status, revision: 0,
      version: 1, createdAt: date("2026-05-01T10:00:00Z"),
      updatedAt: date("2026-05-01T10:00:00Z"), revisedAt: date("2026-05-01T10:00:00Z"),
      publishedAt: date("2026-05-01T10:00:00Z"),
      cancelledAt: status == .cancelled ? date("2026-06-01T10:00:00Z") : nil)
    return FeedEvent(
      event: stored, number: number, venue: venue, organiser: organiser,
      coOrganisers: coOrganisers,
      pageURL: pageURL ?? "https://almedalen.example/events/" + uuid(number).uuidString.lowercased()
    )
  }

  static func person(
    _ number: Int, _ name: String?, role: ParticipantRole = .panelist, title: String? = nil,
    organisation: String? = nil, panel: Int? = nil
  ) -> Participation {
    Participation(
      personID: uuid(number, group: "5004"), role: role, title: title,
      organisation: organisation, panel: panel, personName: name)
  }

  static let feeds = FeedLinks(
    calendar: "https://almedalen.example/feeds/program.ics?day=2026-06-23",
    webcal: "webcal://almedalen.example/feeds/program.ics?day=2026-06-23",
    rss: "https://almedalen.example/feeds/program.rss?day=2026-06-23")

  static func eventCalendar(_ number: Int = 1) -> FeedLinks {
    let id = uuid(number).uuidString.lowercased()
    return FeedLinks(
      calendar: "https://almedalen.example/feeds/events/" + id + ".ics",
      webcal: "webcal://almedalen.example/feeds/events/" + id + ".ics")
  }

  static let filters = ProgrammeFilters(
    days: [
      FilterOption(value: "2026-06-22", label: "Måndag 22 juni"),
      FilterOption(value: "2026-06-23", label: "Tisdag 23 juni"),
    ],
    topics: [
      FilterOption(value: "Hälsa", label: "Hälsa"), FilterOption(value: "Skola", label: "Skola"),
    ],
    organisers: [
      FilterOption(value: uuid(9, group: "5003").uuidString.lowercased(), label: "Region Gotland")
    ],
    venues: [
      FilterOption(value: uuid(1, group: "5001").uuidString.lowercased(), label: "Donners plats")
    ],
    languages: [
      FilterOption(value: "sv", label: "svenska"), FilterOption(value: "en", label: "engelska"),
    ],
    features: Accessibility.allCases.map {
      FilterOption(value: $0.rawValue, label: String(describing: Swedish.accessibility($0)))
    })

  static func programme(
    _ events: [FeedEvent], title: String = "Almedalsveckan 2026",
    filters: ProgrammeFilters = filters
  ) -> ProgrammePageModel {
    ProgrammePageModel(
      title: title, filters: filters, days: SeminarList.byDay(events), feeds: feeds,
      query: "day=2026-06-23")
  }

  static func eventPage(
    _ event: FeedEvent = event(), seats: Seats? = nil, canSignUp: Bool = true,
    problems: [String: String] = [:], name: String = "", email: String = ""
  ) -> EventPageModel {
    EventPageModel(
      event: event,
      seats: seats
        ?? Seats(capacity: 50, confirmed: 20, waitlisted: 0, registrationOpen: canSignUp),
      canSignUp: canSignUp, calendar: eventCalendar(), problems: problems, name: name,
      email: email)
  }

  /// Every page the module renders, from one event, with a name for failure messages.
  static func allPages(_ event: FeedEvent, text: String = "Almedalsveckan 2026")
    -> [(name: String, bytes: [UInt8])]
  {
    var filters = Fixtures.filters
    filters.text = text
    filters.topic = text
    filters.accessibility = [text]
    filters.topics.append(FilterOption(value: text, label: text))
    let personal = FeedLinks(
      calendar: "https://almedalen.example/feeds/attendee/secret.ics",
      webcal: "webcal://almedalen.example/feeds/attendee/secret.ics")
    return [
      ("programme", Pages.programme(programme([event], title: text, filters: filters), context)),
      ("programme-empty", Pages.programme(programme([], title: text, filters: filters), context)),
      (
        "event",
        Pages.event(
          eventPage(
            event, problems: ["name": text, "email": text, "other": text], name: text, email: text),
          context)
      ),
      ("event-closed", Pages.event(eventPage(event, canSignUp: false), context)),
      (
        "signed-up",
        Pages.signedUp(
          SignedUpPageModel(
            event: event, status: .confirmed, waitlistPosition: nil,
            registrationPage: "https://almedalen.example/registrations/secret",
            calendar: personal), context)
      ),
      (
        "signed-up-again",
        Pages.signedUp(
          SignedUpPageModel(
            event: event, status: .waitlisted, waitlistPosition: 3, registrationPage: nil,
            calendar: nil), context)
      ),
      (
        "registration",
        Pages.registration(
          RegistrationPageModel(
            event: event, status: .waitlisted, waitlistPosition: 2,
            cancelAction: "/registrations/secret/cancel"), context)
      ),
      ("cancelled", Pages.cancelled(event: event, context)),
      (
        "person",
        Pages.listing(
          ListingPageModel(
            kind: .person, name: text, subtitle: text, events: [event],
            feeds: FeedLinks(
              calendar: "https://almedalen.example/feeds/people/x.ics",
              webcal: "webcal://almedalen.example/feeds/people/x.ics")), context)
      ),
      (
        "organiser",
        Pages.listing(
          ListingPageModel(
            kind: .organiser, name: text, website: "https://regiongotland.se", events: [event],
            feeds: feeds), context)
      ),
      ("error", Pages.error(status: 404, title: text, message: text, context)),
    ]
  }

  /// Parses with Foundation's `XMLParser` (libxml2 on Linux): the root, or where it failed.
  static func parse(_ bytes: [UInt8]) -> Result<Element, ParseFailure> {
    let parser = XMLParser(data: Data(bytes))
    let builder = TreeBuilder()
    parser.delegate = builder
    guard parser.parse(), parser.parserError == nil, let root = builder.root else {
      let lines = String(decoding: bytes, as: UTF8.self).split(
        separator: "\n", omittingEmptySubsequences: false)
      let line = parser.lineNumber
      let context = lines.indices.contains(line - 1) ? String(lines[line - 1]) : ""
      return .failure(
        ParseFailure(
          description: "not well-formed XML at line \(line), column \(parser.columnNumber): "
            + "\(parser.parserError.map(String.init(describing:)) ?? "?")\n\(context)"))
    }
    return .success(root)
  }

  struct ParseFailure: Error, CustomStringConvertible {
    var description: String
  }

  /// Parses a page that must be well-formed; throws (failing the test) where it is not.
  static func document(_ bytes: [UInt8]) throws -> Element {
    try parse(bytes).get()
  }
}

/// One element of a parsed page, with its text and child elements in order.
final class Element {
  enum Node {
    case element(Element)
    case text(String)
  }

  let name: String
  let attributes: [String: String]
  var nodes: [Node] = []

  init(name: String, attributes: [String: String]) {
    self.name = name
    self.attributes = attributes
  }

  subscript(attribute: String) -> String? { attributes[attribute] }

  var children: [Element] {
    nodes.compactMap {
      if case .element(let element) = $0 { return element }
      return nil
    }
  }

  /// All text inside, as a browser's `textContent`.
  var text: String {
    nodes.map {
      switch $0 {
      case .element(let element): element.text
      case .text(let text): text
      }
    }.joined()
  }

  /// `text` with runs of white space as one space, trimmed.
  var squashedText: String {
    text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
  }

  /// This element and every element below it, in document order.
  var all: [Element] { [self] + children.flatMap(\.all) }

  func all(_ name: String) -> [Element] { all.filter { $0.name == name } }

  func first(_ name: String) -> Element? { all.first { $0.name == name } }

  /// Elements whose `class` attribute contains `name`.
  func classed(_ name: String) -> [Element] {
    all.filter { ($0["class"] ?? "").split(separator: " ").contains(Substring(name)) }
  }

  func element(id: String) -> Element? { all.first { $0["id"] == id } }
}

final class TreeBuilder: NSObject, XMLParserDelegate {
  var root: Element?
  private var stack: [Element] = []

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
  ) {
    let element = Element(name: elementName, attributes: attributeDict)
    if let parent = stack.last {
      parent.nodes.append(.element(element))
    } else {
      root = element
    }
    stack.append(element)
  }

  func parser(
    _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
    qualifiedName qName: String?
  ) {
    stack.removeLast()
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    stack.last?.nodes.append(.text(string))
  }
}
