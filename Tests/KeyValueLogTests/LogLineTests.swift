import KeyValueLog
import Testing

/// The one writer of log lines: whatever text a value holds, the line stays one line of
/// visible characters, and its fields cannot be forged.
@Suite struct LogLineTests {
  @Test func plainValuesAreBareAndOthersQuoted() {
    #expect(
      LogLine(.info, "request", [("path", "/healthz"), ("status", "200")]).text
        == "level=info event=request path=/healthz status=200")
    #expect(
      LogLine(.error, "x", [("error", #"a "b" c\d=e"#), ("empty", "")]).text
        == #"level=error event=x error="a \"b\" c\\d=e" empty="""#)
    #expect(
      LogLine(.info, "seed demo", sorted: ["b": "2", "a": "1"]).text
        == #"level=info event="seed demo" a=1 b=2"#)
  }

  /// Each of these would act on a terminal or a log viewer, or end the line.
  @Test(arguments: [
    ("\u{1B}[2J", #""\x1b[2J""#), ("a\rb", #""a\x0db""#), ("a\nb", #""a\x0ab""#),
    ("\u{7F}", #""\x7f""#), ("\u{85}", #""\x85""#), ("\u{9B}31m", #""\x9b31m""#),
    ("a\u{2028}b", #""a\u{2028}b""#), ("a\u{2029}b", #""a\u{2029}b""#),
    ("\u{202E}txt", #""\u{202e}txt""#), ("\u{2066}", #""\u{2066}""#),
    ("\u{200B}", #""\u{200b}""#), ("\u{FEFF}", #""\u{feff}""#), ("\t", #""\x09""#),
    ("\u{0}", #""\x00""#),
  ])
  func controlCharactersAreEscaped(_ value: String, _ written: String) {
    let line = LogLine(.error, "handler_failed", [("error", value)])
    #expect(line.text == "level=error event=handler_failed error=" + written)
    #expect(line.text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F })
  }

  @Test func visibleUnicodeStaysReadable() {
    #expect(
      LogLine(.info, "e", [("name", "Åsa Öberg 🎉")]).text
        == #"level=info event=e name="Åsa Öberg 🎉""#)
    #expect(LogLine(.info, "e", [("name", "Visby")]).text == "level=info event=e name=Visby")
  }

  /// A database message that echoes a client's bytes cannot forge a second line or a field.
  @Test func aForgedLineStaysInsideItsValue() {
    let hostile =
      "invalid input syntax for type uuid: \"x\r\nlevel=info event=request status=200\u{1B}[1A\""
    let line = LogLine(.error, "handler_failed", [("id", "abc"), ("error", hostile)])
    #expect(!line.text.contains("\n") && !line.text.contains("\r") && !line.text.contains("\u{1B}"))
    #expect(line.text.hasPrefix("level=error event=handler_failed id=abc error=\""))
    #expect(line.text.hasSuffix("\""))
    // Keys are ours, but even so a key cannot carry a space or an `=`.
    #expect(LogLine(.info, "e", [("a b=c", "1")]).text == "level=info event=e a_b_c=1")
    #expect(LogLine(.info, "e").adding([("x", "a b")]).text == #"level=info event=e x="a b""#)
  }
}
