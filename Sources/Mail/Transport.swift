/// What became of one message.
public enum DeliveryOutcome: Sendable, Equatable {
  case delivered
  /// Try again later: a 4xx reply, a lost connection, a timeout.
  case temporary(String)
  /// Do not try again: a 5xx reply, a message the relay cannot take.
  case permanent(String)
}

/// A connection to a transport, reused for a batch of messages.
public protocol MailSession: AnyObject {
  func send(_ message: MailMessage) -> DeliveryOutcome
  func close()
}

/// Where messages go.
public protocol MailTransport: Sendable, CustomStringConvertible {
  func openSession() -> Result<any MailSession, MailTransportError>
}

/// A transport that cannot be set up or reached.
public struct MailTransportError: Error, Sendable, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// Timeouts per SMTP step, in seconds (RFC 5321 §4.5.3.2 suggests minutes; a relay on the
/// same host answers in milliseconds, so these are shorter).
public struct SMTPTimeouts: Sendable {
  public var connect: Double
  public var greeting: Double
  public var command: Double
  /// After the final `.` of DATA.
  public var dataEnd: Double

  public init(connect: Double, greeting: Double, command: Double, dataEnd: Double) {
    self.connect = connect
    self.greeting = greeting
    self.command = command
    self.dataEnd = dataEnd
  }

  public static let standard = SMTPTimeouts(connect: 10, greeting: 60, command: 60, dataEnd: 120)
}

/// The transport a setting names: `smtp://HOST[:PORT]` or `maildir:PATH`.
public func mailTransport(
  from setting: String, heloName: String, timeouts: SMTPTimeouts = .standard
) throws(MailTransportError) -> any MailTransport {
  if setting.hasPrefix("maildir:") {
    let path = String(setting.dropFirst("maildir:".count))
    guard !path.isEmpty else { throw MailTransportError("maildir: needs a path") }
    return MaildirTransport(path: path)
  }
  guard setting.hasPrefix("smtp://") else {
    throw MailTransportError("expected smtp://HOST:PORT or maildir:PATH, not \(setting)")
  }
  var rest = Substring(setting.dropFirst("smtp://".count))
  if rest.hasSuffix("/") { rest.removeLast() }
  var host = String(rest)
  var port = 25
  if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
    host = String(rest[rest.index(after: rest.startIndex)..<close])
    let after = rest[rest.index(after: close)...]
    if after.hasPrefix(":") {
      guard let number = Int(after.dropFirst()) else {
        throw MailTransportError("the port of \(setting) is not a number")
      }
      port = number
    }
  } else if let colon = rest.lastIndex(of: ":") {
    host = String(rest[..<colon])
    guard let number = Int(rest[rest.index(after: colon)...]) else {
      throw MailTransportError("the port of \(setting) is not a number")
    }
    port = number
  }
  guard !host.isEmpty, (1...65_535).contains(port) else {
    throw MailTransportError("\(setting) needs a host and a port from 1 to 65535")
  }
  return SMTPTransport(host: host, port: port, heloName: heloName, timeouts: timeouts)
}
