import Foundation
package import LoopbackTesting

/// A blocking HTTP/1.1 client for the service on `127.0.0.1`: one connection per request
/// (`Connection: close`), every wait bounded.
package struct APIClient: Sendable {
  package let port: Int
  /// The whole `Authorization` field, or nil to send none.
  package var authorization: String?

  package init(port: Int, authorization: String? = nil) {
    self.port = port
    self.authorization = authorization
  }

  package func get(_ target: String, headers: [(String, String)] = []) throws -> HTTPReply {
    try send("GET", target, headers: headers)
  }

  package func delete(_ target: String) throws -> HTTPReply { try send("DELETE", target) }

  package func post(
    _ target: String, _ json: [String: Any]? = nil, headers: [(String, String)] = []
  ) throws -> HTTPReply {
    try send("POST", target, headers: headers, json: json)
  }

  package func patch(_ target: String, _ json: [String: Any], ifMatch: String?) throws
    -> HTTPReply
  {
    try send("PATCH", target, headers: ifMatch.map { [("If-Match", $0)] } ?? [], json: json)
  }

  package func send(
    _ method: String, _ target: String, headers: [(String, String)] = [],
    json: [String: Any]? = nil
  ) throws -> HTTPReply {
    var headers = headers
    var body: [UInt8] = []
    if let json {
      body = Array(try JSONSerialization.data(withJSONObject: json))
      headers.append(("Content-Type", "application/json"))
    }
    return try raw(method, target, headers: headers, body: body)
  }

  /// Sends exactly these headers (plus Host, Connection, Authorization and Content-Length)
  /// and body.
  package func raw(
    _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []
  ) throws -> HTTPReply {
    var head = "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    if let authorization { head += "Authorization: \(authorization)\r\n" }
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    if !body.isEmpty || ["POST", "PATCH", "PUT"].contains(method) {
      head += "Content-Length: \(body.count)\r\n"
    }
    head += "\r\n"
    let connection = try WireClient(port: port, sendTimeoutSeconds: 10)
    try connection.send(Array(head.utf8) + body)
    return try connection.readResponse(head: method == "HEAD", timeout: .seconds(20))
  }
}

extension HTTPReply {
  /// The body as a JSON object; an empty object when it is not one.
  package var json: [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
  }

  /// `items` of a list answer.
  package var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }

  /// `errors[].field` of a problem answer.
  package var errorFields: [String] {
    (json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
  }

  /// `errors[].message` of a problem answer for one field.
  package func errorMessages(_ field: String) -> [String] {
    (json["errors"] as? [[String: Any]] ?? []).filter { $0["field"] as? String == field }
      .compactMap { $0["message"] as? String }
  }

  /// `id` of a created resource.
  package var id: String { json["id"] as? String ?? "" }
}
