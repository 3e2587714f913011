import AlmedalenCore
import AlmedalenStore
import Foundation
import HTTPServer

/// `/api/v1`: editions, organisers, venues, people, events, conflicts (API.md).
enum AdminRoutes {
  static func register(_ router: inout Router) {
    router.add("POST", "/api/v1/editions", createEdition)
    router.add("GET", "/api/v1/editions", listEditions)
    router.add("POST", "/api/v1/organisers", createOrganiser)
    router.add("GET", "/api/v1/organisers", listOrganisers)
    router.add("GET", "/api/v1/organisers/{id}", getOrganiser)
    router.add("POST", "/api/v1/venues", createVenue)
    router.add("GET", "/api/v1/venues", listVenues)
    router.add("GET", "/api/v1/venues/{id}", getVenue)
    router.add("POST", "/api/v1/people", createPerson)
    router.add("GET", "/api/v1/people", listPeople)
    router.add("GET", "/api/v1/people/{id}", getPerson)
    router.add("POST", "/api/v1/events", createEvent)
    router.add("GET", "/api/v1/events", listEvents)
    router.add("GET", "/api/v1/events/{id}", getEvent)
    router.add("PATCH", "/api/v1/events/{id}", patchEvent)
    router.add("DELETE", "/api/v1/events/{id}", deleteEvent)
    router.add("POST", "/api/v1/events/{id}/publish", publishEvent)
    router.add("POST", "/api/v1/events/{id}/cancel", cancelEvent)
    router.add("GET", "/api/v1/events/{id}/history", eventHistory)
    router.add("GET", "/api/v1/conflicts", listConflicts)
  }

  // MARK: Editions, organisers, venues, people

  static func createEdition(_ c: RequestContext) throws -> Response {
    try c.caller().requireAdmin()
    let body = try c.jsonBody()
    var input = JSONInput()
    input.onlyKnown(body, ["year", "name", "first_day", "last_day"])
    let year = input.int(body, "year", required: true)
    let name = input.string(body, "name", required: true)
    let first = input.day(body, "first_day", required: true)
    let last = input.day(body, "last_day", required: true)
    try input.check()
    let edition = Edition(year: year!, name: name!, firstDay: first!, lastDay: last!)
    try validated { try edition.validate() }
    return JSONOutput.response(editionObject(try c.store.editions.create(edition)), status: 201)
  }

  static func listEditions(_ c: RequestContext) throws -> Response {
    _ = try c.caller()
    return JSONOutput.response(["items": try c.store.editions.list().map(editionObject)])
  }

  static func createOrganiser(_ c: RequestContext) throws -> Response {
    try c.caller().requireAdmin()
    let body = try c.jsonBody()
    var input = JSONInput()
    input.onlyKnown(body, ["name", "contact_email", "website"])
    let organiser = Organiser(
      name: input.string(body, "name", required: true) ?? "",
      contactEmail: input.string(body, "contact_email", required: false),
      website: input.string(body, "website", required: false))
    try input.check()
    try validated { try organiser.validate() }
    return JSONOutput.response(
      organiserObject(try c.store.organisers.create(organiser)), status: 201)
  }

  static func listOrganisers(_ c: RequestContext) throws -> Response {
    _ = try c.caller()
    let page = try c.store.organisers.list(
      query: c.request.queryValue("q"), limit: try limit(c), cursor: c.request.queryValue("cursor"))
    return pageResponse(page.items.map(organiserObject), page.nextCursor)
  }

  static func getOrganiser(_ c: RequestContext) throws -> Response {
    _ = try c.caller()
    let organiser = try c.store.organisers.get(try c.id("id"))
    return JSONOutput.response(
      organiserObject(organiser), headers: [("ETag", ETag.make(organiser.version))])
  }

