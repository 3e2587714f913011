import AlmedalenCore
import AlmedalenStore
import Foundation
import HTTPServer

/// `/api/v1`: editions, organisers, venues, people, events, conflicts (API.md).
enum AdminRoutes {
  static let routes: [Route] = [
    .api(
      .post, "/api/v1/editions",
      Operation(
        id: "createEdition", summary: "Add an edition (admin)", tag: .editions,
        success: .created("The new edition", WireOutputs.edition.component),
        errors: [403, 409]), reading: EditionInput.wire, createEdition),
    .api(
      .get, "/api/v1/editions",
      Operation(
        id: "listEditions", summary: "Every edition, oldest first", tag: .editions,
        success: .ok("The editions", WireOutputs.edition.list())), listEditions),
    .api(
      .post, "/api/v1/organisers",
      Operation(
        id: "createOrganiser", summary: "Add an organiser (admin)", tag: .organisers,
        success: .created("The new organiser", WireOutputs.organiser.component),
        errors: [403]), reading: OrganiserInput.wire, createOrganiser),
    .api(
      .get, "/api/v1/organisers",
      Operation(
        id: "listOrganisers", summary: "Organisers by name, a page at a time", tag: .organisers,
        parameters: listParameters, success: .ok("A page", WireOutputs.organiser.page),
        errors: [400, 422])
    ) { try listed($0, $0.store.organisers.list(query:limit:cursor:), WireOutputs.organiser) },
    .api(
      .get, "/api/v1/organisers/{id}",
      Operation(
        id: "getOrganiser", summary: "One organiser", tag: .organisers, parameters: [.id],
        success: .ok("The organiser", WireOutputs.organiser.component, etag: true),
        errors: [400, 404])
    ) { try one($0, $0.store.organisers.get, WireOutputs.organiser, version: \.version) },
    .api(
      .get, "/api/v1/organisers/{id}/co-organiser-requests",
      Operation(
        id: "listCoOrganiserRequests",
        summary: "Events that name this organiser as co-organiser (that organiser or an admin)",
        tag: .organisers,
        description: """
          Oldest request first. A `pending` request waits for this organiser's answer \
          (`acceptCoOrganiserRequest`, `declineCoOrganiserRequest`); until it is accepted \
          the event shows under its own organiser only.
          """,
        parameters: [
          .id,
          .query("status", Schema.cases(CoOrganiserStatus.self), "Only requests in this state."),
        ],
        success: .ok("The requests", WireOutputs.coOrganiserRequest.list()),
        errors: [400, 403, 404, 422]), listCoOrganiserRequests),
    .api(
      .post, "/api/v1/venues",
      Operation(
        id: "createVenue", summary: "Add a venue (admin)", tag: .venues,
        success: .created("The new venue", WireOutputs.venue.component), errors: [403]),
      reading: VenueInput.wire, createVenue),
    .api(
      .get, "/api/v1/venues",
      Operation(
        id: "listVenues", summary: "Venues by name, a page at a time", tag: .venues,
        parameters: listParameters, success: .ok("A page", WireOutputs.venue.page),
        errors: [400, 422])
    ) { try listed($0, $0.store.venues.list(query:limit:cursor:), WireOutputs.venue) },
    .api(
      .get, "/api/v1/venues/{id}",
      Operation(
        id: "getVenue", summary: "One venue", tag: .venues, parameters: [.id],
        success: .ok("The venue", WireOutputs.venue.component, etag: true), errors: [400, 404])
    ) { try one($0, $0.store.venues.get, WireOutputs.venue, version: \.version) },
    .api(
      .post, "/api/v1/people",
      Operation(
        id: "createPerson", summary: "Add a person (admin or organiser)", tag: .people,
        success: .created("The new person", WireOutputs.person.component)),
      reading: PersonInput.wire, createPerson),
    .api(
      .get, "/api/v1/people",
      Operation(
        id: "listPeople", summary: "People by name, a page at a time", tag: .people,
        parameters: listParameters, success: .ok("A page", WireOutputs.person.page),
        errors: [400, 422])
    ) { try listed($0, $0.store.people.list(query:limit:cursor:), WireOutputs.person) },
    .api(
      .get, "/api/v1/people/{id}",
      Operation(
        id: "getPerson", summary: "One person", tag: .people, parameters: [.id],
        success: .ok("The person", WireOutputs.person.component, etag: true), errors: [400, 404])
    ) { try one($0, $0.store.people.get, WireOutputs.person, version: \.version) },
    .api(
      .post, "/api/v1/events",
      Operation(
        id: "createEvent", summary: "Create a draft", tag: .events,
        description: """
          `organiser_id` may be left out with an organiser's token: the token's own \
          organiser is taken. An organiser's token may create events only for its own \
          organiser. The answer carries the conflicts the event would cause in `warnings`. \
          \(coOrganiserConsent)
          """,

        success: .created(
          "The new draft", WireOutputs.event.component, etag: true, links: eventLinks),
        errors: [403]), reading: EventInput.create, createEvent),
    .api(
      .get, "/api/v1/events",
      Operation(
        id: "listEvents", summary: "Events in time order, a page at a time", tag: .events,
        description: """
          An admin sees every event; an organiser's token sees published and cancelled \
          events and its own organiser's drafts.
          """,
        parameters: eventFilterParameters + listParameters,
        success: .ok("A page", WireOutputs.event.page, links: eventPageLinks), errors: [400, 422]),
      listEvents),
    .api(
      .get, "/api/v1/events/{id}",
      Operation(
        id: "getEvent", summary: "One event", tag: .events,
        description: "Someone else's draft is not found, as if absent.", parameters: [.id],
        success: .ok("The event", WireOutputs.event.component, etag: true, links: eventLinks),
        errors: [400, 404]), getEvent),
    .api(
      .patch, "/api/v1/events/{id}",
      Operation(
        id: "patchEvent", summary: "Change an event", tag: .events,
        description: """
          Only the fields present change; `null` clears a field that may be empty \
          (`venue_id`, `capacity`, `livestream_url`, `source_note`) and leaves the others \
          as they are. Sending only `participants` keeps the panels and their members; \
          sending only `panels` keeps the participants outside any panel. Needs \
          `If-Match` with the ETag from GET. \(coOrganiserConsent)
          """,
        parameters: [.id, .ifMatch(required: true)],
        success: .ok(
          "The changed event", WireOutputs.event.component, etag: true, links: eventLinks),
        errors: [403, 404, 409, 412, 428]), reading: EventInput.patch, patchEvent),
    .api(
      .delete, "/api/v1/events/{id}",
      Operation(
        id: "deleteEvent", summary: "Delete a draft", tag: .events,
        description: "A published event is cancelled, never deleted (409).", parameters: [.id],
        success: .noContent("Deleted"), errors: [400, 403, 404, 409]), deleteEvent),
    .api(
      .post, "/api/v1/events/{id}/publish",
      Operation(
        id: "publishEvent", summary: "Publish a draft (admin)", tag: .events,
        description: """
          Publishing again is harmless. 409 when the venue holds another published event \
          at that time (`conflicting_event_ids`) or the event is cancelled.
          """,
        parameters: [.id, .ifMatch(required: false)],
        success: .ok("The published event", WireOutputs.event.component, etag: true),
        errors: [400, 403, 404, 409, 412]), publishEvent),
    .api(
      .post, "/api/v1/events/{id}/submit",
      Operation(
        id: "submitEvent", summary: "Submit a draft for the office's review", tag: .events,
        description: """
          The event's own organiser (its token) or an admin. A draft, or an event the office \
          returned, becomes `submitted`; it stays private until approved (`publishEvent`). \
          Submitting again is harmless; a published or cancelled event cannot be (409).
          """,
        parameters: [.id, .ifMatch(required: false)],
        success: .ok("The submitted event", WireOutputs.event.component, etag: true),
        errors: [400, 403, 404, 409, 412]), submitEvent),
    .api(
      .post, "/api/v1/events/{id}/return",
      Operation(
        id: "returnEvent", summary: "Return a submitted event to its organiser (admin)",
        tag: .events,
        description: """
          The programme office sends a submitted event back with a reason \
          (`review_reason`), which the organiser sees; they change it and submit again. \
          409 unless the event is submitted.
          """,
        parameters: [.id, .ifMatch(required: false)],
        success: .ok("The returned event", WireOutputs.event.component, etag: true),
        errors: [400, 403, 404, 409, 412]), reading: ReturnInput.wire, returnEvent),
    .api(
      .post, "/api/v1/events/{id}/cancel",
      Operation(
        id: "cancelEvent", summary: "Cancel a published event", tag: .events,
        description: """
          A cancelled event stays in the feeds, marked cancelled. A draft cannot be \
          cancelled (409): delete it instead.
          """,
        parameters: [.id, .ifMatch(required: false)],
        success: .ok("The cancelled event", WireOutputs.event.component, etag: true),
        errors: [400, 403, 404, 409, 412]), cancelEvent),
    .api(
      .post, "/api/v1/events/{id}/co-organisers/{organiser_id}/accept",
      Operation(
        id: "acceptCoOrganiserRequest",
        summary: "Accept being named co-organiser (that organiser or an admin)",
        tag: .events,
        description: """
          The event then shows under the co-organiser too: its page, its feeds, the \
          `organiser_id` filter. Accepting again is harmless; a declined request is 409 \
          until the event's organiser names the co-organiser anew.
          """,
        parameters: [.id, .organiserID],
        success: .ok("The answered request", WireOutputs.coOrganiserRequest.component),
        errors: [400, 403, 404, 409]), { try answerCoOrganiser($0, accept: true) }),
    .api(
      .post, "/api/v1/events/{id}/co-organisers/{organiser_id}/decline",
      Operation(
        id: "declineCoOrganiserRequest",
        summary: "Decline being named co-organiser, or withdraw (that organiser or an admin)",
        tag: .events,
        description: """
          A pending or accepted request becomes `declined`: the event no longer shows under \
          the co-organiser. Declining again is harmless.
          """,
        parameters: [.id, .organiserID],
        success: .ok("The answered request", WireOutputs.coOrganiserRequest.component),
        errors: [400, 403, 404]), { try answerCoOrganiser($0, accept: false) }),
    .api(
      .get, "/api/v1/events/{id}/history",
      Operation(
        id: "eventHistory", summary: "Who changed what, oldest first", tag: .events,
        parameters: [.id],
        success: .ok("The history", RegistrationOutputs.change.list(named: "HistoryList")),
        errors: [400, 403, 404]), eventHistory),
    .api(
      .get, "/api/v1/conflicts",
      Operation(
        id: "listConflicts", summary: "People and venues booked twice, or too far apart to walk",
        tag: .events,
        description: """
          Among drafts and published events. An organiser's token sees the conflicts its \
          own events are part of, and none involving other organisers' drafts.
          """,
        parameters: conflictParameters, success: .ok("The conflicts", WireOutputs.conflict.list()),
        errors: [400, 422]), listConflicts),
  ]

