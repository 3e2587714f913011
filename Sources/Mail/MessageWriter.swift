/// Writes a `MailMessage` as RFC 5322 bytes: headers folded at 78 columns where a header
/// allows it (never past 998), RFC 2047 encoded-words for non-ASCII text, MIME bodies in 7bit,
/// 8bit or quoted-printable.
struct MessageWriter {
  let message: MailMessage
  let eightBit: Bool

  /// Header lines are folded to this many octets where the text allows.
  static let foldWidth = 78
  /// No line of a message may be longer than this many octets, CRLF excluded (RFC 5322 §2.1.1).
  static let lineLimit = 998

  /// Field names the writer sets itself; extra headers with these names are left out.
  static let reservedNames: Set<String> = [
    "date", "message-id", "from", "to", "subject", "mime-version", "content-type",
    "content-transfer-encoding", "content-disposition", "return-path",
  ]

  func write() -> [UInt8] {
    var out: [UInt8] = []
    let utf8Addresses = message.needsSMTPUTF8
    out += Self.line("Date: " + Self.rfc5322Date(message.date))
    out += Self.line("Message-ID: " + Self.token(message.messageID, limit: 900))
    out += Self.addressHeader("From", message.from, utf8: utf8Addresses)
    out += Self.addressHeader("To", message.to, utf8: utf8Addresses)
    out += Self.unstructured("Subject", message.subject)
    out += Self.line("MIME-Version: 1.0")
    let textBody = BodyEncoding.encode(text: message.text, eightBit: eightBit)
    if message.attachments.isEmpty {
      out += Self.line("Content-Type: text/plain; charset=utf-8")
      out += Self.line("Content-Transfer-Encoding: " + textBody.name)
      out += extraHeaderLines()
      out += Self.line("")
      out += textBody.bytes
      return out
    }
    var parts: [[UInt8]] = []
    var head = Self.line("Content-Type: text/plain; charset=utf-8")
    head += Self.line("Content-Transfer-Encoding: " + textBody.name)
    parts.append(head + Self.line("") + textBody.bytes)
    for attachment in message.attachments {
      let body = BodyEncoding.encode(text: attachment.text, eightBit: eightBit)
      var part = Self.line("Content-Type: " + Self.token(attachment.contentType, limit: 900))
      part += Self.line("Content-Transfer-Encoding: " + body.name)
      part += Self.line(Self.disposition(filename: attachment.filename))
      parts.append(part + Self.line("") + body.bytes)
    }
    let boundary = Self.boundary(for: message.messageID, avoiding: parts)
    out += Self.line("Content-Type: multipart/mixed; boundary=\"\(boundary)\"")
    out += extraHeaderLines()
    out += Self.line("")
    let delimiter = Array("--\(boundary)".utf8)
    for part in parts {
      out += delimiter + [13, 10]
      out += part
      // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1): one more, so
      // that a part's own last line break stays its own (an iCalendar stream ends with CRLF).
      out += [13, 10]
    }
    out += delimiter + Array("--\r\n".utf8)
    return out
  }

  private func extraHeaderLines() -> [UInt8] {
    var out: [UInt8] = []
    for header in message.extraHeaders {
      let name = String(
        decoding: header.name.utf8.filter {
          ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
            || $0 == UInt8(ascii: "-")
        }.prefix(70), as: UTF8.self)
      guard !name.isEmpty, !Self.reservedNames.contains(name.lowercased()) else { continue }
      out += Self.unstructured(name, header.value)
    }
    return out
  }

  // MARK: - Header pieces

  static func line(_ text: String) -> [UInt8] { Array(text.utf8) + [13, 10] }

