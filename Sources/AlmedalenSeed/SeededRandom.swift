import Foundation

/// A deterministic pseudo-random generator: xoshiro256** seeded through SplitMix64.
///
/// Generated data must be the same for the same seed on every machine, in every process and
/// with every Swift version. So this type never touches `SystemRandomNumberGenerator`, Swift's
/// `Hasher` (seeded randomly per process) or the standard library's `random(in:using:)`
/// algorithms (which may change between releases): every draw below is spelled out here.
struct SeededRandom {
  private var s0: UInt64
  private var s1: UInt64
  private var s2: UInt64
  private var s3: UInt64

  init(seed: UInt64) {
    var state = seed
    s0 = Self.splitMix(&state)
    s1 = Self.splitMix(&state)
    s2 = Self.splitMix(&state)
    s3 = Self.splitMix(&state)
  }

  /// A generator for one named stream of a seed: each table gets its own stream, so changing
  /// how one table is generated leaves the others as they were.
  init(seed: UInt64, stream: String) {
    self.init(seed: Self.mix([seed, Self.fnv1a(stream)]))
  }

  // MARK: Seeds

  /// SplitMix64's step: advances `state` and returns a well-mixed value.
  static func splitMix(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Folds several values into one seed; order matters, and every bit of every part does.
  static func mix(_ parts: [UInt64]) -> UInt64 {
    var state: UInt64 = 0x616c_6d65_6461_6c65
    for part in parts {
      state ^= part
      _ = splitMix(&state)
      state = splitMix(&state)
    }
    return state
  }

  /// FNV-1a of a string's UTF-8 bytes: a stable hash, unlike `Hasher`.
  static func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01B3
    }
    return hash
  }

  // MARK: Draws

  /// The next 64 random bits (xoshiro256**).
  mutating func next() -> UInt64 {
    let result = rotateLeft(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotateLeft(s3, 45)
    return result
  }

  private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// A uniform integer in `0..<bound` (Lemire's method, without bias). `bound` must be > 0.
  mutating func below(_ bound: Int) -> Int {
    precondition(bound > 0, "below(\(bound)): the bound must be positive")
    let limit = UInt64(bound)
    var product = next().multipliedFullWidth(by: limit)
    if product.low < limit {
      let threshold = (0 &- limit) % limit
      while product.low < threshold { product = next().multipliedFullWidth(by: limit) }
    }
    return Int(product.high)
  }

  /// A uniform integer in `range`.
  mutating func int(in range: ClosedRange<Int>) -> Int {
    range.lowerBound + below(range.upperBound - range.lowerBound + 1)
  }

  /// A uniform double in `0..<1`, with 53 random bits.
  mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// True with probability `p`.
  mutating func chance(_ p: Double) -> Bool { unit() < p }

  /// One element, uniformly. The collection must not be empty.
  mutating func pick<Element>(_ elements: [Element]) -> Element {
    elements[below(elements.count)]
  }

  /// An index into `weights`, each chosen in proportion to its weight (weights ≥ 0, sum > 0).
  mutating func weighted(_ weights: [Int]) -> Int {
    var remaining = below(weights.reduce(0, +))
    for (index, weight) in weights.enumerated() {
      if remaining < weight { return index }
      remaining -= weight
    }
    return weights.count - 1
  }

  /// An index in `0..<count` where low indexes are more likely: `count · u^power`. With
  /// power 1 it is uniform; the larger the power, the more the first indexes dominate.
  mutating func skewed(_ count: Int, power: Double) -> Int {
    min(count - 1, Int(Double(count) * pow(unit(), power)))
  }

  /// A random version-4 UUID (RFC 4122 layout: version and variant bits set).
  mutating func uuid() -> UUID {
    let a = next()
    let b = next()
    func byte(_ word: UInt64, _ index: Int) -> UInt8 {
      UInt8(truncatingIfNeeded: word >> (56 - 8 * index))
    }
    return UUID(
      uuid: (
        byte(a, 0), byte(a, 1), byte(a, 2), byte(a, 3), byte(a, 4), byte(a, 5),
        (byte(a, 6) & 0x0F) | 0x40, byte(a, 7),
        (byte(b, 0) & 0x3F) | 0x80, byte(b, 1), byte(b, 2), byte(b, 3), byte(b, 4), byte(b, 5),
        byte(b, 6), byte(b, 7)
      ))
  }

  /// `count` distinct indexes from `0..<population`, in the order drawn (count ≤ population).
  mutating func distinct(_ count: Int, from population: Int, excluding excluded: Int? = nil)
    -> [Int]
  {
    var chosen: [Int] = []
    let wanted = min(count, population - (excluded == nil ? 0 : 1))
    while chosen.count < wanted {
      let candidate = below(population)
      if candidate != excluded && !chosen.contains(candidate) { chosen.append(candidate) }
    }
    return chosen
  }
}
