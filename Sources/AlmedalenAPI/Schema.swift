import AlmedalenCore

/// JSON Schema (2020-12, as OpenAPI 3.1 uses it) builders. A field that may be `null` says
/// so with `type: [T, "null"]`.
enum Schema {
  static func typed(_ type: String, nullable: Bool) -> [String: JSONValue] {
    ["type": nullable ? [type.json, "null"] : type.json]
  }

  static func string(
    format: String? = nil, minLength: Int? = nil, maxLength: Int? = nil, pattern: String? = nil,
    enumeration: [String]? = nil, nullable: Bool = false, description: String? = nil
  ) -> JSONValue {
    var schema = typed("string", nullable: nullable)
    if let format { schema["format"] = format.json }
    if let minLength { schema["minLength"] = minLength.json }
    if let maxLength { schema["maxLength"] = maxLength.json }
    if let pattern { schema["pattern"] = pattern.json }
    if let enumeration {
      schema["enum"] = .array(enumeration.map(\.json) + (nullable ? [.null] : []))
    }
    if let description { schema["description"] = description.json }
    return .object(schema)
  }

  /// `schema` that may also be `null`: its type becomes `[T, "null"]`, and `null` joins its
  /// `enum`.
  static func nullable(_ schema: JSONValue) -> JSONValue {
    guard case .object(var members) = schema else { return schema }
    if case .string(let type)? = members["type"] { members["type"] = [type.json, "null"] }
    if case .array(let cases)? = members["enum"] { members["enum"] = .array(cases + [.null]) }
    return .object(members)
  }

  /// One of a vocabulary's cases, by its wire name.
  static func cases<T: RawRepresentable<String> & CaseIterable>(
    _ type: T.Type, nullable: Bool = false
  ) -> JSONValue {
    string(enumeration: T.allCases.map(\.rawValue), nullable: nullable)
  }

