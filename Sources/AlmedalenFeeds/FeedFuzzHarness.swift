import AlmedalenCore
import Foundation

/// Round trips through the iCalendar and RSS writers, for the fuzzers in `Fuzz/ICalendarWriter/`
/// and `Fuzz/RSSWriter/` and the regression tests over `Tests/AlmedalenFeedsTests/FuzzCorpus/`.
///
/// `decode` turns any bytes into a feed: a `FeedInfo` and up to three `FeedChange`s, each with
/// its `FeedEvent`, arbitrary Unicode in every text field. The writers render it, and the
/// output is read back by readers of our own, stricter than any client:
///
/// - iCalendar (`verifyICalendar`): CRLF only; every physical line at most 75 octets, valid
///   UTF-8 on its own and free of control characters other than tab; lines unfolded, parsed
///   into name, parameters and value; TEXT unescaped with an unescaped `,` or `;` (outside the
///   list of CATEGORIES) an error; RFC 6868 parameter values decoded. Exactly one VTIMEZONE,
///   one VEVENT per event in order, each property there exactly once (or absent when it should
///   be), and every text field back exactly, bar what `ContentLineWriter` documents: control
///   characters other than tab dropped, each newline (LF, CR, CRLF) coming back as LF in TEXT
///   and parameter values, and no newline in URIs. DESCRIPTION is compared with a model of
///   the layout `ICalendarWriter` documents. Times are read back into instants independently
///   of the writer (`TimeZone`, not `LocalTime`), GEO within half a millionth of a degree.
/// - RSS (`verifyRSS`): no CR byte; well-formed XML 1.0 by `XMLReader` (every character an XML
///   `Char`, elements nested and closed, attributes unique, only the predefined entities);
///   the channel's and each item's elements in order, one `<item>` per change, and every text
///   field back exactly, bar what `XMLText` documents: C0 controls other than tab and LF, DEL,
///   C1 controls, U+FFFE and U+FFFF dropped, CR and CRLF read as LF. The item description is
///   compared with a model of `RSSWriter.description(of:)`, its excerpt checked to be a prefix
///   of the trimmed description ending on a character boundary.
///
/// A mismatch throws `Failure` naming the field, expected and found text; `runICalendar` and
/// `runRSS` turn it into a crash for the fuzzer.
///
/// Input layout (how to write a seed by hand): the bytes are cut at every 0xFF (a byte UTF-8
/// never uses). The first piece is the header, read a byte at a time (0 once it runs out);
/// each later piece is one string, decoded as UTF-8 with U+FFFD for invalid bytes, taken in
/// order by the fields below ("" once they run out).
///
/// - header byte 0: events `(b + 1) % 4`: 1, 2, 3, or none for 3.
/// - strings: feed name, description, self URL, page URL, base URL.
/// - per event, header bytes in this order:
///   `flags` (bits 0–1 status published/cancelled/draft/published, 2 venue, 3 address,
///   4 address the same string as the name, 5 livestream, 6 food, 7 coordinate);
///   `counts` (bits 0–1 topics, 2–3 co-organisers, 4–5 panels, 6 first panel untitled);
///   `people` (participants, `b % 6`); `extras` (bits 0–4 accessibility features, 5–6
///   registration none/confirmed/waitlisted/cancelled, 7 start 0.75 s past the second);
///   `start` and `startFine` (anchor `start % 4`: 1 July 2026, the spring and autumn
///   daylight-saving nights of 2026, 3 July 2012; plus `start / 4` × 10 minutes and
///   `startFine` × 13 seconds); `length` (end is start + `length` × 5 minutes − 1 hour);
///   `revisions` (bits 0–5 revision + 1, 6–7 registration revision); `history` (last
///   revision `history` × 3731 s before the start; odd: a registration change after it);
///   `change` (bits 0–1 kind published/moved/changed/cancelled, 2 new start, 3 new venue,
///   4–5 changed fields, 6–7 minutes after the revision); with a coordinate, four bytes for
///   latitude and longitude (see `coordinate`); then per participant `role` (`b % 3` role,
///   `b / 3 % 6` panel none/0/1/2/−1/9) and `absent` (bits 0–2: no name, title, organisation).
/// - per event, strings: title, description, organiser, page URL; venue name, address (when
///   flagged); livestream URL (when flagged); topics; co-organisers; panel titles; per
///   participant name, title, organisation (those present); new venue (when flagged);
///   changed fields.
package enum FeedFuzzHarness {
  /// A broken promise, in words.
  package struct Failure: Error, CustomStringConvertible {
    package var description: String

    init(_ description: String) { self.description = description }
  }

  /// What one input decodes to.
  package struct Case {
    package var info: FeedInfo
    package var changes: [FeedChange]
    package var events: [FeedEvent] { changes.map(\.event) }
  }

  // MARK: - Entry points

  /// For the fuzzer: a failed check stops the process with its message.
  package static func runICalendar(_ input: [UInt8]) {
    do {
      try checkICalendar(input)
    } catch {
      fatalError("FeedFuzzHarness (iCalendar): \(error.description)")
    }
  }

  package static func runRSS(_ input: [UInt8]) {
    do {
      try checkRSS(input)
    } catch {
      fatalError("FeedFuzzHarness (RSS): \(error.description)")
    }
  }

  package static func checkICalendar(_ input: [UInt8]) throws(Failure) {
    let feed = decode(input)
    try verifyICalendar(ICalendarWriter.calendar(feed.info, events: feed.events), of: feed)
  }

  package static func checkRSS(_ input: [UInt8]) throws(Failure) {
    let feed = decode(input)
    try verifyRSS(RSSWriter.feed(feed.info, changes: feed.changes), of: feed)
  }

  // MARK: - Input

  package static func decode(_ input: [UInt8]) -> Case {
    var source = Source(input)
    let count = Int(source.byte() &+ 1) % 4
    let info = FeedInfo(
      name: source.string(), description: source.string(), selfURL: source.string(),
      pageURL: source.string(), baseURL: source.string())
    var changes: [FeedChange] = []
    for index in 0..<count {
      changes.append(source.change(index))
    }
    return Case(info: info, changes: changes)
  }

  struct Source {
    var header: ArraySlice<UInt8>
    var strings: [String]
    var nextString = 0

    init(_ input: [UInt8]) {
      let pieces = input.split(separator: 0xFF, omittingEmptySubsequences: false)
      header = pieces.first ?? []
      strings = pieces.dropFirst().map { String(decoding: $0, as: UTF8.self) }
    }

    mutating func byte() -> UInt8 { header.popFirst() ?? 0 }

    mutating func string() -> String {
      guard nextString < strings.count else { return "" }
      defer { nextString += 1 }
      return strings[nextString]
    }

    mutating func strings(_ count: Int) -> [String] { (0..<count).map { _ in string() } }

    mutating func change(_ index: Int) -> FeedChange {
      let flags = byte()
      let counts = byte()
      let people = Int(byte() % 6)
      let extras = byte()
      let start = FeedFuzzHarness.instant(byte(), byte(), fraction: extras & 0x80 != 0)
      let end = start.addingTimeInterval(Double(Int(byte()) * 300 - 3600))
      let revisions = byte()
      let history = byte()
      let change = byte()
      let coordinate: Coordinate? =
        flags & 0x80 != 0
        ? Coordinate(
          latitude: FeedFuzzHarness.coordinate(byte(), byte()),
          longitude: FeedFuzzHarness.coordinate(byte(), byte())) : nil
      let roles = (0..<people).map { _ in (role: byte(), absent: byte()) }

      let revisedAt = start.addingTimeInterval(-Double(Int(history) * 3731))
      let title = string()
      let description = string()
      let organiser = string()
      let pageURL = string()
      var venue: Venue?
      if flags & 0x04 != 0 {
        let name = string()
        let address = flags & 0x08 == 0 ? nil : flags & 0x10 != 0 ? name : string()
        venue = Venue(
          id: FeedFuzzHarness.uuid(index, 0x51), name: name, address: address,
          coordinate: coordinate)
      }
      let livestream = flags & 0x20 != 0 ? string() : nil
      let topics = strings(Int(counts & 3))
      let coOrganisers = strings(Int(counts >> 2 & 3))
      let panels = (0..<Int(counts >> 4 & 3)).map { panel in
        Panel(title: panel == 0 && counts & 0x40 != 0 ? nil : string())
      }
      let panelChoices: [Int?] = [nil, 0, 1, 2, -1, 9]
      let participants = roles.enumerated().map { number, choice in
        let name = choice.absent & 1 != 0 ? nil : string()
        let title = choice.absent & 2 != 0 ? nil : string()
        let organisation = choice.absent & 4 != 0 ? nil : string()
        return Participation(
          personID: FeedFuzzHarness.uuid(index * 8 + number, 0x9E),
          role: ParticipantRole.allCases[Int(choice.role % 3)], title: title,
          organisation: organisation, panel: panelChoices[Int(choice.role / 3 % 6)],
          personName: name)
      }
      let statuses: [EventStatus] = [.published, .cancelled, .draft, .published]
      let registrations: [RegistrationStatus?] = [nil, .confirmed, .waitlisted, .cancelled]
      let accessibility = Accessibility.allCases.enumerated()
        .filter { extras >> $0.offset & 1 == 1 }.map(\.element)

      let details = EventDetails(
        title: title, description: description, startsAt: start, endsAt: end,
        venueID: venue?.id, organiserID: FeedFuzzHarness.uuid(index, 0x0A),
        topics: topics, accessibility: accessibility, foodServed: flags & 0x40 != 0,
        livestreamURL: livestream, panels: panels, participants: participants)
      let event = Event(
        id: FeedFuzzHarness.uuid(index, 0xEB), editionID: FeedFuzzHarness.uuid(0, 0xED),
        details: details, status: statuses[Int(flags & 3)], revision: Int(revisions & 63) - 1,
        version: 1, createdAt: revisedAt.addingTimeInterval(-86_400 * Double(history % 9)),
        updatedAt: revisedAt, revisedAt: revisedAt)
      var feedEvent = FeedEvent(
        event: event, number: index + 1, venue: venue, organiser: organiser,
        coOrganisers: coOrganisers, pageURL: pageURL,
        registration: registrations[Int(extras >> 5 & 3)])
      feedEvent.registrationRevision = Int(revisions >> 6)
      if feedEvent.registration != nil && history & 1 == 1 {
        feedEvent.registrationChangedAt = revisedAt.addingTimeInterval(5400)
      }

      let newVenue = change & 0x08 != 0 ? string() : nil
      return FeedChange(
        id: Int64(bitPattern: UInt64(history) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index)),
        changedAt: revisedAt.addingTimeInterval(Double(Int(change >> 6) * 60)),
        kind: FeedChange.Kind.allCases[Int(change & 3)],
        newStart: change & 0x04 != 0 ? start : nil, newVenue: newVenue,
        changedFields: strings(Int(change >> 4 & 3)), event: feedEvent)
    }
  }

  /// Distinct ids with hex letters in them, so that a writer that changed their case shows.
  static func uuid(_ index: Int, _ tag: UInt8) -> UUID {
    let i = UInt8(truncatingIfNeeded: index)
    return UUID(
      uuid: (
        0xAB, tag, 0xCD, i, 0xEF, 0x01, 0x4A, 0x2B, 0x9C, 0x3D, 0x4E, 0x5F, 0x6A, 0x7B, tag, i
      ))
  }

  /// Seconds since 1970 of midnight UTC starting a civil date (H. Hinnant's days_from_civil).
  static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  static func instant(_ coarse: UInt8, _ fine: UInt8, fraction: Bool) -> Date {
    let anchors = [
      daysFromCivil(2026, 7, 1) * 86_400 + 8 * 3600,
      daysFromCivil(2026, 3, 29) * 86_400,
      daysFromCivil(2026, 10, 25) * 86_400,
      daysFromCivil(2012, 7, 3) * 86_400 + 10 * 3600,
    ]
    let seconds = anchors[Int(coarse % 4)] + Int(coarse / 4) * 600 + Int(fine) * 13
    return Date(timeIntervalSince1970: Double(seconds) + (fraction ? 0.75 : 0))
  }

  /// A latitude or longitude: special values (not finite, on and just past the limits,
  /// halfway between two millionths) for a first byte below 0x10, else a value up to ±337
  /// with a long fraction.
  static func coordinate(_ high: UInt8, _ low: UInt8) -> Double {
    let special: [Double] = [
      .nan, .infinity, -.infinity, 0, -0.0, 90, -90, 180, -180, 90.000_000_4, 90.000_000_6,
      -180.000_000_4, 179.999_999_6, 0.000_000_4, -0.000_000_4, 0.000_000_5, -0.000_000_5,
      1e-300, 12.345_678_5, .greatestFiniteMagnitude, 57.639_4, 18.294_8, -89.999_999_5,
    ]
    if high < 0x10 { return special[Int(low) % special.count] }
    return Double(Int16(bitPattern: UInt16(high) << 8 | UInt16(low))) / 97
  }

  // MARK: - What the writers promise to keep

  /// A scalar every writer drops: C0 controls other than tab and the newlines, DEL, C1.
  static func isDropped(_ value: UInt32) -> Bool {
    (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || (0x7F...0x9F) ~= value
  }

  /// `text` as a TEXT or parameter value reads back: controls dropped, each newline (LF, CR,
  /// CRLF) one LF. With `keepNewlines` false (URIs), newlines are dropped too.
  static func kept(_ text: String, keepNewlines: Bool = true, xml: Bool = false) -> String {
    var out = String.UnicodeScalarView()
    var afterCR = false
    for scalar in text.unicodeScalars {
      let value = scalar.value
      let wasCR = afterCR
      afterCR = false
      if value == 0x0A || value == 0x0D {
        afterCR = value == 0x0D
        if keepNewlines && !(value == 0x0A && wasCR) { out.append("\n") }
      } else if !isDropped(value) && !(xml && (value == 0xFFFE || value == 0xFFFF)) {
        out.append(scalar)
      }
    }
    return String(out)
  }

  /// Exactly the same scalars: `==` on String would take `é` and `e` + U+0301 as equal.
  static func same(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }

  /// Text for a message: escaped, and cut when long.
  static func shown(_ text: String) -> String {
    let scalars = Array(text.unicodeScalars)
    let escaped = scalars.prefix(400).map { $0.escaped(asASCII: true) }.joined()
    return "\"" + escaped + (scalars.count > 400 ? "…(\(scalars.count) scalars)" : "") + "\""
  }

  static func expect(_ found: String, _ expected: String, _ what: @autoclosure () -> String)
    throws(Failure)
  {
    guard same(found, expected) else {
      throw Failure("\(what()): expected \(shown(expected)), found \(shown(found))")
    }
  }

  static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(Failure) {
    if !condition { throw Failure(message()) }
  }

  static let zone = TimeZone(identifier: "Europe/Stockholm")!

  static func wholeSeconds(_ date: Date) -> Int { Int(date.timeIntervalSince1970.rounded(.down)) }
}

