import AlmedalenCore
import AlmedalenPages
import AlmedalenStore
import Foundation
import HTTPServer

/// The backoffice: the organisers' overview and event form, and the programme office's
/// review queue. The renderers of AlmedalenPages fed from the store, every decision of who
/// may do what taken by `Policy` for the session's actor. Another organisation's page, or an
/// event the actor may not edit, is 404, as if absent.
///
/// Like the account pages, every answer is `no-store`, `no-referrer` and `noindex`, and every
/// POST goes through `PageRoutes.checkedForm` (form token and Origin).
enum BackofficeRoutes {
  static let routes: [Route] = [
    .backoffice(.get, "/backoffice") { try start($0) },
    .backoffice(.get, "/backoffice/organisations/{id}/events") { try overview($0) },
    .backoffice(.get, "/backoffice/organisations/{id}/events/new") { try newEventForm($0) },
    .backoffice(.post, "/backoffice/organisations/{id}/events/new") { try createEvent($0) },
    .backoffice(.get, "/backoffice/events/{id}") { try eventForm($0) },
    .backoffice(.post, "/backoffice/events/{id}") { try saveEvent($0) },
    .backoffice(.post, "/backoffice/events/{id}/cancel") { try cancelEvent($0) },
    .backoffice(.get, "/backoffice/events/{id}/registrations") { try registrations($0) },
    .backoffice(.get, "/backoffice/events/{id}/registrations.csv") { try registrationsCSV($0) },
    .backoffice(.get, "/backoffice/events/{id}/history") { try history($0) },
    .backoffice(.post, "/backoffice/events/{id}/delete") { try deleteEvent($0) },
    .backoffice(.get, "/backoffice/office/review") { try review($0) },
    .backoffice(.post, "/backoffice/office/review/{id}/approve") { try approve($0) },
    .backoffice(.post, "/backoffice/office/review/{id}/return") { try returnEvent($0) },
  ]

  // MARK: Who

  /// The fully signed-in session, or the redirect the account pages would give.
  static func session(_ c: RequestContext) throws -> Result<
    SessionStore.SignedIn, AccountRoutes.Redirect
  > {
    try AccountRoutes.fullSession(c)
  }

  static func frame(_ signedIn: SessionStore.SignedIn, notice: String? = nil) -> BackofficeFrame {
    BackofficeFrame(
      userName: signedIn.user.name,
      organisations: signedIn.memberships.map {
        BackofficeFrame.Organisation(id: $0.organiserID, name: $0.organiserName)
      }, isOffice: signedIn.user.office && signedIn.isFullySignedIn, notice: notice)
  }

  static func organisation(_ c: RequestContext, _ id: UUID) throws -> BackofficeFrame.Organisation {
    BackofficeFrame.Organisation(id: id, name: try c.store.organisers.get(id).name)
  }

