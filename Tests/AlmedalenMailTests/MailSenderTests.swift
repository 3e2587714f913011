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

  @Test func invitationsAndResetsRenderTheirLink() throws {
    let fixture = try StoreFixture(prefix: "sender_account")
    defer { fixture.close() }
    let path = maildir()
    defer { try? FileManager.default.removeItem(atPath: path) }
    try fixture.store.outbox.enqueue(
      kind: .invitation, recipient: "ny@example.org",
      texts: [
        "name": "Ny Arrangör", "organisation": "Föreningen Klartext",
        "url": "https://almedalen.example/konto/inbjudan/abc", "valid": "7 dagar",
      ])
    try fixture.store.outbox.enqueue(
      kind: .passwordReset, recipient: "ny@example.org",
      texts: ["url": "https://almedalen.example/konto/aterstall/def", "valid": "30 minuter"])
    let sender = MailSender(
      store: fixture.store, transport: MaildirTransport(path: path), settings: try settings(),
      baseURL: "https://almedalen.example"
    ) { _, _ in }
    #expect(try sender.sendDue().sent == 2)
    let texts = try messages(in: path).joined(separator: "\n")
    #expect(texts.contains("https://almedalen.example/konto/inbjudan/abc"))
    #expect(texts.contains("Länken gäller i 30 minuter."))
    #expect(texts.contains("X-Almedalen-Kind: password-reset"))
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
