import AlmedalenCore
import AlmedalenFeeds
import AlmedalenPages
import AlmedalenStore
import Foundation
import HTTPServer
import KeyValueLog
import OneTimePassword
import QRCode

/// The account pages: sign-in (with the second factor), sign-out, "Skapa arrangörskonto",
/// the pages the mailed links open, a forgotten password, security (password, TOTP,
/// recovery codes) and one's sessions. Swedish HTML without JavaScript, with the public
/// pages' Content-Security-Policy, form token and Origin checks (`PageRoutes.checkedForm`).
///
/// Every answer is `no-store`, `no-referrer` and `noindex`: these pages hold secrets (a link's,
/// a TOTP key, recovery codes) or someone's sessions.
enum AccountRoutes {
  static let routes: [Route] = [
    .account(.get, "/account") { try landing($0) },
    .account(.get, "/account/sign-in") { try signInForm($0) },
    .account(.post, "/account/sign-in") { try signIn($0) },
    .account(.get, "/account/sign-in/code") { try codeForm($0) },
    .account(.post, "/account/sign-in/code") { try code($0) },
    .account(.post, "/account/sign-out") { try signOut($0) },
    .account(.get, "/account/register") { try registerForm($0) },
    .account(.post, "/account/register") { try register($0) },
    .account(.get, "/account/forgot") { try forgotForm($0) },
    .account(.post, "/account/forgot") { try forgot($0) },
    .account(.get, "/account/invitation/{token}", secret: true) { try linkPage($0, .invitation) },
    .account(.post, "/account/invitation/{token}", secret: true) { try useLink($0, .invitation) },
    .account(.get, "/account/verify/{token}", secret: true) { try linkPage($0, .verification) },
    .account(.post, "/account/verify/{token}", secret: true) { try useLink($0, .verification) },
    .account(.get, "/account/reset/{token}", secret: true) { try linkPage($0, .reset) },
    .account(.post, "/account/reset/{token}", secret: true) { try useLink($0, .reset) },
    .account(.get, "/account/security") { try security($0, notice: securityNotice($0)) },
    .account(.post, "/account/security/password") { try changePassword($0) },
    .account(.post, "/account/security/totp") { try beginTOTP($0) },
    .account(.post, "/account/security/totp/confirm") { try confirmTOTP($0) },
    .account(.post, "/account/security/totp/disable") { try disableTOTP($0) },
    .account(.get, "/account/sessions") { try sessionList($0) },
    .account(.post, "/account/sessions/{id}/end") { try endSession($0) },
  ]

  /// TOTP codes and recovery codes tried per account in a window of 15 minutes.
  static let secondFactorAttempts = 10

  // MARK: Sign-in

  static func signInForm(_ c: RequestContext) throws -> Response {
    if let signedIn = try c.signedIn(), signedIn.isFullySignedIn {
      return redirect(c, "/account")
    }
    return page(c, 200, signInModel())
  }

  static func signInModel(
    email: String = "", problem: String? = nil, emailProblem: String? = nil,
    passwordProblem: String? = nil, notice: String? = nil
  ) -> AccountPageModel {
    AccountPageModel(
      title: "Logga in", notice: notice,
      blocks: [
        .paragraph("För arrangörer och programkontoret."),
        .form(
          AccountForm(
            action: "/account/sign-in", submit: "Logga in",
            fields: [
              AccountField(
                name: "email", label: "E-postadress", type: "email", autocomplete: "email",
                value: email, problem: emailProblem, maxLength: 254),
              AccountField(
                name: "password", label: "Lösenord", type: "password",
                autocomplete: "current-password", problem: passwordProblem, maxLength: 1024),
            ], problem: problem)),
        .links([
          AccountLink("/account/forgot", "Glömt lösenordet?"),
          AccountLink("/account/register", "Skapa arrangörskonto"),
        ]),
      ])
  }