  /// Every control character (C0, DEL, C1, U+2028, U+2029) replaced by a space.
  static func sanitized(_ text: String) -> String {
    var scalars = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      switch scalar.properties.generalCategory {
      case .control, .lineSeparator, .paragraphSeparator: scalars.append(" ")
      default: scalars.append(scalar)
      }
    }
    return String(scalars)
  }

  /// A structured value the caller controls (Message-ID, a media type): controls become
  /// spaces, non-ASCII becomes `_`, and it is cut at `limit` octets.
  static func token(_ text: String, limit: Int) -> String {
    var bytes: [UInt8] = []
    for scalar in text.unicodeScalars {
      if scalar.value < 0x20 || scalar.value == 0x7F {
        bytes.append(0x20)
      } else if scalar.value < 0x80 {
        bytes.append(UInt8(scalar.value))
      } else {
        bytes.append(UInt8(ascii: "_"))
      }
      if bytes.count >= limit { break }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// True for text that may stand as it is in an unstructured header: printable ASCII and
  /// spaces, nothing that looks like an encoded-word, no word too long to fold.
  static func isPlainUnstructured(_ text: String) -> Bool {
    guard text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), !text.contains("=?") else {
      return false
    }
    return text.split(separator: " ").allSatisfy { $0.utf8.count <= 900 }
  }

  /// `Name: value` with folding: plain when the value allows, else encoded-words.
  static func unstructured(_ name: String, _ value: String) -> [UInt8] {
    let clean = sanitized(value)
    if isPlainUnstructured(clean) {
      let words = clean.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
      return fold(name: name, tokens: words)
    }
    return fold(name: name, tokens: encodedWords(clean, firstLineUsed: name.utf8.count + 2))
  }

  /// RFC 5322 atext plus the space, in words short enough to fold: a display name of these
  /// needs no quoting or encoding.
  static func isPlainPhrase(_ text: String) -> Bool {
    let allowed = Set("!#$%&'*+-/=?^_`{|}~ ".utf8)
    return !text.contains("=?") && text.split(separator: " ").allSatisfy { $0.utf8.count <= 900 }
      && text.utf8.allSatisfy {
        ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
          || allowed.contains($0)
      }
  }

  /// `From: Name <local@domain>`, the name plain or encoded, folded before the address when
  /// the line would be long.
  static func addressHeader(_ name: String, _ mailbox: Mailbox, utf8: Bool) -> [UInt8] {
    let address = mailbox.address
    let spec = utf8 ? address.localPart + "@" + address.domain : address.smtpForm
    let display = sanitized(mailbox.name ?? "")
    guard display.contains(where: { !$0.isWhitespace }) else {
      return fold(name: name, tokens: [spec])
    }
    var tokens: [String]
    if isPlainPhrase(display) {
      tokens = display.split(separator: " ").map(String.init)
    } else {
      tokens = encodedWords(display, firstLineUsed: name.utf8.count + 2)
    }
    tokens.append("<" + spec + ">")
    return fold(name: name, tokens: tokens)
  }

  /// Joins tokens with single spaces after `Name: `, starting a continuation line (CRLF and
  /// a space) before a token that would take the line past 78 octets. Empty tokens (runs of
  /// spaces) never start a line, so no line is only whitespace.
  static func fold(name: String, tokens: [String]) -> [UInt8] {
    var out: [UInt8] = []
    var current = Array((name + ":").utf8)
    var lineHasToken = false
    for token in tokens {
      let bytes = Array(token.utf8)
      if lineHasToken && !bytes.isEmpty && current.count + 1 + bytes.count > foldWidth {
        out += current + [13, 10]
        current = [0x20] + bytes
      } else {
        current += [0x20] + bytes
      }
      lineHasToken = true
    }
    return out + current + [13, 10]
  }

  /// The text as RFC 2047 B encoded-words in UTF-8, each at most 75 characters and cut only
  /// between characters (between scalars inside a cluster too long for one word); the first
  /// one short enough to share a 78-octet line with `Name: ` when that leaves room.
  static func encodedWords(_ text: String, firstLineUsed: Int) -> [String] {
    let overhead = "=?utf-8?B??=".utf8.count
    let fullBudget = 45  // 60 base64 characters: a 75-character word
    let firstRoom = (foldWidth - firstLineUsed - overhead) / 4 * 3
    var budget = firstRoom >= 12 ? min(firstRoom, fullBudget) : fullBudget
    var words: [String] = []
    var chunk: [UInt8] = []
    func flush() {
      if !chunk.isEmpty {
        words.append("=?utf-8?B?" + Base64.encode(chunk) + "?=")
        chunk = []
        budget = fullBudget
      }
    }
    for character in text {
      let bytes = Array(String(character).utf8)
      if bytes.count <= fullBudget {
        if chunk.count + bytes.count > budget { flush() }
        chunk += bytes
      } else {
        for scalar in character.unicodeScalars {
          let scalarBytes = Array(String(scalar).utf8)
          if chunk.count + scalarBytes.count > budget { flush() }
          chunk += scalarBytes
        }
      }
    }
    flush()
    if words.isEmpty { words.append("") }
    return words
  }

  /// `Content-Disposition: attachment`, with the file name quoted, and for a non-ASCII name
  /// in RFC 2231 form (`filename*=utf-8''…`) followed by an ASCII fallback.
  static func disposition(filename: String?) -> String {
    guard let filename, !filename.isEmpty else { return "Content-Disposition: attachment" }
    let scalars = sanitized(filename).unicodeScalars.prefix(100)
    var fallback = ""
    var percent = ""
    var isASCII = true
    for scalar in scalars {
      if scalar == "\"" || scalar == "\\" {
        fallback.append("_")
      } else if scalar.isASCII {
        fallback.unicodeScalars.append(scalar)
      } else {
        fallback.append("_")
        isASCII = false
      }
      for byte in String(scalar).utf8 {
        let isAttrChar =
          (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
          || (byte >= 0x61 && byte <= 0x7A) || "!#$&+-.^_`|~".utf8.contains(byte)
        if isAttrChar {
          percent.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
          percent += "%" + Hex.byte(byte)
        }
      }
    }
    let quoted = "filename=\"\(fallback)\""
    guard !isASCII else { return "Content-Disposition: attachment; " + quoted }
    // The RFC 2231 form first: parsers that take the first file name (Python's email) get
    // the real one, and the others prefer filename* anyway.
    return "Content-Disposition: attachment; filename*=utf-8''\(percent);\r\n " + quoted
  }

  /// A boundary derived from the Message-ID, altered until it occurs in no part.
  static func boundary(for messageID: String, avoiding parts: [[UInt8]]) -> String {
    var attempt: UInt64 = 0
    while true {
      var hash = FNV1a()
      hash.add(Array(messageID.utf8))
      hash.add([UInt8(truncatingIfNeeded: attempt), UInt8(truncatingIfNeeded: attempt >> 8)])
      let candidate = "=_part_" + Hex.word(hash.value) + (attempt == 0 ? "" : "_\(attempt)")
      let needle = Array(candidate.utf8)
      if !parts.contains(where: { $0.contains(subsequence: needle) }) { return candidate }
      attempt += 1
    }
  }

  /// `Thu, 03 Dec 2026 09:04:40 +0000`.
  static func rfc5322Date(_ seconds: Int64) -> String {
    let days = seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400)
    let secondOfDay = seconds - days * 86_400
    let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    let months = [
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday
    // Days to civil date (H. Hinnant's algorithm, proleptic Gregorian).
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
    let time =
      two(secondOfDay / 3_600) + ":" + two(secondOfDay / 60 % 60) + ":" + two(secondOfDay % 60)
    return "\(weekdays[weekday]), \(two(day)) \(months[Int(month) - 1]) \(year) \(time) +0000"
  }
}

// MARK: - Bodies

/// A body's bytes after normalising line ends to CRLF, and the transfer encoding chosen.
enum BodyEncoding {
  struct Encoded {
    var name: String
    var bytes: [UInt8]
  }

  /// The text's lines, split at CRLF, bare CR and bare LF; a final line end ends the last
  /// line rather than starting an empty one.
  static func lines(_ text: String) -> [ArraySlice<UInt8>] {
    let bytes = Array(text.utf8)
    var lines: [ArraySlice<UInt8>] = []
    var start = 0
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      if byte == 13 || byte == 10 {
        lines.append(bytes[start..<index])
        if byte == 13 && index + 1 < bytes.count && bytes[index + 1] == 10 { index += 1 }
        start = index + 1
      }
      index += 1
    }
    if start < bytes.count { lines.append(bytes[start..<bytes.count]) }
    return lines
  }

  static func encode(text: String, eightBit: Bool) -> Encoded {
    let lines = lines(text)
    let fits = lines.allSatisfy { $0.count <= MessageWriter.lineLimit && !$0.contains(0) }
    let ascii = lines.allSatisfy { line in line.allSatisfy { $0 < 0x80 } }
    if fits && (ascii || eightBit) {
      var out: [UInt8] = []
      out.reserveCapacity(text.utf8.count + lines.count)
      for line in lines { out += line + [13, 10] }
      return Encoded(name: ascii ? "7bit" : "8bit", bytes: out)
    }
    return Encoded(name: "quoted-printable", bytes: QuotedPrintable.encode(lines: lines))
  }
}

