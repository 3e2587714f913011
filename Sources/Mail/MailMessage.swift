/// A display name and an address: `Almedalsveckan <noreply@almedalen.example>`.
public struct Mailbox: Sendable, Hashable, Codable {
  public var name: String?
  public var address: MailAddress

  public init(name: String?, address: MailAddress) {
    self.name = name
    self.address = address
  }

  /// `Name <address>`, `"Name" <address>` or a bare address.
  public init(parsing text: String) throws(MailAddressError) {
    let trimmed = text.trimmingSpaces
    guard trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") else {
      self.init(name: nil, address: try MailAddress(trimmed))
      return
    }
    let inner = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
    var name = String(trimmed[..<open]).trimmingSpaces
    if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 {
      name = String(name.dropFirst().dropLast())
    }
    self.init(name: name.isEmpty ? nil : name, address: try MailAddress(String(inner)))
  }
}

/// A header the message adds to the standard ones. Names are restricted to letters, digits
/// and hyphens; values are sanitised like every header.
public struct MailHeader: Sendable, Hashable, Codable {
  public var name: String
  public var value: String

  public init(name: String, value: String) {
    self.name = name
    self.value = value
  }
}

/// An attachment: text of a media type (`text/calendar; charset=utf-8; method=REQUEST`).
public struct MailPart: Sendable, Hashable, Codable {
  public var contentType: String
  public var filename: String?
  public var text: String

  public init(contentType: String, filename: String?, text: String) {
    self.contentType = contentType
    self.filename = filename
    self.text = text
  }
}

/// A message (RFC 5322, MIME RFC 2045–2049): what the outbox stores and a transport sends.
/// Its bytes are a function of its fields and of whether the path is 8-bit clean.
public struct MailMessage: Sendable, Hashable, Codable {
  public var from: Mailbox
  public var to: Mailbox
  public var subject: String
  /// Seconds since 1970 (UTC).
  public var date: Int64
  /// `<unique@host>`.
  public var messageID: String
  public var extraHeaders: [MailHeader]
  /// The plain text, UTF-8; any line ends.
  public var text: String
  public var attachments: [MailPart]

  public init(
    from: Mailbox, to: Mailbox, subject: String, date: Int64, messageID: String,
    extraHeaders: [MailHeader] = [], text: String, attachments: [MailPart] = []
  ) {
    self.from = from
    self.to = to
    self.subject = subject
    self.date = date
    self.messageID = messageID
    self.extraHeaders = extraHeaders
    self.text = text
    self.attachments = attachments
  }

  /// Whether sending needs the relay's SMTPUTF8: an address's local part is not ASCII.
  public var needsSMTPUTF8: Bool { from.address.needsSMTPUTF8 || to.address.needsSMTPUTF8 }

  /// The whole message with CRLF line ends. `eightBit`: the path takes 8-bit text
  /// (8BITMIME, Maildir); otherwise non-ASCII text is quoted-printable. Header lines are
  /// folded at 78 octets where they can be and never exceed 998.
  public func bytes(eightBit: Bool) -> [UInt8] {
    var out = HeaderWriter()
    out.field("Date", Self.rfc5322Date(date))
    out.field("Message-ID", Self.clean(messageID))
    out.mailbox("From", from, utf8: needsSMTPUTF8)
    out.mailbox("To", to, utf8: needsSMTPUTF8)
    out.unstructured("Subject", subject)
    out.field("MIME-Version", "1.0")
    for header in extraHeaders {
      let name = String(
        header.name.unicodeScalars.filter { scalar in
          scalar.isASCII
            && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-")
        }.map(Character.init))
      guard !name.isEmpty else { continue }
      out.unstructured(name, header.value)
    }
    var bytes = out.bytes
    let textBody = Body(text, eightBit: eightBit)
    if attachments.isEmpty {
      bytes += Array("Content-Type: text/plain; charset=utf-8\r\n".utf8)
      bytes += Array("Content-Transfer-Encoding: \(textBody.encoding)\r\n\r\n".utf8)
      bytes += textBody.bytes
      return bytes
    }
    let parts =
      [("text/plain; charset=utf-8", nil as String?, textBody)]
      + attachments.map {
        (Self.clean($0.contentType), $0.filename, Body($0.text, eightBit: eightBit))
      }
    let boundary = Self.boundary(for: messageID, avoiding: parts.map(\.2.bytes))
    bytes += Array("Content-Type: multipart/mixed; boundary=\"\(boundary)\"\r\n\r\n".utf8)
    bytes += Array("This is a MIME message.\r\n".utf8)
    for (type, filename, body) in parts {
      bytes += Array("\r\n--\(boundary)\r\nContent-Type: \(type)\r\n".utf8)
      bytes += Array("Content-Transfer-Encoding: \(body.encoding)\r\n".utf8)
      if let filename {
        let safe = String(
          filename.unicodeScalars.filter { scalar in
            scalar.isASCII && scalar.value > 32 && scalar.value < 127 && scalar != "\""
              && scalar != "\\"
          }.map(Character.init))
        bytes += Array("Content-Disposition: attachment; filename=\"\(safe)\"\r\n".utf8)
      }
      bytes += Array("\r\n".utf8) + body.bytes
    }
    bytes += Array("\r\n--\(boundary)--\r\n".utf8)
    return bytes
  }

