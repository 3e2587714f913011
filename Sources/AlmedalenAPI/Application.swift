import AlmedalenCore
import AlmedalenPages
public import AlmedalenStore
import Foundation
public import HTTPServer

/// The service's HTTP face: routes requests to handlers. Errors become HTTP answers here, at
/// one boundary, as `application/problem+json`; anything unexpected is a 500 without detail
/// and a log line with the request id.
public struct Application: Responder {
  public let store: FestivalStore
  public let feeds: FeedSettings
  public let registrations: RegistrationSettings

  /// `feeds.baseURL` is where the public reaches the service (`ALMEDALEN_PUBLIC_URL`): feeds
  /// and pages link to it.
  public init(
    store: FestivalStore, feeds: FeedSettings = FeedSettings(baseURL: "http://127.0.0.1:8080"),
    registrations: RegistrationSettings = RegistrationSettings()
  ) {
    self.store = store
    self.feeds = feeds
    self.registrations = registrations
    // Built now, at start-up: a route declared wrongly, or a document that cannot be built,
    // stops the server before it listens rather than on the first request.
    _ = OpenAPIDocument.json
  }

  /// Every route the service has, each declared once with all that is known of it.
  static let router = Router(
    AdminRoutes.routes + FeedRoutes.routes + RegistrationRoutes.routes + MailRoutes.routes
      + PageRoutes.routes
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

  public func respond(to request: Request) throws -> Response {
    let (match, allowed) = Self.router.routeOrMethods(request)
    guard let (route, parameters) = match else {
      if !allowed.isEmpty {
        var methods = Set(allowed)
        if methods.contains("GET") { methods.insert("HEAD") }
        return Problem(
          status: 405, title: "Method not allowed",
          detail: "This path answers \(methods.sorted().joined(separator: ", ")).",
        ).response(allow: methods.sorted().joined(separator: ", "))
      }
      return Problem(status: 404, title: "Not found", detail: "No resource at this path.")
        .response()
    }
    var context = RequestContext(
      request: request, parameters: parameters, store: store, feeds: feeds,
      registrations: registrations)
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
      // The detail goes to the log with the request id, never to the client.
      let line =
        "level=error event=handler_failed id=\(request.requestID) error=\"\(String(describing: error).replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "\n", with: " "))\"\n"
      FileHandle.standardError.write(Data(line.utf8))
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
    let watcher = ProgrammeWatcher(conninfo: conninfo) { event in
      switch event {
      case .changed: cache.invalidate()
      case .listening(let listening):
        cache.setTrusted(listening)
        let line =
          "level=\(listening ? "info" : "warning") event=programme_watcher listening=\(listening)\n"
        FileHandle.standardError.write(Data(line.utf8))
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
