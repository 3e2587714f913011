import ByteWriting
import Testing

/// Each escaping on its own, byte by byte; the writers built on them are tested with their
/// formats in AlmedalenFeedsTests and AlmedalenPagesTests.
@Suite struct ByteWriterTests {
  private func escaped(_ text: String, _ escaping: Escaping) -> String {
    ByteWriter.escaping(text, escaping)
  }

  @Test func numbersAreWhatStringWrites() {
    for value in [0, 7, -7, 10, 99, 100, 4000, -12_500, Int.max, Int.min] {
      var out = ByteWriter()
      out.number(value)
      #expect(String(decoding: out.bytes, as: UTF8.self) == String(value))
    }
  }

  @Test func digitsArePaddedOrCutToTheirWidth() {
    var out = ByteWriter()
    out.digits(7, width: 2)
    out.byte(UInt8(ascii: " "))
    out.digits(2026, width: 4)
    out.byte(UInt8(ascii: " "))
    out.digits(123, width: 2)
    out.digits(5, width: 0)
    #expect(String(decoding: out.bytes, as: UTF8.self) == "07 2026 23")
  }

  @Test func literalsPlainTextAndTruncation() {
    var out = ByteWriter(capacity: 8)
    out.literal("<a>")
    out.plain("&å")
    #expect(out.count == 6)
    out.truncate(to: 3)
    #expect(out.bytes == Array("<a>".utf8))
  }