// MARK: - iCalendar

extension FeedFuzzHarness {
  package static func verifyICalendar(_ output: [UInt8], of feed: Case) throws(Failure) {
    let lines = try ICalReader.contentLines(output)
    try require(
      lines.first.map { $0.name == "BEGIN" && $0.value == "VCALENDAR" } == true,
      "does not start with BEGIN:VCALENDAR")
    var stack: [String] = []
    var calendar: [ICalReader.Line] = []
    var events: [[ICalReader.Line]] = []
    var timeZones: [[ICalReader.Line]] = []
    for (number, line) in lines.enumerated() {
      try require(
        !stack.isEmpty || number == 0, "line \(number + 1) after END:VCALENDAR: \(line.name)")
      if line.name == "BEGIN" || line.name == "END" {
        try require(line.parameters.isEmpty, "\(line.name) with parameters")
      }
      if line.name == "BEGIN" {
        let allowed: [String]
        switch stack {
        case []: allowed = ["VCALENDAR"]
        case ["VCALENDAR"]: allowed = ["VEVENT", "VTIMEZONE"]
        case ["VCALENDAR", "VTIMEZONE"]: allowed = ["STANDARD", "DAYLIGHT"]
        default: allowed = []
        }
        try require(
          allowed.contains(line.value),
          "BEGIN:\(shown(line.value)) inside \(stack.joined(separator: "/"))")
        if line.value == "VEVENT" { events.append([]) }
        if line.value == "VTIMEZONE" { timeZones.append([]) }
        stack.append(line.value)
      } else if line.name == "END" {
        try require(
          stack.last == line.value,
          "END:\(shown(line.value)) closes \(stack.last ?? "nothing")")
        stack.removeLast()
      } else if stack == ["VCALENDAR"] {
        calendar.append(line)
      } else if stack == ["VCALENDAR", "VEVENT"] {
        events[events.count - 1].append(line)
      } else if stack == ["VCALENDAR", "VTIMEZONE"] {
        timeZones[timeZones.count - 1].append(line)
      }
    }
    try require(stack.isEmpty, "\(stack.joined(separator: "/")) not closed")
    try require(timeZones.count == 1, "\(timeZones.count) VTIMEZONEs")
    try expect(
      try ICalReader.Properties(timeZones[0], "VTIMEZONE").one("TZID").value,
      "Europe/Stockholm", "VTIMEZONE TZID")
    try require(
      events.count == feed.events.count,
      "\(events.count) VEVENTs for \(feed.events.count) events")
    try verifyCalendarProperties(ICalReader.Properties(calendar, "VCALENDAR"), feed.info)
    for (index, (lines, feedEvent)) in zip(events, feed.events).enumerated() {
      try verifyEvent(ICalReader.Properties(lines, "VEVENT \(index)"), feedEvent)
    }
  }

