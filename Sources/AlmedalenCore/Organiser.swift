public import Foundation

/// A party, agency, union, company or NGO that arranges events.
public struct Organiser: Hashable, Sendable, Identifiable {
  public var id: UUID
  /// Rises on every update; guards updates against lost writes.
  public var version: Int = 1
  public var name: String
  public var contactEmail: String?
  public var website: String?

  public init(id: UUID = UUID(), name: String, contactEmail: String? = nil, website: String? = nil)
  {
    self.id = id
    self.name = name
    self.contactEmail = contactEmail
    self.website = website
  }

  public func validate() throws {
    var validator = Validator()
    validator.requireLine(name, "name", maxLength: FieldLimits.name)
    validator.optionalEmail(contactEmail, "contact_email")
    validator.optionalWebURL(website, "website")
    try validator.check()
  }
}
