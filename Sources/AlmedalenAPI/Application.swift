public import AlmedalenStore
public import HTTPServer

/// The service's HTTP face: routes requests to handlers. Errors become HTTP answers here, at
/// one boundary, as `application/problem+json`.
public struct Application: Responder {
  public let store: FestivalStore

  public init(store: FestivalStore) {
    self.store = store
  }

  public func respond(to request: Request) throws -> Response {
    switch (request.method, request.path) {
    case ("GET", "/healthz"), ("HEAD", "/healthz"):
      return health()
    case ("GET", "/robots.txt"), ("HEAD", "/robots.txt"):
      return Response(
        headers: ["Content-Type": "text/plain; charset=utf-8", "Cache-Control": "max-age=86400"],
        body: Self.robots)
    case (_, "/healthz"):
      return Problem(status: 405, title: "Method not allowed").response(allow: "GET, HEAD")
    default:
      return Problem(status: 404, title: "Not found", detail: "No resource at this path.")
        .response()
    }
  }

  /// Crawlers may read the programme but not the API or anyone's personal feed.
  static let robots = Array(
    """
    User-agent: *
    Disallow: /api/
    Disallow: /feeds/attendee/

    """.utf8)

  /// 200 when the database answers, 503 (with Retry-After) when it does not.
  func health() -> Response {
    if store.ping() {
      var response = Response.text("ok\n")
      response.headers.set("Cache-Control", "no-store")
      return response
    }
    var response = Problem(
      status: 503, title: "Database unavailable", detail: "The database does not answer."
    ).response()
    response.headers.set("Retry-After", "5")
    return response
  }
}
