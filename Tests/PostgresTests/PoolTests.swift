import Foundation
import Postgres
import PostgresTesting
import Testing

extension ServerTests {
  @Suite struct Pool {
    func makePool(
      _ database: TestDatabase, max: Int, acquireTimeout: Duration = .seconds(30)
    ) -> ConnectionPool {
      ConnectionPool(
        .init(conninfo: database.conninfo, maxConnections: max, acquireTimeout: acquireTimeout))
    }

    /// Backends connected to `database`, as the server counts them.
    func backends(of database: TestDatabase, admin: Connection) throws -> Int {
      try admin.query(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1", [database.name])[0]
        .decode("n")
    }

    @Test func poolNeverOpensMoreThanItsMaximumUnder32Threads() throws {
      try withTestDatabase("pool_bounded") { database throws in
        let pool = makePool(database, max: 4)
        defer { pool.shutdown() }
        let admin = try Connection(try TestDatabase.adminConninfo())
        struct Stats {
          var inside = 0
          var maxInside = 0
          var maxOpen = 0
          var queries = 0
          var errors: [String] = []
        }
        let stats = Locked(Stats())
        let running = Locked(true)
        let serverMax = Locked(0)
        // Watches the server's side while the workers run.
        let watcher = Thread {
          while running.current {
            let count = (try? backends(of: database, admin: admin)) ?? 0
            serverMax.withLock { $0 = max($0, count) }
            usleep(1_000)
          }
        }
        watcher.start()
        runOnThreads(32) { _ in
          for _ in 0..<25 {
            do {
              try pool.withConnection { connection in
                stats.withLock {
                  $0.inside += 1
                  $0.maxInside = max($0.maxInside, $0.inside)
                  $0.maxOpen = max($0.maxOpen, pool.openConnections)
                }
                defer { stats.withLock { $0.inside -= 1 } }
                try connection.query("SELECT pg_sleep(0.001)")
                stats.withLock { $0.queries += 1 }
              }
            } catch {
              stats.withLock { $0.errors.append("\(error)") }
            }
          }
        }
        running.withLock { $0 = false }
        while !watcher.isFinished { usleep(1_000) }
        let final = stats.current
        #expect(final.errors.isEmpty, "\(final.errors.prefix(3))")
        #expect(final.queries == 32 * 25)
        #expect(final.maxInside <= 4)
        #expect(final.maxInside >= 2, "the workers never overlapped: the test proved nothing")
        #expect(final.maxOpen <= 4)
        #expect(serverMax.current <= 4)
        #expect(pool.openConnections <= 4)
      }
    }

    @Test func acquireTimesOutWithPoolTimeoutWhenAllConnectionsAreHeld() throws {
      try withTestDatabase("pool_timeout") { database throws in
        let pool = makePool(database, max: 2, acquireTimeout: .milliseconds(300))
        defer { pool.shutdown() }
        try pool.withConnection { _ throws in
          try pool.withConnection { _ throws in
            let start = ContinuousClock.now
            let error = try #require(throws: PostgresError.self) {
              try pool.withConnection { _ in }
            }
            let waited = seconds(since: start)
            #expect(error.code == .poolTimeout)
            #expect(waited >= 0.25, "gave up after \(waited)s")
            #expect(waited < 5)
            #expect(pool.openConnections == 2)
          }
        }
        // Once they come back, they are lent again.
        #expect(
          try pool.withConnection { try $0.query("SELECT 1 AS one")[0].decode("one", as: Int.self) }
            == 1)
      }
    }

