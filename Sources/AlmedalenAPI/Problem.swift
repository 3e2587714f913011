import AlmedalenCore
public import Foundation
public import HTTPServer

/// An RFC 9457 problem: the body of every 4xx and 5xx answer.
public struct Problem: Error, Sendable {
  public struct FieldError: Sendable, Encodable {
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

  private struct Body: Encodable {
    let type: String
    let title: String
    let status: Int
    let detail: String?
    let errors: [FieldError]?
    let conflictingEventIds: [String]?

    enum CodingKeys: String, CodingKey {
      case type, title, status, detail, errors
      case conflictingEventIds = "conflicting_event_ids"
    }
  }

  /// The problem as an HTTP response.
  public func response(allow: String? = nil, retryAfter: String? = nil) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let body = Body(
      type: "about:blank", title: title, status: status, detail: detail,
      errors: errors.isEmpty ? nil : errors,
      conflictingEventIds: conflictingEventIDs.isEmpty
        ? nil : conflictingEventIDs.map(\.wire))
    var headers: HTTPHeaders = ["Content-Type": "application/problem+json"]
    if let allow { headers.set("Allow", allow) }
    if let retryAfter = retryAfter ?? self.retryAfter.map(String.init) {
      headers.set("Retry-After", retryAfter)
    }
    if status == 401 { headers.set("WWW-Authenticate", "Bearer") }
    return Response(
      status: status, headers: headers, body: Array((try? encoder.encode(body)) ?? Data()))
  }
}
