/// A media type as `Content-Type` carries it (RFC 9110 §8.3.1): `type/subtype` lowercased,
/// with its parameters.
public struct MediaType: Sendable, Equatable {
  public var type: String
  public var subtype: String
  /// Names lowercased, values unquoted.
  public var parameters: [String: String]

  /// Nil unless the text is `type/subtype` with two non-empty tokens.
  public init?(_ text: String) {
    let parts = text.split(separator: ";", omittingEmptySubsequences: false)
    let essence = HeaderText.trimmed(parts[0]).lowercased()
    let halves = essence.split(separator: "/", omittingEmptySubsequences: false)
    guard halves.count == 2, Self.isToken(halves[0]), Self.isToken(halves[1]) else { return nil }
    type = String(halves[0])
    subtype = String(halves[1])
    parameters = [:]
    for parameter in parts.dropFirst() {
      let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let name = HeaderText.trimmed(pair[0]).lowercased()
      guard pair.count == 2, !name.isEmpty else { continue }
      parameters[name] = HeaderText.unquoted(HeaderText.trimmed(pair[1]))
    }
  }

  /// `type/subtype`, without parameters.
  public var essence: String { type + "/" + subtype }

  /// JSON itself or a `+json` structured syntax (`application/problem+json`).
  public var isJSON: Bool {
    (type == "application" && subtype == "json") || subtype.hasSuffix("+json")
  }

  static func isToken(_ text: Substring) -> Bool {
    !text.isEmpty
      && text.utf8.allSatisfy { byte in
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
      }
  }
}

extension Request {
  /// The body's media type; nil when `Content-Type` is missing or not a media type.
  public var contentType: MediaType? { headers["Content-Type"].flatMap(MediaType.init) }

  /// Which of `offered` (essences like `text/csv`, the server's preference first) the client's
  /// `Accept` asks for most (RFC 9110 §12.5.1): the highest weight, a more specific range
  /// winning over a wildcard for the same type, ties to the server's order. Without `Accept`,
  /// the first offered; nil when every offered type is refused (weight 0 or not matched).
  public func preferredMediaType(_ offered: [String]) -> String? {
    guard let header = headers["Accept"] else { return offered.first }
    let ranges = WeightedElement.list(header)
    var best: (type: String, weight: Double)?
    for type in offered {
      // The most specific range that matches decides this type's weight.
      var match: (specificity: Int, weight: Double)?
      for range in ranges {
        guard let specificity = Self.specificity(of: range.value, matching: type) else {
          continue
        }
        if match == nil || specificity > match!.specificity {
          match = (specificity, range.weight)
        }
      }
      guard let match, match.weight > 0 else { continue }
      if best == nil || match.weight > best!.weight { best = (type, match.weight) }
    }
    return best?.type
  }

  /// 2 for `type/subtype` itself, 1 for `type/*`, 0 for `*/*`; nil when the range does not
  /// cover the type.
  static func specificity(of range: String, matching type: String) -> Int? {
    if range == type { return 2 }
    if range == "*/*" { return 0 }
    if range.hasSuffix("/*"), type.hasPrefix(range.dropLast()) { return 1 }
    return nil
  }
}
