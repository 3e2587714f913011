import Testing

@testable import QRCode

/// Versions, codewords, function patterns, masks and the SVG drawing.
@Suite struct QRCodeTests {
  /// Annex E, the row and column coordinates of the alignment patterns' centres.
  static let alignment: [[Int]] = [
    [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46],
    [6, 28, 50], [6, 30, 54], [6, 32, 58], [6, 34, 62], [6, 26, 46, 66], [6, 26, 48, 70],
    [6, 26, 50, 74], [6, 30, 54, 78], [6, 30, 56, 82], [6, 30, 58, 86], [6, 34, 62, 90],
    [6, 28, 50, 72, 94], [6, 26, 50, 74, 98], [6, 30, 54, 78, 102], [6, 28, 54, 80, 106],
    [6, 32, 58, 84, 110], [6, 30, 58, 86, 114], [6, 34, 62, 90, 118],
    [6, 26, 50, 74, 98, 122], [6, 30, 54, 78, 102, 126], [6, 26, 52, 78, 104, 130],
    [6, 30, 56, 82, 108, 134], [6, 34, 60, 86, 112, 138], [6, 30, 58, 86, 114, 142],
    [6, 34, 62, 90, 118, 146], [6, 30, 54, 78, 102, 126, 150], [6, 24, 50, 76, 102, 128, 154],
    [6, 28, 54, 80, 106, 132, 158], [6, 32, 58, 84, 110, 136, 162],
    [6, 26, 54, 82, 110, 138, 166], [6, 30, 58, 86, 114, 142, 170],
  ]

  @Test func alignmentCentresMatchAnnexE() {
    for version in QRVersion.all {
      #expect(version.alignmentCentres == Self.alignment[version.number - 1], "\(version)")
    }
  }

  /// The codeword counts of Table 1, and the formula agrees with counting the modules that
  /// the function patterns leave free.
  @Test func codewordCounts() throws {
    let known = [1: 26, 2: 44, 5: 134, 7: 196, 10: 346, 14: 581, 20: 1085, 27: 1828, 40: 3706]
    for (number, codewords) in known {
      #expect(try #require(QRVersion(number)).totalCodewords == codewords)
    }
    for version in QRVersion.all {
      var matrix = Matrix(version: version)
      matrix.drawFunctionPatterns()
      #expect(matrix.isFunction.filter { !$0 }.count == version.dataModules, "\(version)")
      for level in ErrorCorrectionLevel.allCases {
        let blocks = version.blockCount(level)
        // Blocks differ by at most one data codeword, and each has more data than parity
        // can restore (Table 9's footnote: c = k + 2r, with r ≤ half the parity).
        #expect(version.dataCodewords(level) >= blocks)
        #expect(version.totalCodewords / blocks > version.errorCorrectionPerBlock(level))
      }
    }
  }

  /// Byte-mode capacities of Table 7 at the corners.
  @Test func byteCapacities() throws {
    let known: [(Int, ErrorCorrectionLevel, Int)] = [
      (1, .low, 17), (1, .medium, 14), (1, .quartile, 11), (1, .high, 7),
      (2, .medium, 26), (10, .medium, 213), (10, .high, 119), (15, .medium, 412),
      (40, .low, 2953), (40, .medium, 2331), (40, .quartile, 1663), (40, .high, 1273),
    ]
    for (number, level, bytes) in known {
      #expect(try #require(QRVersion(number)).byteCapacity(level) == bytes, "\(number)-\(level)")
    }
  }

  /// Format information of Annex C, and version information of Annex D.
  @Test func formatAndVersionBits() throws {
    #expect(Matrix.formatBits(level: .low, mask: 0) == 0b111_0111_1100_0100)
    #expect(Matrix.formatBits(level: .medium, mask: 0) == 0b101_0100_0001_0010)
    #expect(Matrix.formatBits(level: .quartile, mask: 0) == 0b011_0101_0101_1111)
    #expect(Matrix.formatBits(level: .high, mask: 0) == 0b001_0110_1000_1001)
    #expect(Matrix.versionBits(try #require(QRVersion(7))) == 0x07C94)
    #expect(Matrix.versionBits(try #require(QRVersion(8))) == 0x085BC)
    #expect(Matrix.versionBits(try #require(QRVersion(40))) == 0x28C69)
    // All 32 format words are at distance ≥ 3 from each other (BCH(15, 5) has 7).
    var words: [Int] = []
    for level in ErrorCorrectionLevel.allCases {
      for mask in 0..<8 { words.append(Matrix.formatBits(level: level, mask: mask)) }
    }
    for (i, a) in words.enumerated() {
      for b in words[(i + 1)...] { #expect((a ^ b).nonzeroBitCount >= 7) }
    }
  }

  /// "hello" at 1-M, worked out by hand: 0100, count 00000101, the bytes, 0000, pads.
  @Test func dataCodewordsOfByteMode() throws {
    let version = try #require(QRVersion(1))
    let data = QRCode.dataCodewords(Array("hello".utf8), version: version, level: .medium)
    #expect(
      data == [
        0x40, 0x56, 0x86, 0x56, 0xC6, 0xC6, 0xF0, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11,
        0xEC,
      ])
    // From version 10 the count has 16 bits: 0100 0000000000000001 11111111 0000.
    let ten = try #require(QRVersion(10))
    let long = QRCode.dataCodewords([0xFF], version: ten, level: .medium)
    #expect(Array(long.prefix(4)) == [0x40, 0x00, 0x1F, 0xF0])
  }

