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
      "components": components(router),
    ]
  }

  static let info: JSONValue = [
    "title": "Almedalen",
    "version": "1",
    "summary": "The programme of Almedalsveckan: events, organisers, venues and people.",
    "description": """
    Ids are lowercase UUIDs; times are RFC 3339 with offset \
    (`2026-06-23T12:00:00+02:00`), days `YYYY-MM-DD` in Europe/Stockholm. Every 4xx and \
    5xx answer is `application/problem+json` (RFC 9457), the HTTP layer's own refusals \
    (400, 408, 413, 431, 503) included. An empty query parameter is the same as an absent \
    one.
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

  static func components(_ router: Router) -> JSONValue {
    [
      "securitySchemes": [
        "bearer": [
          "type": "http", "scheme": "bearer",
          "description": "A token from `almedalen token create`: admin, or one organiser's.",
        ]
      ],
      "headers": headers,
      "responses": responses,
      "schemas": .object(schemas(router)),
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
    408: "RequestTimeout", 409: "Conflict", 412: "PreconditionFailed", 413: "ContentTooLarge",
    415: "UnsupportedMediaType", 422: "Invalid", 428: "PreconditionRequired",
    429: "TooManyRequests", 431: "HeaderFieldsTooLarge", 503: "Unavailable",
  ]

  static var responses: JSONValue {
    func problem(_ description: String, headers: [String: JSONValue] = [:]) -> JSONValue {
      let content: [String: JSONValue] = ["application/problem+json": ["schema": ref("Problem")]]
      var response: [String: JSONValue] = [
        "description": description.json, "content": .object(content),
      ]
      if !headers.isEmpty { response["headers"] = .object(headers) }
      return .object(response)
    }
    return [
      "BadRequest": problem(
        """
        The body is empty or not one JSON object, or the HTTP layer could not read the \
        request: a broken percent-escape or a NUL in the path or query.
        """),
      "RequestTimeout": problem("The request's head or body took too long to arrive."),
      "HeaderFieldsTooLarge": problem(
        "The request's head is larger than the server reads (16 KiB, 100 fields)."),
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
      "ContentTooLarge": problem("The body is larger than the server accepts (1 MiB)."),
      "UnsupportedMediaType": problem("The body is not sent as application/json."),
      "Invalid": problem(
        "The body or query parses but breaks rules: every problem in `errors`, with its field."
      ),
      "TooManyRequests": problem(
        "Too many requests from this client; wait as Retry-After says.",
        headers: ["Retry-After": ref("RetryAfter", in: "headers")]),
      "Unavailable": problem(
        "The database is away, the server is overloaded, or a handler overran its time.",
        headers: ["Retry-After": ref("RetryAfter", in: "headers")]),
    ]
  }

  static func ref(_ name: String, in section: String = "schemas") -> JSONValue {
    ["$ref": "#/components/\(section)/\(name)".json]
  }
}

// MARK: - Schemas

extension OpenAPIDocument {
  /// Every schema the document refers to: the problem answer's, and those of the request
  /// bodies and answers of the operations, each from its declaration.
  static func schemas(_ router: Router) -> [String: JSONValue] {
    var schemas = Problem.wire.component.all
    let operations = router.routes.compactMap(\.operation)
    let alternatives = operations.flatMap { $0.alternatives.flatMap(\.uses) }
    for component in operations.compactMap(\.body) + operations.flatMap(\.success.uses)
      + alternatives
    {
      schemas.merge(component.all) { first, second in
        // Two different schemas under one name would leave one route undocumented.
        precondition(first == second, "two schemas share a name")
        return first
      }
    }
    return schemas
  }
}
