public import Foundation

/// A value that can be sent as a query parameter, in PostgreSQL's text format.
///
/// `nil` text means SQL NULL. Every parameter travels separately from the SQL text
/// (`PQexecParams`), so no value is ever spliced into a statement.
public protocol PostgresEncodable {
  var postgresText: String? { get }
}

/// A value that can be read from a column in PostgreSQL's text format.
public protocol PostgresDecodable {
  /// Decodes the column's text; throws `PostgresDecodingFailure` with a reason.
  init(postgresText text: String) throws
  /// The value for SQL NULL; the default refuses NULL.
  static func postgresNull() throws -> Self
}

extension PostgresDecodable {
  public static func postgresNull() throws -> Self {
    throw PostgresDecodingFailure("unexpected NULL")
  }
}

/// Why a column value could not be decoded; the row turns it into a `PostgresError` naming
/// the column.
public struct PostgresDecodingFailure: Error, Sendable {
  public let reason: String
  public init(_ reason: String) { self.reason = reason }
}

public typealias PostgresCodable = PostgresEncodable & PostgresDecodable

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
  public var postgresText: String? { self.flatMap { $0.postgresText } }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
  public init(postgresText text: String) throws { self = try Wrapped(postgresText: text) }
  public static func postgresNull() throws -> Self { nil }
}

extension String: PostgresCodable {
  public var postgresText: String? { self }
  public init(postgresText text: String) throws { self = text }
}

extension Substring: PostgresEncodable {
  public var postgresText: String? { String(self) }
}

/// Integers travel as decimal text.
public protocol PostgresInteger: FixedWidthInteger, PostgresCodable {}

extension PostgresInteger {
  public var postgresText: String? { String(self) }
  public init(postgresText text: String) throws {
    guard let value = Self(text) else {
      throw PostgresDecodingFailure("not a \(Self.bitWidth)-bit integer: \(text)")
    }
    self = value
  }
}

extension Int: PostgresInteger {}
extension Int32: PostgresInteger {}
extension Int64: PostgresInteger {}

extension Double: PostgresCodable {
  public var postgresText: String? {
    if isNaN { return "NaN" }
    if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
    return "\(self)"
  }
  public init(postgresText text: String) throws {
    switch text {
    case "NaN": self = .nan
    case "Infinity": self = .infinity
    case "-Infinity": self = -.infinity
    default:
      guard let value = Double(text) else {
        throw PostgresDecodingFailure("not a number: \(text)")
      }
      self = value
    }
  }
}

extension Bool: PostgresCodable {
  public var postgresText: String? { self ? "t" : "f" }
  public init(postgresText text: String) throws {
    switch text {
    case "t", "true": self = true
    case "f", "false": self = false
    default: throw PostgresDecodingFailure("not a boolean: \(text)")
    }
  }
}

extension UUID: PostgresCodable {
  public var postgresText: String? {
    // Hand-made: Foundation formats through sprintf and parses through sscanf, which showed
    // up in profiles of 5,000-event feeds.
    let digits: StaticString = "0123456789abcdef"
    return withUnsafeBytes(of: uuid) { raw in
      String(unsafeUninitializedCapacity: 36) { text in
        var index = 0
        for (offset, byte) in raw.enumerated() {
          if offset == 4 || offset == 6 || offset == 8 || offset == 10 {
            text[index] = UInt8(ascii: "-")
            index += 1
          }
          text[index] = digits.utf8Start[Int(byte >> 4)]
          text[index + 1] = digits.utf8Start[Int(byte & 0x0F)]
          index += 2
        }
        return 36
      }
    }
  }

  public init(postgresText text: String) throws {
    var bytes = [UInt8](repeating: 0, count: 16)
    var count = 0
    var high: UInt8?
    for (position, character) in text.utf8.enumerated() {
      let nibble: UInt8
      switch character {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character - UInt8(ascii: "A") + 10
      case UInt8(ascii: "-") where [8, 13, 18, 23].contains(position): continue
      default: throw PostgresDecodingFailure("not a uuid: \(text)")
      }
      guard count < 16 else { throw PostgresDecodingFailure("not a uuid: \(text)") }
      if let first = high {
        bytes[count] = first << 4 | nibble
        count += 1
        high = nil
      } else {
        high = nibble
      }
    }
    guard count == 16, high == nil, text.utf8.count == 36 else {
      throw PostgresDecodingFailure("not a uuid: \(text)")
    }
    self = UUID(
      uuid: (
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
        bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
      ))
  }
}

