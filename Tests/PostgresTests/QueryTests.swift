import Foundation
import Postgres
import PostgresTesting
import Testing

/// Names a test table the way the store names its tables: by a case, never by runtime text.
private enum Scratch: String, PostgresIdentifier {
  case items
  /// Needs quoting: a space, a capital and a double quote.
  case awkward = "Odd \"table\" name"
}

/// How a query numbers its own placeholders, read without a server.
@Suite struct QueryNumbering {
  @Test func interpolatedValuesBecomeNumberedPlaceholdersInOrder() {
    let query: PostgresQuery = "SELECT \(7) AS a, \("x") AS b WHERE \(true)"
    #expect(query.sql == "SELECT $1 AS a, $2 AS b WHERE $3")
    #expect(query.parameters == ["7", "x", "t"])
  }

  @Test func appendedFragmentIsRenumberedAfterTheQuerysOwnParameters() {
    let condition: PostgresQuery = "id = \(1) OR id = \(2)"
    var query: PostgresQuery = "SELECT \(10) FROM t WHERE "
    query.append(condition)
    query += " LIMIT \(3)"
    #expect(query.sql == "SELECT $1 FROM t WHERE id = $2 OR id = $3 LIMIT $4")
    #expect(query.parameters == ["10", "1", "2", "3"])
    // The fragment itself is unchanged: it still numbers from $1.
    #expect(condition.sql == "id = $1 OR id = $2")
  }

  @Test func fragmentInterpolatedTwiceGetsFreshNumbersEachTime() {
    let fragment: PostgresQuery = "(\(5) * \(2))"
    let query: PostgresQuery = "SELECT \(fragment) + \(fragment)"
    #expect(query.sql == "SELECT ($1 * $2) + ($3 * $4)")
    #expect(query.parameters == ["5", "2", "5", "2"])
  }

  @Test func nilBecomesNullParameterNotText() {
    let missing: String? = nil
    let query: PostgresQuery = "SELECT \(missing), \(Optional("here"))"
    #expect(query.sql == "SELECT $1, $2")
    #expect(query.parameters == [nil, "here"])
  }

  @Test func textThatLooksLikeSQLOrAPlaceholderStaysAParameter() {
    let hostile = "'); DROP TABLE t; -- $1"
    let query: PostgresQuery = "SELECT \(hostile)"
    #expect(query.sql == "SELECT $1")
    #expect(query.parameters == [hostile])
  }

  @Test func identifierIsQuotedAndTakesNoParameter() {
    let query: PostgresQuery = "SELECT * FROM \(Scratch.awkward) WHERE id = \(1)"
    #expect(query.sql == #"SELECT * FROM "Odd ""table"" name" WHERE id = $1"#)
    #expect(query.parameters == ["1"])
  }

  @Test func handWrittenPlaceholderInAQueryIsRefused() async {
    // Debug builds only (an assertion), which is where the tests run.
    await #expect(processExitsWith: .failure) {
      let query: PostgresQuery = "SELECT * FROM t WHERE id = $1"
      _ = query.sql
    }
  }

  @Test func joinedFragmentsAreNumberedAcrossSeparators() {
    let conditions: [PostgresQuery] = ["a = \(1)", "b = \(2)", "c IS NULL", "d = \(3)"]
    let joined = conditions.joined(separator: " AND ")
    #expect(joined.sql == "a = $1 AND b = $2 AND c IS NULL AND d = $3")
    #expect(joined.parameters == ["1", "2", "3"])
    #expect(([] as [PostgresQuery]).joined(separator: " AND ").sql == "")
  }
}

extension ServerTests {
  /// The same queries against the real server: what the numbering promises, PostgreSQL reads.
  @Suite struct Queries {
    @Test func fragmentsComposedWithTheirOwnParametersAnswerAsWritten() throws {
      try withTestConnection("query_compose") { connection throws in
        let sum: PostgresQuery = "\(2)::int + \(3)::int"
        var query: PostgresQuery = "SELECT \(sum) AS sum, \("after")::text AS label"
        query += ", \(sum) * \(10)::int AS twice"
        let row = try connection.query(query)[0]
        #expect(try row.decode("sum", as: Int.self) == 5)
        #expect(try row.decode("label", as: String.self) == "after")
        #expect(try row.decode("twice", as: Int.self) == 32)
      }
    }

    @Test func optionalParametersSendNullOrTheirValue() throws {
      try withTestConnection("query_null") { connection throws in
        let missing: UUID? = nil
        let present: Int? = 42
        let row = try connection.query(
          "SELECT \(missing)::uuid IS NULL AS missing, \(present)::int AS present")[0]
        #expect(try row.decode("missing", as: Bool.self))
        #expect(try row.decode("present", as: Int?.self) == 42)
      }
    }

    @Test func arrayParametersArriveWholeWithAwkwardElements() throws {
      try withTestConnection("query_arrays") { connection throws in
        let words = [
          "plain", "with space", "comma,inside", "\"quoted\"", "back\\slash", "NULL", "",
        ]
        let ids = [UUID(), UUID()]
        let row = try connection.query(
          """
          SELECT \(words)::text[] AS words, cardinality(\(words)::text[]) AS count,
                 \(ids[1]) = ANY (\(ids)::uuid[]) AS found, \([Int]())::int[] AS empty
          """)[0]
        #expect(try row.decode("words", as: [String].self) == words)
        #expect(try row.decode("count", as: Int.self) == words.count)
        #expect(try row.decode("found", as: Bool.self))
        #expect(try row.decode("empty", as: [Int].self) == [])
      }
    }

    @Test func identifiersNameTablesEvenWhenTheyNeedQuoting() throws {
      try withTestConnection("query_identifiers") { connection throws in
        try connection.executeScript(
          #"CREATE TABLE "Odd ""table"" name" (id int PRIMARY KEY, note text)"#)
        try connection.executeScript("CREATE TABLE items (id int PRIMARY KEY, note text)")
        for table in [Scratch.awkward, .items] {
          let inserted = try connection.execute(
            "INSERT INTO \(table) (id, note) VALUES (\(1), \(table.rawValue)), (\(2), NULL)")
          #expect(inserted == 2)
          let notes = try connection.query("SELECT note FROM \(table) ORDER BY id").map {
            try $0.decode("note", as: String?.self)
          }
          #expect(notes == [table.rawValue, nil])
        }
      }
    }

    @Test func hostileTextIsStoredVerbatimAndRunsNothing() throws {
      try withTestConnection("query_hostile") { connection throws in
        try connection.executeScript("CREATE TABLE items (id int PRIMARY KEY, note text)")
        let hostile = "x'); DROP TABLE items; -- $1 \\"
        try connection.execute("INSERT INTO \(Scratch.items) VALUES (\(1), \(hostile))")
        let row = try connection.query("SELECT note FROM \(Scratch.items) WHERE id = \(1)")[0]
        #expect(try row.decode("note", as: String.self) == hostile)
      }
    }

    @Test func joinedConditionsFilterAsTheirConjunction() throws {
      try withTestConnection("query_joined") { connection throws in
        let conditions: [PostgresQuery] = ["n > \(2)", "n % \(2) = 0", "n <> \(6)"]
        let rows = try connection.query(
          """
          SELECT n FROM generate_series(1, 10) n
          WHERE \(conditions.joined(separator: " AND ")) ORDER BY n
          """)
        #expect(try rows.map { try $0.decode("n", as: Int.self) } == [4, 8, 10])
      }
    }
  }
}
