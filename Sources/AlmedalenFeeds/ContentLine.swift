/// RFC 5545 content lines written straight into one byte buffer, folded and escaped as they go.
///
/// Folding happens while writing rather than in a pass afterwards, so a line is never copied
/// twice and a fold can only fall between whole units: one UTF-8 scalar, one escape pair, or
/// an ASCII byte. No physical line exceeds 75 octets, the continuation's leading space
/// included; the CRLF is not counted.
///
/// Values come in three kinds with different rules: TEXT (`text(_:)`), parameter values
/// (`parameterValue(_:)`, RFC 6868) and URIs (`uri(_:)`). All three drop control characters
/// other than tab, so that no value can end a line or inject a property.
package struct ContentLineWriter {
  /// The most octets on one physical line, CRLF excluded (RFC 5545 §3.1).
  package static let maximumLineOctets = 75

  package private(set) var bytes: [UInt8]
  /// Octets on the current physical line so far.
  private var column = 0

  package init(reservingCapacity capacity: Int = 0) {
    bytes = []
    bytes.reserveCapacity(capacity)
  }

  // MARK: Lines

  /// A whole line that is plain ASCII and needs no escaping: `BEGIN:VEVENT`.
  package mutating func line(_ ascii: StaticString) {
    literal(ascii)
    endLine()
  }

  /// A property whose value is TEXT: `SUMMARY:` and the escaped title.
  package mutating func line(_ nameAndColon: StaticString, text value: String) {
    literal(nameAndColon)
    text(value)
    endLine()
  }

  /// A property whose value is a URI: `URL:` and the address, unescaped.
  package mutating func line(_ nameAndColon: StaticString, uri value: String) {
    literal(nameAndColon)
    uri(value)
    endLine()
  }

  /// Ends the current content line.
  package mutating func endLine() {
    bytes.append(ASCII.cr)
    bytes.append(ASCII.lf)
    column = 0
  }

  // MARK: Pieces of a line

  /// ASCII known at compile time: names, parameters, fixed values. Folded like anything else,
  /// since a long name plus parameters can reach the limit too.
  package mutating func literal(_ ascii: StaticString) {
    ascii.withUTF8Buffer { appendPlain($0, from: 0, to: $0.count) }
  }

  /// One ASCII byte the caller knows to be safe.
  package mutating func byte(_ byte: UInt8) {
    makeRoom(for: 1)
    bytes.append(byte)
  }

  /// A non-negative integer in decimal; negative values are written as 0.
  package mutating func integer(_ value: Int) {
    var digits = 1
    var limit = 10
    while digits < 19, value >= limit {
      digits += 1
      limit &*= 10
    }
    self.digits(max(value, 0), width: digits)
  }

  /// `value` in exactly `width` decimal digits, zero-padded (dates and times); the lowest
  /// digits when it has more.
  package mutating func digits(_ value: Int, width: Int) {
    guard width > 0 else { return }
    makeRoom(for: width)
    var divisor = 1
    for _ in 1..<width { divisor &*= 10 }
    while divisor > 0 {
      bytes.append(ASCII.zero &+ UInt8(truncatingIfNeeded: value / divisor % 10))
      divisor /= 10
    }
  }

  /// Bytes the caller vouches are printable ASCII that need no escaping.
  package mutating func ascii(_ source: UnsafeBufferPointer<UInt8>) {
    appendPlain(source, from: 0, to: source.count)
  }

  /// A FLOAT value (RFC 5545 §3.3.7) rounded to `fractionDigits` (at most 9) decimals:
  /// a `.` whatever the locale, no exponent, trailing zeros dropped. Values that are not
  /// finite or too large to round this way are written as 0; callers check ranges first.
  package mutating func decimal(_ value: Double, fractionDigits: Int) {
    var scale = 1
    for _ in 0..<fractionDigits { scale *= 10 }
    let scaled = (value * Double(scale)).rounded()
    guard scaled.isFinite, abs(scaled) < 1e15 else {
      byte(ASCII.zero)
      return
    }
    let units = Int(scaled)
    if units < 0 { byte(ASCII.hyphen) }
    let magnitude = abs(units)
    integer(magnitude / scale)
    var fraction = magnitude % scale
    var width = fractionDigits
    while width > 0, fraction % 10 == 0 {
      fraction /= 10
      width -= 1
    }
    if width > 0 {
      byte(ASCII.period)
      digits(fraction, width: width)
    }
  }

  /// A TEXT value (RFC 5545 §3.3.11): `\` `;` `,` are escaped with a backslash, each newline
  /// (LF, CR or CRLF) becomes `\n`, other control characters are dropped.
  package mutating func text(_ value: String) {
    var value = value
    value.withUTF8 { appendText($0) }
  }

  /// The two characters `\n`: a line break inside a TEXT value.
  package mutating func escapedNewline() {
    appendPair(ASCII.backslash, ASCII.lowercaseN)
  }

  /// A parameter value (RFC 5545 §3.2, RFC 6868): `^` → `^^`, `"` → `^'`, newline → `^n`,
  /// control characters dropped, and the whole value in double quotes when it holds `:` `;`
  /// or `,`, which would otherwise end the parameter.
  package mutating func parameterValue(_ value: String) {
    var value = value
    value.withUTF8 { appendParameterValue($0) }
  }

  /// A URI value, which RFC 5545 does not escape: only control characters are dropped.
  package mutating func uri(_ value: String) {
    var value = value
    value.withUTF8 { appendURI($0) }
  }

  // MARK: Folding

  /// Folds first when a unit of `count` octets would not fit on the current physical line.
  @inline(__always)
  private mutating func makeRoom(for count: Int) {
    if column + count > Self.maximumLineOctets { fold() }
    column += count
  }

  /// Ends the physical line; the space that starts the next one is part of the fold.
  private mutating func fold() {
    bytes.append(ASCII.cr)
    bytes.append(ASCII.lf)
    bytes.append(ASCII.space)
    column = 1
  }

  /// Copies `source[start..<end]`, bytes that need no escaping, in as few copies as the
  /// folds allow: plain ASCII is most of what a calendar holds.
  private mutating func appendPlain(
    _ source: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int
  ) {
    var index = start
    while index < end {
      if column >= Self.maximumLineOctets { fold() }
      let count = min(Self.maximumLineOctets - column, end - index)
      bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[index..<(index + count)]))
      column += count
      index += count
    }
  }

  @inline(__always)
  private mutating func appendPair(_ first: UInt8, _ second: UInt8) {
    makeRoom(for: 2)
    bytes.append(first)
    bytes.append(second)
  }

  /// Copies one multi-byte scalar starting at `index`, kept whole on one physical line, and
  /// returns the index after it. C1 controls (U+0080–U+009F) are dropped.
  @inline(__always)
  private mutating func appendScalar(_ source: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
    let lead = source[index]
    // Swift strings hold valid UTF-8, so the lead byte tells the length and the bytes exist.
    let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
    if lead == 0xC2 && source[index + 1] < 0xA0 { return index + 2 }
    makeRoom(for: length)
    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[index..<(index + length)]))
    return index + length
  }

  /// Skips the newline starting at `index` (CRLF counts as one) and returns the index after it.
  @inline(__always)
  private static func afterNewline(_ source: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
    if source[index] == ASCII.cr && index + 1 < source.count && source[index + 1] == ASCII.lf {
      return index + 2
    }
    return index + 1
  }

  // MARK: Value kinds

  private mutating func appendText(_ source: UnsafeBufferPointer<UInt8>) {
    var index = 0
    let end = source.count
    while index < end {
      var run = index
      while run < end, ByteClass.isPlainText(source[run]) { run += 1 }
      if run > index {
        appendPlain(source, from: index, to: run)
        index = run
        if index == end { break }
      }
      let byte = source[index]
      switch byte {
      case ASCII.backslash, ASCII.semicolon, ASCII.comma:
        appendPair(ASCII.backslash, byte)
        index += 1
      case ASCII.lf, ASCII.cr:
        appendPair(ASCII.backslash, ASCII.lowercaseN)
        index = Self.afterNewline(source, at: index)
      case 0x80...:
        index = appendScalar(source, at: index)
      default:
        // C0 controls other than tab, and DEL.
        index += 1
      }
    }
  }

  private mutating func appendParameterValue(_ source: UnsafeBufferPointer<UInt8>) {
    let quoted = source.contains { $0 == ASCII.colon || $0 == ASCII.semicolon || $0 == ASCII.comma }
    if quoted { byte(ASCII.quote) }
    var index = 0
    let end = source.count
    while index < end {
      var run = index
      while run < end, ByteClass.isPlainParameter(source[run]) { run += 1 }
      if run > index {
        appendPlain(source, from: index, to: run)
        index = run
        if index == end { break }
      }
      let byte = source[index]
      switch byte {
      case ASCII.caret:
        appendPair(ASCII.caret, ASCII.caret)
        index += 1
      case ASCII.quote:
        appendPair(ASCII.caret, ASCII.apostrophe)
        index += 1
      case ASCII.lf, ASCII.cr:
        appendPair(ASCII.caret, ASCII.lowercaseN)
        index = Self.afterNewline(source, at: index)
      case 0x80...:
        index = appendScalar(source, at: index)
      default:
        index += 1
      }
    }
    if quoted { byte(ASCII.quote) }
  }

  private mutating func appendURI(_ source: UnsafeBufferPointer<UInt8>) {
    var index = 0
    let end = source.count
    while index < end {
      var run = index
      while run < end, ByteClass.isPlainURI(source[run]) { run += 1 }
      if run > index {
        appendPlain(source, from: index, to: run)
        index = run
        if index == end { break }
      }
      if source[index] >= 0x80 {
        index = appendScalar(source, at: index)
      } else {
        index += 1
      }
    }
  }
}

