/// New TOTP secrets and recovery codes, from a cryptographically secure generator.
///
/// The default generator is Swift's `SystemRandomNumberGenerator`, which on Linux reads
/// the kernel's CSPRNG through getrandom(2) (the source of /dev/urandom) and on Apple
/// platforms uses arc4random_buf. Tests may pass a seeded generator instead.
public enum Secrets {
  /// Bytes of a TOTP secret: 160 bits, the length of an HMAC-SHA1 output, as RFC 4226 §4
  /// recommends.
  public static let totpSecretLength = 20

  /// A new random TOTP secret of 160 bits.
  public static func totpSecret() -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return totpSecret(using: &generator)
  }

  /// A new TOTP secret of 160 bits from `generator`.
  public static func totpSecret(using generator: inout some RandomNumberGenerator) -> [UInt8] {
    (0..<totpSecretLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
  }
}

/// Recovery codes, for when the authenticator is lost: each one signs in once. They are shown
/// to the user once; the caller stores only a hash of each (of `normalise(_:)`'s result) and
/// compares hashes with `constantTimeEqual`.
///
/// A code is 12 characters from a 31-character alphabet without look-alikes (no 0, 1, i, l,
/// o), in three groups of four: `k7ph-3xqa-m9wd`, about 59 bits of entropy.
public enum RecoveryCodes {
  /// The characters of a code: digits 2–9 and lowercase letters but i, l and o.
  public static let alphabet = Array("23456789abcdefghjkmnpqrstuvwxyz")
  /// Characters in a code (without the dashes).
  public static let length = 12
  /// Characters per group.
  public static let groupLength = 4

  /// The number of different codes: 31¹², a little over 2^59.
  public static var possibleCodes: UInt64 {
    (0..<length).reduce(1) { product, _ in product * UInt64(alphabet.count) }
  }

  /// `count` new codes, formatted for people (`k7ph-3xqa-m9wd`).
  public static func generate(count: Int = 10) -> [String] {
    var generator = SystemRandomNumberGenerator()
    return generate(count: count, using: &generator)
  }

  /// `count` new codes from `generator`; no two alike.
  public static func generate(count: Int, using generator: inout some RandomNumberGenerator)
    -> [String]
  {
    var codes: [String] = []
    var seen: Set<String> = []
    while codes.count < count {
      var code = ""
      for index in 0..<length {
        if index > 0 && index % groupLength == 0 { code += "-" }
        code.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
      }
      if seen.insert(code).inserted { codes.append(code) }
    }
    return codes
  }

  /// What the user typed as the canonical code to hash: lowercase, without spaces, dashes
  /// and other separators (tabs, non-breaking spaces, en dashes); nil when the rest is not
  /// 12 characters of the alphabet, so that no hash needs computing.
  public static func normalise(_ typed: String) -> String? {
    var result = ""
    for character in typed.lowercased() {
      if character.isWhitespace
        || [
          "-", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}",
          "\u{2014}", "\u{2212}", "_", ".",
        ].contains(character)
      {
        continue
      }
      guard alphabet.contains(character) else { return nil }
      result.append(character)
    }
    return result.count == length ? result : nil
  }
}