  static func verifyCalendarProperties(_ properties: ICalReader.Properties, _ info: FeedInfo)
    throws(Failure)
  {
    var names = [
      "VERSION", "PRODID", "CALSCALE", "NAME", "X-WR-CALNAME", "X-WR-TIMEZONE",
      "REFRESH-INTERVAL", "X-PUBLISHED-TTL", "SOURCE", "URL",
    ]
    if !info.description.isEmpty { names += ["DESCRIPTION", "X-WR-CALDESC"] }
    try properties.exactly(names)
    for name in ["NAME", "X-WR-CALNAME"] {
      try expect(try properties.text(name), kept(info.name), "calendar \(name)")
    }
    if !info.description.isEmpty {
      for name in ["DESCRIPTION", "X-WR-CALDESC"] {
        try expect(try properties.text(name), kept(info.description), "calendar \(name)")
      }
    }
    try expect(
      try properties.uri("SOURCE", parameters: [("VALUE", "URI")]),
      kept(info.selfURL, keepNewlines: false), "calendar SOURCE")
    try expect(
      try properties.uri("URL"), kept(info.pageURL, keepNewlines: false), "calendar URL")
  }

  static func verifyEvent(_ properties: ICalReader.Properties, _ feedEvent: FeedEvent)
    throws(Failure)
  {
    let event = feedEvent.event
    let details = event.details
    let context = properties.context
    var names = [
      "UID", "DTSTAMP", "CREATED", "LAST-MODIFIED", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY",
      "STATUS", "TRANSP", "CLASS", "URL", "ORGANIZER", "DESCRIPTION",
    ]
    if let venue = feedEvent.venue {
      names.append("LOCATION")
      if let point = venue.coordinate, point.latitude.isFinite, point.longitude.isFinite,
        abs(point.latitude) <= 90, abs(point.longitude) <= 180
      {
        names.append("GEO")
        let geo = try properties.one("GEO").value
        let parts = geo.split(separator: ";", omittingEmptySubsequences: false)
        try require(parts.count == 2, "\(context) GEO \(shown(geo))")
        try checkFloat(String(parts[0]), point.latitude, "\(context) GEO latitude")
        try checkFloat(String(parts[1]), point.longitude, "\(context) GEO longitude")
      }
    }
    if details.topics.contains(where: { !$0.isEmpty }) { names.append("CATEGORIES") }
    if let livestream = details.livestreamURL, !livestream.isEmpty { names.append("CONFERENCE") }
    try properties.exactly(names)

    try expect(
      try properties.one("UID").value, event.id.uuidString.lowercased() + "@almedalen",
      "\(context) UID")
    try checkUTC(try properties.one("DTSTAMP"), feedEvent.revisedAt, "\(context) DTSTAMP")
    try checkUTC(
      try properties.one("LAST-MODIFIED"), feedEvent.revisedAt, "\(context) LAST-MODIFIED")
    try checkUTC(try properties.one("CREATED"), event.createdAt, "\(context) CREATED")
    try expect(
      try properties.one("SEQUENCE").value, String(max(0, feedEvent.sequence)),
      "\(context) SEQUENCE")
    try checkLocal(try properties.one("DTSTART"), details.startsAt, "\(context) DTSTART")
    try checkLocal(try properties.one("DTEND"), details.endsAt, "\(context) DTEND")

    let cancelled = event.status == .cancelled
    try expect(
      try properties.text("SUMMARY"), (cancelled ? "INSTÄLLT: " : "") + kept(details.title),
      "\(context) SUMMARY")
    let status =
      cancelled ? "CANCELLED" : feedEvent.registration == .waitlisted ? "TENTATIVE" : "CONFIRMED"
    try expect(try properties.one("STATUS").value, status, "\(context) STATUS")
    try expect(
      try properties.one("TRANSP").value, cancelled ? "TRANSPARENT" : "OPAQUE",
      "\(context) TRANSP")
    try expect(try properties.one("CLASS").value, "PUBLIC", "\(context) CLASS")

    if let venue = feedEvent.venue {
      var location = kept(venue.name)
      if let address = venue.address, !address.isEmpty, address != venue.name {
        location += ", " + kept(address)
      }
      try expect(try properties.text("LOCATION"), location, "\(context) LOCATION")
    }
    try expect(
      try properties.uri("URL"), kept(feedEvent.pageURL, keepNewlines: false),
      "\(context) URL")

    let organizer = try properties.one("ORGANIZER")
    try expect(
      organizer.value, "urn:uuid:" + details.organiserID.uuidString.lowercased(),
      "\(context) ORGANIZER")
    if feedEvent.organiser.isEmpty {
      try require(organizer.parameters.isEmpty, "\(context) ORGANIZER with parameters")
    } else {
      try require(
        organizer.parameters.count == 1 && organizer.parameters[0].name == "CN"
          && organizer.parameters[0].values.count == 1,
        "\(context) ORGANIZER parameters \(organizer.parameters.map(\.name))")
      try expect(
        organizer.parameters[0].values[0], kept(feedEvent.organiser), "\(context) ORGANIZER CN")
    }

    if names.contains("CATEGORIES") {
      let topics = try properties.texts("CATEGORIES")
      let expected = details.topics.filter { !$0.isEmpty }.map { kept($0) }
      try require(
        topics.count == expected.count,
        "\(context) CATEGORIES: \(topics.count) values for \(expected.count) topics")
      for (found, topic) in zip(topics, expected) {
        try expect(found, topic, "\(context) CATEGORIES")
      }
    }
    if names.contains("CONFERENCE") {
      try expect(
        try properties.uri("CONFERENCE", parameters: [("VALUE", "URI"), ("FEATURE", "VIDEO")]),
        kept(details.livestreamURL ?? "", keepNewlines: false), "\(context) CONFERENCE")
    }
    try expect(
      try properties.text("DESCRIPTION"), iCalendarDescription(feedEvent),
      "\(context) DESCRIPTION")
  }