  static func createVenue(_ c: RequestContext) throws -> Response {
    try c.caller().requireAdmin()
    let body = try c.jsonBody()
    var input = JSONInput()
    input.onlyKnown(
      body,
      ["name", "address", "description", "latitude", "longitude", "capacity", "accessibility"])
    let latitude = input.double(body, "latitude")
    let longitude = input.double(body, "longitude")
    if (latitude == nil) != (longitude == nil) {
      input.add(latitude == nil ? "latitude" : "longitude", "give latitude and longitude together")
    }
    let venue = Venue(
      name: input.string(body, "name", required: true) ?? "",
      address: input.string(body, "address", required: false),
      description: input.string(body, "description", required: false),
      coordinate: latitude.flatMap { lat in
        longitude.map { Coordinate(latitude: lat, longitude: $0) }
      },
      capacity: input.int(body, "capacity", required: false),
      accessibility: input.enumerations(body, "accessibility", Accessibility.self) ?? [])
    try input.check()
    try validated { try venue.validate() }
    return JSONOutput.response(venueObject(try c.store.venues.create(venue)), status: 201)
  }

  static func listVenues(_ c: RequestContext) throws -> Response {
    _ = try c.caller()
    let page = try c.store.venues.list(
      query: c.request.queryValue("q"), limit: try limit(c), cursor: c.request.queryValue("cursor"))
    return pageResponse(page.items.map(venueObject), page.nextCursor)
  }

  static func getVenue(_ c: RequestContext) throws -> Response {
    _ = try c.caller()
    let venue = try c.store.venues.get(try c.id("id"))
    return JSONOutput.response(venueObject(venue), headers: [("ETag", ETag.make(venue.version))])
  }

  static func createPerson(_ c: RequestContext) throws -> Response {
    _ = try c.caller()  // admins and organisers both add people
    let body = try c.jsonBody()
    var input = JSONInput()
    input.onlyKnown(body, ["name", "title", "organisation", "party"])
    let person = Person(
      name: input.string(body, "name", required: true) ?? "",
      title: input.string(body, "title", required: false),
      organisation: input.string(body, "organisation", required: false),
      party: input.string(body, "party", required: false))
    try input.check()
    try validated { try person.validate() }
    return JSONOutput.response(personObject(try c.store.people.create(person)), status: 201)
  }

  static func listPeople(_ c: RequestContext) throws -> Response {
    _ = try c.caller()
    let page = try c.store.people.list(
      query: c.request.queryValue("q"), limit: try limit(c), cursor: c.request.queryValue("cursor"))
    return pageResponse(page.items.map(personObject), page.nextCursor)
  }

  static func getPerson(_ c: RequestContext) throws -> Response {
    _ = try c.caller()
    let person = try c.store.people.get(try c.id("id"))
    return JSONOutput.response(personObject(person), headers: [("ETag", ETag.make(person.version))])
  }

  // MARK: Events

  static func createEvent(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    let details = try EventJSON.details(
      from: try c.jsonBody(), base: nil, defaultOrganiser: caller.token.organiserID,
      references: c.store.events.referenceProblems)
    try caller.requireOrganiser(details.organiserID)
    let event = try c.store.events.create(details, actor: caller.actor)
    return try eventResponse(c, event, caller, status: 201)
  }

  static func listEvents(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    var filter = EventFilter()
    var input = JSONInput()
    let query = c.request
    if let status = query.queryValue("status") {
      if let value = EventStatus(rawValue: status) {
        filter.statuses = [value]
      } else {
        input.add("status", "must be draft, published or cancelled")
      }
    }
    if let day = query.queryValue("day") {
      filter.day = LocalDay(day)
      if filter.day == nil { input.add("day", "must be a day, like 2026-06-23") }
    }
    for (name, keyPath) in [
      ("organiser_id", \EventFilter.organiserID), ("venue_id", \EventFilter.venueID),
      ("person_id", \EventFilter.personID), ("edition_id", \EventFilter.editionID),
    ] {
      if let text = query.queryValue(name) {
        guard let id = UUID(uuidString: text) else {
          input.add(name, "must be an id")
          continue
        }
        filter[keyPath: keyPath] = id
      }
    }
    filter.topic = query.queryValue("topic")
    filter.text = query.queryValue("q")
    filter.language = query.queryValue("language")
    if !caller.isAdmin { filter.draftsOf = caller.token.organiserID }
    try input.check()
    let page = try c.store.events.list(
      filter, limit: try limit(c), cursor: query.queryValue("cursor"))
    return pageResponse(page.items.map { EventJSON.object($0) }, page.nextCursor)
  }

