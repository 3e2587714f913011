import Foundation
import Testing

@testable import Mail

/// The SMTP client against a scripted server on 127.0.0.1: what goes on the wire, and what
/// each reply makes of the outcome and the session.
@Suite struct SMTPTests {
  static let quick = SMTPTimeouts(connect: 2, greeting: 2, command: 2, data: 2)
  static let tiny = SMTPTimeouts(connect: 2, greeting: 0.3, command: 2, data: 2)

  /// A well-behaved server offering `extensions` after EHLO; `override` answers first.
  static func script(
    extensions: [String] = ["8BITMIME", "SMTPUTF8", "PIPELINING", "SIZE 10000000"],
    override: @escaping @Sendable (String) -> ServerAction? = { _ in nil }
  ) -> ScriptedSMTPServer.Script {
    { command in
      if let action = override(command) { return action }
      let verb = command.split(separator: " ").first.map { $0.uppercased() } ?? ""
      switch verb {
      case "EHLO":
        let lines = ["test.example greets you"] + extensions
        return .lines(
          lines.enumerated().map { index, line in
            (index == lines.count - 1 ? "250 " : "250-") + line
          })
      case "HELO": return .reply("250 test.example")
      case "MAIL", "RCPT", "RSET": return .reply("250 2.0.0 OK")
      case "DATA": return .reply("354 go ahead")
      case ".": return .reply("250 2.0.0 queued as 1234")
      case "QUIT": return .reply("221 2.0.0 bye")
      default: return .reply("500 5.5.1 unknown command")
      }
    }
  }

  static func open(_ server: ScriptedSMTPServer, timeouts: SMTPTimeouts = quick) throws
    -> SMTPSession
  {
    let transport = try mailTransport(
      from: server.setting, heloName: "sender.almedalen.example", timeouts: timeouts)
    switch transport.openSession() {
    case .success(let session):
      return try #require(session as? SMTPSession)
    case .failure(let error):
      Issue.record("openSession failed: \(error)")
      throw error
    }
  }

  /// The data as the client meant it: dot-stuffing undone and the final ".CRLF" removed.
  static func unstuffed(_ wire: [UInt8]) -> [UInt8] {
    var lines = QP.lines(wire)
    #expect(lines.last == [], "the data ends with CRLF")
    lines.removeLast()
    #expect(lines.last == [46], "the data ends with a lone dot")
    lines.removeLast()
    var out: [UInt8] = []
    for line in lines {
      out += (line.first == 46 ? Array(line.dropFirst()) : line) + [13, 10]
    }
    return out
  }

  // MARK: - Extensions

