public import Foundation

/// One year's festival week.
public struct Edition: Hashable, Sendable, Identifiable {
  public var id: UUID
  public var year: Int
  public var name: String
  public var firstDay: LocalDay
  public var lastDay: LocalDay
  /// After this instant the edition's published events can no longer be deleted, only
  /// cancelled (the schema enforces it); nil when no cut-off is set.
  public var cutoffAt: Date?

  /// The years an edition may have: from the first Almedalsveckan on. Feeds' `year` and the
  /// API's schemas take their bounds from here.
  public static let years = 1968...2200
  public static let nameLength = 200

  public init(
    id: UUID = UUID(), year: Int, name: String, firstDay: LocalDay, lastDay: LocalDay,
    cutoffAt: Date? = nil
  ) {
    self.id = id
    self.year = year
    self.name = name
    self.firstDay = firstDay
    self.lastDay = lastDay
    self.cutoffAt = cutoffAt
  }

  /// The festival's days, in order.
  public var days: [LocalDay] {
    guard firstDay <= lastDay else { return [] }
    return (0...firstDay.days(to: lastDay)).map { firstDay.adding(days: $0) }
  }

  /// Whether an event from `start` to `end` lies inside the festival's days in Visby.
  public func contains(start: Date, end: Date) -> Bool {
    let firstMoment = FestivalTime.startOfDay(firstDay)
    let afterLast = FestivalTime.startOfDay(lastDay.adding(days: 1))
    return start >= firstMoment && end <= afterLast
  }

  /// Checks every rule; throws `ValidationError` with every problem.
  public func validate() throws {
    var validator = Validator()
    if !Self.years.contains(year) {
      validator.add("year", "must be between \(Self.years.lowerBound) and \(Self.years.upperBound)")
    }
    validator.requireLine(name, "name", maxLength: Self.nameLength)
    if firstDay.year != year { validator.add("first_day", "must be in the edition's year") }
    if lastDay < firstDay {
      validator.add("last_day", "must not be before first_day")
    } else if firstDay.days(to: lastDay) > 31 {
      validator.add("last_day", "an edition lasts at most a month")
    }
    try validator.check()
  }
}