/// Quoted-printable (RFC 2045 §6.7) with soft line breaks keeping lines at 76 characters.
enum QuotedPrintable {
  static func encode(lines: [ArraySlice<UInt8>]) -> [UInt8] {
    var out: [UInt8] = []
    for line in lines {
      var column = 0
      var index = line.startIndex
      while index < line.endIndex {
        let byte = line[index]
        let isLast = index == line.index(before: line.endIndex)
        var token: [UInt8]
        if (byte >= 33 && byte <= 126 && byte != 61) || ((byte == 32 || byte == 9) && !isLast) {
          token = [byte]
        } else {
          token = [UInt8(ascii: "=")] + Array(Hex.byte(byte).utf8)
        }
        // A soft break ("=") ends a line at 76 characters; the last token of a hard line
        // may use the 76th column itself.
        let room = isLast ? 76 : 75
        if column + token.count > room {
          out += [UInt8(ascii: "="), 13, 10]
          column = 0
        }
        out += token
        column += token.count
        index = line.index(after: index)
      }
      out += [13, 10]
    }
    return out
  }
}

// MARK: - Small helpers

enum Base64 {
  private static let alphabet = Array(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

  static func encode(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index < bytes.count {
      let b0 = bytes[index]
      let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
      let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
      out.append(alphabet[Int(b0 >> 2)])
      out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
      out.append(index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : 61)
      out.append(index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : 61)
      index += 3
    }
    return String(decoding: out, as: UTF8.self)
  }
}

enum Hex {
  private static let digits = Array("0123456789ABCDEF".utf8)

  /// Two uppercase hex digits.
  static func byte(_ value: UInt8) -> String {
    String(decoding: [digits[Int(value >> 4)], digits[Int(value & 0x0F)]], as: UTF8.self)
  }

  /// Sixteen lowercase hex digits.
  static func word(_ value: UInt64) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: 16 - text.count) + text
  }
}

/// 64-bit FNV-1a: a stable hash (unlike Hasher, which is seeded per process).
struct FNV1a {
  var value: UInt64 = 0xcbf2_9ce4_8422_2325

  mutating func add(_ bytes: [UInt8]) {
    for byte in bytes {
      value ^= UInt64(byte)
      value = value &* 0x0000_0100_0000_01b3
    }
  }
}

extension Array where Element == UInt8 {
  func hasSuffix(_ suffix: [UInt8]) -> Bool {
    count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
  }

  func contains(subsequence needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
    let first = needle[0]
    var index = 0
    while index <= count - needle.count {
      if self[index] == first && Array(self[index..<(index + needle.count)]) == needle {
        return true
      }
      index += 1
    }
    return false
  }
}
