import Foundation

@testable import Mail

/// Builders and small readers for the mail tests. The readers are written here, apart from
/// the writer they check, and decode only what RFC 2047, 2045 and 5322 say.
enum Fixture {
  static let from = Mailbox(name: "Almedalsveckan", address: address("noreply@almedalen.example"))

  static func address(_ text: String) -> MailAddress {
    do {
      return try MailAddress(text)
    } catch {
      fatalError("a fixture address is invalid: \(text): \(error)")
    }
  }

  static func message(
    to: String = "anna@example.se", name: String? = "Anna Berg",
    subject: String = "Anmälan bekräftad", text: String = "Hej Anna!\nDu har en plats.\n",
    attachments: [MailPart] = [], extraHeaders: [MailHeader] = [],
    messageID: String = "<0f6c1e2a-1111-4a4a-9b9b-123456789abc@almedalen.example>"
  ) -> MailMessage {
    MailMessage(
      from: from, to: Mailbox(name: name, address: address(to)), subject: subject,
      date: 1_341_302_400, messageID: messageID, extraHeaders: extraHeaders, text: text,
      attachments: attachments)
  }
}

/// A message's bytes split into header lines (as written, still folded) and body.
struct ParsedMessage {
  var rawHeaderLines: [String]
  var body: [UInt8]

  init(_ bytes: [UInt8]) {
    let separator: [UInt8] = [13, 10, 13, 10]
    var split = bytes.count
    if bytes.count >= 4 {
      for index in 0...(bytes.count - 4) where Array(bytes[index..<index + 4]) == separator {
        split = index
        break
      }
    }
    let head = String(decoding: bytes[..<split], as: UTF8.self)
    rawHeaderLines = head.components(separatedBy: "\r\n")
    body = split + 4 <= bytes.count ? Array(bytes[(split + 4)...]) : []
  }

  /// Header fields unfolded (CRLF before whitespace removed), as (name, raw value).
  var fields: [(name: String, value: String)] {
    var fields: [(name: String, value: String)] = []
    for line in rawHeaderLines {
      if line.hasPrefix(" ") || line.hasPrefix("\t"), let last = fields.indices.last {
        fields[last].value += line
      } else if let colon = line.firstIndex(of: ":") {
        let value = line[line.index(after: colon)...]
        fields.append((String(line[..<colon]), String(value.drop { $0 == " " })))
      } else {
        fields.append((line, ""))
      }
    }
    return fields
  }

  func values(_ name: String) -> [String] {
    fields.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
  }

  func value(_ name: String) -> String? { values(name).first }

  func decoded(_ name: String) -> String? { value(name).map(EncodedWords.decode) }
}

/// RFC 2047 decoding: encoded-words (B and Q, UTF-8) and the whitespace between adjacent
/// ones, which does not count.
enum EncodedWords {
  static func decode(_ text: String) -> String {
    var out = ""
    var pendingSpace = ""
    var lastWasEncoded = false
    var rest = Substring(text)
    while !rest.isEmpty {
      if rest.hasPrefix("=?"), let word = parseWord(rest) {
        if !lastWasEncoded { out += pendingSpace }
        pendingSpace = ""
        out += word.text
        rest = rest.dropFirst(word.length)
        lastWasEncoded = true
      } else if let first = rest.first, first == " " || first == "\t" {
        pendingSpace.append(first)
        rest = rest.dropFirst()
      } else {
        out += pendingSpace
        pendingSpace = ""
        let end = rest.firstIndex { $0 == " " || $0 == "\t" } ?? rest.endIndex
        out += rest[..<end]
        rest = rest[end...]
        lastWasEncoded = false
      }
    }
    return out + pendingSpace
  }

  private static func parseWord(_ text: Substring) -> (text: String, length: Int)? {
    let parts = text.dropFirst(2).split(
      separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
    guard parts.count == 4, parts[0].lowercased() == "utf-8", parts[3].hasPrefix("=") else {
      return nil
    }
    let payload = String(parts[2])
    let bytes: [UInt8]?
    switch parts[1].uppercased() {
    case "B": bytes = Data(base64Encoded: payload).map { Array($0) }
    case "Q": bytes = QP.decodeQ(payload)
    default: bytes = nil
    }
    guard let bytes, let string = String(validating: bytes, as: UTF8.self) else { return nil }
    let length = 2 + parts[0].count + 1 + parts[1].count + 1 + parts[2].count + 2
    return (string, length)
  }

  /// Every encoded-word in a header value, as written.
  static func words(in text: String) -> [String] {
    text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init).filter {
      $0.hasPrefix("=?") && $0.hasSuffix("?=")
    }
  }
}

enum QP {
  static func decodeQ(_ text: String) -> [UInt8]? {
    var out: [UInt8] = []
    var bytes = Array(text.utf8)[...]
    while let byte = bytes.popFirst() {
      if byte == UInt8(ascii: "_") {
        out.append(0x20)
      } else if byte == UInt8(ascii: "=") {
        guard bytes.count >= 2,
          let value = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16)
        else { return nil }
        out.append(value)
        bytes = bytes.dropFirst(2)
      } else {
        out.append(byte)
      }
    }
    return out
  }

  /// Quoted-printable body decoding (RFC 2045 §6.7): soft breaks removed, =XX decoded, hard
  /// line breaks kept as CRLF.
  static func decodeBody(_ body: [UInt8]) -> [UInt8]? {
    var out: [UInt8] = []
    let lines = lines(body)
    for (index, line) in lines.enumerated() {
      var bytes = line[...]
      var soft = false
      while let byte = bytes.popFirst() {
        if byte == UInt8(ascii: "=") {
          if bytes.isEmpty {
            soft = true
            break
          }
          guard bytes.count >= 2,
            let value = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16)
          else { return nil }
          out.append(value)
          bytes = bytes.dropFirst(2)
        } else {
          out.append(byte)
        }
      }
      if !soft && index < lines.count - 1 { out += [13, 10] }
    }
    return out
  }

  /// Lines split at CRLF; the part after the last CRLF is the last line (empty when the body
  /// ends in CRLF).
  static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
    var lines: [[UInt8]] = []
    var current: [UInt8] = []
    var index = 0
    while index < bytes.count {
      if bytes[index] == 13 && index + 1 < bytes.count && bytes[index + 1] == 10 {
        lines.append(current)
        current = []
        index += 2
      } else {
        current.append(bytes[index])
        index += 1
      }
    }
    lines.append(current)
    return lines
  }
}

extension Array where Element == UInt8 {
  var text: String { String(decoding: self, as: UTF8.self) }

  func contains(_ needle: String) -> Bool {
    let needle = Array(needle.utf8)
    guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
    for start in 0...(count - needle.count) where self[start] == needle[0] {
      if Array(self[start..<start + needle.count]) == needle { return true }
    }
    return false
  }
}

/// Seconds on a monotonic clock.
func elapsed(_ body: () -> Void) -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  body()
  return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
