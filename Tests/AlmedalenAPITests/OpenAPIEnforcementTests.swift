import AlmedalenAPI
import AlmedalenCore
import AlmedalenTesting
import Foundation
import HTTPServer
import LoopbackTesting
import Testing

/// Issue 19, finding 12: the OpenAPI document says what the server enforces, and its text
/// holds no raw control character.
@Suite struct OpenAPIEnforcementTests {
  static let methods = ["get", "post", "patch", "delete"]

  var document: [String: Any] {
    get throws {
      try #require(
        try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json)) as? [String: Any])
    }
  }

  /// Every operation: (`GET /api/v1/events`, the operation object).
  func operations() throws -> [(key: String, operation: [String: Any])] {
    let paths = try #require(try document["paths"] as? [String: [String: Any]])
    var found: [(key: String, operation: [String: Any])] = []
    for (path, item) in paths {
      for (method, value) in item where Self.methods.contains(method) {
        found.append(("\(method.uppercased()) \(path)", try #require(value as? [String: Any])))
      }
    }
    return found.sorted { $0.key < $1.key }
  }

  /// Every query parameter called `name`, by operation.
  func queryParameters(_ name: String) throws -> [(key: String, schema: [String: Any])] {
    try operations().compactMap { key, operation in
      let parameters = operation["parameters"] as? [[String: Any]] ?? []
      guard let parameter = parameters.first(where: { $0["name"] as? String == name }) else {
        return nil
      }
      return (key, try #require(parameter["schema"] as? [String: Any], "\(key)"))
    }
  }

  /// Whether `pattern` (as JSON Schema reads it: unanchored search) matches `text`.
  func matches(_ pattern: String, _ text: String) throws -> Bool {
    let expression = try NSRegularExpression(pattern: pattern)
    let range = NSRange(text.startIndex..., in: text)
    return expression.firstMatch(in: text, range: range) != nil
  }

  /// The patterns carried raw DEL, C1 controls and U+2028/U+2029, which YAML readers refuse;
  /// now no scalar of the document's text is a control character (the JSON writer escapes
  /// them, and the patterns are written with `\uXXXX`).
  @Test func theDocumentTextHoldsNoRawControlCharacter() throws {
    let text = try #require(String(validating: OpenAPIDocument.json, as: UTF8.self))
    let raw = text.unicodeScalars.filter(TextRules.isControl).map {
      String($0.value, radix: 16)
    }
    #expect(raw == [], "raw control characters in the document")
  }

  /// Issue 19, finding 12: `q` had no pattern and no maxLength, though the server refuses
  /// control characters and more than 200 characters. Now every `q` says both, from the
  /// server's own constant.
  @Test func everySearchParameterSaysTheServersRule() throws {
    let found = try queryParameters("q")
    #expect(found.count >= 7, "\(found.map(\.key))")
    for (key, schema) in found {
      #expect(schema["maxLength"] as? Int == SearchText.maxLength, "\(key)")
      let pattern = try #require(schema["pattern"] as? String, "\(key)")
      #expect(try matches(pattern, "Visby hamn"), "\(key)")
      #expect(try matches(pattern, ""), "\(key): empty is absent")
      for control in ["\u{0}", "\u{1B}", "\u{7F}", "\u{85}", "\u{2028}"] {
        #expect(try !matches(pattern, "a\(control)b"), "\(key) allows U+\(control)")
        #expect(!SearchText.problems("a\(control)b").isEmpty)
      }
    }
  }

  /// Issue 19, finding 12: an empty `language=` or `accessibility=` is absent to the server,
  /// but the patterns refused it.
  @Test func emptyLanguageAndAccessibilityMatchTheirPatterns() throws {
    let language = try queryParameters("language")
    let accessibility = try queryParameters("accessibility")
    #expect(language.count >= 4 && accessibility.count >= 3)
    for (key, schema) in language + accessibility {
      let pattern = try #require(schema["pattern"] as? String, "\(key)")
      #expect(try matches(pattern, ""), "\(key)")
    }
    for (key, schema) in language {
      let pattern = try #require(schema["pattern"] as? String)
      #expect(try matches(pattern, "sv"), "\(key)")
      #expect(try !matches(pattern, "SV"), "\(key)")
    }
    for (key, schema) in accessibility {
      let pattern = try #require(schema["pattern"] as? String)
      #expect(try matches(pattern, "wheelchair,captions"), "\(key)")
      #expect(try !matches(pattern, "wheelchair,"), "\(key)")
    }
  }

  /// Issue 19, finding 12: whitespace-only text passed the schema and was refused. Now the
  /// pattern of every required line needs a character that is not white space, as
  /// `TextRules.isBlank` counts it.
  @Test func linePatternsRefuseBlankText() throws {
    let schemas = try #require(
      (try document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
    let signUp = try #require(schemas["SignUpInput"]?["properties"] as? [String: Any])
    let name = try #require(signUp["name"] as? [String: Any])
    let pattern = try #require(name["pattern"] as? String)
    for blank in [" ", "\u{A0}", "\u{3000}\u{2003}", "\u{1680}"] {
      #expect(TextRules.isBlank(blank))
      #expect(try !matches(pattern, blank), "\(blank.unicodeScalars.map(\.value))")
    }
    #expect(try matches(pattern, "Anna Lind"))
    #expect(try matches(pattern, " Anna "))
    #expect(name["maxLength"] as? Int == FieldLimits.name)
  }

  /// The whitespace ranges the patterns are made from are Unicode's White_Space, scalar for
  /// scalar, so the schema and `TextRules.isBlank` cannot drift apart.
  @Test func whitespaceRangesAreUnicodesWhiteSpace() {
    var differ: [UInt32] = []
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value) else { continue }
      let listed = TextRules.whitespaceRanges.contains { $0.contains(value) }
      if listed != scalar.properties.isWhitespace { differ.append(value) }
    }
    #expect(differ == [])
  }

  /// Every status the server can answer is documented: the HTTP layer's refusals on every
  /// operation, the sign-up's 202 and the attendee token's 201 and 200, 429 where a limit
  /// applies, 412 and 428 for If-Match, 422 for cursors.
  @Test func everyStatusTheServerCanAnswerIsDocumented() throws {
    let operations = Dictionary(uniqueKeysWithValues: try operations())
    func statuses(_ key: String) throws -> Set<String> {
      let operation = try #require(operations[key], "\(key)")
      return Set((operation["responses"] as? [String: Any] ?? [:]).keys)
    }
    for key in operations.keys {
      let documented = try statuses(key)
      #expect(documented.isSuperset(of: ["400", "408", "431", "503"]), "\(key): \(documented)")
      let operation = try #require(operations[key])
      if operation["requestBody"] != nil {
        #expect(documented.isSuperset(of: ["413", "415", "422"]), "\(key)")
      }
    }
    let signUp = try statuses("POST /api/v1/events/{id}/registrations")
    #expect(signUp.isSuperset(of: ["202", "201", "200", "404", "409", "413", "422", "429"]))
    #expect(try statuses("POST /api/v1/registrations/resend").contains("429"))
    #expect(try statuses("PATCH /api/v1/events/{id}").isSuperset(of: ["412", "428"]))
    for list in ["events", "organisers", "venues", "people"] {
      #expect(try statuses("GET /api/v1/\(list)").contains("422"), "\(list)")
    }
  }

  /// Issue 19, finding 12, on the server's side of the same rules: the admin lists read `q`,
  /// `language` and `topic` as the feeds do. A control character in `q` was searched for
  /// (200); an empty `language=` matched no event at all instead of being absent.
  @Test func theListsReadQueryParametersAsTheDocumentSays() throws {
    try withAPIFixture("openapi_lists") { fixture in
      try fixture.storedEvent("Vatten i Visby", venue: fixture.venue.id, published: true)
      let client = fixture.client(fixture.admin)
      let all = try client.get("/api/v1/events")
      #expect(all.status == 200)
      let everything = (all.json["items"] as? [Any])?.count
      #expect(everything == 1)
      for empty in ["language=", "q=", "topic=", "language=&q=&topic="] {
        let reply = try client.get("/api/v1/events?\(empty)")
        #expect(reply.status == 200, "\(empty)")
        #expect((reply.json["items"] as? [Any])?.count == everything, "\(empty)")
      }
      for list in ["events", "organisers", "venues", "people"] {
        expectProblem(try client.get("/api/v1/\(list)?q=a%1Bb"), 422, list)
        expectProblem(try client.get("/api/v1/\(list)?q=a%C2%85b"), 422, list)
        let long = String(repeating: "a", count: SearchText.maxLength + 1)
        expectProblem(try client.get("/api/v1/\(list)?q=\(long)"), 422, list)
        #expect(try client.get("/api/v1/\(list)?q=").status == 200, "\(list)")
      }
      expectProblem(try client.get("/api/v1/events?language=SV"), 422)
      let topic = String(repeating: "t", count: EventDetails.Limits.topicLength + 1)
      expectProblem(try client.get("/api/v1/events?topic=\(topic)"), 422)
      // A schemathesis finding: `topic` allowed any string, NUL included, which the HTTP
      // layer refuses (400) before the handler; and a control character was searched for.
      // Now the document and the server both refuse control characters in a topic.
      for path in ["/api/v1/events", "/feeds/program.ics", "/feeds/program.rss"] {
        expectProblem(try client.get("\(path)?topic=a%1Bb"), 422, path)
      }
      for (key, schema) in try OpenAPIEnforcementTests().queryParameters("topic") {
        let pattern = try #require(schema["pattern"] as? String, "\(key)")
        #expect(try !OpenAPIEnforcementTests().matches(pattern, "t\\\u{0}"), "\(key)")
        #expect(try OpenAPIEnforcementTests().matches(pattern, "Hälsa"), "\(key)")
      }
      // The feeds: an empty item in a list of features is not a feature.
      expectProblem(try client.get("/feeds/program.ics?accessibility=wheelchair,"), 422)
      #expect(try client.get("/feeds/program.ics?accessibility=").status == 200)
    }
  }

  /// A schemathesis finding: `attendee_token` was documented as any line and a malformed one
  /// was ignored (202), so a request breaking the schema was accepted. Now the document
  /// gives the secret's form and the server refuses any other with 422; a well-formed token
  /// that proves nothing still goes by mail, like any other request.
  @Test func aMalformedAttendeeTokenIsRefused() throws {
    try withAPIFixture("openapi_token") { fixture in
      let event = try fixture.openEvent("Med fel nyckel", capacity: 5)
      let client = fixture.client(nil)
      let path = "/api/v1/events/\(event.id.wire)/registrations"
      for token in ["inte en nyckel", "", String(repeating: "A", count: 42) + "="] {
        let reply = try client.post(
          path, ["name": "Anna", "email": "anna@example.se", "attendee_token": token])
        expectProblem(reply, 422, token)
        let fields = (reply.json["errors"] as? [[String: Any]])?.compactMap { $0["field"] }
        #expect(fields as? [String] == ["attendee_token"], "\(token)")
      }
      let wellFormed = try client.post(
        path,
        [
          "name": "Anna", "email": "anna@example.se",
          "attendee_token": String(repeating: "A", count: 43),
        ])
      #expect(wellFormed.status == 202, "\(wellFormed)")
    }
  }
}
