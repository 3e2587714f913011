import AlmedalenCore
import AlmedalenPages
import AlmedalenStore
import Foundation
import HTTPServer
import KeyValueLog

/// The organisation's page: its members, the invitations waiting for an answer and its API
/// tokens. Every member (and the office) reads it; owners and the office manage it. An
/// organisation the actor may not read is 404, as if absent, and so is an action the actor
/// may not take on one it may read (the backoffice's rule for every forbidden step: an
/// editor's forged POST learns nothing more than a stranger's).
///
/// Each action is logged as one `key=value` line (who, what, which organisation; never an
/// address's local part, a link or a token's secret).
extension BackofficeRoutes {
  static let organisationRoutes: [Route] = [
    .backoffice(.get, "/backoffice/organisations/{id}") { try organisationPage($0) },
    .backoffice(.post, "/backoffice/organisations/{id}/invitations") { try invite($0) },
    .backoffice(.post, "/backoffice/organisations/{id}/invitations/{invitation}/resend") {
      try resendInvitation($0)
    },
    .backoffice(.post, "/backoffice/organisations/{id}/invitations/{invitation}/revoke") {
      try revokeInvitation($0)
    },
    .backoffice(.post, "/backoffice/organisations/{id}/members/{user}/remove") {
      try removeMember($0)
    },
    .backoffice(.post, "/backoffice/organisations/{id}/tokens") { try createToken($0) },
    .backoffice(.post, "/backoffice/organisations/{id}/tokens/{token_id}/revoke") {
      try revokeToken($0)
    },
  ]

  // MARK: Reading

  /// The signed-in actor and the organisation the path names, when the actor may read its
  /// private side (`readPrivate`) and, for `action`, take that step too; else 404.
  static func organisationScope(
    _ c: RequestContext, _ action: Action?
  ) throws -> Result<(SessionStore.SignedIn, BackofficeFrame.Organisation), AccountRoutes.Redirect>
  {
    let signedIn: SessionStore.SignedIn
    switch try session(c) {
    case .failure(let redirect): return .failure(redirect)
    case .success(let found): signedIn = found
    }
    let actor = Actor.session(signedIn)
    let organiserID = try PageRoutes.pageID(c)
    guard Policy.may(actor, .readPrivate, .organiser(organiserID)) else {
      throw PageRoutes.PageNotFound()
    }
    if let action, !Policy.may(actor, action, .organiser(organiserID)) {
      throw PageRoutes.PageNotFound()
    }
    return .success((signedIn, try existing { try organisation(c, organiserID) }))
  }

  /// The page's model as the store has it now.
  static func organisationModel(
    _ c: RequestContext, _ signedIn: SessionStore.SignedIn,
    _ organisation: BackofficeFrame.Organisation, notice: String? = nil
  ) throws -> BackofficeOrganisationModel {
    let actor = Actor.session(signedIn)
    let members = try c.store.accounts.members(organiserID: organisation.id).map {
      BackofficeOrganisationModel.Member(
        userID: $0.user.id, name: $0.user.name, email: $0.user.email, role: $0.membership.role,
        isYou: $0.user.id == signedIn.user.id)
    }
    // Editors see it all read-only (never a secret: tokens are names and dates); the
    // buttons and forms are for owners and the office.
    let canManage =
      Policy.may(actor, .manageMembers, .organiser(organisation.id))
      && Policy.may(actor, .invite, .organiser(organisation.id))
      && Policy.may(actor, .manageTokens, .organiser(organisation.id))
    let invitations = try c.store.accounts.pendingInvitations(organiserID: organisation.id).map {
      BackofficeOrganisationModel.Invitation(
        id: $0.id, name: $0.name, email: $0.email, role: $0.role ?? .editor,
        expiresAt: $0.expiresAt)
    }
    let tokens = try c.store.tokens.list(organiserID: organisation.id)
    return BackofficeOrganisationModel(
      frame: frame(signedIn, notice: notice), organisation: organisation, members: members,
      invitations: invitations, tokens: tokens, canManage: canManage)
  }

