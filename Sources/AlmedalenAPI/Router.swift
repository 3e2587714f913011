import HTTPServer

/// Matches a request's method and path segments to a handler. A path that exists with
/// another method answers 405 with `Allow`.
struct Router: Sendable {
  typealias Handler = @Sendable (RequestContext) throws -> Response

  private struct Route: Sendable {
    let method: String
    let pattern: [String]
    let handler: Handler
  }

  private var routes: [Route] = []

  /// Adds a route; `pattern` like `/api/v1/events/{id}/publish`.
  mutating func add(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
    routes.append(
      Route(
        method: method, pattern: pattern.split(separator: "/").map(String.init), handler: handler))
  }

  /// Every route as (method, pattern), for the OpenAPI test.
  var table: [(method: String, path: String)] {
    routes.map { ($0.method, "/" + $0.pattern.joined(separator: "/")) }
  }

  func route(_ request: Request) -> (Handler, [String: String])? {
    routeOrMethods(request).handler
  }

  /// The handler and its path parameters, or the methods the path allows.
  func routeOrMethods(_ request: Request) -> (
    handler: (Handler, [String: String])?, allowed: [String]
  ) {
    var segments = request.pathSegments
    if segments.last == "" { segments.removeLast() }
    var allowed: [String] = []
    for route in routes where route.pattern.count == segments.count {
      var parameters: [String: String] = [:]
      var matches = true
      for (part, segment) in zip(route.pattern, segments) {
        if part.hasPrefix("{"), let close = part.firstIndex(of: "}") {
          // `{id}` or `{id}.ics`: a parameter, perhaps with a fixed suffix.
          let suffix = part[part.index(after: close)...]
          guard segment.count > suffix.count, segment.hasSuffix(suffix) else {
            matches = false
            break
          }
          parameters[String(part[part.index(after: part.startIndex)..<close])] = String(
            segment.dropLast(suffix.count))
        } else if part != segment {
          matches = false
          break
        }
      }
      guard matches else { continue }
      if route.method == request.method || (request.method == "HEAD" && route.method == "GET") {
        return ((route.handler, parameters), [])
      }
      allowed.append(route.method)
    }
    return (nil, allowed)
  }
}
