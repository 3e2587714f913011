import CivilDates
public import Foundation

/// Formats and parses `timestamptz` text in UTC without Foundation's formatters, which are
/// slow and locale-sensitive.
public enum PostgresTimestamp {
  /// `2012-07-03 10:00:00.123456+00`.
  public static func format(_ date: Date) -> String {
    let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
    var seconds = Int64((micros / 1_000_000).rounded(.down))
    var fraction = Int64(micros) - seconds * 1_000_000
    if fraction < 0 {
      fraction += 1_000_000
      seconds -= 1
    }
    let (civil, second) = CivilDate.split(secondsSinceEpoch: Int(seconds))
    let (year, month, day) = (Int64(civil.year), Int64(civil.month), Int64(civil.day))
    let secondOfDay = Int64(second)
    // PostgreSQL has no year 0: proleptic year 0 is 1 BC, -1 is 2 BC.
    var text = "\(pad(year > 0 ? year : 1 - year, 4))-\(pad(month, 2))-\(pad(day, 2)) "
    text +=
      "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
    if fraction != 0 { text += ".\(pad(fraction, 6))" }
    return text + (year > 0 ? "+00" : "+00 BC")
  }

  /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM[:SS]]` (also with `T` or `Z`).
  public static func parse(_ text: String) -> Date? {
    let b = Array(text.utf8)
    var i = 0
    func number(_ count: Int) -> Int64? {
      guard i + count <= b.count else { return nil }
      var value: Int64 = 0
      for k in i..<(i + count) {
        guard b[k] >= 48, b[k] <= 57 else { return nil }
        value = value * 10 + Int64(b[k] - 48)
      }
      i += count
      return value
    }
    func expect(_ c: UInt8) -> Bool {
      guard i < b.count, b[i] == c else { return false }
      i += 1
      return true
    }
    guard let year = number(4), expect(45), let month = number(2), expect(45),
      let day = number(2)
    else { return nil }
    guard i < b.count, b[i] == 32 || b[i] == 84 else { return nil }
    i += 1
    guard let hour = number(2), expect(58), let minute = number(2), expect(58),
      let second = number(2)
    else { return nil }
    var micros: Int64 = 0
    if expect(46) {
      var digits = 0
      while i < b.count, b[i] >= 48, b[i] <= 57 {
        if digits < 6 {
          micros = micros * 10 + Int64(b[i] - 48)
          digits += 1
        }
        i += 1
      }
      guard digits > 0 else { return nil }
      for _ in digits..<6 { micros *= 10 }
    }
    var offset: Int64 = 0
    if expect(90) {
      offset = 0
    } else if i < b.count, b[i] == 43 || b[i] == 45 {
      let sign: Int64 = b[i] == 45 ? -1 : 1
      i += 1
      guard let hours = number(2) else { return nil }
      var total = hours * 3600
      if expect(58) {
        guard let minutes = number(2) else { return nil }
        total += minutes * 60
        if expect(58) {
          guard let seconds = number(2) else { return nil }
          total += seconds
        }
      }
      offset = sign * total
    } else {
      return nil
    }
    guard i == b.count, (1...12).contains(month), (1...31).contains(day), hour < 24,
      minute < 60, second < 61
    else { return nil }
    let days = days(fromCivil: year, month, day)
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
    return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
  }

  /// Days since 1970-01-01 for a proleptic Gregorian date.
  public static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
    Int64(CivilDate(year: Int(year), month: Int(month), day: Int(day)).daysSinceEpoch)
  }

  /// The proleptic Gregorian date of a day count since 1970-01-01.
  public static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let date = CivilDate(daysSinceEpoch: Int(days))
    return (Int64(date.year), Int64(date.month), Int64(date.day))
  }

  static func pad(_ value: Int64, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width
      ? digits : String(repeating: "0", count: width - digits.count) + digits
  }
}
