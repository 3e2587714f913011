import Testing

@testable import OneTimePassword

func hex(_ bytes: [UInt8]) -> String {
  bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

/// SHA-1 against RFC 3174 §7.3, HMAC-SHA1 against RFC 2202 §3.
@Suite struct HashTests {
  @Test(arguments: [
    ("abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
    (
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
      "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
    ),
    ("a", 1_000_000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"),
    (
      "0123456701234567012345670123456701234567012345670123456701234567", 10,
      "dea356a2cddd90c7a7ecedc5ebb563934f460452"
    ),
    ("", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
  ])
  func sha1(text: String, repeats: Int, digest: String) {
    var hasher = SHA1()
    for _ in 0..<repeats { hasher.update(text.utf8) }
    #expect(hex(hasher.finalize()) == digest)
  }

  /// Padding at every length around the block boundaries, fed whole or byte by byte.
  @Test func piecesGiveTheSameDigest() {
    let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37) }
    for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 199] {
      let whole = SHA1.hash(message[..<length])
      var hasher = SHA1()
      for byte in message[..<length] { hasher.update([byte]) }
      #expect(hasher.finalize() == whole)
      #expect(whole.count == 20)
    }
    #expect(SHA1.hash(message[..<55]) != SHA1.hash(message[..<56]))
  }

  @Test(arguments: [
    (
      [UInt8](repeating: 0x0B, count: 20), Array("Hi There".utf8),
      "b617318655057264e28bc0b6fb378c8ef146be00"
    ),
    (
      Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
      "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
    ),
    (
      [UInt8](repeating: 0xAA, count: 20), [UInt8](repeating: 0xDD, count: 50),
      "125d7342b9ac11cd91a39af48aa17b4f63f175d3"
    ),
    (
      (1...25).map { UInt8($0) }, [UInt8](repeating: 0xCD, count: 50),
      "4c9007f4026250c6bc8414f9bf50c86c2d7235da"
    ),
    (
      [UInt8](repeating: 0x0C, count: 20), Array("Test With Truncation".utf8),
      "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"
    ),
    (
      [UInt8](repeating: 0xAA, count: 80),
      Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
      "aa4ae5e15272d00e95705637ce8a3b55ed402112"
    ),
    (
      [UInt8](repeating: 0xAA, count: 80),
      Array("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data".utf8),
      "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"
    ),
  ])
  func hmac(key: [UInt8], message: [UInt8], mac: String) {
    #expect(hex(hmacSHA1(key: key, message: message)) == mac)
  }

  @Test func constantTimeComparison() {
    #expect(constantTimeEqual(Array("123456".utf8), Array("123456".utf8)))
    #expect(!constantTimeEqual(Array("123456".utf8), Array("123457".utf8)))
    #expect(!constantTimeEqual(Array("123456".utf8), Array("12345".utf8)))
    #expect(constantTimeEqual([UInt8](), [UInt8]()))
  }
}
