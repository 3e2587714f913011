import CivilDates
public import Foundation

/// Local time in Visby. The festival's zone is Europe/Stockholm; every "day" of the
/// programme is a day there, whatever zone the caller is in.
public enum FestivalTime {
  public static let zoneIdentifier = "Europe/Stockholm"
  public static let zone = TimeZone(identifier: zoneIdentifier)!

  /// Only for turning a wall-clock time into an instant, where daylight saving's gaps and
  /// repeats need the zone's rules; the days themselves are counted by `CivilDate`.
  public static let calendar: Calendar = {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    calendar.locale = Locale(identifier: "sv_SE")
    return calendar
  }()

  /// The local day an instant falls on in Visby.
  public static func day(of date: Date) -> LocalDay {
    let day = local(date).date
    return LocalDay(year: day.year, month: day.month, day: day.day)!
  }

  /// The instant of a local wall-clock time in Visby. Times skipped by daylight saving are
  /// moved forward, as Foundation does.
  public static func date(_ day: LocalDay, hour: Int, minute: Int = 0) -> Date {
    calendar.date(
      from: DateComponents(
        year: day.year, month: day.month, day: day.day, hour: hour, minute: minute))!
  }

  /// Midnight at the start of a local day, as an instant.
  public static func startOfDay(_ day: LocalDay) -> Date { date(day, hour: 0) }

  /// `HH:MM` in Visby.
  public static func clock(_ date: Date) -> String {
    let second = local(date).secondOfDay
    let hour = second / 3600
    let minute = second / 60 % 60
    return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
  }

  /// The civil day and second of the day on Visby's clock; whole seconds, rounded down.
  static func local(_ date: Date) -> (date: CivilDate, secondOfDay: Int) {
    let seconds = Int(date.timeIntervalSince1970.rounded(.down))
    return CivilDate.split(secondsSinceEpoch: seconds + zone.secondsFromGMT(for: date))
  }
}
