public import Foundation

/// Someone who moderates, sits on a panel or speaks. One registry shared by all organisers;
/// the title and organisation here are defaults, and each participation may carry its own.
public struct Person: Hashable, Sendable, Identifiable {
  public var id: UUID
  /// Rises on every update; guards updates against lost writes.
  public var version: Int = 1
  public var name: String
  public var title: String?
  public var organisation: String?
  /// A party abbreviation as the programme prints it (`M`, `S`, `C`…).
  public var party: String?

  public init(
    id: UUID = UUID(), name: String, title: String? = nil, organisation: String? = nil,
    party: String? = nil
  ) {
    self.id = id
    self.name = name
    self.title = title
    self.organisation = organisation
    self.party = party
  }

  public func validate() throws {
    var validator = Validator()
    validator.requireLine(name, "name", maxLength: FieldLimits.name)
    validator.optionalLine(title, "title", maxLength: FieldLimits.line)
    validator.optionalLine(organisation, "organisation", maxLength: FieldLimits.line)
    validator.optionalLine(party, "party", maxLength: FieldLimits.party)
    try validator.check()
  }
}
