public import Foundation

/// One entry of an event's audit trail: who changed it, when, and what.
public struct EventChange: Hashable, Sendable {
  /// One field that changed, its old and new values as JSON text (`"14:00"`, `null`).
  public struct Field: Hashable, Sendable {
    public let name: String
    public let from: String?
    public let to: String?

    public init(name: String, from: String?, to: String?) {
      self.name = name
      self.from = from
      self.to = to
    }
  }

  public enum Action: String, Hashable, Sendable, CaseIterable {
    case created, updated, published, cancelled
  }

  public let id: Int64
  public let eventID: UUID
  public let changedAt: Date
  /// The token (or command) that made the change; `sql` when made outside the service.
  public let actor: String
  /// The signed-in user who made the change, when one did (the backoffice pages), and their
  /// name as it is now; nil for tokens and commands, and once the user is deleted.
  public let userID: UUID?
  public let userName: String?
  public let action: Action
  public let version: Int
  public let revision: Int
  public let fields: [Field]

  public init(
    id: Int64, eventID: UUID, changedAt: Date, actor: String, userID: UUID? = nil,
    userName: String? = nil, action: Action, version: Int, revision: Int, fields: [Field]
  ) {
    self.id = id
    self.eventID = eventID
    self.changedAt = changedAt
    self.actor = actor
    self.userID = userID
    self.userName = userName
    self.action = action
    self.version = version
    self.revision = revision
    self.fields = fields
  }
}
