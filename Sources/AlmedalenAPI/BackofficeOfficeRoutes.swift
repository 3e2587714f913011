import AlmedalenCore
import AlmedalenPages
import AlmedalenStore
import Foundation
import HTTPServer

/// The programme office's own pages: organisations (and their first owner's invitation),
/// users (disable and enable), venues (with coordinates and accessibility, judged by the
/// API's `VenueInput` rules) and editions with their cut-off.
///
/// Every route is the office's alone (`Policy.may(actor, .office, .none)`): anyone else signed
/// in gets 404, as if the page did not exist, and nothing is changed; an anonymous visitor
/// is sent to the sign-in form. Every POST goes through `PageRoutes.checkedForm`.
extension BackofficeRoutes {
  static let officeRoutes: [Route] = [
    .backoffice(.get, "/backoffice/office/organisations") { try organisations($0) },
    .backoffice(.post, "/backoffice/office/organisations") { try createOrganisation($0) },
    .backoffice(.get, "/backoffice/office/users") { try users($0) },
    .backoffice(.post, "/backoffice/office/users/{id}/disable") { try setDisabled($0, true) },
    .backoffice(.post, "/backoffice/office/users/{id}/enable") { try setDisabled($0, false) },
    .backoffice(.get, "/backoffice/office/venues") { try venues($0) },
    .backoffice(.post, "/backoffice/office/venues") { try createVenue($0) },
    .backoffice(.get, "/backoffice/office/venues/{id}") { try venue($0) },
    .backoffice(.post, "/backoffice/office/venues/{id}") { try updateVenue($0) },
    .backoffice(.get, "/backoffice/office/editions") { try editions($0) },
    .backoffice(.post, "/backoffice/office/editions/{id}") { try setCutoff($0) },
  ]

  /// What the redirect after an office action says it was.
  static func officeNotice(_ c: RequestContext) -> String? {
    switch c.request.queryValue("done") {
    case "organisation": "Organisationen är tillagd och inbjudan skickad."
    case "disabled": "Kontot är avstängt och dess inloggningar avslutade."
    case "enabled": "Kontot är aktivt igen."
    case "venue-created": "Platsen är tillagd."
    case "venue-saved": "Platsen är sparad."
    case "cutoff": "Sista dag för ändringar är sparad."
    default: notice(c)
    }
  }

  // MARK: Organisations

  static func organisationsModel(
    _ c: RequestContext, _ signedIn: SessionStore.SignedIn, notice: String? = nil
  ) throws -> BackofficeOrganisationsModel {
    BackofficeOrganisationsModel(
      frame: frame(signedIn, notice: notice),
      rows: try c.store.organisers.summaries().map {
        BackofficeOrganisationsModel.Row(
          organiser: $0.organiser, members: $0.members, events: $0.events)
      })
  }

