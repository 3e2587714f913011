/// The module grid while a symbol is built: which modules are dark, and which belong to
/// function patterns (finder, separator, timing, alignment, format and version information,
/// the dark module) and so are neither data nor masked.
struct Matrix: Hashable {
  let size: Int
  let version: QRVersion
  var dark: [Bool]
  var isFunction: [Bool]

  init(version: QRVersion) {
    self.version = version
    size = version.size
    dark = [Bool](repeating: false, count: size * size)
    isFunction = [Bool](repeating: false, count: size * size)
  }

  subscript(x: Int, y: Int) -> Bool {
    get { dark[y * size + x] }
    set { dark[y * size + x] = newValue }
  }

  /// Sets a function module.
  mutating func setFunction(_ x: Int, _ y: Int, _ value: Bool) {
    dark[y * size + x] = value
    isFunction[y * size + x] = true
  }

  /// Finder patterns with their separators, timing patterns, alignment patterns, the dark
  /// module, the version information, and the format areas reserved (drawn with the mask).
  mutating func drawFunctionPatterns() {
    // Timing patterns on row and column 6 (the finders overwrite their ends).
    for index in 0..<size {
      setFunction(6, index, index % 2 == 0)
      setFunction(index, 6, index % 2 == 0)
    }
    drawFinder(centreX: 3, centreY: 3)
    drawFinder(centreX: size - 4, centreY: 3)
    drawFinder(centreX: 3, centreY: size - 4)
    let centres = version.alignmentCentres
    let last = centres.count - 1
    for (i, x) in centres.enumerated() {
      for (j, y) in centres.enumerated() {
        // Not over the three finder patterns.
        if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
        drawAlignment(centreX: x, centreY: y)
      }
    }
    // Reserve the format areas; drawFormat fills them for each mask.
    drawFormat(level: .medium, mask: 0)
    drawVersion()
  }

  /// A 7 × 7 finder pattern and its light separator (clipped at the symbol's edge).
  private mutating func drawFinder(centreX: Int, centreY: Int) {
    for dy in -4...4 {
      for dx in -4...4 {
        let x = centreX + dx
        let y = centreY + dy
        guard x >= 0, y >= 0, x < size, y < size else { continue }
        let distance = max(abs(dx), abs(dy))
        setFunction(x, y, distance != 2 && distance != 4)
      }
    }
  }

  /// A 5 × 5 alignment pattern.
  private mutating func drawAlignment(centreX: Int, centreY: Int) {
    for dy in -2...2 {
      for dx in -2...2 {
        setFunction(centreX + dx, centreY + dy, max(abs(dx), abs(dy)) != 1)
      }
    }
  }

  /// The 15-bit format information of `level` and `mask`: five data bits, ten bits of
  /// BCH(15, 5) with generator 0x537, XOR-ed with 0x5412 (§7.9).
  static func formatBits(level: ErrorCorrectionLevel, mask: Int) -> Int {
    let data = level.formatBits << 3 | mask
    var remainder = data
    for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
    return (data << 10 | remainder) ^ 0x5412
  }

  /// The 18-bit version information (versions 7 and up): six bits of version, twelve of
  /// BCH(18, 6) with generator 0x1F25 (§7.10).
  static func versionBits(_ version: QRVersion) -> Int {
    var remainder = version.number
    for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
    return version.number << 12 | remainder
  }

  /// Both copies of the format information, and the dark module beside the lower copy.
  mutating func drawFormat(level: ErrorCorrectionLevel, mask: Int) {
    let bits = Self.formatBits(level: level, mask: mask)
    func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
    // Around the top-left finder: bits 0–7 down column 8 from the top (skipping the timing
    // row), bits 8–14 leftwards along row 8 (skipping the timing column).
    for index in 0...5 { setFunction(8, index, bit(index)) }
    setFunction(8, 7, bit(6))
    setFunction(8, 8, bit(7))
    setFunction(7, 8, bit(8))
    for index in 9..<15 { setFunction(14 - index, 8, bit(index)) }
    // Bits 0–7 along row 8 under the top-right finder, from the right edge; bits 8–14 down
    // column 8 beside the bottom-left finder.
    for index in 0..<8 { setFunction(size - 1 - index, 8, bit(index)) }
    for index in 8..<15 { setFunction(8, size - 15 + index, bit(index)) }
    setFunction(8, size - 8, true)
  }

  /// Both copies of the version information, 6 × 3 blocks beside the top-right and the
  /// bottom-left finder patterns.
  private mutating func drawVersion() {
    guard version.number >= 7 else { return }
    let bits = Self.versionBits(version)
    for index in 0..<18 {
      let value = (bits >> index) & 1 == 1
      let long = size - 11 + index % 3
      let short = index / 3
      setFunction(long, short, value)
      setFunction(short, long, value)
    }
  }

