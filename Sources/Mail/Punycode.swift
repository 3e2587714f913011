/// Punycode (RFC 3492): the Bootstring encoding that IDNA uses to carry a Unicode domain label
/// in letters, digits and hyphens.
///
/// Only the encoder is here: the module turns Unicode domains into A-labels, and never needs
/// to read them back. The full UTS 46 mapping (case folding beyond `lowercased()`,
/// normalisation, the disallowed code points of IDNA 2008) is out of scope.
public enum Punycode {
  private static let base = 36
  private static let tMin = 1
  private static let tMax = 26
  private static let skew = 38
  private static let damp = 700
  private static let initialBias = 72
  private static let initialN = 128

  /// The Punycode form of `text` (without any "xn--" prefix), or nil when the arithmetic would
  /// overflow (RFC 3492 §6.4), which only absurdly long inputs can cause.
  ///
  /// Basic code points (ASCII) are copied as given, in order, followed by a hyphen when there
  /// are any; the digits of the deltas are lowercase.
  public static func encode(_ text: String) -> String? {
    let input = text.unicodeScalars.map { Int($0.value) }
    var output: [UInt8] = input.filter { $0 < 0x80 }.map { UInt8($0) }
    let basicCount = output.count
    var handled = basicCount
    if basicCount > 0 { output.append(UInt8(ascii: "-")) }
    var n = initialN
    var delta = 0
    var bias = initialBias
    while handled < input.count {
      // The smallest code point not yet handled; one exists since handled < count.
      var next = Int.max
      for codePoint in input where codePoint >= n && codePoint < next { next = codePoint }
      let (step, overflowA) = (next - n).multipliedReportingOverflow(by: handled + 1)
      guard !overflowA else { return nil }
      let (sum, overflowB) = delta.addingReportingOverflow(step)
      guard !overflowB, sum <= Int(Int32.max) else { return nil }
      delta = sum
      n = next
      for codePoint in input {
        if codePoint < n {
          delta += 1
          guard delta <= Int(Int32.max) else { return nil }
        }
        if codePoint == n {
          var q = delta
          var k = base
          while true {
            let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
            if q < t { break }
            output.append(digit(t + (q - t) % (base - t)))
            q = (q - t) / (base - t)
            k += base
          }
          output.append(digit(q))
          bias = adapt(delta: delta, points: handled + 1, first: handled == basicCount)
          delta = 0
          handled += 1
        }
      }
      delta += 1
      n += 1
    }
    return String(decoding: output, as: UTF8.self)
  }

  private static func digit(_ value: Int) -> UInt8 {
    value < 26 ? UInt8(ascii: "a") + UInt8(value) : UInt8(ascii: "0") + UInt8(value - 26)
  }

  private static func adapt(delta: Int, points: Int, first: Bool) -> Int {
    var delta = first ? delta / damp : delta / 2
    delta += delta / points
    var k = 0
    while delta > ((base - tMin) * tMax) / 2 {
      delta /= base - tMin
      k += base
    }
    return k + (base - tMin + 1) * delta / (delta + skew)
  }
}
