import AlmedalenStore
import Foundation
import KeyValueLog
import Synchronization

/// Erases attendee data a set number of days after each edition ends: at start, then every
/// hour, for as long as the server runs. Every server process runs it; the erasure is one
/// idempotent UPDATE, so running it twice at once does no harm.
final class RetentionJob: Sendable {
  let store: FestivalStore
  let days: Int
  private let stopped = Atomic<Bool>(false)
  private let wake = DispatchSemaphore(value: 0)

  init(store: FestivalStore, days: Int) {
    self.store = store
    self.days = days
  }

  func start() {
    let thread = Thread { [self] in
      while !stopped.load(ordering: .relaxed) {
        do {
          let erased = try store.registrations.eraseEnded(retentionDays: days)
          if erased > 0 {
            Log.info("retention", ["days": String(days), "erased": String(erased)])
          }
        } catch {
          Log.error("retention: \(error)")
        }
        _ = wake.wait(timeout: .now() + 3600)
      }
    }
    thread.name = "retention"
    thread.start()
  }

  func stop() {
    stopped.store(true, ordering: .relaxed)
    wake.signal()
  }
}

/// Lets go of sign-up requests not confirmed in time, so that the waitlist moves on even when
/// nobody signs up for that event (a sign-up does the same for its own event first).
final class HoldsJob: Sendable {
  let store: FestivalStore
  let interval: Double
  private let stopped = Atomic<Bool>(false)
  private let wake = DispatchSemaphore(value: 0)

  init(store: FestivalStore, interval: Double) {
    self.store = store
    self.interval = interval
  }

  func start() {
    let thread = Thread { [self] in
      while !stopped.load(ordering: .relaxed) {
        do {
          let expired = try store.registrations.expireHolds()
          if expired > 0 { Log.info("holds_expired", ["requests": String(expired)]) }
        } catch {
          Log.error("holds: \(error)")
        }
        _ = wake.wait(timeout: .now() + interval)
      }
    }
    thread.name = "holds"
    thread.start()
  }

  func stop() {
    stopped.store(true, ordering: .relaxed)
    wake.signal()
  }
}
