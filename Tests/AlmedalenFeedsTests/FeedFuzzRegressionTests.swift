import AlmedalenFeeds
import FeedFuzzing
import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Every input in `FuzzCorpus/ICalendar/` and `FuzzCorpus/RSS/` through the fuzzers' harness,
/// `FeedFuzzHarness`: hand-made hostile seeds, and inputs `scripts/fuzz --target ical|rss`
/// found that reach further. Both folders hold the same input format, so every input goes
/// through both writers. A broken promise fails the test with the harness's message naming
/// the field, what was expected and what came back.
@Suite struct FeedFuzzRegressionTests {
  static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("FuzzCorpus")

  static func files(_ folder: String) -> [String] {
    let path = corpus.appendingPathComponent(folder).path
    return ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
      .filter { !$0.hasPrefix(".") }.sorted().map { folder + "/" + $0 }
  }

  static let inputs = files("ICalendar") + files("RSS")

  static func bytes(_ path: String) throws -> [UInt8] {
    let bytes = Array(try Data(contentsOf: corpus.appendingPathComponent(path)))
    #expect(bytes.count <= 4096, "keep corpus files small")
    return bytes
  }

  @Test func corporaAreThere() {
    #expect(Self.files("ICalendar").count >= 12, "\(Self.corpus.path)/ICalendar")
    #expect(Self.files("RSS").count >= 12, "\(Self.corpus.path)/RSS")
  }

  @Test(arguments: inputs) func iCalendar(_ path: String) throws {
    try FeedFuzzHarness.checkICalendar(try Self.bytes(path))
  }

  @Test(arguments: inputs) func rss(_ path: String) throws {
    let input = try Self.bytes(path)
    try FeedFuzzHarness.checkRSS(input)
    // The harness's own XML reader against libxml2's (Foundation's XMLParser on Linux): the
    // same elements, attributes and text.
    let feed = FeedFuzzHarness.decode(input)
    let output = RSSWriter.feed(feed.info, changes: feed.changes)
    let ours = Self.events(of: try FeedFuzzHarness.XMLReader.document(output))
    let parser = XMLParser(data: Data(output))
    let collector = FuzzXMLEvents()
    parser.delegate = collector
    #expect(parser.parse(), "XMLParser: \(String(describing: parser.parserError))")
    #expect(ours.count == collector.events.count)
    for (mine, theirs) in zip(ours, collector.events) {
      #expect(Array(mine.utf8) == Array(theirs.utf8), "\(mine.debugDescription)")
    }
  }

  /// Start tags with their attributes, text, end tags: what `FuzzXMLEvents` records.
  static func events(of element: FeedFuzzHarness.XMLReader.Element) -> [String] {
    let attributes = element.attributes.sorted { $0.name < $1.name }
      .map { " " + $0.name + "=" + $0.value }.joined()
    var events = ["<" + element.name + attributes]
    for child in element.children {
      switch child {
      case .text(let text): events.append("text " + text)
      case .element(let child): events += Self.events(of: child)
      }
    }
    return events + ["/" + element.name]
  }

  // MARK: The harness itself

  /// An input as the harness's layout describes it: header bytes, then strings.
  static func input(_ header: [UInt8], _ strings: [String]) -> [UInt8] {
    strings.reduce(header) { $0 + [0xFF] + Array($1.utf8) }
  }

  /// One event (a change of kind `changed`) with a venue, a topic, a co-organiser, a moderator.
  static let rich = input(
    [0, 0x0C, 0x05, 1, 0x01, 0, 0, 16, 3, 12, 0x02, 0],
    [
      "Feed", "Beskrivning", "https://a.example/feed.ics", "https://a.example/", "https://a",
      "Vård, skola; omsorg & <frihet> på Gotland, med en titel så lång att raden viks två gånger",
      "Text", "Region Gotland", "https://a.example/e/1", "Donners plats", "Donners plats 1",
      "Hälsa", "SKR", "Anna Andersson", "journalist", "Sveriges Radio",
    ])

