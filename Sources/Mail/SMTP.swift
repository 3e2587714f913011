/// Delivery through an SMTP relay (RFC 5321) over plain TCP.
///
/// STARTTLS is not offered: the relay is expected on localhost or a private network (Postfix,
/// or a provider's relay reached through one) and does TLS to the world itself.
public struct SMTPTransport: MailTransport {
  /// The relay's host name or address.
  public let host: String
  /// The relay's port.
  public let port: Int
  /// The name given in EHLO/HELO.
  public let heloName: String
  /// How long each step may take.
  public let timeouts: SMTPTimeouts

  /// A transport to `host:port`; `mailTransport(from:heloName:timeouts:)` checks the names.
  public init(host: String, port: Int, heloName: String, timeouts: SMTPTimeouts = .standard) {
    self.host = host
    self.port = port
    self.heloName = heloName
    self.timeouts = timeouts
  }

  /// `smtp://host:port`, an IPv6 address in brackets.
  public var description: String {
    host.contains(":") ? "smtp://[\(host)]:\(port)" : "smtp://\(host):\(port)"
  }

  /// Connects, reads the greeting and says EHLO (HELO when EHLO is refused with 5xx).
  ///
  /// A connection that fails or times out, and 4xx replies, are temporary errors; a 554
  /// greeting or a 5xx answer to HELO is permanent (`isPermanent`).
  public func openSession() -> Result<any MailSession, MailTransportError> {
    switch SMTPSession.open(transport: self) {
    case .success(let session): return .success(session)
    case .failure(let error): return .failure(error)
    }
  }
}

/// One SMTP connection over which messages go one after another.
///
/// A failed transaction (4xx or 5xx to MAIL, RCPT, DATA or the data) is followed by RSET and
/// the session goes on; 421, a dropped connection, a timeout or a reply that breaks the
/// protocol ends it (`isUsable` false), and every later `send` returns `.temporary` at once.
public final class SMTPSession: MailSession {
  /// Reply lines longer than this (CRLF excluded) end the session: RFC 5321 §4.5.3.1.5.
  static let replyLineLimit = 512
  /// Replies of more lines than this end the session.
  static let replyLineCount = 100
  /// Reply texts kept in outcomes are cut at this many characters.
  static let outcomeTextLimit = 300

  private let socket: SMTPSocket
  private let timeouts: SMTPTimeouts
  private var endedBecause: String?

  /// The relay offered 8BITMIME (RFC 6152): 8-bit bodies go as `BODY=8BITMIME`.
  public let offers8BITMIME: Bool
  /// The relay offered SMTPUTF8 (RFC 6531): non-ASCII local parts can be carried.
  public let offersSMTPUTF8: Bool
  /// The relay offered PIPELINING; commands are still sent one at a time.
  public let offersPipelining: Bool
  /// The relay's SIZE (RFC 1870): nil when not offered, 0 when offered without a limit.
  public let sizeLimit: Int?
  /// The relay answered EHLO (false: it refused EHLO and HELO was used).
  public let saidEHLO: Bool

  private init(socket: SMTPSocket, timeouts: SMTPTimeouts, extensions: [String]?) {
    self.socket = socket
    self.timeouts = timeouts
    var eightBit = false
    var utf8 = false
    var pipelining = false
    var size: Int?
    for line in extensions ?? [] {
      let words = line.split(separator: " ")
      guard let keyword = words.first?.uppercased() else { continue }
      switch keyword {
      case "8BITMIME": eightBit = true
      case "SMTPUTF8": utf8 = true
      case "PIPELINING": pipelining = true
      case "SIZE": size = words.count > 1 ? Int(words[1]).map { max(0, $0) } ?? 0 : 0
      default: break
      }
    }
    offers8BITMIME = eightBit
    offersSMTPUTF8 = utf8
    offersPipelining = pipelining
    sizeLimit = size
    saidEHLO = extensions != nil
  }

  deinit { socket.close() }

  /// False once the connection has ended (421, a drop, a timeout, a broken reply, close).
  public var isUsable: Bool { endedBecause == nil && socket.isOpen }