extension Date: PostgresCodable {
  /// UTC with microseconds, which `timestamptz` stores exactly.
  public var postgresText: String? { PostgresTimestamp.format(self) }
  /// Reads `timestamptz` output in ISO style (`2012-07-03 10:00:00.5+00`); the client sets
  /// `DateStyle=ISO` on every connection.
  public init(postgresText text: String) throws {
    guard let value = PostgresTimestamp.parse(text) else {
      throw PostgresDecodingFailure("not a timestamp: \(text)")
    }
    self = value
  }
}

/// Raw bytes (`bytea`), sent and read in hex form.
public struct PostgresBytes: PostgresCodable, Hashable, Sendable {
  public var bytes: [UInt8]
  public init(_ bytes: [UInt8]) { self.bytes = bytes }

  public var postgresText: String? {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
    out.reserveCapacity(2 + bytes.count * 2)
    for byte in bytes {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  public init(postgresText text: String) throws {
    let utf8 = Array(text.utf8)
    guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"),
      utf8.count % 2 == 0
    else { throw PostgresDecodingFailure("not hex bytea") }
    func nibble(_ c: UInt8) throws -> UInt8 {
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
      default: throw PostgresDecodingFailure("not hex bytea")
      }
    }
    var result: [UInt8] = []
    result.reserveCapacity((utf8.count - 2) / 2)
    var index = 2
    while index < utf8.count {
      result.append(try nibble(utf8[index]) << 4 | nibble(utf8[index + 1]))
      index += 2
    }
    bytes = result
  }
}

extension Array: PostgresEncodable where Element: PostgresEncodable {
  /// A one-dimensional array literal with every element quoted, so no element text can be
  /// read as syntax.
  public var postgresText: String? {
    var out = "{"
    for (index, element) in enumerated() {
      if index > 0 { out += "," }
      guard let text = element.postgresText else {
        out += "NULL"
        continue
      }
      out += "\""
      for scalar in text.unicodeScalars {
        if scalar == "\"" || scalar == "\\" { out += "\\" }
        out.unicodeScalars.append(scalar)
      }
      out += "\""
    }
    return out + "}"
  }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
  public init(postgresText text: String) throws {
    self = try PostgresArrayParser.parse(text).map { item in
      guard let item else { return try Element.postgresNull() }
      return try Element(postgresText: item)
    }
  }
}

/// Reads the text form of a one-dimensional array: `{a,"b c",NULL}`.
enum PostgresArrayParser {
  static func parse(_ text: String) throws -> [String?] {
    var scalars = Substring(text).unicodeScalars[...]
    guard scalars.first == "{", scalars.last == "}" else {
      throw PostgresDecodingFailure("not an array: \(text)")
    }
    scalars = scalars.dropFirst().dropLast()
    var items: [String?] = []
    if scalars.isEmpty { return items }
    var index = scalars.startIndex
    while true {
      var item = String.UnicodeScalarView()
      var quoted = false
      if index < scalars.endIndex, scalars[index] == "\"" {
        quoted = true
        index = scalars.index(after: index)
        while true {
          guard index < scalars.endIndex else {
            throw PostgresDecodingFailure("unterminated array element")
          }
          let scalar = scalars[index]
          index = scalars.index(after: index)
          if scalar == "\"" { break }
          if scalar == "\\" {
            guard index < scalars.endIndex else {
              throw PostgresDecodingFailure("dangling escape in array")
            }
            item.append(scalars[index])
            index = scalars.index(after: index)
          } else {
            item.append(scalar)
          }
        }
      } else {
        while index < scalars.endIndex, scalars[index] != "," {
          if scalars[index] == "{" { throw PostgresDecodingFailure("nested arrays unsupported") }
          item.append(scalars[index])
          index = scalars.index(after: index)
        }
      }
      let value = String(item)
      items.append(!quoted && value == "NULL" ? nil : value)
      if index == scalars.endIndex { break }
      guard scalars[index] == "," else { throw PostgresDecodingFailure("malformed array") }
      index = scalars.index(after: index)
    }
    return items
  }
}
