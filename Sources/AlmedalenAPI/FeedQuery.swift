import AlmedalenCore
import AlmedalenFeeds
import AlmedalenStore
import Foundation
import HTTPServer

/// The selection a programme feed's query string asks for, checked, in one canonical order
/// so that equal selections share one cache entry and one self link.
struct FeedQuery: Hashable, Sendable {
  var year: Int?
  var day: LocalDay?
  var organiser: UUID?
  var venue: UUID?
  var person: UUID?
  var topic: String?
  var accessibility: [Accessibility] = []
  var language: String?
  var text: String?

  /// Parameters other than these are ignored: calendar clients add cache-busters.
  static let names = parameters.map(\.name)

  init() {}

  static let yearMessage = "must be a year, like 2026"

  static let yearParameter = Operation.Parameter.query(
    "year", Schema.integer(Edition.years), "The edition of this year (by default the latest).")

  /// The parameters as the OpenAPI document describes them, in the order of `names`.
  static let parameters: [Operation.Parameter] = [
    yearParameter,
    .query("day", Schema.string(format: "date"), "Events starting on this day (Europe/Stockholm)."),
    .query(
      "organiser", Schema.uuid(), "Events of this organiser, or co-organised once it accepted."),
    .query("venue", Schema.uuid(), "Events at this venue."),
    .query(
      "person", Schema.uuid(),
      "Events this person moderates, sits on a panel of or speaks at (404 for someone in no published or cancelled seminar)."
    ),
    QueryRules.topicParameter,
    .query(
      "accessibility", Schema.string(pattern: "^((\(features))(,(\(features)))*)?$"),
      "Events offering all of these, comma-separated; empty is the same as absent."),
    QueryRules.languageParameter,
    QueryRules.textParameter,
  ]

  static let features = Accessibility.allCases.map(\.rawValue).joined(separator: "|")

  /// Reads the query; 422 naming every parameter that is not understood.
  init(_ request: Request) throws(Problem) {
    var input = JSONInput()
    // Accessibility may come as a list or as repeated checkboxes; the rest only once.
    for name in Self.names where name != "accessibility" && request.queryValues(name).count > 1 {
      input.add(name, "give it once")
    }
    if let text = request.queryValue("year") {
      year = Int(text)
      if year == nil || !Edition.years.contains(year!) {
        input.add("year", Self.yearMessage)
      }
    }
    if let text = request.queryValue("day") {
      day = LocalDay(text)
      if day == nil { input.add("day", "must be a day, like 2026-06-23") }
    }
    for (name, keyPath) in [
      ("organiser", \FeedQuery.organiser), ("venue", \FeedQuery.venue),
      ("person", \FeedQuery.person),
    ] {
      guard let text = request.queryValue(name) else { continue }
      guard let id = UUID(uuidString: text) else {
        input.add(name, "must be an id")
        continue
      }
      self[keyPath: keyPath] = id
    }
    topic = QueryRules.topic(request, &input)
    // Empty values are absent (an empty `accessibility=`, a checkbox list with none ticked);
    // an empty item inside a list is not a feature.
    let features = request.queryValues("accessibility").filter { !$0.isEmpty }
      .joined(separator: ",")
    if !features.isEmpty {
      for part in features.split(separator: ",", omittingEmptySubsequences: false) {
        if let feature = Accessibility(rawValue: String(part)) {
          if !accessibility.contains(feature) { accessibility.append(feature) }
        } else {
          input.add(
            "accessibility",
            "must be a comma-separated list of "
              + Accessibility.allCases.map(\.rawValue).joined(separator: ", "))
          break
        }
      }
      accessibility.sort { $0.rawValue < $1.rawValue }
    }
    language = QueryRules.language(request, &input)
    text = QueryRules.text(request, &input)
    try input.check()
  }

  /// `day=2012-07-03&topic=H%C3%A4lsa`: the canonical query, empty for everything.
  var canonical: String {
    var parts: [String] = []
    func add(_ name: String, _ value: String?) {
      if let value { parts.append(name + "=" + Self.escape(value)) }
    }
    add("year", year.map(String.init))
    add("day", day?.description)
    add("organiser", organiser?.uuidString.lowercased())
    add("venue", venue?.uuidString.lowercased())
    add("person", person?.uuidString.lowercased())
    add("topic", topic)
    add(
      "accessibility",
      accessibility.isEmpty ? nil : accessibility.map(\.rawValue).joined(separator: ","))
    add("language", language)
    add("q", text)
    return parts.joined(separator: "&")
  }

