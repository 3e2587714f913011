import AlmedalenAPI
import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Testing

/// The API's side of "one rule, one place" (issue 19, findings 9 and 10).
@Suite struct OneRuleAPITests {
  @Test func upperCaseSchemesAreAcceptedOnBothSides() throws {
    try withAPIFixture("one_rule_api") { fixture in
      let admin = fixture.client(fixture.admin)
      let organiser = try admin.post(
        "/api/v1/organisers", ["name": "Versaler", "website": "HTTPS://example.se"])
      #expect(organiser.status == 201, "\(organiser)")
      #expect(organiser.json["website"] as? String == "HTTPS://example.se")
      let event = try admin.post(
        "/api/v1/events",
        eventBody(
          "Sänds med versaler", organiser: fixture.organiser.id,
          ["livestream_url": "HTTP://play.example.se/live"]))
      #expect(event.status == 201, "\(event)")
      let patched = try admin.patch(
        "/api/v1/events/\(event.id)", ["livestream_url": "Https://play.example.se/2"],
        ifMatch: event.header("ETag"))
      #expect(patched.status == 200, "\(patched)")
    }
  }

  @Test func lengthsAndAddressesAreCheckedOnUnicodeScalars() throws {
    try withAPIFixture("one_rule_len") { fixture in
      let admin = fixture.client(fixture.admin)
      // 150 Characters, 300 code points: over a name's 200, as the schema counts.
      let long = String(repeating: "e\u{301}", count: 150)
      let person = try admin.post("/api/v1/people", ["name": long])
      expectProblem(person, 422)
      #expect(person.errorFields == ["name"], "\(person)")
      #expect(!person.text.contains("_check"), "\(person)")
      // A combining mark after the dot is still an address.
      let organiser = try admin.post(
        "/api/v1/organisers", ["name": "Accent", "contact_email": "info@exempel.\u{301}se"])
      #expect(organiser.status == 201, "\(organiser)")
    }
  }
}
