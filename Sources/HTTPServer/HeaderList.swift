/// The comma-separated lists with weights that content negotiation reads (`Accept`,
/// `Accept-Encoding`, RFC 9110 §12.4.2): each element a value, its parameters and its weight.
package struct WeightedElement: Sendable, Equatable {
  /// The value, lowercased (`gzip`, `text/csv`).
  package var value: String
  /// Parameters before the weight, names lowercased, values as sent (unquoted).
  package var parameters: [String: String]
  /// `q`, 1 when not sent, 0 when malformed.
  package var weight: Double

  /// Every element of a header value, in order; empty elements are skipped.
  package static func list(_ header: String) -> [WeightedElement] {
    var elements: [WeightedElement] = []
    for element in header.split(separator: ",") {
      let parts = element.split(separator: ";", omittingEmptySubsequences: false)
      let value = HeaderText.trimmed(parts[0]).lowercased()
      guard !value.isEmpty else { continue }
      var parameters: [String: String] = [:]
      var weight = 1.0
      for parameter in parts.dropFirst() {
        let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = HeaderText.trimmed(pair[0]).lowercased()
        guard !name.isEmpty else { continue }
        let text = pair.count == 2 ? HeaderText.trimmed(pair[1]) : ""
        if name == "q" {
          weight = pair.count == 2 ? (qvalue(text) ?? 0) : 0
        } else {
          parameters[name] = HeaderText.unquoted(text)
        }
      }
      elements.append(WeightedElement(value: value, parameters: parameters, weight: weight))
    }
    return elements
  }

  /// An RFC 9110 qvalue (`0`, `0.5`, `1.000`; more than three decimals tolerated); nil if
  /// malformed or above 1.
  static func qvalue(_ text: Substring) -> Double? {
    let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCII),
      whole.allSatisfy(\.isNumber)
    else { return nil }
    if parts.count == 2 {
      guard parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
    }
    guard let value = Double(text), value <= 1 else { return nil }
    return value
  }
}

/// Small text helpers for header values: optional whitespace is spaces and tabs only.
enum HeaderText {
  static func trimmed(_ text: Substring) -> Substring {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let first = text.firstIndex(where: { !isSpace($0) }) else { return "" }
    let last = text.lastIndex(where: { !isSpace($0) })!
    return text[first...last]
  }

  /// A quoted-string's content with its `\` escapes undone; other text as it is.
  static func unquoted(_ text: Substring) -> String {
    guard text.count >= 2, text.first == "\"", text.last == "\"" else { return String(text) }
    var out = ""
    var escaped = false
    for character in text.dropFirst().dropLast() {
      if escaped {
        out.append(character)
        escaped = false
      } else if character == "\\" {
        escaped = true
      } else {
        out.append(character)
      }
    }
    return out
  }
}
