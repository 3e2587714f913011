import AlmedalenCore
import AlmedalenFeeds
import Foundation

extension Pages {
  /// `BackofficePaths.organisation`: members (remove), invitations waiting (resend, revoke),
  /// the invite form, and the organisation's API tokens (create, with the secret shown once;
  /// revoke).
  public static func backofficeOrganisation(
    _ model: BackofficeOrganisationModel, _ context: PageContext
  ) -> [UInt8] {
    let organisation = model.organisation
    return Backoffice.page(
      title: "Organisation – " + organisation.name, frame: model.frame, context: context
    ) { out in
      let form = BackofficeForm(
        model.problems, anchors: ["name", "email", "role", "token_name"])
      out.raw("<h1>")
      out.text(organisation.name)
      out.raw("</h1>\n")
      if let refusal = model.refusal {
        out.raw("<div class=\"error-summary\" role=\"alert\">\n<p>")
        out.text(refusal)
        out.raw("</p>\n</div>\n")
      }
      if let token = model.newToken {
        out.raw(
          """
          <section class="bo-secret" role="alert" aria-labelledby="nyckel-rubrik">
          <h2 id="nyckel-rubrik">Ny API-nyckel: 
          """)
        out.text(token.name)
        out.raw(
          """
          </h2>
          <p><strong>Kopiera nyckeln nu. Den visas bara den här gången</strong> och kan inte \
          tas fram igen; tappar du bort den, återkalla den och skapa en ny. Den som har \
          nyckeln kan ändra organisationens evenemang.</p>
          <p class="secret">
          """)
        out.text(token.secret)
        out.raw("</p>\n</section>\n")
      }
      members(model, context, into: &out)
      invitations(model, context, form, into: &out)
      tokens(model, context, form, into: &out)
    }
  }

  private static func members(
    _ model: BackofficeOrganisationModel, _ context: PageContext, into out: inout HTMLWriter
  ) {
    let organisation = model.organisation
    out.raw(
      "<section class=\"bo-box\" aria-labelledby=\"medlemmar-rubrik\">\n<h2 id=\"medlemmar-rubrik\">Medlemmar</h2>\n"
    )
    guard !model.members.isEmpty else {
      return out.raw("<p>Inga medlemmar.</p>\n</section>\n")
    }
    out.raw("<ul class=\"bo-list\">\n")
    for (index, member) in model.members.enumerated() {
      let id = "medlem-" + String(index)
      out.raw("<li class=\"bo-item\">\n<h3 id=\"")
      out.plain(id)
      out.raw("\">")
      out.text(member.name)
      if member.isYou { out.raw(" (du)") }
      out.raw("</h3>\n<p><span class=\"secret\">")
      out.text(member.email)
      out.raw("</span> · ")
      out.text(BackofficeWords.role(member.role))
      out.raw("</p>\n")
      if model.canManage && !member.isYou {
        Backoffice.buttonForm(
          BackofficePaths.removeMember(organisation.id, member.userID), label: "Ta bort",
          danger: true, describedBy: id, context, into: &out)
      }
      out.raw("</li>\n")
    }
    out.raw("</ul>\n</section>\n")
  }

