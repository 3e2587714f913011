import AlmedalenCore
import AlmedalenFeeds
import Foundation
import Testing

@testable import AlmedalenPages

/// Escaping, URL rules and the small formatters, byte by byte.
@Suite struct HTMLTests {
  @Test func escapesEveryMarkupCharacterInTextAndAttributes() {
    let expected = "a &amp; b &lt; c &gt; d &quot;e&quot; &#39;f&#39;"
    #expect(HTML.text("a & b < c > d \"e\" 'f'") == expected)
    #expect(HTML.attribute("a & b < c > d \"e\" 'f'") == expected)
    #expect(HTML.text("&amp;") == "&amp;amp;")
    #expect(HTML.text("&nbsp;") == "&amp;nbsp;")
  }

  @Test func attributeBreakoutStaysInsideTheValue() {
    #expect(
      HTML.attribute("\"><img src=x onerror=alert(1)>")
        == "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")
  }

  @Test func dropsControlCharactersAndNormalisesLineEnds() {
    var controls: [Unicode.Scalar] = (0x00...0x08).map { Unicode.Scalar($0)! }
    controls += [0x0B, 0x0C].map { Unicode.Scalar(UInt8($0)) }
    controls += (0x0E...0x1F).map { Unicode.Scalar($0)! }
    controls += (0x7F...0x9F).map { Unicode.Scalar($0)! }
    controls += [Unicode.Scalar(0xFFFE)!, Unicode.Scalar(0xFFFF)!]
    for scalar in controls {
      let text = "a" + String(Character(scalar)) + "b"
      #expect(HTML.text(text) == "ab", "U+\(String(scalar.value, radix: 16))")
      #expect(HTML.attribute(text) == "ab", "U+\(String(scalar.value, radix: 16))")
    }
    #expect(HTML.text("a\r\nb\rc\nd\te") == "a\nb\nc\nd\te")
    #expect(HTML.attribute("a\r\nb\tc") == "a&#10;b&#9;c")
  }

  @Test func keepsEverythingElseAsItIs() {
    let text = "Åsa Öberg – 🎉 \u{200F}שלום\u{200E} ü ß 中文 \u{A0}\u{2028}"
    #expect(HTML.text(text) == text)
    #expect(HTML.attribute(text) == text)
  }

  @Test func bidiControlsLeftOpenAreClosedAtTheEndOfTheirText() {
    let rlo = "\u{202E}"
    let pdf = "\u{202C}"
    let rli = "\u{2067}"
    let pdi = "\u{2069}"
    #expect(HTML.text(rlo + "abc") == rlo + "abc" + pdf)
    #expect(HTML.text(rlo + "a" + pdf + "b") == rlo + "a" + pdf + "b")
    #expect(HTML.text(rli + rlo + "a") == rli + rlo + "a" + pdf + pdi)
    // A PDI closes the embeddings opened inside its isolate as well.
    #expect(HTML.text(rli + rlo + "a" + pdi + rlo) == rli + rlo + "a" + pdi + rlo + pdf)
    // A stray closer opens nothing; marks need no closing.
    #expect(HTML.text(pdf + pdi + "\u{200F}x\u{200E}") == pdf + pdi + "\u{200F}x\u{200E}")
    #expect(HTML.attribute(rlo + "\"") == rlo + "&quot;" + pdf)
    // Other three-byte characters pass untouched.
    #expect(HTML.text("a – b … c") == "a – b … c")
  }

  @Test func linksOnlyToTheWebMailCalendarsAndOurOwnPaths() {
    for url in [
      "https://example.se", "http://example.se/a?b=c", "HTTPS://EXAMPLE.SE", "/events/1",
      "/", "webcal://almedalen.example/feeds/program.ics", "mailto:info@example.se",
    ] {
      #expect(HTML.isSafeURL(url), "\(url)")
    }
    for url in [
      "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
      "\u{1}javascript:alert(1)", "java\nscript:alert(1)", "data:text/html,<script>",
      "vbscript:msgbox", "//evil.example/", "/\\evil.example", "events/1", "", "https://",
      "ftp://example.se", "https:evil", " https://example.se",
    ] {
      #expect(!HTML.isSafeURL(url), "\(url)")
    }
  }

  @Test func unsafeLinkLeavesOnlyItsText() {
    var out = HTMLWriter(.html, capacity: 64)
    out.link("javascript:alert(1)", "Se <live>")
    out.link("https://example.se/?a=1&b=2", "ok")
    #expect(
      String(decoding: out.bytes, as: UTF8.self)
        == "Se &lt;live&gt;<a href=\"https://example.se/?a=1&amp;b=2\">ok</a>")
  }

  @Test func dateTimeIsWhatRFC3339Writes() {
    // Summer and winter time, both sides of midnight, and the hour the clocks go back.
    for text in [
      "2026-06-23T12:00:00+02:00", "2026-06-28T23:59:59+02:00", "2026-06-21T00:00:00+02:00",
      "2026-01-05T08:05:09+01:00", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z",
      "2012-07-03T10:00:00Z", "1999-12-31T23:00:00Z",
    ] {
      let date = Fixtures.date(text)
      var out = HTMLWriter(.html, capacity: 32)
      out.dateTime(LocalTime(date))
      #expect(String(decoding: out.bytes, as: UTF8.self) == RFC3339.format(date), "\(text)")
    }
  }

  @Test func weekdayOfADayAgreesWithFoundation() {
    var day = LocalDay("1999-12-25")!
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    for _ in 0..<1200 {
      let date = calendar.date(
        from: DateComponents(year: day.year, month: day.month, day: day.day))!
      // Foundation: 1 is Sunday … 7 is Saturday; ours: 0 is Monday … 6 is Sunday.
      let expected = (calendar.component(.weekday, from: date) + 5) % 7
      #expect(Swedish.weekday(of: day) == expected, "\(day)")
      day = day.adding(days: 11)
    }
  }

  @Test func dayHeadingIsSwedishAndCapitalised() {
    #expect(Swedish.dayHeading(LocalDay("2026-06-23")!) == "Tisdag 23 juni")
    #expect(Swedish.dayHeading(LocalDay("2012-07-05")!) == "Torsdag 5 juli")
    #expect(Swedish.dayHeading(LocalDay("2026-06-27")!) == "Lördag 27 juni")
  }

  @Test func countsOfFiveDigitsOrMoreHaveNoBreakSpacesBetweenThousands() {
    func written(_ value: Int) -> String {
      var out = HTMLWriter(.html, capacity: 32)
      out.count(value)
      return String(decoding: out.bytes, as: UTF8.self)
    }
    #expect(written(0) == "0")
    #expect(written(999) == "999")
    #expect(written(4000) == "4000")
    #expect(written(12_500) == "12&#160;500")
    #expect(written(1_234_567) == "1&#160;234&#160;567")
  }

  @Test func mapLinkWritesDecimalsWithAPoint() {
    #expect(
      Fragments.mapURL(Coordinate(latitude: 57.6393, longitude: 18.2922))
        == "https://www.openstreetmap.org/?mlat=57.6393&mlon=18.2922#map=18/57.6393/18.2922")
    #expect(
      Fragments.mapURL(Coordinate(latitude: -0.0000004, longitude: -70.5))
        == "https://www.openstreetmap.org/?mlat=0&mlon=-70.5#map=18/0/-70.5")
    #expect(
      Fragments.mapURL(Coordinate(latitude: 0.000001, longitude: 1e-9))?.contains("mlat=0.000001&")
        == true)
    #expect(Fragments.mapURL(Coordinate(latitude: .nan, longitude: 18)) == nil)
    #expect(Fragments.mapURL(Coordinate(latitude: 91, longitude: 18)) == nil)
  }

  @Test func descriptionSplitsIntoParagraphsAtBlankLines() {
    let paragraphs = EventPage.paragraphs("Ett\r\nTvå\n\n  \nTre\rFyra\n\n\n")
    #expect(paragraphs.map { $0.map(String.init) } == [["Ett", "Två"], ["Tre", "Fyra"]])
    #expect(EventPage.paragraphs(" \n\n").isEmpty)
  }

  @Test func stylesheetIsTheOneFileWithFocusContrastAndAWideLayout() {
    let css = String(decoding: Pages.stylesheet, as: UTF8.self)
    #expect(css.contains(":focus-visible"))
    #expect(css.contains("@media (min-width: 48em)"))
    #expect(css.contains("system-ui"))
    #expect(!css.contains("@import"))
    #expect(!css.contains("url("))
  }
}
