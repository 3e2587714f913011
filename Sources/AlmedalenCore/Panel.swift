public import Foundation

/// A panel within an event, in order. Its own times, when given, lie inside the event's.
public struct Panel: Hashable, Sendable {
  public var title: String?
  public var startsAt: Date?
  public var endsAt: Date?

  public init(title: String? = nil, startsAt: Date? = nil, endsAt: Date? = nil) {
    self.title = title
    self.startsAt = startsAt
    self.endsAt = endsAt
  }
}