    @Test func aWaitingCallerGetsTheConnectionAsSoonAsItIsReturned() throws {
      try withTestDatabase("pool_handoff") { database throws in
        let pool = makePool(database, max: 1, acquireTimeout: .seconds(10))
        defer { pool.shutdown() }
        let held = DispatchSemaphore(value: 0)
        let waited = Locked(-1.0)
        let failure = Locked<String?>(nil)
        runOnThreads(2) { index in
          do {
            if index == 0 {
              try pool.withConnection { _ in
                held.signal()
                usleep(200_000)
              }
            } else {
              held.wait()
              let start = ContinuousClock.now
              _ = try pool.withConnection { connection in try connection.query("SELECT 1") }
              waited.withLock { $0 = seconds(since: start) }
            }
          } catch {
            failure.withLock { $0 = "\(error)" }
          }
        }
        #expect(failure.current == nil)
        #expect(waited.current >= 0.1 && waited.current < 5, "waited \(waited.current)s")
        #expect(pool.openConnections == 1)
      }
    }

    /// Two SERIALIZABLE transactions that each read the highest number and insert the next
    /// one. A barrier makes both read before either writes, so one of them must fail with a
    /// serialization failure. Returns each thread's error, if any.
    func runConflictingTransactions(on pool: ConnectionPool, retries: Int) -> [(any Error)?] {
      let arrived = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
      let errors = Locked([(any Error)?](repeating: nil, count: 2))
      let options = ConnectionPool.TransactionOptions(isolation: .serializable, retries: retries)
      runOnThreads(2) { me in
        var attempt = 0
        do {
          try pool.withTransaction(options) { connection in
            attempt += 1
            let highest = try connection.query("SELECT coalesce(max(n), 0) AS m FROM ledger")[0]
              .decode("m", as: Int.self)
            if attempt == 1 {
              arrived[me].signal()
              _ = arrived[1 - me].wait(timeout: .now() + 10)
            }
            try connection.execute("INSERT INTO ledger VALUES ($1)", [highest + 1])
          }
        } catch {
          errors.withLock { $0[me] = error }
        }
      }
      return errors.current
    }

    @Test func withTransactionRetriesASerializationFailureUntilBothCommit() throws {
      try withTestDatabase("pool_retry") { database throws in
        try database.connect().executeScript("CREATE TABLE ledger (n int NOT NULL)")
        let pool = makePool(database, max: 4)
        defer { pool.shutdown() }
        let errors = runConflictingTransactions(on: pool, retries: 5)
        #expect(errors.allSatisfy { $0 == nil }, "\(errors)")
        // Serial order: the retried transaction saw the other's row and went after it.
        let numbers = try pool.withConnection { connection in
          try connection.query("SELECT n FROM ledger ORDER BY n").map {
            try $0.decode("n", as: Int.self)
          }
        }
        #expect(numbers == [1, 2])
      }
    }

    @Test func withoutRetriesTheSerializationFailureReachesTheCaller() throws {
      try withTestDatabase("pool_no_retry") { database throws in
        try database.connect().executeScript("CREATE TABLE ledger (n int NOT NULL)")
        let pool = makePool(database, max: 4)
        defer { pool.shutdown() }
        let errors = runConflictingTransactions(on: pool, retries: 0).compactMap { $0 }
        try #require(errors.count == 1, "\(errors)")
        let error = try #require(errors.first as? PostgresError)
        #expect(error.sqlState == "40001")
        #expect(error.isTransient)
        let numbers = try pool.withConnection { connection in
          try connection.query("SELECT n FROM ledger ORDER BY n").map {
            try $0.decode("n", as: Int.self)
          }
        }
        #expect(numbers == [1])
      }
    }

    /// Two transactions that lock rows 1 and 2 in opposite orders. Returns each one's error.
    func runDeadlockingTransactions(
      _ body: @escaping @Sendable (Int, (Connection) throws -> Void) throws -> Void
    ) -> [(any Error)?] {
      let locked = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
      let errors = Locked([(any Error)?](repeating: nil, count: 2))
      runOnThreads(2) { me in
        var attempt = 0
        do {
          try body(me) { connection in
            attempt += 1
            try connection.executeScript("SET LOCAL deadlock_timeout = '100ms'")
            try connection.execute("UPDATE locks SET v = v + 1 WHERE id = $1", [me + 1])
            if attempt == 1 {
              locked[me].signal()
              _ = locked[1 - me].wait(timeout: .now() + 10)
            }
            try connection.execute("UPDATE locks SET v = v + 1 WHERE id = $1", [2 - me])
          }
        } catch {
          errors.withLock { $0[me] = error }
        }
      }
      return errors.current
    }

