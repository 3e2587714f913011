import Mail

/// One thing wrong with an input, and the field it concerns (`panels[1].title`).
public struct FieldProblem: Hashable, Sendable, CustomStringConvertible {
  public let field: String
  public let message: String

  public init(field: String, message: String) {
    self.field = field
    self.message = message
  }

  public var description: String { "\(field): \(message)" }
}

/// Every problem found in an input at once, so that a user can fix them in one go.
public struct ValidationError: Error, Sendable, CustomStringConvertible {
  public let problems: [FieldProblem]

  public init(_ problems: [FieldProblem]) { self.problems = problems }

  public var description: String {
    "invalid input: " + problems.map(\.description).joined(separator: "; ")
  }
}

/// Collects problems while an input is checked field by field.
public struct Validator: Sendable {
  public private(set) var problems: [FieldProblem] = []

  public init() {}

  public mutating func add(_ field: String, _ message: String) {
    problems.append(FieldProblem(field: field, message: message))
  }

  /// Throws every collected problem, if there are any.
  public func check() throws {
    if !problems.isEmpty { throw ValidationError(problems) }
  }

  /// Required single-line text: not blank, within `maxLength` characters (Unicode scalars,
  /// as PostgreSQL's `length()` counts), no control characters.
  public mutating func requireLine(_ value: String, _ field: String, maxLength: Int) {
    if TextRules.isBlank(value) {
      add(field, "must not be empty")
      return
    }
    line(value, field, maxLength: maxLength)
  }

  /// Optional single-line text: when present, within `maxLength`, no control characters.
  public mutating func optionalLine(_ value: String?, _ field: String, maxLength: Int) {
    guard let value else { return }
    if TextRules.isBlank(value) {
      add(field, "must not be blank; leave it out instead")
      return
    }
    line(value, field, maxLength: maxLength)
  }

  private mutating func line(_ value: String, _ field: String, maxLength: Int) {
    if TextRules.length(value) > maxLength {
      add(field, "must be at most \(maxLength) characters")
    }
    if value.unicodeScalars.contains(where: TextRules.isControl) {
      add(field, "must not contain control characters or line breaks")
    }
  }

  /// Multi-line text: line breaks and tabs allowed, other control characters not.
  public mutating func paragraph(_ value: String, _ field: String, maxLength: Int) {
    if TextRules.length(value) > maxLength {
      add(field, "must be at most \(maxLength) characters")
    }
    if value.unicodeScalars.contains(where: {
      TextRules.isControl($0) && !TextRules.isLineBreakOrTab($0)
    }) {
      add(field, "must not contain control characters")
    }
  }

  /// An optional `http` or `https` URL of bounded length.
  public mutating func optionalWebURL(_ value: String?, _ field: String) {
    guard let value else { return }
    if !TextRules.hasWebScheme(value) || TextRules.length(value) < 10 {
      add(field, "must be an http or https URL")
    } else if TextRules.length(value) > 2000 {
      add(field, "must be at most 2000 characters")
    } else if value.unicodeScalars.contains(where: { TextRules.isControl($0) || $0 == " " }) {
      add(field, "must not contain spaces or control characters")
    }
  }

  /// An optional email address: one `@` with text on both sides, bounded, no spaces.
  /// An address that SMTP can carry: a dot-atom local part and a domain with a dot, which
  /// may be an IDN (sent as its A-labels). Quoted local parts and address literals are
  /// refused: no relay we know of needs them, and they invite confusion.
  public mutating func deliverableEmail(_ value: String, _ field: String) {
    guard !value.isEmpty else { return add(field, "must not be empty") }
    guard value.utf8.count <= 254 else { return add(field, "must be at most 254 bytes") }
    do {
      _ = try MailAddress(value)
    } catch {
      add(field, "must be an email address that mail can reach: \(error.reason)")
    }
  }

  public mutating func optionalEmail(_ value: String?, _ field: String) {
    guard let value else { return }
    // On scalars: a mark combining with the `@` or a `.` must not hide it.
    let parts = value.unicodeScalars.split(separator: "@", omittingEmptySubsequences: false)
    if parts.count != 2 || parts[0].isEmpty || parts[1].isEmpty || !parts[1].contains(".")
      || value.unicodeScalars.contains(where: { TextRules.isControl($0) || $0 == " " })
    {
      add(field, "must be an email address")
    } else if value.utf8.count > 254 {
      add(field, "must be at most 254 bytes")
    }
  }
}

/// Character rules shared by validation and output writers.
public enum TextRules {
  /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators: what
  /// `isControl` refuses, as ranges of scalar values (the OpenAPI document's patterns are
  /// made from these).
  public static let controlRanges: [ClosedRange<UInt32>] = [
    0x00...0x1F, 0x7F...0x9F, 0x2028...0x2029,
  ]

  /// Unicode's White_Space property (what `isBlank` asks of each scalar), as ranges of
  /// scalar values; a test compares them with `Unicode.Scalar.Properties.isWhitespace` over
  /// every scalar.
  public static let whitespaceRanges: [ClosedRange<UInt32>] = [
    0x09...0x0D, 0x20...0x20, 0x85...0x85, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A,
    0x2028...0x2029, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000,
  ]

  /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
  public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    controlRanges.contains { $0.contains(scalar.value) }
  }

  /// The length of a text as the schema's `length()` counts it: Unicode scalars (code
  /// points), not Characters, so that a letter with a combining mark counts two, as in
  /// PostgreSQL and in JSON Schema's `maxLength`.
  public static func length(_ text: some StringProtocol) -> Int {
    text.unicodeScalars.count
  }

  /// Nothing but white space (or nothing at all), scalar by scalar.
  public static func isBlank(_ text: String) -> Bool {
    text.unicodeScalars.allSatisfy(\.properties.isWhitespace)
  }

  /// Whether `text` starts with `http://` or `https://`, the scheme in any letter case
  /// (RFC 3986 §3.1), compared scalar by scalar: what the schema's `~* '^https?://'` says.
  public static func hasWebScheme(_ text: String) -> Bool {
    let head = text.unicodeScalars.prefix(8).map(asciiLowercased)
    return head.starts(with: "https://".unicodeScalars)
      || head.starts(with: "http://".unicodeScalars)
  }

  static func asciiLowercased(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
    guard ("A"..."Z").contains(scalar), let byte = UInt8(exactly: scalar.value) else {
      return scalar
    }
    return Unicode.Scalar(byte + 32)
  }

  static func isLineBreakOrTab(_ scalar: Unicode.Scalar) -> Bool {
    scalar == "\n" || scalar == "\r" || scalar == "\t"
  }
}

/// Free text to look for (`q` of the lists and feeds): one rule for the server and the
/// OpenAPI document.
public enum SearchText {
  /// At most this many characters (Unicode scalars).
  public static let maxLength = 200

  /// What is wrong with `text` as a search, or nil: too long, or holding a control
  /// character (`TextRules.isControl`). Empty text is no search at all, and fine.
  public static func problems(_ text: String) -> [String] {
    var problems: [String] = []
    if TextRules.length(text) > maxLength {
      problems.append("must be at most \(maxLength) characters")
    }
    if text.unicodeScalars.contains(where: TextRules.isControl) {
      problems.append("must not contain control characters")
    }
    return problems
  }
}