  static func open(transport: SMTPTransport) -> Result<SMTPSession, MailTransportError> {
    let timeouts = transport.timeouts
    let socket: SMTPSocket
    do throws(WireError) {
      socket = try SMTPSocket.connect(
        host: transport.host, port: transport.port, timeout: timeouts.connect)
    } catch {
      return .failure(MailTransportError(reason: error.reason))
    }
    func fail(_ reason: String, permanent: Bool = false) -> Result<SMTPSession, MailTransportError>
    {
      socket.close()
      return .failure(MailTransportError(reason: reason, isPermanent: permanent))
    }
    do throws(WireError) {
      let greeting = try readReply(socket, deadline: Deadline(seconds: timeouts.greeting))
      guard greeting.code == 220 else {
        if greeting.code == 554 {
          try? socket.write(Array("QUIT\r\n".utf8), deadline: Deadline(seconds: 1))
          return fail("the relay refused the session: \(greeting.text)", permanent: true)
        }
        return fail("the relay greeted with \(greeting.text)")
      }
      let helo = Array("EHLO \(transport.heloName)\r\n".utf8)
      try socket.write(helo, deadline: Deadline(seconds: timeouts.command))
      let ehlo = try readReply(socket, deadline: Deadline(seconds: timeouts.command))
      if ehlo.code / 100 == 2 {
        let extensions = Array(ehlo.lines.dropFirst())
        return .success(SMTPSession(socket: socket, timeouts: timeouts, extensions: extensions))
      }
      guard ehlo.code / 100 == 5 else { return fail("EHLO: \(ehlo.text)") }
      let old = Array("HELO \(transport.heloName)\r\n".utf8)
      try socket.write(old, deadline: Deadline(seconds: timeouts.command))
      let reply = try readReply(socket, deadline: Deadline(seconds: timeouts.command))
      guard reply.code / 100 == 2 else {
        return fail("HELO: \(reply.text)", permanent: reply.code / 100 == 5)
      }
      return .success(SMTPSession(socket: socket, timeouts: timeouts, extensions: nil))
    } catch {
      return fail(error.reason)
    }
  }

  // MARK: - Sending

  /// Why a transaction stopped.
  private enum Stop: Error {
    case reply(String, Reply)
    case refused(String)
  }

  /// MAIL, RCPT, DATA and the dot-stuffed message; RSET after a refused step.
  public func send(_ message: MailMessage) -> DeliveryOutcome {
    if let endedBecause { return .temporary("the SMTP session has ended: \(endedBecause)") }
    if message.needsSMTPUTF8 && !offersSMTPUTF8 {
      return .permanent("the relay does not offer SMTPUTF8")
    }
    let bytes = message.bytes(eightBit: offers8BITMIME)
    if let sizeLimit, sizeLimit > 0, bytes.count > sizeLimit {
      return .permanent(
        "the message (\(bytes.count) octets) is larger than the relay's SIZE limit (\(sizeLimit))")
    }
    var mailFrom = "MAIL FROM:<\(message.envelopeFrom.smtpForm)>"
    if offers8BITMIME { mailFrom += " BODY=8BITMIME" }
    if message.needsSMTPUTF8 { mailFrom += " SMTPUTF8" }
    if sizeLimit != nil { mailFrom += " SIZE=\(bytes.count)" }
    do {
      try step(mailFrom, name: "MAIL FROM", expect: 2)
      try step("RCPT TO:<\(message.envelopeTo.smtpForm)>", name: "RCPT TO", expect: 2)
      try step("DATA", name: "DATA", expect: 3)
      try socket.write(Self.dotStuffed(bytes), deadline: Deadline(seconds: timeouts.data))
      let reply = try Self.readReply(socket, deadline: Deadline(seconds: timeouts.data))
      guard reply.code / 100 == 2 else { throw Stop.reply("end of data", reply) }
      return .delivered
    } catch let stop as Stop {
      switch stop {
      case .refused(let reason):
        end(reason)
        return .temporary(reason)
      case .reply(let stage, let reply):
        let text = "\(stage): \(reply.text)"
        if reply.code == 421 {
          end(text)
          return .temporary(text)
        }
        reset()
        switch reply.code / 100 {
        case 5: return .permanent(text)
        case 4: return .temporary(text)
        default: return .temporary("unexpected reply to " + text)
        }
      }
    } catch let error as WireError {
      end(error.reason)
      return .temporary(error.reason)
    } catch {
      end("\(error)")
      return .temporary("\(error)")
    }
  }

