import Foundation
import Testing

@testable import HTTPServer

@Suite struct GzipTests {
  /// Deterministic pseudo-random bytes (SplitMix64), so a failure can be reproduced.
  static func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count)
    while bytes.count < count {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      z ^= z >> 31
      for shift in stride(from: 0, to: 64, by: 8) where bytes.count < count {
        bytes.append(UInt8(truncatingIfNeeded: z >> UInt64(shift)))
      }
    }
    return bytes
  }

  static let samples: [(name: String, bytes: [UInt8])] = [
    ("empty", []),
    ("small", Array("Hello, Almedalen! Välkommen till Visby.".utf8)),
    ("1 MB random", randomBytes(count: 1 << 20, seed: 42)),
    (
      "repetitive",
      Array(
        String(repeating: "<tr><td>Seminarium</td><td>Donners plats</td></tr>\n", count: 20_000)
          .utf8)
    ),
  ]

  /// Decodes with /usr/bin/gzip -dc, the way a client would; nil if gzip rejects the data.
  static func externalGunzip(_ data: [UInt8]) throws -> [UInt8]? {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("almedalen-gzip-\(UUID().uuidString).gz")
    try Data(data).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let result = try runProgram("/usr/bin/gzip", ["-dc", url.path])
    return result.status == 0 ? result.standardOutput : nil
  }

  @Test(arguments: 0..<samples.count)
  func roundTrip(_ index: Int) throws {
    let (name, bytes) = Self.samples[index]
    let compressed = try #require(Gzip.compress(bytes), "\(name)")
    #expect(Array(compressed.prefix(3)) == [0x1F, 0x8B, 0x08], "\(name): gzip magic + deflate")
    let decompressed = try #require(Gzip.decompress(compressed, limit: bytes.count), "\(name)")
    #expect(decompressed == bytes, "\(name)")
    #expect(try Self.externalGunzip(compressed) == bytes, "\(name): /usr/bin/gzip -dc")
  }

  @Test func compressionActuallyCompresses() throws {
    let repetitive = Self.samples[3].bytes
    let compressed = try #require(Gzip.compress(repetitive))
    #expect(compressed.count * 100 < repetitive.count)
    // Incompressible data grows only by the stored-block and header overhead.
    let random = Self.samples[2].bytes
    #expect(try #require(Gzip.compress(random)).count < random.count + 1024)
    // The deflateBound-sized buffer is not kept around with the small result.
    #expect(compressed.capacity < compressed.count + 8192)
  }

  @Test func levelsAndNonArrayCollections() throws {
    let text = Array(String(repeating: "abcabcabd", count: 1000).utf8)
    for level: Int32 in [-1, 0, 1, 9] {
      let compressed = try #require(Gzip.compress(text, level: level), "level \(level)")
      #expect(Gzip.decompress(compressed, limit: 1 << 20) == text, "level \(level)")
    }
    #expect(Gzip.compress(text, level: 10) == nil)
    #expect(Gzip.compress(text, level: -2) == nil)
    // Contiguous slice and a non-contiguous collection.
    let slice = text[100..<5000]
    #expect(Gzip.decompress(try #require(Gzip.compress(slice)), limit: 1 << 20) == Array(slice))
    let lazy = text.lazy.map { $0 ^ 0x20 }
    let mapped = Array(lazy)
    #expect(Gzip.decompress(try #require(Gzip.compress(lazy)), limit: 1 << 20) == mapped)
  }

  /// Output buffers far smaller than needed: the loops that deflateBound normally makes
  /// unnecessary (compress) or that only large bodies reach (decompress).
  @Test(arguments: [1, 7, 1000])
  func tinyOutputBuffers(_ chunkCapacity: Int) throws {
    for (name, sample) in Self.samples {
      let bytes = Array(sample.prefix(100_000))
      let compressed = try #require(
        bytes.withUnsafeBufferPointer {
          Gzip.compress(buffer: $0, level: 6, chunkCapacity: chunkCapacity)
        }, "\(name)")
      #expect(compressed == Gzip.compress(bytes), "\(name)")
      let decompressed = (compressed + compressed).withUnsafeBufferPointer {
        Gzip.decompress(buffer: $0, limit: 2 * bytes.count, chunkCapacity: chunkCapacity)
      }
      #expect(decompressed == bytes + bytes, "\(name), two members")
      let overLimit = compressed.withUnsafeBufferPointer {
        Gzip.decompress(buffer: $0, limit: bytes.count - 1, chunkCapacity: chunkCapacity)
      }
      #expect(bytes.isEmpty || overLimit == nil, "\(name)")
    }
  }

  @Test func decompressRefusesOutputPastTheLimit() throws {
    let zeros = [UInt8](repeating: 0, count: 10 << 20)
    let bomb = try #require(Gzip.compress(zeros, level: 9))
    #expect(bomb.count < 20 * 1024)
    #expect(Gzip.decompress(bomb, limit: 1 << 20) == nil)
    // Exactly at the limit is fine, one byte under is not.
    #expect(Gzip.decompress(bomb, limit: zeros.count) == zeros)
    #expect(Gzip.decompress(bomb, limit: zeros.count - 1) == nil)
    #expect(Gzip.decompress(try #require(Gzip.compress([UInt8]())), limit: 0) == [])
  }

  @Test func decompressRejectsMalformedInput() throws {
    let text = Array(String(repeating: "Almedalsveckan ", count: 500).utf8)
    let compressed = try #require(Gzip.compress(text))
    #expect(Gzip.decompress([UInt8](), limit: 1000) == nil)
    #expect(Gzip.decompress(Array("not gzip at all".utf8), limit: 1000) == nil)
    #expect(Gzip.decompress(compressed.dropLast(4), limit: 1 << 20) == nil, "truncated")
    #expect(Gzip.decompress(compressed + [1, 2, 3], limit: 1 << 20) == nil, "trailing garbage")
    var corrupted = compressed
    corrupted[corrupted.count - 6] ^= 0xFF  // CRC32
    #expect(Gzip.decompress(corrupted, limit: 1 << 20) == nil, "bad CRC")
    // Concatenated members are one stream, as for gzip -d.
    let second = try #require(Gzip.compress(Array("tail".utf8)))
    #expect(Gzip.decompress(compressed + second, limit: 1 << 20) == text + Array("tail".utf8))
    // Bytes from the external encoder decode too.
    #expect(Gzip.decompress(try Self.externalGzip(text), limit: 1 << 20) == text)
  }

  static func externalGzip(_ data: [UInt8]) throws -> [UInt8] {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("almedalen-gzip-\(UUID().uuidString)")
    try Data(data).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let result = try runProgram("/usr/bin/gzip", ["-c", url.path])
    #expect(result.status == 0)
    return result.standardOutput
  }

  @Test(
    arguments: [
      ("gzip", true),
      ("GZIP", true),
      ("deflate, gzip;q=0.5", true),
      ("gzip;q=0", false),
      ("gzip; q=0.000", false),
      ("*", true),
      ("*;q=0", false),
      ("identity", false),
      ("br", false),
      ("x-gzip", true),
      ("gzip;q=0, *", false),
      ("", false),
      ("  gzip  ,  br ", true),
      ("br;q=1.0,\tGzip ; Q = 0.001", true),
      ("gzip;q=1.0", true),
      ("gzip;q=0.0", false),
      ("gzip;q=abc", false),
      ("gzip;q=", false),
      ("gzip;q=2", false),
      ("deflate, *;q=0.1", true),
      ("*;q=0, gzip", true),
      ("gzip;q=0, x-gzip", false),
      ("x-gzip;q=0, gzip", false),
      ("gzip;q=0.5, gzip;q=0", false),
      ("X-Gzip;q=0.3, *;q=0", true),
      ("compress, gzip-ish", false),
      (",,gzip,,", true),
    ] as [(String, Bool)])
  func acceptsGzip(_ header: String, _ expected: Bool) {
    #expect(Gzip.acceptsGzip(header) == expected, "\(header)")
  }

  @Test func acceptsGzipWithoutHeader() {
    #expect(Gzip.acceptsGzip(nil) == false)
  }
}
