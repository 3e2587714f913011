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

  /// Required single-line text: not blank, within `maxLength` characters, no control
  /// characters.
  public mutating func requireLine(_ value: String, _ field: String, maxLength: Int) {
    if value.allSatisfy(\.isWhitespace) {
      add(field, "must not be empty")
      return
    }
    line(value, field, maxLength: maxLength)
  }

  /// Optional single-line text: when present, within `maxLength`, no control characters.
  public mutating func optionalLine(_ value: String?, _ field: String, maxLength: Int) {
    guard let value else { return }
    if value.allSatisfy(\.isWhitespace) {
      add(field, "must not be blank; leave it out instead")
      return
    }
    line(value, field, maxLength: maxLength)
  }

  private mutating func line(_ value: String, _ field: String, maxLength: Int) {
    if value.count > maxLength { add(field, "must be at most \(maxLength) characters") }
    if value.unicodeScalars.contains(where: TextRules.isControl) {
      add(field, "must not contain control characters or line breaks")
    }
  }

  /// Multi-line text: line breaks and tabs allowed, other control characters not.
  public mutating func paragraph(_ value: String, _ field: String, maxLength: Int) {
    if value.count > maxLength { add(field, "must be at most \(maxLength) characters") }
    if value.unicodeScalars.contains(where: {
      TextRules.isControl($0) && !TextRules.isLineBreakOrTab($0)
    }) {
      add(field, "must not contain control characters")
    }
  }

  /// An optional `http` or `https` URL of bounded length.
  public mutating func optionalWebURL(_ value: String?, _ field: String) {
    guard let value else { return }
    let lower = value.lowercased()
    if !(lower.hasPrefix("https://") || lower.hasPrefix("http://")) || value.count < 10 {
      add(field, "must be an http or https URL")
    } else if value.count > 2000 {
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
    let parts = value.split(separator: "@", omittingEmptySubsequences: false)
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
  /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
  public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029: return true
    default: return false
    }
  }

  static func isLineBreakOrTab(_ scalar: Unicode.Scalar) -> Bool {
    scalar == "\n" || scalar == "\r" || scalar == "\t"
  }
}
