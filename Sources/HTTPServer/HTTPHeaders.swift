/// Header fields in order, with case-insensitive lookup. Repeated fields are kept apart.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
  public private(set) var fields: [(name: String, value: String)] = []

  public init() {}

  public init(_ fields: [(String, String)]) {
    self.fields = fields.map { (name: $0.0, value: $0.1) }
  }

  public init(dictionaryLiteral elements: (String, String)...) {
    self.init(elements)
  }

  public var count: Int { fields.count }

  public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
    fields.makeIterator()
  }

  /// The first value of a field, compared case-insensitively.
  public subscript(name: String) -> String? {
    fields.first { Self.same($0.name, name) }?.value
  }

  /// Every value of a field, in order.
  public func values(_ name: String) -> [String] {
    fields.filter { Self.same($0.name, name) }.map(\.value)
  }

  /// Comma-separated list items of every value of a field, trimmed and lowercased
  /// (`Connection: keep-alive, Upgrade`).
  public func tokens(_ name: String) -> [String] {
    values(name).flatMap { $0.utf8.split(separator: UInt8(ascii: ",")) }.map {
      String(decoding: $0, as: UTF8.self).trimmingSpaces().lowercasedASCII()
    }.filter { !$0.isEmpty }
  }

  public func contains(_ name: String) -> Bool { self[name] != nil }

  /// Adds a field, keeping any already there.
  public mutating func add(_ name: String, _ value: String) {
    fields.append((name: name, value: value))
  }

  /// Sets a field, replacing every earlier value.
  public mutating func set(_ name: String, _ value: String) {
    remove(name)
    fields.append((name: name, value: value))
  }

  public mutating func remove(_ name: String) {
    fields.removeAll { Self.same($0.name, name) }
  }

  /// ASCII case-insensitive equality, without allocating (field names are tokens).
  static func same(_ a: String, _ b: String) -> Bool {
    let x = a.utf8
    let y = b.utf8
    guard x.count == y.count else { return false }
    for (p, q) in zip(x, y) where p != q {
      let lowerP = p >= 65 && p <= 90 ? p | 0x20 : p
      let lowerQ = q >= 65 && q <= 90 ? q | 0x20 : q
      if lowerP != lowerQ { return false }
    }
    return true
  }
}

extension StringProtocol {
  /// A to Z lowercased and nothing else: HTTP compares tokens case-insensitively in ASCII
  /// only (RFC 9110 5.6.2), where `lowercased()` turns U+212A KELVIN SIGN into `k`.
  func lowercasedASCII() -> String {
    String(decoding: utf8.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }, as: UTF8.self)
  }

  /// Without leading and trailing spaces and tabs (HTTP's OWS).
  func trimmingSpaces() -> String {
    var scalars = Substring(self).unicodeScalars[...]
    while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
    while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
    return String(scalars)
  }
}