  static func organisations(_ c: RequestContext) throws -> Response {
    let signedIn: SessionStore.SignedIn
    switch try office(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let model = try organisationsModel(c, signedIn, notice: officeNotice(c))
    return page(c, 200, Pages.backofficeOrganisations(model, PageRoutes.context(c)))
  }

  /// A new organisation and its first user's invitation (as owner), mailed through the
  /// outbox; both or neither.
  static func createOrganisation(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    let signedIn: SessionStore.SignedIn
    switch try office(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let organisationName = (form["organisation_name"] ?? "").trimmingCharacters(in: .whitespaces)
    let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
    let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
    do {
      _ = try c.store.accounts.createOrganisation(
        Organiser(name: organisationName), ownerEmail: email, ownerName: name,
        invitedBy: signedIn.user.id)
    } catch {
      let problems: [FieldProblem]
      let status: Int
      switch error {
      case StoreError.lifecycle:
        status = 409
        problems = [
          FieldProblem(field: "email", message: "Kontot med den här adressen är avstängt.")
        ]
      case StoreError.duplicate(let field):
        status = 409
        problems = [
          FieldProblem(
            field: field == "name" ? "organisation_name" : field,
            message: "Finns redan.")
        ]
      default:
        guard let refusal = Refusal(error) else { throw error }
        status = refusal.status
        problems = refusal.problems
      }
      var model = try organisationsModel(c, signedIn)
      model.organisationName = form["organisation_name"] ?? ""
      model.inviteName = form["name"] ?? ""
      model.inviteEmail = form["email"] ?? ""
      model.problems = problems
      return page(c, status, Pages.backofficeOrganisations(model, PageRoutes.context(c)))
    }
    return AccountRoutes.redirect(c, BackofficePaths.organisations + "?done=organisation")
  }

  // MARK: Users

  static func usersModel(
    _ c: RequestContext, _ signedIn: SessionStore.SignedIn, notice: String? = nil
  ) throws -> BackofficeUsersModel {
    var rows: [BackofficeUsersModel.Row] = []
    for user in try c.store.accounts.users() {
      rows.append(
        BackofficeUsersModel.Row(
          user: user, memberships: try c.store.accounts.memberships(userID: user.id)))
    }
    return BackofficeUsersModel(frame: frame(signedIn, notice: notice), rows: rows)
  }

  static func users(_ c: RequestContext) throws -> Response {
    let signedIn: SessionStore.SignedIn
    switch try office(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let model = try usersModel(c, signedIn, notice: officeNotice(c))
    return page(c, 200, Pages.backofficeUsers(model, PageRoutes.context(c)))
  }

  /// Disables an account (the schema's trigger ends every session of it) or enables it
  /// again. The office cannot disable its own account from here (409).
  static func setDisabled(_ c: RequestContext, _ disabled: Bool) throws -> Response {
    _ = try PageRoutes.checkedForm(c)
    let signedIn: SessionStore.SignedIn
    switch try office(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let id = try PageRoutes.pageID(c)
    if id == signedIn.user.id {
      let model = try usersModel(
        c, signedIn, notice: "Du kan inte stänga av eller aktivera ditt eget konto här.")
      return page(c, 409, Pages.backofficeUsers(model, PageRoutes.context(c)))
    }
    _ = try existing { try c.store.accounts.setDisabled(id, disabled) }
    return AccountRoutes.redirect(
      c, BackofficePaths.users + (disabled ? "?done=disabled" : "?done=enabled"))
  }

  // MARK: Venues

  static func venuesModel(
    _ c: RequestContext, _ signedIn: SessionStore.SignedIn, editing: Venue? = nil,
    notice: String? = nil
  ) throws -> BackofficeVenuesModel {
    BackofficeVenuesModel(
      frame: frame(signedIn, notice: notice), venues: try c.store.venues.all(), editing: editing,
      values: editing.map(BackofficeVenueValues.init) ?? .init())
  }

  static func venues(_ c: RequestContext) throws -> Response {
    let signedIn: SessionStore.SignedIn
    switch try office(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let model = try venuesModel(c, signedIn, notice: officeNotice(c))
    return page(c, 200, Pages.backofficeVenues(model, PageRoutes.context(c)))
  }

  static func venue(_ c: RequestContext) throws -> Response {
    let signedIn: SessionStore.SignedIn
    switch try office(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let id = try PageRoutes.pageID(c)
    let venue = try existing { try c.store.venues.get(id) }
    let model = try venuesModel(c, signedIn, editing: venue, notice: officeNotice(c))
    return page(c, 200, Pages.backofficeVenues(model, PageRoutes.context(c)))
  }

  static func createVenue(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    let signedIn: SessionStore.SignedIn
    switch try office(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let parsed = VenueForm(form)
    do {
      let venue = try parsed.venue(c, id: UUID())
      let created = try c.store.venues.create(venue)
      return AccountRoutes.redirect(c, BackofficePaths.venue(created.id) + "?done=venue-created")
    } catch {
      guard let refusal = Refusal(error) else { throw error }
      var model = try venuesModel(c, signedIn)
      model.values = parsed.values
      model.problems = refusal.problems
      return page(c, refusal.status, Pages.backofficeVenues(model, PageRoutes.context(c)))
    }
  }

  /// Saves the venue if the form's `version` is still the stored one; a form read before
  /// someone else's change is shown again with what was typed and the new version (412).
  static func updateVenue(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    let signedIn: SessionStore.SignedIn
    switch try office(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let id = try PageRoutes.pageID(c)
    let stored = try existing { try c.store.venues.get(id) }
    let parsed = VenueForm(form)
    var model = try venuesModel(c, signedIn, editing: stored)
    model.values = parsed.values
    guard let expected = form["version"].flatMap({ Int($0) }) else {
      model.problems = [FieldProblem(field: "form", message: "Formuläret saknar version.")]
      return page(c, 412, Pages.backofficeVenues(model, PageRoutes.context(c)))
    }
    do {
      let venue = try parsed.venue(c, id: id)
      _ = try c.store.venues.update(venue, expectedVersion: expected)
      return AccountRoutes.redirect(c, BackofficePaths.venue(id) + "?done=venue-saved")
    } catch StoreError.staleVersion {
      model.problems = [
        FieldProblem(
          field: "form",
          message:
            "Någon annan har ändrat platsen sedan du öppnade formuläret. Kontrollera värdena och spara igen."
        )
      ]
      return page(c, 412, Pages.backofficeVenues(model, PageRoutes.context(c)))
    } catch {
      guard let refusal = Refusal(error) else { throw error }
      model.problems = refusal.problems
      return page(c, refusal.status, Pages.backofficeVenues(model, PageRoutes.context(c)))
    }
  }

  // MARK: Editions

  static func editions(_ c: RequestContext) throws -> Response {
    let signedIn: SessionStore.SignedIn
    switch try office(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let model = BackofficeEditionsModel(
      frame: frame(signedIn, notice: officeNotice(c)), editions: try c.store.editions.list())
    return page(c, 200, Pages.backofficeEditions(model, PageRoutes.context(c)))
  }

  /// The edition's cut-off from the form's day and clock in Visby's time; both empty clear it.
  static func setCutoff(_ c: RequestContext) throws -> Response {
    let form = try PageRoutes.checkedForm(c)
    let signedIn: SessionStore.SignedIn
    switch try office(c) {
    case .failure(let redirect): return AccountRoutes.redirect(c, redirect.location)
    case .success(let found): signedIn = found
    }
    let id = try PageRoutes.pageID(c)
    let edition = try existing { try c.store.editions.get(id) }
    switch CutoffForm.parse(date: form["cutoff_date"] ?? "", time: form["cutoff_time"] ?? "") {
    case .success(let cutoff):
      _ = try c.store.editions.setCutoff(edition.id, at: cutoff)
      return AccountRoutes.redirect(c, BackofficePaths.editions + "?done=cutoff")
    case .failure(let problem):
      let model = BackofficeEditionsModel(
        frame: frame(signedIn), editions: try c.store.editions.list(),
        problems: [edition.id: problem.message])
      return page(c, 422, Pages.backofficeEditions(model, PageRoutes.context(c)))
    }
  }
}

/// An edition's cut-off as the form gives it: a day (`2026-06-01`) and a clock (`18:00`) in
/// Visby's time, or both empty for none.
enum CutoffForm {
  struct Problem: Error { let message: String }

  static func parse(date: String, time: String) -> Result<Date?, Problem> {
    let date = date.trimmingCharacters(in: .whitespaces)
    let time = time.trimmingCharacters(in: .whitespaces)
    if date.isEmpty && time.isEmpty { return .success(nil) }
    guard let day = LocalDay(date) else {
      return .failure(Problem(message: "Ange dagen som ÅÅÅÅ-MM-DD."))
    }
    let parts = time.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2, let hour = Int(parts[0]),
      let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute)
    else {
      return .failure(Problem(message: "Ange klockslaget som TT:MM."))
    }
    return .success(FestivalTime.date(day, hour: hour, minute: minute))
  }
}

/// The venue form read back: the values as typed (to show again), and the API's venue body
/// built from them, so that `VenueInput` judges it by the same rules and names its problems
/// by the same fields as a JSON client's `POST /api/v1/venues`.
struct VenueForm {
  var values = BackofficeVenueValues()
  var object: [String: JSONValue] = [:]

  init(_ form: URLEncodedForm) {
    func text(_ name: String) -> String { form[name] ?? "" }
    func trimmed(_ name: String) -> String { text(name).trimmingCharacters(in: .whitespaces) }
    values.name = text("name")
    values.address = text("address")
    values.description = text("description").replacingOccurrences(of: "\r\n", with: "\n")
    values.latitude = trimmed("latitude")
    values.longitude = trimmed("longitude")
    values.capacity = trimmed("capacity")
    values.accessibility = form.values("accessibility").compactMap(Accessibility.init(rawValue:))

    object["name"] = .string(values.name)
    object["address"] = trimmed("address").isEmpty ? .null : .string(values.address)
    object["description"] =
      values.description.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
      ? .null : .string(values.description)
    object["latitude"] = Self.number(values.latitude)
    object["longitude"] = Self.number(values.longitude)
    object["capacity"] = Self.number(values.capacity)
    object["accessibility"] = .array(form.values("accessibility").map(JSONValue.string))
  }

  /// A number as typed (a Swedish decimal comma read as a point); what is not one is passed on
  /// as text, for the API's rule to name it.
  static func number(_ text: String) -> JSONValue {
    if text.isEmpty { return .null }
    let point = text.replacingOccurrences(of: ",", with: ".")
    if let value = Double(point), value.isFinite,
      point.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" })
    {
      return .number(value)
    }
    return .string(text)
  }

  /// The venue the API would make of this body (every problem at once, as its 422).
  func venue(_ c: RequestContext, id: UUID) throws -> Venue {
    let body = try BodyReader(context: c, wire: VenueInput.wire, given: object).read()
    var venue = Venue(
      name: body.name ?? "", address: body.address, description: body.description,
      coordinate: body.latitude.flatMap { lat in
        body.longitude.map { Coordinate(latitude: lat, longitude: $0) }
      },
      capacity: body.capacity, accessibility: body.accessibility ?? [])
    venue.id = id
    try AdminRoutes.validated { try venue.validate() }
    return venue
  }
}
