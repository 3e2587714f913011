/// An address that SMTP can carry (RFC 5321 §4.1.2): a dot-atom local part and a domain
/// name of LDH labels, which may be given in Unicode (an IDN) and is sent as its A-labels
/// (RFC 5890, Punycode RFC 3492). Quoted local parts and address literals are refused.
///
/// Unicode domains are lowercased and encoded label by label; the full UTS #46 mapping
/// (width folding, deviations) is not applied.
public struct MailAddress: Sendable, Hashable, Codable, CustomStringConvertible {
  /// The part before `@`, as given.
  public let localPart: String
  /// The domain, lowercased, as given (Unicode allowed).
  public let domain: String
  /// The domain in A-labels (`xn--…`), as DNS and SMTP without SMTPUTF8 need it.
  public let asciiDomain: String

  public init(_ text: String) throws(MailAddressError) {
    guard let at = text.lastIndex(of: "@") else { throw MailAddressError("there is no @") }
    let local = String(text[..<at])
    let domain = String(text[text.index(after: at)...]).lowercased()
    guard !local.isEmpty else { throw MailAddressError("the part before @ is empty") }
    guard local.utf8.count <= 64 else {
      throw MailAddressError("the part before @ is longer than 64 bytes")
    }
    guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else {
      throw MailAddressError("the part before @ has a dot at its start or end, or two in a row")
    }
    for scalar in local.unicodeScalars where !Self.isAtomText(scalar) {
      throw MailAddressError("the part before @ holds a character mail cannot carry")
    }
    guard !domain.isEmpty else { throw MailAddressError("the domain is empty") }
    guard !domain.hasPrefix("[") else { throw MailAddressError("address literals are not taken") }
    let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
    guard labels.count >= 2 else { throw MailAddressError("the domain has no dot") }
    var ascii: [String] = []
    for label in labels {
      guard !label.isEmpty else { throw MailAddressError("the domain has an empty label") }
      let encoded: String
      if label.unicodeScalars.allSatisfy(\.isASCII) {
        encoded = String(label)
      } else {
        guard let punycode = Punycode.encode(String(label)) else {
          throw MailAddressError("the domain cannot be encoded for DNS")
        }
        encoded = "xn--" + punycode
      }
      guard encoded.utf8.count <= 63 else {
        throw MailAddressError("a label of the domain is longer than 63 bytes")
      }
      guard
        encoded.utf8.allSatisfy({ byte in
          (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
        }), !encoded.hasPrefix("-"), !encoded.hasSuffix("-")
      else {
        throw MailAddressError("the domain holds a character a host name cannot have")
      }
      ascii.append(encoded)
    }
    let asciiDomain = ascii.joined(separator: ".")
    guard asciiDomain.utf8.count <= 253, local.utf8.count + 1 + asciiDomain.utf8.count <= 254
    else { throw MailAddressError("the address is longer than 254 bytes") }
    self.localPart = local
    self.domain = domain
    self.asciiDomain = asciiDomain
  }

  /// Whether the local part needs SMTPUTF8 (RFC 6531): it is not ASCII.
  public var needsSMTPUTF8: Bool { !localPart.unicodeScalars.allSatisfy(\.isASCII) }

  /// `local@a-label.domain`: for RCPT TO and for headers.
  public var smtpForm: String { localPart + "@" + asciiDomain }

  /// `a…@domain`, for logs and listings.
  public var redacted: String { String(localPart.prefix(1)) + "…@" + domain }

  public var description: String { localPart + "@" + domain }

  /// RFC 5322 atext, and any non-ASCII character (RFC 6532), minus controls and spaces.
  static func isAtomText(_ scalar: Unicode.Scalar) -> Bool {
    if !scalar.isASCII {
      return !scalar.properties.isWhitespace && scalar.properties.generalCategory != .control
        && scalar.properties.generalCategory != .format
    }
    switch scalar {
    case "a"..."z", "A"..."Z", "0"..."9": return true
    default: return "!#$%&'*+-/=?^_`{|}~.".unicodeScalars.contains(scalar)
    }
  }

  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    self = try MailAddress(text)
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }
}

/// Why a text is not an address mail can reach, in English.
public struct MailAddressError: Error, Sendable, CustomStringConvertible {
  public let reason: String
  init(_ reason: String) { self.reason = reason }
  public var description: String { reason }
}

/// Punycode (RFC 3492): Unicode labels as ASCII, for IDN A-labels.
enum Punycode {
  static let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700
  static let initialBias = 72, initialN = 128

  static func encode(_ input: String) -> String? {
    let scalars = input.unicodeScalars.map { Int($0.value) }
    var output = scalars.filter { $0 < 0x80 }.map { Character(Unicode.Scalar(UInt8($0))) }
    let basicCount = output.count
    var handled = basicCount
    if basicCount > 0 { output.append("-") }
    var n = initialN
    var delta = 0
    var bias = initialBias
    while handled < scalars.count {
      guard let m = scalars.filter({ $0 >= n }).min() else { return nil }
      let (product, overflow) = (m - n).multipliedReportingOverflow(by: handled + 1)
      guard !overflow else { return nil }
      delta += product
      n = m
      for c in scalars {
        if c < n { delta += 1 }
        if c == n {
          var q = delta
          var k = base
          while true {
            let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
            if q < t { break }
            output.append(digit(t + (q - t) % (base - t)))
            q = (q - t) / (base - t)
            k += base
          }
          output.append(digit(q))
          bias = adapt(delta, handled + 1, handled == basicCount)
          delta = 0
          handled += 1
        }
      }
      delta += 1
      n += 1
    }
    return String(output)
  }

  static func digit(_ d: Int) -> Character {
    Character(Unicode.Scalar(UInt8(d < 26 ? 0x61 + d : 0x30 + d - 26)))
  }

  static func adapt(_ delta: Int, _ count: Int, _ first: Bool) -> Int {
    var delta = first ? delta / damp : delta / 2
    delta += delta / count
    var k = 0
    while delta > ((base - tMin) * tMax) / 2 {
      delta /= base - tMin
      k += base
    }
    return k + (base - tMin + 1) * delta / (delta + skew)
  }
}
