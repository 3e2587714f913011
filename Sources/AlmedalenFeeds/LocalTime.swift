public import AlmedalenCore
import CivilDates
public import Foundation

/// A moment as a clock in Visby shows it (Europe/Stockholm), split into fields without
/// Calendar's cost: feeds format thousands of times per request.
public struct LocalTime: Hashable, Sendable {
  public let year: Int
  public let month: Int
  public let day: Int
  public let hour: Int
  public let minute: Int
  public let second: Int
  /// 0 is Monday … 6 is Sunday.
  public let weekday: Int
  /// Seconds east of UTC in force at that moment (3600 or 7200 in Visby).
  public let offset: Int

  /// The moment in `zone` (the festival's by default); whole seconds, rounded down.
  public init(_ date: Date, in zone: TimeZone = FestivalTime.zone) {
    let offset = zone.secondsFromGMT(for: date)
    self.init(unixSeconds: Int(date.timeIntervalSince1970.rounded(.down)), offset: offset)
  }

  /// UTC fields of the moment (offset 0).
  public init(utc date: Date) {
    self.init(unixSeconds: Int(date.timeIntervalSince1970.rounded(.down)), offset: 0)
  }

  init(unixSeconds: Int, offset: Int) {
    let (date, seconds) = CivilDate.split(secondsSinceEpoch: unixSeconds + offset)
    self.year = date.year
    self.month = date.month
    self.day = date.day
    self.hour = seconds / 3600
    self.minute = seconds / 60 % 60
    self.second = seconds % 60
    self.weekday = date.weekday
    self.offset = offset
  }

  /// `14:00`.
  public var clock: String { Self.two(hour) + ":" + Self.two(minute) }

  /// `2012-07-03`.
  public var isoDate: String {
    String(year) + "-" + Self.two(month) + "-" + Self.two(day)
  }

  static func two(_ value: Int) -> String { value < 10 ? "0" + String(value) : String(value) }

  /// Swedish names, for text people read.
  public static let swedishWeekdays = [
    "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag",
  ]
  public static let swedishMonths = [
    "januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
    "oktober", "november", "december",
  ]

  /// `tisdag 3 juli`.
  public var swedishDay: String {
    Self.swedishWeekdays[weekday] + " " + String(day) + " " + Self.swedishMonths[month - 1]
  }
}
