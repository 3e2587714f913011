import Foundation
import Postgres
import Testing

/// `timestamptz` text handling, without a server.
@Suite struct PostgresTimestampTests {
  let tenOClock = Date(timeIntervalSince1970: 1_341_309_600)  // 2012-07-03 10:00:00 UTC

  @Test(arguments: [
    "2012-07-03 10:00:00+00",
    "2012-07-03 10:00:00Z",
    "2012-07-03T10:00:00+00:00",
    "2012-07-03 12:00:00+02",
    "2012-07-03 15:30:00+05:30",
    "2012-07-03 05:00:00-05",
    "2012-07-03 06:30:00-03:30",
    "2012-07-03 09:00:00-01:00:00",
    "2012-07-03 10:53:28+00:53:28",
    "2012-07-02 23:00:00-11",
  ])
  func parsesOffsetsToTheSameInstant(_ text: String) throws {
    let parsed = try #require(PostgresTimestamp.parse(text))
    #expect(parsed == tenOClock)
  }

  @Test func parsesFractionsOfASecond() throws {
    let half = try #require(PostgresTimestamp.parse("2012-07-03 12:00:00.5+02"))
    #expect(half.timeIntervalSince1970 == 1_341_309_600.5)
    let micro = try #require(PostgresTimestamp.parse("2012-07-03 10:00:00.000001+00"))
    #expect(abs(micro.timeIntervalSince1970 - 1_341_309_600.000001) < 1e-7)
    // Digits past microseconds are dropped, as the server would never send them.
    let long = try #require(PostgresTimestamp.parse("2012-07-03 10:00:00.1234569+00"))
    #expect(abs(long.timeIntervalSince1970 - 1_341_309_600.123456) < 1e-7)
  }

  @Test func parsesDatesBefore1970() throws {
    let date = try #require(PostgresTimestamp.parse("1969-12-31 23:59:59.999999+00"))
    // Date counts from 2001, so near 1970 it holds about a tenth of a microsecond.
    #expect(abs(date.timeIntervalSince1970 + 0.000001) < 0.000_000_5)
    let early = try #require(PostgresTimestamp.parse("0001-01-01 00:00:00+00"))
    #expect(early.timeIntervalSince1970 == -62_135_596_800)
  }

  @Test(arguments: [
    "", "2012-07-03", "2012-07-03 10:00:00", "2012-13-03 10:00:00+00", "2012-07-32 10:00:00+00",
    "2012-07-03 24:00:00+00", "2012-07-03 10:60:00+00", "2012-07-03 10:00:00.+00",
    "2012-07-03 10:00:00+0", "2012/07/03 10:00:00+00", "2012-07-03 10:00:00+00 trailing",
    "infinity",
  ])
  func rejectsMalformedText(_ text: String) {
    #expect(PostgresTimestamp.parse(text) == nil)
  }

  @Test func formatsUTCWithMicrosecondsOnlyWhenNeeded() {
    #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01 00:00:00+00")
    #expect(PostgresTimestamp.format(tenOClock) == "2012-07-03 10:00:00+00")
    #expect(
      PostgresTimestamp.format(Date(timeIntervalSince1970: 1_341_309_600.5))
        == "2012-07-03 10:00:00.500000+00")
    #expect(
      PostgresTimestamp.format(Date(timeIntervalSince1970: -0.000001))
        == "1969-12-31 23:59:59.999999+00")
    #expect(
      PostgresTimestamp.format(Date(timeIntervalSince1970: -62_135_596_800))
        == "0001-01-01 00:00:00+00")
  }

  @Test func formatThenParseRoundTripsRandomDates() throws {
    var generator = SeededGenerator(seed: 0xA13E_DA1E)
    let first = -62_135_596_800 * 1_000_000 as Int64  // 0001-01-01
    let last = 253_402_300_799 * 1_000_000 as Int64  // 9999-12-31 23:59:59
    for _ in 0..<20_000 {
      let micros = Int64.random(in: first...last, using: &generator)
      let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
      let text = PostgresTimestamp.format(date)
      let parsed = try #require(PostgresTimestamp.parse(text), "\(text)")
      // A Date far from 2001 cannot hold every microsecond, so allow for its own precision.
      let tolerance = max(0.000_001, date.timeIntervalSinceReferenceDate.ulp * 2)
      #expect(abs(parsed.timeIntervalSince(date)) <= tolerance, "\(text)")
    }
  }

  /// A timestamp read into a Date and sent back is the same instant to the microsecond, so a
  /// row read and written back (or compared with `=`) keeps its exact timestamp.
  @Test func parseThenFormatKeepsEveryMicrosecondFrom1900To2100() throws {
    var generator = SeededGenerator(seed: 2_012)
    let first = PostgresTimestamp.days(fromCivil: 1900, 1, 1) * 86_400_000_000
    let last = PostgresTimestamp.days(fromCivil: 2100, 1, 1) * 86_400_000_000
    for _ in 0..<50_000 {
      let micros = Int64.random(in: first..<last, using: &generator)
      let text = microsecondText(micros: micros)
      let parsed = try #require(PostgresTimestamp.parse(text), "\(text)")
      #expect(PostgresTimestamp.format(parsed) == text)
    }
  }

  /// A UTC timestamp with six fraction digits (as `format` writes it), from whole numbers only.
  func microsecondText(micros: Int64) -> String {
    let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
    let fraction = micros - seconds * 1_000_000
    let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    let secondOfDay = seconds - days * 86_400
    let (year, month, day) = PostgresTimestamp.civil(fromDays: days)
    var text = String(
      format: "%04d-%02d-%02d %02d:%02d:%02d", Int(year), Int(month), Int(day),
      Int(secondOfDay / 3600), Int(secondOfDay / 60 % 60), Int(secondOfDay % 60))
    if fraction != 0 {
      text += String(format: ".%06d", Int(fraction))
    }
    return text + "+00"
  }

  @Test func formatAgreesWithFoundationsGregorianCalendar() {
    // Foundation switches to the Julian calendar before 1582, so compare from 1600 on.
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    var generator = SeededGenerator(seed: 1_970)
    let first = PostgresTimestamp.days(fromCivil: 1600, 1, 1) * 86_400
    let last = PostgresTimestamp.days(fromCivil: 9999, 12, 31) * 86_400
    for _ in 0..<5_000 {
      let seconds = Int64.random(in: first...last, using: &generator)
      let date = Date(timeIntervalSince1970: Double(seconds))
      let parts = calendar.dateComponents(
        [.year, .month, .day, .hour, .minute, .second], from: date)
      let expected = String(
        format: "%04d-%02d-%02d %02d:%02d:%02d+00", parts.year!, parts.month!, parts.day!,
        parts.hour!, parts.minute!, parts.second!)
      #expect(PostgresTimestamp.format(date) == expected)
    }
  }

  @Test func civilDayCountsAreInverse() {
    for days in stride(from: -800_000 as Int64, through: 3_000_000, by: 997) {
      let (year, month, day) = PostgresTimestamp.civil(fromDays: days)
      #expect(PostgresTimestamp.days(fromCivil: year, month, day) == days)
    }
    #expect(PostgresTimestamp.days(fromCivil: 1970, 1, 1) == 0)
    #expect(PostgresTimestamp.days(fromCivil: 2000, 3, 1) == 11_017)
  }
}
