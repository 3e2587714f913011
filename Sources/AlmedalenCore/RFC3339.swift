import CivilDates
public import Foundation

/// RFC 3339 times on the wire: read with any offset, written in Visby's local time with its
/// offset (`2026-06-23T12:00:00+02:00`), as API.md promises.
public enum RFC3339 {
  /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` from 1583 on; nil for anything else,
  /// including a missing offset (a floating time would be read in whatever zone the server
  /// runs in).
  public static func parse(_ text: String) -> Date? {
    let b = Array(text.utf8)
    guard b.count >= 20, b.count <= 40 else { return nil }
    var i = 0
    func number(_ count: Int) -> Int? {
      guard i + count <= b.count else { return nil }
      var value = 0
      for k in i..<(i + count) {
        guard b[k] >= 48, b[k] <= 57 else { return nil }
        value = value * 10 + Int(b[k] - 48)
      }
      i += count
      return value
    }
    func expect(_ characters: String) -> Bool {
      guard i < b.count, characters.utf8.contains(b[i]) else { return false }
      i += 1
      return true
    }
    guard let year = number(4), expect("-"), let month = number(2), expect("-"),
      let day = number(2), expect("Tt"), let hour = number(2), expect(":"),
      let minute = number(2), expect(":"), let second = number(2)
    else { return nil }
    var fraction = 0.0
    if expect(".") {
      var scale = 0.1
      var digits = 0
      while i < b.count, b[i] >= 48, b[i] <= 57 {
        fraction += Double(b[i] - 48) * scale
        scale /= 10
        digits += 1
        i += 1
      }
      guard digits > 0, digits <= 9 else { return nil }
    }
    var offset = 0
    if expect("Zz") {
      offset = 0
    } else {
      guard i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") else {
        return nil
      }
      let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
      i += 1
      guard let hours = number(2), expect(":"), let minutes = number(2), hours < 24, minutes < 60
      else { return nil }
      offset = sign * (hours * 3600 + minutes * 60)
    }
    // Before 1583 Foundation's calendar is Julian while PostgreSQL's is Gregorian; no
    // festival event lies there, so such times are refused rather than shifted.
    guard i == b.count, year >= 1583, let valid = LocalDay(year: year, month: month, day: day),
      hour < 24,
      minute < 60, second < 60
    else { return nil }
    let seconds = valid.civil.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second
    return Date(timeIntervalSince1970: Double(seconds)).addingTimeInterval(
      fraction - Double(offset))
  }

  /// In Visby's zone, with its offset; whole seconds.
  public static func format(_ date: Date) -> String {
    let offset = FestivalTime.zone.secondsFromGMT(for: date)
    let (day, second) = FestivalTime.local(date)
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    let sign = offset >= 0 ? "+" : "-"
    return "\(day.year)-\(two(day.month))-\(two(day.day))T\(two(second / 3600)):"
      + "\(two(second / 60 % 60)):\(two(second % 60))"
      + "\(sign)\(two(abs(offset) / 3600)):\(two(abs(offset) / 60 % 60))"
  }
}
