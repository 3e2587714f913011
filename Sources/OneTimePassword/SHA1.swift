/// SHA-1 (RFC 3174, FIPS 180-4): 160-bit digests, fed in pieces or at once.
///
/// SHA-1 is broken for collisions, but not as HMAC-SHA1, which is what TOTP authenticator
/// apps compute (RFC 6238 and the apps' default); nothing else should use it.
public struct SHA1: Sendable {
  /// Bytes in a digest.
  public static let digestLength = 20
  /// Bytes in a block, which HMAC needs.
  public static let blockLength = 64

  private var state: (UInt32, UInt32, UInt32, UInt32, UInt32) = (
    0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0
  )
  private var pending: [UInt8] = []
  private var length: UInt64 = 0

  /// A hash of nothing yet.
  public init() { pending.reserveCapacity(Self.blockLength) }

  /// The digest of `bytes`.
  public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
    var hasher = SHA1()
    hasher.update(bytes)
    return hasher.finalize()
  }

  /// Adds `bytes` to the message.
  public mutating func update(_ bytes: some Sequence<UInt8>) {
    for byte in bytes {
      pending.append(byte)
      length &+= 1
      if pending.count == Self.blockLength {
        compress(pending)
        pending.removeAll(keepingCapacity: true)
      }
    }
  }

  /// The digest of the message so far: padding with 0x80, zeros and the length in bits.
  public consuming func finalize() -> [UInt8] {
    let bitLength = length &* 8
    var tail: [UInt8] = [0x80]
    while (pending.count + tail.count) % Self.blockLength != 56 { tail.append(0) }
    for shift in stride(from: 56, through: 0, by: -8) {
      tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
    }
    let block = pending + tail
    for start in stride(from: 0, to: block.count, by: Self.blockLength) {
      compress(block[start..<(start + Self.blockLength)])
    }
    var digest: [UInt8] = []
    digest.reserveCapacity(Self.digestLength)
    for word in [state.0, state.1, state.2, state.3, state.4] {
      for shift in stride(from: 24, through: 0, by: -8) {
        digest.append(UInt8(truncatingIfNeeded: word >> UInt32(shift)))
      }
    }
    return digest
  }

  /// One 64-byte block into the state (RFC 3174 §6.1).
  private mutating func compress(_ block: some Collection<UInt8>) {
    var words = [UInt32](repeating: 0, count: 80)
    var index = 0
    var byteIndex = block.startIndex
    while index < 16 {
      var word: UInt32 = 0
      for _ in 0..<4 {
        word = word << 8 | UInt32(block[byteIndex])
        byteIndex = block.index(after: byteIndex)
      }
      words[index] = word
      index += 1
    }
    for t in 16..<80 {
      words[t] = rotateLeft(words[t - 3] ^ words[t - 8] ^ words[t - 14] ^ words[t - 16], 1)
    }
    var (a, b, c, d, e) = state
    for t in 0..<80 {
      let f: UInt32
      let k: UInt32
      switch t {
      case 0..<20:
        f = (b & c) | (~b & d)
        k = 0x5A82_7999
      case 20..<40:
        f = b ^ c ^ d
        k = 0x6ED9_EBA1
      case 40..<60:
        f = (b & c) | (b & d) | (c & d)
        k = 0x8F1B_BCDC
      default:
        f = b ^ c ^ d
        k = 0xCA62_C1D6
      }
      let temp = rotateLeft(a, 5) &+ f &+ e &+ k &+ words[t]
      e = d
      d = c
      c = rotateLeft(b, 30)
      b = a
      a = temp
    }
    state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
  }
}

private func rotateLeft(_ value: UInt32, _ count: UInt32) -> UInt32 {
  value << count | value >> (32 - count)
}

/// HMAC-SHA1 (RFC 2104): the 20-byte authentication code of `message` under `key`; a key
/// longer than a block is hashed first.
public func hmacSHA1(key: some Collection<UInt8>, message: some Sequence<UInt8>) -> [UInt8] {
  var block = key.count > SHA1.blockLength ? SHA1.hash(key) : Array(key)
  block += [UInt8](repeating: 0, count: SHA1.blockLength - block.count)
  var inner = SHA1()
  inner.update(block.map { $0 ^ 0x36 })
  inner.update(message)
  let innerDigest = inner.finalize()
  var outer = SHA1()
  outer.update(block.map { $0 ^ 0x5C })
  outer.update(innerDigest)
  return outer.finalize()
}

/// Whether two byte sequences are equal, in time that depends on their lengths only, not on
/// where they differ: for codes and for the hashes of secrets.
public func constantTimeEqual(_ left: some Collection<UInt8>, _ right: some Collection<UInt8>)
  -> Bool
{
  guard left.count == right.count else { return false }
  var difference: UInt8 = 0
  for (a, b) in zip(left, right) { difference |= a ^ b }
  return difference == 0
}
