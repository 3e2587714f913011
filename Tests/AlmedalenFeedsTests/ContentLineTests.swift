import AlmedalenFeeds
import Testing

/// The RFC 5545 line builder on its own: escaping, folding, numbers.
@Suite struct ContentLineTests {
  /// The bytes of one written line, as a string for readable expectations.
  private func written(_ build: (inout ContentLineWriter) -> Void) -> String {
    var writer = ContentLineWriter()
    build(&writer)
    return String(decoding: writer.bytes, as: UTF8.self)
  }

  /// The physical lines of `bytes`, CRLF removed.
  private func physicalLines(_ bytes: [UInt8]) -> [[UInt8]] {
    var lines: [[UInt8]] = []
    var current: [UInt8] = []
    var index = 0
    while index < bytes.count {
      if bytes[index] == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A {
        lines.append(current)
        current = []
        index += 2
      } else {
        current.append(bytes[index])
        index += 1
      }
    }
    if !current.isEmpty { lines.append(current) }
    return lines
  }

  /// Joins continuation lines (those starting with a space) to the line before.
  private func unfolded(_ bytes: [UInt8]) -> String {
    var joined: [UInt8] = []
    for (index, line) in physicalLines(bytes).enumerated() {
      if index > 0 {
        if line.first == 0x20 {
          joined += line.dropFirst()
          continue
        }
        joined += [0x0D, 0x0A]
      }
      joined += line
    }
    return String(decoding: joined, as: UTF8.self)
  }

  @Test func textEscapesBackslashSemicolonCommaAndEveryNewline() {
    let line = written { $0.line("X:", text: "a\\b;c,d\ne\r\nf\rg") }
    #expect(line == "X:a\\\\b\\;c\\,d\\ne\\nf\\ng\r\n")
  }

  @Test func textLeavesColonAndDoubleQuoteAlone() {
    let line = written { $0.line("X:", text: "Tid: 14:00 \"Hej\"") }
    #expect(line == "X:Tid: 14:00 \"Hej\"\r\n")
  }

  @Test func textDropsControlCharactersButKeepsTab() {
    let line = written {
      $0.line("X:", text: "\u{0}a\u{1}\u{1B}\u{7F}\u{80}\u{85}\u{9F}b\tc\u{1F}")
    }
    #expect(line == "X:ab\tc\r\n")
  }

  @Test func textKeepsEmojiBidiMarksAndLatin1() {
    let value = "👋🏽 \u{200F}\u{202E}x \u{A0}é å 𝄞"
    let line = written { $0.line("X:", text: value) }
    #expect(line == "X:" + value + "\r\n")
  }

  @Test func longValuesFoldAtSeventyFiveOctetsAndUnfoldToTheOriginal() {
    let value = String(repeating: "0123456789", count: 30)
    var writer = ContentLineWriter()
    writer.line("DESCRIPTION:", text: value)
    let lines = physicalLines(writer.bytes)
    #expect(lines.count > 4)
    #expect(lines.allSatisfy { $0.count <= 75 })
    #expect(lines.first?.count == 75)
    #expect(lines.dropFirst().allSatisfy { $0.first == 0x20 })
    #expect(unfolded(writer.bytes) == "DESCRIPTION:" + value)
  }

  @Test func foldFallsBeforeATwoByteLetterThatWouldCrossTheLimit() {
    // "SUMMARY:" and 66 letters fill octets 1–74; "å" would take octets 75 and 76.
    let prefix = String(repeating: "x", count: 66)
    var writer = ContentLineWriter()
    writer.line("SUMMARY:", text: prefix + "åäö")
    let lines = physicalLines(writer.bytes)
    #expect(lines.count == 2)
    #expect(lines[0] == Array(("SUMMARY:" + prefix).utf8))
    #expect(lines[1] == Array(" åäö".utf8))
    #expect(unfolded(writer.bytes) == "SUMMARY:" + prefix + "åäö")
  }

  @Test func foldNeverSplitsAScalarWhateverItsLengthAndPosition() {
    for scalar in ["å", "€", "😀"] {
      for padding in 55...80 {
        let value = String(repeating: "x", count: padding) + String(repeating: scalar, count: 40)
        var writer = ContentLineWriter()
        writer.line("SUMMARY:", text: value)
        for line in physicalLines(writer.bytes) {
          #expect(line.count <= 75)
          #expect(String(validating: line, as: UTF8.self) != nil, "split \(scalar) at \(padding)")
        }
        #expect(unfolded(writer.bytes) == "SUMMARY:" + value)
      }
    }
  }

  @Test func foldKeepsEscapePairsTogether() {
    for padding in 60...80 {
      let value = String(repeating: "x", count: padding) + ",;\\\n,;\\\n"
      var writer = ContentLineWriter()
      writer.line("SUMMARY:", text: value)
      for line in physicalLines(writer.bytes) {
        #expect(line.count <= 75)
        let trailingBackslashes = line.reversed().prefix { $0 == 0x5C }.count
        #expect(trailingBackslashes % 2 == 0, "split an escape at \(padding)")
      }
    }
  }

