public import AlmedalenCore
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
    let local = unixSeconds + offset
    var days = local / 86_400
    var seconds = local % 86_400
    if seconds < 0 {
      seconds += 86_400
      days -= 1
    }
    // Civil date from days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
    self.month = m
    self.day = d
    self.hour = seconds / 3600
    self.minute = seconds / 60 % 60
    self.second = seconds % 60
    // 1970-01-01 was a Thursday (3 when Monday is 0).
    let w = (days + 3) % 7
    self.weekday = w < 0 ? w + 7 : w
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