  /// The DESCRIPTION `ICalendarWriter` documents, as it reads back: the page link, who
  /// arranges, moderators, each panel's title and panelists, panelists in no panel, speakers,
  /// livestream, accessibility, food, each part on its own line; then the description after
  /// a blank line.
  static func iCalendarDescription(_ feedEvent: FeedEvent) -> String {
    let details = feedEvent.event.details
    var lines: [String] = []
    func person(_ participation: Participation) -> String {
      let name = participation.personName ?? ""
      let title = participation.title ?? ""
      let organisation = participation.organisation ?? ""
      var text = name.isEmpty ? "okänd" : kept(name)
      if !title.isEmpty || !organisation.isEmpty {
        text += " (" + kept(title) + (!title.isEmpty && !organisation.isEmpty ? ", " : "")
        text += kept(organisation) + ")"
      }
      return text
    }
    func people(_ label: String, _ include: (Participation) -> Bool) {
      let named = details.participants.filter(include).map(person)
      if !named.isEmpty { lines.append(label + named.joined(separator: ", ")) }
    }
    if !feedEvent.pageURL.isEmpty { lines.append(kept(feedEvent.pageURL)) }
    if !feedEvent.organiser.isEmpty { lines.append("Arrangör: " + kept(feedEvent.organiser)) }
    let coOrganisers = feedEvent.coOrganisers.filter { !$0.isEmpty }
    if !coOrganisers.isEmpty {
      lines.append("Medarrangörer: " + coOrganisers.map { kept($0) }.joined(separator: ", "))
    }
    for participation in details.participants where participation.role == .moderator {
      lines.append("Moderator: " + person(participation))
    }
    for (index, panel) in details.panels.enumerated() {
      if let title = panel.title, !title.isEmpty { lines.append(kept(title)) }
      people("Panel: ") { $0.role == .panelist && $0.panel == index }
    }
    people("Panel: ") {
      $0.role == .panelist && !($0.panel.map(details.panels.indices.contains) ?? false)
    }
    people("Talare: ") { $0.role == .speaker }
    if let livestream = details.livestreamURL, !livestream.isEmpty {
      lines.append("Direktsänds: " + kept(livestream))
    }
    let features: [Accessibility: String] = [
      .wheelchair: "rullstolsanpassat", .hearingLoop: "hörslinga",
      .signLanguage: "teckenspråkstolkning", .captions: "textning",
      .audioDescription: "syntolkning",
    ]
    if !details.accessibility.isEmpty {
      lines.append(
        "Tillgänglighet: "
          + details.accessibility.map { features[$0] ?? "" }.joined(separator: ", "))
    }
    if details.foodServed { lines.append("Servering") }
    var text = lines.joined(separator: "\n")
    if !details.description.isEmpty {
      text += (lines.isEmpty ? "" : "\n\n") + kept(details.description)
    }
    return text
  }

  /// `20260705T120000Z`, read back to the second.
  static func checkUTC(_ line: ICalReader.Line, _ date: Date, _ what: String) throws(Failure) {
    try require(line.parameters.isEmpty, "\(what) with parameters")
    try require(line.value.hasSuffix("Z"), "\(what) \(shown(line.value)) not in UTC")
    let seconds = try dateTime(String(line.value.dropLast()), what)
    try require(
      seconds == wholeSeconds(date), "\(what) \(line.value) is not \(date.timeIntervalSince1970)")
  }

