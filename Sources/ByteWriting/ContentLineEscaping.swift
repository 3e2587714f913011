extension ByteWriter {
  /// The three kinds of RFC 5545 value, which differ in which bytes they escape.
  enum ContentLineValue {
    case text, parameter, uri
  }

  /// RFC 5545 values, escaped but not folded: folding needs the line's column, which only
  /// the line writer knows. In what this writes, `\` (TEXT) and `^` (parameter values)
  /// always start a two-byte escape, so the line writer can tell where a fold may not fall.
  @inline(__always)
  mutating func appendContentLine(_ source: UnsafeBufferPointer<UInt8>, _ kind: ContentLineValue) {
    let quoted =
      kind == .parameter
      && source.contains {
        $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: ",")
      }
    if quoted { byte(UInt8(ascii: "\"")) }
    let end = source.count
    var runStart = 0
    var index = 0
    while index < end {
      let byte = source[index]
      switch byte {
      case 0x20..<0x7F where !Self.isEscaped(byte, kind), 0x09:
        index += 1
        continue
      case 0x80...:
        // Swift strings hold valid UTF-8, so the lead byte tells the length and the bytes
        // exist. Only C1 controls (U+0080–U+009F) need anything: they are dropped.
        if byte == 0xC2 && source[index + 1] < 0xA0 { break }
        index += byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
        continue
      default:
        break
      }
      copy(source, from: runStart, to: index)
      switch byte {
      case 0x0A, 0x0D:
        if kind != .uri { literal(kind == .text ? "\\n" : "^n") }
        // CRLF is one newline.
        let crlf = byte == 0x0D && index + 1 < end && source[index + 1] == 0x0A
        index += crlf ? 2 : 1
      case 0xC2:
        index += 2
      case UInt8(ascii: "\""):
        literal("^'")
        index += 1
      case 0x20..<0x7F:
        // `\` `;` `,` in TEXT, `^` in parameter values: escaped by doubling or a backslash.
        self.byte(kind == .text ? UInt8(ascii: "\\") : UInt8(ascii: "^"))
        self.byte(byte)
        index += 1
      default:
        // C0 controls other than tab, and DEL.
        index += 1
      }
      runStart = index
    }
    copy(source, from: runStart, to: end)
    if quoted { byte(UInt8(ascii: "\"")) }
  }

  /// Printable ASCII that `kind` does not copy as it is.
  @inline(__always)
  static func isEscaped(_ byte: UInt8, _ kind: ContentLineValue) -> Bool {
    switch kind {
    case .text: byte == UInt8(ascii: "\\") || byte == UInt8(ascii: ";") || byte == UInt8(ascii: ",")
    case .parameter: byte == UInt8(ascii: "^") || byte == UInt8(ascii: "\"")
    case .uri: false
    }
  }
}
