import AlmedalenCore
import AlmedalenFeeds
import AlmedalenTesting
import Foundation
import Testing

@testable import AlmedalenPages

/// Events and page models shared by the page tests: 23 June 2026, ids in groups 5000–5004.
enum Fixtures: OfflineProgramme {
  static let idGroup = 5000
  static let defaultStart = "2026-06-23T12:00:00+02:00"
  static let defaultEnd = "2026-06-23T13:00:00+02:00"
  static let defaultTopics = ["Hälsa"]
  static let createdAt = "2026-05-01T10:00:00Z"
  static let defaultRevisedAt = "2026-05-01T10:00:00Z"
  static let cancelledAt: String? = "2026-06-01T10:00:00Z"

  static let context = PageContext(
    baseURL: "https://almedalen.example", formToken: "tok-3f9a1c7e5b")

  static let donners: Venue = {
    var venue = Visby.donnersPlats
    venue.id = Fixtures.uuid(1, group: "5001")
    venue.address = "Donners plats 1, Visby"
    venue.accessibility = [.wheelchair]
    return venue
  }()

  /// Markup, an attribute breakout, an ampersand, both quotes, XML-forbidden controls, an
  /// emoji, right-to-left marks and a Windows line break.
  static let hostile =
    "<script>alert(1)</script>\"><img src=x onerror=1> & 'q' \u{0}\u{1}\u{7F}\u{85}🎉 \u{200F}\u{202E}rtl\r\nrad två"
  /// `hostile` as a parser gives it back: the forbidden characters gone, CRLF as LF.
  static let hostileClean =
    "<script>alert(1)</script>\"><img src=x onerror=1> & 'q' 🎉 \u{200F}\u{202E}rtl\nrad två"
  /// `hostileClean` as a whole field renders: its right-to-left override closed at its end.
  static let hostileRendered = hostileClean + "\u{202C}"

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
}