  /// `DTSTART;TZID=Europe/Stockholm:20260705T140000`, whose first occurrence (RFC 5545
  /// §3.3.5) must be the instant; in UTC only when it is the second.
  static func checkLocal(_ line: ICalReader.Line, _ date: Date, _ what: String) throws(Failure) {
    let seconds = wholeSeconds(date)
    let local = seconds + zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))
    // The instants whose clock in Visby reads `local`, earliest first.
    func instants(_ local: Int) -> [Int] {
      let offsets = [-86_400, 86_400].map {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local + $0)))
      }
      return Set(offsets).map { local - $0 }.filter {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double($0))) == local - $0
      }.sorted()
    }
    if line.parameters.isEmpty {
      try checkUTC(line, date, what)
      try require(
        instants(local).first != seconds,
        "\(what) \(line.value) in UTC though its clock time is not ambiguous")
    } else {
      try require(
        line.parameters.count == 1 && line.parameters[0].name == "TZID"
          && line.parameters[0].values == ["Europe/Stockholm"],
        "\(what) parameters \(line.parameters.map(\.name))")
      let written = try dateTime(line.value, what)
      try require(
        instants(written).first == seconds,
        "\(what) \(line.value) (Visby) is not the instant \(seconds)")
    }
  }

  /// `YYYYMMDDTHHMMSS` as seconds since 1970 on a clock with no offset.
  static func dateTime(_ text: String, _ what: String) throws(Failure) -> Int {
    let bytes = Array(text.utf8)
    try require(
      bytes.count == 15 && bytes[8] == UInt8(ascii: "T")
        && bytes.enumerated().allSatisfy { $0.offset == 8 || (0x30...0x39) ~= $0.element },
      "\(what) \(shown(text)) is not a DATE-TIME")
    func number(_ range: Range<Int>) -> Int { bytes[range].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
    let (month, day) = (number(4..<6), number(6..<8))
    let (hour, minute, second) = (number(9..<11), number(11..<13), number(13..<15))
    try require(
      (1...12).contains(month) && (1...31).contains(day) && hour < 24 && minute < 60
        && second < 60, "\(what) \(text) out of range")
    return daysFromCivil(number(0..<4), month, day) * 86_400 + hour * 3600 + minute * 60 + second
  }

  /// A FLOAT with at most six decimals, no trailing zero, within rounding of `value`.
  static func checkFloat(_ text: String, _ value: Double, _ what: String) throws(Failure) {
    let bytes = Array(text.utf8)
    let digits = bytes.drop { $0 == UInt8(ascii: "-") && bytes.first == $0 }
    let parts = digits.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    try require(
      bytes.count - digits.count <= 1 && (1...2).contains(parts.count)
        && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { (0x30...0x39) ~= $0 } }
        && (parts.count == 1 || (parts[1].count <= 6 && parts[1].last != 0x30)),
      "\(what) \(shown(text)) is not a FLOAT with at most six decimals")
    let parsed = Double(text) ?? .nan
    try require(
      abs(parsed - value) <= 0.000_000_500_1, "\(what) \(text) is not \(value) rounded")
  }
}

extension FeedFuzzHarness {
  /// Physical lines to properties, strictly: what RFC 5545 allows and `ContentLineWriter`
  /// promises, nothing a lenient client would let through.
  enum ICalReader {
    struct Line {
      var name: String
      /// Values RFC 6868-decoded.
      var parameters: [(name: String, values: [String])]
      /// As written: TEXT is still escaped.
      var value: String
    }

    static func fail(_ message: String) -> Failure { Failure(message) }

    static func contentLines(_ bytes: [UInt8]) throws(Failure) -> [Line] {
      guard String(validating: bytes, as: UTF8.self) != nil else { throw fail("not UTF-8") }
      var physical: [ArraySlice<UInt8>] = []
      var start = 0
      var index = 0
      while index < bytes.count {
        switch bytes[index] {
        case 0x0D:
          guard index + 1 < bytes.count, bytes[index + 1] == 0x0A else {
            throw fail("bare CR at byte \(index)")
          }
          physical.append(bytes[start..<index])
          index += 2
          start = index
        case 0x0A:
          throw fail("bare LF at byte \(index)")
        default:
          index += 1
        }
      }
      guard start == bytes.count else { throw fail("the last line does not end in CRLF") }

      var logical: [[UInt8]] = []
      for (number, line) in physical.enumerated() {
        let text = String(decoding: line, as: UTF8.self)
        guard line.count <= ContentLineWriter.maximumLineOctets else {
          throw fail("line \(number + 1) has \(line.count) octets: \(FeedFuzzHarness.shown(text))")
        }
        guard String(validating: line, as: UTF8.self) != nil else {
          throw fail("line \(number + 1) is not UTF-8 on its own: a fold split a character")
        }
        if let control = text.unicodeScalars.first(where: {
          FeedFuzzHarness.isDropped($0.value) || $0.value == 0x0A || $0.value == 0x0D
        }) {
          throw fail("line \(number + 1) holds control character U+\(hex(control.value))")
        }
        if line.first == 0x20 || line.first == 0x09 {
          guard !logical.isEmpty else { throw fail("the first line is a continuation") }
          guard line.count > 1 else { throw fail("line \(number + 1) is an empty continuation") }
          logical[logical.count - 1] += line.dropFirst()
        } else {
          guard !line.isEmpty else { throw fail("line \(number + 1) is empty") }
          logical.append(Array(line))
        }
      }
      return try logical.map { (line) throws(Failure) in try parse(line) }
    }

    static func hex(_ value: UInt32) -> String {
      let digits = String(value, radix: 16, uppercase: true)
      return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
      ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
    }

    /// `NAME;PARAM=value,"quoted":value`.
    static func parse(_ bytes: [UInt8]) throws(Failure) -> Line {
      let text = String(decoding: bytes, as: UTF8.self)
      let scalars = Array(text.unicodeScalars)
      var index = 0
      func name() throws(Failure) -> String {
        let start = index
        while index < scalars.count, isNameScalar(scalars[index]) { index += 1 }
        guard index > start else {
          throw fail("no name at \(index) in \(FeedFuzzHarness.shown(text))")
        }
        return String(String.UnicodeScalarView(scalars[start..<index]))
      }
      let propertyName = try name()
      var parameters: [(name: String, values: [String])] = []
      while index < scalars.count, scalars[index] == ";" {
        index += 1
        let parameterName = try name()
        guard index < scalars.count, scalars[index] == "=" else {
          throw fail("parameter \(parameterName) without = in \(FeedFuzzHarness.shown(text))")
        }
        var values: [String] = []
        repeat {
          index += 1
          var raw = String.UnicodeScalarView()
          if index < scalars.count, scalars[index] == "\"" {
            index += 1
            while index < scalars.count, scalars[index] != "\"" {
              raw.append(scalars[index])
              index += 1
            }
            guard index < scalars.count else {
              throw fail("unclosed quote in \(FeedFuzzHarness.shown(text))")
            }
            index += 1
          } else {
            while index < scalars.count, !";:,\"".unicodeScalars.contains(scalars[index]) {
              raw.append(scalars[index])
              index += 1
            }
          }
          values.append(try parameterValue(String(raw), in: text))
        } while index < scalars.count && scalars[index] == ","
        parameters.append((parameterName, values))
      }
      guard index < scalars.count, scalars[index] == ":" else {
        throw fail("no : after the name and parameters in \(FeedFuzzHarness.shown(text))")
      }
      return Line(
        name: propertyName, parameters: parameters,
        value: String(String.UnicodeScalarView(scalars[(index + 1)...])))
    }

    /// RFC 6868: `^^`, `^'`, `^n`; a lone `^` is an error, since the writer escapes every one.
    static func parameterValue(_ raw: String, in line: String) throws(Failure) -> String {
      var out = String.UnicodeScalarView()
      var iterator = raw.unicodeScalars.makeIterator()
      while let scalar = iterator.next() {
        guard scalar == "^" else {
          out.append(scalar)
          continue
        }
        switch iterator.next() {
        case "^": out.append("^")
        case "'": out.append("\"")
        case "n", "N": out.append("\n")
        default: throw fail("unescaped ^ in a parameter of \(FeedFuzzHarness.shown(line))")
        }
      }
      return String(out)
    }

