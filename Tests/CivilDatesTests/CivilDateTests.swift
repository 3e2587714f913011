import CivilDates
import Testing

/// Day counts from literal values worked out by hand or read off PostgreSQL
/// (`SELECT date 'Y-M-D' - date '1970-01-01'`), never from Foundation.
@Suite struct CivilDateTests {
  @Test(arguments: [
    (1970, 1, 1, 0), (1970, 1, 2, 1), (1969, 12, 31, -1), (1970, 3, 1, 59),
    (2000, 2, 29, 11_016), (2000, 3, 1, 11_017), (2012, 7, 3, 15_524), (2026, 6, 23, 20_627),
    (1900, 3, 1, -25_508), (1600, 2, 29, -135_081), (1, 1, 1, -719_162),
    (0, 2, 29, -719_469), (-1, 12, 31, -719_529), (9999, 12, 31, 2_932_896),
  ])
  func daysSinceEpochBothWays(_ year: Int, _ month: Int, _ day: Int, _ days: Int) {
    let date = CivilDate(year: year, month: month, day: day)
    #expect(date.daysSinceEpoch == days)
    #expect(CivilDate(daysSinceEpoch: days) == date)
  }

  @Test func everyDayOfFourCenturiesRoundTripsAndFollowsTheDayBefore() {
    var previous = CivilDate(daysSinceEpoch: -146_098)
    for days in -146_097...146_097 {
      let date = CivilDate(daysSinceEpoch: days)
      #expect(date.isValid)
      #expect(date.daysSinceEpoch == days)
      #expect(previous < date)
      let next = previous.day < CivilDate.daysIn(month: previous.month, year: previous.year)
      if next {
        #expect(date.year == previous.year && date.month == previous.month)
        #expect(date.day == previous.day + 1)
      } else {
        #expect(date.day == 1)
      }
      previous = date
    }
  }

  @Test(arguments: [
    (1970, 1, 1, 3), (2026, 6, 23, 1), (2012, 7, 3, 1), (2000, 2, 29, 1), (1969, 12, 28, 6),
    (1, 1, 1, 0), (0, 1, 1, 5), (-400, 1, 1, 5),
  ])
  func weekdayCountsFromMonday(_ year: Int, _ month: Int, _ day: Int, _ weekday: Int) {
    #expect(CivilDate(year: year, month: month, day: day).weekday == weekday)
  }

  @Test func leapYearsFollowTheGregorianRule() {
    #expect(CivilDate.isLeapYear(2024) && CivilDate.isLeapYear(2000) && CivilDate.isLeapYear(0))
    #expect(CivilDate.isLeapYear(-4) && CivilDate.isLeapYear(1600))
    #expect(
      !CivilDate.isLeapYear(1900) && !CivilDate.isLeapYear(2100) && !CivilDate.isLeapYear(2026))
    #expect(!CivilDate.isLeapYear(-1))
    #expect(
      CivilDate.daysIn(month: 2, year: 2024) == 29 && CivilDate.daysIn(month: 2, year: 1900) == 28)
    #expect(
      CivilDate.daysIn(month: 4, year: 2026) == 30 && CivilDate.daysIn(month: 12, year: 2026) == 31)
  }

  @Test func validityRefusesDaysNoCalendarHas() {
    #expect(CivilDate(year: 2024, month: 2, day: 29).isValid)
    #expect(!CivilDate(year: 2026, month: 2, day: 29).isValid)
    #expect(!CivilDate(year: 2026, month: 4, day: 31).isValid)
    #expect(!CivilDate(year: 2026, month: 13, day: 1).isValid)
    #expect(!CivilDate(year: 2026, month: 0, day: 1).isValid)
    #expect(!CivilDate(year: 2026, month: 1, day: 0).isValid)
  }

  @Test func addingCrossesMonthsYearsAndLeapDays() {
    let june28 = CivilDate(year: 2026, month: 6, day: 28)
    #expect(june28.adding(days: 4) == CivilDate(year: 2026, month: 7, day: 2))
    #expect(
      CivilDate(year: 2023, month: 12, day: 31).adding(days: 60)
        == CivilDate(year: 2024, month: 2, day: 29))
    #expect(june28.adding(days: -365) == CivilDate(year: 2025, month: 6, day: 28))
  }

  @Test func splittingSecondsRoundsTowardsThePast() {
    #expect(CivilDate.split(secondsSinceEpoch: 0) == (CivilDate(year: 1970, month: 1, day: 1), 0))
    let beforeEpoch = CivilDate.split(secondsSinceEpoch: -1)
    #expect(beforeEpoch.date == CivilDate(year: 1969, month: 12, day: 31))
    #expect(beforeEpoch.secondOfDay == 86_399)
    // 2012-07-03T10:00:00Z.
    let tenOClock = CivilDate.split(secondsSinceEpoch: 1_341_309_600)
    #expect(tenOClock.date == CivilDate(year: 2012, month: 7, day: 3))
    #expect(tenOClock.secondOfDay == 36_000)
  }

  @Test func floorDivisionRoundsDown() {
    #expect(CivilDate.floorDivide(7, 2) == 3)
    #expect(CivilDate.floorDivide(-7, 2) == -4)
    #expect(CivilDate.floorDivide(-8, 2) == -4)
    #expect(CivilDate.floorDivide(0, 5) == 0)
  }
}
