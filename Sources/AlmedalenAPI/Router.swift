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
    secretPrefixes = routes.filter(\.secret).map { route in
      route.segments.prefix { !$0.hasPrefix("{") }.map { $0.lowercased() }
    }.sorted { $0.count > $1.count }
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
    for (route, parameters) in bestMatches(segments) {
      let method = route.method.rawValue
      if method == request.method || (request.method == "HEAD" && route.method == .get) {
        return ((route, parameters), [])
      }
      allowed.append(method)
    }
    return (nil, allowed)
  }

  /// The routes that answer for `segments` (any method), with their parameters: of those
  /// that match, the ones with the most literal segments.
  private func bestMatches(_ segments: [String]) -> [(Route, [String: String])] {
    let matching = routes.compactMap { route in route.match(segments).map { (route, $0) } }
    let literals = { (route: Route) in route.segments.filter { !$0.hasPrefix("{") }.count }
    let most = matching.map { literals($0.0) }.max() ?? 0
    return matching.filter { literals($0.0) == most }
  }

  /// The access log's view of a path, which must never hold a secret however the path is
  /// spelt. A path a route matches (with any method) is logged as the route's pattern
  /// (`/registrations/{token}`, `/api/v1/events/{id}`). Any other path is logged with its
  /// segments (a `%2F` inside one counts as a separator) redacted where they could hold a
  /// secret: everything after the literal prefix of a secret route, compared without
  /// letter case and empty segments (`//Registrations/…`), and any segment with 20 or more
  /// characters of the base64url alphabet.
  func loggedPath(_ request: Request) -> String {
    if request.path == "*" { return "*" }
    var segments = request.pathSegments
    if segments.last == "" { segments.removeLast() }
    if let (route, _) = bestMatches(segments).first { return route.path }
    var parts = segments.flatMap {
      $0.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    }
    let named = parts.indices.filter { !parts[$0].isEmpty }
    let lowered = named.map { parts[$0].lowercased() }
    if let prefix = secretPrefixes.first(where: {
      lowered.count > $0.count && lowered.starts(with: $0)
    }) {
      parts = Array(parts[..<named[prefix.count]]) + [Self.redacted]
    }
    return "/" + parts.map { Self.couldBeSecret($0) ? Self.redacted : $0 }.joined(separator: "/")
  }

  static let redacted = "{redacted}"

  /// The literal segments, lowercased, before the first parameter of each secret route
  /// (`["feeds", "attendee"]`), longest first.
  private let secretPrefixes: [[String]]

  /// A segment with 20 or more characters of the base64url alphabet, in a row or not (the
  /// secrets are 43; a half-decoded `%51` or a suffix must not hide one).
  static func couldBeSecret(_ segment: String) -> Bool {
    guard segment != redacted else { return false }
    var count = 0
    for byte in segment.utf8 {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
        count += 1
        if count >= 20 { return true }
      default: continue
      }
    }
    return false
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
      guard let free else {
        // With every prefix shared by a readable route, the route's own path.
        prefixes.insert(route.path)
        continue
      }
      // `/backoffice/` does not cover `/backoffice` itself: without its slash the prefix
      // does, when no readable route starts with it either.
      if !route.path.hasPrefix(free) {
        let bare = String(free.dropLast())
        let shared = routes.contains { !$0.hiddenFromCrawlers && $0.path.hasPrefix(bare) }
        prefixes.insert(shared ? route.path : bare)
        if shared { prefixes.insert(free) }
      } else {
        prefixes.insert(free)
      }
    }
    // A prefix inside another says nothing more.
    return prefixes.filter { prefix in
      !prefixes.contains { $0 != prefix && prefix.hasPrefix($0) }
    }.sorted()
  }
}