  static func getEvent(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    let event = try visibleEvent(c, caller)
    return try eventResponse(c, event, caller)
  }

  static func patchEvent(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    let event = try visibleEvent(c, caller)
    try caller.requireOrganiser(event.organiserID)
    let expected = try c.expectedVersion()
    let details = try EventJSON.details(
      from: try c.jsonBody(), base: event.details, defaultOrganiser: nil,
      references: c.store.events.referenceProblems)
    // An organiser cannot hand its event to someone else.
    try caller.requireOrganiser(details.organiserID)
    let updated = try c.store.events.update(
      event.id, expectedVersion: expected, with: details, actor: caller.actor)
    return try eventResponse(c, updated, caller)
  }

  static func deleteEvent(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    let event = try visibleEvent(c, caller)
    try caller.requireOrganiser(event.organiserID)
    try c.store.events.deleteDraft(event.id)
    return Response(status: 204)
  }

  /// The festival's staff approve and publish: admins only.
  static func publishEvent(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    try caller.requireAdmin()
    let id = try c.id("id")
    let version = try c.optionalExpectedVersion()
    let event = try c.store.events.publish(id, expectedVersion: version, actor: caller.actor)
    return try eventResponse(c, event, caller)
  }

  static func cancelEvent(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    let event = try visibleEvent(c, caller)
    try caller.requireOrganiser(event.organiserID)
    let version = try c.optionalExpectedVersion()
    let cancelled = try c.store.events.cancel(
      event.id, expectedVersion: version, actor: caller.actor)
    return try eventResponse(c, cancelled, caller)
  }

  static func eventHistory(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    let event = try visibleEvent(c, caller)
    try caller.requireOrganiser(event.organiserID)
    let items: [[String: Any]] = try c.store.events.history(event.id).map { change in
      var fields: [String: Any] = [:]
      for field in change.fields {
        fields[field.name] = [
          "from": nullable(field.from.flatMap(parseJSONFragment)),
          "to": nullable(field.to.flatMap(parseJSONFragment)),
        ]
      }
      return [
        "at": RFC3339.format(change.changedAt), "actor": change.actor,
        "action": change.action.rawValue, "version": change.version, "revision": change.revision,
        "changes": fields,
      ]
    }
    return JSONOutput.response(["items": items])
  }

  static func listConflicts(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    let pace = try walkingPace(c)
    var editionID: UUID?
    if let text = c.request.queryValue("edition_id") {
      guard let id = UUID(uuidString: text) else {
        throw Problem.invalid([FieldProblem(field: "edition_id", message: "must be an id")])
      }
      editionID = id
    }
    var conflicts = try visible(
      try c.store.conflicts.find(editionID: editionID, pace: pace), c, caller)
    if !caller.isAdmin {
      // An organiser sees the conflicts its own events are part of, and nothing of others'
      // drafts.
      let own = Set(
        try c.store.events.all(EventFilter(organiserID: caller.token.organiserID)).map(\.id))
      conflicts = conflicts.filter {
        own.contains($0.firstEventID) || own.contains($0.secondEventID)
      }
    }
    return JSONOutput.response(["items": conflicts.map(ConflictJSON.object)])
  }

  // MARK: Helpers

