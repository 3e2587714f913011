import Foundation
import Postgres
import PostgresTesting
import Testing

extension ServerTests {
  /// Integrity errors carry what callers need to turn them into domain errors: SQLSTATE,
  /// message, detail and the constraint's name.
  @Suite struct ServerErrors {
    let schema = """
      CREATE EXTENSION btree_gist;
      CREATE TABLE parents (id int PRIMARY KEY);
      CREATE TABLE children (
        id int PRIMARY KEY,
        parent_id int NOT NULL CONSTRAINT children_parent_fk REFERENCES parents (id),
        quantity int NOT NULL CONSTRAINT children_quantity_positive CHECK (quantity > 0),
        email text CONSTRAINT children_email_key UNIQUE
      );
      CREATE TABLE bookings (
        room int NOT NULL,
        during tstzrange NOT NULL,
        CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)
      );
      INSERT INTO parents VALUES (1);
      INSERT INTO children VALUES (1, 1, 1, 'taken@example.org');
      INSERT INTO bookings VALUES (7, tstzrange('2024-07-01 10:00+00', '2024-07-01 12:00+00'));
      """

    func withSchema(_ prefix: String, _ body: (Connection) throws -> Void) throws {
      try withTestConnection(prefix) { connection throws in
        try connection.executeScript(schema)
        try body(connection)
      }
    }

    @Test func uniqueViolationCarriesSQLStateDetailAndConstraint() throws {
      try withSchema("errors_unique") { connection throws in
        let error = try #require(throws: PostgresError.self) {
          try connection.execute(
            "INSERT INTO children VALUES ($1, $2, $3, $4)", [2, 1, 1, "taken@example.org"])
        }
        #expect(error.code == .server)
        #expect(error.sqlState == "23505")
        #expect(error.isUniqueViolation)
        #expect(error.constraint == "children_email_key")
        #expect(error.table == "children")
        #expect(error.message.contains("children_email_key"))
        #expect(error.detail?.contains("(email)=(taken@example.org)") == true)
        #expect(error.description.contains("23505"))
        #expect(error.debugDescription.contains("children_email_key"))
        #expect(!error.isTransient && !error.isConnectionProblem)
        // The primary key is a unique constraint too.
        let key = try #require(throws: PostgresError.self) {
          try connection.execute("INSERT INTO children VALUES (1, 1, 1, NULL)")
        }
        #expect(key.isUniqueViolation && key.constraint == "children_pkey")
      }
    }

    @Test func checkViolationNamesTheConstraint() throws {
      try withSchema("errors_check") { connection throws in
        let error = try #require(throws: PostgresError.self) {
          try connection.execute("INSERT INTO children VALUES (3, 1, $1, NULL)", [-5])
        }
        #expect(error.sqlState == "23514")
        #expect(error.isCheckViolation)
        #expect(error.constraint == "children_quantity_positive")
        #expect(error.table == "children")
        #expect(error.detail != nil)
      }
    }

    @Test func foreignKeyViolationNamesTheConstraintAndTheMissingKey() throws {
      try withSchema("errors_fk") { connection throws in
        let error = try #require(throws: PostgresError.self) {
          try connection.execute("INSERT INTO children VALUES (4, $1, 1, NULL)", [999])
        }
        #expect(error.sqlState == "23503")
        #expect(error.isForeignKeyViolation)
        #expect(error.constraint == "children_parent_fk")
        #expect(error.detail?.contains("(parent_id)=(999)") == true)
        // Deleting a referenced row is refused the same way.
        let delete = try #require(throws: PostgresError.self) {
          try connection.execute("DELETE FROM parents WHERE id = 1")
        }
        #expect(delete.isForeignKeyViolation && delete.constraint == "children_parent_fk")
      }
    }

    @Test func exclusionViolationNamesTheConstraint() throws {
      try withSchema("errors_exclusion") { connection throws in
        let error = try #require(throws: PostgresError.self) {
          try connection.execute(
            "INSERT INTO bookings VALUES ($1, tstzrange($2, $3))",
            [7, "2024-07-01 11:00+00", "2024-07-01 13:00+00"])
        }
        #expect(error.sqlState == "23P01")
        #expect(error.isExclusionViolation)
        #expect(error.constraint == "bookings_no_overlap")
        #expect(error.detail?.contains("conflicts with existing key") == true)
        // Another room, or the next slot, is fine.
        try connection.execute(
          "INSERT INTO bookings VALUES ($1, tstzrange($2, $3))",
          [8, "2024-07-01 11:00+00", "2024-07-01 13:00+00"])
        try connection.execute(
          "INSERT INTO bookings VALUES ($1, tstzrange($2, $3))",
          [7, "2024-07-01 12:00+00", "2024-07-01 13:00+00"])
      }
    }

    @Test func syntaxErrorsCarrySQLStateAndLeaveTheConnectionUsable() throws {
      try withTestConnection("errors_syntax") { connection throws in
        let error = try #require(throws: PostgresError.self) {
          try connection.query("SELEC 1")
        }
        #expect(error.sqlState == "42601")
        #expect(error.code == .server)
        #expect(connection.isUsable)
        #expect(try connection.query("SELECT 2 AS two")[0].decode("two", as: Int.self) == 2)
      }
    }
  }
}
