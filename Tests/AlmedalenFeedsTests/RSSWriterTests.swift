import AlmedalenCore
import AlmedalenTesting
import Foundation
import Testing

@testable import AlmedalenFeeds

/// The RSS and frab tests' programme and changes: 3 July 2012, ids in groups 4000–4004.
enum RSSFixtures: OfflineProgramme {
  static let idGroup = 4000
  static let defaultStart = "2012-07-03T12:00:00+02:00"
  static let defaultEnd = "2012-07-03T13:00:00+02:00"
  static let defaultTopics: [String] = []
  static let createdAt = "2012-06-01T10:00:00Z"
  static let defaultRevisedAt = "2012-06-20T10:00:00Z"
  static let cancelledAt: String? = nil

  static let donners = Venue(
    id: uuid(1, group: "4001"), name: "Donners plats", address: "Donners plats 1, Visby")
  static let almedalen = Venue(id: uuid(2, group: "4001"), name: "Almedalen")
  static let hans = Venue(id: uuid(3, group: "4001"), name: "S:t Hans plats")

  static let info = FeedInfo(
    name: "Almedalsveckan – tisdag 3 juli · Hälsa",
    description: "Seminarier om hälsa",
    selfURL: "https://almedalen.example/feeds/changes.rss?day=2012-07-03&topic=H%C3%A4lsa",
    pageURL: "https://almedalen.example/program?day=2012-07-03&topic=H%C3%A4lsa",
    baseURL: "https://almedalen.example")

  static let edition = Edition(
    id: editionID, year: 2012, name: "Almedalsveckan 2012",
    firstDay: LocalDay("2012-07-01")!, lastDay: LocalDay("2012-07-06")!)

  /// A hostile string: markup, a CDATA terminator, XML-forbidden characters, an emoji, a
  /// right-to-left mark and a Windows line break.
  static let hostile =
    "]]></item><item><title>x & <b>\"q\" 'a' \u{0}\u{1}\u{8}\u{B}\u{C}\u{1F}\u{7F}\u{85}\u{9F}\u{FFFE}\u{FFFF}🎉 \u{200F}rtl\r\nrad två\ttab"
  /// `hostile` as a parser must give it back: the forbidden characters gone, CR gone.
  static let hostileClean =
    "]]></item><item><title>x & <b>\"q\" 'a' 🎉 \u{200F}rtl\nrad två\ttab"

  static func change(
    id: Int64 = 1, at changedAt: String = "2012-07-03T10:00:00Z",
    kind: FeedChange.Kind = .published, newStart: String? = nil, newVenue: String? = nil,
    changedFields: [String] = [], event: FeedEvent = event()
  ) -> FeedChange {
    FeedChange(
      id: id, changedAt: date(changedAt), kind: kind, newStart: newStart.map(date),
      newVenue: newVenue, changedFields: changedFields, event: event)
  }
}

@Suite struct RSSWriterTests {
  typealias F = RSSFixtures

  private func channel(_ changes: [FeedChange], info: FeedInfo = F.info) throws -> ParsedElement {
    let bytes = RSSWriter.feed(info, changes: changes)
    let rss = try #require(XMLTree.root(bytes), "not well-formed")
    #expect(rss.name == "rss")
    return try #require(rss.child("channel"))
  }

