import Foundation
import Testing

/// Times before the Gregorian calendar once reached PostgreSQL as year 0 and came back 500.
@Suite struct AncientTimeTests {
  @Test func aTimeInYearOneIsAnInputProblemNotAServerError() throws {
    try withAPIFixture("api_ancient") { fixture in
      let reply = try fixture.client(fixture.admin).post(
        "/api/v1/events",
        eventBody(
          "Forntid", ["starts_at": "0001-01-01T01:13:00Z", "ends_at": "2000-01-01T10:00:00+07:17"]))
      expectProblem(reply, 422)
      #expect(reply.errorFields.contains("starts_at"), "\(reply)")
    }
  }
}
