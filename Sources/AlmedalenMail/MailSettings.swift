import Foundation
public import Mail

/// The mail settings, from the environment (README, "Mail").
public struct MailSettings: Sendable {
  /// `ALMEDALEN_MAIL`: nil queues without sending.
  public var transport: String?
  /// `ALMEDALEN_MAIL_FROM`.
  public var from: Mailbox
  /// `ALMEDALEN_MAIL_COALESCE_SECONDS`: a move is sent this long after its first edit.
  public var coalesceSeconds: Int
  /// `ALMEDALEN_MAIL_POLL_MS`: how often a sender looks for due messages.
  public var pollMilliseconds: Int
  /// `ALMEDALEN_MAIL_BACKOFF`: seconds before each retry after a temporary failure; the last
  /// repeats.
  public var backoff: [Int]
  /// A message still failing this long after it was queued fails for good.
  public var giveUpSeconds: Int
  /// `ALMEDALEN_MAIL_LEASE_SECONDS`: how long a claim holds before another sender may take
  /// the message (after a crash).
  public var leaseSeconds: Int
  /// Messages claimed per transaction.
  public var batchSize = 20

  /// What is wrong with a setting, naming it.
  public struct Invalid: Error, CustomStringConvertible, Sendable {
    public let description: String
  }

  /// Reads the settings; `publicURL`'s host names the default sender.
  public init(environment: [String: String], publicURL: String) throws(Invalid) {
    func value(_ name: String) -> String? {
      environment[name].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
    }
    func number(_ name: String, _ fallback: Int, atLeast minimum: Int) throws(Invalid) -> Int {
      guard let text = value(name) else { return fallback }
      guard let number = Int(text), number >= minimum else {
        throw Invalid(description: "\(name) must be a whole number ≥ \(minimum), not \(text)")
      }
      return number
    }
    transport = value("ALMEDALEN_MAIL")
    // The public host names the sender; one that is no mail domain (localhost, an IPv6
    // literal) gives way to localhost.localdomain, for development.
    var host = URLComponents(string: publicURL)?.host ?? ""
    if (try? MailAddress("noreply@" + host)) == nil { host = "localhost.localdomain" }
    let fromText = value("ALMEDALEN_MAIL_FROM") ?? "Almedalsveckan <noreply@\(host)>"
    do {
      from = try Mailbox(parsing: fromText)
    } catch {
      throw Invalid(
        description: "ALMEDALEN_MAIL_FROM is not a mailbox (\(error.reason)): \(fromText)")
    }
    coalesceSeconds = try number("ALMEDALEN_MAIL_COALESCE_SECONDS", 600, atLeast: 0)
    pollMilliseconds = try number("ALMEDALEN_MAIL_POLL_MS", 1000, atLeast: 10)
    leaseSeconds = try number("ALMEDALEN_MAIL_LEASE_SECONDS", 300, atLeast: 1)
    giveUpSeconds = 86_400
    let schedule = value("ALMEDALEN_MAIL_BACKOFF") ?? "60,300,1800,7200,21600"
    let steps = schedule.split(separator: ",").map {
      Int($0.trimmingCharacters(in: .whitespaces))
    }
    guard !steps.isEmpty, steps.count <= 50, steps.allSatisfy({ ($0 ?? -1) >= 1 }) else {
      throw Invalid(
        description:
          "ALMEDALEN_MAIL_BACKOFF must be seconds ≥ 1 separated by commas, not \(schedule)")
    }
    backoff = steps.compactMap { $0 }
  }

  /// Seconds to wait after the `attempt`th failed attempt (1 is the first).
  public func retryDelay(afterAttempt attempt: Int) -> Int {
    backoff[min(max(attempt, 1), backoff.count) - 1]
  }
}
