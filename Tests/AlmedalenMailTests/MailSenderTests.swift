import AlmedalenCore
import AlmedalenMail
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Mail
import Testing

/// The sender end to end against the real database and a real Maildir: what is queued is
/// rendered once, delivered once, and marked; the messages read as they should.
@Suite struct MailSenderTests {
  func settings(_ extra: [String: String] = [:]) throws -> MailSettings {
    try MailSettings(
      environment: ["ALMEDALEN_MAIL_COALESCE_SECONDS": "0"].merging(extra) { $1 },
      publicURL: "https://almedalen.example")
  }

  func maildir() -> String {
    NSTemporaryDirectory() + "almedalen-mail-" + UUID().uuidString
  }

  func messages(in path: String) throws -> [String] {
    let names = try FileManager.default.contentsOfDirectory(atPath: path + "/new").sorted()
    return try names.map { try String(contentsOfFile: path + "/new/" + $0, encoding: .utf8) }
  }

  @Test func signUpsAreDeliveredOnceWithTheirLinksAndAttachment() throws {
    let fixture = try StoreFixture(prefix: "sender_signup")
    defer { fixture.close() }
    let path = maildir()
    defer { try? FileManager.default.removeItem(atPath: path) }
    var details = fixture.details(capacity: 1)
    // Titles refuse line breaks; this one looks like an encoded-word and a header.
    details.title = "Välfärd =?utf-8?Q?Bcc:_evil@example.org?= \"citat\""
    let event = try fixture.store.events.publish(fixture.store.events.create(details).id)
    for name in ["anna", "bo"] {
      _ = try fixture.store.registrations.register(
        eventID: event.id, name: "Anna Öberg", email: "\(name)@example.org",
        at: fixture.at(day: 20, 9))
    }
    let sender = MailSender(
      store: fixture.store, transport: MaildirTransport(path: path), settings: try settings(),
      baseURL: "https://almedalen.example"
    ) { _, _ in }
    let tally = try sender.sendDue()
    #expect(tally.sent == 2)
    #expect(try sender.sendDue().total == 0)
    let texts = try messages(in: path)
    #expect(texts.count == 2)
    let waitlisted = try #require(
      texts.first { $0.contains("To: ") && $0.contains("bo@example.org") })
    #expect(waitlisted.contains("X-Almedalen-Kind: signup"))
    #expect(waitlisted.contains("method=REQUEST"))
    #expect(waitlisted.contains("https://almedalen.example/registrations/"))
    #expect(waitlisted.contains("webcal://almedalen.example/feeds/attendee/"))
    // The title did not start a header, and came back as it was.
    #expect(!waitlisted.contains("\nBcc:"))
    #expect(!waitlisted.contains("Subject: Välfärd =?utf-8?Q?"))
    #expect(try fixture.store.outbox.status().sent == 2)
    // Sent rows keep no body: it held the links.
    #expect(try fixture.store.outbox.list(state: "sent").allSatisfy { $0.messageID != nil })
  }

  @Test func anUnreachableRelayLeavesEverythingQueuedForLater() throws {
    let fixture = try StoreFixture(prefix: "sender_down")
    defer { fixture.close() }
    let event = try fixture.store.events.publish(
      fixture.store.events.create(fixture.details(capacity: 5)).id)
    _ = try fixture.store.registrations.register(
      eventID: event.id, name: "Anna", email: "anna@example.org", at: fixture.at(day: 20, 9))
    // A port nothing listens on: connection refused.
    let transport = try mailTransport(from: "smtp://127.0.0.1:9", heloName: "almedalen.example")
    let sender = MailSender(
      store: fixture.store, transport: transport, settings: try settings(),
      baseURL: "https://almedalen.example"
    ) { _, _ in }
    let tally = try sender.sendDue()
    #expect(tally.temporary == 1)
    let waiting = try #require(try fixture.store.outbox.list(state: "pending").first)
    #expect(waiting.attempts == 1)
    #expect(waiting.notBefore > Date().addingTimeInterval(30))
    #expect(waiting.lastError?.contains("cannot connect") == true)
  }

  /// Invitation, verification and reset messages carry a secret minted when they are
  /// rendered, whose page (a GET) shows the link without using it up; the outbox row holds
  /// no secret at any time.
  @Test func accountLinksAreMintedAtRenderingAndOpenTheirPage() throws {
    let fixture = try StoreFixture(prefix: "sender_account")
    defer { fixture.close() }
    let path = maildir()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let accounts = fixture.store.accounts
    let cap = RegistrationStore.MailCap(client: "192.0.2.1")
    _ = try accounts.invite(
      email: "ny@example.org", name: "Ny Arrangör", organiserID: fixture.organiser.id,
      role: .owner)
    _ = try accounts.registerOrganisation(
      organisationName: "Föreningen Klartext", name: "Klara Text", email: "klara@example.org",
      password: "en lång fras om Visby ringmur", mail: cap)
    #expect(try accounts.requestReset(email: "ny@example.org", mail: cap) == .queued)
    let payloads: [String] = try fixture.store.pool.withConnection { connection in
      try connection.query("SELECT coalesce(payload::text, '') AS p FROM mail_outbox").map {
        try $0.decode("p")
      }
    }
    let sender = MailSender(
      store: fixture.store, transport: MaildirTransport(path: path), settings: try settings(),
      baseURL: "https://almedalen.example"
    ) { _, _ in }
    #expect(try sender.sendDue().sent == 3)
    let texts = try messages(in: path)
    func secret(_ kind: AccountLinkKind) throws -> String {
      let prefix = "https://almedalen.example" + kind.pagePath
      let text = try #require(texts.first { $0.contains(prefix) }, "no \(kind) link")
      let start = try #require(text.range(of: prefix)).upperBound
      return String(text[start...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }
    for kind in AccountLinkKind.allCases {
      let link = try secret(kind)
      #expect(link.count == 43, "\(kind): \(link)")
      #expect(payloads.allSatisfy { !$0.contains(link) }, "the secret was queued in clear")
      #expect(try accounts.peek(secret: link, kind: kind)?.kind == kind)
      #expect(try accounts.peek(secret: link, kind: kind) != nil, "peeking used the link up")
    }
    let all = texts.joined(separator: "\n")
    #expect(all.contains("X-Almedalen-Kind: password-reset"))
    #expect(all.contains("X-Almedalen-Kind: verification"))
    #expect(all.contains("för \(fixture.organiser.name), som ägare av kontot."))
    #expect(all.contains("Länken gäller en gång, till "))
  }

  @Test func settingsAreCheckedAndNamed() throws {
    #expect(throws: MailSettings.Invalid.self) { try settings(["ALMEDALEN_MAIL_BACKOFF": "60,x"]) }
    #expect(throws: MailSettings.Invalid.self) { try settings(["ALMEDALEN_MAIL_FROM": "nobody"]) }
    let parsed = try settings(["ALMEDALEN_MAIL_BACKOFF": "5, 10"])
    #expect(parsed.retryDelay(afterAttempt: 1) == 5)
    #expect(parsed.retryDelay(afterAttempt: 9) == 10)
    #expect(parsed.from.address.smtpForm == "noreply@almedalen.example")
  }
}