  @Test func decodeFollowsTheDocumentedLayout() {
    let feed = FeedFuzzHarness.decode(Self.rich)
    #expect(feed.info.name == "Feed" && feed.info.baseURL == "https://a")
    #expect(feed.changes.count == 1)
    let change = feed.changes[0]
    #expect(change.kind == .changed && change.changedFields == [])
    #expect(change.event.organiser == "Region Gotland" && change.event.coOrganisers == ["SKR"])
    #expect(change.event.venue?.name == "Donners plats")
    #expect(change.event.venue?.address == "Donners plats 1")
    #expect(change.event.event.details.topics == ["Hälsa"])
    let people = change.event.event.details.participants
    #expect(people.count == 1 && people[0].role == .moderator)
    #expect(people[0].personName == "Anna Andersson" && people[0].organisation == "Sveriges Radio")
    #expect(change.event.event.details.accessibility == [.wheelchair])
  }

  /// The checks catch what they are there for: each of these breaks one promise.
  @Test(arguments: [
    ("unescaped comma", "\\,", ","),
    ("unescaped semicolon", "\\;", ";"),
    ("a folded line joined", "\r\n ", ""),
    ("bare LF", "END:VEVENT\r\n", "END:VEVENT\n"),
    ("an event not closed", "END:VEVENT\r\n", ""),
    ("a second event", "END:VEVENT\r\n", "END:VEVENT\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\n"),
    ("a character changed", "Vård", "Vard"),
    ("a control character", "Region", "Reg\u{1}ion"),
    ("a lone caret", "CN=", "CN=^"),
  ])
  func iCalendarChecksCatch(_ what: String, _ find: String, _ replace: String) throws {
    try iCalendarCatches(what, Array(find.utf8), Array(replace.utf8))
  }

  @Test func iCalendarChecksCatchAFoldInsideACharacter() throws {
    try iCalendarCatches("a fold inside å", [0xC3, 0xA5], [0xC3, 0x0D, 0x0A, 0x20, 0xA5])
  }

  func iCalendarCatches(_ what: String, _ find: [UInt8], _ replace: [UInt8]) throws {
    let feed = FeedFuzzHarness.decode(Self.rich)
    let good = ICalendarWriter.calendar(feed.info, events: feed.events)
    try FeedFuzzHarness.verifyICalendar(good, of: feed)
    let broken = try Self.replacingFirst(find, with: replace, in: good)
    #expect(throws: FeedFuzzHarness.Failure.self, "\(what)") {
      try FeedFuzzHarness.verifyICalendar(broken, of: feed)
    }
  }

  @Test(arguments: [
    ("a bare ampersand", "&amp;", "&"),
    ("a bare <", "&lt;", "<"),
    ("an item not closed", "</item>", ""),
    ("a second item", "</item>\n", "</item>\n<item></item>\n"),
    ("a character changed", "Vård", "Vard"),
    ("a control character", "Text", "Te&#1;xt"),
    ("a CR", "Text", "Te\rxt"),
    ("a comment", "<ttl>", "<!-- x --><ttl>"),
  ])
  func rssChecksCatch(_ what: String, _ find: String, _ replace: String) throws {
    let feed = FeedFuzzHarness.decode(Self.rich)
    let good = RSSWriter.feed(feed.info, changes: feed.changes)
    try FeedFuzzHarness.verifyRSS(good, of: feed)
    let broken = try Self.replacingFirst(Array(find.utf8), with: Array(replace.utf8), in: good)
    #expect(throws: FeedFuzzHarness.Failure.self, "\(what)") {
      try FeedFuzzHarness.verifyRSS(broken, of: feed)
    }
  }

  /// `bytes` with the first occurrence of `find` replaced.
  static func replacingFirst(_ find: [UInt8], with replace: [UInt8], in bytes: [UInt8]) throws
    -> [UInt8]
  {
    let start = try #require(
      bytes.indices.first { bytes[$0...].starts(with: find) },
      "\(String(decoding: find, as: UTF8.self)) not in the output")
    return Array(bytes[..<start]) + replace + Array(bytes[(start + find.count)...])
  }
}

/// `XMLParser`'s view of a document, in the form of `FeedFuzzRegressionTests.events(of:)`.
private final class FuzzXMLEvents: NSObject, XMLParserDelegate {
  var events: [String] = []
  var text = ""

  func flush() {
    if !text.isEmpty { events.append("text " + text) }
    text = ""
  }

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
  ) {
    flush()
    events.append(
      "<" + elementName
        + attributeDict.sorted { $0.key < $1.key }.map { " " + $0.key + "=" + $0.value }.joined())
  }

  func parser(
    _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
    qualifiedName qName: String?
  ) {
    flush()
    events.append("/" + elementName)
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    text += string
  }
}
