import AlmedalenFeeds
import ByteWriting

/// An HTML document being written into one byte buffer.
///
/// The output is polyglot: HTML5 that is also well-formed XML, so that it can be checked with
/// an XML parser as well as a browser's. Element and attribute names are literals and never
/// need escaping; every value goes through `text`, `attribute` or `href`, which escape it.
typealias HTMLWriter = MarkupWriter

extension MarkupWriter {
  /// A count as Swedes write it: four digits together (`4000`), longer numbers with a
  /// no-break space between thousands (`12 500`), as Språkrådet recommends.
  mutating func count(_ value: Int) {
    guard value >= 10_000 || value <= -10_000 else { return number(value) }
    let digits = Array(String(value.magnitude).utf8)
    if value < 0 { out.byte(UInt8(ascii: "-")) }
    for (index, digit) in digits.enumerated() {
      if index > 0 && (digits.count - index) % 3 == 0 { raw("&#160;") }
      out.byte(digit)
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
    out.digits(time.year, width: 4)
    out.byte(UInt8(ascii: "-"))
    out.digits(time.month, width: 2)
    out.byte(UInt8(ascii: "-"))
    out.digits(time.day, width: 2)
    out.byte(UInt8(ascii: "T"))
    clock(time)
    out.byte(UInt8(ascii: ":"))
    out.digits(time.second, width: 2)
    out.byte(time.offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
    let offset = abs(time.offset)
    out.digits(offset / 3600, width: 2)
    out.byte(UInt8(ascii: ":"))
    out.digits(offset / 60 % 60, width: 2)
  }

  /// `12:00`.
  mutating func clock(_ time: LocalTime) {
    out.digits(time.hour, width: 2)
    out.byte(UInt8(ascii: ":"))
    out.digits(time.minute, width: 2)
  }
}

/// Escaping and URL rules, on their own so that they can be tested byte by byte.
enum HTML {
  /// `text` escaped as element content.
  static func text(_ text: String) -> String {
    ByteWriter.escaping(text, .htmlText)
  }

  /// `text` escaped as a double-quoted attribute value.
  static func attribute(_ text: String) -> String {
    ByteWriter.escaping(text, .htmlAttribute)
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
}