    /// A TEXT value unescaped (RFC 5545 §3.3.11); with `list`, split at unescaped commas.
    static func text(_ raw: String, list: Bool, _ what: String) throws(Failure) -> [String] {
      var items: [String.UnicodeScalarView] = [.init()]
      var iterator = raw.unicodeScalars.makeIterator()
      while let scalar = iterator.next() {
        switch scalar {
        case "\\":
          switch iterator.next() {
          case "\\": items[items.count - 1].append("\\")
          case ";": items[items.count - 1].append(";")
          case ",": items[items.count - 1].append(",")
          case "n", "N": items[items.count - 1].append("\n")
          case let other:
            throw fail(
              "\(what): backslash before \(other.map { "U+" + hex($0.value) } ?? "the end")")
          }
        case ";":
          throw fail("\(what): unescaped ; in \(FeedFuzzHarness.shown(raw))")
        case ",":
          guard list else { throw fail("\(what): unescaped , in \(FeedFuzzHarness.shown(raw))") }
          items.append(.init())
        default:
          items[items.count - 1].append(scalar)
        }
      }
      return items.map(String.init)
    }

    /// One component's properties by name.
    struct Properties {
      var lines: [Line]
      var context: String

      init(_ lines: [Line], _ context: String) {
        self.lines = lines
        self.context = context
      }

      /// Each name exactly once, and no others.
      func exactly(_ names: [String]) throws(Failure) {
        let found = lines.map(\.name)
        guard found.sorted() == names.sorted() else {
          throw fail("\(context) has properties \(found), expected \(names)")
        }
      }

      func one(_ name: String) throws(Failure) -> Line {
        let matching = lines.filter { $0.name == name }
        guard matching.count == 1 else { throw fail("\(context) has \(matching.count) \(name)") }
        return matching[0]
      }

      func text(_ name: String) throws(Failure) -> String {
        let line = try one(name)
        guard line.parameters.isEmpty else { throw fail("\(context) \(name) with parameters") }
        return try ICalReader.text(line.value, list: false, "\(context) \(name)")[0]
      }

      func texts(_ name: String) throws(Failure) -> [String] {
        let line = try one(name)
        guard line.parameters.isEmpty else { throw fail("\(context) \(name) with parameters") }
        return try ICalReader.text(line.value, list: true, "\(context) \(name)")
      }

      func uri(_ name: String, parameters: [(String, String)] = []) throws(Failure) -> String {
        let line = try one(name)
        guard
          line.parameters.map({ "\($0.name)=\($0.values)" })
            == parameters.map({ "\($0.0)=\([$0.1])" })
        else { throw fail("\(context) \(name) parameters \(line.parameters.map(\.name))") }
        return line.value
      }
    }
  }
}

// MARK: - RSS

extension FeedFuzzHarness {
  package static func verifyRSS(_ output: [UInt8], of feed: Case) throws(Failure) {
    try require(!output.contains(0x0D), "CR in the feed: parsers would read it as LF")
    let rss = try XMLReader.document(output)
    try require(rss.name == "rss", "root element \(rss.name)")
    try require(
      rss.attributes.map { "\($0.name)=\($0.value)" }
        == ["version=2.0", "xmlns:atom=http://www.w3.org/2005/Atom"],
      "rss attributes \(rss.attributes)")
    let channels = try rss.elements()
    try require(channels.map(\.name) == ["channel"], "rss holds \(channels.map(\.name))")
    let children = try channels[0].elements()

    var names = ["title", "link", "description", "language", "atom:link"]
    if !feed.changes.isEmpty { names.append("lastBuildDate") }
    names += ["ttl", "generator"] + feed.changes.map { _ in "item" }
    try require(
      children.map(\.name) == names,
      "channel holds \(children.map(\.name)), expected \(names)")
    try expect(try children[0].text(), kept(feed.info.name, xml: true), "channel title")
    try expect(try children[1].text(), kept(feed.info.pageURL, xml: true), "channel link")
    try expect(
      try children[2].text(), kept(feed.info.description, xml: true), "channel description")
    try expect(try children[3].text(), "sv", "channel language")
    try require(children[4].children.isEmpty, "atom:link is not empty")
    try require(
      children[4].attributes.map(\.name) == ["href", "rel", "type"],
      "atom:link attributes \(children[4].attributes.map(\.name))")
    try expect(
      children[4].attributes[0].value, kept(feed.info.selfURL, xml: true), "atom:link href")
    try expect(
      children[4].attributes[1].value + " " + children[4].attributes[2].value,
      "self application/rss+xml", "atom:link rel and type")
    var next = 5
    if let newest = feed.changes.map(\.changedAt).max() {
      try checkRFC822(try children[next].text(), newest, "lastBuildDate")
      next += 1
    }
    try expect(try children[next].text(), "15", "ttl")
    try expect(try children[next + 1].text(), "Almedalen", "generator")
    for (index, (item, change)) in zip(children[(next + 2)...], feed.changes).enumerated() {
      try verifyItem(item, change, "item \(index)")
    }
  }

  static func verifyItem(_ item: XMLReader.Element, _ change: FeedChange, _ context: String)
    throws(Failure)
  {
    let event = change.event.event
    let children = try item.elements()
    let names =
      ["title", "link", "guid", "pubDate", "category"] + event.topics.map { _ in "category" }
      + ["description"]
    try require(
      children.map(\.name) == names,
      "\(context) holds \(children.map(\.name)), expected \(names)")
    try expect(try children[0].text(), kept(rssTitle(change), xml: true), "\(context) title")
    try expect(try children[1].text(), kept(change.event.pageURL, xml: true), "\(context) link")
    try require(
      children[2].attributes.map { "\($0.name)=\($0.value)" } == ["isPermaLink=false"],
      "\(context) guid attributes")
    try expect(try children[2].text(), "almedalen-change-\(change.id)", "\(context) guid")
    try checkRFC822(try children[3].text(), change.changedAt, "\(context) pubDate")
    try require(
      children[4].attributes.map { "\($0.name)=\($0.value)" }
        == ["domain=https://almedalen.se/change"], "\(context) category domain")
    let kinds: [FeedChange.Kind: String] = [
      .published: "nytt", .moved: "flyttat", .changed: "ändrat", .cancelled: "inställt",
    ]
    try expect(try children[4].text(), kinds[change.kind] ?? "", "\(context) change category")
    for (offset, topic) in event.topics.enumerated() {
      let category = children[5 + offset]
      try require(category.attributes.isEmpty, "\(context) topic category with attributes")
      try expect(try category.text(), kept(topic, xml: true), "\(context) category \(offset)")
    }
    try expect(
      try children[children.count - 1].text(), kept(try rssDescription(change), xml: true),
      "\(context) description")
  }

  /// The item title `RSSWriter` documents: what happened, then the event's title.
  static func rssTitle(_ change: FeedChange) -> String {
    let title = change.event.event.title
    switch change.kind {
    case .published: return "Nytt: " + title
    case .changed: return "Ändrat: " + title
    case .cancelled: return "Inställt: " + title
    case .moved:
      var target = ""
      if let start = change.newStart { target += " till " + LocalTime(start).clock }
      if let venue = change.newVenue {
        target +=
          venue.isEmpty ? ", plats meddelas senare" : (target.isEmpty ? " till " : ", ") + venue
      }
      return "Flyttad" + target + ": " + title
    }
  }