  /// `/backoffice`: the office goes to its review queue, a member of one organisation to its
  /// overview, a member of several chooses.
  static func start(_ c: RequestContext) throws -> Response {
    let signedIn: SessionStore.SignedIn
    switch try session(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    if Policy.may(.session(signedIn), .office, .none) {
      return AccountRoutes.redirect(c, BackofficePaths.reviewQueue)
    }
    let memberships = signedIn.memberships
    if memberships.count == 1, let only = memberships.first {
      return AccountRoutes.redirect(c, BackofficePaths.overview(only.organiserID))
    }
    let blocks: [AccountBlock] =
      memberships.isEmpty
      ? [
        .paragraph(
          "Du är inte med i någon organisation ännu. Be organisationens ägare att bjuda in dig."),
        .links([AccountLink("/account", "Ditt konto")]),
      ]
      : [
        .paragraph("Välj organisationen du vill arbeta med."),
        .links(
          memberships.sorted { $0.organiserName < $1.organiserName }.map {
            AccountLink(BackofficePaths.overview($0.organiserID), $0.organiserName)
          }),
      ]
    return AccountRoutes.page(c, 200, AccountPageModel(title: "Arrangörssidorna", blocks: blocks))
  }

  // MARK: The organisation's events

  static func overview(_ c: RequestContext) throws -> Response {
    let signedIn: SessionStore.SignedIn
    switch try session(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let actor = Actor.session(signedIn)
    let organiserID = try PageRoutes.pageID(c)
    guard Policy.may(actor, .readPrivate, .organiser(organiserID)) else {
      throw PageRoutes.PageNotFound()
    }
    let organisation = try existing { try self.organisation(c, organiserID) }
    // Every status, private ones only of this organisation (a co-organised event of
    // another stays hidden until it is public).
    let events = try c.store.events.all(
      EventFilter(organiserID: organiserID, draftsOf: organiserID))
    let venues = try venueTable(c)
    var items: [BackofficeOverviewModel.Item] = []
    for event in events {
      let counts = try c.store.registrations.counts(eventID: event.id)
      items.append(
        BackofficeOverviewModel.Item(
          event: event, venue: event.venueID.flatMap { venues[$0] },
          warnings: try warnings(c, actor, for: event, venues: venues),
          headcount: BackofficeHeadcount(
            confirmed: counts[.confirmed] ?? 0, waitlisted: counts[.waitlisted] ?? 0,
            pending: counts[.pending] ?? 0, capacity: event.details.capacity)))
    }
    let model = BackofficeOverviewModel(
      frame: frame(signedIn, notice: notice(c)), organisation: organisation, items: items)
    return page(c, 200, Pages.backofficeOverview(model, PageRoutes.context(c)))
  }

  /// The conflicts the API's conflict finder reports for `event`, without other
  /// organisers' private events, each with the other event linked when the actor may edit it.
  static func warnings(
    _ c: RequestContext, _ actor: Actor, for event: Event, venues: [UUID: Venue]
  ) throws -> [BackofficeWarning] {
    let conflicts = try c.store.conflicts.conflicts(for: event.id)
    guard !conflicts.isEmpty else { return [] }
    var result: [BackofficeWarning] = []
    for conflict in conflicts {
      let otherID =
        conflict.firstEventID == event.id ? conflict.secondEventID : conflict.firstEventID
      let other = try? c.store.events.get(otherID)
      if let other, !other.status.isPublic, !Policy.may(actor, .readPrivate, .event(other)) {
        continue
      }
      var warning = BackofficeWarning(conflict, event: event, other: other, venues: venues)
      if let other, !Policy.may(actor, .edit, .event(other)) { warning.otherPath = nil }
      result.append(warning)
    }
    return result
  }

  static func venueTable(_ c: RequestContext) throws -> [UUID: Venue] {
    Dictionary(
      try c.store.venues.all().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
  }

  // MARK: The event form

  static func newEventForm(_ c: RequestContext) throws -> Response {
    let signedIn: SessionStore.SignedIn
    switch try session(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let organiserID = try PageRoutes.pageID(c)
    guard Policy.may(.session(signedIn), .edit, .organiser(organiserID)) else {
      throw PageRoutes.PageNotFound()
    }
    let organisation = try existing { try self.organisation(c, organiserID) }
    let model = BackofficeEventFormModel(frame: frame(signedIn), organisation: organisation)
    return page(c, 200, Pages.backofficeEventForm(model, PageRoutes.context(c)))
  }

  static func createEvent(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    let signedIn: SessionStore.SignedIn
    switch try session(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let actor = Actor.session(signedIn)
    let organiserID = try PageRoutes.pageID(c)
    guard Policy.may(actor, .edit, .organiser(organiserID)) else {
      throw PageRoutes.PageNotFound()
    }
    let organisation = try existing { try self.organisation(c, organiserID) }
    let parsed = EventForm(form)
    var model = BackofficeEventFormModel(
      frame: frame(signedIn), organisation: organisation, values: try named(c, parsed))
    if let answer = try searched(c, parsed, &model) { return answer }
    var object = parsed.object
    object["organiser_id"] = .string(organiserID.wire)
    do {
      let details = try EventJSON.details(
        from: BodyReader(context: c, wire: EventInput.create, given: object), base: nil,
        defaultOrganiser: organiserID, references: c.store.events.referenceProblems)
      let event = try c.store.events.create(
        details, actor: actor.historyName, userID: signedIn.user.id,
        coOrganisersAccepted: actor.isStaff)
      if parsed.intent == "submit", Policy.may(actor, .submit, .event(event)) {
        try c.store.events.submit(
          event.id, expectedVersion: event.version, actor: actor.historyName,
          userID: signedIn.user.id)
        return AccountRoutes.redirect(c, BackofficePaths.event(event.id) + "?done=submitted")
      }
      return AccountRoutes.redirect(c, BackofficePaths.event(event.id) + "?done=created")
    } catch {
      guard let refusal = Refusal(error) else { throw error }
      model.problems = refusal.problems
      return page(c, refusal.status, Pages.backofficeEventForm(model, PageRoutes.context(c)))
    }
  }

  /// The event the path names, when the actor may edit it; else 404.
  static func editable(_ c: RequestContext, _ actor: Actor) throws -> Event {
    let id = try PageRoutes.pageID(c)
    let event = try existing { try c.store.events.get(id) }
    guard Policy.may(actor, .edit, .event(event)) else { throw PageRoutes.PageNotFound() }
    return event
  }

  /// The form for `event` as stored, or with `values` typed over it.
  static func formModel(
    _ c: RequestContext, _ signedIn: SessionStore.SignedIn, _ event: Event,
    values: BackofficeEventValues? = nil, notice: String? = nil
  ) throws -> BackofficeEventFormModel {
    let actor = Actor.session(signedIn)
    let venues = try venueTable(c)
    var coOrganisers: [BackofficeFrame.Organisation] = []
    for id in event.details.coOrganiserIDs {
      if let organiser = try? c.store.organisers.get(id) {
        coOrganisers.append(BackofficeFrame.Organisation(id: id, name: organiser.name))
      }
    }
    let status = event.status
    return BackofficeEventFormModel(
      frame: frame(signedIn, notice: notice),
      organisation: try existing { try organisation(c, event.organiserID) }, eventID: event.id,
      status: status, version: event.version, reviewReason: event.reviewReason,
      values: values
        ?? BackofficeEventValues(
          event, venue: event.venueID.flatMap { venues[$0] }, coOrganisers: coOrganisers),
      warnings: try warnings(c, actor, for: event, venues: venues),
      canSubmit: (status == .draft || status == .returned)
        && Policy.may(actor, .submit, .event(event)),
      canCancel: status == .published && Policy.may(actor, .cancel, .event(event)),
      canDelete: !status.isPublic && Policy.may(actor, .delete, .event(event)),
      cutoffAt: (try? c.store.editions.get(event.editionID))?.cutoffAt)
  }

  static func eventForm(_ c: RequestContext) throws -> Response {
    let signedIn: SessionStore.SignedIn
    switch try session(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let event = try editable(c, .session(signedIn))
    let model = try formModel(c, signedIn, event, notice: notice(c))
    return page(c, 200, Pages.backofficeEventForm(model, PageRoutes.context(c)))
  }

  /// The event the path names, when the actor may read its private side (registrations,
  /// history); else 404.
  static func readable(_ c: RequestContext, _ actor: Actor) throws -> Event {
    let id = try PageRoutes.pageID(c)
    let event = try existing { try c.store.events.get(id) }
    guard Policy.may(actor, .readPrivate, .event(event)) else { throw PageRoutes.PageNotFound() }
    return event
  }

  /// Who comes: the headcount, the confirmed, the waitlist in order, those not yet confirmed.
  static func registrations(_ c: RequestContext) throws -> Response {
    let signedIn: SessionStore.SignedIn
    switch try session(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let event = try readable(c, .session(signedIn))
    let rows = try c.store.registrations.list(eventID: event.id)
    let counts = try c.store.registrations.counts(eventID: event.id)
    func attendees(_ status: RegistrationStatus) -> [BackofficeAttendee] {
      rows.filter { $0.registration.status == status }
        .sorted { ($0.waitlistPosition ?? 0) < ($1.waitlistPosition ?? 0) }
        .map {
          BackofficeAttendee(
            name: $0.registration.name, email: $0.registration.email,
            signedUpAt: $0.registration.createdAt)
        }
    }
    let model = BackofficeRegistrationsModel(
      frame: frame(signedIn),
      organisation: try existing { try organisation(c, event.organiserID) }, event: event,
      headcount: BackofficeHeadcount(
        confirmed: counts[.confirmed] ?? 0, waitlisted: counts[.waitlisted] ?? 0,
        pending: counts[.pending] ?? 0, capacity: event.details.capacity),
      confirmed: attendees(.confirmed), waitlist: attendees(.waitlisted),
      pending: attendees(.pending))
    return page(c, 200, Pages.backofficeRegistrations(model, PageRoutes.context(c)))
  }

  /// The same list for Excel, as the API's `text/csv` gives it.
  static func registrationsCSV(_ c: RequestContext) throws -> Response {
    let signedIn: SessionStore.SignedIn
    switch try session(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let event = try readable(c, .session(signedIn))
    let rows = try c.store.registrations.list(eventID: event.id)
    return Response(
      headers: [
        "Content-Type": "text/csv; charset=utf-8; header=present",
        "Content-Disposition": "attachment; filename=\"anmalningar.csv\"",
        "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex",
      ], body: RegistrationCSV.bytes(rows), compressible: true)
  }

  /// The event's audit trail, naming the users who changed it.
  static func history(_ c: RequestContext) throws -> Response {
    let signedIn: SessionStore.SignedIn
    switch try session(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let event = try readable(c, .session(signedIn))
    let model = BackofficeHistoryModel(
      frame: frame(signedIn),
      organisation: try existing { try organisation(c, event.organiserID) }, event: event,
      changes: try c.store.events.history(event.id))
    return page(c, 200, Pages.backofficeHistory(model, PageRoutes.context(c)))
  }

  /// "Ställ in": a published event stays in the programme, marked cancelled.
  static func cancelEvent(_ c: RequestContext) throws -> Response {
    _ = try PageRoutes.checkedForm(c)
    let signedIn: SessionStore.SignedIn
    switch try session(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let actor = Actor.session(signedIn)
    let event = try editable(c, actor)
    guard event.status == .published, Policy.may(actor, .cancel, .event(event)) else {
      throw PageRoutes.PageNotFound()
    }
    _ = try c.store.events.cancel(event.id, actor: actor.historyName, userID: signedIn.user.id)
    return AccountRoutes.redirect(c, BackofficePaths.event(event.id) + "?done=cancelled")
  }

  /// "Radera utkastet": an event that was never public goes; the schema refuses after the
  /// edition's cut-off (shown as the error page's 409).
  static func deleteEvent(_ c: RequestContext) throws -> Response {
    _ = try PageRoutes.checkedForm(c)
    let signedIn: SessionStore.SignedIn
    switch try session(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let actor = Actor.session(signedIn)
    let event = try editable(c, actor)
    guard !event.status.isPublic, Policy.may(actor, .delete, .event(event)) else {
      throw PageRoutes.PageNotFound()
    }
    try c.store.events.deleteDraft(event.id)
    return AccountRoutes.redirect(c, BackofficePaths.overview(event.organiserID) + "?done=deleted")
  }

  /// Save (and, with `intent=submit`, send to review), guarded by the form's `version`: a
  /// form read before someone else's change is not saved over it, but shown again with the
  /// user's values, the new version and what the other change was (412).
  static func saveEvent(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    let signedIn: SessionStore.SignedIn
    switch try session(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let actor = Actor.session(signedIn)
    let event = try editable(c, actor)
    let parsed = EventForm(form)
    var model = try formModel(c, signedIn, event, values: try named(c, parsed))
    if let answer = try searched(c, parsed, &model) { return answer }
    guard let expected = parsed.version else {
      model.problems = [FieldProblem(field: "form", message: "Formuläret saknar version.")]
      return try overwritten(c, model, event, since: 0)
    }
    do {
      let details = try EventJSON.details(
        from: BodyReader(context: c, wire: EventInput.patch, given: parsed.object),
        base: event.details, defaultOrganiser: nil,
        references: c.store.events.referenceProblems)
      let saved = try c.store.events.update(
        event.id, expectedVersion: expected, with: details, actor: actor.historyName,
        userID: signedIn.user.id, coOrganisersAccepted: actor.isStaff)
      if parsed.intent == "submit" {
        guard Policy.may(actor, .submit, .event(saved)) else { throw PageRoutes.PageNotFound() }
        try c.store.events.submit(
          saved.id, expectedVersion: saved.version, actor: actor.historyName,
          userID: signedIn.user.id)
        return AccountRoutes.redirect(c, BackofficePaths.event(saved.id) + "?done=submitted")
      }
      return AccountRoutes.redirect(c, BackofficePaths.event(saved.id) + "?done=saved")
    } catch StoreError.staleVersion {
      return try overwritten(c, model, event, since: expected)
    } catch {
      guard let refusal = Refusal(error) else { throw error }
      model.problems = refusal.problems
      return page(c, refusal.status, Pages.backofficeEventForm(model, PageRoutes.context(c)))
    }
  }

  /// The form again with the user's values and the stored version, saying who changed what
  /// since `version`.
  static func overwritten(
    _ c: RequestContext, _ model: BackofficeEventFormModel, _ event: Event, since version: Int
  ) throws -> Response {
    var model = model
    model.version = event.version
    let later = try c.store.events.history(event.id).filter { $0.version > version }
    if let last = later.max(by: { $0.version < $1.version }) {
      var changes: [BackofficeFieldChange] = []
      for change in later.sorted(by: { $0.version < $1.version }) {
        for field in change.fields {
          changes.append(
            BackofficeFieldChange(
              field: field.name, old: BackofficeWords.auditValue(field.from),
              new: BackofficeWords.auditValue(field.to)))
        }
      }
      model.overwrite = BackofficeOverwrite(
        changedBy: last.userName ?? last.actor, changedAt: last.changedAt, changes: changes,
        saved: false)
    }
    return page(c, 412, Pages.backofficeEventForm(model, PageRoutes.context(c)))
  }

  /// The searches of the form (venue, person, co-organiser) show the form again with what
  /// was typed and the results, saving nothing; nil for a save or submit.
  static func searched(
    _ c: RequestContext, _ parsed: EventForm, _ model: inout BackofficeEventFormModel
  ) throws -> Response? {
    switch parsed.intent {
    case "search_venue":
      model.venueQuery = parsed.form["venue_q"] ?? ""
      model.venueResults = try c.store.venues.list(query: model.venueQuery, limit: 20).items
    case "search_person":
      model.personQuery = parsed.form["person_q"] ?? ""
      model.personResults = try c.store.people.list(query: model.personQuery, limit: 20).items
    case "search_organiser":
      model.organiserQuery = parsed.form["organiser_q"] ?? ""
      model.organiserResults = try c.store.organisers.list(query: model.organiserQuery, limit: 20)
        .items.map { BackofficeFrame.Organisation(id: $0.id, name: $0.name) }
    case "add_panel":
      model.values.panels.append(BackofficePanelValues())
    case "add_person":
      let form = parsed.form
      if let text = form["add_person_id"], let id = UUID(uuidString: text),
        let person = try? c.store.people.get(id)
      {
        model.values.participants.append(
          participant(person, form, role: "add_role", panel: "add_panel", prefix: "add_"))
      }
    case "new_person":
      let form = parsed.form
      let name = (form["new_person_name"] ?? "").trimmingCharacters(in: .whitespaces)
      do {
        let person = try c.store.people.create(Person(name: name))
        model.values.participants.append(
          participant(person, form, role: "new_role", panel: "new_panel", prefix: "new_person_"))
      } catch let validation as ValidationError {
        model.problems = validation.problems.map {
          FieldProblem(field: "new_person_" + $0.field, message: $0.message)
        }
        return page(c, 422, Pages.backofficeEventForm(model, PageRoutes.context(c)))
      }
    case "save", "submit":
      return nil
    default:
      // A button this route does not know saves nothing.
      break
    }
    return page(c, 200, Pages.backofficeEventForm(model, PageRoutes.context(c)))
  }

  /// The venue and co-organisers the form names by id, with their names from the store (an
  /// id that names none is left for the API's rules to report).
  static func named(_ c: RequestContext, _ parsed: EventForm) throws -> BackofficeEventValues {
    var values = parsed.values
    if let text = parsed.form["venue_id"], let id = UUID(uuidString: text) {
      values.venue = try? c.store.venues.get(id)
    }
    values.coOrganisers = values.coOrganisers.compactMap { organisation in
      (try? c.store.organisers.get(organisation.id)).map {
        BackofficeFrame.Organisation(id: $0.id, name: $0.name)
      }
    }
    return values
  }

  /// A participant row for `person`, with the role, panel, title and organisation the form's
  /// "add" fields chose.
  static func participant(
    _ person: Person, _ form: URLEncodedForm, role: String, panel: String, prefix: String
  ) -> BackofficeParticipantValues {
    BackofficeParticipantValues(
      personID: person.id, name: person.name,
      role: ParticipantRole(rawValue: form[role] ?? "") ?? .panelist,
      panel: Int(form[panel] ?? ""), title: form[prefix + "title"] ?? "",
      organisation: form[prefix + "organisation"] ?? "")
  }

  // MARK: The office

  static func reviewModel(
    _ c: RequestContext, _ signedIn: SessionStore.SignedIn, notice: String? = nil,
    problems: [UUID: String] = [:], reasons: [UUID: String] = [:]
  ) throws -> BackofficeReviewModel {
    let actor = Actor.session(signedIn)
    let venues = try venueTable(c)
    var names: [UUID: String] = [:]
    var items: [BackofficeReviewModel.Item] = []
    for event in try c.store.events.all(EventFilter(statuses: [.submitted])) {
      if names[event.organiserID] == nil {
        names[event.organiserID] = (try? c.store.organisers.get(event.organiserID))?.name ?? ""
      }
      let warnings = try self.warnings(c, actor, for: event, venues: venues)
      let clashes = warnings.filter { warning in
        guard warning.conflict.kind == .venueDoubleBooked else { return false }
        let otherID =
          warning.conflict.firstEventID == event.id
          ? warning.conflict.secondEventID : warning.conflict.firstEventID
        return (try? c.store.events.get(otherID))?.status == .published
      }
      var item = BackofficeReviewModel.Item(
        event: event, organiserName: names[event.organiserID] ?? "",
        venue: event.venueID.flatMap { venues[$0] },
        warnings: warnings.filter { !clashes.contains($0) }, clashes: clashes,
        problem: problems[event.id])
      item.reason = reasons[event.id] ?? ""
      items.append(item)
    }
    return BackofficeReviewModel(frame: frame(signedIn, notice: notice), items: items)
  }

  static func office(_ c: RequestContext) throws -> Result<
    SessionStore.SignedIn, AccountRoutes.Redirect
  > {
    let result = try session(c)
    if case .success(let signedIn) = result, !Policy.may(.session(signedIn), .office, .none) {
      throw PageRoutes.PageNotFound()
    }
    return result
  }

  static func review(_ c: RequestContext) throws -> Response {
    let signedIn: SessionStore.SignedIn
    switch try office(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let model = try reviewModel(c, signedIn, notice: notice(c))
    return page(c, 200, Pages.backofficeReview(model, PageRoutes.context(c)))
  }

  /// Approve: the event is published. A published event at the same venue and time makes
  /// the database refuse; the queue shows the clash (409).
  static func approve(_ c: RequestContext) throws -> Response {
    _ = try PageRoutes.checkedForm(c)
    let signedIn: SessionStore.SignedIn
    switch try office(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let actor = Actor.session(signedIn)
    let id = try PageRoutes.pageID(c)
    let event = try existing { try c.store.events.get(id) }
    guard event.status == .submitted, Policy.may(actor, .publish, .event(event)) else {
      throw PageRoutes.PageNotFound()
    }
    do {
      _ = try c.store.events.publish(id, actor: actor.historyName, userID: signedIn.user.id)
    } catch StoreError.venueTaken {
      let model = try reviewModel(
        c, signedIn,
        problems: [id: "Platsen är redan bokad av ett publicerat evenemang vid samma tid."])
      return page(c, 409, Pages.backofficeReview(model, PageRoutes.context(c)))
    }
    return AccountRoutes.redirect(c, BackofficePaths.reviewQueue + "?done=approved")
  }

  /// Return with a reason (required, the store's rule): the organiser sees it on the form.
  static func returnEvent(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    let signedIn: SessionStore.SignedIn
    switch try office(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let actor = Actor.session(signedIn)
    let id = try PageRoutes.pageID(c)
    let event = try existing { try c.store.events.get(id) }
    guard event.status == .submitted, Policy.may(actor, .returnForChanges, .event(event)) else {
      throw PageRoutes.PageNotFound()
    }
    let reason = form["reason"] ?? ""
    do {
      try c.store.events.returnForChanges(
        id, reason: reason, actor: actor.historyName, userID: signedIn.user.id)
    } catch StoreError.invalid(let validation) {
      let message =
        validation.problems.first.map { BackofficeWords.problem($0.message) }
        ?? "Skriv en motivering."
      let model = try reviewModel(c, signedIn, problems: [id: message], reasons: [id: reason])
      return page(c, 422, Pages.backofficeReview(model, PageRoutes.context(c)))
    }
    return AccountRoutes.redirect(c, BackofficePaths.reviewQueue + "?done=returned")
  }

  // MARK: Parts

  /// A backoffice page: the account pages' headers (never stored, passed on or indexed).
  static func page(_ c: RequestContext, _ status: Int, _ body: [UInt8]) -> Response {
    var response = PageRoutes.page(c, status: status, body)
    response.headers.set("Cache-Control", "no-store")
    response.headers.set("Referrer-Policy", "no-referrer")
    response.headers.set("X-Robots-Tag", "noindex")
    return response
  }

  /// What the redirect after an action says it was.
  static func notice(_ c: RequestContext) -> String? {
    switch c.request.queryValue("done") {
    case "created": "Utkastet är skapat."
    case "saved": "Ändringarna är sparade."
    case "submitted": "Evenemanget är inskickat för granskning."
    case "approved": "Evenemanget är godkänt och publicerat."
    case "returned": "Evenemanget är skickat tillbaka till arrangören."
    case "cancelled": "Evenemanget är inställt."
    case "deleted": "Utkastet är raderat."
    default: nil
    }
  }

  /// A store's "not found" as the page's 404.
  static func existing<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch StoreError.notFound { throw PageRoutes.PageNotFound() }
  }

  /// Why a save was refused, as the form shows it: the API's 422 problems (field paths and
  /// rules the same), a taken venue, or a step the lifecycle does not allow.
  struct Refusal: Error {
    var status: Int
    var problems: [FieldProblem]

    init?(_ error: any Error) {
      switch error {
      case let problem as Problem:
        status = problem.status
        problems =
          problem.errors.isEmpty
          ? [FieldProblem(field: "form", message: problem.detail ?? problem.title)]
          : problem.errors.map { FieldProblem(field: $0.field, message: $0.message) }
      case StoreError.invalid(let validation):
        status = 422
        problems = validation.problems
      case StoreError.venueTaken:
        status = 409
        problems = [
          FieldProblem(
            field: "venue_id", message: "the venue is already booked by a published event")
        ]
      case StoreError.lifecycle(let reason):
        status = 409
        problems = [FieldProblem(field: "form", message: reason)]
      default:
        return nil
      }
    }
  }
}

/// The event form read back: the values as typed (to show again), and the API's event body
/// built from them, every field present, so that `EventJSON.details` judges it by the same
/// rules and names its problems by the same paths as a JSON client's.
struct EventForm {
  let form: URLEncodedForm
  var values = BackofficeEventValues()
  var object: [String: JSONValue] = [:]

  var intent: String { form["intent"] ?? "save" }
  var version: Int? { form["version"].flatMap { Int($0) } }

  init(_ form: URLEncodedForm) {
    self.form = form
    func text(_ name: String) -> String { form[name] ?? "" }
    func trimmed(_ name: String) -> String { text(name).trimmingCharacters(in: .whitespaces) }
    values.title = text("title")
    values.description = text("description").replacingOccurrences(of: "\r\n", with: "\n")
    values.kind = EventKind(rawValue: text("kind")) ?? .seminar
    values.startDate = trimmed("start_date")
    values.startTime = trimmed("start_time")
    values.endDate = trimmed("end_date")
    values.endTime = trimmed("end_time")
    values.languages = form.values("languages")
    values.topics = text("topics").split(whereSeparator: \.isNewline).map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty }
    values.accessibility = form.values("accessibility").compactMap(Accessibility.init(rawValue:))
    values.foodServed = form["food_served"] == "on"
    values.registrationOpen = form["registration_open"] == "on"
    values.capacity = trimmed("capacity")
    values.livestreamURL = trimmed("livestream_url")

    object["title"] = .string(values.title)
    object["description"] = .string(values.description)
    object["kind"] = .string(text("kind").isEmpty ? "seminar" : text("kind"))
    object["starts_at"] = Self.moment(values.startDate, values.startTime)
    object["ends_at"] = Self.moment(
      values.endDate.isEmpty ? values.startDate : values.endDate, values.endTime)
    let venue = trimmed("venue_id")
    object["venue_id"] = venue.isEmpty ? .null : .string(venue)
    object["languages"] = .array(values.languages.map(JSONValue.string))
    object["topics"] = .array(values.topics.map(JSONValue.string))
    object["accessibility"] = .array(form.values("accessibility").map(JSONValue.string))
    object["food_served"] = .bool(values.foodServed)
    object["registration_open"] = .bool(values.registrationOpen)
    if values.capacity.isEmpty {
      object["capacity"] = .null
    } else if let number = Int(values.capacity) {
      object["capacity"] = .number(Double(number))
    } else {
      object["capacity"] = .string(values.capacity)
    }
    object["livestream_url"] = values.livestreamURL.isEmpty ? .null : .string(values.livestreamURL)
    let coOrganisers = form.values("co_organiser_ids")
    object["co_organiser_ids"] = .array(coOrganisers.map(JSONValue.string))
    values.coOrganisers = coOrganisers.compactMap { text in
      UUID(uuidString: text).map { BackofficeFrame.Organisation(id: $0, name: "") }
    }

    // Panels, without those marked to remove; participants' panel indices follow.
    var panelIndex: [Int: Int] = [:]
    var panels: [JSONValue] = []
    var index = 0
    while form["panels[\(index)].title"] != nil || form["panels[\(index)].start_time"] != nil {
      let path = "panels[\(index)]"
      defer { index += 1 }
      if form[path + ".remove"] == "on" { continue }
      let panel = BackofficePanelValues(
        title: text(path + ".title"), startTime: trimmed(path + ".start_time"),
        endTime: trimmed(path + ".end_time"))
      panelIndex[index] = values.panels.count
      values.panels.append(panel)
      var item: [String: JSONValue] = [:]
      item["title"] = panel.title.isEmpty ? .null : .string(panel.title)
      if !panel.startTime.isEmpty || !panel.endTime.isEmpty {
        item["starts_at"] = Self.moment(values.startDate, panel.startTime)
        item["ends_at"] = Self.moment(values.startDate, panel.endTime)
      }
      panels.append(.object(item))
    }
    object["panels"] = .array(panels)
    var participants: [JSONValue] = []
    index = 0
    while let person = form["participants[\(index)].person_id"] {
      let path = "participants[\(index)]"
      defer { index += 1 }
      if form[path + ".remove"] == "on" { continue }
      let role = ParticipantRole(rawValue: text(path + ".role")) ?? .speaker
      let panel = Int(trimmed(path + ".panel")).flatMap { panelIndex[$0] }
      if let id = UUID(uuidString: person) {
        values.participants.append(
          BackofficeParticipantValues(
            personID: id, name: text(path + ".name"), role: role, panel: panel,
            title: text(path + ".title"), organisation: text(path + ".organisation")))
      }
      var item: [String: JSONValue] = [
        "person_id": .string(person), "role": .string(text(path + ".role")),
      ]
      item["title"] = trimmed(path + ".title").isEmpty ? .null : .string(text(path + ".title"))
      item["organisation"] =
        trimmed(path + ".organisation").isEmpty ? .null : .string(text(path + ".organisation"))
      item["panel"] = panel.map { .number(Double($0)) } ?? .null
      participants.append(.object(item))
    }
    object["participants"] = .array(participants)
  }

  /// `2026-06-23` and `14:00` in Visby's time as the API's RFC 3339 instant; what cannot be
  /// read is passed on as typed, for the API's rule to name it.
  static func moment(_ date: String, _ time: String) -> JSONValue {
    let parts = time.split(separator: ":")
    guard let day = LocalDay(date), parts.count == 2, let hour = Int(parts[0]),
      let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute)
    else {
      return date.isEmpty && time.isEmpty ? .null : .string(date + "T" + time)
    }
    return .string(RFC3339.format(FestivalTime.date(day, hour: hour, minute: minute)))
  }
}

extension Route {
  /// A backoffice page: someone's own, not for crawlers.
  static func backoffice(_ method: Method, _ path: String, _ handler: @escaping Handler) -> Route {
    .page(method, path, hiddenFromCrawlers: true, handler)
  }
}
