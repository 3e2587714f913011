public import Foundation

/// A person's appearance at one event: their role, and the title and organisation the
/// programme gives them *at that event*, which may differ from another event's.
public struct Participation: Hashable, Sendable {
  public var personID: UUID
  public var role: ParticipantRole
  public var title: String?
  public var organisation: String?
  /// The panel this appearance belongs to, as an index into the event's `panels`.
  public var panel: Int?
  /// The person's name, filled in when read from the store; ignored when writing.
  public var personName: String?
  /// The person's party, filled in when read from the store; ignored when writing.
  public var personParty: String?

  public init(
    personID: UUID, role: ParticipantRole, title: String? = nil, organisation: String? = nil,
    panel: Int? = nil, personName: String? = nil, personParty: String? = nil
  ) {
    self.personID = personID
    self.role = role
    self.title = title
    self.organisation = organisation
    self.panel = panel
    self.personName = personName
    self.personParty = personParty
  }
}