  /// Sends QUIT, waits for its reply (5 s at most), and closes the connection.
  public func close() {
    if isUsable {
      let deadline = Deadline(seconds: min(timeouts.command, 5))
      if (try? socket.write(Array("QUIT\r\n".utf8), deadline: deadline)) != nil {
        _ = try? Self.readReply(socket, deadline: deadline)
      }
    }
    end("the session was closed")
  }

  private func step(_ command: String, name: String, expect: Int) throws {
    try socket.write(Array((command + "\r\n").utf8), deadline: Deadline(seconds: timeouts.command))
    let reply = try Self.readReply(socket, deadline: Deadline(seconds: timeouts.command))
    guard reply.code / 100 == expect else { throw Stop.reply(name, reply) }
  }

  /// RSET after a refused transaction; a session whose RSET fails is ended.
  private func reset() {
    do throws(WireError) {
      try socket.write(Array("RSET\r\n".utf8), deadline: Deadline(seconds: timeouts.command))
      let reply = try Self.readReply(socket, deadline: Deadline(seconds: timeouts.command))
      if reply.code / 100 != 2 {
        end("RSET: \(reply.text)")
      }
    } catch {
      end("RSET: \(error.reason)")
    }
  }

  private func end(_ reason: String) {
    if endedBecause == nil { endedBecause = reason }
    socket.close()
  }

  /// The message with a "." doubled at the start of every line, then the `CRLF.CRLF` end.
  static func dotStuffed(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + bytes.count / 64 + 5)
    var atLineStart = true
    for byte in bytes {
      if atLineStart && byte == UInt8(ascii: ".") { out.append(byte) }
      out.append(byte)
      atLineStart = byte == 10
    }
    if !atLineStart { out += [13, 10] }
    out += Array(".\r\n".utf8)
    return out
  }

  // MARK: - Replies

  /// A reply: its code and the text of each line (after the code and its separator).
  struct Reply {
    var code: Int
    var lines: [String]

    /// `250 first line / second line`, for outcomes and errors: control characters escaped,
    /// cut at `outcomeTextLimit`.
    var text: String {
      Sanitize.replyText(
        "\(code) " + lines.joined(separator: " / "), limit: SMTPSession.outcomeTextLimit)
    }
  }

  /// Reads one reply, single or multi-line (`250-…` then `250 …`), before the deadline.
  static func readReply(_ socket: SMTPSocket, deadline: Deadline) throws(WireError) -> Reply {
    var code = 0
    var lines: [String] = []
    while true {
      let line = try socket.readLine(limit: replyLineLimit, deadline: deadline)
      let digits = line.prefix(3)
      guard digits.count == 3, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
        let first = digits.first, first >= UInt8(ascii: "2"), first <= UInt8(ascii: "5")
      else {
        let shown = Sanitize.replyText(
          String(decoding: line.prefix(80), as: UTF8.self), limit: 100)
        throw WireError(reason: "the relay sent a malformed reply line: \(shown)")
      }
      let lineCode = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
      guard lines.isEmpty || lineCode == code else {
        throw WireError(reason: "the relay changed its reply code within one reply")
      }
      code = lineCode
      let separator = line.count > 3 ? line[3] : UInt8(ascii: " ")
      guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
        throw WireError(reason: "the relay sent a malformed reply line")
      }
      lines.append(String(decoding: line.dropFirst(4), as: UTF8.self))
      guard lines.count <= replyLineCount else {
        throw WireError(reason: "the relay sent a reply of more than \(replyLineCount) lines")
      }
      if separator == UInt8(ascii: " ") { return Reply(code: code, lines: lines) }
    }
  }
}
