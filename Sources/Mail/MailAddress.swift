/// Why a text is not an address that SMTP can carry, in English ("the domain has no dot").
public struct MailAddressError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The reason, in lowercase English without a final full stop.
  public let reason: String

  /// An error with the given reason.
  public init(reason: String) { self.reason = reason }

  /// The reason.
  public var description: String { reason }
}

/// An email address that SMTP can carry: a dot-atom local part (RFC 5321 dot-string, with
/// UTF-8 allowed as RFC 6531 does) at a domain name of letters, digits and hyphens, or of
/// Unicode labels that become such through Punycode (RFC 3492).
///
/// Quoted local parts and address literals (`[192.0.2.1]`) are refused. Only the Unicode
/// lowercasing of Swift's `lowercased()` is applied to the domain; the full UTS 46 mapping
/// is out of scope, so a domain that needs more than that is carried as the user wrote it
/// (or refused, when its A-label is not LDH).
public struct MailAddress: Sendable, Hashable, Codable, CustomStringConvertible {
  /// The local part, exactly as given.
  public let localPart: String
  /// The domain as given (Unicode allowed), lowercased.
  public let domain: String
  private let asciiForm: String

  /// Parses `text` as `local@domain`; trims nothing, and refuses what SMTP cannot carry.
  public init(_ text: String) throws(MailAddressError) {
    guard let at = text.firstIndex(of: "@") else {
      throw MailAddressError(reason: "the address has no @")
    }
    let local = String(text[..<at])
    let rawDomain = String(text[text.index(after: at)...])
    guard !local.isEmpty else { throw MailAddressError(reason: "the local part is empty") }
    guard !rawDomain.isEmpty else { throw MailAddressError(reason: "the domain is empty") }
    guard !rawDomain.contains("@") else {
      throw MailAddressError(reason: "the address has more than one @")
    }
    try Self.checkLocalPart(local)
    let domain = rawDomain.lowercased()
    let ascii = try Self.asciiDomain(of: domain)
    guard local.utf8.count + 1 + ascii.utf8.count <= 254 else {
      throw MailAddressError(reason: "the address is longer than 254 octets")
    }
    guard local.utf8.count + 1 + domain.utf8.count <= 254 else {
      throw MailAddressError(reason: "the address is longer than 254 octets")
    }
    self.localPart = local
    self.domain = domain
    self.asciiForm = ascii
  }

  /// The domain in IDNA A-label form: each non-ASCII label as "xn--" and its Punycode.
  public var asciiDomain: String { asciiForm }

  /// True when the local part is not ASCII, so only a relay offering SMTPUTF8 can carry it.
  public var needsSMTPUTF8: Bool { !localPart.utf8.allSatisfy { $0 < 0x80 } }

  /// `local@asciiDomain`: the form for MAIL FROM, RCPT TO and (without SMTPUTF8) headers.
  public var smtpForm: String { localPart + "@" + asciiForm }

  /// `a…@domain`: the first character of the local part, an ellipsis, and the domain, for
  /// logs and listings.
  public var redacted: String {
    (localPart.first.map { String($0) } ?? "") + "…@" + domain
  }

  /// `local@domain` as given (the domain lowercased).
  public var description: String { localPart + "@" + domain }