  @Test func feedIsWellFormedWithOneItemPerChange() throws {
    let changes = FeedChange.Kind.allCases.enumerated().map { index, kind in
      F.change(id: Int64(100 - index), kind: kind, event: F.event(number: index + 1))
    }
    let bytes = RSSWriter.feed(F.info, changes: changes)
    #expect(bytes.starts(with: Array("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n".utf8)))
    let rss = try #require(XMLTree.root(bytes))
    #expect(rss.attributes["version"] == "2.0")
    #expect(rss.attributes["xmlns:atom"] == "http://www.w3.org/2005/Atom")
    #expect(rss.children("channel").count == 1)
    let items = try #require(rss.child("channel")).children("item")
    #expect(items.count == changes.count)
    #expect(
      items.map { $0.child("guid")?.text } == changes.map { "almedalen-change-\($0.id)" })
  }

  @Test func channelNamesItselfAndLinksToItsOwnAbsoluteURL() throws {
    let channel = try channel([F.change()])
    #expect(channel.child("title")?.text == F.info.name)
    #expect(channel.child("link")?.text == F.info.pageURL)
    #expect(channel.child("description")?.text == F.info.description)
    #expect(channel.child("language")?.text == "sv")
    #expect(channel.child("ttl")?.text == "15")
    #expect(channel.child("generator")?.text == "Almedalen")
    let selfLink = try #require(channel.child("atom:link"))
    #expect(selfLink.attributes["href"] == F.info.selfURL)
    #expect(selfLink.attributes["rel"] == "self")
    #expect(selfLink.attributes["type"] == "application/rss+xml")
  }

  @Test func hostileTextComesBackWithoutForbiddenCharactersAndAddsNoItem() throws {
    let venue = Venue(id: F.uuid(7, group: "4001"), name: F.hostile, address: F.hostile)
    let event = F.event(
      title: F.hostile, description: F.hostile, venue: venue, organiser: F.hostile,
      coOrganisers: [F.hostile], topics: [F.hostile],
      pageURL: "https://almedalen.example/e?a=1&b=<2>\u{0}")
    let info = FeedInfo(
      name: F.hostile, description: F.hostile, selfURL: "https://x.example/?a=1&b=\"2\"\u{1}",
      pageURL: F.hostile, baseURL: "https://x.example")
    let changes = [
      F.change(id: 2, kind: .moved, newVenue: F.hostile, changedFields: [F.hostile], event: event),
      F.change(id: 1, kind: .published, event: event),
    ]
    let channel = try channel(changes, info: info)
    #expect(channel.child("title")?.text == F.hostileClean)
    #expect(channel.child("description")?.text == F.hostileClean)
    #expect(channel.child("atom:link")?.attributes["href"] == "https://x.example/?a=1&b=\"2\"")
    let items = channel.children("item")
    #expect(items.count == 2)
    #expect(channel.descendants("item").count == 2)
    #expect(items[0].child("title")?.text == "Flyttad till \(F.hostileClean): \(F.hostileClean)")
    #expect(items[1].child("title")?.text == "Nytt: " + F.hostileClean)
    #expect(items[1].child("link")?.text == "https://almedalen.example/e?a=1&b=<2>")
    #expect(items[1].children("category").last?.text == F.hostileClean)
    let description = try #require(items[1].child("description")?.text)
    #expect(description.contains("Arrangörer: \(F.hostileClean), \(F.hostileClean)"))
    #expect(description.hasSuffix("\n\n" + F.hostileClean))
  }

  @Test func rawBytesHoldNoCDATATerminatorOrForbiddenByte() {
    let event = F.event(title: F.hostile, description: F.hostile, topics: [F.hostile])
    let bytes = RSSWriter.feed(F.info, changes: [F.change(event: event)])
    let text = String(decoding: bytes, as: UTF8.self)
    #expect(!text.contains("]]>"))
    #expect(!bytes.contains { $0 < 0x20 && $0 != 0x0A && $0 != 0x09 })
    #expect(!text.unicodeScalars.contains { (0x7F...0x9F).contains($0.value) })
    #expect(text.contains("🎉 \u{200F}rtl"))
  }

  @Test(arguments: [
    ("2012-07-03T10:00:00Z", "Tue, 03 Jul 2012 12:00:00 +0200"),
    ("2013-01-15T11:05:09Z", "Tue, 15 Jan 2013 12:05:09 +0100"),
    ("2012-07-01T21:59:59Z", "Sun, 01 Jul 2012 23:59:59 +0200"),
    ("2012-12-31T23:30:00Z", "Tue, 01 Jan 2013 00:30:00 +0100"),
  ])
  func datesAreRFC822InEnglishWithVisbyOffset(_ utc: String, _ expected: String) throws {
    #expect(RSSWriter.rfc822(F.date(utc)) == expected)
    let item = try #require(try channel([F.change(at: utc)]).child("item"))
    #expect(item.child("pubDate")?.text == expected)
  }

  @Test func lastBuildDateIsTheNewestChangeNotNow() throws {
    let changes = [
      F.change(id: 3, at: "2012-07-03T09:00:00Z"),
      F.change(id: 4, at: "2012-07-03T11:30:00Z"),
      F.change(id: 2, at: "2012-07-02T09:00:00Z"),
    ]
    #expect(
      try channel(changes).child("lastBuildDate")?.text == "Tue, 03 Jul 2012 13:30:00 +0200")
    let empty = try channel([])
    #expect(empty.child("lastBuildDate") == nil)
    #expect(empty.children("item").isEmpty)
  }

  @Test func sameChangesGiveSameBytes() {
    let changes = (0..<50).map { index in
      F.change(
        id: Int64(1000 - index), kind: FeedChange.Kind.allCases[index % 4],
        newStart: "2012-07-04T14:00:00+02:00", newVenue: "Almedalen",
        changedFields: ["title"], event: F.event(number: index + 1, topics: ["Hälsa", "Vård"]))
    }
    #expect(RSSWriter.feed(F.info, changes: changes) == RSSWriter.feed(F.info, changes: changes))
  }

  @Test func titlesSayInSwedishWhatHappened() {
    let event = F.event(title: "Vård i hela landet")
    func title(_ kind: FeedChange.Kind, start: String? = nil, venue: String? = nil) -> String {
      RSSWriter.title(of: F.change(kind: kind, newStart: start, newVenue: venue, event: event))
    }
    #expect(title(.published) == "Nytt: Vård i hela landet")
    #expect(title(.changed) == "Ändrat: Vård i hela landet")
    #expect(title(.cancelled) == "Inställt: Vård i hela landet")
    let two = "2012-07-03T14:00:00+02:00"
    #expect(
      title(.moved, start: two, venue: "Donners plats")
        == "Flyttad till 14:00, Donners plats: Vård i hela landet")
    #expect(title(.moved, start: two) == "Flyttad till 14:00: Vård i hela landet")
    #expect(title(.moved, venue: "Almedalen") == "Flyttad till Almedalen: Vård i hela landet")
    #expect(title(.moved, venue: "") == "Flyttad, plats meddelas senare: Vård i hela landet")
    #expect(
      title(.moved, start: two, venue: "")
        == "Flyttad till 14:00, plats meddelas senare: Vård i hela landet")
    #expect(title(.moved) == "Flyttad: Vård i hela landet")
  }

  @Test func categoriesTellTheKindOfChangeAndTheTopics() throws {
    let changes = FeedChange.Kind.allCases.enumerated().map { index, kind in
      F.change(id: Int64(index), kind: kind, event: F.event(topics: ["Hälsa", "Landsbygd"]))
    }
    let items = try channel(changes).children("item")
    for item in items {
      let categories = item.children("category")
      #expect(categories.count == 3)
      #expect(categories.first?.attributes["domain"] == "https://almedalen.se/change")
      #expect(categories.dropFirst().map(\.text) == ["Hälsa", "Landsbygd"])
      #expect(categories.dropFirst().allSatisfy { $0.attributes["domain"] == nil })
    }
    #expect(
      items.map { $0.children("category").first?.text } == [
        "nytt", "flyttat", "ändrat", "inställt",
      ])
  }

  @Test func guidIsStableAndNotAPermalink() throws {
    let item = try #require(try channel([F.change(id: 4711)]).child("item"))
    let guid = try #require(item.child("guid"))
    #expect(guid.text == "almedalen-change-4711")
    #expect(guid.attributes["isPermaLink"] == "false")
  }

  @Test func descriptionSaysWhenWhereWhoAndWhatChanged() {
    let event = F.event(
      description: "Hur når vården ut till hela landet?", organiser: "Region Gotland",
      coOrganisers: ["Sveriges Kommuner och Regioner"])
    let moved = RSSWriter.description(
      of: F.change(
        kind: .moved, newStart: "2012-07-03T12:00:00+02:00", newVenue: "Donners plats",
        changedFields: ["ends_at", "participants", "starts_at"], event: event))
    #expect(
      moved == """
        tisdag 3 juli 12:00–13:00, Donners plats (Donners plats 1, Visby)
        Arrangörer: Region Gotland, Sveriges Kommuner och Regioner
        Ändrat: starttid, plats, sluttid, medverkande

        Hur når vården ut till hela landet?
        """)
    let changed = RSSWriter.description(
      of: F.change(
        kind: .changed, changedFields: ["title", "description", "some_new_field"],
        event: F.event(venue: F.almedalen)))
    #expect(
      changed == """
        tisdag 3 juli 12:00–13:00, Almedalen
        Arrangör: Region Gotland
        Ändrat: titel, beskrivning, some new field
        """)
    let cancelled = RSSWriter.description(
      of: F.change(kind: .cancelled, event: F.event(venue: nil, status: .cancelled)))
    #expect(cancelled.hasPrefix("tisdag 3 juli 12:00–13:00, plats meddelas senare\n"))
    #expect(cancelled.hasSuffix("\nEvenemanget är inställt."))
  }

  @Test func descriptionShowsBothDaysWhenAnEventRunsPastMidnight() {
    let late = F.event(start: "2012-07-03T22:00:00+02:00", end: "2012-07-04T01:00:00+02:00")
    #expect(
      RSSWriter.description(of: F.change(event: late)).hasPrefix(
        "tisdag 3 juli 22:00 – onsdag 4 juli 01:00, Donners plats"))
  }

  @Test func longDescriptionIsCutAtACharacterBoundary() {
    let emoji = String(repeating: "🎉👩‍👩‍👧", count: 400)
    let cut = RSSWriter.excerpt(emoji, limit: 500)
    #expect(cut.count == 501)
    #expect(cut.hasSuffix("…"))
    #expect(cut.dropLast().allSatisfy { $0 == "🎉" || $0 == "👩‍👩‍👧" })
    let words = String(repeating: "ord ", count: 300)
    let wordCut = RSSWriter.excerpt(words, limit: 500)
    #expect(wordCut.hasSuffix("ord…"))
    #expect(wordCut.count <= 501)
    #expect(RSSWriter.excerpt("  kort text \n", limit: 500) == "kort text")
  }

  @Test func cancelledItemStillLinksToThePage() throws {
    let event = F.event(status: .cancelled)
    let item = try #require(try channel([F.change(kind: .cancelled, event: event)]).child("item"))
    #expect(item.child("link")?.text == event.pageURL)
    #expect(item.child("title")?.text == "Inställt: Vård i hela landet")
  }

  @Test func thousandsOfChangesStayWellFormed() throws {
    let changes = (0..<3000).map { index in
      F.change(
        id: Int64(index), kind: FeedChange.Kind.allCases[index % 4],
        event: F.event(number: index + 1, title: "Seminarium \(index) & <mer>"))
    }
    #expect(try channel(changes).children("item").count == 3000)
  }
}
