import AlmedalenCore
import AlmedalenMail
import AlmedalenStore
import Foundation
import KeyValueLog
import Mail

/// `almedalen mail …`: send what is due, list the outbox, retry.
struct MailCommands {
  let tool: CommandLineTool

  func run(_ arguments: [String]) throws {
    guard let what = arguments.first else { throw UsageError("mail what? send, list or retry") }
    let rest = Array(arguments.dropFirst())
    switch what {
    case "send":
      try Options(rest, allowed: []).done()
      try send()
    case "list":
      let states = ["--pending": "pending", "--failed": "failed", "--sent": "sent"]
      guard rest.count <= 1, rest.allSatisfy({ states[$0] != nil }) else {
        throw UsageError("mail list takes at most one of --pending, --failed, --sent")
      }
      try list(state: rest.first.flatMap { states[$0] })
    case "retry":
      guard rest.count == 1 else { throw UsageError("mail retry needs an ID or --all") }
      let id: Int64?
      if rest[0] == "--all" {
        id = nil
      } else {
        guard let number = Int64(rest[0]), number > 0 else {
          throw UsageError("mail retry needs a message id (a whole number) or --all")
        }
        id = number
      }
      let count = try tool.store().outbox.retry(id: id)
      if id != nil && count == 0 { throw UsageError("no pending or failed message \(rest[0])") }
      Log.info("mail_retry", ["messages": String(count)])
      print("retried=\(count)")
    default:
      throw UsageError("unknown mail command \(what)")
    }
  }

  func send() throws {
    guard let sender = try Self.sender(store: try tool.store(), publicURL: tool.publicURL())
    else {
      FileHandle.standardError.write(
        Data("error: ALMEDALEN_MAIL is not set: smtp://HOST:PORT or maildir:PATH\n".utf8))
      exit(2)
    }
    let tally = try sender.sendDue()
    print("sent=\(tally.sent) temporary=\(tally.temporary) permanent=\(tally.permanent)")
  }

  func list(state: String?) throws {
    let outbox = try tool.store().outbox
    for entry in try outbox.list(state: state) {
      var line = "id=\(entry.id) kind=\(entry.kind) state=\(entry.state) attempts=\(entry.attempts)"
      line += " not_before=" + RFC3339.format(entry.notBefore)
      line += " sent_at=" + (entry.sentAt.map(RFC3339.format) ?? "-")
      line += " to=" + MailSender.redacted(entry.recipient)
      line += " message_id=" + (entry.messageID ?? "-")
      if let error = entry.lastError { line += " error=" + LogLine.quote(error) }
      print(line)
    }
    let status = try outbox.status()
    let age = status.oldestPendingAt.map { String(max(0, Int(Date().timeIntervalSince($0)))) }
    print(
      "pending=\(status.pending) failed=\(status.failed) sent=\(status.sent) "
        + "oldest_pending_age_s=\(age ?? "-")")
  }

  /// The sender the settings ask for, or nil when ALMEDALEN_MAIL is unset.
  static func sender(store: FestivalStore, publicURL: String) throws -> MailSender? {
    let settings: MailSettings
    do {
      settings = try MailSettings(
        environment: ProcessInfo.processInfo.environment, publicURL: publicURL)
    } catch {
      throw UsageError(error.description)
    }
    guard let setting = settings.transport else { return nil }
    let transport: any MailTransport
    do {
      transport = try mailTransport(from: setting, heloName: settings.from.address.asciiDomain)
    } catch {
      throw UsageError("ALMEDALEN_MAIL: \(error)")
    }
    return MailSender(
      store: store, transport: transport, settings: settings, baseURL: publicURL
    ) { event, fields in Log.info(event, fields) }
  }
}