  /// The item description `RSSWriter` documents: when and where, who arranges, what changed,
  /// then the start of the event's description (checked by `checkExcerpt`).
  static func rssDescription(_ change: FeedChange) throws(Failure) -> String {
    let feedEvent = change.event
    let event = feedEvent.event
    var text = RSSWriter.when(start: event.startsAt, end: event.endsAt) + ", "
    if let venue = feedEvent.venue {
      text += venue.name
      if let address = venue.address, !address.isEmpty, address != venue.name {
        text += " (" + address + ")"
      }
    } else {
      text += "plats meddelas senare"
    }
    text +=
      feedEvent.coOrganisers.isEmpty
      ? "\nArrangör: " + feedEvent.organiser
      : "\nArrangörer: "
        + ([feedEvent.organiser] + feedEvent.coOrganisers).joined(separator: ", ")
    switch change.kind {
    case .published:
      break
    case .cancelled:
      text += "\nEvenemanget är inställt."
    case .moved, .changed:
      var fields: [String] = []
      if change.newStart != nil { fields.append("starttid") }
      if change.newVenue != nil { fields.append("plats") }
      for field in change.changedFields {
        let name = fieldNames[field] ?? underscoresAsSpaces(field)
        if !fields.contains(name) { fields.append(name) }
      }
      if !fields.isEmpty { text += "\nÄndrat: " + fields.joined(separator: ", ") }
    }
    let summary = RSSWriter.excerpt(event.description, limit: 500)
    try checkExcerpt(summary, of: event.description, limit: 500)
    if !summary.isEmpty { text += "\n\n" + summary }
    return text
  }

  static let fieldNames = [
    "title": "titel", "description": "beskrivning", "kind": "typ", "starts_at": "starttid",
    "ends_at": "sluttid", "venue_id": "plats", "venue": "plats", "organiser_id": "arrangör",
    "organiser": "arrangör", "co_organiser_ids": "medarrangörer",
    "co_organisers": "medarrangörer", "topics": "ämnen", "languages": "språk",
    "accessibility": "tillgänglighet", "food_served": "förtäring",
    "livestream_url": "livesändning", "capacity": "antal platser",
    "registration_open": "anmälan", "panels": "paneler", "participants": "medverkande",
    "status": "status",
  ]

  static func underscoresAsSpaces(_ text: String) -> String {
    String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "_" ? " " : $0 }))
  }

  /// The excerpt is the description without white space at either end when that has at most
  /// `limit` characters; else at most `limit` characters of it, cut between two characters,
  /// and `…`.
  static func checkExcerpt(_ excerpt: String, of text: String, limit: Int) throws(Failure) {
    let scalars = Array(text.unicodeScalars)
    let first = scalars.firstIndex { !$0.properties.isWhitespace } ?? scalars.endIndex
    let last = scalars.lastIndex { !$0.properties.isWhitespace } ?? (first - 1)
    let body = String(String.UnicodeScalarView(scalars[first..<(last + 1)]))
    if body.count <= limit {
      try expect(excerpt, body, "excerpt of a short description")
      return
    }
    var head = Array(excerpt.unicodeScalars)
    try require(head.last == "…", "excerpt of a long description without …")
    head.removeLast()
    let bodyScalars = Array(body.unicodeScalars)
    try require(
      bodyScalars.starts(with: head),
      "excerpt \(shown(excerpt)) is not the start of \(shown(body))")
    var boundaries: Set<Int> = [0]
    var offset = 0
    for character in body {
      offset += character.unicodeScalars.count
      boundaries.insert(offset)
    }
    try require(
      boundaries.contains(head.count),
      "excerpt cuts a character in two: \(shown(String(String.UnicodeScalarView(head))))")
    try require(
      String(String.UnicodeScalarView(head)).count <= limit, "excerpt over \(limit) characters")
  }

  /// `Tue, 03 Jul 2012 12:00:00 +0200`: the instant to the second, Visby's offset then, the
  /// right weekday.
  static func checkRFC822(_ text: String, _ date: Date, _ what: String) throws(Failure) {
    let parts = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
    let weekdays = ["Mon,", "Tue,", "Wed,", "Thu,", "Fri,", "Sat,", "Sun,"]
    let months = [
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    guard parts.count == 6, let weekday = weekdays.firstIndex(of: parts[0]),
      parts[1].utf8.count == 2, let day = Int(parts[1]),
      let month = months.firstIndex(of: parts[2]).map({ $0 + 1 }),
      parts[3].utf8.count == 4, let year = Int(parts[3])
    else { throw Failure("\(what) \(shown(text)) is not an RFC 822 date") }
    let clock = parts[4].split(separator: ":").compactMap { Int($0) }
    let zoneText = Array(parts[5].utf8)
    guard parts[4].utf8.count == 8, clock.count == 3, zoneText.count == 5,
      zoneText[0] == UInt8(ascii: "+") || zoneText[0] == UInt8(ascii: "-"),
      let hhmm = Int(parts[5].dropFirst())
    else { throw Failure("\(what) \(shown(text)) is not an RFC 822 time") }
    let offset = (hhmm / 100 * 3600 + hhmm % 100 * 60) * (zoneText[0] == UInt8(ascii: "-") ? -1 : 1)
    let days = daysFromCivil(year, month, day)
    let seconds = days * 86_400 + clock[0] * 3600 + clock[1] * 60 + clock[2] - offset
    try require(
      seconds == wholeSeconds(date), "\(what) \(text) is not \(date.timeIntervalSince1970)")
    try require(
      offset == zone.secondsFromGMT(for: date), "\(what) \(text) has the wrong offset")
    try require(((days + 3) % 7 + 7) % 7 == weekday, "\(what) \(text) has the wrong weekday")
  }
}

