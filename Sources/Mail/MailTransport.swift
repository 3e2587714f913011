/// What became of one message handed to a session.
public enum DeliveryOutcome: Sendable, Equatable {
  /// The relay accepted it (250 after the data), or it is in the Maildir's `new/`.
  case delivered
  /// Try again later: a 4xx reply, a timeout, a dropped connection, a full disk. The text
  /// says why (control characters escaped, at most a few hundred characters).
  case temporary(String)
  /// Sending it again will not help: a 5xx reply, or a message the relay cannot carry.
  case permanent(String)
}

/// How long the SMTP client waits, in seconds, for each step (RFC 5321 §4.5.3.2 gives 5 min
/// for the greeting and most commands and 10 min after the data; these are shorter, since
/// the relay is expected to be close).
public struct SMTPTimeouts: Sendable, Hashable {
  /// Establishing the TCP connection (each address of the host in turn, within this total).
  public var connect: Double
  /// The 220 greeting.
  public var greeting: Double
  /// Each command's reply (EHLO, MAIL, RCPT, DATA, RSET, QUIT) and each write.
  public var command: Double
  /// The reply after the terminating `.` of the data.
  public var data: Double

  /// Timeouts from their values in seconds.
  public init(connect: Double, greeting: Double, command: Double, data: Double) {
    self.connect = connect
    self.greeting = greeting
    self.command = command
    self.data = data
  }

  /// 10 s to connect, 60 s for the greeting and each command, 120 s after the data.
  public static let standard = SMTPTimeouts(connect: 10, greeting: 60, command: 60, data: 120)
}

/// Why a transport could not be set up or a session opened.
public struct MailTransportError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What went wrong, in English.
  public let reason: String
  /// True when retrying will not help without a change (a relay greeting with 554, a setting
  /// that names no transport); false for a relay that is down or slow.
  public let isPermanent: Bool

  /// An error with its reason.
  public init(reason: String, isPermanent: Bool = false) {
    self.reason = reason
    self.isPermanent = isPermanent
  }

  /// The reason.
  public var description: String { reason }
}

/// A connection to a transport over which messages go one after another, on one thread.
///
/// Sessions are not shared between threads; each sender opens its own.
public protocol MailSession: AnyObject {
  /// Sends one message and says what became of it. After a failure that leaves the session
  /// unusable (a dropped connection, 421, a timeout) this returns `.temporary` at once.
  func send(_ message: MailMessage) -> DeliveryOutcome
  /// Ends the session (QUIT for SMTP). Sending afterwards returns `.temporary`.
  func close()
  /// False once the session can carry no more messages; open a new one then.
  var isUsable: Bool { get }
}

/// Where messages go: an SMTP relay or a Maildir.
public protocol MailTransport: Sendable {
  /// Connects (SMTP: greeting and EHLO) or prepares (Maildir: the folders).
  func openSession() -> Result<any MailSession, MailTransportError>
  /// The transport for logs: `smtp://host:port` or `maildir:PATH`.
  var description: String { get }
}

/// The transport a setting names: `smtp://host[:port]` (port 25 by default; an IPv6 address
/// in brackets, `smtp://[::1]:2525`) or `maildir:PATH`.
///
/// - Parameter heloName: the name the client gives in EHLO/HELO: a domain name or an
///   address literal (`[127.0.0.1]`).
/// - Throws: a `MailTransportError` quoting the setting when it names neither, or when the
///   HELO name is not a domain name.
public func mailTransport(
  from setting: String, heloName: String, timeouts: SMTPTimeouts = .standard
) throws(MailTransportError) -> any MailTransport {
  let quoted = Sanitize.replyText(setting, limit: 200)
  if setting.hasPrefix("smtp://") {
    var rest = Substring(setting.dropFirst("smtp://".count))
    if rest.hasSuffix("/") { rest = rest.dropLast() }
    var host: Substring
    var portText: Substring?
    if rest.hasPrefix("[") {
      guard let close = rest.firstIndex(of: "]") else {
        throw MailTransportError(
          reason: "the mail setting \"\(quoted)\" has an IPv6 address without ]",
          isPermanent: true)
      }
      host = rest[rest.index(after: rest.startIndex)..<close]
      let after = rest[rest.index(after: close)...]
      if !after.isEmpty {
        guard after.hasPrefix(":") else {
          throw MailTransportError(
            reason: "the mail setting \"\(quoted)\" is not smtp://host:port", isPermanent: true)
        }
        portText = after.dropFirst()
      }
    } else if let colon = rest.lastIndex(of: ":") {
      host = rest[..<colon]
      portText = rest[rest.index(after: colon)...]
    } else {
      host = rest
    }
    let hostIsSane =
      !host.isEmpty
      && host.utf8.allSatisfy {
        ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
          || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":")
          || $0 == UInt8(ascii: "_")
      }
    guard hostIsSane else {
      throw MailTransportError(
        reason: "the mail setting \"\(quoted)\" does not name a host (smtp://host:port)",
        isPermanent: true)
    }
    var port = 25
    if let portText {
      guard let number = Int(portText), (1...65_535).contains(number) else {
        throw MailTransportError(
          reason: "the mail setting \"\(quoted)\" has no valid port (1-65535)", isPermanent: true)
      }
      port = number
    }
    guard isValidHELOName(heloName) else {
      throw MailTransportError(
        reason: "the HELO name \"\(Sanitize.replyText(heloName, limit: 100))\" is not a domain "
          + "name or address literal", isPermanent: true)
    }
    return SMTPTransport(host: String(host), port: port, heloName: heloName, timeouts: timeouts)
  }
  if setting.hasPrefix("maildir:") {
    let path = String(setting.dropFirst("maildir:".count))
    guard !path.isEmpty, !path.utf8.contains(0) else {
      throw MailTransportError(
        reason: "the mail setting \"\(quoted)\" has no path (maildir:PATH)", isPermanent: true)
    }
    return MaildirTransport(path: path)
  }
  throw MailTransportError(
    reason: "the mail setting \"\(quoted)\" names no transport: expected smtp://host:port or "
      + "maildir:PATH", isPermanent: true)
}

/// A domain name of LDH labels, or an address literal in brackets.
func isValidHELOName(_ name: String) -> Bool {
  let bytes = Array(name.utf8)
  guard !bytes.isEmpty, bytes.count <= 255 else { return false }
  if bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") {
    return bytes.dropFirst().dropLast().allSatisfy {
      ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
        || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":")
    } && bytes.count > 2
  }
  return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
    !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
      && label.utf8.allSatisfy {
        ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
          || $0 == UInt8(ascii: "-")
      }
  }
}

/// Text from the outside (a relay's reply, a setting) made safe for a log line or a stored
/// error: control characters and backslashes escaped, cut at a limit.
enum Sanitize {
  static func replyText(_ text: String, limit: Int) -> String {
    var out = ""
    var count = 0
    for scalar in text.unicodeScalars {
      let piece: String
      switch scalar.properties.generalCategory {
      case .control, .format, .lineSeparator, .paragraphSeparator:
        let hex = String(scalar.value, radix: 16, uppercase: true)
        piece =
          scalar.value <= 0xFF
          ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{" + hex + "}"
      default:
        piece = scalar == "\\" ? "\\\\" : String(scalar)
      }
      if count + piece.count > limit {
        out += "…"
        break
      }
      out += piece
      count += piece.count
    }
    return out
  }
}
