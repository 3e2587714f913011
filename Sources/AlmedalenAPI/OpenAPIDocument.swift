import AlmedalenCore
import Foundation

/// The OpenAPI 3.1 description of every route, served at `GET /api/v1/openapi.json`.
///
/// Built as plain dictionaries from the same vocabularies the handlers use (event kinds,
/// statuses, roles…), so that a new case shows up here by itself. The schemas say what the
/// handlers really emit and accept: inputs refuse unknown fields (`additionalProperties:
/// false`), outputs list every field they carry, and a field that may be JSON `null` says so
/// with `type: [T, "null"]`. `OpenAPIDocumentTests` checks that the paths and methods are
/// exactly the router's; `scripts/test` runs schemathesis against a live server.
public enum OpenAPIDocument {
  /// The document as JSON, keys sorted, so that equal documents are equal bytes.
  public static let json: [UInt8] = Array(
    (try? JSONSerialization.data(
      withJSONObject: object(), options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())

  /// The document as a JSON object.
  public static func object() -> [String: Any] {
    [
      "openapi": "3.1.0",
      "info": info(),
      "security": [["bearer": [String]()]],
      "tags": tags(),
      "paths": paths(),
      "components": components(),
    ]
  }

  static func info() -> [String: Any] {
    [
      "title": "Almedalen",
      "version": "1",
      "summary": "The programme of Almedalsveckan: events, organisers, venues and people.",
      "description": """
      Ids are lowercase UUIDs; times are RFC 3339 with offset \
      (`2026-06-23T12:00:00+02:00`), days `YYYY-MM-DD` in Europe/Stockholm. Every 4xx and \
      5xx answer of the API is `application/problem+json` (RFC 9457); a request the HTTP \
      layer cannot read at all (a NUL byte in the query, say) is refused in `text/plain`.
      """,
    ]
  }

  static func tags() -> [[String: Any]] {
    [
      ["name": "editions", "description": "Festival editions: one a year."],
      ["name": "organisers", "description": "Who arranges events."],
      ["name": "venues", "description": "Where events happen."],
      ["name": "people", "description": "Who appears at events."],
      ["name": "events", "description": "The programme: drafts, published and cancelled."],
      ["name": "feeds", "description": "iCalendar, RSS and frab schedules of the programme."],
      [
        "name": "registrations",
        "description": "Seats, the waitlist, the attendee's own links and calendar.",
      ],
      ["name": "service", "description": "Health, crawlers and this document."],
    ]
  }

  // MARK: Paths

  static func paths() -> [String: Any] {
    [
      "/api/v1/editions": [
        "get": operation(
          "listEditions", "Every edition, oldest first", tag: "editions",
          success: ok("The editions", schema: "EditionList")),
        "post": operation(
          "createEdition", "Add an edition (admin)", tag: "editions", body: "EditionInput",
          success: created("The new edition", schema: "Edition"),
          errors: [400, 403, 409, 413, 415, 422]),
      ],
      "/api/v1/organisers": [
        "get": operation(
          "listOrganisers", "Organisers by name, a page at a time", tag: "organisers",
          parameters: listParameters, success: ok("A page", schema: "OrganiserPage"),
          errors: [400, 422]),
        "post": operation(
          "createOrganiser", "Add an organiser (admin)", tag: "organisers",
          body: "OrganiserInput", success: created("The new organiser", schema: "Organiser"),
          errors: [400, 403, 413, 415, 422]),
      ],
      "/api/v1/organisers/{id}": [
        "get": operation(
          "getOrganiser", "One organiser", tag: "organisers", parameters: [idParameter],
          success: ok("The organiser", schema: "Organiser", etag: true), errors: [400, 404])
      ],
      "/api/v1/venues": [
        "get": operation(
          "listVenues", "Venues by name, a page at a time", tag: "venues",
          parameters: listParameters, success: ok("A page", schema: "VenuePage"),
          errors: [400, 422]),
        "post": operation(
          "createVenue", "Add a venue (admin)", tag: "venues", body: "VenueInput",
          success: created("The new venue", schema: "Venue"),
          errors: [400, 403, 413, 415, 422]),
      ],
      "/api/v1/venues/{id}": [
        "get": operation(
          "getVenue", "One venue", tag: "venues", parameters: [idParameter],
          success: ok("The venue", schema: "Venue", etag: true), errors: [400, 404])
      ],
      "/api/v1/people": [
        "get": operation(
          "listPeople", "People by name, a page at a time", tag: "people",
          parameters: listParameters, success: ok("A page", schema: "PersonPage"),
          errors: [400, 422]),
        "post": operation(
          "createPerson", "Add a person (admin or organiser)", tag: "people",
          body: "PersonInput", success: created("The new person", schema: "Person"),
          errors: [400, 413, 415, 422]),
      ],
      "/api/v1/people/{id}": [
        "get": operation(
          "getPerson", "One person", tag: "people", parameters: [idParameter],
          success: ok("The person", schema: "Person", etag: true), errors: [400, 404])
      ],
      "/api/v1/events": [
        "get": operation(
          "listEvents", "Events in time order, a page at a time", tag: "events",
          description: """
            An admin sees every event; an organiser's token sees published and cancelled \
            events and its own organiser's drafts.
            """,
          parameters: eventFilterParameters + listParameters,
          success: ok("A page", schema: "EventPage", links: eventPageLinks),
          errors: [400, 422]),
        "post": operation(
          "createEvent", "Create a draft", tag: "events",
          description: """
            `organiser_id` may be left out with an organiser's token: the token's own \
            organiser is taken. An organiser's token may create events only for its own \
            organiser. The answer carries the conflicts the event would cause in `warnings`.
            """,
          body: "EventInput",
          success: created("The new draft", schema: "Event", etag: true, links: eventLinks),
          errors: [400, 403, 413, 415, 422]),
      ],
      "/api/v1/events/{id}": [
        "get": operation(
          "getEvent", "One event", tag: "events",
          description: "Someone else's draft is not found, as if absent.",
          parameters: [idParameter],
          success: ok("The event", schema: "Event", etag: true, links: eventLinks),
          errors: [400, 404]),
        "patch": operation(
          "patchEvent", "Change an event", tag: "events",
          description: """
            Only the fields present change; `null` clears a field that may be empty \
            (`venue_id`, `capacity`, `livestream_url`, `source_note`) and leaves the others \
            as they are. Sending only `participants` keeps the panels and their members; \
            sending only `panels` keeps the participants outside any panel. Needs \
            `If-Match` with the ETag from GET.
            """,
          parameters: [idParameter, ifMatchParameter(required: true)], body: "EventPatch",
          success: ok("The changed event", schema: "Event", etag: true, links: eventLinks),
          errors: [400, 403, 404, 409, 412, 413, 415, 422, 428]),
        "delete": operation(
          "deleteEvent", "Delete a draft", tag: "events",
          description: "A published event is cancelled, never deleted (409).",
          parameters: [idParameter], success: ("204", ["description": "Deleted"]),
          errors: [400, 403, 404, 409]),
      ],
      "/api/v1/events/{id}/publish": [
        "post": operation(
          "publishEvent", "Publish a draft (admin)", tag: "events",
          description: """
            Publishing again is harmless. 409 when the venue holds another published event \
            at that time (`conflicting_event_ids`) or the event is cancelled.
            """,
          parameters: [idParameter, ifMatchParameter(required: false)],
          success: ok("The published event", schema: "Event", etag: true),
          errors: [400, 403, 404, 409, 412])
      ],
      "/api/v1/events/{id}/cancel": [
        "post": operation(
          "cancelEvent", "Cancel a published event", tag: "events",
          description: """
            A cancelled event stays in the feeds, marked cancelled. A draft cannot be \
            cancelled (409): delete it instead.
            """,
          parameters: [idParameter, ifMatchParameter(required: false)],
          success: ok("The cancelled event", schema: "Event", etag: true),
          errors: [400, 403, 404, 409, 412])
      ],
      "/api/v1/events/{id}/history": [
        "get": operation(
          "eventHistory", "Who changed what, oldest first", tag: "events",
          parameters: [idParameter], success: ok("The history", schema: "HistoryList"),
          errors: [400, 403, 404])
      ],
      "/api/v1/events/{id}/registrations": [
        "post": operation(
          "signUp", "Sign up for a seat", tag: "registrations",
          description: """
            Name and email, nothing more. Confirmed while seats remain, waitlisted after \
            (with the position). The answer holds the attendee's secret links, shown only \
            this once: `cancel_url` and `calendar_url` (all their sign-ups as iCalendar). \
            Signing up again with the same email answers 200 with the existing registration \
            and no links. Closed, cancelled or past events are 409; drafts 404; too many \
            attempts from one client or for one email 429 with Retry-After.
            """, isPublic: true, parameters: [idParameter], body: "SignUpInput",
          success: created("The registration and its secret links", schema: "SignUp"),
          errors: [400, 404, 409, 415, 422, 429, 503]),
        "get": operation(
          "listRegistrations", "The event's registrations, with headcounts", tag: "registrations",
          description: """
            The event's organiser or an admin. `Accept: text/csv` gives a CSV for Excel \
            (UTF-8 with BOM, semicolons).
            """, parameters: [idParameter],
          success: (
            "200",
            [
              "description": "The registrations in arrival order",
              "content": [
                "application/json": ["schema": ref("RegistrationList")],
                "text/csv": ["schema": ["type": "string"]],
              ],
            ]
          ), errors: [403, 404]),
      ],
      "/api/v1/registrations/{token}": [
        "get": operation(
          "showRegistration", "The attendee's own registration", tag: "registrations",
          isPublic: true, parameters: [tokenParameter],
          success: ok("Its status", schema: "RegistrationStatus"), errors: [400, 404, 503]),
        "delete": operation(
          "cancelRegistration", "Cancel with the attendee's secret link", tag: "registrations",
          description: "The first on the waitlist gets the seat at once. Repeating is harmless.",
          isPublic: true, parameters: [tokenParameter],
          success: ok("Cancelled", schema: "CancelledRegistration"), errors: [400, 404, 503]),
      ],
      "/feeds/attendee/{token}.ics": [
        "get": operation(
          "attendeeCalendar", "The attendee's own calendar: every seminar they signed up for",
          tag: "registrations",
          description: """
            Waitlisted seats as TENTATIVE, confirmed as CONFIRMED, cancelled events as \
            CANCELLED.
            """, isPublic: true, parameters: [tokenParameter],
          success: feed("text/calendar; charset=utf-8"), errors: [400, 404, 503]),
        "delete": operation(
          "revokeCalendar", "Stop every calendar link of this attendee", tag: "registrations",
          isPublic: true, parameters: [tokenParameter],
          success: ("204", ["description": "Revoked"]), errors: [400, 404, 503]),
      ],
      "/api/v1/conflicts": [
        "get": operation(
          "listConflicts", "People and venues booked twice, or too far apart to walk",
          tag: "events",
          description: """
            Among drafts and published events. An organiser's token sees the conflicts its \
            own events are part of, and none involving other organisers' drafts.
            """,
          parameters: conflictParameters,
          success: ok("The conflicts", schema: "ConflictList"), errors: [400, 422])
      ],
      "/api/v1/openapi.json": [
        "get": operation(
          "openAPIDocument", "This document", tag: "service", isPublic: true,
          success: (
            "200",
            [
              "description": "OpenAPI 3.1",
              "headers": ["Cache-Control": ref("CacheControl", in: "headers")],
              "content": ["application/json": ["schema": ["type": "object"]]],
            ]
          ))
      ],
      "/healthz": [
        "get": operation(
          "health", "Whether the service and its database answer", tag: "service",
          isPublic: true,
          success: (
            "200",
            [
              "description": "The database answers",
              "content": [
                "text/plain": ["schema": ["type": "string", "const": "ok\n"] as [String: Any]]
              ],
            ]
          ), errors: [503])
      ],
      "/api/v1/feeds": [
        "get": operation(
          "feedLinks", "The feeds of a selection, as https and webcal links", tag: "feeds",
          isPublic: true, parameters: feedFilterParameters,
          success: ok("Links to subscribe to", schema: "FeedLinks"), errors: [400, 404, 422])
      ],
      "/feeds/program.ics": [
        "get": operation(
          "programmeCalendar", "The public programme as iCalendar", tag: "feeds",
          description: """
            Published and cancelled events (cancelled ones as STATUS:CANCELLED), narrowed by \
            any combination of the filters. Unknown parameters are ignored.
            """, isPublic: true, parameters: feedFilterParameters,
          success: feed("text/calendar; charset=utf-8"), errors: [400, 404, 422, 503])
      ],
      "/feeds/program.rss": [
        "get": operation(
          "programmeChanges", "What was published, moved, changed or cancelled, as RSS 2.0",
          tag: "feeds", isPublic: true,
          parameters: feedFilterParameters + [
            query(
              "limit", Schema.integer(minimum: 1, maximum: 500, default: 100),
              "How many of the newest changes.")
          ], success: feed("application/rss+xml; charset=utf-8"), errors: [400, 404, 422, 503])
      ],
      "/feeds/events/{id}.ics": [
        "get": operation(
          "eventCalendar", "One public event as iCalendar", tag: "feeds", isPublic: true,
          parameters: [idParameter], success: feed("text/calendar; charset=utf-8"),
          errors: [400, 404, 503])
      ],
      "/feeds/people/{id}.ics": [
        "get": operation(
          "personCalendar", "The public events one person takes part in, as iCalendar",
          tag: "feeds", isPublic: true, parameters: [idParameter],
          success: feed("text/calendar; charset=utf-8"), errors: [400, 404, 503])
      ],
      "/feeds/schedule.xml": [
        "get": operation(
          "frabScheduleXML", "One edition in frab's schedule.xml, for conference apps",
          tag: "feeds", isPublic: true, parameters: [yearParameter],
          success: feed("application/xml; charset=utf-8"), errors: [400, 404, 422, 503])
      ],
      "/feeds/schedule.json": [
        "get": operation(
          "frabScheduleJSON", "One edition in frab's schedule.json, for conference apps",
          tag: "feeds", isPublic: true, parameters: [yearParameter],
          success: feed("application/json; charset=utf-8"), errors: [400, 404, 422, 503])
      ],
      "/robots.txt": [
        "get": operation(
          "robots", "Rules for crawlers", tag: "service", isPublic: true,
          success: (
            "200",
            [
              "description": "Crawlers may read the programme, not the API",
              "headers": ["Cache-Control": ref("CacheControl", in: "headers")],
              "content": ["text/plain": ["schema": ["type": "string"]]],
            ]
          ))
      ],
    ]
  }

  /// One operation. Unless `isPublic`, it needs a bearer token, and so can answer 401 and
  /// (while checking the token) 503.
  static func operation(
    _ id: String, _ summary: String, tag: String, description: String? = nil,
    isPublic: Bool = false, parameters: [[String: Any]] = [], body: String? = nil,
    success: (code: String, response: [String: Any]), errors: [Int] = []
  ) -> [String: Any] {
    var responses: [String: Any] = [success.code: success.response]
    var codes = Set(errors)
    if !isPublic { codes.formUnion([401, 503]) }
    for code in codes { responses[String(code)] = ref(errorResponses[code]!, in: "responses") }
    var operation: [String: Any] = [
      "operationId": id, "summary": summary, "tags": [tag], "responses": responses,
    ]
    if let description { operation["description"] = description }
    if isPublic { operation["security"] = [[String: Any]]() }
    if !parameters.isEmpty { operation["parameters"] = parameters }
    if let body {
      operation["requestBody"] = [
        "required": true,
        "content": ["application/json": ["schema": ref(body)]],
      ]
    }
    return operation
  }

  static func ok(
    _ description: String, schema: String, etag: Bool = false, links: [String: Any] = [:]
  ) -> (code: String, response: [String: Any]) {
    ("200", jsonResponse(description, schema: schema, etag: etag, links: links))
  }

  static func created(
    _ description: String, schema: String, etag: Bool = false, links: [String: Any] = [:]
  ) -> (code: String, response: [String: Any]) {
    ("201", jsonResponse(description, schema: schema, etag: etag, links: links))
  }

  static func jsonResponse(
    _ description: String, schema: String, etag: Bool, links: [String: Any]
  ) -> [String: Any] {
    var response: [String: Any] = [
      "description": description,
      "content": ["application/json": ["schema": ref(schema)]],
    ]
    if etag { response["headers"] = ["ETag": ref("ETag", in: "headers")] }
    if !links.isEmpty { response["links"] = links }
    return response
  }

  /// Links from an event to what can be done with it, for clients and for schemathesis'
  /// stateful tests.
  static var eventLinks: [String: Any] {
    [
      "GetEvent": link("getEvent", ["id": "$response.body#/id"]),
      "PatchEvent": link(
        "patchEvent", ["path.id": "$response.body#/id", "header.If-Match": "$response.header.ETag"]),
      "PublishEvent": link("publishEvent", ["id": "$response.body#/id"]),
      "CancelEvent": link("cancelEvent", ["id": "$response.body#/id"]),
      "DeleteEvent": link("deleteEvent", ["id": "$response.body#/id"]),
      "EventHistory": link("eventHistory", ["id": "$response.body#/id"]),
    ]
  }

  static var eventPageLinks: [String: Any] {
    [
      "GetFirstEvent": link("getEvent", ["id": "$response.body#/items/0/id"]),
      "FirstEventHistory": link("eventHistory", ["id": "$response.body#/items/0/id"]),
    ]
  }

  static func link(_ operationID: String, _ parameters: [String: String]) -> [String: Any] {
    ["operationId": operationID, "parameters": parameters]
  }

  // MARK: Parameters

  static var idParameter: [String: Any] {
    [
      "name": "id", "in": "path", "required": true,
      "schema": ["type": "string", "format": "uuid"],
      "description": "An id; one that is not an id is simply not found (404).",
    ]
  }

  static var tokenParameter: [String: Any] {
    [
      "name": "token", "in": "path", "required": true,
      "schema": ["type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"],
      "description": "The attendee's secret from the sign-up answer; an unknown one is 404.",
    ]
  }

  static func ifMatchParameter(required: Bool) -> [String: Any] {
    [
      "name": "If-Match", "in": "header", "required": required,
      "schema": ["type": "string", "pattern": "^\"v[0-9]+\"$"],
      "description": required
        ? "The ETag from GET, like `\"v3\"`: missing is 428, stale or not a version 412."
        : "Optional; when sent, a stale ETag or one that is not a version is 412.",
    ]
  }

  static func query(_ name: String, _ schema: [String: Any], _ description: String)
    -> [String: Any]
  {
    ["name": name, "in": "query", "required": false, "schema": schema, "description": description]
  }

  static var listParameters: [[String: Any]] {
    [
      query("q", Schema.string(), "Text to look for (at most 200 characters)."),
      query(
        "limit", Schema.integer(minimum: 1, maximum: 500, default: 50), "Items per page."),
      query("cursor", Schema.string(minLength: 1), "`next_cursor` of the page before."),
    ]
  }

  static var eventFilterParameters: [[String: Any]] {
    [
      query("status", Schema.string(enumeration: EventStatus.allCases.map(\.rawValue)), "Status."),
      query(
        "day", Schema.string(format: "date"), "Events starting on this day (Europe/Stockholm)."),
      query("organiser_id", Schema.uuid(), "Events of this organiser or co-organiser."),
      query("venue_id", Schema.uuid(), "Events at this venue."),
      query("person_id", Schema.uuid(), "Events this person takes part in."),
      query("edition_id", Schema.uuid(), "Events of this edition."),
      query("topic", Schema.string(), "Events with this topic (case-insensitive)."),
      query("language", Schema.string(), "Events in this language (ISO 639-1)."),
    ]
  }

  static var yearParameter: [String: Any] {
    query(
      "year", Schema.integer(minimum: 1968, maximum: 2200),
      "The edition of this year (by default the latest).")
  }

  static var feedFilterParameters: [[String: Any]] {
    [
      yearParameter,
      query(
        "day", Schema.string(format: "date"), "Events starting on this day (Europe/Stockholm)."),
      query("organiser", Schema.uuid(), "Events of this organiser or co-organiser."),
      query("venue", Schema.uuid(), "Events at this venue."),
      query(
        "person", Schema.uuid(), "Events this person moderates, sits on a panel of or speaks at."),
      query("topic", Schema.string(), "Events with this topic (case-insensitive)."),
      query(
        "accessibility",
        Schema.string(
          pattern: "^(" + Accessibility.allCases.map(\.rawValue).joined(separator: "|") + ")(,("
            + Accessibility.allCases.map(\.rawValue).joined(separator: "|") + "))*$"),
        "Events offering all of these, comma-separated."),
      query(
        "language", Schema.string(pattern: "^[a-z]{2}$"), "Events in this language (ISO 639-1)."),
      query("q", Schema.string(), "Text to look for (at most 200 characters)."),
    ]
  }

  /// A feed's 200: its bytes, with validators for conditional requests.
  static func feed(_ contentType: String) -> (code: String, response: [String: Any]) {
    let schema: [String: Any] =
      contentType.hasPrefix("application/json") ? ["type": "object"] : ["type": "string"]
    return (
      "200",
      [
        "description": "The feed; 304 without a body when If-None-Match matches.",
        "headers": [
          "Cache-Control": ref("CacheControl", in: "headers"),
          "ETag": ref("FeedETag", in: "headers"),
        ],
        "content": [contentType: ["schema": schema]],
      ]
    )
  }

  /// The walking pace of `WalkingPace`, each bounded as `AdminRoutes.walkingPace` bounds it.
  static var conflictParameters: [[String: Any]] {
    func number(_ minimum: Double, _ maximum: Double, _ value: Double) -> [String: Any] {
      var schema = Schema.number(minimum: minimum, maximum: maximum)
      schema["default"] = value
      return schema
    }
    return [
      query("edition_id", Schema.uuid(), "Only the events of this edition."),
      query("pace_kmh", number(1, 15, 5), "Walking speed in km/h."),
      query("detour", number(1, 3, 1.3), "How much longer the streets are than a straight line."),
      query(
        "allowance_minutes", number(0, 60, 5),
        "Minutes on top of the walk, for leaving one event and finding the next."),
    ]
  }

  // MARK: Components

  static func components() -> [String: Any] {
    [
      "securitySchemes": [
        "bearer": [
          "type": "http", "scheme": "bearer",
          "description": "A token from `almedalen token create`: admin, or one organiser's.",
        ]
      ],
      "headers": headers(),
      "responses": responses(),
      "schemas": schemas(),
    ]
  }

  static func headers() -> [String: Any] {
    [
      "ETag": [
        "description": "The version, for If-Match.", "required": true,
        "schema": ["type": "string", "pattern": "^\"v[0-9]+\"$"],
      ],
      "FeedETag": [
        "description": "A hash of the feed's bytes; `-gz` marks the gzip representation.",
        "required": true,
        "schema": ["type": "string", "pattern": "^\"[0-9a-f]{16}(-gz)?\"$"],
      ],
      "CacheControl": [
        "description": "How long the answer may be cached.", "required": true,
        "schema": ["type": "string"],
      ],
      "WWWAuthenticate": [
        "description": "Always `Bearer`.", "required": true,
        "schema": ["type": "string", "const": "Bearer"],
      ],
      "RetryAfter": [
        "description": "Seconds to wait before trying again.", "required": false,
        "schema": ["type": "string", "pattern": "^[0-9]+$"],
      ],
    ]
  }

  static let errorResponses: [Int: String] = [
    400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
    409: "Conflict", 412: "PreconditionFailed", 413: "ContentTooLarge",
    415: "UnsupportedMediaType", 422: "Invalid", 428: "PreconditionRequired",
    429: "TooManyRequests",
    503: "Unavailable",
  ]

  static func responses() -> [String: Any] {
    let plain: [String: Any] = ["schema": ["type": "string"]]
    func problem(
      _ description: String, plainToo: Bool = false, headers: [String: Any] = [:]
    ) -> [String: Any] {
      var content: [String: Any] = ["application/problem+json": ["schema": ref("Problem")]]
      if plainToo { content["text/plain"] = plain }
      var response: [String: Any] = ["description": description, "content": content]
      if !headers.isEmpty { response["headers"] = headers }
      return response
    }
    return [
      "BadRequest": problem(
        """
        The body is empty or not one JSON object (problem+json), or the HTTP layer could not \
        read the request: a broken percent-escape or a NUL in the path or query (text/plain).
        """, plainToo: true),
      "Unauthorized": problem(
        "No token, not a Bearer token, or an unknown or revoked one.",
        headers: ["WWW-Authenticate": ref("WWWAuthenticate", in: "headers")]),
      "Forbidden": problem("The token may not do this."),
      "NotFound": problem("Nothing with that id (or not visible to this token)."),
      "Conflict": problem(
        """
        Not allowed in the current state, a taken unique value, or a venue booked by another \
        published event (its ids in `conflicting_event_ids`).
        """),
      "PreconditionFailed": problem(
        "If-Match is stale or does not name a version; GET the event again."),
      "PreconditionRequired": problem("If-Match is missing."),
      "ContentTooLarge": [
        "description": "The body is larger than the server accepts (1 MiB).",
        "content": ["text/plain": plain],
      ],
      "UnsupportedMediaType": problem("The body is not sent as application/json."),
      "Invalid": problem(
        "The body or query parses but breaks rules: every problem in `errors`, with its field."
      ),
      "TooManyRequests": problem(
        "Too many sign-ups from this client or for this email; wait as Retry-After says.",
        headers: ["Retry-After": ref("RetryAfter", in: "headers")]),
      "Unavailable": problem(
        "The database is away (problem+json), or the server is overloaded (text/plain).",
        plainToo: true, headers: ["Retry-After": ref("RetryAfter", in: "headers")]),
    ]
  }

  static func ref(_ name: String, in section: String = "schemas") -> [String: Any] {
    ["$ref": "#/components/\(section)/\(name)"]
  }
}

// MARK: - Schemas

extension OpenAPIDocument {
  static func schemas() -> [String: Any] {
    let s = Schema.self
    let accessibility = s.string(enumeration: Accessibility.allCases.map(\.rawValue))
    var schemas: [String: Any] = [
      "Problem": s.object(
        [
          "type": s.string(description: "Always `about:blank`."),
          "title": s.string(),
          "status": s.integer(minimum: 400, maximum: 599),
          "detail": s.string(),
          "errors": s.array(ref("FieldError")),
          "conflicting_event_ids": s.array(s.uuid()),
        ], required: ["type", "title", "status"],
        description: "RFC 9457 problem details."),
      "FieldError": s.output(["field": s.string(), "message": s.string()]),

      "EditionInput": s.object(
        [
          "year": s.integer(minimum: 1968, maximum: 2200),
          "name": s.line(description: "At most 200 characters."),
          "first_day": s.string(format: "date", description: "In `year`."),
          "last_day": s.string(
            format: "date", description: "Not before `first_day`, at most 31 days after."),
        ], required: ["year", "name", "first_day", "last_day"]),
      "Edition": s.output([
        "id": s.uuid(), "year": s.integer(), "name": s.string(),
        "first_day": s.string(format: "date"), "last_day": s.string(format: "date"),
        "time_zone": s.string(description: "Always Europe/Stockholm."),
      ]),
      "EditionList": s.output(["items": s.array(ref("Edition"))]),

      "OrganiserInput": s.object(
        [
          "name": s.line(description: "At most 200 characters."),
          "contact_email": s.email(nullable: true),
          "website": s.webURL(nullable: true),
        ], required: ["name"]),
      "Organiser": s.output([
        "id": s.uuid(), "name": s.string(), "contact_email": s.string(nullable: true),
        "website": s.string(nullable: true), "version": s.integer(),
      ]),

      "VenueInput": s.object(
        [
          "name": s.line(description: "At most 200 characters."),
          "address": s.line(nullable: true, description: "At most 300 characters."),
          "description": s.paragraph(nullable: true),
          "latitude": s.number(
            minimum: -90, maximum: 90, nullable: true, description: "Give with `longitude`."),
          "longitude": s.number(
            minimum: -180, maximum: 180, nullable: true, description: "Give with `latitude`."),
          "capacity": s.integer(minimum: 0, maximum: 100_000, nullable: true),
          "accessibility": s.array(accessibility, unique: true, nullable: true),
        ], required: ["name"]),
      "Venue": s.output([
        "id": s.uuid(), "name": s.string(), "address": s.string(nullable: true),
        "description": s.string(nullable: true), "latitude": s.number(nullable: true),
        "longitude": s.number(nullable: true), "capacity": s.integer(nullable: true),
        "accessibility": s.array(accessibility), "version": s.integer(),
      ]),

      "PersonInput": s.object(
        [
          "name": s.line(description: "At most 200 characters."),
          "title": s.line(nullable: true, description: "At most 300 characters."),
          "organisation": s.line(nullable: true, description: "At most 300 characters."),
          "party": s.line(nullable: true, description: "At most 20 characters."),
        ], required: ["name"]),
      "Person": s.output([
        "id": s.uuid(), "name": s.string(), "title": s.string(nullable: true),
        "organisation": s.string(nullable: true), "party": s.string(nullable: true),
        "version": s.integer(),
      ]),

      "Conflict": s.output([
        "kind": s.string(enumeration: Conflict.Kind.allCases.map(\.rawValue)),
        "event_ids": s.array(s.uuid(), minItems: 2, maxItems: 2),
        "person_id": s.uuid(nullable: true),
        "venue_id": s.uuid(nullable: true),
        "distance_metres": s.number(nullable: true),
        "walking_minutes": s.number(nullable: true),
        "gap_minutes": s.number(nullable: true),
        "summary": s.string(),
      ]),
      "ConflictList": s.output(["items": s.array(ref("Conflict"))]),
      "FeedLinks": s.output([
        "ics": s.output(["https": s.string(), "webcal": s.string()]),
        "rss": s.output(["https": s.string()]),
        "schedule": s.output(["xml": s.string(), "json": s.string()]),
      ]),

      "HistoryEntry": s.output([
        "at": s.dateTime(),
        "actor": s.string(),
        "action": s.string(enumeration: EventChange.Action.allCases.map(\.rawValue)),
        "version": s.integer(),
        "revision": s.integer(),
        "changes": [
          "type": "object",
          "description": "Each changed field, with its value before and after.",
          "additionalProperties": s.output(["from": [:] as [String: Any], "to": [:]]),
        ],
      ]),
      "HistoryList": s.output(["items": s.array(ref("HistoryEntry"))]),
      "SignUpInput": s.object(
        ["name": s.line(), "email": s.email()], required: ["name", "email"]),
      "SignUp": s.object(
        [
          "event_id": s.uuid(),
          "status": s.string(enumeration: ["confirmed", "waitlisted"]),
          "waitlist_position": s.integer(minimum: 1, nullable: true),
          "existing": s.boolean(),
          "cancel_url": s.string(), "calendar_url": s.string(), "calendar_webcal_url": s.string(),
        ], required: ["event_id", "status", "waitlist_position", "existing"]),
      "RegistrationStatus": s.output([
        "event_id": s.uuid(),
        "status": s.string(enumeration: RegistrationStatus.allCases.map(\.rawValue)),
        "waitlist_position": s.integer(minimum: 1, nullable: true),
        "registered_at": s.dateTime(),
      ]),
      "CancelledRegistration": s.output([
        "event_id": s.uuid(), "status": s.string(enumeration: ["cancelled"]),
      ]),
      "RegistrationList": s.output([
        "event_id": s.uuid(), "capacity": s.integer(nullable: true),
        "counts": s.output(
          Dictionary(
            uniqueKeysWithValues: RegistrationStatus.allCases.map {
              ($0.rawValue, s.integer(minimum: 0))
            })),
        "items": s.array(
          s.output([
            "id": s.uuid(), "name": s.string(nullable: true), "email": s.string(nullable: true),
            "status": s.string(enumeration: RegistrationStatus.allCases.map(\.rawValue)),
            "waitlist_position": s.integer(minimum: 1, nullable: true),
            "registered_at": s.dateTime(),
          ])),
      ]),
    ]
    for kind in ["Organiser", "Venue", "Person", "Event"] {
      schemas[kind + "Page"] = s.output([
        "items": s.array(ref(kind)),
        "next_cursor": s.string(nullable: true, description: "null on the last page."),
      ])
    }
    schemas.merge(eventSchemas()) { first, _ in first }
    return schemas
  }

  static func eventSchemas() -> [String: Any] {
    let s = Schema.self
    let accessibility = s.string(enumeration: Accessibility.allCases.map(\.rawValue))
    let language = s.string(pattern: "^[a-z]{2}$")
    let limits = EventDetails.Limits.self
    // The fields of POST and PATCH. POST requires the first three; on PATCH they may be
    // null, which leaves them as they are.
    func fields(patch: Bool) -> [String: [String: Any]] {
      [
        "title": s.line(nullable: patch, description: "At most 300 characters."),
        "description": s.paragraph(nullable: true),
        "kind": s.string(enumeration: EventKind.allCases.map(\.rawValue), nullable: true),
        "starts_at": s.dateTime(nullable: patch, description: "Inside an edition's days."),
        "ends_at": s.dateTime(
          nullable: patch, description: "After `starts_at`, at most 24 hours later."),
        "venue_id": s.uuid(nullable: true),
        "organiser_id": s.uuid(
          nullable: true,
          description: """
            Required on POST with an admin token; with an organiser's token, left out or \
            null means the token's own organiser.
            """),
        "co_organiser_ids": s.array(s.uuid(), maxItems: 20, unique: true, nullable: true),
        "topics": s.array(
          s.line(), maxItems: limits.topics, unique: true, nullable: true),
        "language": s.string(
          pattern: "^[a-z]{2}$", nullable: true, description: "Shorthand for one language."),
        "languages": s.array(
          language, minItems: 1, maxItems: limits.languages, unique: true, nullable: true),
        "capacity": s.integer(
          minimum: 0, maximum: 100_000, nullable: true,
          description: "Required when registration is open."),
        "registration_open": s.boolean(nullable: true),
        "accessibility": s.array(accessibility, unique: true, nullable: true),
        "food_served": s.boolean(nullable: true),
        "livestream_url": s.webURL(nullable: true),
        "panels": s.array(ref("PanelInput"), maxItems: limits.panels, nullable: true),
        "participants": s.array(
          ref("ParticipantInput"), maxItems: limits.participants, nullable: true),
        "source_note": s.paragraph(nullable: true),
      ]
    }
    return [
      "EventInput": s.object(
        fields(patch: false), required: ["title", "starts_at", "ends_at"],
        description: "A new draft; left-out fields take their defaults."),
      "EventPatch": s.object(
        fields(patch: true), required: [], description: "The fields to change."),
      "PanelInput": s.object(
        [
          "title": s.line(nullable: true),
          "starts_at": s.dateTime(nullable: true, description: "Give both times or neither."),
          "ends_at": s.dateTime(nullable: true),
          "moderator_ids": s.array(s.uuid(), nullable: true),
          "panelist_ids": s.array(s.uuid(), nullable: true),
        ], required: []),
      "ParticipantInput": s.object(
        [
          "person_id": s.uuid(),
          "role": s.string(enumeration: ParticipantRole.allCases.map(\.rawValue)),
          "title": s.line(nullable: true, description: "The person's title at this event."),
          "organisation": s.line(nullable: true),
          "panel": s.integer(
            minimum: 0, nullable: true, description: "Index into `panels`, from 0."),
          // What GET adds, so that a participant read can be sent back as it is.
          "name": ["description": "Read-only: accepted and ignored."],
          "party": ["description": "Read-only: accepted and ignored."],
        ], required: ["person_id", "role"]),
      "Event": s.output([
        "id": s.uuid(),
        "edition_id": s.uuid(),
        "status": s.string(enumeration: EventStatus.allCases.map(\.rawValue)),
        "revision": s.integer(),
        "version": s.integer(),
        "title": s.string(),
        "description": s.string(),
        "kind": s.string(enumeration: EventKind.allCases.map(\.rawValue)),
        "starts_at": s.dateTime(),
        "ends_at": s.dateTime(),
        "venue_id": s.uuid(nullable: true),
        "organiser_id": s.uuid(),
        "co_organiser_ids": s.array(s.uuid()),
        "topics": s.array(s.string()),
        "languages": s.array(s.string()),
        "accessibility": s.array(accessibility),
        "food_served": s.boolean(),
        "livestream_url": s.string(nullable: true),
        "capacity": s.integer(nullable: true),
        "registration_open": s.boolean(),
        "panels": s.array(ref("Panel")),
        "participants": s.array(ref("Participant")),
        "source_note": s.string(nullable: true),
        "created_at": s.dateTime(),
        "updated_at": s.dateTime(),
        "published_at": s.dateTime(nullable: true),
        "cancelled_at": s.dateTime(nullable: true),
        "warnings": s.array(ref("Conflict")),
      ]),
      "Panel": s.output([
        "title": s.string(nullable: true),
        "starts_at": s.dateTime(nullable: true),
        "ends_at": s.dateTime(nullable: true),
        "moderator_ids": s.array(s.uuid()),
        "panelist_ids": s.array(s.uuid()),
      ]),
      "Participant": s.output([
        "person_id": s.uuid(),
        "role": s.string(enumeration: ParticipantRole.allCases.map(\.rawValue)),
        "name": s.string(nullable: true),
        "party": s.string(nullable: true),
        "title": s.string(nullable: true),
        "organisation": s.string(nullable: true),
        "panel": s.integer(nullable: true),
      ]),
    ]
  }
}

/// JSON Schema (2020-12, as OpenAPI 3.1 uses it) builders.
enum Schema {
  static func typed(_ type: String, nullable: Bool) -> [String: Any] {
    ["type": nullable ? [type, "null"] as Any : type]
  }

  static func string(
    format: String? = nil, minLength: Int? = nil, pattern: String? = nil,
    enumeration: [String]? = nil, nullable: Bool = false, description: String? = nil
  ) -> [String: Any] {
    var schema = typed("string", nullable: nullable)
    if let format { schema["format"] = format }
    if let minLength { schema["minLength"] = minLength }
    if let pattern { schema["pattern"] = pattern }
    if let enumeration { schema["enum"] = nullable ? enumeration + [NSNull()] : enumeration }
    if let description { schema["description"] = description }
    return schema
  }

  /// The characters no text field may hold (`TextRules.isControl`), for a character class.
  static let controls = "\u{0}-\u{1F}\u{7F}-\u{9F}\u{2028}\u{2029}"

  /// One line of text: not empty, no control characters or line breaks.
  static func line(nullable: Bool = false, description: String? = nil) -> [String: Any] {
    string(
      minLength: 1, pattern: "^[^\(controls)]*$", nullable: nullable, description: description)
  }

  /// Paragraphs: line breaks and tabs allowed, other control characters not.
  static func paragraph(nullable: Bool = false) -> [String: Any] {
    string(pattern: "^([^\(controls)]|[\t\n\r])*$", nullable: nullable)
  }

  /// An http or https URL, without spaces.
  static func webURL(nullable: Bool = false) -> [String: Any] {
    string(
      minLength: 10, pattern: "^[Hh][Tt][Tt][Pp][Ss]?://[^ \(controls)]*$", nullable: nullable,
      description: "An http or https URL, at most 2000 characters.")
  }

  /// One `@` with something on both sides and a dot after it; no spaces.
  static func email(nullable: Bool = false) -> [String: Any] {
    let part = "[^@ \(controls)]"
    return string(
      pattern: "^\(part)+@\(part)*[.]\(part)*$", nullable: nullable,
      description: "An email address, at most 254 bytes.")
  }

  static func uuid(nullable: Bool = false, description: String? = nil) -> [String: Any] {
    string(format: "uuid", nullable: nullable, description: description)
  }

  static func dateTime(nullable: Bool = false, description: String? = nil) -> [String: Any] {
    string(format: "date-time", nullable: nullable, description: description)
  }

  static func integer(
    minimum: Int? = nil, maximum: Int? = nil, default value: Int? = nil, nullable: Bool = false,
    description: String? = nil
  ) -> [String: Any] {
    var schema = typed("integer", nullable: nullable)
    if let minimum { schema["minimum"] = minimum }
    if let maximum { schema["maximum"] = maximum }
    if let value { schema["default"] = value }
    if let description { schema["description"] = description }
    return schema
  }

  static func number(
    minimum: Double? = nil, maximum: Double? = nil, nullable: Bool = false,
    description: String? = nil
  ) -> [String: Any] {
    var schema = typed("number", nullable: nullable)
    if let minimum { schema["minimum"] = minimum }
    if let maximum { schema["maximum"] = maximum }
    if let description { schema["description"] = description }
    return schema
  }

  static func boolean(nullable: Bool = false) -> [String: Any] {
    typed("boolean", nullable: nullable)
  }

  static func array(
    _ items: [String: Any], minItems: Int? = nil, maxItems: Int? = nil, unique: Bool = false,
    nullable: Bool = false
  ) -> [String: Any] {
    var schema = typed("array", nullable: nullable)
    schema["items"] = items
    if let minItems { schema["minItems"] = minItems }
    if let maxItems { schema["maxItems"] = maxItems }
    if unique { schema["uniqueItems"] = true }
    return schema
  }

  /// A closed object: fields outside `properties` are refused (inputs) or never sent
  /// (outputs).
  static func object(
    _ properties: [String: [String: Any]], required: [String], description: String? = nil
  ) -> [String: Any] {
    var schema: [String: Any] = [
      "type": "object", "properties": properties, "required": required.sorted(),
      "additionalProperties": false,
    ]
    if let description { schema["description"] = description }
    return schema
  }

  /// An answer's object: every field is always there (perhaps `null`).
  static func output(_ properties: [String: [String: Any]]) -> [String: Any] {
    object(properties, required: Array(properties.keys))
  }
}
