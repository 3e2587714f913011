import AlmedalenCore
import AlmedalenFeeds
import CivilDates
import Foundation

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
    let newVenue = change.kind == .moved ? change.newVenue ?? "" : ""
    try expectHolds(
      try children[0].text(), [kept(newVenue, xml: true)], last: kept(event.title, xml: true),
      "\(context) title")
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
    let feedEvent = change.event
    let summary = RSSWriter.excerpt(event.description, limit: 500)
    try checkExcerpt(summary, of: event.description, limit: 500)
    // Field names as the writer's vocabulary gives them; it promises no `_` in any.
    let fields = change.kind == .moved || change.kind == .changed ? change.changedFields : []
    let fieldNames = fields.map(RSSWriter.swedishFieldName)
    for name in fieldNames {
      try require(!name.unicodeScalars.contains("_"), "field name \(shown(name)) holds _")
    }
    let pieces =
      // The address only where it says more than the name.
      [
        feedEvent.venue?.name ?? "",
        feedEvent.venue.flatMap { $0.address == $0.name ? nil : $0.address } ?? "",
        feedEvent.organiser,
      ]
      + feedEvent.coOrganisers + fieldNames
    try expectHolds(
      try children[children.count - 1].text(), pieces.map { kept($0, xml: true) },
      last: kept(summary, xml: true), "\(context) description")
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
    try require(
      CivilDate.weekday(daysSinceEpoch: days) == weekday, "\(what) \(text) has the wrong weekday")
  }
}