  /// Reads an address from a single string, refusing what `init(_:)` refuses.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    do throws(MailAddressError) {
      try self.init(text)
    } catch {
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "not a mail address: \(error.reason)")
    }
  }

  /// Writes the address as a single string (`description`).
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }

  // MARK: - Rules

  /// ASCII characters allowed in an atom besides letters and digits (RFC 5322 atext).
  private static let atomSpecials = Set("!#$%&'*+-/=?^_`{|}~".utf8)

  private static func checkLocalPart(_ local: String) throws(MailAddressError) {
    guard local.utf8.count <= 64 else {
      throw MailAddressError(reason: "the local part is longer than 64 octets")
    }
    guard local.first != ".", local.last != "." else {
      throw MailAddressError(reason: "the local part starts or ends with a dot")
    }
    guard !local.contains("..") else {
      throw MailAddressError(reason: "the local part has two dots in a row")
    }
    for scalar in local.unicodeScalars {
      if scalar.isASCII {
        let byte = UInt8(scalar.value)
        let isAtom =
          (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
          || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: ".")
          || atomSpecials.contains(byte)
        guard isAtom else {
          if byte < 0x20 || byte == 0x7F {
            throw MailAddressError(reason: "the local part contains a control character")
          }
          if byte == 0x20 {
            throw MailAddressError(reason: "the local part contains a space")
          }
          throw MailAddressError(
            reason: "the local part contains \"\(Character(scalar))\", which needs quoting")
        }
      } else if isForbiddenNonASCII(scalar) {
        throw MailAddressError(
          reason: "the local part contains a control, space or unassigned character")
      }
    }
  }

  /// Non-ASCII scalars refused anywhere in an address: controls, spaces, line and paragraph
  /// separators, format characters, private use, unassigned code points.
  static func isForbiddenNonASCII(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator, .privateUse,
      .surrogate, .unassigned:
      return true
    default:
      return scalar.properties.isWhitespace || scalar.properties.isNoncharacterCodePoint
    }
  }

  /// Dots other than U+002E that UTS 46 would map to a label separator.
  private static let foreignDots: Set<Unicode.Scalar> = ["\u{3002}", "\u{FF0E}", "\u{FF61}"]

  private static func asciiDomain(of domain: String) throws(MailAddressError) -> String {
    guard !domain.hasPrefix("[") else {
      throw MailAddressError(reason: "address literals are not accepted")
    }
    if domain.unicodeScalars.contains(where: { foreignDots.contains($0) }) {
      throw MailAddressError(reason: "the domain contains a dot that is not ASCII")
    }
    let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
    guard labels.count >= 2 else { throw MailAddressError(reason: "the domain has no dot") }
    var asciiLabels: [String] = []
    for label in labels {
      guard !label.isEmpty else {
        throw MailAddressError(reason: "the domain has an empty label")
      }
      var ascii = String(label)
      if !label.utf8.allSatisfy({ $0 < 0x80 }) {
        for scalar in label.unicodeScalars where !scalar.isASCII {
          if isForbiddenNonASCII(scalar) {
            throw MailAddressError(
              reason: "the domain contains a control, space or unassigned character")
          }
        }
        guard let encoded = Punycode.encode(String(label)) else {
          throw MailAddressError(reason: "a domain label is too long")
        }
        ascii = "xn--" + encoded
      }
      guard ascii.utf8.count <= 63 else {
        throw MailAddressError(reason: "a domain label is longer than 63 octets")
      }
      let bytes = Array(ascii.utf8)
      let isLDH = bytes.allSatisfy {
        ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A)
          || $0 == UInt8(ascii: "-")
      }
      guard isLDH else {
        throw MailAddressError(
          reason: "a domain label may hold only letters, digits and hyphens")
      }
      guard bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
        throw MailAddressError(reason: "a domain label starts or ends with a hyphen")
      }
      asciiLabels.append(ascii)
    }
    return asciiLabels.joined(separator: ".")
  }
}

/// An address with an optional display name, as in `From: Name <addr>`.
public struct Mailbox: Sendable, Hashable, Codable {
  /// The display name; nil or empty for a bare address.
  public var name: String?
  /// The address.
  public var address: MailAddress

  /// A mailbox from its parts.
  public init(name: String?, address: MailAddress) {
    self.name = name
    self.address = address
  }

  /// Parses `Name <addr>`, `"Name" <addr>`, `<addr>` or a bare address; whitespace around the
  /// whole and around the name is ignored, the address inside the brackets is taken as is.
  public init(parsing text: String) throws(MailAddressError) {
    let trimmed = Self.trimmed(Substring(text))
    guard trimmed.last == ">" else {
      self.init(name: nil, address: try MailAddress(String(trimmed)))
      return
    }
    guard let open = trimmed.lastIndex(of: "<") else {
      throw MailAddressError(reason: "the address has a > without a <")
    }
    let inner = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
    let address = try MailAddress(String(inner))
    var name = Self.trimmed(trimmed[..<open])
    if name.count >= 2, name.first == "\"", name.last == "\"" {
      var unquoted = ""
      var escaped = false
      for character in name.dropFirst().dropLast() {
        if escaped {
          unquoted.append(character)
          escaped = false
        } else if character == "\\" {
          escaped = true
        } else {
          unquoted.append(character)
        }
      }
      name = Substring(unquoted)
    }
    self.init(name: name.isEmpty ? nil : String(name), address: address)
  }

  private static func trimmed(_ text: Substring) -> Substring {
    var text = text
    while let first = text.first, first.isWhitespace { text = text.dropFirst() }
    while let last = text.last, last.isWhitespace { text = text.dropLast() }
    return text
  }
}
