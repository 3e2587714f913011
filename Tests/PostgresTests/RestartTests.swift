import Foundation
import Postgres
import PostgresTesting
import Testing

extension ServerTests {
  /// Restarts the shared test server. Inside `ServerTests` (serialized), so no other test of
  /// this target is running meanwhile; tests of other targets in the same `swift test`
  /// process may still be, and they can see a connection error during the restart.
  @Suite struct ServerRestart {
    struct Tally {
      var beforeRestart = 0
      var afterRestart = 0
      var failedDuringRestart = 0
      /// Queries that started after the restart had completed and still failed.
      var failedAfterRestart: [String] = []
      var wrongAnswers = 0
    }

    @Test func poolRecoversFromARestartUnderLoadWithNoFailuresAfterwards() throws {
      try withTestDatabase("restart") { database throws in
        let pool = ConnectionPool(
          .init(
            conninfo: database.conninfo, maxConnections: 8, acquireTimeout: .seconds(20),
            connectTimeoutSeconds: 5))
        defer { pool.shutdown() }
        let began = ContinuousClock.now
        let restartDone = Locked<ContinuousClock.Instant?>(nil)
        let stopAt = Locked<ContinuousClock.Instant?>(nil)
        let restartError = Locked<String?>(nil)
        let tally = Locked(Tally())

        runOnThreads(33) { index in
          if index == 32 {
            // Let the workers fill the pool first.
            Thread.sleep(forTimeInterval: 1)
            do { try TestDatabase.restartServer() } catch {
              restartError.withLock { $0 = "\(error)" }
            }
            let now = ContinuousClock.now
            restartDone.withLock { $0 = now }
            stopAt.withLock { $0 = now + .seconds(3) }
            return
          }
          while true {
            let start = ContinuousClock.now
            if let stop = stopAt.current, start >= stop { break }
            if start - began > .seconds(120) { break }  // a hung restart must not hang us
            let restarted = restartDone.current.map { start >= $0 } ?? false
            do {
              let answer = try pool.withConnection { connection in
                try connection.query("SELECT $1::int AS n", [index])[0].decode("n", as: Int.self)
              }
              tally.withLock {
                if restarted { $0.afterRestart += 1 } else { $0.beforeRestart += 1 }
                if answer != index { $0.wrongAnswers += 1 }
              }
            } catch {
              tally.withLock {
                if restarted {
                  $0.failedAfterRestart.append("\(error)")
                } else {
                  $0.failedDuringRestart += 1
                }
              }
              usleep(5_000)  // the server is down: do not spin
            }
          }
        }

        try #require(restartError.current == nil, "\(restartError.current ?? "")")
        let result = tally.current
        #expect(result.beforeRestart > 0)
        #expect(result.afterRestart > 0)
        #expect(result.wrongAnswers == 0)
        #expect(
          result.failedAfterRestart.isEmpty,
          "\(result.failedAfterRestart.count) queries failed after the restart, e.g. \(result.failedAfterRestart.prefix(3))"
        )
        #expect(pool.openConnections <= 8)
      }
    }

    @Test func idlePooledConnectionsAreReplacedAfterARestart() throws {
      try withTestDatabase("restart_idle") { database throws in
        let pool = ConnectionPool(.init(conninfo: database.conninfo, maxConnections: 4))
        defer { pool.shutdown() }
        // Four connections open and idle in the pool.
        let held = Locked(0)
        runOnThreads(4) { _ in
          _ = try? pool.withConnection { _ in
            held.withLock { $0 += 1 }
            while held.current < 4 { usleep(1_000) }
          }
        }
        try #require(pool.openConnections == 4)
        try TestDatabase.restartServer()
        // Each of them is dead now; the pool must notice on checkout, not hand them out.
        for attempt in 1...8 {
          let one = try pool.withConnection { connection in
            try connection.query("SELECT 1 AS one")[0].decode("one", as: Int.self)
          }
          #expect(one == 1, "attempt \(attempt)")
        }
        #expect(pool.openConnections <= 4)
      }
    }
  }
}
