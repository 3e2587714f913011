import AlmedalenAPI
import AlmedalenStore
import Foundation
import HTTPServer
import Postgres
import Testing

/// `GET /api/v1/openapi.json` against the router: every route documented, every documented
/// operation routed, and the operations that need a token say so. No database needed: the
/// store points nowhere, and nothing here gets as far as asking it (but `/healthz`, which
/// answers 503).
@Suite struct OpenAPIDocumentTests {
  static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

  let application = Application(
    store: FestivalStore(
      pool: ConnectionPool(
        conninfo: "host=/nonexistent/almedalen-openapi-test dbname=none connect_timeout=1",
        maxConnections: 1)))

  var document: [String: Any] {
    get throws {
      try #require(
        try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json)) as? [String: Any])
    }
  }

  /// Every operation: (`GET /api/v1/events/{id}`, the operation object).
  func operations() throws -> [(key: String, path: String, operation: [String: Any])] {
    let paths = try #require(try document["paths"] as? [String: [String: Any]])
    var found: [(key: String, path: String, operation: [String: Any])] = []
    for (path, item) in paths {
      for (method, value) in item where Self.methods.contains(method) {
        let operation = try #require(value as? [String: Any], "\(method) \(path)")
        found.append(("\(method.uppercased()) \(path)", path, operation))
      }
    }
    return found.sorted { $0.key < $1.key }
  }

  @Test func isOpenAPI31() throws {
    let document = try document
    #expect(document["openapi"] as? String == "3.1.0")
    let schemes = (document["components"] as? [String: Any])?["securitySchemes"]
    let bearer = (schemes as? [String: Any])?["bearer"] as? [String: Any]
    #expect(bearer?["type"] as? String == "http")
    #expect(bearer?["scheme"] as? String == "bearer")
  }

  @Test func documentsExactlyTheRoutes() throws {
    let routed = Set(application.routes.map { "\($0.method) \($0.path)" })
    let documented = Set(try operations().map(\.key))
    #expect(routed.count == application.routes.count, "a route is registered twice")
    #expect(routed.subtracting(documented).sorted() == [], "routed but not documented")
    #expect(documented.subtracting(routed).sorted() == [], "documented but not routed")
    #expect(routed.contains("GET /api/v1/openapi.json"))
  }

  @Test func operationsNeedingATokenSayItAndAnswer401() throws {
    let global = try #require(try document["security"] as? [[String: Any]])
    for (key, path, operation) in try operations() {
      let security = operation["security"] as? [[String: Any]] ?? global
      let responses = operation["responses"] as? [String: Any] ?? [:]
      // The route itself decides: without a token it answers 401 or it does not.
      let method = String(key.prefix { $0 != " " })
      let target = path.replacingOccurrences(of: "{id}", with: UUID().uuidString.lowercased())
      var headers: HTTPHeaders = [:]
      if method == "POST" || method == "PATCH" { headers.set("Content-Type", "application/json") }
      if method == "PATCH" { headers.set("If-Match", "\"v1\"") }
      let request = try Request(
        method: method, target: target, headers: headers, body: Array("{}".utf8))
      let status = try application.respond(to: request).status
      if status == 401 {
        #expect(!security.isEmpty, "\(key) answers 401 without a token but needs none")
        #expect(responses["401"] != nil, "\(key) does not document 401")
        #expect(responses["503"] != nil, "\(key) checks a token but does not document 503")
      } else {
        #expect(security.isEmpty, "\(key) answers \(status) without a token but asks for one")
        #expect(responses["401"] == nil, "\(key) documents a 401 it never gives")
      }
    }
  }

  @Test func everyPathParameterIsDeclaredAsAnId() throws {
    for (key, path, operation) in try operations() {
      // `{id}` or `{id}.ics`: the name between the braces.
      let names = path.split(separator: "/").filter { $0.hasPrefix("{") }.map {
        String($0.dropFirst().prefix { $0 != "}" })
      }
      let declared = (operation["parameters"] as? [[String: Any]] ?? []).filter {
        $0["in"] as? String == "path"
      }
      #expect(declared.compactMap { $0["name"] as? String }.sorted() == names.sorted(), "\(key)")
      for parameter in declared {
        #expect(parameter["required"] as? Bool == true, "\(key)")
        let schema = parameter["schema"] as? [String: Any]
        #expect(schema?["type"] as? String == "string", "\(key)")
        if parameter["name"] as? String == "token" {
          // An attendee's secret: base64url of 32 random bytes.
          #expect(schema?["pattern"] as? String == "^[A-Za-z0-9_-]{43}$", "\(key)")
        } else {
          #expect(schema?["format"] as? String == "uuid", "\(key)")
        }
      }
    }
  }

  @Test func operationIDsAreUnique() throws {
    let ids = try operations().compactMap { $0.operation["operationId"] as? String }
    #expect(ids.count == (try operations().count))
    #expect(Set(ids).count == ids.count)
  }

  /// Every `$ref` names something in `components`, and every error answer of the API is
  /// `application/problem+json`.
  @Test func referencesResolveAndErrorsAreProblems() throws {
    let document = try document
    var references: [String] = []
    func walk(_ value: Any) {
      if let object = value as? [String: Any] {
        if let reference = object["$ref"] as? String { references.append(reference) }
        object.values.forEach(walk)
      } else if let array = value as? [Any] {
        array.forEach(walk)
      }
    }
    walk(document)
    #expect(!references.isEmpty)
    for reference in Set(references) {
      #expect(reference.hasPrefix("#/components/"), "\(reference)")
      var node: Any? = document
      for part in reference.dropFirst(2).split(separator: "/") {
        node = (node as? [String: Any])?[String(part)]
      }
      #expect(node != nil, "\(reference) does not resolve")
    }
    let responses = try #require(
      (document["components"] as? [String: Any])?["responses"] as? [String: [String: Any]])
    for (name, response) in responses where name != "ContentTooLarge" {
      let content = response["content"] as? [String: Any] ?? [:]
      #expect(content["application/problem+json"] != nil, "\(name)")
    }
  }

  @Test func isServedWithCacheControl() throws {
    let response = try application.respond(
      to: try Request(method: "GET", target: "/api/v1/openapi.json"))
    #expect(response.status == 200)
    #expect(response.headers["Content-Type"] == "application/json")
    #expect(response.headers["Cache-Control"] == "max-age=300")
    #expect(response.body == OpenAPIDocument.json)
  }
}
