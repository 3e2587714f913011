import Foundation

/// A JSON value as the wire has it. Bodies are read into it and answers written from it, so
/// that no `[String: Any]` and no guessing at what an `NSNumber` holds is needed.
enum JSONValue: Hashable, Sendable {
  case object([String: JSONValue])
  case array([JSONValue])
  case string(String)
  case number(Double)
  case bool(Bool)
  case null

  /// The value as compact UTF-8 bytes, object keys sorted, so that equal values are equal
  /// bytes.
  var bytes: [UInt8] {
    var out: [UInt8] = []
    write(to: &out)
    return out
  }

  /// The order Foundation's `JSONSerialization` sorts keys in (the system locale, numbers by
  /// value), which the answers were written in before this type, and ordinal order to break
  /// ties, so that the order is total.
  static func precedes(_ a: String, _ b: String) -> Bool {
    switch a.compare(b, options: [.numeric], range: nil, locale: Locale(identifier: "")) {
    case .orderedAscending: true
    case .orderedDescending: false
    case .orderedSame: a < b
    }
  }

  private func write(to out: inout [UInt8]) {
    switch self {
    case .object(let members):
      out.append(UInt8(ascii: "{"))
      for (index, key) in members.keys.sorted(by: Self.precedes).enumerated() {
        if index > 0 { out.append(UInt8(ascii: ",")) }
        Self.write(key, to: &out)
        out.append(UInt8(ascii: ":"))
        members[key]!.write(to: &out)
      }
      out.append(UInt8(ascii: "}"))
    case .array(let items):
      out.append(UInt8(ascii: "["))
      for (index, item) in items.enumerated() {
        if index > 0 { out.append(UInt8(ascii: ",")) }
        item.write(to: &out)
      }
      out.append(UInt8(ascii: "]"))
    case .string(let text): Self.write(text, to: &out)
    case .number(let number): out += Array(Self.format(number).utf8)
    case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
    case .null: out += Array("null".utf8)
    }
  }

  /// Shortest round-trip digits, whole numbers without `.0` (`120`, `57.6348`, `1e-07`).
  /// JSON has no infinity or NaN; like JavaScript's `JSON.stringify`, they are `null`.
  static func format(_ number: Double) -> String {
    guard number.isFinite else { return "null" }
    var text = number.description
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text
  }

  /// A string with the escapes JSON requires; `/` and everything above U+001F stay as they
  /// are.
  private static func write(_ text: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
      case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
      case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
      case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
      case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
      case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
      case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
      case 0x00..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
      default: out.append(byte)
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral,
  ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByArrayLiteral,
  ExpressibleByDictionaryLiteral
{
  init(stringLiteral value: String) { self = .string(value) }
  init(booleanLiteral value: Bool) { self = .bool(value) }
  init(integerLiteral value: Int) { self = .number(Double(value)) }
  init(floatLiteral value: Double) { self = .number(value) }
  init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
  init(dictionaryLiteral elements: (String, JSONValue)...) {
    self = .object(Dictionary(elements) { _, last in last })
  }
}

/// A Swift value with one JSON form; `nil` is `null`.
protocol JSONRepresentable {
  var json: JSONValue { get }
}

extension String: JSONRepresentable {
  var json: JSONValue { .string(self) }
}

extension Int: JSONRepresentable {
  var json: JSONValue { .number(Double(self)) }
}

extension Double: JSONRepresentable {
  var json: JSONValue { .number(self) }
}

extension Bool: JSONRepresentable {
  var json: JSONValue { .bool(self) }
}

extension Optional: JSONRepresentable where Wrapped: JSONRepresentable {
  var json: JSONValue { map(\.json) ?? .null }
}

extension Array: JSONRepresentable where Element: JSONRepresentable {
  var json: JSONValue { .array(map(\.json)) }
}
