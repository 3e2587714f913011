/// Arithmetic in GF(2⁸) as QR codes use it (ISO/IEC 18004 §7.5.2): elements are bytes,
/// addition is XOR, and multiplication is modulo the primitive polynomial
/// x⁸ + x⁴ + x³ + x² + 1 (0x11D), whose root α = 2 generates the field.
public enum GaloisField {
  /// The primitive polynomial, with its x⁸ term.
  public static let primitivePolynomial = 0x11D

  /// `exponents[i]` is αⁱ for i in 0..<255, repeated once more so that sums of two
  /// logarithms index it without a reduction.
  static let exponents: [UInt8] = {
    var table = [UInt8](repeating: 0, count: 510)
    var value = 1
    for index in 0..<255 {
      table[index] = UInt8(value)
      table[index + 255] = UInt8(value)
      value <<= 1
      if value & 0x100 != 0 { value ^= primitivePolynomial }
    }
    return table
  }()

  /// `logarithms[x]` is i with αⁱ = x, for x ≠ 0 (`logarithms[0]` is unused).
  static let logarithms: [Int] = {
    var table = [Int](repeating: 0, count: 256)
    for index in 0..<255 { table[Int(exponents[index])] = index }
    return table
  }()

  /// αⁱ, for any i ≥ 0.
  public static func power(_ exponent: Int) -> UInt8 {
    exponents[exponent % 255]
  }

  /// The logarithm to base α of a non-zero element; nil for zero.
  public static func logarithm(_ value: UInt8) -> Int? {
    value == 0 ? nil : logarithms[Int(value)]
  }

  /// The product of two elements.
  public static func multiply(_ left: UInt8, _ right: UInt8) -> UInt8 {
    if left == 0 || right == 0 { return 0 }
    return exponents[logarithms[Int(left)] + logarithms[Int(right)]]
  }
}

/// Reed–Solomon error correction codewords over `GaloisField`, as QR codes compute them
/// (ISO/IEC 18004 §7.5.2).
public enum ReedSolomon {
  /// The generator polynomial of a code with `degree` error correction codewords,
  /// (x − α⁰)(x − α¹)…(x − α^(degree−1)), as its coefficients from the highest power down;
  /// the leading coefficient (always 1) is included.
  public static func generator(degree: Int) -> [UInt8] {
    precondition(degree >= 1 && degree <= 254, "degree must be in 1...254")
    var polynomial: [UInt8] = [1]
    for root in 0..<degree {
      // Multiply by (x − αʳᵒᵒᵗ); subtraction is addition in GF(2⁸).
      var next = [UInt8](repeating: 0, count: polynomial.count + 1)
      let factor = GaloisField.power(root)
      for (index, coefficient) in polynomial.enumerated() {
        next[index] ^= coefficient
        next[index + 1] ^= GaloisField.multiply(coefficient, factor)
      }
      polynomial = next
    }
    return polynomial
  }

  /// The `generator.count − 1` error correction codewords of `data`: the remainder of
  /// data(x)·x^degree divided by the generator polynomial.
  public static func remainder(of data: [UInt8], generator: [UInt8]) -> [UInt8] {
    let degree = generator.count - 1
    var result = [UInt8](repeating: 0, count: degree)
    for byte in data {
      let factor = byte ^ result[0]
      result.removeFirst()
      result.append(0)
      if factor == 0 { continue }
      for index in 0..<degree {
        result[index] ^= GaloisField.multiply(generator[index + 1], factor)
      }
    }
    return result
  }

  /// The `degree` error correction codewords of `data`.
  public static func errorCorrection(for data: [UInt8], degree: Int) -> [UInt8] {
    remainder(of: data, generator: generator(degree: degree))
  }
}