  /// Email and password. The answer never tells whether the address has an account: a
  /// wrong address, a wrong password and a disabled account read the same, and the
  /// throttle counts every address alike (`SessionSettings.signInLimits`). A session id the
  /// browser had before is ended, and a new one issued (no fixation).
  static func signIn(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
    let password = form["password"] ?? ""
    if email.isEmpty || password.isEmpty {
      return page(
        c, 422,
        signInModel(
          email: email, emailProblem: email.isEmpty ? "Skriv din e-postadress." : nil,
          passwordProblem: password.isEmpty ? "Skriv ditt lösenord." : nil))
    }
    let outcome = try c.store.accounts.signIn(
      email: email, password: password, client: RegistrationRoutes.clientAddress(c),
      limits: c.sessions.signInLimits)
    switch outcome {
    case .refused:
      return page(
        c, 422,
        signInModel(
          email: email, problem: "E-postadressen eller lösenordet stämmer inte. Försök igen."))
    case .throttled(let retryAfter):
      Log.info("signin_throttled", ["retry_after": String(retryAfter)])
      var response = page(
        c, 429,
        signInModel(
          email: email,
          problem: "För många inloggningsförsök. Försök igen om "
            + minutes(retryAfter) + "."))
      response.headers.set("Retry-After", String(retryAfter))
      return response
    case .unverified:
      // Only someone with the password learns this. The link is not sent again from here
      // (that would revoke the one in their mail); "Glömt lösenordet?" sends it.
      return page(
        c, 403,
        signInModel(
          email: email,
          problem: "Bekräfta din e-postadress först, med länken i brevet vi skickade. "
            + "Hittar du inte brevet? Välj \"Glömt lösenordet?\" så skickar vi länken igen."))
    case .signedIn(let user):
      if let old = c.sessionSecret { try c.store.sessions.end(secret: old) }
      let (_, secret) = try c.store.sessions.create(
        userID: user.id, userAgent: c.request.headers["User-Agent"],
        clientAddress: RegistrationRoutes.clientAddress(c), lifetime: c.sessions.lifetime)
      let next =
        user.totpEnabledAt != nil
        ? "/account/sign-in/code" : user.needsSecondFactor ? "/account/security" : "/account"
      var response = redirect(c, next)
      response.setCookie(c.sessionCookie(secret))
      return response
    }
  }

  static func codeModel(problem: String? = nil) -> AccountPageModel {
    AccountPageModel(
      title: "Tvåstegsverifiering",
      blocks: [
        .paragraph(
          "Skriv koden med sex siffror från din autentiseringsapp, eller en av dina reservkoder."),
        .form(
          AccountForm(
            action: "/account/sign-in/code", submit: "Fortsätt",
            fields: [
              AccountField(
                name: "code", label: "Kod", autocomplete: "off",
                problem: problem,
                hint: "Till exempel 123456, eller en reservkod som k7ph-3xqa-m9wd.",
                maxLength: 40, inputMode: nil)
            ])),
        .form(
          AccountForm(action: "/account/sign-out", submit: "Avbryt och logga ut", secondary: true)),
      ])
  }

  static func codeForm(_ c: RequestContext) throws -> Response {
    guard let signedIn = try c.signedIn() else { return redirect(c, "/account/sign-in") }
    if signedIn.isFullySignedIn { return redirect(c, "/account") }
    guard signedIn.user.totpEnabledAt != nil else { return redirect(c, "/account/security") }
    return page(c, 200, codeModel())
  }

  /// The second factor: a TOTP code (each time step once, `AccountStore.useTOTPStep`) or a
  /// recovery code (each once). The session gets a new id.
  static func code(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    guard let secret = c.sessionSecret, let signedIn = try c.signedIn() else {
      return redirect(c, "/account/sign-in")
    }
    if signedIn.isFullySignedIn { return redirect(c, "/account") }
    let user = signedIn.user
    guard user.totpEnabledAt != nil else { return redirect(c, "/account/security") }
    if let retryAfter = try c.store.registrations.countAttempt(
      key: "second-factor:" + user.id.uuidString, limit: secondFactorAttempts, window: 900)
    {
      var response = page(
        c, 429,
        codeModel(problem: "För många försök. Försök igen om " + minutes(retryAfter) + "."))
      response.headers.set("Retry-After", String(retryAfter))
      return response
    }
    let typed = (form["code"] ?? "").trimmingCharacters(in: .whitespaces)
    guard try acceptSecondFactor(c, userID: user.id, typed: typed) else {
      return page(
        c, 422, codeModel(problem: "Koden stämmer inte, eller är redan använd. Försök igen."))
    }
    guard
      let fresh = try c.store.sessions.markSecondFactor(
        secret: secret, idleTimeout: c.sessions.idleTimeout)
    else { return redirect(c, "/account/sign-in") }
    var response = redirect(c, "/account")
    response.setCookie(c.sessionCookie(fresh))
    return response
  }

