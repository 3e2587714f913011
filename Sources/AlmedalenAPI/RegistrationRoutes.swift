import AlmedalenCore
import AlmedalenFeeds
import AlmedalenStore
import ByteWriting
import Foundation
import HTTPServer
import KeyValueLog

/// Limits on sign-ups, shared by every server process through the database.
public struct RegistrationSettings: Sendable {
  /// Attempts per client address per `clientWindow` seconds.
  public var perClient: Int
  public var clientWindow: Int
  /// How long a request holds its place before it must be confirmed, in seconds.
  public var holdSeconds: Int
  /// Take the client's address from the last `X-Forwarded-For` entry (behind a proxy).
  public var trustForwardedFor: Bool
  /// Mail a public request may cause (a link to confirm, links again) to one address in an
  /// hour, from one client; more are dropped silently.
  public var linksPerAddress: Int
  /// The same from all clients together.
  public var linksPerAddressTotal: Int

  public init(
    perClient: Int = 30, clientWindow: Int = 600, holdSeconds: Int = 1800,
    trustForwardedFor: Bool = false, linksPerAddress: Int = 5, linksPerAddressTotal: Int = 20
  ) {
    self.holdSeconds = holdSeconds
    self.linksPerAddress = linksPerAddress
    self.linksPerAddressTotal = linksPerAddressTotal
    self.perClient = perClient
    self.clientWindow = clientWindow
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
        id: "signUp", summary: "Ask for a seat: the address confirms it by mail",
        tag: .registrations,
        description: """
          Name and email, nothing more. The request holds a seat (or a waitlist place) at \
          once, for `ALMEDALEN_SIGNUP_HOLD_SECONDS` (30 minutes by default), and a message \
          to the address carries the link whose page confirms it; unconfirmed, the place \
          is let go and the waitlist moves on. The answer is 202 and the same, byte for \
          byte, whatever the address: new, known, already signed up (it is then mailed its \
          links and nothing changes), or erased. With `attendee_token`, the secret of the \
          attendee's own page or calendar (which proves the address), a sign-up for that \
          address is made at once: 201 with its status, or 200 when it existed. Closed, \
          cancelled or past events are 409; drafts 404; too many requests from one client \
          429 with Retry-After. There is no limit per address that answers 429: mail to one \
          address is capped instead, silently.
          """, access: .open, parameters: [.id],
        success: .accepted(
          "Taken: a message to the address says what to do next",
          RegistrationOutputs.requested.component),
        errors: [404, 409, 429, 503],
        alternatives: [
          .created(
            "Signed up at once: the attendee token proved the address",
            RegistrationOutputs.signUp.component),
          .ok("Signed up already (attendee token)", RegistrationOutputs.signUp.component),
        ]), reading: SignUpInput.wire
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
      .post, "/api/v1/registrations/{token}/confirm", secret: true,
      Operation(
        id: "confirmRegistration", summary: "Confirm a request with the link from its mail",
        tag: .registrations,
        description: """
          The request keeps its place and becomes the attendee's registration; a message with \
          their links follows. Repeating is harmless. A request not confirmed in time is 409.
          """, access: .open, parameters: [.token],
        success: .ok("Its status", RegistrationOutputs.status.component),
        errors: [400, 404, 409, 503])
    ) { try confirm($0) },
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

  /// What `isSecret` accepts, for the document: base64url of 32 bytes.
  static let secretPattern = "^[A-Za-z0-9_-]{43}$"

  /// Secrets are base64url of 32 bytes; anything else is not one of ours.
  static func secret(_ c: RequestContext) throws(Problem) -> String {
    guard let token = c.parameters["token"], isSecret(token) else {
      throw Problem(status: 404, title: "Not found", detail: "No such link.")
    }
    return token
  }

  static func isSecret(_ token: String) -> Bool {
    token.utf8.count == 43
      && token.utf8.allSatisfy({ byte in
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
          || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
          || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
          || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
      })
  }

  static func signUp(_ c: RequestContext, _ body: BodyReader<SignUpInput>) throws -> Response {
    let eventID = try c.id("id")
    let body = try body.read()
    if let token = body.attendeeToken, !isSecret(token) {
      // Not the form of any secret: a client's mistake, said as such (a well-formed token
      // that proves nothing is not refused: the request then goes by mail, like any other).
      throw Problem.invalid([
        FieldProblem(field: "attendee_token", message: "is not the secret of an attendee's link")
      ])
    }
    switch try signUp(
      c, eventID: eventID, name: body.name!, email: body.email!, attendeeSecret: body.attendeeToken)
    {
    case .requested:
      return JSONOutput.response(
        RegistrationOutputs.requested.json(eventID), status: 202,
        headers: [("Cache-Control", "no-store")])
    case .signedUp(let signUp):
      let answer = RegistrationOutputs.SignUp(
        eventID: eventID, status: signUp.registration.status, position: signUp.waitlistPosition,
        existing: signUp.existing)
      return JSONOutput.response(
        RegistrationOutputs.signUp.json(answer), status: signUp.existing ? 200 : 201,
        headers: [("Cache-Control", "no-store")])
    }
  }

  /// What a sign-up did: a request waiting for the address, or a sign-up made at once for
  /// an address its attendee link proves.
  enum SignUpOutcome {
    case requested
    case signedUp(RegistrationStore.SignUp)
  }

  /// One sign-up, from the API or the page's form: the limit per client, then the store. An
  /// attendee secret whose address is the one given makes it at once; anything else is a
  /// request that the address confirms, answered the same whatever the address.
  static func signUp(
    _ c: RequestContext, eventID: UUID, name: String, email: String, attendeeSecret: String?
  ) throws -> SignUpOutcome {
    let settings = c.registrations
    try limit(c, key: "client:" + clientAddress(c), settings.perClient, settings.clientWindow)
    if let attendeeSecret, isSecret(attendeeSecret),
      let proven = try c.store.registrations.provenEmail(attendeeSecret: attendeeSecret),
      proven.lowercased() == email.lowercased()
    {
      return .signedUp(
        try c.store.registrations.register(eventID: eventID, name: name, email: email))
    }
    let outcome = try c.store.registrations.request(
      eventID: eventID, name: name, email: email, holdSeconds: settings.holdSeconds,
      mail: mailCap(c))
    if outcome == .capped {
      Log.info("mail_capped", ["kind": "signup", "to_domain": MailRoutes.domain(email)])
    }
    return .requested
  }

  static func confirm(_ c: RequestContext) throws -> Response {
    switch try c.store.registrations.confirm(secret: try secret(c)) {
    case .confirmed(let registration, let position),
      .alreadySignedUp(let registration, let position):
      return JSONOutput.response(
        RegistrationOutputs.status.json(.init(registration: registration, position: position)),
        headers: [("Cache-Control", "no-store")])
    case .expired:
      throw Problem(
        status: 409, title: "Expired",
        detail: "The request was not confirmed in time and its place was let go; sign up again.")
    }
  }

  /// The share of mail this client's requests may cause to one address.
  static func mailCap(_ c: RequestContext) -> RegistrationStore.MailCap {
    RegistrationStore.MailCap(
      client: clientAddress(c), perClient: c.registrations.linksPerAddress,
      perAddress: c.registrations.linksPerAddressTotal)
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
    // Someone's own calendar behind a secret link: no cache keeps it; clients revalidate
    // with the ETag.
    response.headers.set("Cache-Control", "no-store")
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
    try caller.require(.readPrivate, .event(event))
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
    case .pending: "ej bekräftad"
    }
  }
}