  @Test func xmlEscapesMarkupAndDropsWhatXMLCannotCarry() {
    let hostile = "a&b<c>d\"e'f\u{0}\u{1F}\u{7F}\u{85}\u{FFFE}\u{FFFF}g\r\nh\ri\tj\nk\u{202E}"
    #expect(escaped(hostile, .xmlText) == "a&amp;b&lt;c&gt;d\"e'fg\nh\ni\tj\nk\u{202E}")
    #expect(
      escaped(hostile, .xmlAttribute)
        == "a&amp;b&lt;c&gt;d&quot;e'fg&#10;h&#10;i&#9;j&#10;k\u{202E}")
  }

  @Test func htmlEscapesBothQuotesAndClosesBidiLeftOpen() {
    #expect(escaped("\"q\" 'a' & ]]>", .htmlText) == "&quot;q&quot; &#39;a&#39; &amp; ]]&gt;")
    #expect(escaped("x\ty\r\n", .htmlAttribute) == "x&#9;y&#10;")
    // An override (closed by PDF) and an isolate (closed by PDI), both left open.
    #expect(escaped("\u{202E}abc\u{2067}d", .htmlText) == "\u{202E}abc\u{2067}d\u{2069}\u{202C}")
    #expect(escaped("\u{202E}abc\u{202C}", .htmlText) == "\u{202E}abc\u{202C}")
    // XML leaves bidi controls alone.
    #expect(escaped("\u{202E}abc", .xmlText) == "\u{202E}abc")
  }

  @Test func jsonEscapesQuotesBackslashControlsAndJavaScriptLineEnds() {
    #expect(
      escaped("\"\\\n\r\t\u{1}\u{1F} å\u{2028}\u{2029}🎉\u{7F}", .jsonString)
        == "\\\"\\\\\\n\\r\\t\\u0001\\u001f å\\u2028\\u2029🎉\\u007f")
  }

  /// DEL and the C1 controls are legal raw in JSON, but YAML readers refuse them (the
  /// OpenAPI document is read as YAML too) and terminals obey them: escaped, with the
  /// scalars around them (U+00A0, é: C2 A0, C3 A9) untouched.
  @Test func jsonEscapesDeleteAndC1Controls() {
    #expect(
      escaped("a\u{7F}\u{80}\u{85}\u{9F}\u{A0}é\u{A0}", .jsonString)
        == "a\\u007f\\u0080\\u0085\\u009f\u{A0}é\u{A0}")
  }

  @Test func csvDefusesFormulasAndQuotesSeparatorsOnBytes() {
    #expect(escaped("Anna", .csvCell) == "Anna")
    #expect(escaped("=1+1", .csvCell) == "'=1+1")
    #expect(escaped("+46 70", .csvCell) == "'+46 70")
    #expect(escaped("-", .csvCell) == "'-")
    #expect(escaped("@x", .csvCell) == "'@x")
    #expect(escaped("\tx", .csvCell) == "'\tx")
    #expect(escaped("a;b", .csvCell) == "\"a;b\"")
    #expect(escaped("a,b", .csvCell) == "\"a,b\"")
    #expect(escaped("Sa \"Ko\" Ek", .csvCell) == "\"Sa \"\"Ko\"\" Ek\"")
    #expect(escaped("=\"x\";", .csvCell) == "\"'=\"\"x\"\";\"")
    // A combining mark makes one Character of `=` or `;` and itself; CRLF is one Character.
    #expect(escaped("=\u{301}SUM(A1)", .csvCell) == "'=\u{301}SUM(A1)")
    #expect(escaped("a;\u{301}b", .csvCell) == "\"a;\u{301}b\"")
    #expect(escaped("a\r\nb", .csvCell) == "\"a\r\nb\"")
    #expect(escaped("", .csvCell) == "")
  }

  /// A spreadsheet skips leading spaces (ASCII and Unicode) before it looks for a formula,
  /// and reads the full-width and small forms of `=` `+` `-` `@` as the ASCII ones.
  @Test func csvDefusesFormulasBehindSpacesAndInFullWidth() {
    for cell in [
      " =1+1", "  +46", "\u{A0}=HYPERLINK(1)", "\u{3000}@SUM(A1)", "\u{2003}-2+3",
      "\u{FEFF}=1", "\u{200B}=1", "\n=1", " \t=1", " \r=1", "＝1+1", "＋46", "－1", "＠x",
      " ＝1", "\u{3000}＠x", "﹦1", "﹢1", "﹣1", "﹫x",
    ] {
      let out = escaped(cell, .csvCell)
      // The apostrophe leads the cell, or leads it inside its quotes.
      #expect(
        out.hasPrefix("'") || out.hasPrefix("\"'"),
        "\(cell.debugDescription) → \(out.debugDescription)")
      #expect(out.contains(cell), "the text itself is kept: \(out.debugDescription)")
    }
    for cell in [" Anna", "\u{A0}Öberg", "Anna =1", "a-b", "x@y", "1+1", " ", "\u{3000}", "Ａ＝"] {
      #expect(escaped(cell, .csvCell) == cell, "\(cell.debugDescription) needs no defusing")
    }
  }

  @Test func contentLineTextEscapesAndDrops() {
    #expect(
      escaped("a\\b;c,d\ne\r\nf\rg: \"h\" ^", .contentLineText)
        == "a\\\\b\\;c\\,d\\ne\\nf\\ng: \"h\" ^")
    #expect(
      escaped("\u{0}a\u{1B}\u{7F}\u{80}\u{9F}b\tc 🎉\u{A0}", .contentLineText) == "ab\tc 🎉\u{A0}")
  }

  @Test func contentLineParameterValuesFollowRFC6868AndQuoteWhenTheyMust() {
    #expect(escaped("Vi^2 \"G\"\nV", .contentLineParameter) == "Vi^^2 ^'G^'^nV")
    #expect(escaped("a:b", .contentLineParameter) == "\"a:b\"")
    #expect(escaped("a;b,c", .contentLineParameter) == "\"a;b,c\"")
    #expect(escaped("a\\b", .contentLineParameter) == "a\\b")
  }

  @Test func contentLineURIsLoseOnlyControlCharacters() {
    #expect(
      escaped("https://a.se/?q=a,b;c\\d\r\ne\u{85}f\u{1}", .contentLineURI)
        == "https://a.se/?q=a,b;c\\def")
  }
}
