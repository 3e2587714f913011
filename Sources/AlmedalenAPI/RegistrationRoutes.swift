import AlmedalenCore
import AlmedalenFeeds
import AlmedalenStore
import Foundation
import HTTPServer

/// Limits on sign-ups, shared by every server process through the database.
public struct RegistrationSettings: Sendable {
  /// Attempts per client address per `clientWindow` seconds.
  public var perClient: Int
  public var clientWindow: Int
  /// Attempts per email address per `emailWindow` seconds.
  public var perEmail: Int
  public var emailWindow: Int
  /// Take the client's address from the last `X-Forwarded-For` entry (behind a proxy).
  public var trustForwardedFor: Bool

  public init(
    perClient: Int = 30, clientWindow: Int = 600, perEmail: Int = 5, emailWindow: Int = 3600,
    trustForwardedFor: Bool = false
  ) {
    self.perClient = perClient
    self.clientWindow = clientWindow
    self.perEmail = perEmail
    self.emailWindow = emailWindow
    self.trustForwardedFor = trustForwardedFor
  }
}

/// Sign-ups, the attendee's own links (cancel, calendar), and the organiser's list.
/// Attendee data leaves the service only here: to the attendee who holds the secret (their
/// status, never their name or email) and to the event's organiser or an admin.
enum RegistrationRoutes {
  static func register(_ router: inout Router) {
    router.add("POST", "/api/v1/events/{id}/registrations") { try signUp($0) }
    router.add("GET", "/api/v1/events/{id}/registrations") { try list($0) }
    router.add("GET", "/api/v1/registrations/{token}") { try show($0) }
    router.add("DELETE", "/api/v1/registrations/{token}") { try cancel($0) }
    router.add("GET", "/feeds/attendee/{token}.ics") { try calendar($0) }
    router.add("DELETE", "/feeds/attendee/{token}.ics") { try revokeCalendar($0) }
  }

  /// Secrets are base64url of 32 bytes; anything else is not one of ours.
  static func secret(_ c: RequestContext) throws(Problem) -> String {
    guard let token = c.parameters["token"], token.utf8.count == 43,
      token.utf8.allSatisfy({ byte in
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
          || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
          || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
          || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
      })
    else { throw Problem(status: 404, title: "Not found", detail: "No such link.") }
    return token
  }

  static func signUp(_ c: RequestContext) throws -> Response {
    let eventID = try c.id("id")
    let body = try c.jsonBody()
    var input = JSONInput()
    input.onlyKnown(body, ["name", "email"])
    let name = input.string(body, "name", required: true)
    let email = input.string(body, "email", required: true)
    try input.check()
    let signUp = try register(c, eventID: eventID, name: name ?? "", email: email ?? "")
    var object: [String: Any] = [
      "event_id": eventID.wire, "status": signUp.registration.status.rawValue,
      "waitlist_position": signUp.waitlistPosition.map { $0 as Any } ?? NSNull(),
      "existing": signUp.existing,
    ]
    if let secret = signUp.secret, let calendarSecret = signUp.calendarSecret {
      let calendar = c.feeds.baseURL + "/feeds/attendee/" + calendarSecret + ".ics"
      object["cancel_url"] = c.feeds.baseURL + "/api/v1/registrations/" + secret
      object["calendar_url"] = calendar
      object["calendar_webcal_url"] = c.feeds.webcal(calendar)
    }
    return JSONOutput.response(
      object, status: signUp.existing ? 200 : 201, headers: [("Cache-Control", "no-store")])
  }

  /// One sign-up, from the API or the page's form: both rate limits, then the store.
  static func register(_ c: RequestContext, eventID: UUID, name: String, email: String) throws
    -> RegistrationStore.SignUp
  {
    let settings = c.registrations
    try limit(c, key: "client:" + clientAddress(c), settings.perClient, settings.clientWindow)
    try limit(c, key: "email:" + email.lowercased(), settings.perEmail, settings.emailWindow)
    return try c.store.registrations.register(eventID: eventID, name: name, email: email)
  }

  /// 429 with Retry-After once `key` is over its limit in the current window.
  static func limit(_ c: RequestContext, key: String, _ limit: Int, _ window: Int) throws {
    guard
      let retryAfter = try c.store.registrations.countAttempt(
        key: key, limit: limit, window: window)
    else { return }
    throw Problem(
      status: 429, title: "Too many sign-ups",
      detail: "Too many sign-ups from here or for this email; try again in \(retryAfter) s.",
      retryAfter: retryAfter)
  }

  static func clientAddress(_ c: RequestContext) -> String {
    if c.registrations.trustForwardedFor,
      let forwarded = c.request.headers["X-Forwarded-For"]?.split(separator: ",").last
    {
      return forwarded.trimmingCharacters(in: .whitespaces)
    }
    // "203.0.113.7:51234" or "[2001:db8::1]:51234": the port changes per connection.
    let address = c.request.remoteAddress
    if let colon = address.lastIndex(of: ":"), !address.hasSuffix("]") {
      return String(address[..<colon])
    }
    return address
  }

