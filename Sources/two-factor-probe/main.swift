// Answers one request per line on stdin with one line on stdout, for the Python tests
// (Tests/python/test_qr_code.py, test_one_time_password.py). Arguments are hex (bytes) or
// decimal; an answer that fails is `error <reason>`. Requests:
//
//   qr LEVEL HEX             `VERSION MASK SVG`: the version, the mask chosen and the SVG
//                            element of HEX's bytes at LEVEL (L, M, Q or H)
//   sha1 HEX                 the digest, hex
//   hmac KEYHEX MESSAGEHEX   HMAC-SHA1, hex
//   hotp KEYHEX COUNTER DIGITS
//   totp KEYHEX UNIXTIME DIGITS PERIOD
//   verify KEYHEX UNIXTIME CODE WINDOW [AFTER]   the matched step, or `none`
//   base32 HEX               Base32 without padding
//   unbase32 TEXT            the bytes, hex
//   uri ISSUERHEX ACCOUNTHEX KEYHEX   the otpauth URI (issuer and account as UTF-8 hex)
//   secret                   a new secret, hex
//   recovery COUNT           new recovery codes, separated by spaces
//   normalise HEX            the normalised recovery code of HEX's UTF-8, or `none`
import OneTimePassword
import QRCode

func bytes(hex: Substring) -> [UInt8]? {
  let digits = Array(hex.utf8)
  guard digits.count % 2 == 0 else { return nil }
  var result: [UInt8] = []
  for index in stride(from: 0, to: digits.count, by: 2) {
    guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16)
    else { return nil }
    result.append(byte)
  }
  return result
}

func hex(_ bytes: [UInt8]) -> String {
  bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

struct ProbeError: Error {
  let reason: String
}

func answer(_ line: String) throws -> String {
  let words = line.split(separator: " ", omittingEmptySubsequences: false)
  func word(_ index: Int) throws -> Substring {
    guard index < words.count else { throw ProbeError(reason: "too few arguments") }
    return words[index]
  }
  func data(_ index: Int) throws -> [UInt8] {
    guard let value = bytes(hex: try word(index)) else { throw ProbeError(reason: "not hex") }
    return value
  }
  func number(_ index: Int) throws -> Int64 {
    guard let value = Int64(try word(index)) else { throw ProbeError(reason: "not a number") }
    return value
  }
  switch try word(0) {
  case "qr":
    let levels: [Substring: ErrorCorrectionLevel] = [
      "L": .low, "M": .medium, "Q": .quartile, "H": .high,
    ]
    guard let level = levels[try word(1)] else { throw ProbeError(reason: "no such level") }
    let code = try QRCode(bytes: try data(2), level: level)
    let svg = code.svg(accessibleName: "QR-kod för test <\(code.version.number)> & \"Å\"")
    return "\(code.version.number) \(code.mask) \(svg)"
  case "sha1":
    return hex(SHA1.hash(try data(1)))
  case "hmac":
    return hex(hmacSHA1(key: try data(1), message: try data(2)))
  case "hotp":
    return HOTP.code(
      secret: try data(1), counter: UInt64(try number(2)), digits: Int(try number(3)))
  case "totp":
    let totp = TOTP(digits: Int(try number(3)), period: try number(4))
    return totp.code(secret: try data(1), at: try number(2)) ?? "none"
  case "verify":
    let after = words.count > 5 ? UInt64(try number(5)) : nil
    let step = TOTP().verify(
      code: String(try word(3)), secret: try data(1), at: try number(2),
      window: Int(try number(4)), after: after)
    return step.map { String($0) } ?? "none"
  case "base32":
    return Base32.encode(try data(1))
  case "unbase32":
    return hex(try Base32.decode(String(try word(1))))
  case "uri":
    return try KeyURI.totp(
      issuer: String(decoding: try data(1), as: UTF8.self),
      account: String(decoding: try data(2), as: UTF8.self), secret: try data(3))
  case "secret":
    return hex(Secrets.totpSecret())
  case "recovery":
    return RecoveryCodes.generate(count: Int(try number(1))).joined(separator: " ")
  case "normalise":
    return RecoveryCodes.normalise(String(decoding: try data(1), as: UTF8.self)) ?? "none"
  default:
    throw ProbeError(reason: "unknown request")
  }
}

while let line = readLine(strippingNewline: true) {
  var output: String
  do {
    output = try answer(line)
  } catch let error as ProbeError {
    output = "error \(error.reason)"
  } catch {
    output = "error \(error)"
  }
  print(output.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: " "))
}
