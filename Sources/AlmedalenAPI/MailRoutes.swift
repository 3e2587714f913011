import AlmedalenCore
import AlmedalenStore
import Foundation
import HTTPServer
import KeyValueLog

/// "Send my links again" (the API; the page's form is in PageRoutes) and the mail backlog.
enum MailRoutes {
  static let routes: [Route] = [
    .api(
      .post, "/api/v1/registrations/resend",
      Operation(
        id: "resendLinks", summary: "Mail an attendee their links again", tag: .registrations,
        description: """
          New cancel links for each of the address's active registrations and a new calendar \
          link, by mail. The answer is the same whether or not the address is signed up, so \
          that nobody can learn who is; at most a few messages an hour go to one address \
          (`ALMEDALEN_MAILS_PER_ADDRESS` from one client, `ALMEDALEN_MAILS_PER_ADDRESS_TOTAL` \
          from all), more are dropped without a word. Too many requests \
          from one client are 429 with Retry-After.
          """, access: .open,
        success: .accepted(
          "Taken: a message is on its way if the address is signed up",
          MailOutputs.accepted.component),
        errors: [429, 503]), reading: ResendInput.wire
    ) { try resend($0, $1) },
    .api(
      .get, "/api/v1/mail",
      Operation(
        id: "mailBacklog", summary: "The mail outbox in figures", tag: .service,
        description: """
          Admins only. Messages waiting, failed for good and sent, and the oldest waiting \
          one: a backlog that grows means the relay is away or refuses. `/healthz` does not \
          depend on mail.
          """,
        success: .ok("The backlog", MailOutputs.backlog.component), errors: [403])
    ) { try backlog($0) },
  ]

  static func resend(_ c: RequestContext, _ body: BodyReader<ResendInput>) throws -> Response {
    let email = try body.read().email!
    do {
      try Registration.validateEmail(email)
    } catch let error as ValidationError {
      throw StoreError.invalid(error)
    }
    try RegistrationRoutes.limit(
      c, key: "links-client:" + RegistrationRoutes.clientAddress(c), c.registrations.perClient,
      c.registrations.clientWindow)
    try queueLinks(c, email: email)
    return JSONOutput.response(
      MailOutputs.accepted.json(
        "If this address is signed up for a seminar that has not ended, a message with its "
          + "links is on its way."),
      status: 202, headers: [("Cache-Control", "no-store")])
  }

  /// Queues the links (or not) and logs what happened without naming the address; the
  /// caller answers the same in every case.
  static func queueLinks(_ c: RequestContext, email: String) throws {
    let outcome = try c.store.registrations.resendLinks(
      email: email, mail: RegistrationRoutes.mailCap(c))
    if outcome == .capped {
      Log.info("mail_capped", ["kind": "links", "to_domain": domain(email)])
    }
  }

  static func domain(_ email: String) -> String {
    let text = email.lastIndex(of: "@").map { String(email[email.index(after: $0)...]) } ?? "?"
    return String(
      text.unicodeScalars.filter { $0.isASCII && $0.value > 32 && $0 != "\"" }
        .prefix(100).map(Character.init))
  }

  static func backlog(_ c: RequestContext) throws -> Response {
    try c.caller().requireAdmin()
    let status = try c.store.outbox.status()
    return JSONOutput.response(
      MailOutputs.backlog.json(status), headers: [("Cache-Control", "no-store")])
  }
}

/// The mail routes' answers, each declared once.
enum MailOutputs {
  static let accepted = OutputObject<String>(
    name: "Accepted", fields: [.string("detail", \.self)])

  static let backlog = OutputObject<OutboxStore.Status>(
    name: "MailBacklog",
    fields: [
      .integer("pending", \.pending), .integer("failed", \.failed), .integer("sent", \.sent),
      .time("oldest_pending_at", \.oldestPendingAt),
      .integer("oldest_pending_age_seconds", \.oldestPendingAge, minimum: 0),
    ])
}

extension OutboxStore.Status {
  /// Whole seconds since the oldest waiting message was queued.
  var oldestPendingAge: Int? {
    oldestPendingAt.map { max(0, Int(Date().timeIntervalSince($0).rounded(.down))) }
  }
}

struct ResendInput: WireInput {
  var email: String?

  static let wire = InputObject<Self>(
    name: "ResendInput",
    fields: [.string("email", \.email, required: true, Schema.deliverableEmail())])
}
