import Foundation

/// A bounded pool of connections, safe to use from many threads at once.
///
/// Callers block (libpq is blocking) until a connection is free or `acquireTimeout` passes.
/// A connection found closed on checkout (after a server restart) is replaced without the
/// caller noticing; one that breaks during use is discarded when it comes back.
public final class ConnectionPool: @unchecked Sendable {
  public struct Configuration: Sendable {
    /// libpq conninfo or `postgresql://` URI.
    public var conninfo: String
    public var maxConnections: Int
    public var acquireTimeout: Duration
    public var connectTimeoutSeconds: Int

    public init(
      conninfo: String, maxConnections: Int = 10, acquireTimeout: Duration = .seconds(5),
      connectTimeoutSeconds: Int = 5
    ) {
      self.conninfo = conninfo
      self.maxConnections = max(1, maxConnections)
      self.acquireTimeout = acquireTimeout
      self.connectTimeoutSeconds = connectTimeoutSeconds
    }
  }

  /// Options for `withTransaction`.
  public struct TransactionOptions: Sendable {
    public var isolation: IsolationLevel
    /// Extra attempts after a serialization failure (40001), a deadlock (40P01), or a
    /// connection lost before COMMIT was sent (the server then rolled back).
    public var retries: Int

    public init(isolation: IsolationLevel = .readCommitted, retries: Int = 0) {
      self.isolation = isolation
      self.retries = retries
    }

    public static let `default` = TransactionOptions()
  }

  public let configuration: Configuration
  // Guarded by `condition`.
  private let condition = NSCondition()
  private var idle: [Connection] = []
  private var open = 0
  private var closed = false

  public init(_ configuration: Configuration) {
    self.configuration = configuration
  }

  public convenience init(conninfo: String, maxConnections: Int = 10) {
    self.init(Configuration(conninfo: conninfo, maxConnections: maxConnections))
  }

  /// Connections open now, idle or lent out.
  public var openConnections: Int {
    condition.lock()
    defer { condition.unlock() }
    return open
  }

  /// Lends a connection to `body` and takes it back afterwards.
  public func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
    let connection = try acquire()
    defer { release(connection) }
    return try body(connection)
  }

  /// Runs `body` in one transaction on one connection, retrying as the options allow.
  public func withTransaction<T>(
    _ options: TransactionOptions = .default, _ body: (Connection) throws -> T
  ) throws -> T {
    var attempt = 0
    while true {
      do {
        return try withConnection { connection in
          try connection.withTransaction(isolation: options.isolation, body)
        }
      } catch let error as PostgresError where attempt < options.retries && isRetryable(error) {
        attempt += 1
        // A short, growing, jittered pause spreads out transactions that collided.
        let micros = UInt32.random(in: 0...(UInt32(min(attempt, 6)) * 2_000))
        usleep(micros)
      }
    }
  }

  private func isRetryable(_ error: PostgresError) -> Bool {
    if error.isTransient { return true }
    // A connection that broke before COMMIT went out leaves nothing behind on the server.
    return error.isConnectionProblem && error.code != .commitOutcomeUnknown
  }

  /// Closes idle connections and refuses new work; lent connections close on return.
  public func shutdown() {
    condition.lock()
    closed = true
    let toClose = idle
    idle.removeAll()
    open -= toClose.count
    condition.broadcast()
    condition.unlock()
    _ = toClose
  }

  private func acquire() throws -> Connection {
    let deadline = Date().addingTimeInterval(Self.seconds(configuration.acquireTimeout))
    condition.lock()
    while true {
      if closed {
        condition.unlock()
        throw PostgresError(.poolClosed, message: "the connection pool is shut down")
      }
      if let connection = idle.popLast() {
        condition.unlock()
        if connection.isStillOpen() { return connection }
        // Closed by the server while idle: drop it and open a fresh one in its slot.
        return try openReserved(dropping: connection)
      }
      if open < configuration.maxConnections {
        open += 1
        condition.unlock()
        return try openReserved(dropping: nil)
      }
      if !condition.wait(until: deadline) {
        condition.unlock()
        throw PostgresError(
          .poolTimeout,
          message:
            "no database connection free within \(configuration.acquireTimeout) (\(configuration.maxConnections) in use)"
        )
      }
    }
  }

  /// Opens a connection in a slot already counted in `open`; gives the slot back on failure.
  private func openReserved(dropping old: Connection?) throws -> Connection {
    _ = old
    do {
      return try Connection(
        configuration.conninfo, connectTimeoutSeconds: configuration.connectTimeoutSeconds)
    } catch {
      condition.lock()
      open -= 1
      condition.signal()
      condition.unlock()
      throw error
    }
  }

  private func release(_ connection: Connection) {
    condition.lock()
    defer {
      condition.signal()
      condition.unlock()
    }
    if closed || !connection.isUsable || connection.isInTransaction {
      open -= 1
      return
    }
    idle.append(connection)
  }

  static func seconds(_ duration: Duration) -> TimeInterval {
    let parts = duration.components
    return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
  }
}
