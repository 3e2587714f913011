import Foundation
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

  public init(status: Int, title: String, detail: String? = nil, errors: [FieldError] = []) {
    self.status = status
    self.title = title
    self.detail = detail
    self.errors = errors
  }

  private struct Body: Encodable {
    let type: String
    let title: String
    let status: Int
    let detail: String?
    let errors: [FieldError]?
  }

  /// The problem as an HTTP response.
  public func response(allow: String? = nil) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let body = Body(
      type: "about:blank", title: title, status: status, detail: detail,
      errors: errors.isEmpty ? nil : errors)
    var headers: HTTPHeaders = ["Content-Type": "application/problem+json"]
    if let allow { headers.set("Allow", allow) }
    return Response(
      status: status, headers: headers, body: Array((try? encoder.encode(body)) ?? Data()))
  }
}
