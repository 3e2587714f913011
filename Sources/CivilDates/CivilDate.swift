/// A day of the proleptic Gregorian calendar, counted from 1970-01-01, with no zone and no
/// Foundation: PostgreSQL's `date` and ISO 8601's calendar, which never switch to Julian.
///
/// Foundation's `Calendar(identifier: .gregorian)` is Julian before October 1582 and costs a
/// lock and an allocation per call; writers that format thousands of times per response,
/// and a database driver that must agree with PostgreSQL on every day, use this instead.
/// The arithmetic is Howard Hinnant's `days_from_civil` / `civil_from_days`, exact for every
/// year an `Int` holds a day count of.
package struct CivilDate: Hashable, Comparable, Sendable {
  package var year: Int
  /// 1 is January.
  package var month: Int
  package var day: Int

  /// The fields as given; `isValid` says whether they name a real day.
  package init(year: Int, month: Int, day: Int) {
    self.year = year
    self.month = month
    self.day = day
  }

  /// The day `days` days after 1970-01-01 (before it when negative).
  package init(daysSinceEpoch days: Int) {
    // Eras of 400 years (146,097 days) starting on 1 March, so that leap days fall last.
    let shifted = days + 719_468
    let era = Self.floorDivide(shifted, 146_097)
    let dayOfEra = shifted - era * 146_097
    let yearOfEra =
      (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let marchMonth = (5 * dayOfYear + 2) / 153
    day = dayOfYear - (153 * marchMonth + 2) / 5 + 1
    month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9
    year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  }

  /// Days from 1970-01-01 to this day (negative before it). Out-of-range months and days are
  /// not normalised; check `isValid` first where they can occur.
  package var daysSinceEpoch: Int {
    let marchYear = month <= 2 ? year - 1 : year
    let era = Self.floorDivide(marchYear, 400)
    let yearOfEra = marchYear - era * 400
    let marchMonth = month > 2 ? month - 3 : month + 9
    let dayOfYear = (153 * marchMonth + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  /// 0 is Monday … 6 is Sunday (1970-01-01 was a Thursday).
  package var weekday: Int { Self.weekday(daysSinceEpoch: daysSinceEpoch) }

  package static func weekday(daysSinceEpoch days: Int) -> Int {
    let weekday = (days + 3) % 7
    return weekday < 0 ? weekday + 7 : weekday
  }

  /// The day `count` days later (earlier when negative).
  package func adding(days count: Int) -> CivilDate {
    CivilDate(daysSinceEpoch: daysSinceEpoch + count)
  }

  /// Whether month and day name a day of that year.
  package var isValid: Bool {
    (1...12).contains(month) && day >= 1 && day <= Self.daysIn(month: month, year: year)
  }

  package static func isLeapYear(_ year: Int) -> Bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
  }

  /// Days in `month` (1–12) of `year`.
  package static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: isLeapYear(year) ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }

  /// The day and the second of that day (0..<86,400) of a count of seconds since
  /// 1970-01-01T00:00 on the same clock (UTC, or a local clock with its offset added).
  package static func split(secondsSinceEpoch seconds: Int) -> (
    date: CivilDate, secondOfDay: Int
  ) {
    let days = floorDivide(seconds, 86_400)
    return (CivilDate(daysSinceEpoch: days), seconds - days * 86_400)
  }

  package static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
    (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
  }

  /// Division rounding towards negative infinity, which day counts before 1970 need.
  package static func floorDivide(_ a: Int, _ b: Int) -> Int {
    let quotient = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
  }
}
