import Testing

@testable import OneTimePassword

/// HOTP against RFC 4226 Appendix D, TOTP against RFC 6238 Appendix B (the SHA-1 rows).
@Suite struct TOTPTests {
  static let rfcSecret = Array("12345678901234567890".utf8)

  @Test func hotpAppendixD() {
    let expected = [
      "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
      "520489",
    ]
    for (counter, code) in expected.enumerated() {
      #expect(HOTP.code(secret: Self.rfcSecret, counter: UInt64(counter)) == code)
    }
  }

  @Test(arguments: [
    (Int64(59), UInt64(1), "94287082"), (1_111_111_109, 0x23523EC, "07081804"),
    (1_111_111_111, 0x23523ED, "14050471"), (1_234_567_890, 0x273EF07, "89005924"),
    (2_000_000_000, 0x3F940AA, "69279037"), (20_000_000_000, 0x27BC_86AA, "65353130"),
  ])
  func totpAppendixB(time: Int64, step: UInt64, code: String) {
    let totp = TOTP(digits: 8)
    #expect(totp.step(at: time) == step)
    #expect(totp.code(secret: Self.rfcSecret, at: time) == code)
    // Six digits are the last six of the same number.
    #expect(TOTP().code(secret: Self.rfcSecret, at: time) == String(code.suffix(6)))
    #expect(totp.verify(code: code, secret: Self.rfcSecret, at: time, window: 0) == step)
  }

  @Test func stepsAndBounds() {
    let totp = TOTP()
    #expect(totp.step(at: 0) == 0)
    #expect(totp.step(at: 29) == 0)
    #expect(totp.step(at: 30) == 1)
    #expect(totp.step(at: -1) == nil)
    #expect(totp.code(secret: Self.rfcSecret, at: -1) == nil)
    #expect(TOTP(period: 60, t0: 100).step(at: 219) == 1)
    #expect(totp.code(secret: Self.rfcSecret, at: 29) == totp.code(secret: Self.rfcSecret, at: 0))
    #expect(totp.code(secret: Self.rfcSecret, at: 30) != totp.code(secret: Self.rfcSecret, at: 29))
  }

  @Test func verifyAcceptsTheWindowAndNothingElse() {
    let totp = TOTP()
    let now: Int64 = 1_700_000_015
    let step = totp.step(at: now) ?? 0
    for offset in -3...3 {
      let code = totp.code(secret: Self.rfcSecret, step: UInt64(Int64(step) + Int64(offset)))
      let matched = totp.verify(code: code, secret: Self.rfcSecret, at: now)
      #expect(
        matched == (abs(offset) <= 1 ? UInt64(Int64(step) + Int64(offset)) : nil), "\(offset)")
      let wide = totp.verify(code: code, secret: Self.rfcSecret, at: now, window: 3)
      #expect(wide == UInt64(Int64(step) + Int64(offset)))
    }
    let code = totp.code(secret: Self.rfcSecret, step: step)
    #expect(
      totp.verify(
        code: String(code.prefix(3)) + " " + code.dropFirst(3), secret: Self.rfcSecret, at: now)
        == step)
    for bad in ["", "12345", "1234567", "12345a", "１２３４５６", String(code.dropLast()) + "x"] {
      #expect(totp.verify(code: bad, secret: Self.rfcSecret, at: now) == nil, "\(bad)")
    }
    #expect(totp.verify(code: code, secret: Array("another secret".utf8), at: now) == nil)
  }

  /// A code used once is refused again when the caller passes the step it stored.
  @Test func replayIsRefusedWithTheStoredStep() {
    let totp = TOTP()
    let now: Int64 = 1_700_000_000
    let step = totp.step(at: now) ?? 0
    let code = totp.code(secret: Self.rfcSecret, step: step)
    let used = totp.verify(code: code, secret: Self.rfcSecret, at: now)
    #expect(used == step)
    #expect(totp.verify(code: code, secret: Self.rfcSecret, at: now + 20, after: used) == nil)
    // An earlier step's code, still in the window, is a replay too.
    let earlier = totp.code(secret: Self.rfcSecret, step: step - 1)
    #expect(totp.verify(code: earlier, secret: Self.rfcSecret, at: now, after: used) == nil)
    // The next step's code is fresh.
    let next = totp.code(secret: Self.rfcSecret, step: step + 1)
    #expect(totp.verify(code: next, secret: Self.rfcSecret, at: now + 30, after: used) == step + 1)
  }

  @Test func codesOfOtherLengths() {
    let code = HOTP.code(secret: Self.rfcSecret, counter: 0, digits: 10)
    #expect(code.count == 10)
    #expect(code.hasSuffix("755224"))
    // The 31-bit truncation of counter 0 is 1284755224 (RFC 4226 Appendix D).
    #expect(code == "1284755224")
  }
}