  // MARK: Parameters and links

  static let coOrganiserConsent = """
    Each organiser in `co_organiser_ids` is asked: named with an organiser's token, the link \
    is `pending` (see `co_organisers`) and the event shows under the co-organiser only once \
    that organiser or an admin accepts; named with an admin's token, it is accepted at once. \
    Co-organisers named before keep their answers.
    """

  static let listParameters: [Operation.Parameter] = [
    QueryRules.textParameter,
    .query("limit", Schema.integer(pageSizes, default: 50), "Items per page."),
    .query(
      "cursor", Schema.string(minLength: 1, pattern: "^[A-Za-z0-9_-]+$"),
      "`next_cursor` of the page before (unpadded base64url); one this list did not give out is 422."
    ),
  ]

  /// How many items a page may hold.
  static let pageSizes = 1...500

  /// The event list's filters by id: the parameter, the part of `EventFilter` it sets, and
  /// what the document says of it.
  static let idFilters:
    [(name: String, field: any WritableKeyPath<EventFilter, UUID?> & Sendable, about: String)] = [
      (
        "organiser_id", \.organiserID, "Events of this organiser, or co-organised once it accepted."
      ),
      ("venue_id", \.venueID, "Events at this venue."),
      ("person_id", \.personID, "Events this person takes part in."),
      ("edition_id", \.editionID, "Events of this edition."),
    ]

