import AlmedalenCore

/// The OpenAPI 3.1 description of every API route, served at `GET /api/v1/openapi.json`.
///
/// Generated: the paths and operations come from the route table (`Route.api`), each
/// operation from its route's declaration, and the schemas from the same vocabularies and
/// limits the handlers use, so that a new route or case shows up here by itself. The
/// schemas say what the handlers really emit and accept: inputs refuse unknown fields
/// (`additionalProperties: false`), outputs list every field they carry, and a field that may
/// be JSON `null` says so with `type: [T, "null"]`. `scripts/test` runs schemathesis against
/// a live server.
public enum OpenAPIDocument {
  /// The document as JSON, keys sorted, so that equal documents are equal bytes. Built once,
  /// on first use (the server's start-up); building it cannot fail.
  public static let json: [UInt8] = document(Application.router).bytes

  static func document(_ router: Router) -> JSONValue {
    [
      "openapi": "3.1.0",
      "info": info,
      "security": [["bearer": []]],
      "tags": .array(
        Operation.Tag.allCases.map {
          ["name": $0.rawValue.json, "description": $0.description.json]
        }
      ),
      "paths": paths(router),
      "components": components,
    ]
  }

  static let info: JSONValue = [
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

  /// Every API route's operation, under its path and lowercase method.
  static func paths(_ router: Router) -> JSONValue {
    var paths: [String: [String: JSONValue]] = [:]
    for route in router.routes {
      guard let operation = route.operation else { continue }
      paths[route.path, default: [:]][route.method.rawValue.lowercased()] = operation.json
    }
    return .object(paths.mapValues(JSONValue.object))
  }

  // MARK: Components

  static var components: JSONValue {
    [
      "securitySchemes": [
        "bearer": [
          "type": "http", "scheme": "bearer",
          "description": "A token from `almedalen token create`: admin, or one organiser's.",
        ]
      ],
      "headers": headers,
      "responses": responses,
      "schemas": .object(schemas()),
    ]
  }

  static let headers: JSONValue = [
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

  /// The shared error answers, by status; an operation names its statuses and gets these.
  static let errorResponses: [Int: String] = [
    400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
    409: "Conflict", 412: "PreconditionFailed", 413: "ContentTooLarge",
    415: "UnsupportedMediaType", 422: "Invalid", 428: "PreconditionRequired",
    429: "TooManyRequests", 503: "Unavailable",
  ]

  static var responses: JSONValue {
    let plain: JSONValue = ["schema": ["type": "string"]]
    func problem(
      _ description: String, plainToo: Bool = false, headers: [String: JSONValue] = [:]
    ) -> JSONValue {
      var content: [String: JSONValue] = ["application/problem+json": ["schema": ref("Problem")]]
      if plainToo { content["text/plain"] = plain }
      var response: [String: JSONValue] = [
        "description": description.json, "content": .object(content),
      ]
      if !headers.isEmpty { response["headers"] = .object(headers) }
      return .object(response)
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

  static func ref(_ name: String, in section: String = "schemas") -> JSONValue {
    ["$ref": "#/components/\(section)/\(name)".json]
  }
}

// MARK: - Schemas

extension OpenAPIDocument {
  static func schemas() -> [String: JSONValue] {
    let s = Schema.self
    let accessibility = s.string(enumeration: Accessibility.allCases.map(\.rawValue))
    var schemas: [String: JSONValue] = [
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
          "additionalProperties": s.output(["from": [:], "to": [:]]),
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

  static func eventSchemas() -> [String: JSONValue] {
    let s = Schema.self
    let accessibility = s.string(enumeration: Accessibility.allCases.map(\.rawValue))
    let language = s.string(pattern: "^[a-z]{2}$")
    let limits = EventDetails.Limits.self
    // The fields of POST and PATCH. POST requires the first three; on PATCH they may be
    // null, which leaves them as they are.
    func fields(patch: Bool) -> [String: JSONValue] {
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