  /// 5-Q has two blocks of 15 data codewords and two of 16, 18 parity each: interleaving
  /// takes one of each in turn, the long blocks' last ones after the rest.
  @Test func blocksAreInterleaved() throws {
    let version = try #require(QRVersion(5))
    #expect(version.blockCount(.quartile) == 4)
    #expect(version.dataCodewords(.quartile) == 62)
    let data = (0..<62).map { UInt8($0) }
    let all = QRCode.codewords(data: data, version: version, level: .quartile)
    #expect(all.count == 134)
    #expect(Array(all.prefix(8)) == [0, 15, 30, 46, 1, 16, 31, 47])
    #expect(Array(all[56..<62]) == [14, 29, 44, 60, 45, 61])
    let firstParity = ReedSolomon.errorCorrection(for: Array(data[0..<15]), degree: 18)
    let thirdParity = ReedSolomon.errorCorrection(for: Array(data[30..<46]), degree: 18)
    #expect(all[62] == firstParity[0])
    #expect(all[64] == thirdParity[0])
    #expect(all[62 + 4] == firstParity[1])
  }

  @Test func smallestVersionThatHoldsTheData() throws {
    for level in ErrorCorrectionLevel.allCases {
      for version in QRVersion.all where version.number <= 15 || version.number == 40 {
        let capacity = version.byteCapacity(level)
        let fits = try QRCode(bytes: [UInt8](repeating: 0x41, count: capacity), level: level)
        #expect(fits.version == version, "\(capacity) bytes at \(level)")
        if version.number < 40 {
          let more = try QRCode(bytes: [UInt8](repeating: 0x41, count: capacity + 1), level: level)
          #expect(more.version.number == version.number + 1)
        }
      }
    }
    #expect(throws: QRCodeError.self) {
      try QRCode(bytes: [UInt8](repeating: 0, count: 2954), level: .low)
    }
    #expect(throws: QRCodeError.self) {
      try QRCode(bytes: [UInt8](repeating: 0, count: 300), level: .medium, versions: 1...10)
    }
  }

  @Test func functionPatternsAreWhereTheStandardPutsThem() throws {
    let code = try QRCode(text: "otpauth://totp/Almedalsveckan:anna%40example.se", level: .high)
    let size = code.size
    for (x0, y0) in [(0, 0), (size - 7, 0), (0, size - 7)] {
      for dy in 0..<7 {
        for dx in 0..<7 {
          let ring = max(abs(dx - 3), abs(dy - 3))
          #expect(code.isDark(x: x0 + dx, y: y0 + dy) == (ring != 2))
        }
      }
    }
    // Separators light, timing patterns alternate, the dark module is dark.
    for index in 0..<8 {
      #expect(!code.isDark(x: 7, y: index))
      #expect(!code.isDark(x: index, y: 7))
      #expect(!code.isDark(x: size - 8, y: index))
      #expect(!code.isDark(x: 7, y: size - 1 - index))
    }
    for index in 8..<(size - 8) {
      #expect(code.isDark(x: index, y: 6) == (index % 2 == 0))
      #expect(code.isDark(x: 6, y: index) == (index % 2 == 0))
    }
    #expect(code.isDark(x: 8, y: size - 8))
    // Both copies of the format information say the same level and mask.
    let bits = Matrix.formatBits(level: code.level, mask: code.mask)
    var first = 0
    var second = 0
    let firstPositions =
      (0...5).map { (8, $0) } + [(8, 7), (8, 8), (7, 8)] + (9..<15).map { (14 - $0, 8) }
    let secondPositions = (0..<8).map { (size - 1 - $0, 8) } + (8..<15).map { (8, size - 15 + $0) }
    for (index, (x, y)) in firstPositions.enumerated() where code.isDark(x: x, y: y) {
      first |= 1 << index
    }
    for (index, (x, y)) in secondPositions.enumerated() where code.isDark(x: x, y: y) {
      second |= 1 << index
    }
    #expect(first == bits)
    #expect(second == bits)
  }

  /// The chosen mask has the lowest penalty of the eight.
  @Test func maskWithTheLowestPenaltyIsChosen() throws {
    for text in ["a", "otpauth://totp/X:y?secret=ABCDEFGH", String(repeating: "Visby ", count: 30)]
    {
      let chosen = try QRCode(text: text)
      var penalties: [Int] = []
      for mask in 0..<8 {
        let code = try QRCode(bytes: Array(text.utf8), mask: mask)
        #expect(code.mask == mask)
        var matrix = Matrix(version: code.version)
        matrix.dark = code.modules
        penalties.append(matrix.penalty())
      }
      #expect(penalties[chosen.mask] == penalties.min())
      #expect(penalties.firstIndex(of: penalties.min() ?? 0) == chosen.mask)
    }
  }

  @Test func penaltyRules() {
    let dark = true
    let light = false
    #expect(Matrix.runPenalty([dark, dark, dark, dark]) == 0)
    #expect(Matrix.runPenalty([dark, dark, dark, dark, dark]) == 3)
    #expect(Matrix.runPenalty([light, dark, dark, dark, dark, dark, dark, dark, light]) == 5)
    #expect(
      Matrix.runPenalty(
        [Bool](repeating: light, count: 5) + [dark] + [Bool](repeating: light, count: 6)) == 7)
    let finder = [dark, light, dark, dark, dark, light, dark]
    #expect(Matrix.finderPenalty(finder + [light, light, light, light]) == 40)
    #expect(Matrix.finderPenalty([light, light, light, light] + finder) == 40)
    // At the edge, the quiet zone is the light side.
    #expect(Matrix.finderPenalty(finder) == 40)
    #expect(
      Matrix.finderPenalty(
        [dark, dark, dark, dark, dark] + finder + [dark, light, dark, light, dark]) == 0)
    // Masking twice is no masking.
    for mask in 0..<8 {
      var matrix = Matrix(version: QRVersion.all[1])
      matrix.drawFunctionPatterns()
      let before = matrix.dark
      matrix.apply(mask: mask)
      #expect(matrix.dark != before)
      matrix.apply(mask: mask)
      #expect(matrix.dark == before)
    }
  }

  @Test func svgDrawsTheModulesAndNothingElse() throws {
    let code = try QRCode(text: "otpauth://totp/Almedalsveckan:anna?secret=GEZDGNBVGY3TQOJQ")
    let svg = code.svg(accessibleName: "QR-kod för <Almedalen> & \"appen\"")
    let side = code.size + 8
    #expect(
      svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(side) \(side)\""))
    #expect(svg.contains(" width=\"\(side * 4)\" height=\"\(side * 4)\""))
    #expect(svg.contains(" role=\"img\""))
    #expect(svg.contains(" shape-rendering=\"crispEdges\""))
    #expect(svg.contains("aria-label=\"QR-kod för &lt;Almedalen&gt; &amp; &quot;appen&quot;\""))
    #expect(svg.contains("<title>QR-kod för &lt;Almedalen&gt; &amp; &quot;appen&quot;</title>"))
    #expect(svg.hasSuffix("</svg>"))
    #expect(svg.components(separatedBy: "<path").count == 2)
    for forbidden in ["href", "url(", "<image", "<script", "<style", "id=", "\n"] {
      #expect(!svg.contains(forbidden))
    }
    #expect(!code.svg(accessibleName: "x", pixelsPerModule: nil).contains("width=\"1"))
    #expect(
      code.svgDocument(accessibleName: "x").hasPrefix(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "))

    // Redraw the path: it covers exactly the dark modules, offset by the quiet zone, one
    // rectangle per run.
    var drawn = [Bool](repeating: false, count: side * side)
    var rectangles = 0
    for piece in code.pathData().split(separator: "M") {
      let parts = piece.split(whereSeparator: { "hvz ".contains($0) })
      #expect(parts.count == 5)
      guard parts.count == 5, let x = Int(parts[0]), let y = Int(parts[1]),
        let width = Int(parts[2])
      else { continue }
      #expect(parts[3] == "1" && parts[4] == "-\(width)")
      for column in x..<(x + width) {
        #expect(!drawn[y * side + column])
        drawn[y * side + column] = true
      }
      rectangles += 1
    }
    var runs = 0
    for y in 0..<side {
      for x in 0..<side {
        let dark = code.isDark(x: x - 4, y: y - 4)
        #expect(drawn[y * side + x] == dark)
        if dark && !code.isDark(x: x - 5, y: y - 4) { runs += 1 }
      }
    }
    #expect(rectangles == runs)
  }

  @Test func escapingForXML() {
    #expect(QRCode.escapeXML("a'b\u{1}c\td") == "a&#39;b\u{FFFD}c&#9;d")
    #expect(QRCode.escapeXML("Åsa & Öberg") == "Åsa &amp; Öberg")
  }
}

extension String {
  fileprivate func components(separatedBy separator: String) -> [Substring] {
    var result: [Substring] = []
    var rest = self[...]
    while let range = rest.firstRange(of: separator) {
      result.append(rest[..<range.lowerBound])
      rest = rest[range.upperBound...]
    }
    result.append(rest)
    return result
  }
}
