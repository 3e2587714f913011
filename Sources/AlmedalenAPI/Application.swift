import AlmedalenCore
import AlmedalenPages
public import AlmedalenStore
import Foundation
public import HTTPServer
public import KeyValueLog

/// The service's HTTP face: routes requests to handlers. Errors become HTTP answers here, at
/// one boundary, as `application/problem+json`; anything unexpected is a 500 without detail
/// and a log line with the request id.
public struct Application: Responder {
  public let store: FestivalStore
  public let feeds: FeedSettings
  public let registrations: RegistrationSettings
  /// The pages' sessions: timeouts and the sign-in throttle.
  public let sessions: SessionSettings
  /// Where the service's own log lines go (a handler that failed, the programme watcher).
  public let log: @Sendable (LogLine) -> Void

  /// `feeds.baseURL` is where the public reaches the service (`ALMEDALEN_PUBLIC_URL`): feeds
  /// and pages link to it, and when it is https every answer carries HSTS.
  public init(
    store: FestivalStore, feeds: FeedSettings = FeedSettings(baseURL: "http://127.0.0.1:8080"),
    registrations: RegistrationSettings = RegistrationSettings(),
    sessions: SessionSettings = SessionSettings(),
    log: @escaping @Sendable (LogLine) -> Void = Log.standardError
  ) {
    self.store = store
    self.feeds = feeds
    self.registrations = registrations
    self.sessions = sessions
    self.log = log
    // Built now, at start-up: a route declared wrongly, or a document that cannot be built,
    // stops the server before it listens rather than on the first request.
    _ = OpenAPIDocument.json
  }

  /// Every route the service has, each declared once with all that is known of it.
  static let router = Router(
    AdminRoutes.routes + FeedRoutes.routes + RegistrationRoutes.routes + MailRoutes.routes
      + PageRoutes.routes + AccountRoutes.routes
      + BackofficeRoutes.routes + BackofficeRoutes.organisationRoutes
      + BackofficeRoutes.officeRoutes
      + serviceRoutes)

  static let serviceRoutes: [Route] = [
    .api(
      .get, "/healthz", hiddenFromCrawlers: false,
      Operation(
        id: "health", summary: "Whether the service and its database answer", tag: .service,
        access: .open,
        success: Operation.Success(
          status: 200,
          json: [
            "description": "The database answers",
            "content": ["text/plain": ["schema": ["type": "string", "const": "ok\n"]]],
          ]), errors: [503])
    ) { context in Self.health(context.store) },
    .api(
      .get, "/robots.txt", hiddenFromCrawlers: false,
      Operation(
        id: "robots", summary: "Rules for crawlers", tag: .service, access: .open,
        success: Operation.Success(
          status: 200,
          json: [
            "description": "Crawlers may read the programme, not the API",
            "headers": ["Cache-Control": OpenAPIDocument.ref("CacheControl", in: "headers")],
            "content": ["text/plain": ["schema": ["type": "string"]]],
          ]))
    ) { _ in
      Response(
        headers: ["Content-Type": "text/plain; charset=utf-8", "Cache-Control": "max-age=86400"],
        body: Self.robots)
    },
    .api(
      .get, "/api/v1/openapi.json",
      Operation(
        id: "openAPIDocument", summary: "This document", tag: .service, access: .open,
        success: Operation.Success(
          status: 200,
          json: [
            "description": "OpenAPI 3.1",
            "headers": ["Cache-Control": OpenAPIDocument.ref("CacheControl", in: "headers")],
            "content": ["application/json": ["schema": ["type": "object"]]],
          ]))
    ) { _ in
      Response(
        headers: ["Content-Type": "application/json", "Cache-Control": "max-age=300"],
        body: OpenAPIDocument.json, compressible: true)
    },
  ]

  /// Every route but the HTML pages: what the OpenAPI document describes.
  public var routes: [(method: String, path: String)] {
    Self.router.routes.filter { !$0.isPage }.map { ($0.method.rawValue, $0.path) }
  }

  /// The HTML pages' routes.
  public var pageRoutes: [(method: String, path: String)] {
    Self.router.routes.filter(\.isPage).map { ($0.method.rawValue, $0.path) }
  }

  /// The headers of every answer of the service, the HTTP layer's own refusals included:
  /// `X-Content-Type-Options: nosniff`, and `Strict-Transport-Security` when the public
  /// address is https (on http it would lock browsers out of a service that has no https).
  public var headersOfEveryAnswer: HTTPHeaders {
    var headers: HTTPHeaders = ["X-Content-Type-Options": "nosniff"]
    if feeds.baseURL.lowercased().hasPrefix("https://") {
      headers.add("Strict-Transport-Security", "max-age=31536000")
    }
    return headers
  }

  /// `configuration` set up for this service: the access log's redaction, and the headers
  /// of every answer on the server's own refusals (which are RFC 9457 problems).
  public func serverConfiguration(_ configuration: Configuration) -> Configuration {
    var configuration = configuration
    configuration.loggedPath = { Self.loggedPath($0) }
    configuration.responseHeaders = headersOfEveryAnswer
    configuration.errorResponse = { Response.problem($0) }
    return configuration
  }

  public func respond(to request: Request) throws -> Response {
    let (response, route) = answer(request)
    var finished = response
    for (name, value) in headersOfEveryAnswer where !finished.headers.contains(name) {
      finished.headers.add(name, value)
    }
    // An answer to a request with a token, or on a route that needs one, may differ by
    // token, and one on a secret path is someone's own: no cache keeps any of them (RFC 9111
    // would let `public` be shared).
    if request.headers.contains("Authorization") || route?.secret == true
      || route?.operation?.access == .token
      || (route == nil && Self.loggedPath(request).contains(Router.redacted))
    {
      finished.headers.set("Cache-Control", "no-store")
    }
    return finished
  }

