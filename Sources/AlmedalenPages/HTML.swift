import AlmedalenFeeds

/// An HTML document being written into one byte buffer.
///
/// The output is polyglot: HTML5 that is also well-formed XML, so that it can be checked with
/// an XML parser as well as a browser's. Element and attribute names are literals and never
/// need escaping; every value goes through `text`, `attribute` or `href`, which escape it.
struct HTMLWriter {
  var bytes: [UInt8]

  init(capacity: Int) {
    bytes = []
    bytes.reserveCapacity(capacity)
  }

  /// Markup as it stands: tags, attribute names, fixed Swedish text we wrote ourselves.
  mutating func raw(_ markup: StaticString) {
    markup.withUTF8Buffer { bytes.append(contentsOf: $0) }
  }

  /// Text known to need no escaping (numbers, dates and ids we formatted).
  mutating func plain(_ text: String) {
    bytes.append(contentsOf: text.utf8)
  }

  /// Anyone's text as element content.
  mutating func text(_ text: String) {
    HTML.append(text, inAttribute: false, to: &bytes)
  }

  /// Anyone's text as the value of a double-quoted attribute (the quotes are the caller's).
  mutating func attribute(_ text: String) {
    HTML.append(text, inAttribute: true, to: &bytes)
  }

  /// A decimal integer.
  mutating func number(_ value: Int) {
    bytes.append(contentsOf: String(value).utf8)
  }

  /// A count as Swedes write it: four digits together (`4000`), longer numbers with a
  /// no-break space between thousands (`12 500`), as Språkrådet recommends.
  mutating func count(_ value: Int) {
    guard value >= 10_000 || value <= -10_000 else { return number(value) }
    let digits = Array(String(value.magnitude).utf8)
    if value < 0 { bytes.append(UInt8(ascii: "-")) }
    for (index, digit) in digits.enumerated() {
      if index > 0 && (digits.count - index) % 3 == 0 { raw("&#160;") }
      bytes.append(digit)
    }
  }

  /// ` href="…"` for a URL of a scheme we link to; false (and nothing written) for any other.
  @discardableResult
  mutating func href(_ url: String) -> Bool {
    guard HTML.isSafeURL(url) else { return false }
    raw(" href=\"")
    attribute(url)
    raw("\"")
    return true
  }

  /// `<a href="url">text</a>`, or only the text when the URL is not one we link to.
  mutating func link(_ url: String, _ text: String) {
    guard HTML.isSafeURL(url) else { return self.text(text) }
    raw("<a")
    href(url)
    raw(">")
    self.text(text)
    raw("</a>")
  }

  /// `<a href="url">text</a>` for fixed text, or only the text when the URL is unsafe.
  mutating func link(_ url: String, _ text: StaticString) {
    guard HTML.isSafeURL(url) else { return raw(text) }
    raw("<a")
    href(url)
    raw(">")
    raw(text)
    raw("</a>")
  }

