import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Testing

@testable import AlmedalenAPI

/// The one policy, action by action, for every kind of actor on organisation A's event and
/// on organisation A itself: anonymous has no actor at all (the routes answer 401 or send
/// to sign-in before asking), so the actors are A's editor, A's owner, B's owner, the
/// office (fully and half signed in), and the tokens (admin, A's, B's).
@Suite struct PolicyTests {
  struct Missing: Error {}

  enum Who: String, CaseIterable {
    case editorA, ownerA, ownerB, office, officeWithoutSecondFactor, adminToken, tokenA, tokenB
  }

  /// Who may do each action on A's event (or A): every other actor may not.
  static let allowed: [Action: Set<Who>] = [
    .readPrivate: [.editorA, .ownerA, .office, .adminToken, .tokenA],
    .edit: [.editorA, .ownerA, .office, .adminToken, .tokenA],
    .submit: [.editorA, .ownerA, .office, .adminToken, .tokenA],
    .cancel: [.editorA, .ownerA, .office, .adminToken, .tokenA],
    .delete: [.editorA, .ownerA, .office, .adminToken, .tokenA],
    .answerCoOrganiser: [.editorA, .ownerA, .office, .adminToken, .tokenA],
    .manageMembers: [.ownerA, .office, .adminToken],
    .invite: [.ownerA, .office, .adminToken],
    .manageTokens: [.ownerA, .office, .adminToken],
    .publish: [.office, .adminToken],
    .returnForChanges: [.office, .adminToken],
    .office: [.office, .adminToken],
  ]

  static func token(_ store: FestivalStore, _ name: String, _ role: TokenRole, _ organiser: UUID?)
    throws -> APIToken
  {
    let made = try store.tokens.create(name: name, role: role, organiserID: organiser)
    guard let found = try store.tokens.authenticate(secret: made.secret) else { throw Missing() }
    return found
  }

  @Test func everyActionForEveryActor() throws {
    let fixture = try StoreFixture(prefix: "policy")
    defer { fixture.close() }
    let store = fixture.store
    let a = fixture.organiser
    let b = try store.organisers.create(Visby.svenskaKyrkan)
    let event = try store.events.create(
      .make(
        title: "A:s utkast", day: 23, hour: 10, venueID: nil, organiserID: a.id, topics: []))

    func session(_ email: String, office: Bool = false, secondFactor: Bool = true) throws
      -> SessionStore.SignedIn
    {
      let user = try store.accounts.createUser(email: email, name: email, office: office)
      let (_, secret) = try store.sessions.create(
        userID: user.id, userAgent: nil, clientAddress: nil)
      guard var found = try store.sessions.lookup(secret: secret) else { throw Missing() }
      if office && secondFactor {
        // As if the TOTP code had been given (the pages test that path itself).
        try store.accounts.beginTOTPEnrolment(
          userID: user.id, secret: Array(repeating: 7, count: 20))
        #expect(try store.accounts.enableTOTP(userID: user.id, step: 1))
        guard let fresh = try store.sessions.markSecondFactor(secret: secret),
          let again = try store.sessions.lookup(secret: fresh)
        else { throw Missing() }
        found = again
      }
      return found
    }
    func member(_ email: String, _ organiser: UUID, _ role: MembershipRole) throws
      -> SessionStore.SignedIn
    {
      let user = try store.accounts.createUser(email: email, name: email)
      try store.accounts.setMembership(userID: user.id, organiserID: organiser, role: role)
      let (_, secret) = try store.sessions.create(
        userID: user.id, userAgent: nil, clientAddress: nil)
      guard let found = try store.sessions.lookup(secret: secret) else { throw Missing() }
      return found
    }
    let actors: [Who: Actor] = [
      .editorA: .session(try member("editor@a.se", a.id, .editor)),
      .ownerA: .session(try member("owner@a.se", a.id, .owner)),
      .ownerB: .session(try member("owner@b.se", b.id, .owner)),
      .office: .session(try session("office@almedalen.se", office: true)),
      .officeWithoutSecondFactor: .session(
        try session("ny@almedalen.se", office: true, secondFactor: false)),
      .adminToken: .token(try Self.token(store, "staff", .admin, nil)),
      .tokenA: .token(try Self.token(store, "a", .organiser, a.id)),
      .tokenB: .token(try Self.token(store, "b", .organiser, b.id)),
    ]
    #expect(Set(Self.allowed.keys) == Set(Action.allCases))
    var checked = 0
    for action in Action.allCases {
      for who in Who.allCases {
        let actor = try #require(actors[who])
        let expected = Self.allowed[action]?.contains(who) ?? false
        #expect(
          Policy.may(actor, action, .event(event)) == expected, "\(who) \(action) on A's event")
        #expect(
          Policy.may(actor, action, .organiser(a.id)) == expected, "\(who) \(action) on A")
        // Nothing of A's on B's behalf, and nothing of B's for A's people.
        let onB = Policy.may(actor, action, .organiser(b.id))
        switch who {
        case .editorA, .ownerA, .tokenA, .officeWithoutSecondFactor:
          #expect(!onB, "\(who) \(action) on B")
        case .ownerB:
          #expect(onB == (action != .publish && action != .returnForChanges && action != .office))
        case .tokenB:
          #expect(onB == Self.allowed[action]!.contains(.tokenA), "\(who) \(action) on B")
        case .office, .adminToken: #expect(onB)
        }
        // Without a target only staff may act.
        #expect(Policy.may(actor, action, .none) == (who == .office || who == .adminToken))
        checked += 1
      }
    }
    #expect(checked == Action.allCases.count * Who.allCases.count)
  }
}