  static let eventFilterParameters: [Operation.Parameter] =
    [
      .query("status", Schema.cases(EventStatus.self), "Status."),
      .query(
        "day", Schema.string(format: "date"), "Events starting on this day (Europe/Stockholm)."),
    ] + idFilters.map { .query($0.name, Schema.uuid(), $0.about) } + [
      QueryRules.topicParameter, QueryRules.languageParameter,
    ]

  /// One query parameter of the walking pace: its bounds, the part of `WalkingPace` it sets
  /// (in the parameter's unit times `scale`), read by `walkingPace` and documented alike.
  struct PaceParameter: Sendable {
    let name: String
    let range: ClosedRange<Double>
    let field: any WritableKeyPath<WalkingPace, Double> & Sendable
    let scale: Double
    let about: String
  }

  static let paceParameters = [
    PaceParameter(
      name: "pace_kmh", range: 1...15, field: \.kilometresPerHour, scale: 1,
      about: "Walking speed in km/h."),
    PaceParameter(
      name: "detour", range: 1...3, field: \.detourFactor, scale: 1,
      about: "How much longer the streets are than a straight line."),
    PaceParameter(
      name: "allowance_minutes", range: 0...60, field: \.allowance, scale: 60,
      about: "Minutes on top of the walk, for leaving one event and finding the next."),
  ]