  /// The public programme narrowed by this selection.
  func filter(editionID: UUID?) -> EventFilter {
    var filter = EventFilter.publicProgramme
    filter.editionID = editionID
    filter.day = day
    filter.organiserID = organiser
    filter.venueID = venue
    filter.personID = person
    filter.topic = topic
    filter.accessibility = accessibility
    filter.language = language
    filter.text = text
    return filter
  }

  /// What the selection is, in Swedish, for the feed's name: "tisdag 3 juli 2012 · Hälsa".
  /// Looks up the names behind ids (404 for an unknown one, and for a person who is in no
  /// published or cancelled seminar yet).
  func describe(_ store: FestivalStore) throws -> [String] {
    var parts: [String] = []
    if let day {
      let noon = FestivalTime.date(day, hour: 12)
      parts.append(LocalTime(noon).swedishDay + " \(day.year)")
    } else if let year {
      parts.append(String(year))
    }
    if let organiser { parts.append(try store.organisers.get(organiser).name) }
    if let venue { parts.append(try store.venues.get(venue).name) }
    if let person { parts.append(try store.people.publicPerson(person).name) }
    if let topic { parts.append(topic) }
    if !accessibility.isEmpty {
      parts.append(accessibility.map(Self.swedish).joined(separator: ", "))
    }
    if let language { parts.append("språk: " + language) }
    if let text { parts.append("”" + text + "”") }
    return parts
  }

  static func swedish(_ feature: Accessibility) -> String {
    switch feature {
    case .wheelchair: "rullstolsanpassat"
    case .hearingLoop: "hörslinga"
    case .signLanguage: "teckenspråkstolkat"
    case .captions: "textat"
    case .audioDescription: "syntolkat"
    }
  }

  /// Percent-encoding for a query value: unreserved characters stay, the rest is UTF-8 %XX.
  static func escape(_ value: String) -> String {
    var out = ""
    for byte in value.utf8 {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
        UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ","):
        out.unicodeScalars.append(Unicode.Scalar(byte))
      default:
        let hex = String(byte, radix: 16, uppercase: true)
        out += "%" + (hex.count == 1 ? "0" : "") + hex
      }
    }
    return out
  }
}

/// The query parameters the feeds and the API's lists read alike, each read by one function
/// and documented by the schema beside it, so that the server and the document agree.
/// An empty value is the same as an absent one.
enum QueryRules {
  /// `q`: at most `SearchText.maxLength` characters, no control characters.
  static let textParameter = Operation.Parameter.query(
    "q", Schema.searchText,
    "Text to look for (at most \(SearchText.maxLength) characters); empty is the same as absent."
  )

  /// `language`: two lowercase letters.
  static let languageParameter = Operation.Parameter.query(
    "language", Schema.string(pattern: "^([a-z]{2})?$"),
    "Events in this language (ISO 639-1); empty is the same as absent.")

  /// `topic`: at most `EventDetails.Limits.topicLength` characters, no control characters
  /// (no topic holds one).
  static let topicParameter = Operation.Parameter.query(
    "topic",
    Schema.string(
      maxLength: EventDetails.Limits.topicLength, pattern: "^[^\(Schema.controls)]*$"),
    "Events with this topic (case-insensitive); empty is the same as absent.")

  /// `q`, or nil when absent or empty; its problems go to `input`.
  static func text(_ request: Request, _ input: inout JSONInput) -> String? {
    guard let text = request.queryValue("q"), !text.isEmpty else { return nil }
    for problem in SearchText.problems(text) { input.add("q", problem) }
    return text
  }

  /// `language`, or nil when absent or empty; anything but two lowercase letters is a problem.
  static func language(_ request: Request, _ input: inout JSONInput) -> String? {
    guard let text = request.queryValue("language"), !text.isEmpty else { return nil }
    if text.unicodeScalars.count != 2
      || !text.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) })
    {
      input.add("language", "must be a two-letter ISO 639-1 code such as sv or en")
    }
    return text
  }

  /// `topic`, or nil when absent or empty; too long or a control character is a problem.
  static func topic(_ request: Request, _ input: inout JSONInput) -> String? {
    guard let text = request.queryValue("topic"), !text.isEmpty else { return nil }
    if TextRules.length(text) > EventDetails.Limits.topicLength {
      input.add("topic", "must be at most \(EventDetails.Limits.topicLength) characters")
    }
    if text.unicodeScalars.contains(where: TextRules.isControl) {
      input.add("topic", "must not contain control characters")
    }
    return text
  }
}
