import AlmedalenCore
import Foundation
import Testing

@Suite struct RFC3339Tests {
  @Test(arguments: [
    ("2026-06-23T12:00:00+02:00", 1_782_208_800.0),
    ("2026-06-23T10:00:00Z", 1_782_208_800.0),
    ("2026-06-23t10:00:00z", 1_782_208_800.0),
    ("2026-06-23T10:00:00.250Z", 1_782_208_800.25),
    ("2026-06-23T05:30:00-04:30", 1_782_208_800.0),
  ])
  func readsTimesWithAnyOffset(_ text: String, _ seconds: Double) {
    #expect(RFC3339.parse(text)?.timeIntervalSince1970 == seconds)
  }

  @Test(arguments: [
    "2026-06-23T12:00:00", "2026-06-23 12:00:00+02:00", "2026-06-23T12:00:00+0200",
    "2026-06-23T24:00:00Z", "2026-02-30T12:00:00Z", "0001-01-01T01:13:00Z",
    "1582-10-10T12:00:00Z", "2026-06-23T12:00:00+02:00 ", "", "2026-06-23T12:00Z",
  ])
  func refusesAnythingElse(_ text: String) {
    #expect(RFC3339.parse(text) == nil)
  }

  @Test func writesVisbyLocalTimeWithItsOffset() {
    #expect(
      RFC3339.format(Date(timeIntervalSince1970: 1_782_208_800)) == "2026-06-23T12:00:00+02:00")
    #expect(
      RFC3339.format(Date(timeIntervalSince1970: 1_768_474_800)) == "2026-01-15T12:00:00+01:00")
  }
}
