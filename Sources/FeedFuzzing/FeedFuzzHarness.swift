import AlmedalenCore
package import AlmedalenFeeds
import CivilDates
import Foundation

/// Round trips through the iCalendar and RSS writers, for the fuzzers in `Fuzz/ICalendarWriter/`
/// and `Fuzz/RSSWriter/` and the regression tests over `Tests/AlmedalenFeedsTests/FuzzCorpus/`.
///
/// `decode` turns any bytes into a feed: a `FeedInfo` and up to three `FeedChange`s, each with
/// its `FeedEvent`, arbitrary Unicode in every text field. The writers render it, and strict
/// readers read the output back (`ICalReader`: CRLF, 75-octet lines each valid UTF-8, no
/// control characters, unfolding, names, RFC 6868 parameters, TEXT unescaping;
/// `XMLReader`: XML 1.0 well-formedness). Then every field a writer copies is compared with
/// what went in, bar what the escaping documents it drops (`kept`); values the writers
/// compose from several fields (DESCRIPTION, an item's title and description) must hold
/// each of those fields whole, the event's own description last, without the harness
/// restating their layout, which the writers' unit tests pin. Times are read back into
/// instants independently of the writers (`TimeZone`, not `LocalTime`).
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

  /// Days since 1970-01-01 of a civil date.
  static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
    CivilDate(year: year, month: month, day: day).daysSinceEpoch
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

  /// Each of `pieces` appears whole in `text`, and `last`, when not empty, ends it: for the
  /// values a writer composes from several fields in a layout of its own.
  static func expectHolds(
    _ text: String, _ pieces: [String], last: String = "", _ what: String
  ) throws(Failure) {
    let bytes = Array(text.utf8)
    for piece in pieces + [last] where !piece.isEmpty {
      let needle = Array(piece.utf8)
      let found = bytes.indices.contains { bytes[$0...].starts(with: needle) }
      try require(found, "\(what) \(shown(text)) does not hold \(shown(piece))")
    }
    try require(
      bytes.reversed().starts(with: last.utf8.reversed()),
      "\(what) \(shown(text)) does not end with \(shown(last))")
  }
}
