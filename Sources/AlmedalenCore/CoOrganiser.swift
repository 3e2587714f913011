public import Foundation

/// Where a request to co-organise an event stands. Naming another organiser as co-organiser
/// asks it; only once it (or an admin) accepts does the event show under its name.
public enum CoOrganiserStatus: String, CaseIterable, Hashable, Sendable {
  /// Asked, not answered: the event shows under its own organiser only.
  case pending
  /// Shown under the co-organiser too.
  case accepted
  /// Refused (or withdrawn after accepting); final until the organiser names it anew.
  case declined
}

/// One co-organiser an event names, and its answer.
public struct CoOrganiserLink: Hashable, Sendable {
  public var organiserID: UUID
  public var status: CoOrganiserStatus

  public init(organiserID: UUID, status: CoOrganiserStatus) {
    self.organiserID = organiserID
    self.status = status
  }
}

/// A request to co-organise an event, as the asked organiser sees it.
public struct CoOrganiserRequest: Hashable, Sendable {
  public var eventID: UUID
  public var eventTitle: String
  public var eventStatus: EventStatus
  public var startsAt: Date
  /// The event's own organiser, who asks.
  public var organiserID: UUID
  public var organiserName: String
  /// The organiser asked.
  public var coOrganiserID: UUID
  public var status: CoOrganiserStatus
  public var requestedAt: Date
  public var decidedAt: Date?

  public init(
    eventID: UUID, eventTitle: String, eventStatus: EventStatus, startsAt: Date,
    organiserID: UUID, organiserName: String, coOrganiserID: UUID, status: CoOrganiserStatus,
    requestedAt: Date, decidedAt: Date? = nil
  ) {
    self.eventID = eventID
    self.eventTitle = eventTitle
    self.eventStatus = eventStatus
    self.startsAt = startsAt
    self.organiserID = organiserID
    self.organiserName = organiserName
    self.coOrganiserID = coOrganiserID
    self.status = status
    self.requestedAt = requestedAt
    self.decidedAt = decidedAt
  }
}