  static let conflictParameters: [Operation.Parameter] =
    [.query("edition_id", Schema.uuid(), "Only the events of this edition.")]
    + paceParameters.map {
      .query(
        $0.name,
        Schema.number(
          minimum: $0.range.lowerBound, maximum: $0.range.upperBound,
          default: WalkingPace()[keyPath: $0.field] / $0.scale), $0.about)
    }

  /// Links from an event to what can be done with it, for clients and for schemathesis'
  /// stateful tests.
  static let eventLinks: [String: JSONValue] = [
    "GetEvent": link("getEvent", ["id": "$response.body#/id"]),
    "PatchEvent": link(
      "patchEvent", ["path.id": "$response.body#/id", "header.If-Match": "$response.header.ETag"]),
    "PublishEvent": link("publishEvent", ["id": "$response.body#/id"]),
    "CancelEvent": link("cancelEvent", ["id": "$response.body#/id"]),
    "DeleteEvent": link("deleteEvent", ["id": "$response.body#/id"]),
    "EventHistory": link("eventHistory", ["id": "$response.body#/id"]),
  ]

  static let eventPageLinks: [String: JSONValue] = [
    "GetFirstEvent": link("getEvent", ["id": "$response.body#/items/0/id"]),
    "FirstEventHistory": link("eventHistory", ["id": "$response.body#/items/0/id"]),
  ]

  static func link(_ operationID: String, _ parameters: [String: JSONValue]) -> JSONValue {
    ["operationId": operationID.json, "parameters": .object(parameters)]
  }

  // MARK: Editions, organisers, venues, people

  static func createEdition(_ c: RequestContext, _ body: BodyReader<EditionInput>) throws
    -> Response
  {
    try c.caller().requireAdmin()
    let body = try body.read()
    let edition = Edition(
      year: body.year!, name: body.name!, firstDay: body.firstDay!, lastDay: body.lastDay!)
    try validated { try edition.validate() }
    return JSONOutput.response(
      WireOutputs.edition.json(try c.store.editions.create(edition)), status: 201)
  }

  static func listEditions(_ c: RequestContext) throws -> Response {
    _ = try c.caller()
    return JSONOutput.response([
      "items": .array(try c.store.editions.list().map(WireOutputs.edition.json))
    ])
  }

  static func createOrganiser(_ c: RequestContext, _ body: BodyReader<OrganiserInput>) throws
    -> Response
  {
    try c.caller().requireAdmin()
    let body = try body.read()
    let organiser = Organiser(
      name: body.name!, contactEmail: body.contactEmail, website: body.website)
    try validated { try organiser.validate() }
    return JSONOutput.response(
      WireOutputs.organiser.json(try c.store.organisers.create(organiser)), status: 201)
  }

  static func createVenue(_ c: RequestContext, _ body: BodyReader<VenueInput>) throws -> Response {
    try c.caller().requireAdmin()
    let body = try body.read()
    let venue = Venue(
      name: body.name!, address: body.address, description: body.description,
      coordinate: body.latitude.flatMap { lat in
        body.longitude.map { Coordinate(latitude: lat, longitude: $0) }
      },
      capacity: body.capacity, accessibility: body.accessibility ?? [])
    try validated { try venue.validate() }
    return JSONOutput.response(
      WireOutputs.venue.json(try c.store.venues.create(venue)), status: 201)
  }

  static func createPerson(_ c: RequestContext, _ body: BodyReader<PersonInput>) throws -> Response
  {
    _ = try c.caller()  // admins and organisers both add people
    let body = try body.read()
    let person = Person(
      name: body.name!, title: body.title, organisation: body.organisation, party: body.party)
    try validated { try person.validate() }
    return JSONOutput.response(
      WireOutputs.person.json(try c.store.people.create(person)), status: 201)
  }

  // MARK: Events

