/// Bytes written into one growing buffer: literals, numbers, and text escaped for the format
/// being written (see `Escaping`).
///
/// Every writer of a document format (content lines, XML, HTML, JSON, CSV) is built on this
/// one buffer, so that the escaping rules live in one place and none of them goes through
/// `String` concatenation: the writers run once per response over thousands of values.
package struct ByteWriter {
  package var bytes: [UInt8]

  package init(capacity: Int = 0) {
    bytes = []
    bytes.reserveCapacity(capacity)
  }

  package var count: Int { bytes.count }

  /// One byte the caller knows to be right for the format.
  @inlinable
  package mutating func byte(_ byte: UInt8) {
    bytes.append(byte)
  }

  /// Text known at compile time, as it stands: markup, names, fixed values.
  @inlinable
  package mutating func literal(_ text: StaticString) {
    text.withUTF8Buffer { bytes.append(contentsOf: $0) }
  }

  /// Bytes as they stand.
  @inlinable
  package mutating func append(_ source: UnsafeBufferPointer<UInt8>) {
    bytes.append(contentsOf: source)
  }

  /// Text the caller vouches needs no escaping (numbers, dates and ids it formatted itself).
  @inlinable
  package mutating func plain(_ text: String) {
    bytes.append(contentsOf: text.utf8)
  }

  /// A decimal integer, `-` before negative ones, as `String(value)` writes it.
  @inlinable
  package mutating func number(_ value: Int) {
    if value < 0 { bytes.append(UInt8(ascii: "-")) }
    var width = 1
    var rest = value.magnitude / 10
    while rest > 0 {
      width += 1
      rest /= 10
    }
    digits(value, width: width)
  }

  /// `value` (its magnitude) in exactly `width` decimal digits, zero-padded (dates and
  /// times); its lowest digits when it has more. At most 20 digits, as many as an `Int` has.
  @inlinable
  package mutating func digits(_ value: Int, width: Int) {
    guard width > 0 else { return }
    let value = value.magnitude
    var divisor: UInt = 1
    for _ in 1..<width { divisor &*= 10 }
    while divisor > 0 {
      bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / divisor % 10))
      divisor /= 10
    }
  }

  /// Drops everything after the first `count` bytes.
  package mutating func truncate(to count: Int) {
    bytes.removeSubrange(count...)
  }

  /// `text` escaped as `escaping` says.
  package mutating func escaped(_ text: String, _ escaping: Escaping) {
    var text = text
    // A native Swift string is contiguous UTF-8: this reads its bytes without copying them.
    text.withUTF8 { source in
      switch escaping {
      case .xmlText: appendMarkup(source, attribute: false, html: false)
      case .xmlAttribute: appendMarkup(source, attribute: true, html: false)
      case .htmlText: appendMarkup(source, attribute: false, html: true)
      case .htmlAttribute: appendMarkup(source, attribute: true, html: true)
      case .jsonString: appendJSON(source)
      case .csvCell: appendCSV(source)
      case .contentLineText: appendContentLine(source, .text)
      case .contentLineParameter: appendContentLine(source, .parameter)
      case .contentLineURI: appendContentLine(source, .uri)
      }
    }
  }

  /// `text` escaped as `escaping` says, as a string: for tests and the odd short value.
  package static func escaping(_ text: String, _ escaping: Escaping) -> String {
    var out = ByteWriter()
    out.escaped(text, escaping)
    return String(decoding: out.bytes, as: UTF8.self)
  }

  /// The step of every escaping loop that copies runs of bytes needing nothing: the run up to
  /// `index`, then `replacement` for the `width` bytes there; the next run starts after them.
  @inline(__always)
  mutating func replace(
    _ source: UnsafeBufferPointer<UInt8>, at index: inout Int, width: Int,
    with replacement: StaticString, runStart: inout Int
  ) {
    copy(source, from: runStart, to: index)
    literal(replacement)
    index += width
    runStart = index
  }

  /// Copies `source[start..<end]` unless the range is empty.
  @inline(__always)
  @usableFromInline
  mutating func copy(_ source: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) {
    if end > start {
      bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[start..<end]))
    }
  }
}
