/// What the OpenAPI document says of one API route: its id, words, parameters, body, the
/// answer it gives when all is well, and the error statuses it may give. Part of the route's
/// declaration (`Route.api`), so that a route and its documentation cannot drift apart.
struct Operation: Sendable {
  enum Tag: String, Sendable, CaseIterable {
    case editions, organisers, venues, people, events, feeds, registrations, service

    var description: String {
      switch self {
      case .editions: "Festival editions: one a year."
      case .organisers: "Who arranges events."
      case .venues: "Where events happen."
      case .people: "Who appears at events."
      case .events: "The programme: drafts, published and cancelled."
      case .feeds: "iCalendar, RSS and frab schedules of the programme."
      case .registrations: "Seats, the waitlist, the attendee's own links and calendar."
      case .service: "Health, crawlers and this document."
      }
    }
  }

  /// Whether the caller needs a bearer token.
  enum Access: Sendable {
    case token
    case open
  }

  /// A path, query or header parameter.
  struct Parameter: Sendable {
    enum Location: String, Sendable {
      case path, query, header
    }

    let name: String
    let location: Location
    let required: Bool
    let schema: JSONValue
    let description: String

    var json: JSONValue {
      [
        "name": name.json, "in": location.rawValue.json, "required": required.json,
        "schema": schema, "description": description.json,
      ]
    }

    static func query(_ name: String, _ schema: JSONValue, _ description: String) -> Parameter {
      Parameter(
        name: name, location: .query, required: false, schema: schema, description: description)
    }
  }

  /// The answer when all is well.
  struct Success: Sendable {
    let status: Int
    let json: JSONValue
    /// The schemas the answer refers to, for `components/schemas`.
    var uses: [SchemaComponent] = []

    static func ok(
      _ description: String, _ component: SchemaComponent, etag: Bool = false,
      links: [String: JSONValue] = [:]
    ) -> Success {
      json(200, description, component, etag: etag, links: links)
    }

    static func created(
      _ description: String, _ component: SchemaComponent, etag: Bool = false,
      links: [String: JSONValue] = [:]
    ) -> Success {
      json(201, description, component, etag: etag, links: links)
    }

    static func accepted(_ description: String, _ component: SchemaComponent) -> Success {
      json(202, description, component, etag: false, links: [:])
    }

    static func noContent(_ description: String) -> Success {
      Success(status: 204, json: ["description": description.json])
    }

    /// A feed's 200: its bytes, with validators for conditional requests.
    static func feed(_ contentType: String) -> Success {
      let schema: JSONValue =
        contentType.hasPrefix("application/json") ? ["type": "object"] : ["type": "string"]
      return Success(
        status: 200,
        json: [
          "description": "The feed; 304 without a body when If-None-Match matches.",
          "headers": [
            "Cache-Control": OpenAPIDocument.ref("CacheControl", in: "headers"),
            "ETag": OpenAPIDocument.ref("FeedETag", in: "headers"),
          ],
          "content": .object([contentType: ["schema": schema]]),
        ])
    }

    private static func json(
      _ status: Int, _ description: String, _ component: SchemaComponent, etag: Bool,
      links: [String: JSONValue]
    ) -> Success {
      var response: [String: JSONValue] = [
        "description": description.json,
        "content": ["application/json": ["schema": OpenAPIDocument.ref(component.name)]],
      ]
      if etag { response["headers"] = ["ETag": OpenAPIDocument.ref("ETag", in: "headers")] }
      if !links.isEmpty { response["links"] = .object(links) }
      return Success(status: status, json: .object(response), uses: [component])
    }
  }

  let id: String
  let summary: String
  let tag: Tag
  var description: String? = nil
  var access: Access = .token
  var parameters: [Parameter] = []
  /// The request body's schema, which the document lists in `components/schemas`.
  var body: SchemaComponent? = nil
  let success: Success
  /// What the handler itself may refuse with; what the token check and the body reading
  /// add is in `errorStatuses`.
  var errors: Set<Int> = []
  /// Other answers of success the operation may give (a sign-up made at once: 201, or 200).
  var alternatives: [Success] = []

  /// What the HTTP layer itself may answer to any request, before a handler runs: 400 (a
  /// broken percent-escape or a NUL in the path or query, a request that could be
  /// smuggled), 408 (a head or body too slow to arrive), 431 (a head past 16 KiB or 100
  /// fields) and 503 (the server is overloaded, or a handler overran its time).
  static let httpLayerStatuses: Set<Int> = [400, 408, 431, 503]

  /// Every error status: the handler's own, the HTTP layer's (`httpLayerStatuses`, and 413
  /// for a body past 1 MiB where a body is read), 401 where a token is checked, and 400,
  /// 413, 415 and 422 where a JSON body is read.
  var errorStatuses: Set<Int> {
    var statuses = errors.union(Self.httpLayerStatuses)
    if access == .token { statuses.formUnion([401]) }
    if body != nil { statuses.formUnion([400, 413, 415, 422]) }
    return statuses
  }

  var json: JSONValue {
    var responses: [String: JSONValue] = [String(success.status): success.json]
    for alternative in alternatives { responses[String(alternative.status)] = alternative.json }
    for status in errorStatuses {
      guard let name = OpenAPIDocument.errorResponses[status] else {
        preconditionFailure("\(id): no error response for \(status) in OpenAPIDocument")
      }
      responses[String(status)] = OpenAPIDocument.ref(name, in: "responses")
    }
    var operation: [String: JSONValue] = [
      "operationId": id.json, "summary": summary.json, "tags": [tag.rawValue.json],
      "responses": .object(responses),
    ]
    if let description { operation["description"] = description.json }
    if access == .open { operation["security"] = [] }
    if !parameters.isEmpty { operation["parameters"] = .array(parameters.map(\.json)) }
    if let body {
      operation["requestBody"] = [
        "required": true,
        "content": ["application/json": ["schema": OpenAPIDocument.ref(body.name)]],
      ]
    }
    return .object(operation)
  }
}

extension Operation.Parameter {
  static let id = Operation.Parameter(
    name: "id", location: .path, required: true, schema: Schema.uuid(),
    description: "An id; one that is not an id is simply not found (404).")

  /// The organiser asked to co-organise, in `/events/{id}/co-organisers/{organiser_id}/…`.
  static let organiserID = Operation.Parameter(
    name: "organiser_id", location: .path, required: true, schema: Schema.uuid(),
    description: "The co-organiser's id; one the event does not name is 404.")

  static let token = Operation.Parameter(
    name: "token", location: .path, required: true,
    schema: Schema.string(pattern: RegistrationRoutes.secretPattern),
    description: "The attendee's secret from the sign-up answer; an unknown one is 404.")

  static func ifMatch(required: Bool) -> Operation.Parameter {
    Operation.Parameter(
      name: "If-Match", location: .header, required: required,
      schema: Schema.string(pattern: "^\"v[0-9]+\"$"),
      description: required
        ? "The ETag from GET, like `\"v3\"`: missing is 428, stale or not a version 412."
        : "Optional; when sent, a stale ETag or one that is not a version is 412.")
  }
}