  static func show(_ c: RequestContext) throws -> Response {
    let (registration, position) = try c.store.registrations.find(secret: try secret(c))
    return JSONOutput.response(
      [
        "event_id": registration.eventID.wire, "status": registration.status.rawValue,
        "waitlist_position": position.map { $0 as Any } ?? NSNull(),
        "registered_at": RFC3339.format(registration.createdAt),
      ], headers: [("Cache-Control", "no-store")])
  }

  static func cancel(_ c: RequestContext) throws -> Response {
    let registration = try c.store.registrations.cancel(secret: try secret(c))
    return JSONOutput.response(
      ["event_id": registration.eventID.wire, "status": registration.status.rawValue],
      headers: [("Cache-Control", "no-store")])
  }

  /// The attendee's own calendar: never cached here (a promotion changes it without a
  /// programme change), but validated, so a poll with nothing new costs no bytes.
  static func calendar(_ c: RequestContext) throws -> Response {
    let token = try secret(c)
    let (snapshot, registrations) = try c.store.registrations.calendar(secret: token)
    let events = FeedRoutes.feedEvents(snapshot, c.feeds).map { event -> FeedEvent in
      var event = event
      let registration = registrations[event.event.id]
      event.registration = registration?.status
      event.registrationRevision = registration?.revision ?? 0
      event.registrationChangedAt = registration?.updatedAt
      return event
    }
    let info = FeedInfo(
      name: "Almedalsveckan – mina seminarier",
      description: "Seminarierna du anmält dig till under Almedalsveckan",
      selfURL: c.feeds.baseURL + "/feeds/attendee/" + token + ".ics",
      pageURL: c.feeds.baseURL + "/", baseURL: c.feeds.baseURL)
    let entry = FeedCache.Entry(
      body: ICalendarWriter.calendar(info, events: events),
      lastModified: events.map(\.revisedAt).max(), contentType: FeedRoutes.calendarType,
      filename: "mina-seminarier.ics")
    var response = entry.response(to: c.request, cache: "private")
    response.headers.set("Cache-Control", "private, max-age=300")
    response.headers.set("X-Robots-Tag", "noindex")
    return response
  }

  static func revokeCalendar(_ c: RequestContext) throws -> Response {
    try c.store.registrations.revokeCalendar(secret: try secret(c))
    return Response(status: 204, headers: ["Cache-Control": "no-store"], body: [])
  }

  // MARK: The organiser's list

  static func list(_ c: RequestContext) throws -> Response {
    let caller = try c.caller()
    let event = try AdminRoutes.visibleEvent(c, caller)
    try caller.requireOrganiser(event.organiserID)
    let rows = try c.store.registrations.list(eventID: event.id)
    let counts = try c.store.registrations.counts(eventID: event.id)
    if c.request.preferredMediaType(["application/json", "text/csv"]) == "text/csv" {
      return Response(
        headers: [
          "Content-Type": "text/csv; charset=utf-8; header=present",
          "Content-Disposition": "attachment; filename=\"anmalningar.csv\"",
          "Cache-Control": "no-store",
        ], body: RegistrationCSV.bytes(rows), compressible: true)
    }
    return JSONOutput.response(
      [
        "event_id": event.id.wire, "capacity": event.capacity.map { $0 as Any } ?? NSNull(),
        "counts": Dictionary(
          uniqueKeysWithValues: RegistrationStatus.allCases.map { ($0.rawValue, counts[$0] ?? 0) }),
        "items": rows.map { row -> [String: Any] in
          [
            "id": row.registration.id.wire,
            "name": row.registration.name.map { $0 as Any } ?? NSNull(),
            "email": row.registration.email.map { $0 as Any } ?? NSNull(),
            "status": row.registration.status.rawValue,
            "waitlist_position": row.waitlistPosition.map { $0 as Any } ?? NSNull(),
            "registered_at": RFC3339.format(row.registration.createdAt),
          ]
        },
      ], headers: [("Cache-Control", "no-store")])
  }
}

/// The organiser's list for Excel: UTF-8 with a byte-order mark (without it Excel reads
/// Windows-1252), semicolons (Swedish Excel's list separator), CRLF, and cells that could be
/// read as formulas defused with a leading apostrophe.
enum RegistrationCSV {
  static func bytes(_ rows: [(registration: Registration, waitlistPosition: Int?)]) -> [UInt8] {
    var text = "\u{FEFF}Nr;Namn;E-post;Status;Plats i kön;Anmäld\r\n"
    for (index, row) in rows.enumerated() {
      let time = LocalTime(row.registration.createdAt)
      let cells = [
        String(index + 1), row.registration.name ?? "(raderad)", row.registration.email ?? "",
        swedish(row.registration.status), row.waitlistPosition.map(String.init) ?? "",
        time.isoDate + " " + time.clock,
      ]
      text += cells.map(cell).joined(separator: ";") + "\r\n"
    }
    return Array(text.utf8)
  }

  static func swedish(_ status: RegistrationStatus) -> String {
    switch status {
    case .confirmed: "bekräftad"
    case .waitlisted: "väntelista"
    case .cancelled: "avanmäld"
    }
  }

  static func cell(_ value: String) -> String {
    var value = value
    if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
    guard
      value.contains(where: { $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "," })
    else { return value }
    return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}
