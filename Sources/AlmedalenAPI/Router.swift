import HTTPServer

/// Matches a request's method and path segments to a route of the table. A path that exists
/// with another method answers 405 with `Allow`.
struct Router: Sendable {
  let routes: [Route]

  init(_ routes: [Route]) {
    var seen = Set<String>()
    for route in routes {
      precondition(
        seen.insert(route.method.rawValue + " " + route.path).inserted,
        "\(route.method.rawValue) \(route.path) is declared twice")
    }
    self.routes = routes
  }

  /// The route and its path parameters, or the methods the path allows.
  func routeOrMethods(_ request: Request) -> (
    match: (route: Route, parameters: [String: String])?, allowed: [String]
  ) {
    var segments = request.pathSegments
    if segments.last == "" { segments.removeLast() }
    var allowed: [String] = []
    // A literal segment outranks a parameter: `/registrations/resend` is not a token, so
    // only the routes with the most literal segments that match answer for a path.
    let matching = routes.compactMap { route in route.match(segments).map { (route, $0) } }
    let literals = { (route: Route) in route.segments.filter { !$0.hasPrefix("{") }.count }
    let most = matching.map { literals($0.0) }.max() ?? 0
    for (route, parameters) in matching where literals(route) == most {
      let method = route.method.rawValue
      if method == request.method || (request.method == "HEAD" && route.method == .get) {
        return ((route, parameters), [])
      }
      allowed.append(method)
    }
    return (nil, allowed)
  }

  /// The access log's view of a path: a secret route's pattern, never its path. Whatever
  /// follows a secret route's literal prefix may hold a secret (with a trailing slash, or a
  /// mistyped suffix), so such a path is logged as the first secret pattern under that prefix
  /// even when it matches no route.
  func loggedPath(_ request: Request) -> String {
    var segments = request.pathSegments
    if segments.last == "" { segments.removeLast() }
    if let route = routes.first(where: { $0.secret && $0.match(segments) != nil }) {
      return route.path
    }
    for route in routes {
      if let prefix = route.secretPrefix, request.path.hasPrefix(prefix) { return route.path }
    }
    return request.path
  }

  /// `Disallow` lines for robots.txt: for each route kept from crawlers, the shortest
  /// prefix at a segment boundary that holds no route crawlers may read.
  var disallowedPrefixes: [String] {
    var prefixes = Set<String>()
    for route in routes where route.hiddenFromCrawlers {
      let literal = route.segments.prefix { !$0.hasPrefix("{") }
      let free = (0...literal.count).lazy.map { "/" + literal.prefix($0).map { $0 + "/" }.joined() }
        .first { prefix in
          !routes.contains { !$0.hiddenFromCrawlers && ($0.path + "/").hasPrefix(prefix) }
        }
      // With every prefix shared by a readable route, the route's own path.
      prefixes.insert(free ?? route.path)
    }
    // A prefix inside another says nothing more.
    return prefixes.filter { prefix in
      !prefixes.contains { $0 != prefix && prefix.hasPrefix($0) }
    }.sorted()
  }
}
