import Testing

@testable import OneTimePassword

/// Base32 against RFC 4648 §10, the otpauth URI, secrets and recovery codes.
@Suite struct EncodingTests {
  @Test(arguments: [
    ("", "", ""), ("f", "MY", "MY======"), ("fo", "MZXQ", "MZXQ===="),
    ("foo", "MZXW6", "MZXW6==="), ("foob", "MZXW6YQ", "MZXW6YQ="),
    ("fooba", "MZXW6YTB", "MZXW6YTB"),
    ("foobar", "MZXW6YTBOI", "MZXW6YTBOI======"),
  ])
  func base32(text: String, bare: String, padded: String) throws {
    #expect(Base32.encode(text.utf8) == bare)
    #expect(Base32.encode(text.utf8, padding: true) == padded)
    #expect(try Base32.decode(bare) == Array(text.utf8))
    #expect(try Base32.decode(padded) == Array(text.utf8))
    #expect(try Base32.decode(bare.lowercased()) == Array(text.utf8))
  }

  @Test func base32RoundTripsEveryLength() throws {
    var generator = SystemRandomNumberGenerator()
    for length in 0..<70 {
      let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
      let text = Base32.encode(bytes)
      #expect(text.count == (length * 8 + 4) / 5)
      #expect(try Base32.decode(text) == bytes)
    }
  }

  @Test(arguments: [
    ("MZXW6YTBO1", "position 10 is not a Base32 character (A–Z, 2–7): \"1\""),
    ("MZXW 6YTB", "position 5 is not a Base32 character (A–Z, 2–7): byte 0x20"),
    ("MZXW6YTBÅ", "position 9 is not a Base32 character (A–Z, 2–7): byte 0xC3"),
    ("MZ=XW6YTB", "padding at position 3 is not at the end"),
    ("MZXW6==", "the padding does not fill a group of eight characters"),
    ("M", "1 characters are not a whole number of bytes"),
    ("MZX", "3 characters are not a whole number of bytes"),
    ("MZ======M=======", "padding at position 3 is not at the end"),
    ("MY", ""), ("MZ========", "the padding is longer than a group"),
    ("MZ7", "3 characters are not a whole number of bytes"),
    ("MB", "the last character has bits set beyond the last byte"),
  ])
  func base32Refuses(text: String, reason: String) {
    if reason.isEmpty {
      #expect(throws: Never.self) { try Base32.decode(text) }
      return
    }
    #expect(throws: Base32Error(reason: reason)) { try Base32.decode(text) }
  }

  @Test func otpauthURI() throws {
    let secret = Array("12345678901234567890".utf8)
    let uri = try KeyURI.totp(issuer: "Almedalsveckan", account: "anna@example.se", secret: secret)
    #expect(
      uri
        == "otpauth://totp/Almedalsveckan:anna%40example.se?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        + "&issuer=Almedalsveckan&algorithm=SHA1&digits=6&period=30")
    let swedish = try KeyURI.totp(
      issuer: "Region Gotland & Co", account: "Åsa Öberg+x/y?z#1", secret: [0xFF],
      parameters: TOTP(digits: 8, period: 60))
    #expect(
      swedish
        == "otpauth://totp/Region%20Gotland%20%26%20Co:%C3%85sa%20%C3%96berg%2Bx%2Fy%3Fz%231"
        + "?secret=74&issuer=Region%20Gotland%20%26%20Co&algorithm=SHA1&digits=8&period=60")
    #expect(throws: KeyURIError(reason: "the issuer contains a colon")) {
      try KeyURI.totp(issuer: "a:b", account: "c", secret: secret)
    }
    #expect(throws: KeyURIError(reason: "the account name contains a colon")) {
      try KeyURI.totp(issuer: "a", account: "c:d", secret: secret)
    }
    #expect(throws: KeyURIError(reason: "the account name is empty")) {
      try KeyURI.totp(issuer: "a", account: "", secret: secret)
    }
    #expect(KeyURI.percentEncode("-._~ aZ09\u{7F}") == "-._~%20aZ09%7F")
  }

  @Test func secretsAreFreshAnd160Bits() {
    let secrets = (0..<50).map { _ in Secrets.totpSecret() }
    #expect(secrets.allSatisfy { $0.count == 20 })
    #expect(Set(secrets).count == 50)
    // Every bit position is set in some secret and clear in another.
    for position in 0..<160 {
      let set = secrets.filter { $0[position / 8] & UInt8(0x80 >> (position % 8)) != 0 }.count
      #expect(set > 0 && set < 50, "bit \(position)")
    }
    #expect(Base32.encode(secrets[0]).count == 32)
  }

  @Test func recoveryCodes() {
    let codes = RecoveryCodes.generate()
    #expect(codes.count == 10)
    #expect(Set(codes).count == 10)
    for code in codes {
      let groups = code.split(separator: "-")
      #expect(groups.count == 3 && groups.allSatisfy { $0.count == 4 }, "\(code)")
      #expect(code.allSatisfy { $0 == "-" || RecoveryCodes.alphabet.contains($0) })
      #expect(!code.contains(where: { "01ilo".contains($0) }))
      let bare = code.filter { $0 != "-" }
      #expect(RecoveryCodes.normalise(code) == bare)
      #expect(RecoveryCodes.normalise(code.uppercased()) == bare)
      #expect(RecoveryCodes.normalise(" " + bare.uppercased() + "\t") == bare)
      #expect(RecoveryCodes.normalise(groups.joined(separator: " \u{2013} ")) == bare)
    }
    #expect(RecoveryCodes.alphabet.count == 31)
    #expect(Set(RecoveryCodes.alphabet).count == 31)
    // At least 50 bits: 31¹² > 2⁵⁹.
    #expect(RecoveryCodes.possibleCodes > 1 << 59)
    #expect(RecoveryCodes.possibleCodes == 787_662_783_788_549_761)
    for bad in [
      "", "abcd-efgh-jkm", "abcd-efgh-jkmnp", "abcd-efgh-jk0n", "abcd-efgh-jklm", "abcd/efgh/jkmn",
    ] {
      #expect(RecoveryCodes.normalise(bad) == nil, "\(bad)")
    }
    // Letters are spread over the alphabet (chance of failing ≈ 0 with 3,600 characters).
    let many = RecoveryCodes.generate(count: 300).joined().filter { $0 != "-" }
    for character in RecoveryCodes.alphabet {
      let count = many.filter { $0 == character }.count
      #expect(count > 50 && count < 250, "\(character): \(count)")
    }
  }
}
