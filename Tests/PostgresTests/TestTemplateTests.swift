import Foundation
import Postgres
import PostgresTesting
import Testing

extension ServerTests {
  @Suite struct TestTemplates {
    /// A template name no other test uses.
    func uniqueTemplateName() -> String {
      "tpl_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    func dropTemplate(_ name: String) throws {
      let admin = try Connection(try TestDatabase.adminConninfo())
      let quoted = Connection.quoteIdentifier(name)
      try admin.executeScript("ALTER DATABASE \(quoted) WITH IS_TEMPLATE false")
      try admin.executeScript("DROP DATABASE IF EXISTS \(quoted) WITH (FORCE)")
    }

    @Test func copiesHoldWhatThePreparationMadeWhichRunsOnce() throws {
      let name = uniqueTemplateName()
      defer { try? dropTemplate(name) }
      let runs = Locked(0)
      let template = TestTemplate(name: name) { conninfo in
        runs.withLock { $0 += 1 }
        try Connection(conninfo).executeScript(
          "CREATE TABLE greetings (word text); INSERT INTO greetings VALUES ('hej')")
      }
      let copies = try concurrently(4) { _ in
        Result { try TestDatabase.create(prefix: "copy", template: template) }
      }.map { try $0.get() }
      defer { for copy in copies { try? copy.drop() } }
      #expect(runs.current == 1)
      #expect(Set(copies.map(\.name)).count == 4)
      for copy in copies {
        let word: String = try copy.connect().query("SELECT word FROM greetings")[0].decode("word")
        #expect(word == "hej")
      }
      // A copy is a copy: changing it leaves the template and the other copies alone.
      try copies[0].connect().executeScript("DELETE FROM greetings")
      let later = try TestDatabase.create(prefix: "copy", template: template)
      defer { try? later.drop() }
      #expect(try later.connect().query("SELECT word FROM greetings").count == 1)
      #expect(try copies[1].connect().query("SELECT word FROM greetings").count == 1)
    }

    @Test func anotherProcessFindsTheFinishedTemplateInsteadOfBuildingIt() throws {
      let name = uniqueTemplateName()
      defer { try? dropTemplate(name) }
      let first = TestTemplate(name: name) { conninfo in
        try Connection(conninfo).executeScript("CREATE TABLE marker (id int)")
      }
      try first.ensure()
      // A second instance stands for another test process: it must not prepare again.
      let second = TestTemplate(name: name) { _ in
        throw TestDatabaseError("prepared twice")
      }
      let copy = try TestDatabase.create(prefix: "copy", template: second)
      defer { try? copy.drop() }
      #expect(try copy.connect().query("SELECT * FROM marker").isEmpty)
    }

    @Test func aFailedPreparationLeavesNoTemplateAndIsRetried() throws {
      let name = uniqueTemplateName()
      defer { try? dropTemplate(name) }
      let failing = TestTemplate(name: name) { conninfo in
        try Connection(conninfo).executeScript("CREATE TABLE half (id int)")
        throw TestDatabaseError("migration failed")
      }
      #expect(throws: TestDatabaseError.self) { try failing.ensure() }
      let admin = try Connection(try TestDatabase.adminConninfo())
      #expect(try admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).isEmpty)
      let working = TestTemplate(name: name) { conninfo in
        try Connection(conninfo).executeScript("CREATE TABLE whole (id int)")
      }
      let copy = try TestDatabase.create(prefix: "copy", template: working)
      defer { try? copy.drop() }
      #expect(try copy.connect().query("SELECT * FROM whole").isEmpty)
      #expect(throws: PostgresError.self) { try copy.connect().query("SELECT * FROM half") }
    }
  }
}
