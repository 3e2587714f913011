import Testing

@testable import QRCode

/// GF(2⁸) and Reed–Solomon against values from ISO/IEC 18004 and worked examples of it.
@Suite struct ReedSolomonTests {
  @Test func fieldIsGeneratedByAlphaModulo0x11D() {
    #expect(GaloisField.power(0) == 1)
    #expect(GaloisField.power(1) == 2)
    #expect(GaloisField.power(7) == 0x80)
    #expect(GaloisField.power(8) == 0x1D)
    #expect(GaloisField.power(9) == 0x3A)
    #expect(GaloisField.power(25) == 3)
    #expect(GaloisField.power(255) == 1)
    // α generates the whole multiplicative group: 255 different powers.
    #expect(Set((0..<255).map { GaloisField.power($0) }).count == 255)
    #expect(GaloisField.logarithm(0) == nil)
    #expect(GaloisField.logarithm(3) == 25)
  }

  @Test func multiplicationHasInversesAndDistributes() {
    for a in 1...255 {
      let x = UInt8(a)
      let inverse = GaloisField.power(255 - (GaloisField.logarithm(x) ?? 0))
      #expect(GaloisField.multiply(x, inverse) == 1)
      #expect(GaloisField.multiply(x, 0) == 0)
      #expect(GaloisField.multiply(x, 1) == x)
    }
    for (a, b, c) in [(0x53, 0xCA, 0x07), (0xFF, 0x80, 0x1D), (0x02, 0x8E, 0x47)]
      as [(UInt8, UInt8, UInt8)]
    {
      #expect(
        GaloisField.multiply(a, b ^ c) == GaloisField.multiply(a, b) ^ GaloisField.multiply(a, c))
      #expect(GaloisField.multiply(a, b) == GaloisField.multiply(b, a))
    }
    // 0x80 · 2 = x⁸ = x⁴ + x³ + x² + 1.
    #expect(GaloisField.multiply(0x80, 2) == 0x1D)
  }

  /// Generator polynomials as exponents of α, highest power first (ISO/IEC 18004 Annex A).
  @Test(arguments: [
    (7, [0, 87, 229, 146, 149, 238, 102, 21]),
    (10, [0, 251, 67, 46, 61, 118, 70, 64, 94, 32, 45]),
  ])
  func generatorPolynomial(degree: Int, exponents: [Int]) {
    let polynomial = ReedSolomon.generator(degree: degree)
    #expect(polynomial.map { GaloisField.logarithm($0) ?? -1 } == exponents)
  }

  /// Every generator the versions use vanishes at α⁰ … α^(degree−1) and nowhere else among
  /// the next powers.
  @Test func generatorsHaveTheirRoots() {
    for degree in 7...30 {
      let polynomial = ReedSolomon.generator(degree: degree)
      #expect(polynomial.count == degree + 1)
      #expect(polynomial[0] == 1)
      for root in 0..<(degree + 3) {
        let x = GaloisField.power(root)
        let value = polynomial.reduce(UInt8(0)) { GaloisField.multiply($0, x) ^ $1 }
        #expect((value == 0) == (root < degree), "degree \(degree), α^\(root)")
      }
    }
  }

  /// The standard's example (Annex I): "01234567" in numeric mode at 1-M.
  @Test func standardExampleCodewords() {
    let data: [UInt8] = [
      0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC,
      0x11,
    ]
    let expected: [UInt8] = [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55]
    #expect(ReedSolomon.errorCorrection(for: data, degree: 10) == expected)
  }

  /// "HELLO WORLD" in alphanumeric mode at 1-M, the usual worked example.
  @Test func helloWorldCodewords() {
    let data: [UInt8] = [
      32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17,
    ]
    let expected: [UInt8] = [196, 35, 39, 119, 235, 215, 231, 226, 93, 23]
    #expect(ReedSolomon.errorCorrection(for: data, degree: 10) == expected)
  }

  /// A codeword (data followed by its remainder) is a multiple of the generator: its value
  /// at every root is 0.
  @Test func codewordsVanishAtTheRoots() {
    var generator = SystemRandomNumberGenerator()
    for degree in [7, 18, 30] {
      let data = (0..<40).map { _ in UInt8.random(in: 0...255, using: &generator) }
      let codeword = data + ReedSolomon.errorCorrection(for: data, degree: degree)
      for root in 0..<degree {
        let x = GaloisField.power(root)
        #expect(codeword.reduce(UInt8(0)) { GaloisField.multiply($0, x) ^ $1 } == 0)
      }
    }
  }
}
