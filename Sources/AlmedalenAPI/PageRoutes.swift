import AlmedalenCore
import AlmedalenFeeds
import AlmedalenPages
import AlmedalenStore
import Foundation
import HTTPServer

/// The public pages: the programme, each seminar with its sign-up form, people, organisers,
/// and the attendee's own registration page. HTML without JavaScript; every answer carries a
/// Content-Security-Policy, and every form a token that must match a SameSite cookie.
enum PageRoutes {
  static let routes: [Route] = [
    .page(.get, "/") { try programme($0) },
    .page(.get, "/events/{id}") { try event($0) },
    .page(.post, "/events/{id}/registrations") { try signUp($0) },
    .page(.post, "/events/{id}/links") { try resendLinks($0) },
    .page(.get, "/people/{id}") { try person($0) },
    .page(.get, "/organisers/{id}") { try organiser($0) },
    .page(.get, "/registrations/{token}", secret: true) { try registration($0) },
    .page(.post, "/registrations/{token}/cancel", secret: true) { try cancel($0) },
    .page(.post, "/registrations/{token}/confirm", secret: true) { try confirm($0) },
    .page(.get, "/attendees/{token}", secret: true) { try attendee($0) },
    .page(.post, "/attendees/{token}/registrations/{id}/cancel", secret: true) {
      try attendeeCancel($0)
    },
    .page(.post, "/attendees/{token}/revoke", secret: true) { try attendeeRevoke($0) },
    .page(.get, "/static/site.css") { _ in
      Response(
        headers: [
          "Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=86400",
          "X-Content-Type-Options": "nosniff",
        ], body: Pages.stylesheet, compressible: true)
    },
  ]

