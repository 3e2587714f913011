import Foundation
import Postgres
import PostgresTesting
import Testing

extension ServerTests {
  @Suite struct Connecting {
    /// The admin conninfo pointed at a database that does not exist, with a password added.
    func badConninfo(database: String) throws -> String {
      let admin = try TestDatabase.adminConninfo()
      let other = TestDatabase.conninfo(admin, replacingDatabaseWith: database)
      return appendingParameter(other, "password", "sekret123")
    }

    func expectConnectionFailureHidesPassword(_ conninfo: String, database: String) throws {
      let host = ConnectionTarget(try TestDatabase.adminConninfo()).host
      let error = try #require(throws: PostgresError.self) { _ = try Connection(conninfo) }
      #expect(error.code == .connectionFailed)
      #expect(error.isConnectionProblem)
      #expect(error.message.contains(host), "\(error.message)")
      #expect(error.message.contains(database), "\(error.message)")
      for text in [error.message, error.description, error.debugDescription, "\(error)"] {
        #expect(!text.contains("sekret123"), "password leaked: \(text)")
      }
    }

    @Test func badConninfoFailsNamingHostAndDatabaseButNotPassword() throws {
      let database = "no_such_db_" + String(UInt32.random(in: 0...UInt32.max))
      try expectConnectionFailureHidesPassword(
        try badConninfo(database: database), database: database)
    }

    @Test func badURIWithPasswordInUserInfoFailsWithoutShowingIt() throws {
      let database = "no_such_db_" + String(UInt32.random(in: 0...UInt32.max))
      let host = ConnectionTarget(try TestDatabase.adminConninfo()).host
      let encodedHost = try #require(
        host.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
      let uri = "postgresql://postgres:sekret123@/\(database)?host=\(encodedHost)"
      try expectConnectionFailureHidesPassword(uri, database: database)
    }

    /// libpq's own messages about a malformed URI quote the URI, or the token, they choked on.
    @Test(arguments: [
      "postgresql://postgres:sekret123@[::1/shop", "postgresql://postgres:sek%ZZret123@/shop",
    ])
    func malformedURIErrorsDoNotEchoThePassword(_ uri: String) throws {
      let error = try #require(throws: PostgresError.self) { _ = try Connection(uri) }
      #expect(error.code == .connectionFailed)
      for text in [error.message, error.description, error.debugDescription] {
        #expect(!text.contains("ret123"), "password leaked: \(text)")
      }
    }

    @Test func connectionTargetNeverHoldsThePassword() throws {
      let target = ConnectionTarget("host=/tmp/x dbname=shop user=app password=sekret123")
      #expect(target.host == "/tmp/x")
      #expect(target.database == "shop")
      #expect(target.user == "app")
      #expect(!target.description.contains("sekret123"))
      let uri = ConnectionTarget("postgresql://app:sekret123@db.example:5433/shop")
      #expect(uri.host == "db.example")
      #expect(uri.database == "shop")
      #expect(!uri.description.contains("sekret123"))
    }

    @Test func sessionsUseUTCAndISODates() throws {
      try withTestConnection("connect_settings") { connection throws in
        let row = try connection.query(
          """
          SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS style,
                 current_setting('client_encoding') AS encoding
          """)[0]
        #expect(try row.decode("tz", as: String.self) == "UTC")
        #expect(try row.decode("style", as: String.self).hasPrefix("ISO"))
        #expect(try row.decode("encoding", as: String.self) == "UTF8")
      }
    }

    @Test func executeReportsAffectedRowsAndScriptsRunSeveralStatements() throws {
      try withTestConnection("connect_execute") { connection throws in
        try connection.executeScript(
          "CREATE TABLE items (id int PRIMARY KEY, name text); "
            + "INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c');")
        #expect(try connection.execute("UPDATE items SET name = $1 WHERE id >= $2", ["z", 2]) == 2)
        #expect(try connection.execute("DELETE FROM items WHERE id = $1", [99]) == 0)
        let result = try connection.query("SELECT id FROM items ORDER BY id")
        #expect(try result.map { try $0.decode("id", as: Int.self) } == [1, 2, 3])
      }
    }
  }
}

/// The helper that hands each test its own database.
@Suite struct TestDatabaseConninfo {
  @Test func keyValueConninfoGetsDatabaseAppended() {
    #expect(
      TestDatabase.conninfo(
        "host=/tmp/pg user=postgres dbname=postgres", replacingDatabaseWith: "t_1")
        == "host=/tmp/pg user=postgres dbname=postgres dbname=t_1")
    let target = ConnectionTarget(
      TestDatabase.conninfo("host=/tmp/pg dbname=postgres", replacingDatabaseWith: "t_1"))
    #expect(target.database == "t_1")
  }

  @Test func uriGetsItsPathReplaced() {
    let cases = [
      (
        "postgresql:///postgres?host=%2Ftmp%2Fpg&user=postgres",
        "postgresql:///t_1?host=%2Ftmp%2Fpg&user=postgres"
      ),
      ("postgresql://u:p@h:5432/postgres", "postgresql://u:p@h:5432/t_1"),
      ("postgres://h1,h2:5433/db?sslmode=disable", "postgres://h1,h2:5433/t_1?sslmode=disable"),
      ("postgresql://h", "postgresql://h/t_1"),
      ("postgresql://h?user=x", "postgresql://h/t_1?user=x"),
      ("postgresql://", "postgresql:///t_1"),
    ]
    for (original, expected) in cases {
      let rewritten = TestDatabase.conninfo(original, replacingDatabaseWith: "t_1")
      #expect(rewritten == expected)
      #expect(ConnectionTarget(rewritten).database == "t_1")
    }
  }
}

extension ServerTests {
  @Suite struct TestDatabases {
    @Test func createdDatabasesAreFreshEmptyAndDroppable() throws {
      let first = try TestDatabase.create(prefix: "Fresh-DB.Test")
      let second = try TestDatabase.create(prefix: "Fresh-DB.Test")
      #expect(first.name != second.name)
      #expect(first.name.hasPrefix("freshdbtest_"))
      let connection = try first.connect()
      let row = try connection.query(
        """
        SELECT current_database() AS name,
               (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace) AS n
        """)[0]
      #expect(try row.decode("name", as: String.self) == first.name)
      #expect(try row.decode("n", as: Int.self) == 0)
      // Dropping works while a connection is still open.
      try first.drop()
      try second.drop()
      let admin = try Connection(try TestDatabase.adminConninfo())
      let left = try admin.query(
        "SELECT count(*) AS n FROM pg_database WHERE datname IN ($1, $2)",
        [first.name, second.name])[0]
      #expect(try left.decode("n", as: Int.self) == 0)
    }
  }
}
