import AlmedalenCore
import AlmedalenStore
import Foundation

/// Who is acting: a bearer token of the JSON API, or a signed-in session of the pages.
enum Actor: Sendable {
  case token(APIToken)
  case session(SessionStore.SignedIn)

  /// An admin token, or a fully signed-in member of the programme office: the festival's
  /// staff, who may do everything.
  var isStaff: Bool {
    switch self {
    case .token(let token): token.role == .admin
    case .session(let signedIn): signedIn.isFullySignedIn && signedIn.user.office
    }
  }

  /// The role this actor has for `organiserID`: an organiser token counts as an editor of
  /// its own organiser (it may not manage members or tokens); a session as its membership
  /// says, once fully signed in.
  func role(for organiserID: UUID) -> MembershipRole? {
    switch self {
    case .token(let token):
      return token.role == .organiser && token.organiserID == organiserID ? .editor : nil
    case .session(let signedIn):
      guard signedIn.isFullySignedIn else { return nil }
      return signedIn.memberships.first { $0.organiserID == organiserID }?.role
    }
  }

  /// How the history names this actor.
  var historyName: String {
    switch self {
    case .token(let token): "token:\(token.name)"
    case .session(let signedIn): "user:\(signedIn.user.email)"
    }
  }

  /// The organisers this actor acts for (nil: every one, for staff).
  var organiserIDs: Set<UUID>? {
    if isStaff { return nil }
    switch self {
    case .token(let token): return token.organiserID.map { [$0] } ?? []
    case .session(let signedIn):
      return signedIn.isFullySignedIn ? Set(signedIn.memberships.map(\.organiserID)) : []
    }
  }
}

/// What an actor wants to do.
enum Action: String, Sendable, CaseIterable {
  /// See an event that is not public (a draft, one in review or returned), its history and
  /// its attendees' registrations.
  case readPrivate
  /// Create an event for an organiser, or change one.
  case edit
  /// Send an event to the office's review.
  case submit
  /// Approve an event, which publishes it.
  case publish
  /// Send a submitted event back with a reason.
  case returnForChanges
  /// Cancel a published event (it stays, marked inställt).
  case cancel
  /// Delete an event that was never public.
  case delete
  /// Answer a co-organiser request addressed to an organiser.
  case answerCoOrganiser
  /// Change an organiser's members and their roles.
  case manageMembers
  /// Invite someone to an organiser.
  case invite
  /// Create and revoke an organiser's API tokens.
  case manageTokens
  /// The office's own pages and the festival's reference data (editions, organisers,
  /// venues, the mail outbox).
  case office
}

/// What the action is on.
enum Target: Sendable {
  /// Nothing in particular (the office's pages, creating an edition).
  case none
  /// An organiser (its members, its tokens, events created in its name).
  case organiser(UUID)
  /// An event, decided by its own organiser.
  case event(Event)
}

/// The one authorisation policy of the service, for the JSON API (tokens) and the pages
/// (sessions) alike:
///
/// - staff (an admin token, or a fully signed-in office account) may do everything;
/// - an organiser's editor (an organiser token counts as one) may read its organiser's
///   private events, create, edit, submit, cancel and delete them, and answer co-organiser
///   requests addressed to it;
/// - an owner may also manage the organiser's members, invitations and API tokens;
/// - publishing (approving) and returning are the office's alone;
/// - a session that has not given its second factor yet may do nothing here.
enum Policy {
  static func may(_ actor: Actor, _ action: Action, _ target: Target) -> Bool {
    if actor.isStaff { return true }
    let organiserID: UUID
    switch target {
    case .none: return false
    case .organiser(let id): organiserID = id
    case .event(let event): organiserID = event.organiserID
    }
    guard let role = actor.role(for: organiserID) else { return false }
    switch action {
    case .readPrivate, .edit, .submit, .cancel, .delete, .answerCoOrganiser: return true
    case .manageMembers, .invite, .manageTokens: return role == .owner
    case .publish, .returnForChanges, .office: return false
    }
  }
}