extension FeedFuzzHarness {
  /// XML 1.0 well-formedness for what `RSSWriter` emits, strictly: an XML declaration, elements
  /// with attributes, text, the five predefined entities and character references. Comments,
  /// CDATA sections, processing instructions and a DOCTYPE are errors, as the writer emits none.
  package enum XMLReader {
    package struct Element {
      package var name: String
      package var attributes: [(name: String, value: String)]
      package var children: [Node]

      /// The child elements; text between them must be white space.
      package func elements() throws(FeedFuzzHarness.Failure) -> [Element] {
        var found: [Element] = []
        for child in children {
          switch child {
          case .element(let element): found.append(element)
          case .text(let text):
            guard text.unicodeScalars.allSatisfy({ " \t\n".unicodeScalars.contains($0) }) else {
              throw FeedFuzzHarness.Failure(
                "text \(FeedFuzzHarness.shown(text)) between the elements of <\(name)>")
            }
          }
        }
        return found
      }

      /// The text of an element that holds no elements.
      package func text() throws(FeedFuzzHarness.Failure) -> String {
        var text = ""
        for child in children {
          switch child {
          case .text(let piece): text += piece
          case .element(let element):
            throw FeedFuzzHarness.Failure("<\(element.name)> inside <\(name)>")
          }
        }
        return text
      }
    }

    package enum Node {
      case text(String)
      case element(Element)
    }

    package static func document(_ bytes: [UInt8]) throws(FeedFuzzHarness.Failure) -> Element {
      guard let text = String(validating: bytes, as: UTF8.self) else {
        throw Failure("not UTF-8")
      }
      var parser = Parser(scalars: Array(text.unicodeScalars))
      if let bad = parser.scalars.firstIndex(where: { !isChar($0) }) {
        throw Failure(
          "U+\(ICalReader.hex(parser.scalars[bad].value)) at scalar \(bad) is not an XML Char")
      }
      try parser.declaration()
      parser.skipSpace()
      let root = try parser.element()
      parser.skipSpace()
      guard parser.index == parser.scalars.count else {
        throw parser.failure("content after the root element")
      }
      return root
    }

    /// XML 1.0 `Char`.
    static func isChar(_ scalar: Unicode.Scalar) -> Bool {
      switch scalar.value {
      case 0x09, 0x0A, 0x0D, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
      default: false
      }
    }

    static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
      switch scalar.value {
      case 0x3A, 0x41...0x5A, 0x5F, 0x61...0x7A, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF,
        0x370...0x37D, 0x37F...0x1FFF, 0x200C...0x200D, 0x2070...0x218F, 0x2C00...0x2FEF,
        0x3001...0xD7FF, 0xF900...0xFDCF, 0xFDF0...0xFFFD, 0x10000...0xEFFFF:
        true
      default: false
      }
    }

    static func isName(_ scalar: Unicode.Scalar) -> Bool {
      switch scalar.value {
      case 0x2D, 0x2E, 0x30...0x39, 0xB7, 0x300...0x36F, 0x203F...0x2040: true
      default: isNameStart(scalar)
      }
    }

    struct Parser {
      var scalars: [Unicode.Scalar]
      var index = 0

      func failure(_ message: String) -> Failure {
        let context = String(String.UnicodeScalarView(scalars[max(0, index - 40)..<index]))
        return Failure(
          "XML: \(message) at scalar \(index), after \(FeedFuzzHarness.shown(context))")
      }

      func starts(_ literal: String) -> Bool {
        scalars[index...].starts(with: literal.unicodeScalars)
      }

      mutating func expect(_ literal: String) throws(Failure) {
        guard starts(literal) else { throw failure("expected \(literal)") }
        index += literal.unicodeScalars.count
      }

      @discardableResult
      mutating func skipSpace() -> Bool {
        let start = index
        while index < scalars.count, " \t\n\r".unicodeScalars.contains(scalars[index]) {
          index += 1
        }
        return index > start
      }

      mutating func name() throws(Failure) -> String {
        guard index < scalars.count, isNameStart(scalars[index]) else {
          throw failure("expected a name")
        }
        let start = index
        while index < scalars.count, isName(scalars[index]) { index += 1 }
        return String(String.UnicodeScalarView(scalars[start..<index]))
      }

      /// `<?xml version="1.0" encoding="utf-8"?>`, where only version is required.
      mutating func declaration() throws(Failure) {
        try expect("<?xml")
        var seen: [String] = []
        while skipSpace(), !starts("?>") {
          let name = try name()
          skipSpace()
          try expect("=")
          skipSpace()
          let value = try attributeValue()
          let allowed = ["version", "encoding", "standalone"].drop { seen.contains($0) }
          guard allowed.first == name || (name != "version" && allowed.contains(name)) else {
            throw failure("\(name) out of place in the XML declaration")
          }
          switch name {
          case "version": guard value == "1.0" else { throw failure("version \(value)") }
          case "encoding":
            guard value.lowercased() == "utf-8" else { throw failure("encoding \(value)") }
          default: guard value == "yes" || value == "no" else { throw failure("standalone") }
          }
          seen.append(name)
        }
        guard seen.first == "version" else { throw failure("XML declaration without version") }
        try expect("?>")
      }

      mutating func element() throws(Failure) -> Element {
        try expect("<")
        var element = Element(name: try name(), attributes: [], children: [])
        while true {
          let spaced = skipSpace()
          if starts("/>") {
            index += 2
            return element
          }
          if starts(">") {
            index += 1
            break
          }
          guard spaced else { throw failure("expected white space before an attribute") }
          let attribute = try name()
          skipSpace()
          try expect("=")
          skipSpace()
          let value = try attributeValue()
          guard !element.attributes.contains(where: { $0.name == attribute }) else {
            throw failure("attribute \(attribute) twice")
          }
          element.attributes.append((attribute, value))
        }
        var text = String.UnicodeScalarView()
        while true {
          guard index < scalars.count else { throw failure("<\(element.name)> not closed") }
          let scalar = scalars[index]
          if scalar == "<" {
            if !text.isEmpty {
              element.children.append(.text(String(text)))
              text = .init()
            }
            if starts("</") {
              index += 2
              let end = try name()
              skipSpace()
              try expect(">")
              guard end == element.name else { throw failure("</\(end)> closes <\(element.name)>") }
              return element
            }
            if starts("<!") || starts("<?") {
              throw failure("comment, CDATA, DOCTYPE or processing instruction")
            }
            element.children.append(.element(try self.element()))
          } else if scalar == "&" {
            text.append(try reference())
          } else {
            if starts("]]>") { throw failure("]]> in text") }
            text.append(scalar)
            index += 1
          }
        }
      }

      /// After `&`: one of the five predefined entities or a character reference to a `Char`.
      mutating func reference() throws(Failure) -> Unicode.Scalar {
        try expect("&")
        let start = index
        while index < scalars.count, scalars[index] != ";", index - start < 12 { index += 1 }
        guard index < scalars.count, scalars[index] == ";" else {
          throw failure("& without ;")
        }
        let name = String(String.UnicodeScalarView(scalars[start..<index]))
        index += 1
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default: break
        }
        var number: UInt32?
        if name.hasPrefix("#x") {
          number = UInt32(name.dropFirst(2), radix: 16)
        } else if name.hasPrefix("#") {
          number = UInt32(name.dropFirst(), radix: 10)
        }
        guard let number, !name.contains("+"), !name.contains("-"),
          let scalar = Unicode.Scalar(number), isChar(scalar)
        else { throw failure("reference &\(name);") }
        return scalar
      }

      /// A quoted attribute value, normalised as XML 1.0 §3.3.3 says for CDATA attributes:
      /// white space written as such becomes a space, character references stay what they are.
      mutating func attributeValue() throws(Failure) -> String {
        guard index < scalars.count, scalars[index] == "\"" || scalars[index] == "'" else {
          throw failure("expected a quoted value")
        }
        let quote = scalars[index]
        index += 1
        var value = String.UnicodeScalarView()
        while true {
          guard index < scalars.count else { throw failure("attribute value not closed") }
          let scalar = scalars[index]
          switch scalar {
          case quote:
            index += 1
            return String(value)
          case "<": throw failure("< in an attribute value")
          case "&": value.append(try reference())
          case "\t", "\n", "\r":
            value.append(" ")
            index += 1
          default:
            value.append(scalar)
            index += 1
          }
        }
      }
    }
  }
}