  /// `2026-06-23T12:00:00+02:00`: RFC 3339 in Visby's time with its offset, as
  /// `RFC3339.format` writes it, but from fields already split (no Calendar per event).
  mutating func dateTime(_ time: LocalTime) {
    four(time.year)
    bytes.append(UInt8(ascii: "-"))
    two(time.month)
    bytes.append(UInt8(ascii: "-"))
    two(time.day)
    bytes.append(UInt8(ascii: "T"))
    two(time.hour)
    bytes.append(UInt8(ascii: ":"))
    two(time.minute)
    bytes.append(UInt8(ascii: ":"))
    two(time.second)
    bytes.append(time.offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
    let offset = abs(time.offset)
    two(offset / 3600)
    bytes.append(UInt8(ascii: ":"))
    two(offset / 60 % 60)
  }

  /// `12:00`.
  mutating func clock(_ time: LocalTime) {
    two(time.hour)
    bytes.append(UInt8(ascii: ":"))
    two(time.minute)
  }

  private mutating func two(_ value: Int) {
    bytes.append(UInt8(ascii: "0") + UInt8(value / 10 % 10))
    bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
  }

  private mutating func four(_ value: Int) {
    two(value / 100)
    two(value % 100)
  }
}

/// Escaping and URL rules, on their own so that they can be tested byte by byte.
enum HTML {
  /// `text` escaped as element content.
  static func text(_ text: String) -> String {
    var out: [UInt8] = []
    append(text, inAttribute: false, to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// `text` escaped as a double-quoted attribute value.
  static func attribute(_ text: String) -> String {
    var out: [UInt8] = []
    append(text, inAttribute: true, to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// Whether a link may point there: the web, mail, calendars and our own paths. Everything
  /// else (`javascript:`, `data:`, `vbscript:`, relative paths that a browser might read as a
  /// scheme) is dropped. `//host` is refused too: our own paths never start that way, and it
  /// would lead off the site while looking like a path.
  static func isSafeURL(_ url: String) -> Bool {
    let bytes = url.utf8
    guard let first = bytes.first else { return false }
    if first == UInt8(ascii: "/") {
      let second = bytes.dropFirst().first
      return second != UInt8(ascii: "/") && second != UInt8(ascii: "\\")
    }
    for scheme in safeSchemes where hasPrefix(bytes, scheme) {
      // A scheme with nothing after it is no link.
      return bytes.count > scheme.count
    }
    return false
  }

  private static let safeSchemes: [[UInt8]] = ["https://", "http://", "webcal://", "mailto:"]
    .map { Array($0.utf8) }

  /// ASCII case-insensitive prefix test (schemes are case-insensitive).
  private static func hasPrefix(_ bytes: String.UTF8View, _ prefix: [UInt8]) -> Bool {
    var index = bytes.startIndex
    for expected in prefix {
      guard index != bytes.endIndex else { return false }
      var byte = bytes[index]
      if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte += 32 }
      guard byte == expected else { return false }
      index = bytes.index(after: index)
    }
    return true
  }

  /// Appends `text` escaped: `& < > " '` as references, so the same code is safe in content
  /// and in attributes. Control characters are dropped (XML 1.0 cannot carry them at all, and
  /// no one means to write them); CRLF and a lone CR become LF. In attributes, tab and LF are
  /// written as references so that an XML parser keeps them as an HTML parser does. Bidi
  /// controls left open are closed at the end of the text.
  static func append(_ text: String, inAttribute: Bool, to out: inout [UInt8]) {
    var text = text
    // Open bidi embeddings (false) and isolates (true), innermost last.
    var openBidi: [Bool] = []
    // A native string is contiguous UTF-8: this reads its bytes without copying them.
    text.withUTF8 { bytes in
      let count = bytes.count
      // Runs of bytes needing nothing are copied at once; most text is one such run.
      var runStart = 0
      var i = 0
      while i < count {
        let replacement: StaticString
        var width = 1
        switch bytes[i] {
        case UInt8(ascii: "&"): replacement = "&amp;"
        case UInt8(ascii: "<"): replacement = "&lt;"
        case UInt8(ascii: ">"): replacement = "&gt;"
        case UInt8(ascii: "\""): replacement = "&quot;"
        case UInt8(ascii: "'"): replacement = "&#39;"
        case 0x09 where inAttribute: replacement = "&#9;"
        case 0x0A where inAttribute: replacement = "&#10;"
        case 0x09, 0x0A:
          i += 1
          continue
        case 0x0D where i + 1 < count && bytes[i + 1] == 0x0A: replacement = ""
        case 0x0D: replacement = inAttribute ? "&#10;" : "\n"
        case 0x00...0x1F, 0x7F: replacement = ""
        case 0xC2 where i + 1 < count && bytes[i + 1] <= 0x9F:
          // U+0080–U+009F, the C1 controls.
          replacement = ""
          width = 2
        case 0xEF where i + 2 < count && bytes[i + 1] == 0xBF && bytes[i + 2] >= 0xBE:
          // U+FFFE and U+FFFF, which XML 1.0 excludes.
          replacement = ""
          width = 3
        case 0xE2 where i + 2 < count && (bytes[i + 1] == 0x80 || bytes[i + 1] == 0x81):
          // Bidi embeddings, overrides and isolates are kept, but noted, so that the ones
          // left open can be closed at the end (see `closeBidi`).
          switch (bytes[i + 1], bytes[i + 2]) {
          case (0x80, 0xAA), (0x80, 0xAB), (0x80, 0xAD), (0x80, 0xAE): openBidi.append(false)
          case (0x80, 0xAC): if openBidi.last == false { openBidi.removeLast() }
          case (0x81, 0xA6), (0x81, 0xA7), (0x81, 0xA8): openBidi.append(true)
          case (0x81, 0xA9):
            if let isolate = openBidi.lastIndex(of: true) { openBidi.removeSubrange(isolate...) }
          default: break
          }
          i += 3
          continue
        default:
          i += 1
          continue
        }
        if i > runStart {
          out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
        }
        replacement.withUTF8Buffer { out.append(contentsOf: $0) }
        i += width
        runStart = i
      }
      if count > runStart {
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count]))
      }
    }
    closeBidi(openBidi, to: &out)
  }

  /// Closes the bidi embeddings and isolates one piece of text left open, innermost first, so
  /// that a right-to-left override in a seminar's title cannot reverse the text after it
  /// (the INSTÄLLT badge, the next seminar's time) on the same line.
  private static func closeBidi(_ open: [Bool], to out: inout [UInt8]) {
    for isolate in open.reversed() {
      // U+2069 POP DIRECTIONAL ISOLATE, U+202C POP DIRECTIONAL FORMATTING.
      out.append(contentsOf: isolate ? [0xE2, 0x81, 0xA9] : [0xE2, 0x80, 0xAC])
    }
  }
}
