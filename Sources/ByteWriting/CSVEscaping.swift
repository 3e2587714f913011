extension ByteWriter {
  /// Works on bytes, not `Character`s: a combining mark after `=` or `;` makes one
  /// `Character` of the two, which a character test misses though a spreadsheet still sees
  /// the `=` or the `;`; and CRLF is one `Character` equal to neither CR nor LF.
  mutating func appendCSV(_ source: UnsafeBufferPointer<UInt8>) {
    let defused: Bool
    switch source.first {
    case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D:
      defused = true
    default:
      defused = false
    }
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
}
