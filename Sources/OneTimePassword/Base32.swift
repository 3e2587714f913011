/// Why a text is not Base32.
public struct Base32Error: Error, Sendable, Hashable, CustomStringConvertible {
  /// The reason, in lowercase English without a final full stop.
  public let reason: String

  /// An error with the given reason.
  public init(reason: String) { self.reason = reason }

  /// The reason.
  public var description: String { reason }
}

/// Base32 with the alphabet of RFC 4648 §6 (A–Z, 2–7), as otpauth URIs carry secrets.
public enum Base32 {
  private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

  /// The Base32 of `bytes`, upper case; with `padding`, `=` up to a multiple of eight
  /// characters (otpauth URIs leave it out).
  public static func encode(_ bytes: some Sequence<UInt8>, padding: Bool = false) -> String {
    var output: [UInt8] = []
    var buffer = 0
    var bits = 0
    for byte in bytes {
      buffer = (buffer << 8 | Int(byte)) & 0xFFFF
      bits += 8
      while bits >= 5 {
        output.append(alphabet[(buffer >> (bits - 5)) & 31])
        bits -= 5
      }
    }
    if bits > 0 { output.append(alphabet[(buffer << (5 - bits)) & 31]) }
    if padding {
      while output.count % 8 != 0 { output.append(UInt8(ascii: "=")) }
    }
    return String(decoding: output, as: UTF8.self)
  }

  /// The bytes of a Base32 text. Letters may be of either case; `=` padding may follow, but
  /// then it must fill the last group of eight. Refused, with the reason: any other
  /// character (spaces included), a length that no byte count encodes (1, 3 or 6 characters
  /// in the last group), and bits after the last whole byte that are not zero (a text that
  /// no encoder writes).
  public static func decode(_ text: String) throws(Base32Error) -> [UInt8] {
    let characters = Array(text.utf8)
    var end = characters.count
    while end > 0 && characters[end - 1] == UInt8(ascii: "=") { end -= 1 }
    if characters.count - end >= 8 {
      throw Base32Error(reason: "the padding is longer than a group")
    }
    if end < characters.count && characters.count % 8 != 0 {
      throw Base32Error(reason: "the padding does not fill a group of eight characters")
    }
    var output: [UInt8] = []
    output.reserveCapacity(end * 5 / 8)
    var buffer = 0
    var bits = 0
    for (offset, character) in characters[..<end].enumerated() {
      let value: Int
      switch character {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = Int(character - UInt8(ascii: "A"))
      case UInt8(ascii: "a")...UInt8(ascii: "z"): value = Int(character - UInt8(ascii: "a"))
      case UInt8(ascii: "2")...UInt8(ascii: "7"): value = Int(character - UInt8(ascii: "2")) + 26
      case UInt8(ascii: "="):
        throw Base32Error(reason: "padding at position \(offset + 1) is not at the end")
      default:
        throw Base32Error(
          reason: "position \(offset + 1) is not a Base32 character (A–Z, 2–7): "
            + describe(characters, at: offset))
      }
      buffer = (buffer << 5 | value) & 0xFFFF
      bits += 5
      if bits >= 8 {
        output.append(UInt8(truncatingIfNeeded: buffer >> (bits - 8)))
        bits -= 8
      }
    }
    if [1, 3, 6].contains(end % 8) {
      throw Base32Error(reason: "\(end) characters are not a whole number of bytes")
    }
    if bits > 0 && buffer & ((1 << bits) - 1) != 0 {
      throw Base32Error(reason: "the last character has bits set beyond the last byte")
    }
    return output
  }

  /// The character at `offset` for an error message: printable ASCII quoted, anything
  /// else as its byte value.
  private static func describe(_ characters: [UInt8], at offset: Int) -> String {
    let byte = characters[offset]
    if byte > 0x20 && byte < 0x7F {
      return "\"\(String(decoding: [byte], as: UTF8.self))\""
    }
    return "byte 0x" + String(byte, radix: 16, uppercase: true)
  }
}
