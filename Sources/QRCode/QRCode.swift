/// Why bytes cannot become a QR code.
public enum QRCodeError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The data is longer than the largest allowed version holds at the level.
  case dataTooLong(bytes: Int, capacity: Int, level: ErrorCorrectionLevel)

  /// In English, without a final full stop.
  public var description: String {
    switch self {
    case .dataTooLong(let bytes, let capacity, let level):
      "\(bytes) bytes do not fit in a QR code at level \(level), which holds at most \(capacity)"
    }
  }
}

/// A QR code symbol (ISO/IEC 18004:2015, model 2) of bytes in byte mode: the smallest version
/// that holds them at the error correction level, the mask with the lowest penalty, format
/// and version information. The quiet zone is not part of `modules`; the drawing adds it.
public struct QRCode: Sendable, Hashable {
  /// The version of the symbol.
  public let version: QRVersion
  /// The error correction level.
  public let level: ErrorCorrectionLevel
  /// The data mask pattern, 0...7, that the penalty rules chose.
  public let mask: Int
  /// Modules per side (without the quiet zone).
  public var size: Int { version.size }
  /// Row-major, `size × size`: true for a dark module.
  public let modules: [Bool]

  /// Modules of light margin on every side that the standard requires (§6.3.8).
  public static let quietZone = 4

  /// Encodes `bytes` (for instance a URI's UTF-8) in byte mode at `level`, in the smallest
  /// version within `versions` that holds them; the mask is chosen by the penalty rules
  /// unless `mask` (0...7) fixes it.
  public init(
    bytes: some Collection<UInt8>, level: ErrorCorrectionLevel = .medium,
    versions: ClosedRange<Int> = 1...40, mask fixedMask: Int? = nil
  ) throws(QRCodeError) {
    let data = Array(bytes)
    let allowed = QRVersion.all.filter { versions.contains($0.number) }
    guard let version = allowed.first(where: { $0.byteCapacity(level) >= data.count }) else {
      throw .dataTooLong(
        bytes: data.count, capacity: allowed.last?.byteCapacity(level) ?? 0, level: level)
    }
    precondition(fixedMask.map { (0...7).contains($0) } ?? true, "mask must be in 0...7")
    self.version = version
    self.level = level
    let codewords = Self.codewords(
      data: Self.dataCodewords(data, version: version, level: level), version: version,
      level: level)
    var matrix = Matrix(version: version)
    matrix.drawFunctionPatterns()
    matrix.place(codewords: codewords)
    var best = 0
    var bestMatrix = matrix
    if let fixedMask {
      best = fixedMask
      bestMatrix.apply(mask: fixedMask)
      bestMatrix.drawFormat(level: level, mask: fixedMask)
    } else {
      var bestPenalty = Int.max
      for candidate in 0..<8 {
        var trial = matrix
        trial.apply(mask: candidate)
        trial.drawFormat(level: level, mask: candidate)
        let penalty = trial.penalty()
        if penalty < bestPenalty {
          bestPenalty = penalty
          best = candidate
          bestMatrix = trial
        }
      }
    }
    self.mask = best
    self.modules = bestMatrix.dark
  }

  /// Encodes the UTF-8 of `text` (no ECI header: readers take byte mode as UTF-8 or Latin-1,
  /// and every common one tries UTF-8 first).
  public init(
    text: String, level: ErrorCorrectionLevel = .medium, versions: ClosedRange<Int> = 1...40
  ) throws(QRCodeError) {
    try self.init(bytes: Array(text.utf8), level: level, versions: versions)
  }

  /// Whether the module at column `x`, row `y` (0-based, quiet zone excluded) is dark.
  public func isDark(x: Int, y: Int) -> Bool {
    guard x >= 0, y >= 0, x < size, y < size else { return false }
    return modules[y * size + x]
  }

  /// The data codewords: mode 0100 (byte), the count, the bytes, the terminator, zero bits
  /// to a byte boundary, then the pad codewords 0xEC 0x11 in turn (§7.4).
  static func dataCodewords(_ data: [UInt8], version: QRVersion, level: ErrorCorrectionLevel)
    -> [UInt8]
  {
    let capacity = version.dataCodewords(level)
    var bits = BitBuffer()
    bits.append(0b0100, count: 4)
    bits.append(data.count, count: version.byteCountBits)
    for byte in data { bits.append(Int(byte), count: 8) }
    bits.append(0, count: min(4, capacity * 8 - bits.count))
    bits.append(0, count: (8 - bits.count % 8) % 8)
    var result = bits.bytes
    var pad: UInt8 = 0xEC
    while result.count < capacity {
      result.append(pad)
      pad = pad == 0xEC ? 0x11 : 0xEC
    }
    return result
  }

  /// The final codeword sequence (§7.6): the data split into blocks (the shorter blocks
  /// first), each block's error correction appended per block, then the data interleaved
  /// column by column, followed by the error correction interleaved likewise.
  static func codewords(data: [UInt8], version: QRVersion, level: ErrorCorrectionLevel)
    -> [UInt8]
  {
    let blockCount = version.blockCount(level)
    let eccLength = version.errorCorrectionPerBlock(level)
    let total = version.totalCodewords
    let longBlocks = total % blockCount
    let shortBlocks = blockCount - longBlocks
    let shortDataLength = total / blockCount - eccLength
    let generator = ReedSolomon.generator(degree: eccLength)
    var dataBlocks: [[UInt8]] = []
    var eccBlocks: [[UInt8]] = []
    var offset = 0
    for index in 0..<blockCount {
      let length = shortDataLength + (index < shortBlocks ? 0 : 1)
      let block = Array(data[offset..<(offset + length)])
      offset += length
      dataBlocks.append(block)
      eccBlocks.append(ReedSolomon.remainder(of: block, generator: generator))
    }
    var result: [UInt8] = []
    result.reserveCapacity(total)
    for column in 0...shortDataLength {
      for block in dataBlocks where column < block.count { result.append(block[column]) }
    }
    for column in 0..<eccLength {
      for block in eccBlocks { result.append(block[column]) }
    }
    return result
  }
}

/// Bits, most significant first, packed into bytes.
struct BitBuffer {
  private(set) var count = 0
  private(set) var bytes: [UInt8] = []

  /// Appends the low `count` bits of `value`, the highest first.
  mutating func append(_ value: Int, count bitCount: Int) {
    guard bitCount > 0 else { return }
    for shift in stride(from: bitCount - 1, through: 0, by: -1) {
      if count % 8 == 0 { bytes.append(0) }
      if (value >> shift) & 1 == 1 { bytes[bytes.count - 1] |= UInt8(0x80 >> (count % 8)) }
      count += 1
    }
  }
}
