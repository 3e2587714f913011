import Foundation
import Postgres
import Synchronization

/// Listens for `almedalen_programme` notifications on a connection of its own and reports
/// every change of the programme made by any process on the same database.
///
/// While it is not listening (the database restarted, the connection broke) changes go
/// unseen, so it reports `.listening(false)` and callers must not trust cached data; once
/// listening again it reports `.listening(true)`, since anything may have changed meanwhile.
public final class ProgrammeWatcher: Sendable {
  public enum Event: Sendable, Equatable {
    /// The programme changed (one report may stand for many changes).
    case changed
    /// Whether notifications arrive; on `true`, treat everything as changed.
    case listening(Bool)
  }

  public static let channel = "almedalen_programme"

  private let conninfo: String
  private let onEvent: @Sendable (Event) -> Void
  private let stopped = Atomic<Bool>(false)
  private let finished = DispatchSemaphore(value: 0)

  public init(conninfo: String, onEvent: @escaping @Sendable (Event) -> Void) {
    self.conninfo = conninfo
    self.onEvent = onEvent
  }

  /// Starts the listening thread.
  public func start() {
    let thread = Thread { [self] in
      run()
      finished.signal()
    }
    thread.name = "programme-watcher"
    thread.start()
  }

  /// Stops listening and waits (briefly) for the thread to end.
  public func stop() {
    guard !stopped.exchange(true, ordering: .sequentiallyConsistent) else { return }
    _ = finished.wait(timeout: .now() + 2)
  }

  private func run() {
    var backoff = 0.1
    while !stopped.load(ordering: .relaxed) {
      do {
        let connection = try Connection(conninfo, connectTimeoutSeconds: 3)
        // Named, so operators (and tests) can tell it from pooled connections.
        try connection.executeScript("SET application_name = 'almedalen-watcher'")
        try connection.listen(Self.channel)
        backoff = 0.1
        onEvent(.listening(true))
        var lastCheck = ContinuousClock.now
        while !stopped.load(ordering: .relaxed) {
          if !(try connection.waitForNotifications(timeout: .milliseconds(250))).isEmpty {
            onEvent(.changed)
          }
          // A connection that died without a word (a firewall, a frozen server) would leave
          // us deaf; a round trip every few seconds finds out.
          if ContinuousClock.now - lastCheck > .seconds(5) {
            try connection.query("SELECT 1")
            lastCheck = ContinuousClock.now
          }
        }
        return
      } catch {
        onEvent(.listening(false))
        Thread.sleep(forTimeInterval: backoff)
        backoff = min(backoff * 2, 2)
      }
    }
  }
}
