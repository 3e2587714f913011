import AlmedalenCore
import AlmedalenFeeds
import AlmedalenStore
import ByteWriting
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
  /// "Send my links again": messages per address and hour (more are dropped silently).
  public var linksPerAddress: Int

  public init(
    perClient: Int = 30, clientWindow: Int = 600, perEmail: Int = 5, emailWindow: Int = 3600,
    trustForwardedFor: Bool = false, linksPerAddress: Int = 5
  ) {
    self.linksPerAddress = linksPerAddress
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
  static let routes: [Route] = [
    .api(
      .post, "/api/v1/events/{id}/registrations",
      Operation(
        id: "signUp", summary: "Sign up for a seat", tag: .registrations,
        description: """
          Name and email, nothing more. Confirmed while seats remain, waitlisted after \
          (with the position). The answer holds the attendee's secret links, shown only \
          this once: `cancel_url` and `calendar_url` (all their sign-ups as iCalendar). \
          Signing up again with the same email answers 200 with the existing registration \
          and no links. Closed, cancelled or past events are 409; drafts 404; too many \
          attempts from one client or for one email 429 with Retry-After.
          """, access: .open, parameters: [.id],
        success: .created(
          "The registration and its secret links", RegistrationOutputs.signUp.component),
        errors: [404, 409, 429, 503]), reading: SignUpInput.wire
    ) { try signUp($0, $1) },
    .api(
      .get, "/api/v1/events/{id}/registrations",
      Operation(
        id: "listRegistrations", summary: "The event's registrations, with headcounts",
        tag: .registrations,
        description: """
          The event's organiser or an admin. `Accept: text/csv` gives a CSV for Excel \
          (UTF-8 with BOM, semicolons).
          """, parameters: [.id],
        success: Operation.Success(
          status: 200,
          json: [
            "description": "The registrations in arrival order",
            "content": [
              "application/json": ["schema": RegistrationOutputs.list.ref],
              "text/csv": ["schema": ["type": "string"]],
            ],
          ], uses: [RegistrationOutputs.list.component]), errors: [403, 404])
    ) { try list($0) },
    .api(
      .get, "/api/v1/registrations/{token}", secret: true,
      Operation(
        id: "showRegistration", summary: "The attendee's own registration", tag: .registrations,
        access: .open, parameters: [.token],
        success: .ok("Its status", RegistrationOutputs.status.component), errors: [400, 404, 503])
    ) { try show($0) },
    .api(
      .delete, "/api/v1/registrations/{token}", secret: true,
      Operation(
        id: "cancelRegistration", summary: "Cancel with the attendee's secret link",
        tag: .registrations,
        description: "The first on the waitlist gets the seat at once. Repeating is harmless.",
        access: .open, parameters: [.token],
        success: .ok("Cancelled", RegistrationOutputs.cancelled.component), errors: [400, 404, 503])
    ) { try cancel($0) },
    .feed(
      .get, "/feeds/attendee/{token}.ics", secret: true,
      Operation(
        id: "attendeeCalendar",
        summary: "The attendee's own calendar: every seminar they signed up for",
        tag: .registrations,
        description: """
          Waitlisted seats as TENTATIVE, confirmed as CONFIRMED, cancelled events as \
          CANCELLED.
          """, access: .open, parameters: [.token], success: .feed(FeedRoutes.calendarType),
        errors: [400, 404, 503])
    ) { try calendar($0) },
    .feed(
      .delete, "/feeds/attendee/{token}.ics", secret: true,
      Operation(
        id: "revokeCalendar", summary: "Stop every calendar link of this attendee",
        tag: .registrations, access: .open, parameters: [.token],
        success: .noContent("Revoked"), errors: [400, 404, 503])
    ) { try revokeCalendar($0) },
  ]

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

  static func signUp(_ c: RequestContext, _ body: BodyReader<SignUpInput>) throws -> Response {
    let eventID = try c.id("id")
    let body = try body.read()
    let signUp = try register(c, eventID: eventID, name: body.name!, email: body.email!)
    var answer = RegistrationOutputs.SignUp(
      eventID: eventID, status: signUp.registration.status, position: signUp.waitlistPosition,
      existing: signUp.existing)
    if let secret = signUp.secret, let calendarSecret = signUp.calendarSecret {
      let calendar = c.feeds.baseURL + "/feeds/attendee/" + calendarSecret + ".ics"
      answer.cancelURL = c.feeds.baseURL + "/api/v1/registrations/" + secret
      answer.calendarURL = calendar
      answer.webcalURL = c.feeds.webcal(calendar)
    }
    return JSONOutput.response(
      RegistrationOutputs.signUp.json(answer), status: signUp.existing ? 200 : 201,
      headers: [("Cache-Control", "no-store")]
    )
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
      RegistrationOutputs.status.json(.init(registration: registration, position: position)),
      headers: [("Cache-Control", "no-store")])
  }

  static func cancel(_ c: RequestContext) throws -> Response {
    let registration = try c.store.registrations.cancel(secret: try secret(c))
    return JSONOutput.response(
      RegistrationOutputs.cancelled.json(registration),
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
      RegistrationOutputs.list.json(
        .init(
          event: event, counts: counts,
          entries: rows.map { .init(registration: $0.registration, position: $0.waitlistPosition) }
        )), headers: [("Cache-Control", "no-store")])
  }
}

/// The organiser's list for Excel: UTF-8 with a byte-order mark (without it Excel reads
/// Windows-1252), semicolons (Swedish Excel's list separator), CRLF, and cells that could be
/// read as formulas defused with a leading apostrophe.
enum RegistrationCSV {
  static func bytes(_ rows: [(registration: Registration, waitlistPosition: Int?)]) -> [UInt8] {
    var out = ByteWriter(capacity: 64 + rows.count * 96)
    out.literal("\u{FEFF}Nr;Namn;E-post;Status;Plats i kön;Anmäld\r\n")
    for (index, row) in rows.enumerated() {
      let time = LocalTime(row.registration.createdAt)
      out.number(index + 1)
      out.byte(UInt8(ascii: ";"))
      out.escaped(row.registration.name ?? "(raderad)", .csvCell)
      out.byte(UInt8(ascii: ";"))
      out.escaped(row.registration.email ?? "", .csvCell)
      out.byte(UInt8(ascii: ";"))
      out.plain(swedish(row.registration.status))
      out.byte(UInt8(ascii: ";"))
      if let position = row.waitlistPosition { out.number(position) }
      out.byte(UInt8(ascii: ";"))
      out.plain(time.isoDate + " " + time.clock)
      out.literal("\r\n")
    }
    return out.bytes
  }

  static func swedish(_ status: RegistrationStatus) -> String {
    switch status {
    case .confirmed: "bekräftad"
    case .waitlisted: "väntelista"
    case .cancelled: "avanmäld"
    }
  }
}
