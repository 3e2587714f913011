import AlmedalenCore
public import Foundation
public import HTTPServer

/// An RFC 9457 problem: the body of every 4xx and 5xx answer.
public struct Problem: Error, Sendable {
  public struct FieldError: Sendable {
    public let field: String
    public let message: String
  }

  public var status: Int
  public var title: String
  public var detail: String?
  public var errors: [FieldError]
  /// For 409 on a venue clash: the events in the way.
  public var conflictingEventIDs: [UUID]
  /// For 429 and 503: seconds until trying again makes sense (`Retry-After`).
  public var retryAfter: Int?

  public init(
    status: Int, title: String, detail: String? = nil, errors: [FieldError] = [],
    conflictingEventIDs: [UUID] = [], retryAfter: Int? = nil
  ) {
    self.retryAfter = retryAfter
    self.status = status
    self.title = title
    self.detail = detail
    self.errors = errors
    self.conflictingEventIDs = conflictingEventIDs
  }

  /// 422: the body parses but breaks rules; every problem with its field.
  static func invalid(_ problems: [FieldProblem]) -> Problem {
    Problem(
      status: 422, title: "Invalid input",
      detail: "\(problems.count) problem\(problems.count == 1 ? "" : "s") in the request.",
      errors: problems.map { FieldError(field: $0.field, message: $0.message) })
  }

  static let fieldError = OutputObject<FieldError>(
    name: "FieldError", fields: [.string("field", \.field), .string("message", \.message)])

  /// The RFC 9457 body; `detail`, `errors` and `conflicting_event_ids` only when there are
  /// any.
  static let wire = OutputObject<Problem>(
    name: "Problem", description: "RFC 9457 problem details.",
    fields: [
      OutputObject.Field(name: "type", schema: Schema.string(description: "Always `about:blank`."))
      { _ in "about:blank" },
      .string("title", \.title),
      OutputObject.Field(name: "status", schema: Schema.integer(minimum: 400, maximum: 599)) {
        $0.status.json
      },
      OutputObject.Field(name: "detail", schema: Schema.string(), required: false) {
        $0.detail?.json
      },
      OutputObject.Field(name: "errors", schema: Schema.array(fieldError.ref), required: false) {
        $0.errors.isEmpty ? nil : .array($0.errors.map(fieldError.json))
      },
      OutputObject.Field(
        name: "conflicting_event_ids", schema: Schema.array(Schema.uuid()), required: false
      ) { $0.conflictingEventIDs.isEmpty ? nil : $0.conflictingEventIDs.map(\.wire).json },
    ], uses: [fieldError.component])

  var body: JSONValue { Self.wire.json(self) }

  /// The problem as an HTTP response.
  public func response(allow: String? = nil, retryAfter: String? = nil) -> Response {
    var headers: HTTPHeaders = ["Content-Type": "application/problem+json"]
    if let allow { headers.set("Allow", allow) }
    if let retryAfter = retryAfter ?? self.retryAfter.map(String.init) {
      headers.set("Retry-After", retryAfter)
    }
    if status == 401 { headers.set("WWW-Authenticate", "Bearer") }
    return Response(status: status, headers: headers, body: body.bytes)
  }
}