  /// Whether `typed` is a TOTP code of the user's enabled secret not used before (its step
  /// is recorded, so that it and every earlier one are refused from now on), or one of their
  /// recovery codes (used up).
  static func acceptSecondFactor(_ c: RequestContext, userID: UUID, typed: String) throws -> Bool {
    let digits = typed.filter { $0 != " " }
    if digits.count == 6, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) {
      guard let totp = try c.store.accounts.totp(userID: userID), totp.enabled,
        let step = TOTP().verify(
          code: digits, secret: totp.secret, at: Int64(Date().timeIntervalSince1970),
          after: totp.lastStep.map { UInt64(max($0, 0)) })
      else { return false }
      return try c.store.accounts.useTOTPStep(userID: userID, step: Int64(step))
    }
    guard let code = RecoveryCodes.normalise(typed) else { return false }
    return try c.store.accounts.useRecoveryCode(userID: userID, code: code)
  }

  static func signOut(_ c: RequestContext) throws -> Response {
    _ = try PageRoutes.checkedForm(c)
    if let secret = c.sessionSecret { try c.store.sessions.end(secret: secret) }
    var response = page(
      c, 200,
      AccountPageModel(
        title: "Du är utloggad", notice: "Du är utloggad.",
        blocks: [.links([AccountLink("/account/sign-in", "Logga in igen")])]))
    response.setCookie(c.endedSessionCookie)
    return response
  }

  // MARK: Getting an account

  static func registerModel(
    values: [String: String] = [:], problems: [String: String] = [:], notice: String? = nil
  ) -> AccountPageModel {
    AccountPageModel(
      title: "Skapa arrangörskonto", notice: notice,
      blocks: notice != nil
        ? [
          .paragraph(
            "Om adressen kan få ett nytt konto har vi skickat en länk dit. Öppna den för att "
              + "bekräfta adressen; sedan kan du logga in."),
          .links([AccountLink("/account/sign-in", "Till inloggningen")]),
        ]
        : [
          .paragraph(
            "För organisationer som vill arrangera seminarier under Almedalsveckan. Du blir "
              + "organisationens ägare och kan sedan bjuda in kolleger."),
          .form(
            AccountForm(
              action: "/account/register", submit: "Skapa konto",
              fields: [
                AccountField(
                  name: "organisation_name", label: "Organisationens namn",
                  autocomplete: "organization", value: values["organisation_name"] ?? "",
                  problem: problems["organisation_name"]),
                AccountField(
                  name: "name", label: "Ditt namn", autocomplete: "name",
                  value: values["name"] ?? "", problem: problems["name"]),
                AccountField(
                  name: "email", label: "E-postadress", type: "email", autocomplete: "email",
                  value: values["email"] ?? "", problem: problems["email"], maxLength: 254),
                AccountField(
                  name: "password", label: "Välj ett lösenord", type: "password",
                  autocomplete: "new-password", problem: problems["password"],
                  hint: passwordHint, maxLength: 1024),
              ], problem: problems["form"])),
        ])
  }

  static let passwordHint =
    "Minst 8 tecken. Gärna flera ord; inte ett av de vanligaste lösenorden."

  static func registerForm(_ c: RequestContext) throws -> Response {
    page(c, 200, registerModel())
  }

  /// "Skapa arrangörskonto": the same answer for a new and a taken address ("Titta i din
  /// e-post"); mail to one address is capped like sign-ups'.
  static func register(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    var values: [String: String] = [:]
    for name in ["organisation_name", "name", "email"] {
      values[name] = (form[name] ?? "").trimmingCharacters(in: .whitespaces)
    }
    if let response = try throttled(c, "account-register", values: values, model: registerModel) {
      return response
    }
    do {
      let outcome = try c.store.accounts.registerOrganisation(
        organisationName: values["organisation_name"] ?? "", name: values["name"] ?? "",
        email: values["email"] ?? "", password: form["password"] ?? "",
        mail: RegistrationRoutes.mailCap(c))
      if outcome == .capped {
        Log.info(
          "mail_capped",
          ["kind": "verification", "to_domain": MailRoutes.domain(values["email"] ?? "")])
      }
    } catch StoreError.invalid(let validation) {
      return page(
        c, 422, registerModel(values: values, problems: swedish(validation.problems)))
    }
    return page(c, 200, registerModel(notice: "Titta i din e-post."))
  }

  static func forgotModel(email: String = "", problem: String? = nil, notice: String? = nil)
    -> AccountPageModel
  {
    AccountPageModel(
      title: "Glömt lösenordet", notice: notice,
      blocks: notice != nil
        ? [
          .paragraph(
            "Om adressen har ett konto har vi skickat en länk för att välja ett nytt lösenord. "
              + "Länken gäller i 30 minuter och kan användas en gång."),
          .links([AccountLink("/account/sign-in", "Till inloggningen")]),
        ]
        : [
          .paragraph("Skriv adressen du loggar in med, så skickar vi en länk dit."),
          .form(
            AccountForm(
              action: "/account/forgot", submit: "Skicka länken",
              fields: [
                AccountField(
                  name: "email", label: "E-postadress", type: "email", autocomplete: "email",
                  value: email, problem: problem, maxLength: 254)
              ])),
        ])
  }

  static func forgotForm(_ c: RequestContext) throws -> Response {
    page(c, 200, forgotModel())
  }

  /// A reset link by mail: the same answer whatever the address, capped like sign-ups.
  static func forgot(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
    do { try Registration.validateEmail(email) } catch {
      return page(
        c, 422,
        forgotModel(email: email, problem: "Skriv en e-postadress, till exempel namn@exempel.se."))
    }
    if let response = try throttled(
      c, "account-forgot", values: ["email": email],
      model: { values, problems, _ in
        forgotModel(email: values["email"] ?? "", problem: problems["form"])
      })
    {
      return response
    }
    // An address never verified gets its verification link again (which also creates its
    // organisation); any other account a reset link.
    if let user = try c.store.accounts.user(email: email), user.emailVerifiedAt == nil,
      user.hasPassword
    {
      _ = try c.store.accounts.resendVerification(
        email: email, mail: RegistrationRoutes.mailCap(c))
    } else if try c.store.accounts.requestReset(
      email: email, mail: RegistrationRoutes.mailCap(c)) == .capped
    {
      Log.info("mail_capped", ["kind": "reset", "to_domain": MailRoutes.domain(email)])
    }
    return page(c, 200, forgotModel(notice: "Titta i din e-post."))
  }

  /// 429 with the form again once this client asked too often (the sign-up limit per client).
  static func throttled(
    _ c: RequestContext, _ kind: String, values: [String: String],
    model: ([String: String], [String: String], String?) -> AccountPageModel
  ) throws -> Response? {
    guard
      let retryAfter = try c.store.registrations.countAttempt(
        key: kind + ":" + RegistrationRoutes.clientAddress(c), limit: c.registrations.perClient,
        window: c.registrations.clientWindow)
    else { return nil }
    var response = page(
      c, 429,
      model(
        values,
        [
          "form": "För många förfrågningar på kort tid. Försök igen om " + minutes(retryAfter) + "."
        ],
        nil))
    response.headers.set("Retry-After", String(retryAfter))
    return response
  }

  // MARK: The mailed links

  static func linkSecret(_ c: RequestContext) throws -> String {
    guard let token = c.parameters["token"], RegistrationRoutes.isSecret(token) else {
      throw PageRoutes.PageNotFound()
    }
    return token
  }

  static func linkModel(
    _ kind: AccountLinkKind, _ info: AccountStore.LinkInfo, action: String,
    problem: String? = nil
  ) -> AccountPageModel {
    let password = AccountField(
      name: "password", label: kind == .reset ? "Nytt lösenord" : "Välj ett lösenord",
      type: "password", autocomplete: "new-password", problem: problem, hint: passwordHint,
      maxLength: 1024)
    switch kind {
    case .invitation:
      let organiser = info.organiserName ?? "Almedalsveckans programkontor"
      return AccountPageModel(
        title: "Inbjudan",
        blocks: [
          .paragraph("Du är inbjuden till " + organiser + " som " + info.email + "."),
          .form(
            AccountForm(
              action: action, submit: "Tacka ja",
              fields: info.needsPassword ? [password] : [])),
        ])
    case .verification:
      return AccountPageModel(
        title: "Bekräfta e-postadressen",
        blocks: [
          .paragraph(
            "Bekräfta att " + info.email + " är din adress"
              + (info.organisationName.map { ", så skapas arrangörskontot för " + $0 } ?? "")
              + "."),
          .form(AccountForm(action: action, submit: "Bekräfta")),
        ])
    case .reset:
      return AccountPageModel(
        title: "Välj ett nytt lösenord",
        blocks: [
          .paragraph("För kontot " + info.email + ". Alla inloggningar avslutas."),
          .form(AccountForm(action: action, submit: "Spara lösenordet", fields: [password])),
        ])
    }
  }

  static func goneModel() -> AccountPageModel {
    AccountPageModel(
      title: "Länken gäller inte",
      blocks: [
        .paragraph(
          "Länken är redan använd, har gått ut eller ersatts av en nyare. Be om en ny länk."),
        .links([
          AccountLink("/account/forgot", "Nytt lösenord"),
          AccountLink("/account/sign-in", "Logga in"),
        ]),
      ])
  }

  /// The page a mailed link opens: it shows what the link is for and a form; it never uses
  /// the link (mail scanners fetch links).
  static func linkPage(_ c: RequestContext, _ kind: AccountLinkKind) throws -> Response {
    let secret = try linkSecret(c)
    guard let info = try c.store.accounts.peek(secret: secret, kind: kind) else {
      return page(c, 404, goneModel())
    }
    return page(c, 200, linkModel(kind, info, action: kind.pagePath + secret))
  }

  /// The link page's form: uses the link, once.
  static func useLink(_ c: RequestContext, _ kind: AccountLinkKind) throws -> Response {
    let secret = try linkSecret(c)
    let form = try PageRoutes.checkedForm(c)
    let info: AccountStore.LinkInfo
    do {
      info = try c.store.accounts.consume(
        secret: secret, kind: kind, password: kind == .verification ? nil : form["password"])
    } catch StoreError.notFound {
      return page(c, 404, goneModel())
    } catch StoreError.invalid(let validation) {
      guard let info = try c.store.accounts.peek(secret: secret, kind: kind) else {
        return page(c, 404, goneModel())
      }
      let problems = swedish(validation.problems)
      return page(
        c, 422,
        linkModel(
          kind, info, action: kind.pagePath + secret,
          problem: problems["password"] ?? problems.values.first))
    }
    let done: String =
      switch kind {
      case .invitation:
        "Välkommen" + (info.organiserName.map { " till " + $0 } ?? "") + ". Logga in nu."
      case .verification: "Adressen är bekräftad och kontot klart. Logga in nu."
      case .reset: "Lösenordet är bytt. Logga in med det nya."
      }
    var response = page(
      c, 200, signInModel(email: info.email, notice: done))
    if kind == .reset { response.setCookie(c.endedSessionCookie) }
    return response
  }

  // MARK: Signed in

  /// The request's session when it may act fully; otherwise where to go instead.
  static func fullSession(_ c: RequestContext) throws -> Result<SessionStore.SignedIn, Redirect> {
    guard let signedIn = try c.signedIn() else { return .failure(Redirect("/account/sign-in")) }
    guard signedIn.isFullySignedIn else {
      return .failure(
        Redirect(
          signedIn.user.totpEnabledAt != nil ? "/account/sign-in/code" : "/account/security"))
    }
    return .success(signedIn)
  }

  struct Redirect: Error {
    let location: String
    init(_ location: String) { self.location = location }
  }

  static func landing(_ c: RequestContext) throws -> Response {
    let signedIn: SessionStore.SignedIn
    switch try fullSession(c) {
    case .failure(let redirect): return self.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    var blocks: [AccountBlock] = [
      .paragraph("Inloggad som " + signedIn.user.name + " (" + signedIn.user.email + ").")
    ]
    if signedIn.user.office {
      blocks.append(.paragraph("Du arbetar på programkontoret."))
    }
    if !signedIn.memberships.isEmpty {
      blocks.append(.heading("Dina organisationer"))
      blocks.append(
        .links(
          signedIn.memberships.map {
            AccountLink(
              "/backoffice", $0.organiserName + ($0.role == .owner ? " (ägare)" : " (redaktör)"))
          }))
    }
    blocks.append(.heading("Gå vidare"))
    blocks.append(
      .links([
        AccountLink(
          "/backoffice", signedIn.user.office ? "Programkontoret" : "Arrangörssidorna"),
        AccountLink("/account/security", "Lösenord och tvåstegsverifiering"),
        AccountLink("/account/sessions", "Dina inloggningar"),
      ]))
    blocks.append(
      .form(AccountForm(action: "/account/sign-out", submit: "Logga ut", secondary: true)))
    return page(c, 200, AccountPageModel(title: "Ditt konto", blocks: blocks))
  }

  /// The security page. A session short of its second factor reaches it only to enrol one
  /// (an office account without TOTP); everything else needs the full sign-in.
  static func security(_ c: RequestContext, notice: String? = nil, problems: [String: String] = [:])
    throws -> Response
  {
    guard let signedIn = try c.signedIn() else { return redirect(c, "/account/sign-in") }
    if !signedIn.isFullySignedIn && signedIn.user.totpEnabledAt != nil {
      return redirect(c, "/account/sign-in/code")
    }
    return page(
      c, problems.isEmpty ? 200 : 422,
      try securityModel(c, signedIn, notice: notice, problems: problems))
  }

  static func securityModel(
    _ c: RequestContext, _ signedIn: SessionStore.SignedIn, notice: String?,
    problems: [String: String]
  ) throws -> AccountPageModel {
    let user = signedIn.user
    var blocks: [AccountBlock] = []
    if !signedIn.isFullySignedIn {
      blocks.append(
        .paragraph(
          "Programkontorets konton behöver tvåstegsverifiering. Slå på den för att fortsätta."))
    } else {
      blocks.append(.heading("Byt lösenord"))
      blocks.append(.paragraph("När du byter lösenord avslutas dina andra inloggningar."))
      blocks.append(
        .form(
          AccountForm(
            action: "/account/security/password", submit: "Byt lösenord",
            fields: [
              AccountField(
                name: "current_password", label: "Nuvarande lösenord", type: "password",
                autocomplete: "current-password", problem: problems["current_password"],
                maxLength: 1024),
              AccountField(
                name: "password", label: "Nytt lösenord", type: "password",
                autocomplete: "new-password", problem: problems["password"], hint: passwordHint,
                maxLength: 1024),
            ])))
    }
    blocks.append(.heading("Tvåstegsverifiering"))
    let totp = try c.store.accounts.totp(userID: user.id)
    if let totp, totp.enabled {
      let left = try c.store.accounts.recoveryCodesLeft(userID: user.id)
      blocks.append(
        .paragraph(
          "Tvåstegsverifiering med autentiseringsapp är på. Du har " + String(left)
            + " oanvända reservkoder."))
      if !user.office {
        blocks.append(
          .form(
            AccountForm(
              action: "/account/security/totp/disable", submit: "Stäng av tvåstegsverifiering",
              fields: [
                AccountField(
                  name: "current_password", label: "Ditt lösenord", type: "password",
                  autocomplete: "current-password", problem: problems["disable"],
                  maxLength: 1024)
              ], secondary: true)))
      } else {
        blocks.append(.paragraph("Programkontorets konton kan inte stänga av den."))
      }
    } else if let totp {
      let key = try KeyURI.totp(
        issuer: "Almedalsveckan", account: user.email.replacingOccurrences(of: ":", with: ""),
        secret: totp.secret)
      let svg = try QRCode(text: key, level: .medium).svg(
        accessibleName: "QR-kod för att lägga till kontot i en autentiseringsapp")
      blocks.append(
        .paragraph(
          "Skanna QR-koden med en autentiseringsapp (till exempel FreeOTP, Aegis eller Google "
            + "Authenticator) och skriv sedan koden som appen visar."))
      blocks.append(.qrCode(svg: svg, secret: grouped(Base32.encode(totp.secret))))
      blocks.append(
        .form(
          AccountForm(
            action: "/account/security/totp/confirm", submit: "Slå på",
            fields: [
              AccountField(
                name: "code", label: "Koden från appen", autocomplete: "off",
                problem: problems["code"], hint: "Sex siffror.", maxLength: 10,
                inputMode: "numeric")
            ])))
    } else {
      blocks.append(
        .paragraph(
          "Med tvåstegsverifiering behövs en kod från en app i telefonen utöver lösenordet."))
      blocks.append(
        .form(AccountForm(action: "/account/security/totp", submit: "Slå på tvåstegsverifiering")))
    }
    blocks.append(
      .links(
        signedIn.isFullySignedIn
          ? [
            AccountLink("/account", "Ditt konto"),
            AccountLink("/account/sessions", "Dina inloggningar"),
          ] : []))
    blocks.append(
      .form(AccountForm(action: "/account/sign-out", submit: "Logga ut", secondary: true)))
    return AccountPageModel(title: "Säkerhet", notice: notice, blocks: blocks)
  }

  /// What the redirect after a change says it was.
  static func securityNotice(_ c: RequestContext) -> String? {
    switch c.request.queryValue("changed") {
    case "password": "Lösenordet är bytt. Dina andra inloggningar är avslutade."
    case "totp": "Tvåstegsverifieringen är avstängd."
    default: nil
    }
  }

  /// "ABCD EFGH …": a Base32 key in groups of four, for typing.
  static func grouped(_ text: String) -> String {
    var result = ""
    for (index, character) in text.enumerated() {
      if index > 0 && index % 4 == 0 { result.append(" ") }
      result.append(character)
    }
    return result
  }

  static func changePassword(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    let signedIn: SessionStore.SignedIn
    switch try fullSession(c) {
    case .failure(let redirect): return self.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    do {
      try c.store.accounts.changePassword(
        userID: signedIn.user.id, current: form["current_password"] ?? "",
        new: form["password"] ?? "")
    } catch StoreError.invalid(let validation) {
      return try security(c, problems: swedish(validation.problems))
    }
    // Every session ended with the change (the schema's trigger); this one goes on with a
    // new id, its second factor kept.
    let (_, secret) = try c.store.sessions.create(
      userID: signedIn.user.id, userAgent: c.request.headers["User-Agent"],
      clientAddress: RegistrationRoutes.clientAddress(c), lifetime: c.sessions.lifetime)
    var cookie = secret
    if signedIn.session.secondFactorAt != nil,
      let fresh = try c.store.sessions.markSecondFactor(
        secret: secret, idleTimeout: c.sessions.idleTimeout)
    {
      cookie = fresh
    }
    var response = redirect(c, "/account/security?changed=password")
    response.setCookie(c.sessionCookie(cookie))
    return response
  }

  /// Starts an enrolment: a new secret, shown by the security page as a QR code.
  static func beginTOTP(_ c: RequestContext) throws -> Response {
    _ = try PageRoutes.checkedForm(c)
    guard let signedIn = try c.signedIn(), signedIn.user.totpEnabledAt == nil else {
      return redirect(c, "/account/sign-in")
    }
    try c.store.accounts.beginTOTPEnrolment(userID: signedIn.user.id, secret: Secrets.totpSecret())
    return redirect(c, "/account/security")
  }

  /// A code from the app proves the enrolment: TOTP is on, the session has given its second
  /// factor (and gets a new id), and ten recovery codes are shown, this once.
  static func confirmTOTP(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    guard let secret = c.sessionSecret, let signedIn = try c.signedIn(),
      signedIn.user.totpEnabledAt == nil,
      let totp = try c.store.accounts.totp(userID: signedIn.user.id), !totp.enabled
    else { return redirect(c, "/account/security") }
    let typed = (form["code"] ?? "").filter { $0 != " " }
    guard
      let step = TOTP().verify(
        code: typed, secret: totp.secret, at: Int64(Date().timeIntervalSince1970),
        after: totp.lastStep.map { UInt64(max($0, 0)) }),
      try c.store.accounts.enableTOTP(userID: signedIn.user.id, step: Int64(step))
    else {
      return try security(
        c, problems: ["code": "Koden stämmer inte. Skriv den som appen visar just nu."])
    }
    let codes = RecoveryCodes.generate(count: 10)
    try c.store.accounts.setRecoveryCodes(
      userID: signedIn.user.id, codes: codes.compactMap(RecoveryCodes.normalise))
    let fresh = try c.store.sessions.markSecondFactor(
      secret: secret, idleTimeout: c.sessions.idleTimeout)
    var response = page(
      c, 200,
      AccountPageModel(
        title: "Tvåstegsverifiering är på", notice: "Tvåstegsverifiering är på.",
        blocks: [
          .heading("Dina reservkoder"),
          .paragraph(
            "Spara de här tio koderna på ett säkert ställe. Varje kod kan användas en gång i "
              + "stället för en kod från appen, om du tappar telefonen. De visas bara nu."),
          .codes(codes),
          .links([AccountLink("/account", "Vidare till ditt konto")]),
        ]))
    if let fresh { response.setCookie(c.sessionCookie(fresh)) }
    return response
  }

  /// Turns TOTP off, with the password (the office cannot).
  static func disableTOTP(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    let signedIn: SessionStore.SignedIn
    switch try fullSession(c) {
    case .failure(let redirect): return self.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    guard !signedIn.user.office else {
      return try security(c, problems: ["disable": "Programkontorets konton behöver den."])
    }
    let check = try c.store.accounts.signIn(
      email: signedIn.user.email, password: form["current_password"] ?? "",
      client: RegistrationRoutes.clientAddress(c), limits: c.sessions.signInLimits)
    guard case .signedIn = check else {
      return try security(c, problems: ["disable": "Lösenordet stämmer inte."])
    }
    try c.store.accounts.disableTOTP(userID: signedIn.user.id)
    return redirect(c, "/account/security?changed=totp")
  }

  static func sessionList(_ c: RequestContext) throws -> Response {
    let signedIn: SessionStore.SignedIn
    switch try fullSession(c) {
    case .failure(let redirect): return self.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let sessions = try c.store.sessions.list(
      userID: signedIn.user.id, idleTimeout: c.sessions.idleTimeout)
    let rows = sessions.map { session in
      AccountSessionRow(
        created: when(session.createdAt), lastSeen: when(session.lastSeenAt),
        userAgent: session.userAgent.flatMap { $0.isEmpty ? nil : $0 } ?? "Okänd webbläsare",
        isCurrent: session.id == signedIn.session.id,
        end: AccountForm(
          action: "/account/sessions/" + session.id.uuidString.lowercased() + "/end",
          submit: session.id == signedIn.session.id ? "Logga ut" : "Avsluta", secondary: true))
    }
    return page(
      c, 200,
      AccountPageModel(
        title: "Dina inloggningar",
        blocks: [
          .paragraph("Avsluta en inloggning du inte känner igen, och byt då lösenord."),
          .sessions(rows),
          .links([AccountLink("/account", "Ditt konto")]),
        ]))
  }

  static func endSession(_ c: RequestContext) throws -> Response {
    _ = try PageRoutes.checkedForm(c)
    let id = try PageRoutes.pageID(c)
    let signedIn: SessionStore.SignedIn
    switch try fullSession(c) {
    case .failure(let redirect): return self.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    guard try c.store.sessions.end(sessionID: id, userID: signedIn.user.id) else {
      throw PageRoutes.PageNotFound()
    }
    if id == signedIn.session.id {
      var response = redirect(c, "/account/sign-in")
      response.setCookie(c.endedSessionCookie)
      return response
    }
    return redirect(c, "/account/sessions")
  }

  // MARK: Parts

  /// An account page: the public pages' headers, and never stored, passed on or indexed.
  static func page(_ c: RequestContext, _ status: Int, _ model: AccountPageModel) -> Response {
    var response = PageRoutes.page(c, status: status, Pages.account(model, PageRoutes.context(c)))
    response.headers.set("Cache-Control", "no-store")
    response.headers.set("Referrer-Policy", "no-referrer")
    response.headers.set("X-Robots-Tag", "noindex")
    return response
  }

  /// 303 See Other to one of our own paths.
  static func redirect(_ c: RequestContext, _ location: String) -> Response {
    var response = PageRoutes.page(c, status: 303, [])
    response.headers.set("Location", location)
    response.headers.set("Cache-Control", "no-store")
    response.headers.set("Referrer-Policy", "no-referrer")
    return response
  }

  static func minutes(_ seconds: Int) -> String {
    let minutes = max(1, (seconds + 59) / 60)
    return minutes == 1 ? "en minut" : String(minutes) + " minuter"
  }

  /// `2026-06-23 12:05`, in Visby's time.
  static func when(_ date: Date) -> String {
    let time = LocalTime(date)
    func two(_ value: Int) -> String { value < 10 ? "0" + String(value) : String(value) }
    return String(time.year) + "-" + two(time.month) + "-" + two(time.day) + " "
      + two(time.hour) + ":" + two(time.minute)
  }

  /// The store's problems in Swedish, by field: the same rules as the API's 422.
  static func swedish(_ problems: [FieldProblem]) -> [String: String] {
    var result: [String: String] = [:]
    for problem in problems where result[problem.field] == nil {
      let message = problem.message
      let text: String
      switch problem.field {
      case "password":
        if message.contains("at least") {
          text = "Lösenordet måste ha minst \(Password.minimumLength) tecken."
        } else if message.contains("at most") {
          text = "Lösenordet får ha högst \(Password.maximumLength) tecken."
        } else if message.contains("common") {
          text = "Det är ett av de vanligaste lösenorden. Välj ett annat."
        } else if message.contains("email") {
          text = "Lösenordet får inte vara din e-postadress."
        } else if message.contains("name") {
          text = "Lösenordet får inte vara ditt namn."
        } else if message.contains("control") {
          text = "Lösenordet får inte innehålla styrtecken."
        } else {
          text = "Välj ett annat lösenord."
        }
      case "current_password": text = "Det är inte ditt nuvarande lösenord."
      case "email": text = "Skriv en e-postadress, till exempel namn@exempel.se."
      case "name": text = "Skriv ditt namn (högst 200 tecken, inga styrtecken)."
      case "organisation_name":
        text = "Skriv organisationens namn (högst 200 tecken, inga styrtecken)."
      default: text = message
      }
      result[problem.field] = text
    }
    return result
  }
}

extension Route {
  /// A page of someone's own: not for crawlers (robots.txt says `Disallow: /account`).
  static func account(
    _ method: Method, _ path: String, secret: Bool = false, _ handler: @escaping Handler
  ) -> Route {
    .page(method, path, secret: secret, hiddenFromCrawlers: true, handler)
  }
}
