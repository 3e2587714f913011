/// How much of a symbol goes to error correction (ISO/IEC 18004 §5.3.8): about 7, 15, 25
/// and 30 % of the codewords can be restored.
public enum ErrorCorrectionLevel: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  case low = 0
  case medium = 1
  case quartile = 2
  case high = 3

  /// The two bits that stand for the level in the format information (Table 12):
  /// L = 01, M = 00, Q = 11, H = 10.
  var formatBits: Int {
    switch self {
    case .low: 1
    case .medium: 0
    case .quartile: 3
    case .high: 2
    }
  }

  /// "L", "M", "Q" or "H".
  public var description: String {
    switch self {
    case .low: "L"
    case .medium: "M"
    case .quartile: "Q"
    case .high: "H"
    }
  }
}

/// A symbol version, 1 (21 × 21 modules) to 40 (177 × 177), and the sizes that follow from
/// it (ISO/IEC 18004 Tables 1 and 9).
public struct QRVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The version number, 1...40.
  public let number: Int

  /// The version `number`, or nil outside 1...40.
  public init?(_ number: Int) {
    guard (1...40).contains(number) else { return nil }
    self.number = number
  }

  /// Every version, 1 to 40.
  public static let all: [QRVersion] = (1...40).compactMap { QRVersion($0) }

  /// Modules per side, without the quiet zone: 17 + 4 × version.
  public var size: Int { 17 + 4 * number }

  /// "version 7" and so on.
  public var description: String { "version \(number)" }

  public static func < (left: QRVersion, right: QRVersion) -> Bool { left.number < right.number }

  /// The centre coordinates (rows and columns alike) of the alignment patterns (Annex E):
  /// 6, the last at size − 7, and equal steps between, the step even; version 1 has none.
  public var alignmentCentres: [Int] {
    if number == 1 { return [] }
    let count = number / 7 + 2
    let step: Int
    if number == 32 {
      step = 26
    } else {
      // The even step that spreads count − 1 gaps over (size − 13), rounded up.
      let span = number * 4 + 4
      let gaps = count * 2 - 2
      step = (span + gaps - 1) / gaps * 2
    }
    var result = [6]
    var position = size - 7
    var rest: [Int] = []
    for _ in 0..<(count - 1) {
      rest.append(position)
      position -= step
    }
    result.append(contentsOf: rest.reversed())
    return result
  }

  /// Modules left for data and error correction once the function patterns and the format
  /// and version information are drawn (including the remainder bits).
  public var dataModules: Int {
    var result = (16 * number + 128) * number + 64
    if number >= 2 {
      let count = number / 7 + 2
      result -= (25 * count - 10) * count - 55
      if number >= 7 { result -= 36 }
    }
    return result
  }

  /// All codewords of the symbol, data and error correction.
  public var totalCodewords: Int { dataModules / 8 }

  /// Error correction codewords per block at `level` (Table 9).
  public func errorCorrectionPerBlock(_ level: ErrorCorrectionLevel) -> Int {
    Self.eccPerBlock[level.rawValue][number - 1]
  }

  /// The number of error correction blocks at `level` (Table 9).
  public func blockCount(_ level: ErrorCorrectionLevel) -> Int {
    Self.blocks[level.rawValue][number - 1]
  }

  /// Data codewords at `level`.
  public func dataCodewords(_ level: ErrorCorrectionLevel) -> Int {
    totalCodewords - errorCorrectionPerBlock(level) * blockCount(level)
  }

  /// Bits of the character count indicator in byte mode (Table 3): 8 up to version 9, then 16.
  public var byteCountBits: Int { number <= 9 ? 8 : 16 }

  /// The most bytes that byte mode can hold at `level`.
  public func byteCapacity(_ level: ErrorCorrectionLevel) -> Int {
    let bits = dataCodewords(level) * 8 - 4 - byteCountBits
    return min(bits / 8, (1 << byteCountBits) - 1)
  }

  /// Table 9, error correction codewords per block, by level (L, M, Q, H) and version.
  private static let eccPerBlock: [[Int]] = [
    [
      7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30,
      30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
      10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28,
      28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    ],
    [
      13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30,
      30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
      17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30,
      30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
  ]

  /// Table 9, the number of error correction blocks, by level (L, M, Q, H) and version.
  private static let blocks: [[Int]] = [
    [
      1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14,
      15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25,
    ],
    [
      1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25,
      26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
    ],
    [
      1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34,
      34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
    ],
    [
      1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37,
      40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
    ],
  ]
}