  /// Folding is greedy, as RFC 5545 clients and our earlier output expect: every physical
  /// line but the last is as full as it can be, so that the unit starting the next one
  /// (an escape pair, a scalar, a byte) would not have fitted.
  @Test(arguments: [
    ("TEXT", "\\\\\\,,;;\n", UInt8(ascii: "\\")),
    ("parameter", "^^^\"\"^x\\", UInt8(ascii: "^")),
    ("scalars", "åå€€😀😀\\\\", UInt8(ascii: "\\")),
  ])
  func foldsFallAsLateAsTheUnitsAllow(_ kind: String, _ tail: String, _ escape: UInt8) {
    for padding in 40...80 {
      let value = String(repeating: "x", count: padding) + String(repeating: tail, count: 6)
      var writer = ContentLineWriter()
      if kind == "parameter" {
        writer.literal("X;CN=")
        writer.parameterValue(value)
        writer.literal(":x")
        writer.endLine()
      } else {
        writer.line("SUMMARY:", text: value)
      }
      let lines = physicalLines(writer.bytes)
      #expect(lines.count >= 2)
      for (line, next) in zip(lines, lines.dropFirst()) {
        let lead = next[1]
        let unit = lead == escape ? 2 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        #expect(line.count + unit > 75, "\(kind): a line of \(line.count) before \(unit)")
        #expect(line.count <= 75)
      }
    }
  }

  @Test func longLiteralNamesFoldToo() {
    var writer = ContentLineWriter()
    writer.literal("X-A-VERY-LONG-EXPERIMENTAL-PROPERTY-NAME;X-PARAM=ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    writer.literal(";X-MORE=0123456789:")
    writer.text("value")
    writer.endLine()
    #expect(physicalLines(writer.bytes).allSatisfy { $0.count <= 75 })
    #expect(
      unfolded(writer.bytes)
        == "X-A-VERY-LONG-EXPERIMENTAL-PROPERTY-NAME;X-PARAM=ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        + ";X-MORE=0123456789:value")
  }

  @Test func parameterValueUsesRFC6868CaretEscapes() {
    let line = written {
      $0.literal("ORGANIZER;CN=")
      $0.parameterValue("Ann \"A^B\"\nY")
      $0.literal(":urn:x")
      $0.endLine()
    }
    #expect(line == "ORGANIZER;CN=Ann ^'A^^B^'^nY:urn:x\r\n")
  }

  @Test func parameterValueIsQuotedWhenItHoldsColonSemicolonOrComma() {
    for (value, expected) in [
      ("Region Gotland", "Region Gotland"),
      ("Svenska kyrkan: Visby", "\"Svenska kyrkan: Visby\""),
      ("A; B", "\"A; B\""),
      ("Ab, Cd", "\"Ab, Cd\""),
      ("Crlf\r\nCr\rLf\n\"q\"", "Crlf^nCr^nLf^n^'q^'"),
    ] {
      let line = written { $0.parameterValue(value) }
      #expect(line == expected)
    }
  }

  @Test func parameterValueDropsControlCharacters() {
    let line = written { $0.parameterValue("A\u{0}\u{7}B\u{7F}\u{85}C\tD") }
    #expect(line == "ABC\tD")
  }

  @Test func uriIsNotEscapedButLosesControlCharacters() {
    let line = written {
      $0.line("URL:", uri: "https://example.org/a,b;c?d=\\e\r\nBEGIN:VEVENT")
    }
    #expect(line == "URL:https://example.org/a,b;c?d=\\eBEGIN:VEVENT\r\n")
  }

  @Test func decimalsUseAPointAndNoExponent() {
    for (value, expected) in [
      (57.6394, "57.6394"), (18.0, "18"), (-12.5, "-12.5"), (0.0000001, "0"),
      (-0.0000004, "0"), (123.4567891, "123.456789"), (1e-6, "0.000001"), (-180.0, "-180"),
      (Double.nan, "0"), (Double.infinity, "0"),
    ] {
      let text = written { $0.decimal(value, fractionDigits: 6) }
      #expect(text == expected, "\(value)")
    }
  }

  @Test func integersAndZeroPaddedDigits() {
    #expect(written { $0.integer(0) } == "0")
    #expect(written { $0.integer(42) } == "42")
    #expect(written { $0.integer(1_000_000) } == "1000000")
    #expect(written { $0.integer(-3) } == "0")
    #expect(written { $0.integer(Int.max) } == String(Int.max))
    #expect(written { $0.digits(7, width: 2) } == "07")
    #expect(written { $0.digits(2026, width: 4) } == "2026")
  }
}