  private static func invitations(
    _ model: BackofficeOrganisationModel, _ context: PageContext, _ form: BackofficeForm,
    into out: inout HTMLWriter
  ) {
    let organisation = model.organisation
    out.raw(
      "<section class=\"bo-box\" aria-labelledby=\"inbjudningar-rubrik\">\n<h2 id=\"inbjudningar-rubrik\">Inbjudningar</h2>\n"
    )
    if model.invitations.isEmpty {
      out.raw("<p>Inga inbjudningar väntar på svar.</p>\n")
    } else {
      out.raw("<ul class=\"bo-list\">\n")
      for (index, invitation) in model.invitations.enumerated() {
        let id = "inbjudan-" + String(index)
        out.raw("<li class=\"bo-item\">\n<h3 id=\"")
        out.plain(id)
        out.raw("\">")
        out.text(invitation.name)
        out.raw("</h3>\n<p><span class=\"secret\">")
        out.text(invitation.email)
        out.raw("</span> · ")
        out.text(BackofficeWords.role(invitation.role))
        out.raw(" · gäller till <time datetime=\"")
        out.dateTime(LocalTime(invitation.expiresAt))
        out.raw("\">")
        out.text(BackofficeWords.longMoment(invitation.expiresAt))
        out.raw("</time></p>\n")
        if model.canManage {
          out.raw("<div class=\"actions\">\n")
          Backoffice.buttonForm(
            BackofficePaths.resendInvitation(organisation.id, invitation.id),
            label: "Skicka igen", describedBy: id, context, into: &out)
          Backoffice.buttonForm(
            BackofficePaths.revokeInvitation(organisation.id, invitation.id),
            label: "Dra tillbaka", danger: true, describedBy: id, context, into: &out)
          out.raw("</div>\n")
        }
        out.raw("</li>\n")
      }
      out.raw("</ul>\n")
    }
    guard model.canManage else {
      return out.raw(
        "<p class=\"hint\">Bara organisationens ägare kan bjuda in och ta bort medlemmar.</p>\n</section>\n"
      )
    }
    out.raw("<h3>Bjud in en kollega</h3>\n")
    Backoffice.postForm(
      BackofficePaths.invite(organisation.id), className: "bo-form", context, into: &out)
    form.problems.writeSummary(heading: "Inbjudan kunde inte skickas", into: &out)
    form.input(
      "name", label: "Namn", type: "text", value: model.inviteName,
      .init(required: true, maxLength: FieldLimits.name, autocomplete: "off"), into: &out)
    form.input(
      "email", label: "E-post", type: "email", value: model.inviteEmail,
      .init(required: true, maxLength: 254, spellcheckOff: true),
      into: &out)
    form.select(
      "role", label: "Roll",
      choices: MembershipRole.allCases.map { ($0.rawValue, BackofficeWords.role($0)) },
      selected: model.inviteRole.rawValue,
      .init(hint: "En redaktör skriver evenemang; en ägare kan också bjuda in och ta bort."),
      into: &out)
    out.raw(
      "<p class=\"hint\">Inbjudan skickas med e-post. Länken gäller i sju dagar och kan bara användas en gång.</p>\n<button type=\"submit\">Skicka inbjudan</button>\n</form>\n</section>\n"
    )
  }

  private static func tokens(
    _ model: BackofficeOrganisationModel, _ context: PageContext, _ form: BackofficeForm,
    into out: inout HTMLWriter
  ) {
    let organisation = model.organisation
    out.raw(
      """
      <section class="bo-box" aria-labelledby="nycklar-rubrik">
      <h2 id="nycklar-rubrik">API-nycklar</h2>
      <p>Med en API-nyckel kan ett eget system läsa och ändra organisationens evenemang genom \
      <a href="/api/v1/openapi.json">programmets API</a>.</p>

      """)
    let live = model.tokens.filter { $0.revokedAt == nil }
    if live.isEmpty {
      out.raw("<p>Inga nycklar.</p>\n")
    } else {
      out.raw("<ul class=\"bo-list\">\n")
      for (index, token) in live.enumerated() {
        let id = "nyckel-" + String(index)
        out.raw("<li class=\"bo-item\">\n<h3 id=\"")
        out.plain(id)
        out.raw("\">")
        out.text(token.name)
        out.raw("</h3>\n<p>Skapad <time datetime=\"")
        out.dateTime(LocalTime(token.createdAt))
        out.raw("\">")
        out.text(BackofficeWords.longMoment(token.createdAt))
        out.raw("</time> · ")
        if let used = token.lastUsedAt {
          out.raw("senast använd <time datetime=\"")
          out.dateTime(LocalTime(used))
          out.raw("\">")
          out.text(BackofficeWords.longMoment(used))
          out.raw("</time>")
        } else {
          out.raw("aldrig använd")
        }
        out.raw("</p>\n")
        if model.canManage {
          Backoffice.buttonForm(
            BackofficePaths.revokeToken(organisation.id, token.id), label: "Återkalla",
            danger: true, describedBy: id, context, into: &out)
        }
        out.raw("</li>\n")
      }
      out.raw("</ul>\n")
    }
    guard model.canManage else { return out.raw("</section>\n") }
    out.raw("<h3>Skapa en nyckel</h3>\n")
    Backoffice.postForm(
      BackofficePaths.createToken(organisation.id), className: "bo-form", context, into: &out)
    form.input(
      "token_name", label: "Nyckelns namn", type: "text", value: model.tokenName,
      .init(
        required: true, maxLength: 100, autocomplete: "off",
        hint: "Vad nyckeln används till, till exempel \"Vår webbplats\"."), into: &out)
    out.raw("<button type=\"submit\">Skapa nyckel</button>\n</form>\n</section>\n")
  }
}
