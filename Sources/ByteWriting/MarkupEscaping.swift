extension ByteWriter {
  /// XML and polyglot HTML, which share every rule but three: HTML escapes `"` everywhere
  /// and `'` too, and closes the bidi controls a value leaves open. Called with constant
  /// flags, so each of the four uses is its own loop.
  @inline(__always)
  mutating func appendMarkup(_ source: UnsafeBufferPointer<UInt8>, attribute: Bool, html: Bool) {
    // Open bidi embeddings (false) and isolates (true), innermost last; HTML only. Empty
    // arrays do not allocate, and almost no text holds any.
    var openBidi: [Bool] = []
    let count = source.count
    // Runs of bytes needing nothing are copied at once; most text is one such run.
    var runStart = 0
    var i = 0
    while i < count {
      let replacement: StaticString
      var width = 1
      switch source[i] {
      case UInt8(ascii: "&"): replacement = "&amp;"
      case UInt8(ascii: "<"): replacement = "&lt;"
      case UInt8(ascii: ">"): replacement = "&gt;"
      case UInt8(ascii: "\"") where html || attribute: replacement = "&quot;"
      case UInt8(ascii: "'") where html: replacement = "&#39;"
      case 0x09 where attribute: replacement = "&#9;"
      case 0x0A where attribute: replacement = "&#10;"
      case 0x09, 0x0A:
        i += 1
        continue
      // CRLF is one line break, and a lone CR (old Mac text) is one too: both become LF,
      // which is what every parser would make of them.
      case 0x0D where i + 1 < count && source[i + 1] == 0x0A: replacement = ""
      case 0x0D: replacement = attribute ? "&#10;" : "\n"
      case 0x00...0x1F, 0x7F: replacement = ""
      case 0xC2 where i + 1 < count && source[i + 1] <= 0x9F:
        // U+0080–U+009F, the C1 controls: legal XML, but never text anyone meant to write.
        replacement = ""
        width = 2
      case 0xEF where i + 2 < count && source[i + 1] == 0xBF && source[i + 2] >= 0xBE:
        // U+FFFE and U+FFFF, the two noncharacters XML 1.0 excludes.
        replacement = ""
        width = 3
      case 0xE2 where html && i + 2 < count && (source[i + 1] == 0x80 || source[i + 1] == 0x81):
        // Bidi embeddings, overrides and isolates are kept, but noted, so that the ones
        // left open can be closed at the end.
        switch (source[i + 1], source[i + 2]) {
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
      replace(source, at: &i, width: width, with: replacement, runStart: &runStart)
    }
    copy(source, from: runStart, to: count)
    // Innermost first: U+2069 POP DIRECTIONAL ISOLATE, U+202C POP DIRECTIONAL FORMATTING.
    for isolate in openBidi.reversed() {
      literal(isolate ? "\u{2069}" : "\u{202C}")
    }
  }
}
