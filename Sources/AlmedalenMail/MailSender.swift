public import AlmedalenStore
import Foundation
public import Mail
import Synchronization

/// Sends what the outbox holds: claims due messages (rendering them on first claim), hands
/// them to the transport over one session per pass, and marks each with its outcome. Any
/// number of senders, in any number of processes, may run at once.
public final class MailSender: Sendable {
  public let store: FestivalStore
  public let transport: any MailTransport
  public let composer: MailComposer
  public let settings: MailSettings
  /// One line per event: `(event, fields)`; the caller writes it to its log.
  let log: @Sendable (String, [String: String]) -> Void
  private let stopped = Atomic<Bool>(false)
  private let wake = DispatchSemaphore(value: 0)
  private let finished = DispatchSemaphore(value: 0)

  /// Counts of one pass.
  public struct Tally: Sendable, Equatable {
    public var sent = 0
    public var temporary = 0
    public var permanent = 0
    public var dropped = 0
    public var total: Int { sent + temporary + permanent }
  }

  public init(
    store: FestivalStore, transport: any MailTransport, settings: MailSettings,
    baseURL: String, log: @escaping @Sendable (String, [String: String]) -> Void
  ) {
    self.store = store
    self.transport = transport
    self.settings = settings
    self.composer = MailComposer(baseURL: baseURL, from: settings.from)
    self.log = log
  }

  /// Sends everything due now, batch after batch, until nothing is due or the relay cannot
  /// be reached.
  public func sendDue() throws -> Tally {
    var tally = Tally()
    var session: (any MailSession)?
    defer { session?.close() }
    passes: while !stopped.load(ordering: .relaxed) {
      let batch = try store.outbox.claim(
        limit: settings.batchSize, lease: settings.leaseSeconds,
        coalesceSeconds: settings.coalesceSeconds
      ) { facts in try composer.render(facts) }
      for item in batch.dropped {
        tally.dropped += 1
        log(
          "mail_dropped",
          ["id": String(item.id), "kind": item.kind.rawValue, "reason": item.reason])
      }
      if batch.claimed.isEmpty { break }
      for (index, item) in batch.claimed.enumerated() {
        let started = ContinuousClock.now
        let outcome: DeliveryOutcome
        if let message = decode(item) {
          if session == nil {
            switch transport.openSession() {
            case .success(let opened): session = opened
            case .failure(let error):
              // The relay is away: the rest of the batch waits with this one.
              for rest in batch.claimed[index...] {
                try record(rest, .temporary("\(error)"), since: started, into: &tally)
              }
              break passes
            }
          }
          outcome = session?.send(message) ?? .temporary("no session")
        } else {
          outcome = .permanent("the stored message cannot be read")
        }
        try record(item, outcome, since: started, into: &tally)
        if let open = session, !open.isUsable {
          // The connection is gone (421, a timeout, a drop): start afresh for the next.
          open.close()
          session = nil
        }
      }
    }
    return tally
  }

  func decode(_ item: OutboxStore.Claimed) -> MailMessage? {
    try? JSONDecoder().decode(MailMessage.self, from: Data(item.message.utf8))
  }

  func record(
    _ item: OutboxStore.Claimed, _ outcome: DeliveryOutcome, since started: ContinuousClock.Instant,
    into tally: inout Tally
  ) throws {
    var fields = [
      "id": String(item.id), "kind": item.kind.rawValue, "attempts": String(item.attempts),
      "to_domain": Self.domain(of: item.recipient), "message_id": item.messageID,
    ]
    switch outcome {
    case .delivered:
      try store.outbox.markSent(id: item.id)
      tally.sent += 1
      fields["result"] = "sent"
    case .temporary(let error):
      try store.outbox.markFailed(
        id: item.id, error: error, retryAfter: settings.retryDelay(afterAttempt: item.attempts),
        giveUpAfter: settings.giveUpSeconds)
      tally.temporary += 1
      fields["result"] = "temporary"
      fields["error"] = error
    case .permanent(let error):
      try store.outbox.markFailed(
        id: item.id, error: error, retryAfter: nil, giveUpAfter: settings.giveUpSeconds)
      tally.permanent += 1
      fields["result"] = "permanent"
      fields["error"] = error
    }
    let elapsed = ContinuousClock.now - started
    fields["duration_ms"] = String(
      elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    log("mail_attempt", fields)
  }

  /// The part of an address after `@`: the log names no person.
  public static func domain(of address: String) -> String {
    address.lastIndex(of: "@").map { String(address[address.index(after: $0)...]) } ?? "?"
  }

  /// Redacted for listings: `a…@example.se`.
  public static func redacted(_ address: String) -> String {
    guard let at = address.lastIndex(of: "@"), let first = address.first, at != address.startIndex
    else { return "…" }
    return String(first) + "…" + address[at...]
  }

  /// Sends in a thread of its own until `stop()`: a pass every poll interval, and at once
  /// after `nudge()`.
  public func start() {
    let thread = Thread { [self] in
      while !stopped.load(ordering: .relaxed) {
        do {
          _ = try sendDue()
        } catch {
          log("mail_error", ["message": "\(error)"])
        }
        _ = wake.wait(timeout: .now() + .milliseconds(settings.pollMilliseconds))
      }
      finished.signal()
    }
    thread.name = "mail"
    thread.start()
  }

  /// Wakes the sender for a pass now.
  public func nudge() { wake.signal() }

  /// Stops the thread after the message it is sending, waiting at most `timeout` seconds.
  public func stop(timeout: Double = 10) {
    stopped.store(true, ordering: .relaxed)
    wake.signal()
    _ = finished.wait(timeout: .now() + timeout)
  }
}
