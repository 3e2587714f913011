import AlmedalenCore
import AlmedalenTesting
import Foundation
import Postgres
import PostgresTesting
import Testing

@testable import AlmedalenStore

/// Each rule that both Swift and the schema check says the same in both places (issue 19,
/// findings 9 and 10): URL schemes are case-insensitive, lengths count Unicode scalars as
/// PostgreSQL's length() does, and a violation that reaches a client names the field.
@Suite struct OneRuleTests {
  /// 150 letters with a combining acute: 150 Characters but 300 code points.
  static let combined = String(repeating: "e\u{301}", count: 150)
  /// 100 of them: 200 code points, just within a name's limit.
  static let combinedShort = String(repeating: "e\u{301}", count: 100)

  /// Whether the database accepts an organiser row with these values.
  static func databaseAccepts(
    _ fixture: StoreFixture, name: String, email: String?, website: String?
  ) throws -> Bool {
    do {
      try fixture.database.connect().execute(
        "INSERT INTO organisers (name, contact_email, website) VALUES ($1, $2, $3)",
        [name, email, website])
      return true
    } catch let error as PostgresError where error.isCheckViolation {
      return false
    }
  }

  @Test func swiftAndTheSchemaAgreeOnOrganisers() throws {
    let fixture = try StoreFixture(prefix: "one_rule")
    defer { fixture.close() }
    let cases: [(name: String, email: String?, website: String?)] = [
      ("Föreningen", nil, "https://example.se"),
      ("Föreningen", nil, "HTTPS://example.se"),
      ("Föreningen", nil, "Http://example.se/x"),
      ("Föreningen", nil, "ftp://example.se"),
      ("Föreningen", nil, "https:/example.se"),
      (Self.combined, nil, nil),
      (Self.combinedShort, nil, nil),
      ("Föreningen", "info@exempel.\u{301}se", nil),
      ("Föreningen", "info@\u{301}exempel.se", nil),
      ("Föreningen", "info@exempel.se", "https://exempel.se/" + Self.combined + Self.combined),
      (
        "Föreningen", nil,
        "https://exempel.se/" + String(repeating: "a\u{301}", count: 991)
      ),
    ]
    for (name, email, website) in cases {
      let organiser = Organiser(name: name, contactEmail: email, website: website)
      let swift = (try? organiser.validate()) != nil
      let database = try Self.databaseAccepts(
        fixture, name: name, email: email, website: website)
      #expect(
        swift == database,
        "\(name.prefix(12).debugDescription) \(email.debugDescription) \(website.map { String($0.prefix(30)) }.debugDescription): Swift \(swift), PostgreSQL \(database)"
      )
    }
    // The ones that matter, spelt out.
    #expect((try? Organiser(name: "F", website: "HTTPS://example.se").validate()) != nil)
    #expect((try? Organiser(name: Self.combined).validate()) == nil)
    #expect((try? Organiser(name: "F", contactEmail: "info@exempel.\u{301}se").validate()) != nil)
  }

  @Test func lengthsCountUnicodeScalars() throws {
    var validator = Validator()
    validator.requireLine(Self.combined, "name", maxLength: 200)
    #expect(validator.problems.map(\.field) == ["name"])
    validator = Validator()
    validator.requireLine(Self.combinedShort, "name", maxLength: 200)
    #expect(validator.problems.isEmpty)
    validator = Validator()
    validator.paragraph(String(repeating: "o\u{308}", count: 1001), "description", maxLength: 2000)
    #expect(validator.problems.map(\.field) == ["description"])
    var event = EventDetails(
      title: "x", startsAt: Date(timeIntervalSince1970: 0),
      endsAt: Date(timeIntervalSince1970: 3600), organiserID: UUID())
    event.topics = [String(repeating: "a\u{30A}", count: 60)]
    #expect(throws: ValidationError.self) { try event.validate() }
  }

  /// A database check that reaches the store comes out as a problem with the field's wire
  /// name and words, never the constraint's name.
  @Test func violationsNameTheFieldNeverTheConstraint() throws {
    let fixture = try StoreFixture(prefix: "one_rule_fields")
    defer { fixture.close() }
    let event = try fixture.store.events.create(fixture.details(title: "Fältet"))
    let cases: [(sql: String, field: String)] = [
      ("INSERT INTO organisers (name, website) VALUES ('x', 'ftp://x.se')", "website"),
      ("INSERT INTO organisers (name, contact_email) VALUES ('x', 'nobody')", "contact_email"),
      ("INSERT INTO people (name) VALUES ('')", "name"),
      ("INSERT INTO venues (name, latitude) VALUES ('x', 12)", "latitude"),
      ("INSERT INTO venues (name, capacity) VALUES ('x', -1)", "capacity"),
      (
        "UPDATE events SET ends_at = starts_at - interval '1 hour' WHERE id = '\(event.id)'",
        "ends_at"
      ),
      ("UPDATE events SET livestream_url = 'rtmp://x' WHERE id = '\(event.id)'", "livestream_url"),
      (
        "INSERT INTO editions (year, name, first_day, last_day) VALUES (2030, 'x', '2030-07-02', '2030-07-01')",
        "last_day"
      ),
    ]
    for (sql, field) in cases {
      do {
        try fixture.store.pool.withTransaction { try $0.executeScript(sql) }
        Issue.record("\(sql): the database accepted it")
      } catch let error as PostgresError {
        let constraint = error.constraint ?? "?"
        guard case .invalid(let validation) = StoreError.translate(error) as? StoreError else {
          Issue.record("\(sql): \(error) was not translated")
          continue
        }
        #expect(validation.problems.map(\.field) == [field], "\(sql)")
        for problem in validation.problems {
          #expect(!problem.message.contains(constraint), "\(sql): \(problem.message)")
          #expect(!problem.field.contains("_check"), "\(sql): \(problem.field)")
        }
      }
    }
  }
}
