import ByteWriting

/// An answer to a request. The server adds `Date`, `Content-Length`, `Connection` and
/// `X-Request-Id`, and compresses the body when allowed and asked for.
public struct Response: Sendable {
  public var status: Int
  public var headers: HTTPHeaders
  public var body: [UInt8]
  /// Whether the server may gzip the body for a client that accepts it.
  public var compressible: Bool

  public init(
    status: Int = 200, headers: HTTPHeaders = [:], body: [UInt8] = [], compressible: Bool = false
  ) {
    self.status = status
    self.headers = headers
    self.body = body
    self.compressible = compressible
  }

  /// A plain-text response.
  public static func text(_ text: String, status: Int = 200) -> Response {
    Response(
      status: status, headers: ["Content-Type": "text/plain; charset=utf-8"],
      body: Array(text.utf8))
  }

  /// An RFC 9457 problem (`application/problem+json`): `type` `about:blank`, the status's
  /// reason phrase as `title`, the status, and what went wrong as `detail`.
  public static func problem(_ status: Int, detail: String) -> Response {
    let body =
      #"{"type":"about:blank","title":""# + ByteWriter.escaping(reason(status), .jsonString)
      + #"","status":\#(status),"detail":""# + ByteWriter.escaping(detail, .jsonString) + #""}"#
    return Response(
      status: status, headers: ["Content-Type": "application/problem+json"],
      body: Array(body.utf8))
  }

  /// The server's own refusal as a problem.
  public static func problem(_ error: HTTPError) -> Response {
    problem(error.status, detail: error.reason)
  }

  /// The standard reason phrase of a status code.
  public static func reason(_ status: Int) -> String {
    switch status {
    case 100: "Continue"
    case 200: "OK"
    case 201: "Created"
    case 202: "Accepted"
    case 204: "No Content"
    case 301: "Moved Permanently"
    case 302: "Found"
    case 303: "See Other"
    case 304: "Not Modified"
    case 307: "Temporary Redirect"
    case 308: "Permanent Redirect"
    case 400: "Bad Request"
    case 401: "Unauthorized"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 405: "Method Not Allowed"
    case 406: "Not Acceptable"
    case 408: "Request Timeout"
    case 409: "Conflict"
    case 410: "Gone"
    case 411: "Length Required"
    case 412: "Precondition Failed"
    case 413: "Content Too Large"
    case 414: "URI Too Long"
    case 415: "Unsupported Media Type"
    case 417: "Expectation Failed"
    case 422: "Unprocessable Content"
    case 428: "Precondition Required"
    case 429: "Too Many Requests"
    case 431: "Request Header Fields Too Large"
    case 500: "Internal Server Error"
    case 501: "Not Implemented"
    case 503: "Service Unavailable"
    case 504: "Gateway Timeout"
    case 505: "HTTP Version Not Supported"
    default: "Status \(status)"
    }
  }
}

/// What the server calls for every request, on one of its worker threads. Handlers may
/// block (database calls do); the event loop never waits for them.
public protocol Responder: Sendable {
  func respond(to request: Request) throws -> Response
}

/// A responder from a closure.
public struct ClosureResponder: Responder {
  let body: @Sendable (Request) throws -> Response
  public init(_ body: @escaping @Sendable (Request) throws -> Response) { self.body = body }
  public func respond(to request: Request) throws -> Response { try body(request) }
}