  static let securityHeaders: [(String, String)] = [
    (
      "Content-Security-Policy",
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        + "base-uri 'none'; frame-ancestors 'none'"
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
  ]

  // MARK: Pages

  static func programme(_ c: RequestContext) throws -> Response {
    var request = c.request
    // A form sends its empty selects as `day=`: those mean "any".
    request.query = request.query.filter { !$0.value.isEmpty }
    let query: FeedQuery
    do {
      query = try FeedQuery(request)
    } catch {
      return page(
        c, status: 422,
        Pages.error(
          status: 422, title: "Urvalet går inte att visa",
          message: error.errors.map { "\($0.field): \($0.message)" }.joined(separator: "; "),
          context(c)))
    }
    let editions = try c.store.editions.list()
    if let year = query.year, !editions.contains(where: { $0.year == year }) {
      throw PageNotFound()
    }
    guard
      let edition = query.year.flatMap({ year in editions.first { $0.year == year } })
        ?? query.day.flatMap({ day in editions.first { $0.days.contains(day) } })
        ?? editions.max(by: { $0.year < $1.year })
    else {
      return page(
        c, status: 200,
        Pages.error(
          status: 200, title: "Inget program än", message: "Programmet är inte publicerat ännu.",
          context(c)))
    }
    var chosen = query
    // Without any choice, the page opens on today during the festival, else its first day.
    let unfiltered = request.query.allSatisfy { !FeedQuery.names.contains($0.name) }
    if unfiltered {
      let today = FestivalTime.day(of: Date())
      chosen.day = edition.days.contains(today) ? today : edition.firstDay
    }
    // Without a day the page shows one edition: its feed links must say which.
    if chosen.day == nil { chosen.year = edition.year }
    let key = "page:/?" + chosen.canonical
    let cache = c.feeds.cache
    let generation = cache.generation
    if let bytes = cache.lookup(key) {
      var response = page(c, status: 200, bytes.body)
      response.headers.set("X-Page-Cache", "hit")
      return response
    }
    let snapshot = try c.store.feeds.snapshot(chosen.filter(editionID: edition.id))
    let choices = try c.store.feeds.filterOptions(editionID: edition.id)
    var days: [(day: LocalDay, events: [FeedEvent])] = []
    for event in FeedRoutes.feedEvents(snapshot, c.feeds) {
      let day = FestivalTime.day(of: event.event.startsAt)
      if days.last?.day == day {
        days[days.count - 1].events.append(event)
      } else {
        days.append((day, [event]))
      }
    }
    let parts = try chosen.describe(c.store)
    let suffix = chosen.canonical.isEmpty ? "" : "?" + chosen.canonical
    let calendar = c.feeds.baseURL + "/feeds/program.ics" + suffix
    let model = ProgrammePageModel(
      title: ([edition.name] + (unfiltered ? [] : parts.filter { $0 != String(edition.year) }))
        .joined(separator: " · "),
      filters: ProgrammeFilters(
        day: chosen.day?.description, topic: chosen.topic,
        organiser: chosen.organiser?.uuidString.lowercased(),
        venue: chosen.venue?.uuidString.lowercased(),
        accessibility: chosen.accessibility.map(\.rawValue), language: chosen.language,
        text: chosen.text,
        days: edition.days.map {
          FilterOption(
            value: $0.description,
            label: LocalTime(FestivalTime.date($0, hour: 12)).swedishDay.capitalizedFirst)
        },
        topics: choices.topics.map { FilterOption(value: $0, label: $0) },
        organisers: choices.organisers.map {
          FilterOption(value: $0.id.uuidString.lowercased(), label: $0.name)
        },
        venues: choices.venues.map {
          FilterOption(value: $0.id.uuidString.lowercased(), label: $0.name)
        },
        languages: choices.languages.map {
          FilterOption(value: $0, label: languageNames[$0] ?? $0)
        },
        features: Accessibility.allCases.map {
          FilterOption(value: $0.rawValue, label: FeedQuery.swedish($0).capitalizedFirst)
        }),
      days: days,
      feeds: FeedLinks(
        calendar: calendar, webcal: c.feeds.webcal(calendar),
        rss: c.feeds.baseURL + "/feeds/program.rss" + suffix),
      query: chosen.canonical)
    let body = Pages.programme(model, context(c))
    cache.store(
      FeedCache.Entry(
        body: body, lastModified: nil, contentType: "text/html; charset=utf-8",
        filename: "program.html"), for: key, renderedIn: generation)
    var response = page(c, status: 200, body)
    response.headers.set("X-Page-Cache", "miss")
    return response
  }

  static func event(_ c: RequestContext) throws -> Response {
    let id = try pageID(c)
    let (model, _) = try eventModel(c, id)
    return page(c, status: 200, Pages.event(model, context(c)))
  }

  static func eventModel(_ c: RequestContext, _ id: UUID) throws -> (EventPageModel, FeedEvent) {
    let snapshot: ProgrammeSnapshot
    do {
      snapshot = try c.store.feeds.event(id)
    } catch StoreError.notFound {
      throw PageNotFound()
    }
    let event = FeedRoutes.feedEvents(snapshot, c.feeds)[0]
    // Requests not yet confirmed count as the places they hold (`places`, not `counts`), so
    // that the seats shown never tell whether a request's address was new or known.
    let places = try c.store.registrations.places(eventID: id)
    let details = event.event
    let calendar = c.feeds.baseURL + "/feeds/events/" + id.uuidString.lowercased() + ".ics"
    let model = EventPageModel(
      event: event,
      seats: Seats(
        capacity: details.capacity, confirmed: places.seated, waitlisted: places.queued,
        registrationOpen: details.registrationOpen),
      canSignUp: details.status == .published && details.registrationOpen
        && details.capacity != nil && details.endsAt > Date(),
      calendar: FeedLinks(calendar: calendar, webcal: c.feeds.webcal(calendar)))
    var withLinks = model
    withLinks.canResendLinks =
      details.status == .published && details.capacity != nil && details.endsAt > Date()
    return (withLinks, event)
  }

  static func person(_ c: RequestContext) throws -> Response {
    let id = try pageID(c)
    let person: Person
    do { person = try c.store.people.publicPerson(id) } catch StoreError.notFound {
      throw PageNotFound()
    }
    let snapshot = try c.store.feeds.schedule(of: id)
    let calendar = c.feeds.baseURL + "/feeds/people/" + id.uuidString.lowercased() + ".ics"
    let subtitle = [person.title, person.organisation, person.party.map { "(\($0))" }]
      .compactMap { $0 }.joined(separator: ", ")
    return page(
      c, status: 200,
      Pages.listing(
        ListingPageModel(
          kind: .person, name: person.name, subtitle: subtitle.isEmpty ? nil : subtitle,
          events: FeedRoutes.feedEvents(snapshot, c.feeds),
          feeds: FeedLinks(calendar: calendar, webcal: c.feeds.webcal(calendar))), context(c)))
  }

  static func organiser(_ c: RequestContext) throws -> Response {
    let id = try pageID(c)
    let organiser: Organiser
    do {
      organiser = try c.store.organisers.get(id)
    } catch StoreError.notFound {
      throw PageNotFound()
    }
    var filter = EventFilter.publicProgramme
    filter.organiserID = id
    let snapshot = try c.store.feeds.snapshot(filter)
    let suffix = "?organiser=" + id.uuidString.lowercased()
    let calendar = c.feeds.baseURL + "/feeds/program.ics" + suffix
    return page(
      c, status: 200,
      Pages.listing(
        ListingPageModel(
          kind: .organiser, name: organiser.name, website: organiser.website,
          events: FeedRoutes.feedEvents(snapshot, c.feeds),
          feeds: FeedLinks(
            calendar: calendar, webcal: c.feeds.webcal(calendar),
            rss: c.feeds.baseURL + "/feeds/program.rss" + suffix)), context(c)))
  }

  // MARK: Forms

  static func signUp(_ c: RequestContext) throws -> Response {
    let id = try pageID(c)
    let form = try checkedForm(c)
    var (model, event) = try eventModel(c, id)
    let name = form["name"] ?? ""
    let email = form["email"] ?? ""
    model.name = name
    model.email = email
    do {
      let outcome = try RegistrationRoutes.signUp(
        c, eventID: id, name: name, email: email,
        attendeeSecret: c.request.cookie(attendeeCookie))
      guard case .signedUp(let signUp) = outcome else {
        var response = page(c, status: 200, Pages.requested(event: event, context(c)))
        response.headers.set("Cache-Control", "no-store")
        return response
      }
      // The visitor's attendee link proved the address: signed up at once.
      var model = SignedUpPageModel(
        event: event, status: signUp.registration.status,
        waitlistPosition: signUp.waitlistPosition, registrationPage: nil, calendar: nil)
      model.confirmedByMail = !signUp.existing
      var response = page(
        c, status: signUp.existing ? 200 : 201, Pages.signedUp(model, context(c)))
      // The page holds secrets: neither stored nor passed on.
      response.headers.set("Cache-Control", "no-store")
      response.headers.set("Referrer-Policy", "no-referrer")
      return response
    } catch StoreError.invalid(let validation) {
      model.problems = Dictionary(
        validation.problems.map { ($0.field, swedish($0)) }, uniquingKeysWith: { a, _ in a })
      return page(c, status: 422, Pages.event(model, context(c)))
    } catch StoreError.lifecycle(let reason) {
      event.event.details.registrationOpen = false
      model.canSignUp = false
      model.problems = ["form": "Anmälan gick inte: " + reason + "."]
      return page(c, status: 409, Pages.event(model, context(c)))
    } catch let problem as Problem where problem.status == 429 {
      model.problems = [
        "form":
          "För många anmälningar på kort tid. Försök igen om \(problem.retryAfter ?? 60) sekunder."
      ]
      var response = page(c, status: 429, Pages.event(model, context(c)))
      if let retryAfter = problem.retryAfter {
        response.headers.set("Retry-After", String(retryAfter))
      }
      return response
    }
  }

  /// "Skicka mina länkar igen": the same page whatever the address, once it is one.
  static func resendLinks(_ c: RequestContext) throws -> Response {
    let id = try pageID(c)
    let form = try checkedForm(c)
    var (model, _) = try eventModel(c, id)
    let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
    model.linksEmail = email
    do {
      try Registration.validateEmail(email)
    } catch {
      model.linksProblem = swedish(FieldProblem(field: "email", message: ""))
      return page(c, status: 422, Pages.event(model, context(c)))
    }
    do {
      try RegistrationRoutes.limit(
        c, key: "links-client:" + RegistrationRoutes.clientAddress(c), c.registrations.perClient,
        c.registrations.clientWindow)
    } catch let problem as Problem where problem.status == 429 {
      model.linksProblem =
        "För många förfrågningar på kort tid. Försök igen om \(problem.retryAfter ?? 60) sekunder."
      var response = page(c, status: 429, Pages.event(model, context(c)))
      response.headers.set("Retry-After", String(problem.retryAfter ?? 60))
      return response
    }
    try MailRoutes.queueLinks(c, email: email)
    model.linksRequested = true
    model.linksEmail = ""
    var response = page(c, status: 200, Pages.event(model, context(c)))
    response.headers.set("Cache-Control", "no-store")
    return response
  }

  static func registration(_ c: RequestContext) throws -> Response {
    let token = try RegistrationRoutes.secret(c)
    let found: (registration: Registration, waitlistPosition: Int?)
    do { found = try c.store.registrations.find(secret: token) } catch StoreError.notFound {
      throw PageNotFound()
    }
    let snapshot = try c.store.feeds.event(found.registration.eventID)
    var model = RegistrationPageModel(
      event: FeedRoutes.feedEvents(snapshot, c.feeds)[0], status: found.registration.status,
      waitlistPosition: found.waitlistPosition,
      cancelAction: "/registrations/" + token + "/cancel")
    if found.registration.status == .pending {
      model.confirmAction = "/registrations/" + token + "/confirm"
      model.expiresAt = found.registration.expiresAt
    }
    var response = page(c, status: 200, Pages.registration(model, context(c)))
    response.headers.set("Cache-Control", "no-store")
    response.headers.set("Referrer-Policy", "no-referrer")
    response.headers.set("X-Robots-Tag", "noindex")
    return response
  }

  static func cancel(_ c: RequestContext) throws -> Response {
    let token = try RegistrationRoutes.secret(c)
    _ = try checkedForm(c)
    let registration: Registration
    do { registration = try c.store.registrations.cancel(secret: token) } catch StoreError.notFound
    {
      throw PageNotFound()
    }
    let snapshot = try c.store.feeds.event(registration.eventID)
    var response = page(
      c, status: 200,
      Pages.cancelled(event: FeedRoutes.feedEvents(snapshot, c.feeds)[0], context(c)))
    response.headers.set("Cache-Control", "no-store")
    response.headers.set("Referrer-Policy", "no-referrer")
    return response
  }

  /// The confirm button of a request's page (a GET never confirms: mail scanners fetch
  /// links).
  static func confirm(_ c: RequestContext) throws -> Response {
    let token = try RegistrationRoutes.secret(c)
    _ = try checkedForm(c)
    let outcome: RegistrationStore.Confirmation
    do { outcome = try c.store.registrations.confirm(secret: token) } catch StoreError.notFound {
      throw PageNotFound()
    }
    let registration: Registration
    let position: Int?
    var mailed = false
    switch outcome {
    case .expired:
      throw Problem(
        status: 409, title: "För sent",
        detail: "Anmälan bekräftades inte i tid och platsen har släppts. Anmäl dig igen.")
    case .confirmed(let found, let place):
      (registration, position, mailed) = (found, place, true)
    case .alreadySignedUp(let found, let place):
      (registration, position) = (found, place)
    }
    let snapshot = try c.store.feeds.event(registration.eventID)
    var model = SignedUpPageModel(
      event: FeedRoutes.feedEvents(snapshot, c.feeds)[0], status: registration.status,
      waitlistPosition: position, registrationPage: nil, calendar: nil)
    model.confirmedByMail = mailed
    var response = page(c, status: 200, Pages.signedUp(model, context(c)))
    response.headers.set("Cache-Control", "no-store")
    response.headers.set("Referrer-Policy", "no-referrer")
    return response
  }

  static let attendeeCookie = "almedalen_attendee"

  /// The attendee's own page, from the link mailed to them. It leaves a cookie, so that
  /// their further sign-ups from this browser need no confirmation by mail.
  static func attendee(_ c: RequestContext) throws -> Response {
    let token = try RegistrationRoutes.secret(c)
    let snapshot: ProgrammeSnapshot
    let registrations: [UUID: Registration]
    do {
      (snapshot, registrations) = try c.store.registrations.calendar(secret: token)
    } catch StoreError.notFound {
      throw PageNotFound()
    }
    let items = FeedRoutes.feedEvents(snapshot, c.feeds).compactMap {
      event -> AttendeePageModel.Item? in
      guard let registration = registrations[event.event.id] else { return nil }
      return AttendeePageModel.Item(
        event: event, status: registration.status, waitlistPosition: nil,
        cancelAction: "/attendees/" + token + "/registrations/"
          + registration.id.uuidString.lowercased() + "/cancel")
    }
    let calendar = c.feeds.baseURL + "/feeds/attendee/" + token + ".ics"
    var response = page(
      c, status: 200,
      Pages.attendee(
        AttendeePageModel(
          items: items, calendar: FeedLinks(calendar: calendar, webcal: c.feeds.webcal(calendar)),
          revokeAction: "/attendees/" + token + "/revoke"), context(c)))
    response.headers.set("Cache-Control", "no-store")
    response.headers.set("Referrer-Policy", "no-referrer")
    response.headers.set("X-Robots-Tag", "noindex")
    response.setCookie(
      SetCookie(
        name: attendeeCookie, value: token, maxAge: 30 * 86_400,
        secure: c.feeds.baseURL.hasPrefix("https://"), sameSite: .lax))
    return response
  }

  static func attendeeCancel(_ c: RequestContext) throws -> Response {
    let token = try RegistrationRoutes.secret(c)
    _ = try checkedForm(c)
    guard let text = c.parameters["id"], let id = UUID(uuidString: text) else {
      throw PageNotFound()
    }
    let registration: Registration
    do {
      registration = try c.store.registrations.cancel(registrationID: id, attendeeSecret: token)
    } catch StoreError.notFound {
      throw PageNotFound()
    }
    let snapshot = try c.store.feeds.event(registration.eventID)
    var response = page(
      c, status: 200,
      Pages.cancelled(event: FeedRoutes.feedEvents(snapshot, c.feeds)[0], context(c)))
    response.headers.set("Cache-Control", "no-store")
    response.headers.set("Referrer-Policy", "no-referrer")
    return response
  }

  static func attendeeRevoke(_ c: RequestContext) throws -> Response {
    let token = try RegistrationRoutes.secret(c)
    _ = try checkedForm(c)
    do { try c.store.registrations.revokeCalendar(secret: token) } catch StoreError.notFound {
      throw PageNotFound()
    }
    var response = page(
      c, status: 200,
      Pages.error(
        status: 200, title: "Dina länkar är stoppade",
        message: "Ingen av dina gamla länkar fungerar längre. Nya får du på ett seminariums sida, "
          + "med \"Skicka mina länkar igen\".", context(c)))
    response.headers.set("Cache-Control", "no-store")
    response.setCookie(
      SetCookie(
        name: attendeeCookie, value: "", maxAge: 0,
        secure: c.feeds.baseURL.hasPrefix("https://"), sameSite: .lax))
    return response
  }

  // MARK: Parts

  struct PageNotFound: Error {}

  static let cookieName = "almedalen_form"

  /// The visitor's form token: from their cookie when it is one of ours, else a new one.
  static func formToken(_ request: Request) -> (token: String, isNew: Bool) {
    if let token = request.cookie(cookieName), token.utf8.count == 43 {
      return (token, false)
    }
    return (Secret.make(), true)
  }

  static func context(_ c: RequestContext) -> PageContext {
    PageContext(baseURL: c.feeds.baseURL, formToken: c.formToken.token)
  }

  /// An HTML answer with the security headers, setting the form cookie when it is new.
  static func page(_ c: RequestContext, status: Int, _ body: [UInt8]) -> Response {
    var response = Response(
      status: status, headers: ["Content-Type": "text/html; charset=utf-8"], body: body,
      compressible: true)
    for (name, value) in securityHeaders { response.headers.set(name, value) }
    response.headers.set("Cache-Control", "no-cache")
    let (token, isNew) = c.formToken
    if isNew {
      response.setCookie(
        SetCookie(name: cookieName, value: token, secure: c.feeds.baseURL.hasPrefix("https://")))
    }
    return response
  }

  /// The posted form, after the checks against cross-site submission: the browser says the
  /// request comes from our own site (`Origin`, `Sec-Fetch-Site`), and the form's token
  /// equals the SameSite cookie's, which another site can neither read nor send.
  static func checkedForm(_ c: RequestContext) throws -> URLEncodedForm {
    let request = c.request
    guard request.contentType?.essence == "application/x-www-form-urlencoded" else {
      throw Problem(
        status: 415, title: "Formuläret kunde inte läsas",
        detail: "Skicka formuläret som application/x-www-form-urlencoded.")
    }
    if let site = request.headers["Sec-Fetch-Site"], site == "cross-site" {
      throw forged
    }
    if let origin = request.headers["Origin"], origin != "null",
      origin != Self.origin(c.feeds.baseURL)
    {
      throw forged
    }
    let form = URLEncodedForm(request.body)
    guard let cookie = request.cookie(cookieName), let field = form["form_token"],
      constantTimeEqual(cookie, field)
    else { throw forged }
    return form
  }

  static let forged = Problem(
    status: 403, title: "Formuläret kunde inte skickas",
    detail: "Det kom inte från den här webbplatsen, eller så är sidan för gammal. "
      + "Ladda om sidan och försök igen.")

  static func origin(_ url: String) -> String {
    guard let schemeEnd = url.range(of: "://") else { return url }
    let rest = url[schemeEnd.upperBound...]
    let host = rest.prefix { $0 != "/" }
    return String(url[..<schemeEnd.upperBound]) + host
  }

  static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for (p, q) in zip(x, y) { difference |= p ^ q }
    return difference == 0
  }

  static func pageID(_ c: RequestContext) throws -> UUID {
    guard let text = c.parameters["id"], let id = UUID(uuidString: text) else {
      throw PageNotFound()
    }
    return id
  }

  static func swedish(_ problem: FieldProblem) -> String {
    switch problem.field {
    case "name": "Skriv ditt namn (högst 200 tecken, inga kontrolltecken)."
    case "email": "Skriv en e-postadress, till exempel namn@exempel.se."
    default: problem.message
    }
  }

  static let languageNames = [
    "sv": "Svenska", "en": "Engelska", "fi": "Finska", "ar": "Arabiska", "de": "Tyska",
    "fr": "Franska", "es": "Spanska", "se": "Samiska",
  ]
}

extension String {
  /// "tisdag 23 juni" → "Tisdag 23 juni".
  var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