  /// `scalars` as the inside of a regular-expression character class, every scalar that is
  /// not printable ASCII written as a `\uXXXX` escape (ECMA-262 and Python read it alike), so
  /// that the document's text holds no raw control, separator or space character.
  static func characterClass(_ ranges: [ClosedRange<UInt32>]) -> String {
    func escape(_ value: UInt32) -> String {
      let hex = String(value, radix: 16)
      return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
    return ranges.map {
      $0.lowerBound == $0.upperBound
        ? escape($0.lowerBound) : escape($0.lowerBound) + "-" + escape($0.upperBound)
    }.joined()
  }

  /// The characters no text field may hold (`TextRules.isControl`), for a character class.
  static let controls = characterClass(TextRules.controlRanges)

  /// White space as `TextRules.isBlank` counts it, for a character class.
  static let spaces = characterClass(TextRules.whitespaceRanges)

  /// One line: no control characters or line breaks, and at least one character that is
  /// not white space (the server refuses blank text).
  static let linePattern = "^[^\(controls)]*[^\(controls)\(spaces)][^\(controls)]*$"

  /// One line of text: not blank, no control characters or line breaks.
  static func line(nullable: Bool = false, description: String? = nil) -> JSONValue {
    string(minLength: 1, pattern: linePattern, nullable: nullable, description: description)
  }

  /// A line of at most `maxLength` characters (Unicode scalars, as JSON Schema counts).
  static func line(maxLength: Int, nullable: Bool = false) -> JSONValue {
    string(
      minLength: 1, maxLength: maxLength, pattern: linePattern, nullable: nullable,
      description: "At most \(maxLength) characters.")
  }

  /// Free text to look for (`q`): at most `SearchText.maxLength` characters, no control
  /// characters; empty is the same as absent.
  static let searchText = string(
    maxLength: SearchText.maxLength, pattern: "^[^\(controls)]*$",
    description: "At most \(SearchText.maxLength) characters, no control characters.")

  /// Paragraphs: line breaks and tabs allowed, other control characters not.
  static func paragraph(nullable: Bool = false) -> JSONValue {
    string(pattern: "^([^\(controls)]|[\\t\\n\\r])*$", nullable: nullable)
  }

  /// Paragraphs that must say something: at most `maxLength` characters, line breaks and
  /// tabs allowed, at least one character that is not white space.
  static func paragraph(maxLength: Int) -> JSONValue {
    let character = "([^\(controls)]|[\\t\\n\\r])"
    return string(
      minLength: 1, maxLength: maxLength,
      pattern: "^\(character)*[^\(controls)\(spaces)]\(character)*$",
      description: "At most \(maxLength) characters, not blank.")
  }

  /// An http or https URL, without spaces.
  static func webURL(nullable: Bool = false) -> JSONValue {
    string(
      minLength: 10, maxLength: 2000, pattern: "^[Hh][Tt][Tt][Pp][Ss]?://[^ \(controls)]*$",
      nullable: nullable,
      description: "An http or https URL, at most 2000 characters.")
  }

  /// One `@` with something on both sides and a dot after it; no spaces.
  static func email(nullable: Bool = false) -> JSONValue {
    let part = "[^@ \(controls)]"
    return string(
      pattern: "^\(part)+@\(part)*[.]\(part)*$", nullable: nullable,
      description: "An email address, at most 254 bytes.")
  }

  /// An address mail can reach, as `MailAddress` reads it: a dot-atom local part (ASCII
  /// atext, or letters beyond ASCII) and a domain of at least two labels of letters, digits
  /// and inner hyphens (an IDN label is sent as its A-label). Not said here, since a pattern
  /// cannot: the limits in octets (64 for the local part, 63 for a label after Punycode,
  /// 254 in all) and unassigned or private-use code points, which are refused too.
  static func deliverableEmail() -> JSONValue {
    let wide = "[^\\u0000-\\u00a0\(spaces)\\u2028\\u2029\\ufeff]"
    let atom = "([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|\(wide))+"
    let letter = "([A-Za-z0-9]|\(wide))"
    let label = "\(letter)(([A-Za-z0-9-]|\(wide)){0,61}\(letter))?"
    return string(
      maxLength: 254, pattern: "^\(atom)([.]\(atom))*@\(label)([.]\(label))+$",
      description: "An email address mail can reach, at most 254 bytes.")
  }

  static func uuid(nullable: Bool = false, description: String? = nil) -> JSONValue {
    string(format: "uuid", nullable: nullable, description: description)
  }

  static func dateTime(nullable: Bool = false, description: String? = nil) -> JSONValue {
    string(format: "date-time", nullable: nullable, description: description)
  }

  static func integer(
    minimum: Int? = nil, maximum: Int? = nil, default value: Int? = nil, nullable: Bool = false,
    description: String? = nil
  ) -> JSONValue {
    var schema = typed("integer", nullable: nullable)
    if let minimum { schema["minimum"] = minimum.json }
    if let maximum { schema["maximum"] = maximum.json }
    if let value { schema["default"] = value.json }
    if let description { schema["description"] = description.json }
    return .object(schema)
  }

  static func integer(
    _ range: ClosedRange<Int>, default value: Int? = nil, nullable: Bool = false,
    description: String? = nil
  ) -> JSONValue {
    integer(
      minimum: range.lowerBound, maximum: range.upperBound, default: value, nullable: nullable,
      description: description)
  }

  static func number(
    minimum: Double? = nil, maximum: Double? = nil, default value: Double? = nil,
    nullable: Bool = false, description: String? = nil
  ) -> JSONValue {
    var schema = typed("number", nullable: nullable)
    if let minimum { schema["minimum"] = minimum.json }
    if let maximum { schema["maximum"] = maximum.json }
    if let value { schema["default"] = value.json }
    if let description { schema["description"] = description.json }
    return .object(schema)
  }

  static func boolean(nullable: Bool = false) -> JSONValue {
    .object(typed("boolean", nullable: nullable))
  }

  static func array(
    _ items: JSONValue, minItems: Int? = nil, maxItems: Int? = nil, unique: Bool = false,
    nullable: Bool = false
  ) -> JSONValue {
    var schema = typed("array", nullable: nullable)
    schema["items"] = items
    if let minItems { schema["minItems"] = minItems.json }
    if let maxItems { schema["maxItems"] = maxItems.json }
    if unique { schema["uniqueItems"] = true }
    return .object(schema)
  }

  /// A closed object: fields outside `properties` are refused (inputs) or never sent
  /// (outputs).
  static func object(
    _ properties: [String: JSONValue], required: [String], description: String? = nil
  ) -> JSONValue {
    var schema: [String: JSONValue] = [
      "type": "object", "properties": .object(properties),
      "required": required.sorted().json, "additionalProperties": false,
    ]
    if let description { schema["description"] = description.json }
    return .object(schema)
  }

  /// An answer's object: every field is always there (perhaps `null`).
  static func output(_ properties: [String: JSONValue]) -> JSONValue {
    object(properties, required: Array(properties.keys))
  }
}
