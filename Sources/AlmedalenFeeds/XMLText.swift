import ByteWriting

/// XML 1.0 documents (RSS, frab), written straight into a byte buffer; the escaping rules are
/// `Escaping.xmlText` and `.xmlAttribute`.
enum XMLText {
  /// `text` escaped as element content.
  static func text(_ text: String) -> String {
    ByteWriter.escaping(text, .xmlText)
  }

  /// `text` escaped as a double-quoted attribute value.
  static func attribute(_ text: String) -> String {
    ByteWriter.escaping(text, .xmlAttribute)
  }

  /// An XML document being written into one buffer (`MarkupWriter` in its XML dialect).
  typealias Writer = MarkupWriter
}

extension MarkupWriter {
  /// `<name>text</name>` on its own line, indented by `indent` spaces.
  mutating func element(_ open: StaticString, _ text: String, _ close: StaticString, indent: Int) {
    self.indent(indent)
    raw(open)
    self.text(text)
    raw(close)
    out.byte(0x0A)
  }

  mutating func indent(_ spaces: Int) {
    for _ in 0..<spaces { out.byte(0x20) }
  }
}
