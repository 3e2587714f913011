import CivilDates
import Foundation

/// A calendar day without a time or zone, like PostgreSQL's `date` (`2012-07-03`).
public struct LocalDay: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
  public let year: Int
  public let month: Int
  public let day: Int

  /// A valid Gregorian day, or nil.
  public init?(year: Int, month: Int, day: Int) {
    guard (1...9999).contains(year), CivilDate(year: year, month: month, day: day).isValid
    else { return nil }
    self.year = year
    self.month = month
    self.day = day
  }

  /// Parses `YYYY-MM-DD` exactly.
  public init?(_ text: String) {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2,
      parts[2].count == 2,
      parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
      let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
    else { return nil }
    self.init(year: year, month: month, day: day)
  }

  public var description: String {
    let y = String(year)
    let m = month < 10 ? "0\(month)" : "\(month)"
    let d = day < 10 ? "0\(day)" : "\(day)"
    return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + m + "-" + d
  }

  public static func < (lhs: LocalDay, rhs: LocalDay) -> Bool {
    (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
  }

  /// The day `count` days later (or earlier when negative).
  public func adding(days count: Int) -> LocalDay {
    let later = civil.adding(days: count)
    return LocalDay(year: later.year, month: later.month, day: later.day)!
  }

  /// Days from this day to `other` (positive when `other` is later).
  public func days(to other: LocalDay) -> Int {
    other.civil.daysSinceEpoch - civil.daysSinceEpoch
  }

  /// 0 is Monday … 6 is Sunday.
  public var weekday: Int { civil.weekday }

  var civil: CivilDate { CivilDate(year: year, month: month, day: day) }

  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    guard let day = LocalDay(text) else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "expected YYYY-MM-DD"))
    }
    self = day
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }
}