extension ContentLineWriter {
  /// The bytes that each kind of value copies unchanged.
  fileprivate enum ByteClass {
    /// Printable ASCII and tab, except `\` `;` `,`.
    @inline(__always)
    static func isPlainText(_ byte: UInt8) -> Bool {
      (byte >= 0x20 && byte < 0x7F && byte != ASCII.backslash && byte != ASCII.semicolon
        && byte != ASCII.comma) || byte == ASCII.tab
    }

    /// Printable ASCII and tab, except `^` and `"`.
    @inline(__always)
    static func isPlainParameter(_ byte: UInt8) -> Bool {
      (byte >= 0x20 && byte < 0x7F && byte != ASCII.caret && byte != ASCII.quote)
        || byte == ASCII.tab
    }

    /// Printable ASCII and tab.
    @inline(__always)
    static func isPlainURI(_ byte: UInt8) -> Bool {
      (byte >= 0x20 && byte < 0x7F) || byte == ASCII.tab
    }
  }

  /// The ASCII bytes the writer spells out by value.
  fileprivate enum ASCII {
    static let tab: UInt8 = 0x09
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let apostrophe: UInt8 = 0x27
    static let comma: UInt8 = 0x2C
    static let hyphen: UInt8 = 0x2D
    static let period: UInt8 = 0x2E
    static let zero: UInt8 = 0x30
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let backslash: UInt8 = 0x5C
    static let caret: UInt8 = 0x5E
    static let lowercaseN: UInt8 = 0x6E
  }
}