    @Test func deadlockIsReportedAsTransient() throws {
      try withTestDatabase("pool_deadlock") { database throws in
        try database.connect().executeScript(
          "CREATE TABLE locks (id int PRIMARY KEY, v int NOT NULL); "
            + "INSERT INTO locks VALUES (1, 0), (2, 0);")
        let connections = [try database.connect(), try database.connect()]
        let errors = runDeadlockingTransactions { me, work in
          try connections[me].withTransaction { connection in try work(connection) }
        }.compactMap { $0 }
        try #require(errors.count == 1, "\(errors)")
        let error = try #require(errors.first as? PostgresError)
        #expect(error.sqlState == "40P01")
        #expect(error.isTransient)
        #expect(connections.allSatisfy { $0.isUsable && !$0.isInTransaction })

        // With retries, the pool reruns the victim and both transactions take effect.
        let pool = makePool(database, max: 2)
        defer { pool.shutdown() }
        let retried = runDeadlockingTransactions { _, work in
          try pool.withTransaction(.init(retries: 3)) { connection in try work(connection) }
        }
        #expect(retried.allSatisfy { $0 == nil }, "\(retried)")
        let values = try connections[0].query("SELECT v FROM locks ORDER BY id").map {
          try $0.decode("v", as: Int.self)
        }
        #expect(values == [3, 3])  // one from the first round's winner, two from the second
      }
    }

    @Test func anIdleConnectionKilledByTheServerIsReplacedTransparently() throws {
      try withTestDatabase("pool_killed") { database throws in
        let pool = makePool(database, max: 2)
        defer { pool.shutdown() }
        let pid = try pool.withConnection { $0.backendPID }
        let admin = try Connection(try TestDatabase.adminConninfo())
        // Waits (up to 5 s) until the backend is gone.
        let killed = try admin.query("SELECT pg_terminate_backend($1, 5000) AS ok", [pid])[0]
          .decode("ok", as: Bool.self)
        try #require(killed)
        let (newPID, one) = try pool.withConnection { connection in
          (
            connection.backendPID,
            try connection.query("SELECT 1 AS one")[0].decode("one", as: Int.self)
          )
        }
        #expect(one == 1)
        #expect(newPID != pid)
        #expect(pool.openConnections == 1)
      }
    }

    @Test func aConnectionThatBreaksDuringUseIsDiscarded() throws {
      try withTestDatabase("pool_broken") { database throws in
        let pool = makePool(database, max: 1)
        defer { pool.shutdown() }
        let admin = try Connection(try TestDatabase.adminConninfo())
        let error = try #require(throws: PostgresError.self) {
          try pool.withConnection { connection in
            try admin.query("SELECT pg_terminate_backend($1, 5000)", [connection.backendPID])
            try connection.query("SELECT 1")
          }
        }
        #expect(error.isConnectionProblem, "\(error)")
        #expect(pool.openConnections == 0)
        #expect(
          try pool.withConnection { try $0.query("SELECT 1 AS one")[0].decode("one", as: Int.self) }
            == 1)
      }
    }

    @Test func shutdownRefusesNewWork() throws {
      try withTestDatabase("pool_shutdown") { database throws in
        let pool = makePool(database, max: 2)
        _ = try pool.withConnection { try $0.query("SELECT 1") }
        pool.shutdown()
        #expect(pool.openConnections == 0)
        let error = try #require(throws: PostgresError.self) { try pool.withConnection { _ in } }
        #expect(error.code == .poolClosed)
      }
    }
  }
}
