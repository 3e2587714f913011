/// Why an otpauth URI cannot be made.
public struct KeyURIError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The reason, in lowercase English without a final full stop.
  public let reason: String

  /// An error with the given reason.
  public init(reason: String) { self.reason = reason }

  /// The reason.
  public var description: String { reason }
}

/// The otpauth URI that authenticator apps read from the enrolment QR code (the Key URI
/// Format of Google Authenticator, which the other apps follow):
/// `otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`.
public enum KeyURI {
  /// The URI for a TOTP `secret` of `account` (the user's email, say) at `issuer` (the
  /// service's name). Issuer and account are percent-encoded as UTF-8 (everything but
  /// RFC 3986's unreserved characters, a space as `%20`); the secret is Base32 without
  /// padding. Neither issuer nor account may contain a colon, which separates them in the
  /// label, nor be empty; the issuer appears in the label and as a parameter, as the format
  /// recommends.
  public static func totp(
    issuer: String, account: String, secret: some Sequence<UInt8>, parameters: TOTP = TOTP()
  ) throws(KeyURIError) -> String {
    guard !issuer.isEmpty else { throw KeyURIError(reason: "the issuer is empty") }
    guard !account.isEmpty else { throw KeyURIError(reason: "the account name is empty") }
    guard !issuer.contains(":") else { throw KeyURIError(reason: "the issuer contains a colon") }
    guard !account.contains(":") else {
      throw KeyURIError(reason: "the account name contains a colon")
    }
    guard parameters.t0 == 0 else {
      throw KeyURIError(reason: "otpauth URIs cannot carry a T0 other than 0")
    }
    let label = percentEncode(issuer) + ":" + percentEncode(account)
    return "otpauth://totp/\(label)?secret=\(Base32.encode(secret))"
      + "&issuer=\(percentEncode(issuer))&algorithm=SHA1&digits=\(parameters.digits)"
      + "&period=\(parameters.period)"
  }

  /// `text` percent-encoded as UTF-8, leaving only A–Z, a–z, 0–9 and `-._~`.
  public static func percentEncode(_ text: String) -> String {
    var result = ""
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
        UInt8(ascii: "_"), UInt8(ascii: "~"):
        result.unicodeScalars.append(Unicode.Scalar(byte))
      default:
        let hex = String(byte, radix: 16, uppercase: true)
        result += "%" + (hex.count == 1 ? "0" + hex : hex)
      }
    }
    return result
  }
}