  /// A boundary from the Message-ID (so the same message has the same bytes), changed until
  /// no part holds it.
  static func boundary(for messageID: String, avoiding parts: [[UInt8]]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in messageID.utf8 {
      hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    var attempt = 0
    while true {
      let candidate = "=_almedalen_" + String(hash &+ UInt64(attempt), radix: 16)
      let needle = Array(candidate.utf8)
      if !parts.contains(where: { $0.contains(subsequence: needle) }) { return candidate }
      attempt += 1
    }
  }

  /// Header text with every control character (and the Unicode line separators) made a
  /// space: nothing a programme's title holds can end a header or start another.
  static func clean(_ text: String) -> String {
    String(
      String.UnicodeScalarView(
        text.unicodeScalars.map { scalar in
          scalar.properties.generalCategory == .control || scalar == "\u{2028}"
            || scalar == "\u{2029}" ? " " : scalar
        }))
  }

  /// `Thu, 03 Dec 2026 08:41:53 +0000` (RFC 5322 §3.3).
  static func rfc5322Date(_ seconds: Int64) -> String {
    let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
    let rest = Int(seconds - Int64(days) * 86_400)
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    let weekday = ((days % 7) + 7 + 3) % 7  // 1970-01-01 was a Thursday
    let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    let months = [
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(weekdays[weekday]), \(two(day)) \(months[month - 1]) \(year) "
      + "\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60)) +0000"
  }
}

/// A body or part in its transfer encoding: 7bit when ASCII, 8bit when the path allows it,
/// quoted-printable otherwise or when a line is too long.
struct Body {
  var bytes: [UInt8]
  var encoding: String

  init(_ text: String, eightBit: Bool) {
    var lines: [[UInt8]] = [[]]
    var previousCR = false
    for byte in text.utf8 {
      if byte == 0x0A {
        if !previousCR { lines.append([]) }
        previousCR = false
      } else if byte == 0x0D {
        lines.append([])
        previousCR = true
      } else {
        lines[lines.count - 1].append(byte == 0 ? 0x20 : byte)
        previousCR = false
      }
    }
    // Text that ends with a line break ends there: no empty line after it.
    if lines.count > 1 && lines[lines.count - 1].isEmpty { lines.removeLast() }
    let ascii = lines.allSatisfy { $0.allSatisfy { $0 < 0x80 } }
    let short = lines.allSatisfy { $0.count <= 998 }
    if short && (ascii || eightBit) {
      encoding = ascii ? "7bit" : "8bit"
      bytes = []
      for line in lines { bytes += line + [0x0D, 0x0A] }
    } else {
      encoding = "quoted-printable"
      bytes = []
      for line in lines { bytes += Self.quotedPrintable(line) + [0x0D, 0x0A] }
    }
  }

  /// RFC 2045 §6.7: `=XX` for what is not printable ASCII (and `=`), trailing white space
  /// encoded, soft line breaks keeping lines at 76 octets.
  static func quotedPrintable(_ line: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var column = 0
    let hex = Array("0123456789ABCDEF".utf8)
    for (index, byte) in line.enumerated() {
      let last = index == line.count - 1
      let literal =
        (byte >= 33 && byte <= 126 && byte != 0x3D) || (!last && (byte == 0x20 || byte == 0x09))
      let piece: [UInt8] = literal ? [byte] : [0x3D, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
      if column + piece.count > (last ? 76 : 75) {
        out += [0x3D, 0x0D, 0x0A]
        column = 0
      }
      out += piece
      column += piece.count
    }
    return out
  }
}

/// Header fields, folded; non-ASCII text as RFC 2047 encoded-words.
struct HeaderWriter {
  var bytes: [UInt8] = []

  mutating func field(_ name: String, _ value: String) {
    bytes += Array("\(name): \(value)\r\n".utf8)
  }

  /// An unstructured field (Subject): plain words when printable ASCII, else encoded-words
  /// of at most 75 characters, each on its own folded line.
  mutating func unstructured(_ name: String, _ value: String) {
    let text = MailMessage.clean(value)
    if Self.isPlain(text) {
      fold(
        name, words: text.split(separator: " ", omittingEmptySubsequences: false).map(String.init))
    } else {
      fold(name, words: Self.encodedWords(text))
    }
  }

  mutating func mailbox(_ name: String, _ mailbox: Mailbox, utf8: Bool) {
    let address =
      utf8 ? mailbox.address.localPart + "@" + mailbox.address.domain : mailbox.address.smtpForm
    var words: [String] = []
    if let display = mailbox.name.map(MailMessage.clean), !display.trimmingSpaces.isEmpty {
      if Self.isPlain(display) {
        var quoted = "\""
        for character in display {
          if character == "\"" || character == "\\" { quoted.append("\\") }
          quoted.append(character)
        }
        words.append(quoted + "\"")
      } else {
        words += Self.encodedWords(display)
      }
    }
    words.append("<" + address + ">")
    fold(name, words: words)
  }

  /// Words joined by spaces, a line break before a word that would pass 78 octets.
  mutating func fold(_ name: String, words: [String]) {
    var line = name + ":"
    var column = line.utf8.count
    for word in words {
      let length = word.utf8.count + 1
      if column + length > 78 && column > name.utf8.count + 1 {
        line += "\r\n"
        column = 0
      }
      line += " " + word
      column += length
    }
    bytes += Array((line + "\r\n").utf8)
  }

  static func isPlain(_ text: String) -> Bool {
    text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && !text.contains("=?")
      && !text.split(separator: " ").contains(where: { $0.utf8.count > 900 })
  }

  /// `=?utf-8?B?…?=` words of whole characters, at most 45 octets of text each.
  static func encodedWords(_ text: String) -> [String] {
    var words: [String] = []
    var chunk: [UInt8] = []
    for scalar in text.unicodeScalars {
      let bytes = Array(String(scalar).utf8)
      if chunk.count + bytes.count > 45 {
        words.append("=?utf-8?B?" + Base64.encode(chunk) + "?=")
        chunk = []
      }
      chunk += bytes
    }
    if !chunk.isEmpty || words.isEmpty { words.append("=?utf-8?B?" + Base64.encode(chunk) + "?=") }
    return words
  }
}

enum Base64 {
  static let alphabet = Array(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

  static func encode(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    var index = 0
    while index < bytes.count {
      let b0 = bytes[index]
      let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
      let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
      out.append(alphabet[Int(b0 >> 2)])
      out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
      out.append(index + 1 < bytes.count ? alphabet[Int((b1 & 15) << 2 | b2 >> 6)] : 0x3D)
      out.append(index + 2 < bytes.count ? alphabet[Int(b2 & 63)] : 0x3D)
      index += 3
    }
    return String(decoding: out, as: UTF8.self)
  }
}

extension String {
  var trimmingSpaces: String {
    var text = Substring(self)
    while text.first == " " || text.first == "\t" { text.removeFirst() }
    while text.last == " " || text.last == "\t" { text.removeLast() }
    return String(text)
  }
}

extension Array where Element == UInt8 {
  func contains(subsequence needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, needle.count <= count else { return false }
    for start in 0...(count - needle.count) where self[start] == needle[0] {
      if self[start..<(start + needle.count)].elementsEqual(needle) { return true }
    }
    return false
  }
}