  /// The walking pace from `pace_kmh`, `detour` and `allowance_minutes`, each bounded; the
  /// defaults are 5 km/h over straight-line distance × 1.3, plus 5 minutes.
  static func walkingPace(_ c: RequestContext) throws(Problem) -> WalkingPace {
    var pace = WalkingPace()
    var problems: [FieldProblem] = []
    func number(_ name: String, _ range: ClosedRange<Double>) -> Double? {
      guard let text = c.request.queryValue(name) else { return nil }
      guard let value = Double(text), range.contains(value) else {
        problems.append(
          FieldProblem(
            field: name, message: "must be a number from \(range.lowerBound) to \(range.upperBound)"
          ))
        return nil
      }
      return value
    }
    if let speed = number("pace_kmh", 1...15) { pace.kilometresPerHour = speed }
    if let detour = number("detour", 1...3) { pace.detourFactor = detour }
    if let minutes = number("allowance_minutes", 0...60) { pace.allowance = minutes * 60 }
    if !problems.isEmpty { throw Problem.invalid(problems) }
    return pace
  }

  /// The event, when the caller may see it; someone else's draft is 404, as if absent.
  static func visibleEvent(_ c: RequestContext, _ caller: Caller) throws -> Event {
    let event = try c.store.events.get(try c.id("id"))
    guard event.status != .draft || caller.mayRead(event) else { throw Problem.notFound("event") }
    return event
  }

  /// Conflicts without other organisers' drafts, which an organiser's token must not see.
  static func visible(_ conflicts: [Conflict], _ c: RequestContext, _ caller: Caller) throws
    -> [Conflict]
  {
    guard !caller.isAdmin, !conflicts.isEmpty else { return conflicts }
    let hidden = try c.store.events.draftsHidden(
      among: Set(conflicts.flatMap { [$0.firstEventID, $0.secondEventID] }),
      from: caller.token.organiserID)
    return conflicts.filter {
      !hidden.contains($0.firstEventID) && !hidden.contains($0.secondEventID)
    }
  }

  static func eventResponse(
    _ c: RequestContext, _ event: Event, _ caller: Caller, status: Int = 200
  ) throws -> Response {
    let warnings = try visible((try? c.store.conflicts.conflicts(for: event.id)) ?? [], c, caller)
    return JSONOutput.response(
      EventJSON.object(event, warnings: warnings), status: status,
      headers: [("ETag", ETag.make(event.version))])
  }

  static func limit(_ c: RequestContext) throws(Problem) -> Int? {
    guard let text = c.request.queryValue("limit") else { return nil }
    guard let value = Int(text), (1...500).contains(value) else {
      throw Problem.invalid([FieldProblem(field: "limit", message: "must be between 1 and 500")])
    }
    return value
  }

  static func pageResponse(_ items: [[String: Any]], _ next: String?) -> Response {
    JSONOutput.response(["items": items, "next_cursor": nullable(next.map { $0 as Any })])
  }

  static func validated(_ check: () throws -> Void) throws {
    do { try check() } catch let error as ValidationError { throw Problem.invalid(error.problems) }
  }

  static func parseJSONFragment(_ text: String) -> Any? {
    try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
  }

  static func editionObject(_ e: Edition) -> [String: Any] {
    [
      "id": e.id.wire, "year": e.year, "name": e.name, "first_day": e.firstDay.description,
      "last_day": e.lastDay.description, "time_zone": FestivalTime.zoneIdentifier,
    ]
  }

  static func organiserObject(_ o: Organiser) -> [String: Any] {
    [
      "id": o.id.wire, "name": o.name, "contact_email": nullable(o.contactEmail),
      "website": nullable(o.website), "version": o.version,
    ]
  }

  static func venueObject(_ v: Venue) -> [String: Any] {
    [
      "id": v.id.wire, "name": v.name, "address": nullable(v.address),
      "description": nullable(v.description), "latitude": nullable(v.coordinate?.latitude),
      "longitude": nullable(v.coordinate?.longitude), "capacity": nullable(v.capacity),
      "accessibility": v.accessibility.map(\.rawValue), "version": v.version,
    ]
  }

  static func personObject(_ p: Person) -> [String: Any] {
    [
      "id": p.id.wire, "name": p.name, "title": nullable(p.title),
      "organisation": nullable(p.organisation), "party": nullable(p.party),
      "version": p.version,
    ]
  }
}