  static func createEvent(_ c: RequestContext, _ body: BodyReader<EventInput>) throws -> Response {
    let caller = try c.caller()
    let details = try EventJSON.details(
      from: body, base: nil, defaultOrganiser: caller.token.organiserID,
      references: c.store.events.referenceProblems)
    try caller.requireOrganiser(details.organiserID)
    let event = try c.store.events.create(
      details, actor: caller.actor, coOrganisersAccepted: caller.isAdmin)
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
        input.add(
          "status",
          "must be one of " + EventStatus.allCases.map(\.rawValue).joined(separator: ", "))
      }
    }
    if let day = query.queryValue("day") {
      filter.day = LocalDay(day)
      if filter.day == nil { input.add("day", "must be a day, like 2026-06-23") }
    }
    for (name, field, _) in idFilters {
      if let text = query.queryValue(name) {
        guard let id = UUID(uuidString: text) else {
          input.add(name, "must be an id")
          continue
        }
        filter[keyPath: field] = id
      }
    }
    filter.topic = QueryRules.topic(query, &input)
    filter.text = QueryRules.text(query, &input)
    filter.language = QueryRules.language(query, &input)
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

  static func patchEvent(_ c: RequestContext, _ body: BodyReader<EventInput>) throws -> Response {
    let caller = try c.caller()
    let event = try visibleEvent(c, caller)
    try caller.requireOrganiser(event.organiserID)
    let expected = try c.expectedVersion()
    let details = try EventJSON.details(
      from: body, base: event.details, defaultOrganiser: nil,
      references: c.store.events.referenceProblems)
    // An organiser cannot hand its event to someone else.
    try caller.requireOrganiser(details.organiserID)
    let updated = try c.store.events.update(
      event.id, expectedVersion: expected, with: details, actor: caller.actor,
      coOrganisersAccepted: caller.isAdmin)
    return try eventResponse(c, updated, caller)
  }

  static func deleteEvent(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    let event = try visibleEvent(c, caller)
    try caller.require(.delete, .event(event))
    try c.store.events.deleteDraft(event.id)
    return Response(status: 204)
  }

  /// The festival's staff approve and publish: admins only.
  static func publishEvent(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    try caller.require(.publish, .none)
    let id = try c.id("id")
    let version = try c.optionalExpectedVersion()
    let event = try c.store.events.publish(id, expectedVersion: version, actor: caller.actor)
    return try eventResponse(c, event, caller)
  }

  /// The organiser sends its event to the office's review (the policy's `submit`).
  static func submitEvent(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    let event = try visibleEvent(c, caller)
    try caller.require(.submit, .event(event))
    let version = try c.optionalExpectedVersion()
    let submitted = try c.store.events.submit(
      event.id, expectedVersion: version, actor: caller.actor)
    return try eventResponse(c, submitted, caller)
  }

  /// The programme office returns a submitted event: the office or an admin, like publishing.
  static func returnEvent(_ c: RequestContext, _ body: BodyReader<ReturnInput>) throws
    -> Response
  {
    let caller = try c.caller()
    try caller.require(.returnForChanges, .none)
    let id = try c.id("id")
    let version = try c.optionalExpectedVersion()
    let reason = try body.read().reason ?? ""
    let event = try c.store.events.returnForChanges(
      id, reason: reason, expectedVersion: version, actor: caller.actor)
    return try eventResponse(c, event, caller)
  }

  static func cancelEvent(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    let event = try visibleEvent(c, caller)
    try caller.require(.cancel, .event(event))
    let version = try c.optionalExpectedVersion()
    let cancelled = try c.store.events.cancel(
      event.id, expectedVersion: version, actor: caller.actor)
    return try eventResponse(c, cancelled, caller)
  }

  static func eventHistory(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    let event = try visibleEvent(c, caller)
    try caller.require(.readPrivate, .event(event))
    let items: [JSONValue] = try c.store.events.history(event.id).map { change in
      var fields: [String: JSONValue] = [:]
      for field in change.fields {
        fields[field.name] = [
          "from": try field.from.map(storedJSON) ?? .null,
          "to": try field.to.map(storedJSON) ?? .null,
        ]
      }
      return RegistrationOutputs.change.json(.init(change: change, fields: fields))
    }
    return JSONOutput.response(["items": .array(items)])
  }

  // MARK: Co-organisers

  /// The requests naming the path's organiser: for that organiser's tokens and admins.
  static func listCoOrganiserRequests(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    let organiserID = try c.id("id")
    try caller.require(.answerCoOrganiser, .organiser(organiserID))
    var status: CoOrganiserStatus?
    if let text = c.request.queryValue("status") {
      guard let value = CoOrganiserStatus(rawValue: text) else {
        throw Problem.invalid([
          FieldProblem(field: "status", message: "must be pending, accepted or declined")
        ])
      }
      status = value
    }
    let requests = try c.store.coOrganisers.requests(for: organiserID, status: status)
    return JSONOutput.response([
      "items": .array(requests.map(WireOutputs.coOrganiserRequest.json))
    ])
  }

  /// The asked organiser's answer (or an admin's for it); the event's own organiser cannot
  /// answer for anyone else.
  static func answerCoOrganiser(_ c: RequestContext, accept: Bool) throws -> Response {
    let caller = try c.caller()
    let eventID = try c.id("id")
    let organiserID = try c.id("organiser_id")
    try caller.require(.answerCoOrganiser, .organiser(organiserID))
    let request = try c.store.coOrganisers.answer(
      eventID: eventID, organiserID: organiserID, accept: accept, actor: caller.actor)
    return JSONOutput.response(WireOutputs.coOrganiserRequest.json(request))
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
    return JSONOutput.response(["items": .array(conflicts.map(WireOutputs.conflict.json))])
  }

  // MARK: Helpers

  /// A page of `list`'s items, by the query's `q`, `limit` and `cursor`, for any caller
  /// with a token.
  static func listed<T>(
    _ c: RequestContext, _ list: (String?, Int?, String?) throws -> Page<T>,
    _ wire: OutputObject<T>
  ) throws -> Response {
    _ = try c.caller()
    var input = JSONInput()
    let text = QueryRules.text(c.request, &input)
    try input.check()
    let page = try list(text, try limit(c), c.request.queryValue("cursor"))
    return pageResponse(page.items.map(wire.json), page.nextCursor)
  }

  /// The one `get` finds by the path's id, with its version as ETag, for any caller with a
  /// token.
  static func one<T>(
    _ c: RequestContext, _ get: (UUID) throws -> T, _ wire: OutputObject<T>,
    version: KeyPath<T, Int>
  ) throws -> Response {
    _ = try c.caller()
    let value = try get(try c.id("id"))
    return JSONOutput.response(
      wire.json(value), headers: [("ETag", ETag.make(value[keyPath: version]))])
  }

  /// The walking pace from `pace_kmh`, `detour` and `allowance_minutes`, each bounded; the
  /// defaults are 5 km/h over straight-line distance × 1.3, plus 5 minutes.
  static func walkingPace(_ c: RequestContext) throws(Problem) -> WalkingPace {
    var pace = WalkingPace()
    var problems: [FieldProblem] = []
    for parameter in paceParameters {
      guard let text = c.request.queryValue(parameter.name) else { continue }
      guard let value = Double(text), parameter.range.contains(value) else {
        let range = parameter.range
        problems.append(
          FieldProblem(
            field: parameter.name,
            message: "must be a number from \(range.lowerBound) to \(range.upperBound)"))
        continue
      }
      pace[keyPath: parameter.field] = value * parameter.scale
    }
    if !problems.isEmpty { throw Problem.invalid(problems) }
    return pace
  }

  /// The event, when the caller may see it; someone else's private event (a draft, one in
  /// review or returned) is 404, as if absent.
  static func visibleEvent(_ c: RequestContext, _ caller: Caller) throws -> Event {
    let event = try c.store.events.get(try c.id("id"))
    guard event.status.isPublic || caller.mayRead(event) else { throw Problem.notFound("event") }
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
    guard let value = Int(text), pageSizes.contains(value) else {
      throw Problem.invalid([
        FieldProblem(
          field: "limit",
          message: "must be between \(pageSizes.lowerBound) and \(pageSizes.upperBound)")
      ])
    }
    return value
  }

  static func pageResponse(_ items: [JSONValue], _ next: String?) -> Response {
    JSONOutput.response(["items": .array(items), "next_cursor": next.json])
  }

  static func validated(_ check: () throws -> Void) throws {
    do { try check() } catch let error as ValidationError { throw Problem.invalid(error.problems) }
  }

  /// A value the history stored as JSON text; the database wrote it, so text that does not
  /// parse is a fault of ours (500), not the client's.
  static func storedJSON(_ text: String) throws -> JSONValue {
    do { return try JSONParser.parse(Array(text.utf8)) } catch {
      throw StoredJSONUnreadable(text: text)
    }
  }

  struct StoredJSONUnreadable: Error { let text: String }
}

/// The programme office's reason for returning an event.
struct ReturnInput: WireInput {
  var reason: String?

  static let wire = InputObject<Self>(
    name: "ReturnInput",
    fields: [.string("reason", \.reason, required: true, Schema.paragraph(maxLength: 2000))])
}
