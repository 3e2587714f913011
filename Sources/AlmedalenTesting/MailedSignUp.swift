package import AlmedalenStore
package import Foundation
package import LoopbackTesting

// The sign-up flow as an attendee goes through it (issue 19): the request over HTTP, the
// mail read from the outbox (claimed and rendered like a sender would, without SMTP), and
// the confirm by POST. Secrets of a mail exist only once it is rendered, so the tests get
// them here, as the address would in its mailbox.

/// A message as it was rendered: what it is about and the secrets its links carry.
package struct MailedMessage: Sendable {
  /// Every fact the message was rendered from.
  package let facts: OutboxStore.Facts

  package var kind: MailKind { facts.kind }
  package var recipient: String { facts.recipient }
  /// The registration the message is about (the request for `confirm`, the existing
  /// registration for `already`).
  package var registrationID: UUID? { facts.registration?.id }
  /// The secret of the registration page link (`/registrations/S`): for `confirm` the one
  /// that confirms, for the others the one that cancels.
  package var registrationSecret: String? { registrationID.flatMap { facts.cancelSecrets[$0] } }
  /// The secret of the attendee's calendar and page (`/feeds/attendee/S.ics`,
  /// `/attendees/S`), when the message carries one.
  package var calendarSecret: String? { facts.calendarSecret }

  package init(facts: OutboxStore.Facts) { self.facts = facts }
}

/// A step of the flow did not go as an attendee would expect.
package struct SignUpFlowError: Error, CustomStringConvertible {
  package let description: String
  package init(_ description: String) { self.description = description }
}

extension FestivalStore {
  /// Claims every message that is due, as a sender would (moves without waiting for their
  /// window), marks them sent, and returns them in order. Messages with nothing to send are
  /// dropped, as a sender drops them.
  package func deliverMail() throws -> [MailedMessage] {
    var delivered: [MailedMessage] = []
    while true {
      var rendered: [Int64: OutboxStore.Facts] = [:]
      let (claimed, dropped) = try outbox.claim(limit: 100, lease: 60, coalesceSeconds: 0) {
        facts in
        rendered[facts.id] = facts
        return .message(json: "{}", messageID: "<\(facts.id)@almedalen.test>")
      }
      for message in claimed {
        try outbox.markSent(id: message.id)
        if let facts = rendered[message.id] { delivered.append(MailedMessage(facts: facts)) }
      }
      if claimed.isEmpty && dropped.isEmpty { return delivered }
    }
  }
}

/// A sign-up made through the whole flow: its request, its confirm, and the mails it caused.
package struct MailedSignUp: Sendable {
  /// The answer to `POST /api/v1/events/{id}/registrations` (202).
  package let request: HTTPReply
  /// The answer to `POST /api/v1/registrations/{secret}/confirm`.
  package let confirmation: HTTPReply
  /// The message with the link to confirm (`confirm`).
  package let confirmMail: MailedMessage
  /// The message that came after confirming (`signup`), with the attendee's links.
  package let signUpMail: MailedMessage?
  /// Every message delivered on the way, to anyone (they are marked sent).
  package let mails: [MailedMessage]

  /// The secret that confirmed the request.
  package var confirmSecret: String { confirmMail.registrationSecret ?? "" }
  /// The registration's own link from the sign-up mail: `/api/v1/registrations/S` (its
  /// status, DELETE cancels).
  package var registrationPath: String? {
    signUpMail?.registrationSecret.map { "/api/v1/registrations/" + $0 }
  }
  /// The attendee's calendar from the sign-up mail: `/feeds/attendee/S.ics`.
  package var calendarPath: String? {
    signUpMail?.calendarSecret.map { "/feeds/attendee/" + $0 + ".ics" }
  }
  /// `status` of the confirm answer.
  package var status: String? { confirmation.json["status"] as? String }
  /// `waitlist_position` of the confirm answer.
  package var waitlistPosition: Int? { confirmation.json["waitlist_position"] as? Int }
}

extension APIClient {
  /// `POST /api/v1/events/{id}/registrations` with a name and an email (and the attendee's
  /// token when given).
  package func requestSignUp(
    _ eventID: UUID, _ name: String, _ email: String, attendeeToken: String? = nil,
    headers: [(String, String)] = []
  ) throws -> HTTPReply {
    var body: [String: Any] = ["name": name, "email": email]
    if let attendeeToken { body["attendee_token"] = attendeeToken }
    return try post(
      "/api/v1/events/\(eventID.uuidString.lowercased())/registrations", body, headers: headers)
  }

  /// `POST /api/v1/registrations/{secret}/confirm`.
  package func confirmSignUp(_ secret: String) throws -> HTTPReply {
    try post("/api/v1/registrations/\(secret)/confirm")
  }

  /// Signs up as an attendee does: the request (which must answer 202), the `confirm` mail
  /// to `email` read from the outbox, the POST that confirms it, and the `signup` mail that
  /// follows. Throws when a step does not happen (no 202, no confirm mail, for instance
  /// because the address is signed up already or had its share of mail this hour).
  package func signUpByMail(
    _ eventID: UUID, _ name: String, _ email: String, store: FestivalStore,
    headers: [(String, String)] = []
  ) throws -> MailedSignUp {
    let request = try requestSignUp(eventID, name, email, headers: headers)
    guard request.status == 202 else {
      throw SignUpFlowError("the request for \(email) answered \(request.status): \(request)")
    }
    var mails = try store.deliverMail()
    guard
      let confirmMail = mails.last(where: {
        $0.kind == .confirm && $0.recipient.lowercased() == email.lowercased()
          && $0.facts.registration?.eventID == eventID
      }), let secret = confirmMail.registrationSecret
    else {
      throw SignUpFlowError(
        "no confirm mail to \(email): \(mails.map { "\($0.kind.rawValue) to \($0.recipient)" })")
    }
    let confirmation = try confirmSignUp(secret)
    guard confirmation.status == 200 else {
      throw SignUpFlowError("confirming \(email) answered \(confirmation.status): \(confirmation)")
    }
    let after = try store.deliverMail()
    mails += after
    let signUpMail = after.last {
      $0.kind == .signup && $0.registrationID == confirmMail.registrationID
    }
    return MailedSignUp(
      request: request, confirmation: confirmation, confirmMail: confirmMail,
      signUpMail: signUpMail, mails: mails)
  }
}
