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

  /// An XML document being written into one buffer. Element and attribute names are literals
  /// (so never need escaping); every value goes through the escaping.
  struct Writer {
    private var out: ByteWriter

    var bytes: [UInt8] { out.bytes }

    init(capacity: Int) {
      out = ByteWriter(capacity: capacity)
    }

    /// Markup as it stands: names, indentation, fixed values.
    mutating func raw(_ markup: StaticString) {
      out.literal(markup)
    }

    /// Text known to hold nothing that needs escaping (numbers, dates we formatted).
    mutating func plain(_ text: String) {
      out.plain(text)
    }

    mutating func text(_ text: String) {
      out.escaped(text, .xmlText)
    }

    mutating func attribute(_ text: String) {
      out.escaped(text, .xmlAttribute)
    }

    mutating func number(_ value: Int) {
      out.number(value)
    }

    /// `<name>text</name>` on its own line, indented by `indent` spaces.
    mutating func element(_ open: StaticString, _ text: String, _ close: StaticString, indent: Int)
    {
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
}
