/// HOTP (RFC 4226): the one-time password of an HMAC-SHA1 key and a counter.
public enum HOTP {
  /// The code for `counter` under `secret`, `digits` long (6...10) with leading zeros:
  /// HMAC-SHA1 of the counter as 8 big-endian bytes, dynamically truncated to 31 bits
  /// (RFC 4226 §5.3), modulo 10^digits.
  public static func code(secret: some Collection<UInt8>, counter: UInt64, digits: Int = 6)
    -> String
  {
    precondition((6...10).contains(digits), "digits must be in 6...10")
    var message: [UInt8] = []
    for shift in stride(from: 56, through: 0, by: -8) {
      message.append(UInt8(truncatingIfNeeded: counter >> UInt64(shift)))
    }
    let mac = hmacSHA1(key: secret, message: message)
    let offset = Int(mac[19] & 0x0F)
    let binary =
      UInt64(mac[offset] & 0x7F) << 24 | UInt64(mac[offset + 1]) << 16
      | UInt64(mac[offset + 2]) << 8 | UInt64(mac[offset + 3])
    var modulus: UInt64 = 1
    for _ in 0..<digits { modulus *= 10 }
    let number = String(binary % modulus)
    return String(repeating: "0", count: digits - number.count) + number
  }
}

/// TOTP (RFC 6238) with HMAC-SHA1, as authenticator apps compute it: the HOTP of the
/// number of `period`-second steps since `t0`.
///
/// The default is what apps assume when an otpauth URI says nothing: 6 digits, 30 s,
/// T0 = 0 (the Unix epoch).
///
/// Replays: a code stays valid for its whole step, and `verify` accepts neighbouring steps
/// too, so a code seen once can be sent again. This type keeps no state; the caller stores
/// the step that `verify` returned for the account, and refuses a code whose step is not
/// later than the stored one (pass it as `after:`), for every sign-in of that account.
public struct TOTP: Sendable, Hashable {
  /// Digits in a code, 6...10.
  public let digits: Int
  /// Seconds in a step, at least 1.
  public let period: Int64
  /// The Unix time at which step 0 begins.
  public let t0: Int64

  /// The usual parameters, or others that apps support (8 digits, 60 s).
  public init(digits: Int = 6, period: Int64 = 30, t0: Int64 = 0) {
    precondition((6...10).contains(digits), "digits must be in 6...10")
    precondition(period >= 1, "period must be at least 1 second")
    self.digits = digits
    self.period = period
    self.t0 = t0
  }

  /// The step of the Unix time `time` (seconds): ⌊(time − t0) / period⌋; nil before t0.
  public func step(at time: Int64) -> UInt64? {
    guard time >= t0 else { return nil }
    return UInt64((time - t0) / period)
  }

  /// The code for the Unix time `time` (seconds since 1970-01-01 UTC); nil before t0.
  public func code(secret: some Collection<UInt8>, at time: Int64) -> String? {
    guard let step = step(at: time) else { return nil }
    return HOTP.code(secret: secret, counter: step, digits: digits)
  }

  /// The code of step `step`.
  public func code(secret: some Collection<UInt8>, step: UInt64) -> String {
    HOTP.code(secret: secret, counter: step, digits: digits)
  }

  /// The step whose code `code` is, among the step of `time` and `window` steps before and
  /// after it (clock drift and typing time), or nil when none matches. Each candidate is
  /// compared in constant time, and all of them are computed whatever matches.
  ///
  /// - Parameters:
  ///   - code: what the user typed; spaces are ignored (apps show "123 456"), anything but
  ///     `digits` digits then fails.
  ///   - after: the step that the account last signed in with, if any: only later steps
  ///     match, which refuses a replay of a code already used (the caller keeps and updates
  ///     it, see the type's documentation).
  public func verify(
    code: String, secret: some Collection<UInt8>, at time: Int64, window: Int = 1,
    after lastUsedStep: UInt64? = nil
  ) -> UInt64? {
    precondition(window >= 0, "window must not be negative")
    let typed = Array(code.utf8.filter { $0 != UInt8(ascii: " ") })
    guard typed.count == digits,
      typed.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
      let current = step(at: time)
    else { return nil }
    var matched: UInt64?
    let low = current >= UInt64(window) ? current - UInt64(window) : 0
    for candidate in low...(current + UInt64(window)) {
      let expected = Array(HOTP.code(secret: secret, counter: candidate, digits: digits).utf8)
      let equal = constantTimeEqual(expected, typed)
      let fresh = lastUsedStep.map { candidate > $0 } ?? true
      if equal && fresh && matched == nil { matched = candidate }
    }
    return matched
  }
}
