public import Foundation
import Mail

/// An attendee's sign-up for one event. Name and email are personal data: they are never
/// public, and they are erased after the festival (`erasedAt`), leaving only the counts.
public struct Registration: Hashable, Sendable, Identifiable {
  public var id: UUID
  public var eventID: UUID
  public var name: String?
  public var email: String?
  public var status: RegistrationStatus
  /// Arrival order; the waitlist is promoted in this order.
  public var arrival: Int64
  /// Rises when the status changes (a promotion).
  public var revision: Int
  public var createdAt: Date
  public var updatedAt: Date
  public var erasedAt: Date?

  public init(
    id: UUID, eventID: UUID, name: String?, email: String?, status: RegistrationStatus,
    arrival: Int64, revision: Int = 0, createdAt: Date, updatedAt: Date, erasedAt: Date? = nil
  ) {
    self.revision = revision
    self.id = id
    self.eventID = eventID
    self.name = name
    self.email = email
    self.status = status
    self.arrival = arrival
    self.createdAt = createdAt
    self.updatedAt = updatedAt
    self.erasedAt = erasedAt
  }

  /// Checks a sign-up's name and email.
  public static func validate(name: String, email: String) throws {
    var validator = Validator()
    validator.requireLine(name, "name", maxLength: FieldLimits.name)
    validator.deliverableEmail(email, "email")
    try validator.check()
  }

  /// Checks an address that mail will be sent to.
  public static func validateEmail(_ email: String) throws {
    var validator = Validator()
    validator.deliverableEmail(email, "email")
    try validator.check()
  }
}
