import AlmedalenStore
import Foundation
import HTTPServer
import Postgres
import Testing

@testable import AlmedalenAPI

/// The route table is the one place a route is declared: these check that what is derived
/// from it (the document, the log's redaction, robots.txt, error rendering) covers every
/// route, and that a route cannot be declared without what those need.
@Suite struct RouteTableTests {
  let routes = Application.router.routes

  var document: [String: Any] {
    get throws {
      try #require(
        try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json)) as? [String: Any])
    }
  }

  /// `/feeds/attendee/{token}.ics` with `value` for every parameter.
  func target(_ route: Route, _ value: String) -> String {
    "/"
      + route.segments.map { segment in
        guard segment.hasPrefix("{"), let close = segment.firstIndex(of: "}") else {
          return segment
        }
        return value + segment[segment.index(after: close)...]
      }.joined(separator: "/")
  }

  @Test func everyAPIRouteIsItsOperationInTheDocument() throws {
    let paths = try #require(try document["paths"] as? [String: [String: Any]])
    for route in routes {
      let documented = paths[route.path]?[route.method.rawValue.lowercased()] as? [String: Any]
      if let operation = route.operation {
        #expect(documented?["operationId"] as? String == operation.id, "\(route.path)")
      } else {
        #expect(documented == nil, "the page \(route.path) is in the API's document")
      }
    }
    let operations = paths.values.reduce(0) { $0 + $1.count }
    #expect(operations == routes.filter { !$0.isPage }.count)
  }

  @Test func everySecretRouteIsLoggedAsItsPattern() throws {
    let secret = "Qx3_kL9-vT2mN8pR4sW6yZ0aB5cD7eF1gH3iJ5kL7mN"
    let secretRoutes = routes.filter(\.secret)
    // The attendee's links, and (issue 19) the confirm and the attendee's own page.
    #expect(
      Set(secretRoutes.map { "\($0.method.rawValue) \($0.path)" }) == [
        "GET /api/v1/registrations/{token}", "DELETE /api/v1/registrations/{token}",
        "POST /api/v1/registrations/{token}/confirm", "GET /feeds/attendee/{token}.ics",
        "DELETE /feeds/attendee/{token}.ics", "GET /registrations/{token}",
        "POST /registrations/{token}/cancel", "POST /registrations/{token}/confirm",
        "GET /attendees/{token}", "POST /attendees/{token}/registrations/{id}/cancel",
        "POST /attendees/{token}/revoke",
        // Issue 14: the pages the account links open (GET shows, POST uses).
        "GET /account/invitation/{token}", "POST /account/invitation/{token}",
        "GET /account/verify/{token}", "POST /account/verify/{token}",
        "GET /account/reset/{token}", "POST /account/reset/{token}",
      ])
    #expect(secretRoutes.count == 17, "a secret route is registered twice")
    for route in secretRoutes {
      let path = target(route, secret)
      for variant in [path, path + "/", path + "x", path + "?utm_source=mejl", path + "/more"] {
        let logged = Application.loggedPath(
          try Request(method: route.method.rawValue, target: variant))
        #expect(!logged.contains(secret.dropFirst()), "\(variant) is logged as \(logged)")
      }
      #expect(
        Application.loggedPath(try Request(method: route.method.rawValue, target: path))
          == route.path)
    }
    // Whatever follows a secret prefix, matched or not, stays out of the log.
    let stray = Application.loggedPath(
      try Request(method: "GET", target: "/feeds/attendee/\(secret).icz"))
    #expect(stray == "/feeds/attendee/{redacted}")
    // A route without a secret is logged as its pattern too.
    let plain = Application.loggedPath(
      try Request(method: "GET", target: "/feeds/events/\(UUID().uuidString).ics?x=1"))
    #expect(plain == "/feeds/events/{id}.ics")
  }

  @Test func aTokenPathCannotBeDeclaredWithoutBeingSecret() async {
    await #expect(processExitsWith: .failure) {
      _ = Route.page(.get, "/tickets/{token}") { _ in Response(status: 204) }
    }
    await #expect(processExitsWith: .failure) {
      _ = Route.page(.get, "/tickets", secret: true) { _ in Response(status: 204) }
    }
  }

  @Test func aRouteCannotBeDeclaredTwice() async {
    await #expect(processExitsWith: .failure) {
      let page = Route.page(.get, "/twice") { _ in Response(status: 204) }
      _ = Router([page, page])
    }
  }

  @Test func robotsKeepsCrawlersFromHiddenRoutesAndOnlyThose() throws {
    let text = String(decoding: Application.robots, as: UTF8.self)
    #expect(
      text
        == "User-agent: *\nDisallow: /account\nDisallow: /api/\nDisallow: /backoffice\n"
        + "Disallow: /feeds/attendee/\n")
    let disallowed = Application.router.disallowedPrefixes
    // A crawler matches a Disallow line as a prefix of the path it would fetch
    // (RFC 9309 §2.2.2): `/backoffice/` would not keep it from `/backoffice`.
    for route in routes {
      let covered = disallowed.contains { route.path.hasPrefix($0) }
      #expect(covered == route.hiddenFromCrawlers, "\(route.method.rawValue) \(route.path)")
    }
  }

  @Test func theDocumentIsTheSameBytesEveryTime() throws {
    let again = OpenAPIDocument.document(Application.router).bytes
    #expect(again == OpenAPIDocument.json)
    #expect(OpenAPIDocument.json.count > 50_000)
  }

  /// Pages answer their errors as HTML, the API as problem+json; the table says which.
  @Test func pagesAnswerErrorsAsHTMLAndTheAPIAsProblems() throws {
    let application = Application(
      store: FestivalStore(
        pool: ConnectionPool(
          conninfo: "host=/nonexistent/almedalen-route-test dbname=none connect_timeout=1",
          maxConnections: 1)))
    let page = try application.respond(to: try Request(method: "GET", target: "/events/nope"))
    #expect(page.status == 404)
    #expect(page.headers["Content-Type"] == "text/html; charset=utf-8")
    let api = try application.respond(
      to: try Request(method: "GET", target: "/feeds/events/nope.ics"))
    #expect(api.status == 404)
    #expect(api.headers["Content-Type"] == "application/problem+json")
  }

  /// The backoffice (issue 14): pages kept from crawlers; without a session every GET is
  /// sent to the sign-in, and every POST without the form token is refused, before the
  /// store is asked anything.
  @Test func backofficeRoutesAreHiddenPagesThatNeedASessionAndTheFormToken() throws {
    let backoffice = routes.filter { $0.path == "/backoffice" || $0.path.hasPrefix("/backoffice/") }
    #expect(
      Set(backoffice.map { "\($0.method.rawValue) \($0.path)" }) == [
        "GET /backoffice", "GET /backoffice/organisations/{id}/events",
        "GET /backoffice/organisations/{id}/events/new",
        "POST /backoffice/organisations/{id}/events/new", "GET /backoffice/events/{id}",
        "POST /backoffice/events/{id}", "POST /backoffice/events/{id}/cancel",
        "POST /backoffice/events/{id}/delete", "GET /backoffice/events/{id}/registrations",
        "GET /backoffice/events/{id}/registrations.csv", "GET /backoffice/events/{id}/history",
        "GET /backoffice/office/review",
        "POST /backoffice/office/review/{id}/approve",
        "POST /backoffice/office/review/{id}/return",
        "GET /backoffice/organisations/{id}", "POST /backoffice/organisations/{id}/invitations",
        "POST /backoffice/organisations/{id}/invitations/{invitation}/resend",
        "POST /backoffice/organisations/{id}/invitations/{invitation}/revoke",
        "POST /backoffice/organisations/{id}/members/{user}/remove",
        "POST /backoffice/organisations/{id}/tokens",
        "POST /backoffice/organisations/{id}/tokens/{token_id}/revoke",
        // The office's own pages (BackofficeOfficeRoutes).
        "GET /backoffice/office/organisations", "POST /backoffice/office/organisations",
        "GET /backoffice/office/users", "POST /backoffice/office/users/{id}/disable",
        "POST /backoffice/office/users/{id}/enable", "GET /backoffice/office/venues",
        "POST /backoffice/office/venues", "GET /backoffice/office/venues/{id}",
        "POST /backoffice/office/venues/{id}", "GET /backoffice/office/editions",
        "POST /backoffice/office/editions/{id}",
      ])
    let application = Application(
      store: FestivalStore(
        pool: ConnectionPool(
          conninfo: "host=/nonexistent/almedalen-route-test dbname=none connect_timeout=1",
          maxConnections: 1)))
    for route in backoffice {
      #expect(route.isPage && route.hiddenFromCrawlers && !route.secret, "\(route.path)")
      let target = self.target(route, UUID().uuidString.lowercased())
      let post = route.method == .post
      let headers: HTTPHeaders =
        post ? ["Content-Type": "application/x-www-form-urlencoded"] : [:]
      let reply = try application.respond(
        to: try Request(
          method: route.method.rawValue, target: target, headers: headers,
          body: post ? Array("title=x".utf8) : []))
      if route.method == .get {
        #expect(reply.status == 303, "\(target)")
        #expect(reply.headers["Location"] == "/account/sign-in", "\(target)")
        #expect(reply.headers["Cache-Control"] == "no-store", "\(target)")
      } else {
        #expect(reply.status == 403, "\(target)")
      }
    }
  }
}
