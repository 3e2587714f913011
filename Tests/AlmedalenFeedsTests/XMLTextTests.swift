import Testing

@testable import AlmedalenFeeds

/// Escaping for XML 1.0 on its own, byte by byte.
@Suite struct XMLTextTests {
  @Test func escapesMarkupInText() {
    #expect(XMLText.text("a & b < c > d") == "a &amp; b &lt; c &gt; d")
    #expect(XMLText.text("\"citat\" och 'apostrof'") == "\"citat\" och 'apostrof'")
    #expect(XMLText.text("&amp;") == "&amp;amp;")
  }

  @Test func cdataTerminatorCannotSurvive() {
    #expect(XMLText.text("]]>") == "]]&gt;")
    #expect(XMLText.text("<![CDATA[x]]>") == "&lt;![CDATA[x]]&gt;")
  }

  @Test func escapesQuotesAndKeepsTabAndNewlineInAttributes() {
    #expect(XMLText.attribute("a=\"1\"&b<2>") == "a=&quot;1&quot;&amp;b&lt;2&gt;")
    #expect(XMLText.attribute("a\tb\nc") == "a&#9;b&#10;c")
    #expect(XMLText.attribute("'") == "'")
  }

  @Test func keepsTabAndLineFeedInText() {
    #expect(XMLText.text("a\tb\nc") == "a\tb\nc")
  }

  @Test func dropsEveryCharacterXMLForbidsOrNobodyMeant() {
    var forbidden: [Unicode.Scalar] = (0x00...0x08).map { Unicode.Scalar($0)! }
    forbidden += [0x0B, 0x0C].map { Unicode.Scalar(UInt8($0)) }
    forbidden += (0x0E...0x1F).map { Unicode.Scalar($0)! }
    forbidden += (0x7F...0x9F).map { Unicode.Scalar($0)! }
    forbidden += [Unicode.Scalar(0xFFFE)!, Unicode.Scalar(0xFFFF)!]
    for scalar in forbidden {
      let text = "a" + String(Character(scalar)) + "b"
      #expect(XMLText.text(text) == "ab", "U+\(String(scalar.value, radix: 16))")
      #expect(XMLText.attribute(text) == "ab", "U+\(String(scalar.value, radix: 16))")
    }
  }

  @Test func crlfAndALoneCRBecomeLineFeeds() {
    #expect(XMLText.text("rad ett\r\nrad två\rtre") == "rad ett\nrad två\ntre")
    #expect(XMLText.attribute("a\rb\r\nc") == "a&#10;b&#10;c")
  }

  @Test func keepsEverythingElseUnchanged() {
    // Neighbours of the dropped ranges, in both one-, two- and three-byte UTF-8.
    let kept = "~ \u{A0}\u{100}\u{FFFD}\u{FEFF}\u{10FFFF}🎉👩‍👩‍👧\u{200F}\u{200E}\u{202E}åäöÅÄÖ"
    #expect(XMLText.text(kept) == kept)
    #expect(XMLText.attribute(kept) == kept)
  }

  @Test func forbiddenCharacterAtTheVeryEndIsDropped() {
    #expect(XMLText.text("slut\u{0}") == "slut")
    #expect(XMLText.text("slut\u{FFFF}") == "slut")
    #expect(XMLText.text("\u{85}") == "")
    #expect(XMLText.text("") == "")
  }

  @Test func writerAppendsToWhatIsAlreadyThere() {
    var writer = XMLText.Writer(.xml, capacity: 16)
    writer.raw("<t a=\"")
    writer.attribute("x\"y")
    writer.raw("\">")
    writer.text("1 < 2")
    writer.raw("</t>")
    writer.number(-42)
    #expect(String(decoding: writer.bytes, as: UTF8.self) == "<t a=\"x&quot;y\">1 &lt; 2</t>-42")
  }
}
