import Foundation
import Postgres
import PostgresTesting
import Testing

extension ServerTests {
  @Suite struct Copy {
    /// Row `index` of the big load: every value COPY's text format has to escape.
    func body(_ index: Int) -> String {
      switch index % 5 {
      case 0: "row \(index)\twith tab"
      case 1: "line one\nline two \(index)\r\ncarriage"
      case 2: "back\\slash \\N \\. \\t \(index)"
      case 3: "\\."
      default: "plain ünïcödé 😀 'quoted' \"double\" \(index)"
      }
    }

    func note(_ index: Int) -> String? {
      switch index % 7 {
      case 0: nil
      case 1: ""
      case 2: "\\N"
      default: "note \(index)"
      }
    }

    @Test func copyInLoads100000RowsWithEscapesAndNullsExactly() throws {
      try withTestConnection("copy_big") { connection throws in
        try connection.executeScript(
          "CREATE TABLE lines (id int PRIMARY KEY, body text NOT NULL, note text, at timestamptz)")
        let epoch = Date(timeIntervalSince1970: 1_700_000_000)
        let copied = try connection.copyIn("COPY lines (id, body, note, at) FROM STDIN") { writer in
          for index in 0..<100_000 {
            try writer.append([
              index, body(index), note(index),
              index % 3 == 0 ? nil : epoch.addingTimeInterval(Double(index)),
            ])
          }
        }
        #expect(copied == 100_000)
        let rows = try connection.query("SELECT id, body, note, at FROM lines ORDER BY id")
        try #require(rows.count == 100_000)
        var mismatches: [Int] = []
        for (index, row) in rows.enumerated() {
          let expectedAt = index % 3 == 0 ? nil : epoch.addingTimeInterval(Double(index))
          if try row.decode("id", as: Int.self) != index
            || row.decode("body", as: String.self) != body(index)
            || row.decode("note", as: String?.self) != note(index)
            || row.decode("at", as: Date?.self) != expectedAt
          {
            mismatches.append(index)
          }
        }
        #expect(mismatches.isEmpty, "rows differ, first: \(mismatches.prefix(5))")
        let nulls = try connection.query("SELECT count(*) AS n FROM lines WHERE note IS NULL")[0]
          .decode("n", as: Int.self)
        #expect(nulls == (0..<100_000).filter { $0 % 7 == 0 }.count)
      }
    }

    @Test func copyThatBreaksAConstraintThrowsAndLeavesTheConnectionUsable() throws {
      try withTestConnection("copy_constraint") { connection throws in
        try connection.executeScript("CREATE TABLE ids (id int PRIMARY KEY)")
        let error = try #require(throws: PostgresError.self) {
          try connection.copyIn("COPY ids FROM STDIN") { writer in
            for index in 0..<10_000 { try writer.append([index]) }
            try writer.append([5_000])
          }
        }
        #expect(error.code == .server)
        #expect(error.sqlState == "23505")
        #expect(error.constraint == "ids_pkey")
        #expect(connection.isUsable)
        // COPY is all or nothing, and the connection takes new statements.
        #expect(
          try connection.query("SELECT count(*) AS n FROM ids")[0].decode("n", as: Int.self) == 0)
        #expect(try connection.copyIn("COPY ids FROM STDIN") { try $0.append([1]) } == 1)
      }
    }

    @Test func copyAbortedByTheProducerThrowsItsErrorAndKeepsNothing() throws {
      struct Stop: Error {}
      try withTestConnection("copy_abort") { connection throws in
        try connection.executeScript("CREATE TABLE ids (id int PRIMARY KEY)")
        #expect(throws: Stop.self) {
          try connection.copyIn("COPY ids FROM STDIN") { writer in
            for index in 0..<100_000 { try writer.append([index]) }
            throw Stop()
          }
        }
        #expect(connection.isUsable)
        #expect(
          try connection.query("SELECT count(*) AS n FROM ids")[0].decode("n", as: Int.self) == 0)
      }
    }

    @Test func copyWithMalformedRowsThrowsAServerError() throws {
      try withTestConnection("copy_malformed") { connection throws in
        try connection.executeScript("CREATE TABLE pairs (a int, b int)")
        let error = try #require(throws: PostgresError.self) {
          try connection.copyIn("COPY pairs FROM STDIN") { try $0.append(["not a number", 1]) }
        }
        #expect(error.sqlState == "22P02")
        #expect(try connection.query("SELECT 1 AS one")[0].decode("one", as: Int.self) == 1)
      }
    }
  }
}