  @Test func ehloWith8BITMIMEAndSIZESendsEightBitWithParameters() throws {
    let server = try ScriptedSMTPServer(script: Self.script())
    let session = try Self.open(server)
    #expect(session.offers8BITMIME && session.offersSMTPUTF8 && session.offersPipelining)
    #expect(session.sizeLimit == 10_000_000)
    let message = Fixture.message(text: "Åtgärder för ö\n")
    #expect(session.send(message) == .delivered)
    session.close()
    server.stop()
    let bytes = message.bytes(eightBit: true)
    #expect(server.commands.first == "EHLO sender.almedalen.example")
    #expect(
      server.commands.contains(
        "MAIL FROM:<noreply@almedalen.example> BODY=8BITMIME SIZE=\(bytes.count)"))
    #expect(server.commands.contains("RCPT TO:<anna@example.se>"))
    #expect(server.commands.last == "QUIT")
    let data = try #require(server.messages.first)
    #expect(Self.unstuffed(data) == bytes)
    #expect(data.contains("Content-Transfer-Encoding: 8bit"))
    #expect(data.contains("Åtgärder för ö"))
  }

  @Test func without8BITMIMEEveryOctetIsSevenBit() throws {
    let server = try ScriptedSMTPServer(script: Self.script(extensions: []))
    let session = try Self.open(server)
    #expect(!session.offers8BITMIME && !session.offersSMTPUTF8 && session.sizeLimit == nil)
    let message = Fixture.message(text: "Åtgärder för ö\n")
    #expect(session.send(message) == .delivered)
    session.close()
    server.stop()
    #expect(server.commands.contains("MAIL FROM:<noreply@almedalen.example>"))
    let data = try #require(server.messages.first)
    #expect(data.allSatisfy { $0 < 0x80 })
    #expect(data.contains("Content-Transfer-Encoding: quoted-printable"))
    let parsed = ParsedMessage(Self.unstuffed(data))
    let decoded = try #require(QP.decodeBody(parsed.body))
    #expect(decoded.text == "Åtgärder för ö\r\n")
  }

  @Test func utf8LocalPartWithoutSMTPUTF8IsPermanentAndNothingIsSent() throws {
    let server = try ScriptedSMTPServer(script: Self.script(extensions: ["8BITMIME"]))
    let session = try Self.open(server)
    let outcome = session.send(Fixture.message(to: "åsa@exempel.se"))
    #expect(outcome == .permanent("the relay does not offer SMTPUTF8"))
    #expect(session.isUsable)
    #expect(session.send(Fixture.message()) == .delivered)
    session.close()
    server.stop()
    #expect(server.commands.filter { $0.hasPrefix("MAIL") }.count == 1)
    #expect(!server.commands.contains { $0.contains("åsa") })
  }

  @Test func utf8LocalPartWithSMTPUTF8GoesWithTheParameter() throws {
    let server = try ScriptedSMTPServer(script: Self.script())
    let session = try Self.open(server)
    #expect(session.send(Fixture.message(to: "åsa@exempel.se")) == .delivered)
    session.close()
    server.stop()
    let mail = try #require(server.commands.first { $0.hasPrefix("MAIL") })
    #expect(
      mail.hasSuffix(
        " SMTPUTF8 SIZE=\(Fixture.message(to: "åsa@exempel.se").bytes(eightBit: true).count)"))
    #expect(server.commands.contains("RCPT TO:<åsa@exempel.se>"))
    let data = try #require(server.messages.first)
    #expect(data.contains("To: Anna Berg <åsa@exempel.se>"))
  }

  @Test func heloWhenEHLOIsRefused() throws {
    let server = try ScriptedSMTPServer(
      script: Self.script(override: {
        $0.hasPrefix("EHLO") ? .reply("502 5.5.2 no EHLO here") : nil
      })
    )
    let session = try Self.open(server)
    #expect(!session.saidEHLO && !session.offers8BITMIME)
    #expect(session.send(Fixture.message()) == .delivered)
    session.close()
    server.stop()
    #expect(
      Array(server.commands.prefix(3)) == [
        "EHLO sender.almedalen.example", "HELO sender.almedalen.example",
        "MAIL FROM:<noreply@almedalen.example>",
      ])
  }

  @Test func ehloTemporaryFailureIsNoSession() throws {
    let server = try ScriptedSMTPServer(
      script: Self.script(override: { $0.hasPrefix("EHLO") ? .reply("421 4.3.2 busy") : nil }))
    let transport = try mailTransport(
      from: server.setting, heloName: "a.example", timeouts: Self.quick)
    guard case .failure(let error) = transport.openSession() else {
      Issue.record("a session despite 421")
      return
    }
    #expect(!error.isPermanent)
    #expect(error.reason.contains("421 4.3.2 busy"))
    server.stop()
  }

  @Test func greeting554IsPermanent() throws {
    let server = try ScriptedSMTPServer(
      greeting: .reply("554 5.7.1 not you"), script: Self.script())
    let transport = try mailTransport(
      from: server.setting, heloName: "a.example", timeouts: Self.quick)
    guard case .failure(let error) = transport.openSession() else {
      Issue.record("a session despite 554")
      return
    }
    #expect(error.isPermanent)
    #expect(error.reason.contains("554 5.7.1 not you"))
    server.stop()
  }

  @Test func multiLineRepliesAreRead() throws {
    let server = try ScriptedSMTPServer(
      greeting: .reply("220-test.example ESMTP", "220-no UCE", "220 welcome"),
      script: Self.script(override: { command in
        if command.hasPrefix("MAIL") { return .reply("250-2.1.0 sender", "250-fine", "250 ok") }
        if command.hasPrefix("RCPT") {
          return .reply("550-5.1.1 no such", "550-user here", "550 5.1.1 sorry")
        }
        return nil
      }))
    let session = try Self.open(server)
    #expect(session.sizeLimit == 10_000_000)
    let outcome = session.send(Fixture.message())
    #expect(outcome == .permanent("RCPT TO: 550 5.1.1 no such / user here / 5.1.1 sorry"))
    #expect(session.isUsable)
    session.close()
    server.stop()
    #expect(server.commands.contains("RSET"))
  }

  // MARK: - Data

  @Test func dotStuffingOnTheWire() throws {
    let server = try ScriptedSMTPServer(script: Self.script())
    let session = try Self.open(server)
    let text = ".\n.leading dot\n..two dots\nmiddle . dot\n.\n"
    let message = Fixture.message(text: text)
    #expect(session.send(message) == .delivered)
    session.close()
    server.stop()
    let data = try #require(server.messages.first)
    #expect(data.contains("\r\n..\r\n..leading dot\r\n...two dots\r\nmiddle . dot\r\n..\r\n.\r\n"))
    #expect(Self.unstuffed(data) == message.bytes(eightBit: true))
  }

  @Test func dotStuffingOfAMessageStartingWithADot() {
    #expect(SMTPSession.dotStuffed(Array(".a\r\nb".utf8)) == Array("..a\r\nb\r\n.\r\n".utf8))
    #expect(SMTPSession.dotStuffed([]) == Array(".\r\n".utf8))
  }

  // MARK: - Failures

  @Test(arguments: [
    ("MAIL", "451 4.3.0 try later", false), ("MAIL", "550 5.7.1 go away", true),
    ("RCPT", "452 4.2.2 mailbox full", false), ("RCPT", "550 5.1.1 no such user", true),
    ("DATA", "451 4.3.0 not now", false), ("DATA", "554 5.5.1 no valid recipients", true),
    (".", "452 4.3.1 out of storage", false), (".", "552 5.3.4 too big", true),
  ])
  func refusedStepResetsAndTheSessionGoesOn(_ verb: String, _ reply: String, _ permanent: Bool)
    throws
  {
    let failures = Counter()
    let server = try ScriptedSMTPServer(
      script: Self.script(override: { command in
        let matches = verb == "." ? command == "." : command.hasPrefix(verb)
        return matches && failures.next() == 0 ? .reply(reply) : nil
      }))
    let session = try Self.open(server)
    let outcome = session.send(Fixture.message())
    let stage = ["MAIL": "MAIL FROM", "RCPT": "RCPT TO", "DATA": "DATA", ".": "end of data"][verb]
    let text = "\(stage ?? verb): \(reply)"
    #expect(outcome == (permanent ? .permanent(text) : .temporary(text)))
    #expect(session.isUsable)
    #expect(session.send(Fixture.message()) == .delivered)
    session.close()
    server.stop()
    let commands = server.commands
    let failedAt = try #require(
      commands.firstIndex { verb == "." ? $0 == "." : $0.hasPrefix(verb) })
    #expect(commands[failedAt + 1] == "RSET")
    #expect(commands.filter { $0.hasPrefix("MAIL") }.count == 2)
    #expect(server.messages.count == (verb == "." ? 2 : 1))
  }

  @Test func reply421EndsTheSession() throws {
    let server = try ScriptedSMTPServer(
      script: Self.script(override: {
        $0.hasPrefix("RCPT") ? .reply("421 4.7.0 shutting down") : nil
      }))
    let session = try Self.open(server)
    #expect(session.send(Fixture.message()) == .temporary("RCPT TO: 421 4.7.0 shutting down"))
    #expect(!session.isUsable)
    let before = server.commands.count
    guard case .temporary(let why) = session.send(Fixture.message()) else {
      Issue.record("a send after 421 was not temporary")
      return
    }
    #expect(why.contains("421"))
    session.close()
    server.stop()
    #expect(server.commands.count == before)
    #expect(!server.commands.contains("RSET") && !server.commands.contains("QUIT"))
  }

  @Test func droppedConnectionIsTemporaryAndEndsTheSession() throws {
    let server = try ScriptedSMTPServer(
      script: Self.script(override: { $0.hasPrefix("RCPT") ? .close : nil }))
    let session = try Self.open(server)
    guard case .temporary = session.send(Fixture.message()) else {
      Issue.record("a dropped connection was not temporary")
      return
    }
    #expect(!session.isUsable)
    server.stop()
  }

  @Test func serverThatNeverGreetsTimesOut() throws {
    let server = try ScriptedSMTPServer(greeting: .hang, script: Self.script())
    let transport = try mailTransport(
      from: server.setting, heloName: "a.example", timeouts: Self.tiny)
    var result: Result<any MailSession, MailTransportError>?
    let seconds = elapsed { result = transport.openSession() }
    guard case .failure(let error) = result else {
      Issue.record("a session from a silent server")
      return
    }
    #expect(!error.isPermanent)
    #expect(error.reason.contains("timed out"))
    #expect(seconds >= 0.25 && seconds < 3)
    server.stop()
  }

  @Test func serverThatNeverAnswersTheDataTimesOut() throws {
    let server = try ScriptedSMTPServer(
      script: Self.script(override: { $0 == "." ? .hang : nil }))
    // Only the data's timeout is tiny, so a loaded machine cannot fail the steps before it.
    let session = try Self.open(
      server, timeouts: SMTPTimeouts(connect: 2, greeting: 2, command: 2, data: 0.3))
    var outcome: DeliveryOutcome?
    let seconds = elapsed { outcome = session.send(Fixture.message()) }
    guard case .temporary(let why) = outcome else {
      Issue.record("no temporary outcome: \(String(describing: outcome))")
      return
    }
    #expect(why.contains("timed out"))
    #expect(seconds >= 0.25 && seconds < 3)
    #expect(!session.isUsable)
    server.stop()
  }

  @Test func oneSessionCarriesThreeMessages() throws {
    let server = try ScriptedSMTPServer(script: Self.script())
    let session = try Self.open(server)
    for index in 1...3 {
      let message = Fixture.message(
        to: "person\(index)@example.se", subject: "Nummer \(index)",
        messageID: "<\(index)@almedalen.example>")
      #expect(session.send(message) == .delivered)
    }
    session.close()
    #expect(!session.isUsable)
    server.stop()
    #expect(server.connections.count == 1)
    #expect(server.connections.first?.commands.filter { $0.hasPrefix("EHLO") }.count == 1)
    #expect(
      server.commands.filter { $0.hasPrefix("RCPT") } == [
        "RCPT TO:<person1@example.se>", "RCPT TO:<person2@example.se>",
        "RCPT TO:<person3@example.se>",
      ])
    #expect(server.messages.count == 3)
    #expect(server.commands.last == "QUIT")
  }

  @Test func hugeReplyLineEndsTheSession() throws {
    let server = try ScriptedSMTPServer(
      script: Self.script(override: { command in
        command.hasPrefix("MAIL")
          ? .raw(Array("250-".utf8) + [UInt8](repeating: 65, count: 1_000_000)) : nil
      }))
    let session = try Self.open(server)
    guard case .temporary(let why) = session.send(Fixture.message()) else {
      Issue.record("a huge reply line was accepted")
      return
    }
    #expect(why.contains("longer than 512"))
    #expect(!session.isUsable)
    server.stop()
  }

  @Test func endlessMultiLineReplyIsRefused() throws {
    let lines = (0..<1000).map { "250-extension\($0)" } + ["250 end"]
    let server = try ScriptedSMTPServer(
      script: Self.script(override: { command in
        command.hasPrefix("EHLO") ? .raw(Array(lines.map { $0 + "\r\n" }.joined().utf8)) : nil
      }))
    let transport = try mailTransport(
      from: server.setting, heloName: "a.example", timeouts: Self.quick)
    guard case .failure(let error) = transport.openSession() else {
      Issue.record("a reply of 1001 lines was accepted")
      return
    }
    #expect(error.reason.contains("more than 100 lines"))
    server.stop()
  }

  @Test func replyTextIsSanitised() throws {
    let server = try ScriptedSMTPServer(
      script: Self.script(override: { command in
        command.hasPrefix("RCPT")
          ? .raw(Array("550 5.1.1 bad\u{1B}[31m red\u{7}\r\n".utf8)) : nil
      }))
    let session = try Self.open(server)
    #expect(
      session.send(Fixture.message()) == .permanent("RCPT TO: 550 5.1.1 bad\\x1B[31m red\\x07"))
    session.close()
    server.stop()
  }

  @Test func sizeLimitRefusesBigMessagesWithoutSending() throws {
    let server = try ScriptedSMTPServer(script: Self.script(extensions: ["SIZE 1000"]))
    let session = try Self.open(server)
    let big = Fixture.message(text: String(repeating: "Lång rad med text. ", count: 100))
    guard case .permanent(let why) = session.send(big) else {
      Issue.record("a message over SIZE was not refused")
      return
    }
    #expect(why.contains("SIZE limit (1000)"))
    #expect(session.send(Fixture.message()) == .delivered)
    session.close()
    server.stop()
    #expect(server.commands.filter { $0.hasPrefix("MAIL") }.count == 1)
  }

  @Test func connectionRefusedIsTemporary() throws {
    // Nothing listens on port 1 of the loopback address.
    let transport = try mailTransport(
      from: "smtp://127.0.0.1:1", heloName: "a.example", timeouts: Self.quick)
    guard case .failure(let error) = transport.openSession() else {
      Issue.record("a session on a closed port")
      return
    }
    #expect(!error.isPermanent)
    #expect(error.reason.contains("cannot connect"))
  }

  @Test func ipv6Loopback() throws {
    let server = try ScriptedSMTPServer(ipv6: true, script: Self.script())
    let session = try Self.open(server)
    #expect(session.send(Fixture.message()) == .delivered)
    session.close()
    server.stop()
    #expect(server.messages.count == 1)
  }

  @Test func hostNamesAreResolved() throws {
    let server = try ScriptedSMTPServer(script: Self.script())
    let transport = try mailTransport(
      from: "smtp://localhost:\(server.port)", heloName: "a.example", timeouts: Self.quick)
    guard case .success(let session) = transport.openSession() else {
      Issue.record("no session through the name localhost")
      return
    }
    #expect(session.send(Fixture.message()) == .delivered)
    session.close()
    server.stop()
  }
}

/// A counter shared with a server's thread.
final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var value = 0

  /// The value before this call.
  func next() -> Int {
    lock.lock()
    defer { lock.unlock() }
    value += 1
    return value - 1
  }
}
