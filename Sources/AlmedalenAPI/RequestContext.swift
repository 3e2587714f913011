import AlmedalenCore
import AlmedalenStore
import Foundation
import HTTPServer

/// What a handler gets: the request, its path parameters, the store, and who is asking.
struct RequestContext: Sendable {
  let request: Request
  let parameters: [String: String]
  let store: FestivalStore
  let feeds: FeedSettings
  let registrations: RegistrationSettings
  let sessions: SessionSettings
  /// For pages: the visitor's form token (from their cookie, or new for this request, the
  /// same for the form and the cookie that goes with it).
  var formToken: (token: String, isNew: Bool) = ("", false)

  /// A path parameter that must be an id; 404 when it is not one.
  func id(_ name: String) throws(Problem) -> UUID {
    guard let text = parameters[name], let id = UUID(uuidString: text) else {
      throw Problem(status: 404, title: "Not found", detail: "No resource at this path.")
    }
    return id
  }

  /// The token behind `Authorization: Bearer …`; 401 when missing, unknown or revoked.
  func caller() throws -> Caller {
    guard let header = request.headers["Authorization"] else {
      throw Problem.unauthorized("This needs an API token: Authorization: Bearer TOKEN.")
    }
    let parts = header.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else {
      throw Problem.unauthorized("Use Authorization: Bearer TOKEN.")
    }
    guard
      let token = try store.tokens.authenticate(
        secret: String(parts[1]).trimmingCharacters(in: .whitespaces))
    else {
      throw Problem.unauthorized("The token is unknown or revoked.")
    }
    return Caller(token: token)
  }

  /// The JSON body, after checking the media type (415) and that it parses (400).
  func jsonBody() throws(Problem) -> [String: JSONValue] {
    guard request.contentType?.isJSON == true else {
      throw Problem(
        status: 415, title: "Unsupported media type",
        detail: "Send the body as Content-Type: application/json.")
    }
    return try JSONInput.object(request.body)
  }

  /// `If-Match` as a version when sent (publish, cancel); 412 when it is not one of ours.
  func optionalExpectedVersion() throws(Problem) -> Int? {
    guard request.headers["If-Match"] != nil else { return nil }
    return try expectedVersion()
  }

  /// `If-Match` as a version; 428 when missing, 412 when it is not one of ours.
  func expectedVersion() throws(Problem) -> Int {
    guard let header = request.headers["If-Match"] else {
      throw Problem(
        status: 428, title: "Precondition required",
        detail: "Send If-Match with the ETag from GET, so that no one's change is overwritten.")
    }
    guard let version = ETag.version(header) else {
      throw Problem(
        status: 412, title: "Precondition failed", detail: "If-Match does not name a version.")
    }
    return version
  }
}

/// Who is asking through the JSON API (a bearer token), and what they may do: every check
/// asks `Policy`, the one that the pages' sessions go through too.
struct Caller: Sendable {
  let token: APIToken

  /// The token as the policy sees it.
  var subject: Actor { .token(token) }
  var isAdmin: Bool { subject.isStaff }
  /// How the history names this caller.
  var actor: String { subject.historyName }

  /// The office's own actions (reference data, the outbox): admin tokens only.
  func requireAdmin() throws(Problem) { try require(.office, .none) }

  /// 403 unless the policy lets this token do `action` on `target`.
  func require(_ action: Action, _ target: Target) throws(Problem) {
    guard Policy.may(subject, action, target) else {
      switch action {
      case .publish, .returnForChanges, .office:
        throw Problem.forbidden("Only an admin token may do this.")
      default:
        throw Problem.forbidden("This token may manage only its own organiser's events.")
      }
    }
  }

  /// An organiser token may create and change events only for its own organiser.
  func requireOrganiser(_ organiserID: UUID) throws(Problem) {
    try require(.edit, .organiser(organiserID))
  }

  /// Whether the token may see this event when it is not public.
  func mayRead(_ event: Event) -> Bool {
    Policy.may(subject, .readPrivate, .event(event))
  }
}

/// Strong ETags from versions: `"v7"`.
enum ETag {
  static func make(_ version: Int) -> String { "\"v\(version)\"" }

  static func version(_ header: String) -> Int? {
    let text = header.trimmingCharacters(in: .whitespaces)
    guard text.hasPrefix("\"v"), text.hasSuffix("\""), text.count >= 4 else { return nil }
    return Int(text.dropFirst(2).dropLast())
  }
}

extension Problem {
  static func unauthorized(_ detail: String) -> Problem {
    Problem(status: 401, title: "Unauthorized", detail: detail)
  }

  static func forbidden(_ detail: String) -> Problem {
    Problem(status: 403, title: "Forbidden", detail: detail)
  }

  static func notFound(_ what: String) -> Problem {
    Problem(status: 404, title: "Not found", detail: "No \(what) with that id.")
  }
}