  static func organisationPage(_ c: RequestContext) throws -> Response {
    switch try organisationScope(c, nil) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let (signedIn, organisation)):
      let model = try organisationModel(
        c, signedIn, organisation, notice: organisationNotice(c))
      return page(c, 200, Pages.backofficeOrganisation(model, PageRoutes.context(c)))
    }
  }

  // MARK: Invitations

  /// Invites a colleague (name, address, role `owner` or `editor`) by mail through the
  /// outbox, within the address's mail cap. A refusal shows the form again with its
  /// problems beside the fields (422), or 429 when the address had its share of mail.
  static func invite(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    let (signedIn, organisation): (SessionStore.SignedIn, BackofficeFrame.Organisation)
    switch try organisationScope(c, .invite) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): (signedIn, organisation) = found
    }
    let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
    let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
    let role = MembershipRole(rawValue: form["role"] ?? "")
    func refused(_ status: Int, _ problems: [FieldProblem]) throws -> Response {
      var model = try organisationModel(c, signedIn, organisation)
      model.inviteName = name
      model.inviteEmail = email
      model.inviteRole = role ?? .editor
      model.problems = problems
      return page(c, status, Pages.backofficeOrganisation(model, PageRoutes.context(c)))
    }
    guard let role else {
      return try refused(
        422, [FieldProblem(field: "role", message: "Välj ägare eller redaktör.")])
    }
    let members = try c.store.accounts.members(organiserID: organisation.id)
    if members.contains(where: { $0.user.email.lowercased() == email.lowercased() }) {
      return try refused(
        422,
        [
          FieldProblem(
            field: "email", message: "Den här adressen är redan medlem i organisationen.")
        ]
      )
    }
    do {
      try c.store.accounts.invite(
        email: email, name: name, organiserID: organisation.id, role: role,
        invitedBy: signedIn.user.id, mail: RegistrationRoutes.mailCap(c))
    } catch StoreError.invalid(let validation) {
      return try refused(
        422,
        validation.problems.map {
          FieldProblem(field: $0.field, message: PageRoutes.swedish($0))
        })
    } catch StoreError.lifecycle {
      return try refused(
        422, [FieldProblem(field: "email", message: "Kontot med den här adressen är avstängt.")])
    } catch is AccountStore.MailCapped {
      Log.info("mail_capped", ["kind": "invitation", "to_domain": MailRoutes.domain(email)])
      return try refused(
        429,
        [
          FieldProblem(
            field: "email",
            message: "Adressen har fått många brev den senaste timmen. Försök igen senare.")
        ])
    }
    logAction(
      "member_invited", signedIn, organisation,
      ["role": role.rawValue, "to_domain": MailRoutes.domain(email)])
    return AccountRoutes.redirect(
      c, BackofficePaths.organisation(organisation.id) + "?done=invited")
  }

  /// The organisation's live invitation the path names; else 404.
  static func pendingInvitation(
    _ c: RequestContext, _ organisation: BackofficeFrame.Organisation
  ) throws -> AccountStore.LinkInfo {
    guard let text = c.parameters["invitation"], let id = UUID(uuidString: text),
      let invitation = try c.store.accounts.pendingInvitations(organiserID: organisation.id)
        .first(where: { $0.id == id })
    else { throw PageRoutes.PageNotFound() }
    return invitation
  }

  /// Sends the invitation again (a new link; the old one stops working), within the cap.
  static func resendInvitation(_ c: RequestContext) throws -> Response {
    _ = try PageRoutes.checkedForm(c)
    let (signedIn, organisation): (SessionStore.SignedIn, BackofficeFrame.Organisation)
    switch try organisationScope(c, .invite) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): (signedIn, organisation) = found
    }
    let invitation = try pendingInvitation(c, organisation)
    do {
      try c.store.accounts.invite(
        email: invitation.email, name: invitation.name, organiserID: organisation.id,
        role: invitation.role ?? .editor, invitedBy: signedIn.user.id,
        mail: RegistrationRoutes.mailCap(c))
    } catch is AccountStore.MailCapped {
      Log.info(
        "mail_capped", ["kind": "invitation", "to_domain": MailRoutes.domain(invitation.email)])
      return try organisationRefusal(
        c, signedIn, organisation, status: 429,
        "Adressen har fått många brev den senaste timmen. Försök igen senare.")
    } catch StoreError.lifecycle {
      return try organisationRefusal(
        c, signedIn, organisation, status: 409, "Kontot med den adressen är avstängt.")
    }
    logAction(
      "invitation_resent", signedIn, organisation,
      ["to_domain": MailRoutes.domain(invitation.email)])
    return AccountRoutes.redirect(c, BackofficePaths.organisation(organisation.id) + "?done=resent")
  }

  /// Withdraws the invitation: its link stops working.
  static func revokeInvitation(_ c: RequestContext) throws -> Response {
    _ = try PageRoutes.checkedForm(c)
    let (signedIn, organisation): (SessionStore.SignedIn, BackofficeFrame.Organisation)
    switch try organisationScope(c, .invite) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): (signedIn, organisation) = found
    }
    let invitation = try pendingInvitation(c, organisation)
    try c.store.accounts.revokeLinks(
      userID: invitation.userID, kind: .invitation, organiserID: organisation.id)
    logAction("invitation_revoked", signedIn, organisation, [:])
    return AccountRoutes.redirect(
      c, BackofficePaths.organisation(organisation.id) + "?done=withdrawn")
  }

  // MARK: Members

  /// Removes a member (every session of theirs ends with it), but not oneself and not the
  /// last owner (409, the page with why).
  static func removeMember(_ c: RequestContext) throws -> Response {
    _ = try PageRoutes.checkedForm(c)
    let (signedIn, organisation): (SessionStore.SignedIn, BackofficeFrame.Organisation)
    switch try organisationScope(c, .manageMembers) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): (signedIn, organisation) = found
    }
    guard let text = c.parameters["user"], let userID = UUID(uuidString: text) else {
      throw PageRoutes.PageNotFound()
    }
    if userID == signedIn.user.id {
      return try organisationRefusal(
        c, signedIn, organisation, status: 409,
        "Du kan inte ta bort dig själv. Be en annan ägare att göra det.")
    }
    switch try c.store.accounts.removeMember(userID: userID, organiserID: organisation.id) {
    case .notMember:
      throw PageRoutes.PageNotFound()
    case .lastOwner:
      return try organisationRefusal(
        c, signedIn, organisation, status: 409,
        "Organisationen måste ha minst en ägare. Gör någon annan till ägare först.")
    case .removed:
      logAction("member_removed", signedIn, organisation, ["user_id": userID.wire])
      return AccountRoutes.redirect(
        c, BackofficePaths.organisation(organisation.id) + "?done=removed")
    }
  }

  // MARK: Tokens

  /// Creates an organiser token for this organisation only. Its secret is on this answer
  /// (200, `no-store`) and never again: only its hash is kept.
  static func createToken(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    let (signedIn, organisation): (SessionStore.SignedIn, BackofficeFrame.Organisation)
    switch try organisationScope(c, .manageTokens) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): (signedIn, organisation) = found
    }
    let name = (form["token_name"] ?? "").trimmingCharacters(in: .whitespaces)
    func refused(_ message: String) throws -> Response {
      var model = try organisationModel(c, signedIn, organisation)
      model.tokenName = name
      model.problems = [FieldProblem(field: "token_name", message: message)]
      return page(c, 422, Pages.backofficeOrganisation(model, PageRoutes.context(c)))
    }
    let made: (token: APIToken, secret: String)
    do {
      made = try c.store.tokens.create(name: name, role: .organiser, organiserID: organisation.id)
    } catch StoreError.invalid(let validation) {
      return try refused(
        validation.problems.first.map { BackofficeWords.problem($0.message) }
          ?? "Skriv ett namn.")
    } catch StoreError.duplicate {
      return try refused("Det namnet används redan av en annan nyckel. Välj ett annat.")
    }
    logAction(
      "token_created", signedIn, organisation,
      ["token_id": made.token.id.wire, "token_name": made.token.name])
    var model = try organisationModel(
      c, signedIn, organisation, notice: "Nyckeln är skapad.")
    model.newToken = (made.token.name, made.secret)
    return page(c, 200, Pages.backofficeOrganisation(model, PageRoutes.context(c)))
  }

  /// Revokes one of this organisation's tokens at once (another's, or one already revoked,
  /// is 404).
  static func revokeToken(_ c: RequestContext) throws -> Response {
    _ = try PageRoutes.checkedForm(c)
    let (signedIn, organisation): (SessionStore.SignedIn, BackofficeFrame.Organisation)
    switch try organisationScope(c, .manageTokens) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): (signedIn, organisation) = found
    }
    guard let text = c.parameters["token_id"], let id = UUID(uuidString: text),
      try c.store.tokens.revoke(id: id, organiserID: organisation.id)
    else { throw PageRoutes.PageNotFound() }
    logAction("token_revoked", signedIn, organisation, ["token_id": id.wire])
    return AccountRoutes.redirect(
      c, BackofficePaths.organisation(organisation.id) + "?done=token_revoked")
  }

  // MARK: Parts

  /// The page again with why a step was refused, above the members.
  static func organisationRefusal(
    _ c: RequestContext, _ signedIn: SessionStore.SignedIn,
    _ organisation: BackofficeFrame.Organisation, status: Int, _ message: String
  ) throws -> Response {
    var model = try organisationModel(c, signedIn, organisation)
    model.refusal = message
    return page(c, status, Pages.backofficeOrganisation(model, PageRoutes.context(c)))
  }

  /// What the redirect after an action on the organisation's page says it was.
  static func organisationNotice(_ c: RequestContext) -> String? {
    switch c.request.queryValue("done") {
    case "invited": "Inbjudan är skickad."
    case "resent": "Inbjudan är skickad igen. Den tidigare länken gäller inte längre."
    case "withdrawn": "Inbjudan är tillbakadragen."
    case "removed": "Medlemmen är borttagen och utloggad."
    case "token_revoked": "Nyckeln är återkallad och fungerar inte längre."
    default: nil
    }
  }

  /// One log line for an action: who did it to which organisation, and `fields` (never a
  /// secret or a whole address).
  static func logAction(
    _ event: String, _ signedIn: SessionStore.SignedIn,
    _ organisation: BackofficeFrame.Organisation, _ fields: [String: String]
  ) {
    var all = fields
    all["organiser_id"] = organisation.id.wire
    all["by_user_id"] = signedIn.user.id.wire
    Log.info(event, all)
  }
}
