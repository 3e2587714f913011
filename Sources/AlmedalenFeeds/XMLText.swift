/// Text made safe for XML 1.0, written straight into a byte buffer.
///
/// Characters outside XML 1.0's `Char` production make a strict parser (lxml, libxml2,
/// Foundation's `XMLParser`) give up on the whole document, and a lenient one (feedparser)
/// still flags it as broken: one stray control character in one seminar title must not cost a
/// partner the whole feed, so such characters are dropped rather than escaped (XML 1.0 has no
/// way to escape them). Line ends are written as LF, as parsers would read them anyway. C1 controls (U+0080–U+009F) are legal but are never text anyone
/// meant to write; they are dropped as well.
enum XMLText {
  /// Appends `text` as element content: `&`, `<` and `>` escaped (so `]]>` can never appear).
  static func appendText(_ text: String, to out: inout [UInt8]) {
    append(text, inAttribute: false, to: &out)
  }

  /// Appends `text` as the value of a double-quoted attribute. Tab and LF become character
  /// references, because attribute-value normalisation would otherwise turn them into spaces.
  static func appendAttribute(_ text: String, to out: inout [UInt8]) {
    append(text, inAttribute: true, to: &out)
  }

  /// `text` escaped as element content.
  static func text(_ text: String) -> String {
    var out: [UInt8] = []
    appendText(text, to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// `text` escaped as a double-quoted attribute value.
  static func attribute(_ text: String) -> String {
    var out: [UInt8] = []
    appendAttribute(text, to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  private static func append(_ text: String, inAttribute: Bool, to out: inout [UInt8]) {
    var text = text
    // A native Swift string is contiguous UTF-8, so this works on its bytes without copying.
    text.withUTF8 { bytes in
      let count = bytes.count
      // Runs of bytes that need nothing are copied in one go: most text is such a run.
      var runStart = 0
      var i = 0
      @inline(__always) func flush(upTo end: Int, into out: inout [UInt8]) {
        if end > runStart {
          out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<end]))
        }
      }
      while i < count {
        let replacement: StaticString
        var width = 1
        switch bytes[i] {
        case UInt8(ascii: "&"): replacement = "&amp;"
        case UInt8(ascii: "<"): replacement = "&lt;"
        case UInt8(ascii: ">"): replacement = "&gt;"
        case UInt8(ascii: "\"") where inAttribute: replacement = "&quot;"
        case 0x09 where inAttribute: replacement = "&#9;"
        case 0x0A where inAttribute: replacement = "&#10;"
        case 0x09, 0x0A:
          i += 1
          continue
        // CRLF is one line break, and a lone CR (old Mac text) is one too: both become LF,
        // which is what every parser would make of them.
        case 0x0D where i + 1 < count && bytes[i + 1] == 0x0A: replacement = ""
        case 0x0D: replacement = inAttribute ? "&#10;" : "\n"
        case 0x00...0x1F, 0x7F: replacement = ""
        case 0xC2 where i + 1 < count && bytes[i + 1] <= 0x9F:
          // U+0080–U+009F.
          replacement = ""
          width = 2
        case 0xEF where i + 2 < count && bytes[i + 1] == 0xBF && bytes[i + 2] >= 0xBE:
          // U+FFFE and U+FFFF, the two noncharacters XML 1.0 excludes.
          replacement = ""
          width = 3
        default:
          i += 1
          continue
        }
        flush(upTo: i, into: &out)
        replacement.withUTF8Buffer { out.append(contentsOf: $0) }
        i += width
        runStart = i
      }
      flush(upTo: count, into: &out)
    }
  }

  /// An XML document being written into one buffer. Element and attribute names are literals
  /// (so never need escaping); every value goes through the escaping above.
  struct Writer {
    var bytes: [UInt8]

    init(capacity: Int) {
      bytes = []
      bytes.reserveCapacity(capacity)
    }

    /// Markup as it stands: names, indentation, fixed values.
    mutating func raw(_ markup: StaticString) {
      markup.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Text known to hold nothing that needs escaping (numbers, dates we formatted).
    mutating func plain(_ text: String) {
      bytes.append(contentsOf: text.utf8)
    }

    mutating func text(_ text: String) {
      XMLText.appendText(text, to: &bytes)
    }

    mutating func attribute(_ text: String) {
      XMLText.appendAttribute(text, to: &bytes)
    }

    /// A decimal integer (`String(Int)` needs no allocation for numbers this small).
    mutating func number(_ value: Int) {
      bytes.append(contentsOf: String(value).utf8)
    }

    /// `<name>text</name>` on its own line, indented by `indent` spaces.
    mutating func element(_ open: StaticString, _ text: String, _ close: StaticString, indent: Int)
    {
      self.indent(indent)
      raw(open)
      self.text(text)
      raw(close)
      bytes.append(0x0A)
    }

    mutating func indent(_ spaces: Int) {
      for _ in 0..<spaces { bytes.append(0x20) }
    }
  }
}