  /// The handler's answer, or the problem or page that says why there is none, and the
  /// route that matched.
  private func answer(_ request: Request) -> (Response, Route?) {
    let (match, allowed) = Self.router.routeOrMethods(request)
    guard let (route, parameters) = match else {
      if !allowed.isEmpty {
        var methods = Set(allowed)
        if methods.contains("GET") { methods.insert("HEAD") }
        return (
          Problem(
            status: 405, title: "Method not allowed",
            detail: "This path answers \(methods.sorted().joined(separator: ", ")).",
          ).response(allow: methods.sorted().joined(separator: ", ")), nil
        )
      }
      return (
        Problem(status: 404, title: "Not found", detail: "No resource at this path.").response(),
        nil
      )
    }
    return (handle(request, route, parameters), route)
  }

  private func handle(_ request: Request, _ route: Route, _ parameters: [String: String])
    -> Response
  {
    var context = RequestContext(
      request: request, parameters: parameters, store: store, feeds: feeds,
      registrations: registrations, sessions: sessions)
    if route.isPage { context.formToken = PageRoutes.formToken(request) }
    do {
      return try route.handler(context)
    } catch is PageRoutes.PageNotFound {
      return PageRoutes.page(
        context, status: 404,
        Pages.error(
          status: 404, title: "Sidan finns inte",
          message: "Det finns inget här. Seminariet kan vara borttaget eller adressen felskriven.",
          PageRoutes.context(context)))
    } catch let problem as Problem where route.isPage {
      var response = PageRoutes.page(
        context, status: problem.status,
        Pages.error(
          status: problem.status, title: problem.title, message: problem.detail ?? "",
          PageRoutes.context(context)))
      if let retryAfter = problem.retryAfter {
        response.headers.set("Retry-After", String(retryAfter))
      }
      return response
    } catch let problem as Problem {
      return problem.response()
    } catch let error as StoreError where route.isPage {
      let problem = Self.problem(for: error)
      var response = PageRoutes.page(
        context, status: problem.status,
        Pages.error(
          status: problem.status,
          title: error.isUnavailable ? "Tillfälligt avbrott" : problem.title,
          message: error.isUnavailable
            ? "Programmet går inte att nå just nu. Försök igen om en stund." : problem.detail ?? "",
          PageRoutes.context(context)))
      if error.isUnavailable { response.headers.set("Retry-After", "5") }
      return response
    } catch let error as StoreError {
      return Self.problem(for: error).response(retryAfter: error.isUnavailable ? "5" : nil)
    } catch {
      // The detail goes to the log with the request id, escaped (a database's message may
      // echo a client's bytes), never to the client.
      log(
        LogLine(
          .error, "handler_failed",
          [("id", request.requestID), ("error", String(describing: error))]))
      return Problem(
        status: 500, title: "Internal error",
        detail: "Something went wrong on our side; quote request id \(request.requestID)."
      ).response()
    }
  }

  /// The access log's view of a path: attendees' secrets never reach a log (the routes
  /// declared secret say where they are).
  public static func loggedPath(_ request: Request) -> String {
    router.loggedPath(request)
  }

  /// Starts listening for programme changes from every process on the database; until it
  /// listens, feeds are rendered afresh for every request. Stop the watcher on shutdown.
  public func watchProgramme(conninfo: String) -> ProgrammeWatcher {
    let cache = feeds.cache
    let log = self.log
    let watcher = ProgrammeWatcher(conninfo: conninfo) { event in
      switch event {
      case .changed: cache.invalidate()
      case .listening(let listening):
        cache.setTrusted(listening)
        log(
          LogLine(
            listening ? .info : .warning, "programme_watcher", [("listening", String(listening))]
          ))
      }
    }
    watcher.start()
    return watcher
  }

  static func problem(for error: StoreError) -> Problem {
    switch error {
    case .notFound(let entity, _): return .notFound(entity)
    case .staleVersion(let current):
      return Problem(
        status: 412, title: "Precondition failed",
        detail: "Someone changed this since you read it; the current ETag is \(ETag.make(current))."
      )
    case .venueTaken(let ids):
      return Problem(
        status: 409, title: "Venue already booked",
        detail: "The venue holds another published event at that time: "
          + ids.map(\.wire).joined(separator: ", "),
        conflictingEventIDs: ids)
    case .invalid(let validation): return .invalid(validation.problems)
    case .lifecycle(let reason):
      return Problem(status: 409, title: "Not allowed now", detail: reason)
    case .duplicate(let field):
      return Problem(
        status: 409, title: "Already exists", detail: "\(field) is taken.",
        errors: [.init(field: field, message: "is already taken")])
    case .unavailable:
      return Problem(status: 503, title: "Database unavailable", detail: "Try again shortly.")
    }
  }

  /// Crawlers may read the programme but not the API or anyone's personal feed.
  static let robots = Array(
    ("User-agent: *\n" + router.disallowedPrefixes.map { "Disallow: \($0)\n" }.joined()).utf8)

  /// 200 when the database answers, 503 (with Retry-After) when it does not.
  static func health(_ store: FestivalStore) -> Response {
    if store.ping() {
      var response = Response.text("ok\n")
      response.headers.set("Cache-Control", "no-store")
      return response
    }
    return Problem(
      status: 503, title: "Database unavailable", detail: "The database does not answer."
    ).response(retryAfter: "5")
  }
}

extension StoreError {
  var isUnavailable: Bool {
    if case .unavailable = self { return true }
    return false
  }
}
