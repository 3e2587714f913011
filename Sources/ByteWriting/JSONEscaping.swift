extension ByteWriter {
  mutating func appendJSON(_ source: UnsafeBufferPointer<UInt8>) {
    let count = source.count
    var runStart = 0
    var i = 0
    while i < count {
      let byte = source[i]
      let replacement: StaticString
      var width = 1
      switch byte {
      case UInt8(ascii: "\""): replacement = "\\\""
      case UInt8(ascii: "\\"): replacement = "\\\\"
      case 0x0A: replacement = "\\n"
      case 0x0D: replacement = "\\r"
      case 0x09: replacement = "\\t"
      case 0x00...0x1F, 0x7F:
        // The other C0 controls and DEL have no short escape.
        copy(source, from: runStart, to: i)
        literal("\\u00")
        self.byte(Self.hexDigit(byte >> 4))
        self.byte(Self.hexDigit(byte & 0x0F))
        i += 1
        runStart = i
        continue
      case 0xC2 where i + 1 < count && (0x80...0x9F).contains(source[i + 1]):
        // C1 controls (U+0080–U+009F, UTF-8 C2 80–C2 9F) as \u0080–\u009f: legal raw in
        // JSON, but YAML readers and terminals refuse or obey them.
        copy(source, from: runStart, to: i)
        literal("\\u00")
        self.byte(Self.hexDigit(source[i + 1] >> 4))
        self.byte(Self.hexDigit(source[i + 1] & 0x0F))
        i += 2
        runStart = i
        continue
      case 0xE2 where i + 2 < count && source[i + 1] == 0x80 && (source[i + 2] & 0xFE) == 0xA8:
        replacement = source[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"
        width = 3
      default:
        i += 1
        continue
      }
      replace(source, at: &i, width: width, with: replacement, runStart: &runStart)
    }
    copy(source, from: runStart, to: count)
  }

  /// `0`–`9`, `a`–`f`.
  static func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
  }
}