  /// Places the codewords, most significant bit first, in the two-module-wide columns from
  /// the right edge, upwards and downwards in turn, skipping function modules and column 6;
  /// modules left over are the remainder bits, light (§7.7.3).
  mutating func place(codewords: [UInt8]) {
    var bitIndex = 0
    let totalBits = codewords.count * 8
    var right = size - 1
    while right >= 1 {
      if right == 6 { right = 5 }
      let upwards = ((right + 1) & 2) == 0
      for step in 0..<size {
        let y = upwards ? size - 1 - step : step
        for x in [right, right - 1] where !isFunction[y * size + x] {
          if bitIndex < totalBits {
            let byte = codewords[bitIndex >> 3]
            self[x, y] = (byte >> (7 - UInt8(bitIndex & 7))) & 1 == 1
            bitIndex += 1
          }
        }
      }
      right -= 2
    }
  }

  /// Whether data mask `mask` inverts the module at column `x`, row `y` (Table 10).
  static func masks(_ mask: Int, x: Int, y: Int) -> Bool {
    switch mask {
    case 0: (y + x) % 2 == 0
    case 1: y % 2 == 0
    case 2: x % 3 == 0
    case 3: (y + x) % 3 == 0
    case 4: (y / 2 + x / 3) % 2 == 0
    case 5: (y * x) % 2 + (y * x) % 3 == 0
    case 6: ((y * x) % 2 + (y * x) % 3) % 2 == 0
    default: ((y + x) % 2 + (y * x) % 3) % 2 == 0
    }
  }

  /// Inverts the data modules that `mask` selects (masking twice undoes it).
  mutating func apply(mask: Int) {
    for y in 0..<size {
      for x in 0..<size where !isFunction[y * size + x] && Self.masks(mask, x: x, y: y) {
        self[x, y].toggle()
      }
    }
  }

  /// The penalty of the symbol as drawn (§7.8.3): N1 = 3 for a run of five modules of one
  /// colour in a row or column, plus 1 for each further module; N2 = 3 for each 2 × 2 block
  /// of one colour; N3 = 40 for each 1:1:3:1:1 finder-like pattern with four light modules
  /// on one side (the quiet zone counts as light); N4 = 10 for each full 5 % by which the
  /// share of dark modules is off 50 %.
  func penalty() -> Int {
    var total = 0
    var line = [Bool](repeating: false, count: size)
    for horizontal in [true, false] {
      for outer in 0..<size {
        for inner in 0..<size {
          line[inner] = horizontal ? dark[outer * size + inner] : dark[inner * size + outer]
        }
        total += Self.runPenalty(line) + Self.finderPenalty(line)
      }
    }
    var darkCount = 0
    for y in 0..<size {
      for x in 0..<size {
        let index = y * size + x
        let colour = dark[index]
        if colour { darkCount += 1 }
        if x + 1 < size && y + 1 < size && dark[index + 1] == colour
          && dark[index + size] == colour && dark[index + size + 1] == colour
        {
          total += 3
        }
      }
    }
    let count = size * size
    total += abs(darkCount * 20 - count * 10) / count * 10
    return total
  }

  /// N1 for one row or column.
  static func runPenalty(_ line: [Bool]) -> Int {
    var total = 0
    var runLength = 0
    var previous: Bool?
    for module in line {
      if module == previous {
        runLength += 1
      } else {
        if runLength >= 5 { total += runLength - 2 }
        runLength = 1
        previous = module
      }
    }
    if runLength >= 5 { total += runLength - 2 }
    return total
  }

  /// N3 for one row or column: 40 for each dark-light-dark-dark-dark-light-dark with four
  /// light modules before or after it (light beyond the edges, the quiet zone).
  static func finderPenalty(_ line: [Bool]) -> Int {
    // The line as bits with four light modules on each side: the quiet zone.
    var padded = [Bool](repeating: false, count: line.count + 8)
    for (index, module) in line.enumerated() { padded[index + 4] = module }
    var total = 0
    var start = 4
    while start + 7 <= line.count + 4 {
      defer { start += 1 }
      guard padded[start], !padded[start + 1], padded[start + 2], padded[start + 3],
        padded[start + 4], !padded[start + 5], padded[start + 6]
      else { continue }
      let lightBefore =
        !padded[start - 1] && !padded[start - 2] && !padded[start - 3] && !padded[start - 4]
      let after = start + 7
      let lightAfter =
        after + 4 <= padded.count && !padded[after] && !padded[after + 1] && !padded[after + 2]
        && !padded[after + 3]
      if lightBefore || lightAfter { total += 40 }
    }
    return total
  }
}
