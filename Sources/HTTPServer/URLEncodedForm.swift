/// An `application/x-www-form-urlencoded` body (the WHATWG URL standard's form encoding, as
/// browsers post it): `&`-separated `name=value` pairs, `+` a space, `%XX` a byte, UTF-8.
/// Decoded by the same percent-decoder as the request target, so a NUL byte or a broken
/// escape loses its pair, never reaches a handler.
public struct URLEncodedForm: Sendable {
  /// The pairs in the order sent.
  public let fields: [(name: String, value: String)]

  public init(_ body: [UInt8]) {
    var fields: [(name: String, value: String)] = []
    for pair in body.split(separator: UInt8(ascii: "&")) {
      let equals = pair.firstIndex(of: UInt8(ascii: "="))
      guard
        let name = RequestTarget.percentDecode(
          pair[..<(equals ?? pair.endIndex)], plusIsSpace: true),
        let value = RequestTarget.percentDecode(
          equals.map { pair[($0 + 1)...] } ?? [], plusIsSpace: true)
      else { continue }
      fields.append((name, value))
    }
    self.fields = fields
  }

  /// The first value of a field: a repeated field's later values are ignored.
  public subscript(name: String) -> String? {
    fields.first { $0.name == name }?.value
  }

  /// Every value of a field, in order (repeated checkboxes).
  public func values(_ name: String) -> [String] {
    fields.filter { $0.name == name }.map(\.value)
  }
}
