import ByteWriting

/// RFC 5545 content lines written straight into one byte buffer, folded and escaped as they go.
///
/// Folding happens while writing: a value is escaped into the buffer and, in the few cases
/// where it runs past the line's end, folded where it lies, so a line is never copied
/// twice, and a fold can only fall between whole units: one UTF-8 scalar, one escape pair,
/// or an ASCII byte. No physical line exceeds 75 octets, the continuation's leading space
/// included; the CRLF is not counted.
///
/// Values come in three kinds with different rules: TEXT (`text(_:)`), parameter values
/// (`parameterValue(_:)`, RFC 6868) and URIs (`uri(_:)`), escaped by `ByteWriter`'s
/// `Escaping`. All three drop control characters other than tab, so that no value can end a
/// line or inject a property.
package struct ContentLineWriter {
  /// The most octets on one physical line, CRLF excluded (RFC 5545 §3.1).
  package static let maximumLineOctets = 75

  private var out: ByteWriter
  /// Octets on the current physical line so far.
  private var column = 0
  /// Where a value too long for its line is folded, kept between values for its capacity.
  private var folds: [Int] = []

  package var bytes: [UInt8] { out.bytes }

  package init(reservingCapacity capacity: Int = 0) {
    out = ByteWriter(capacity: capacity)
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
    out.literal("\r\n")
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
    out.byte(byte)
  }

  /// A non-negative integer in decimal; negative values are written as 0.
  package mutating func integer(_ value: Int) {
    var digits = 1
    var rest = max(value, 0) / 10
    while rest > 0 {
      digits += 1
      rest /= 10
    }
    self.digits(max(value, 0), width: digits)
  }

  /// `value` in exactly `width` decimal digits, zero-padded (dates and times); the lowest
  /// digits when it has more.
  package mutating func digits(_ value: Int, width: Int) {
    guard width > 0 else { return }
    makeRoom(for: width)
    out.digits(value, width: width)
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
    folded(value, .contentLineText, escape: ASCII.backslash)
  }

  /// The two characters `\n`: a line break inside a TEXT value.
  package mutating func escapedNewline() {
    appendPair(ASCII.backslash, ASCII.lowercaseN)
  }

  /// A parameter value (RFC 5545 §3.2, RFC 6868): `^` → `^^`, `"` → `^'`, newline → `^n`,
  /// control characters dropped, and the whole value in double quotes when it holds `:` `;`
  /// or `,`, which would otherwise end the parameter.
  package mutating func parameterValue(_ value: String) {
    folded(value, .contentLineParameter, escape: ASCII.caret)
  }

  /// A URI value, which RFC 5545 does not escape: only control characters are dropped.
  package mutating func uri(_ value: String) {
    folded(value, .contentLineURI, escape: nil)
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
    out.literal("\r\n ")
    column = 1
  }

  /// Writes `value` escaped, then folds it in place if it ran past the line's end: most
  /// values fit where they are and are written once.
  ///
  /// A fold may only fall between whole units: one ASCII byte, one UTF-8 scalar (never
  /// before a continuation byte), or an escape pair. `escape` (`\` or `^`) starts a pair
  /// wherever the escaping wrote it, so a run of them pairs up from its first: a fold after
  /// an odd number of them would split the last pair.
  private mutating func folded(_ value: String, _ escaping: Escaping, escape: UInt8?) {
    let start = out.count
    out.escaped(value, escaping)
    let end = out.count
    if column + (end - start) <= Self.maximumLineOctets {
      column += end - start
      return
    }
    var folds = self.folds
    folds.removeAll(keepingCapacity: true)
    var lineStart = start
    out.bytes.withUnsafeBufferPointer { bytes in
      var room = Self.maximumLineOctets - column
      while end - lineStart > room {
        var cut = lineStart + room
        while cut > lineStart, bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
        if let escape {
          var leads = 0
          while cut - leads > start, bytes[cut - leads - 1] == escape { leads += 1 }
          if leads % 2 == 1 { cut -= 1 }
        }
        folds.append(cut)
        lineStart = cut
        // The continuation's leading space takes one octet.
        room = Self.maximumLineOctets - 1
      }
    }
    // Each fold inserts CRLF and a space: move what follows it, last fold first, so that
    // every byte moves once.
    out.bytes.append(contentsOf: repeatElement(0, count: 3 * folds.count))
    out.bytes.withUnsafeMutableBufferPointer { bytes in
      let base = UnsafeMutableRawPointer(bytes.baseAddress!)
      var segmentEnd = end
      for (number, cut) in folds.enumerated().reversed() {
        let shift = 3 * (number + 1)
        (base + cut + shift).copyMemory(from: base + cut, byteCount: segmentEnd - cut)
        bytes[cut + shift - 3] = 0x0D
        bytes[cut + shift - 2] = 0x0A
        bytes[cut + shift - 1] = 0x20
        segmentEnd = cut
      }
    }
    column = 1 + end - lineStart
    self.folds = folds
  }

  /// Copies `source[start..<end]`, ASCII that folds anywhere, in as few copies as the folds
  /// allow: plain ASCII is most of what a calendar holds.
  private mutating func appendPlain(
    _ source: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int
  ) {
    var index = start
    while index < end {
      if column >= Self.maximumLineOctets { fold() }
      let count = min(Self.maximumLineOctets - column, end - index)
      out.append(UnsafeBufferPointer(rebasing: source[index..<(index + count)]))
      column += count
      index += count
    }
  }

  @inline(__always)
  private mutating func appendPair(_ first: UInt8, _ second: UInt8) {
    makeRoom(for: 2)
    out.byte(first)
    out.byte(second)
  }
}

extension ContentLineWriter {
  /// The ASCII bytes the writer spells out by value.
  fileprivate enum ASCII {
    static let hyphen: UInt8 = 0x2D
    static let period: UInt8 = 0x2E
    static let zero: UInt8 = 0x30
    static let backslash: UInt8 = 0x5C
    static let caret: UInt8 = 0x5E
    static let lowercaseN: UInt8 = 0x6E
  }
}
