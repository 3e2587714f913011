import HTTPServer

/// One route, declared once with everything known about it. The router, the access log's
/// redaction, error rendering (HTML for pages, problem+json for the API), robots.txt and the
/// OpenAPI document are all read from the table of these; there is no second list to forget.
///
/// An API route cannot be made without its `Operation` (what the document says of it), and a
/// path with a secret in it cannot be made without saying so: `{token}` is only accepted
/// when `secret` is set, so a new token route is redacted in the log by construction.
struct Route: Sendable {
  typealias Handler = @Sendable (RequestContext) throws -> Response

  enum Method: String, Sendable, CaseIterable {
    case get = "GET"
    case post = "POST"
    case patch = "PATCH"
    case delete = "DELETE"
  }

  /// Who reads the answer: an API client (problem+json errors, documented), or a browser
  /// (errors as HTML pages, not in the document).
  enum Face: Sendable {
    case api(Operation)
    case page
  }

  let method: Method
  /// `/api/v1/events/{id}/publish`, `/feeds/attendee/{token}.ics`.
  let path: String
  let face: Face
  /// The path holds an attendee's secret: the log shows the pattern, never the path.
  let secret: Bool
  /// robots.txt asks crawlers to keep out.
  let hiddenFromCrawlers: Bool
  let handler: Handler

  /// The path's segments; `{name}` or `{name}.ics` is a parameter.
  let segments: [String]

  var operation: Operation? {
    if case .api(let operation) = face { return operation }
    return nil
  }

  var isPage: Bool { operation == nil }

  /// An API operation, kept from crawlers unless it is there for them (`/robots.txt`).
  static func api(
    _ method: Method, _ path: String, secret: Bool = false, hiddenFromCrawlers: Bool = true,
    _ operation: Operation, _ handler: @escaping Handler
  ) -> Route {
    Route(
      method: method, path: path, face: .api(operation), secret: secret,
      hiddenFromCrawlers: hiddenFromCrawlers, handler: handler)
  }

  /// An API operation that reads a JSON body through `wire`: the document's request body is
  /// `wire`'s schema, and the handler can read no other.
  static func api<Body: WireInput>(
    _ method: Method, _ path: String, _ operation: Operation, reading wire: InputObject<Body>,
    _ handler: @escaping @Sendable (RequestContext, BodyReader<Body>) throws -> Response
  ) -> Route {
    var operation = operation
    operation.body = wire.component
    return .api(method, path, operation) { context in
      try handler(context, BodyReader(context: context, wire: wire))
    }
  }

  /// A public feed, documented like the API but open to crawlers unless it is someone's own.
  static func feed(
    _ method: Method, _ path: String, secret: Bool = false, _ operation: Operation,
    _ handler: @escaping Handler
  ) -> Route {
    Route(
      method: method, path: path, face: .api(operation), secret: secret,
      hiddenFromCrawlers: secret, handler: handler)
  }

  /// An HTML page, or what a page needs (its stylesheet); someone's own pages (the account
  /// pages) are kept from crawlers.
  static func page(
    _ method: Method, _ path: String, secret: Bool = false, hiddenFromCrawlers: Bool = false,
    _ handler: @escaping Handler
  ) -> Route {
    Route(
      method: method, path: path, face: .page, secret: secret,
      hiddenFromCrawlers: hiddenFromCrawlers, handler: handler)
  }

  private init(
    method: Method, path: String, face: Face, secret: Bool, hiddenFromCrawlers: Bool,
    handler: @escaping Handler
  ) {
    // A secret parameter in an unmarked route would reach the log: refuse at start-up (and
    // in RouteTableTests) rather than leak.
    precondition(
      secret == path.contains("{token}"),
      "\(method.rawValue) \(path): a {token} path must be declared secret, and only it")
    self.method = method
    self.path = path
    self.segments = path.split(separator: "/").map(String.init)
    self.face = face
    self.secret = secret
    self.hiddenFromCrawlers = hiddenFromCrawlers
    self.handler = handler
  }

  /// The path parameters when `segments` (a request's path) matches this route's pattern.
  func match(_ request: [String]) -> [String: String]? {
    guard segments.count == request.count else { return nil }
    var parameters: [String: String] = [:]
    for (part, segment) in zip(segments, request) {
      if part.hasPrefix("{"), let close = part.firstIndex(of: "}") {
        // `{id}` or `{id}.ics`: a parameter, perhaps with a fixed suffix.
        let suffix = part[part.index(after: close)...]
        guard segment.count > suffix.count, segment.hasSuffix(suffix) else { return nil }
        parameters[String(part[part.index(after: part.startIndex)..<close])] = String(
          segment.dropLast(suffix.count))
      } else if part != segment {
        return nil
      }
    }
    return parameters
  }
}
