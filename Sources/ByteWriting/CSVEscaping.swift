extension ByteWriter {
  /// Works on bytes, not `Character`s: a combining mark after `=` or `;` makes one
  /// `Character` of the two, which a character test misses though a spreadsheet still sees
  /// the `=` or the `;`; and CRLF is one `Character` equal to neither CR nor LF.
  mutating func appendCSV(_ source: UnsafeBufferPointer<UInt8>) {
    let defused = Self.startsLikeAFormula(source)
    let quoted = source.contains {
      $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D
        || $0 == UInt8(ascii: ",")
    }
    if quoted { byte(UInt8(ascii: "\"")) }
    if defused { byte(UInt8(ascii: "'")) }
    guard quoted else { return append(source) }
    var runStart = 0
    for (i, byte) in source.enumerated() where byte == UInt8(ascii: "\"") {
      // The quote is copied with the run before it, and starts the next run: doubled.
      copy(source, from: runStart, to: i + 1)
      runStart = i
    }
    copy(source, from: runStart, to: source.count)
    byte(UInt8(ascii: "\""))
  }

  /// Whether a spreadsheet could read the cell as a formula: its first character that is
  /// not a space (ASCII or Unicode, zero-width ones included) is `=` `+` `-` `@`, tab or CR,
  /// or their full-width (`＝＋－＠`) or small (`﹦﹢﹣﹫`) forms, which spreadsheets fold to
  /// ASCII.
  static func startsLikeAFormula(_ source: UnsafeBufferPointer<UInt8>) -> Bool {
    var iterator = source.makeIterator()
    var decoder = UTF8()
    while case .scalarValue(let scalar) = decoder.decode(&iterator) {
      switch scalar.value {
      case 0x3D, 0x2B, 0x2D, 0x40, 0x09, 0x0D: return true
      case 0xFF1D, 0xFF0B, 0xFF0D, 0xFF20, 0xFE66, 0xFE62, 0xFE63, 0xFE6B: return true
      // Zero-width spaces and joiners, the word joiner and the byte-order mark.
      case 0x200B...0x200D, 0x2060, 0xFEFF: continue
      default:
        if scalar.properties.isWhitespace { continue }
        return false
      }
    }
    return false
  }
}
