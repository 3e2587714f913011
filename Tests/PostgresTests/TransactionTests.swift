import Foundation
import Postgres
import PostgresTesting
import Testing

extension ServerTests {
  @Suite struct Transactions {
    struct Rollback: Error {}

    func withTable(_ prefix: String, _ body: (Connection) throws -> Void) throws {
      try withTestConnection(prefix) { connection throws in
        try connection.executeScript("CREATE TABLE notes (id int PRIMARY KEY, text text)")
        try body(connection)
      }
    }

    func ids(_ connection: Connection) throws -> [Int] {
      try connection.query("SELECT id FROM notes ORDER BY id").map { try $0.decode("id") }
    }

    @Test func withTransactionCommitsWhenTheBodyReturns() throws {
      try withTable("tx_commit") { connection throws in
        let value = try connection.withTransaction { connection throws in
          #expect(connection.isInTransaction)
          try connection.execute("INSERT INTO notes VALUES (1, 'kept')")
          return 42
        }
        #expect(value == 42)
        #expect(!connection.isInTransaction)
        #expect(try ids(connection) == [1])
      }
    }

    @Test func withTransactionRollsBackWhenTheBodyThrows() throws {
      try withTable("tx_rollback") { connection throws in
        #expect(throws: Rollback.self) {
          try connection.withTransaction { connection throws in
            try connection.execute("INSERT INTO notes VALUES (1, 'gone')")
            throw Rollback()
          }
        }
        #expect(!connection.isInTransaction)
        #expect(try ids(connection) == [])
      }
    }

    @Test func nestedWithTransactionJoinsTheOuterOne() throws {
      try withTable("tx_nested") { connection throws in
        // The inner block's work is undone with the outer one.
        #expect(throws: Rollback.self) {
          try connection.withTransaction { outer throws in
            _ = try outer.withTransaction { inner throws in
              try inner.execute("INSERT INTO notes VALUES (1, 'inner')")
            }
            #expect(outer.isInTransaction)
            throw Rollback()
          }
        }
        #expect(try ids(connection) == [])
        // An inner throw that escapes undoes the outer block's work too.
        #expect(throws: Rollback.self) {
          try connection.withTransaction { outer throws in
            try outer.execute("INSERT INTO notes VALUES (2, 'outer')")
            try outer.withTransaction { _ throws in throw Rollback() }
          }
        }
        #expect(try ids(connection) == [])
        // Both commit together.
        try connection.withTransaction { outer throws in
          try outer.execute("INSERT INTO notes VALUES (3, 'outer')")
          _ = try outer.withTransaction { inner throws in
            try inner.execute("INSERT INTO notes VALUES (4, 'inner')")
          }
        }
        #expect(try ids(connection) == [3, 4])
        #expect(!connection.isInTransaction)
      }
    }

    @Test func connectionIsUsableAfterAServerErrorInsideATransaction() throws {
      try withTable("tx_error") { connection throws in
        let error = try #require(throws: PostgresError.self) {
          try connection.withTransaction { connection throws in
            try connection.execute("INSERT INTO notes VALUES (1, 'first')")
            try connection.execute("INSERT INTO notes VALUES (1, 'duplicate')")
          }
        }
        #expect(error.isUniqueViolation)
        #expect(connection.isUsable)
        #expect(!connection.isInTransaction)
        // Not stuck in an aborted transaction: new statements run, and nothing was kept.
        #expect(try ids(connection) == [])
        _ = try connection.withTransaction { connection throws in
          try connection.execute("INSERT INTO notes VALUES (2, 'later')")
        }
        #expect(try ids(connection) == [2])
      }
    }

    @Test func isolationLevelIsApplied() throws {
      try withTestConnection("tx_isolation") { connection throws in
        let level = try connection.withTransaction(isolation: .serializable) { connection throws in
          try connection.query("SHOW transaction_isolation")[0].decode(column: 0, as: String.self)
        }
        #expect(level == "serializable")
        let repeatable = try connection.withTransaction(isolation: .repeatableRead) {
          connection throws in
          try connection.query("SHOW transaction_isolation")[0].decode(column: 0, as: String.self)
        }
        #expect(repeatable == "repeatable read")
      }
    }

    /// A body that catches a failed statement and returns normally must not be told its
    /// transaction committed: the server turns COMMIT of an aborted transaction into ROLLBACK.
    @Test func withTransactionDoesNotReportSuccessWhenTheBodySwallowedAStatementError() throws {
      try withTable("tx_swallowed") { connection throws in
        let error = try #require(throws: PostgresError.self) {
          try connection.withTransaction { connection throws in
            try connection.execute("INSERT INTO notes VALUES (1, 'lost')")
            _ = try? connection.execute("INSERT INTO notes VALUES (1, 'duplicate')")
          }
        }
        #expect(error.sqlState == "25P02")
        // Nothing was written and the connection is back to normal.
        #expect(try ids(connection) == [])
        #expect(!connection.isInTransaction)
        #expect(connection.isUsable)
      }
    }
  }
}
