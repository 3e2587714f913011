import Foundation
import Testing

@testable import Mail

/// Delivery into a Maildir, and the setting that chooses a transport.
@Suite struct MaildirTests {
  static func temporaryFolder() -> String {
    let path = NSTemporaryDirectory() + "mail-tests-" + UUID().uuidString
    return path
  }

  static func files(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
  }

  @Test func deliveryLeavesOneFileInNewAndNoneInTmp() throws {
    let root = Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let path = root + "/mail/inbox"
    let transport = try mailTransport(from: "maildir:" + path, heloName: "a.example")
    #expect(transport.description == "maildir:" + path)
    guard case .success(let session) = transport.openSession() else {
      Issue.record("no Maildir session")
      return
    }
    for sub in ["tmp", "new", "cur"] {
      let attributes = try FileManager.default.attributesOfItem(atPath: path + "/" + sub)
      #expect((attributes[.posixPermissions] as? Int) == 0o700)
    }
    let message = Fixture.message(
      text: "Hej!\n.En rad med punkt\n",
      attachments: [MailPart(contentType: "text/calendar", filename: "a.ics", text: "X\r\n")])
    #expect(session.send(message) == .delivered)
    #expect(Self.files(path + "/tmp").isEmpty)
    #expect(Self.files(path + "/cur").isEmpty)
    let delivered = Self.files(path + "/new")
    #expect(delivered.count == 1)
    let name = try #require(delivered.first)
    #expect(!name.contains(":") && !name.contains("/"))
    let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path + "/new/" + name)))
    #expect(!bytes.contains(13), "a Maildir file has LF line ends")
    let expected =
      "Return-Path: <noreply@almedalen.example>\n"
      + message.bytes(eightBit: true).text.replacingOccurrences(of: "\r\n", with: "\n")
    #expect(bytes.text == expected)
    let attributes = try FileManager.default.attributesOfItem(atPath: path + "/new/" + name)
    #expect((attributes[.posixPermissions] as? Int) == 0o600)
  }

  @Test func manyDeliveriesGetDistinctNames() throws {
    let path = Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let transport = MaildirTransport(path: path)
    guard case .success(let first) = transport.openSession(),
      case .success(let second) = transport.openSession()
    else {
      Issue.record("no Maildir session")
      return
    }
    for _ in 0..<5 {
      #expect(first.send(Fixture.message()) == .delivered)
      #expect(second.send(Fixture.message()) == .delivered)
    }
    #expect(Self.files(path + "/new").count == 10)
    #expect(Self.files(path + "/tmp").isEmpty)
    first.close()
    #expect(!first.isUsable)
    guard case .temporary = first.send(Fixture.message()) else {
      Issue.record("a closed session delivered")
      return
    }
  }

  @Test func folderThatCannotBeMadeIsAnError() throws {
    let root = Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    #expect(FileManager.default.createFile(atPath: root, contents: Data("not a folder".utf8)))
    guard case .failure(let error) = MaildirTransport(path: root + "/inbox").openSession() else {
      Issue.record("a Maildir under a file")
      return
    }
    #expect(error.reason.contains("cannot make the folder"))
  }

  @Test func missingFolderAfterOpeningIsTemporary() throws {
    let path = Self.temporaryFolder()
    guard case .success(let session) = MaildirTransport(path: path).openSession() else {
      Issue.record("no Maildir session")
      return
    }
    try FileManager.default.removeItem(atPath: path)
    guard case .temporary(let why) = session.send(Fixture.message()) else {
      Issue.record("delivered into a removed folder")
      return
    }
    #expect(why.contains("cannot create"))
  }
}

@Suite struct TransportSettingTests {
  @Test(arguments: [
    ("smtp://127.0.0.1:2525", "127.0.0.1", 2525),
    ("smtp://relay.example", "relay.example", 25),
    ("smtp://relay.example/", "relay.example", 25),
    ("smtp://localhost:587", "localhost", 587),
    ("smtp://[::1]:2525", "::1", 2525),
    ("smtp://[::1]", "::1", 25),
  ])
  func smtpSettings(_ setting: String, _ host: String, _ port: Int) throws {
    let transport = try mailTransport(from: setting, heloName: "almedalen.example")
    let smtp = try #require(transport as? SMTPTransport)
    #expect(smtp.host == host && smtp.port == port)
    #expect(smtp.heloName == "almedalen.example")
    #expect(smtp.timeouts == .standard)
    #expect(
      transport.description
        == (host.contains(":") ? "smtp://[\(host)]:\(port)" : "smtp://\(host):\(port)"))
  }

  @Test(arguments: [
    ("", "names no transport"), ("smtp:/relay", "names no transport"),
    ("SMTP://relay.example", "names no transport"), ("smtp://", "does not name a host"),
    ("smtp://relay.example:0", "no valid port"), ("smtp://relay.example:99999", "no valid port"),
    ("smtp://relay.example:x", "no valid port"),
    ("smtp://user@relay.example", "does not name a host"),
    ("smtp://[::1", "without ]"), ("smtp://[::1]x", "is not smtp://host:port"),
    ("maildir:", "has no path"), ("mbox:/var/mail", "names no transport"),
    ("smtp://relay.example\r\nx", "does not name a host"),
  ])
  func badSettings(_ setting: String, _ reason: String) {
    do {
      _ = try mailTransport(from: setting, heloName: "almedalen.example")
      Issue.record("accepted \(setting.debugDescription)")
    } catch {
      #expect(error.reason.contains(reason), "\(error.reason)")
      #expect(error.isPermanent)
      #expect(!error.reason.contains("\r") && !error.reason.contains("\n"))
    }
  }

  @Test func heloNameMustBeADomainOrLiteral() throws {
    for good in ["almedalen.example", "localhost", "[127.0.0.1]", "[IPv6:::1]"] {
      _ = try mailTransport(from: "smtp://127.0.0.1:25", heloName: good)
    }
    for bad in ["", "a b", "a\r\nMAIL FROM:<x@y>", "-bad.example", "[]", "å.example"] {
      #expect(throws: MailTransportError.self) {
        try mailTransport(from: "smtp://127.0.0.1:25", heloName: bad)
      }
    }
  }
}
