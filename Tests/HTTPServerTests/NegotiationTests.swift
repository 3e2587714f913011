import Testing

@testable import HTTPServer

@Suite struct NegotiationTests {
  func request(_ headers: [(String, String)]) throws -> Request {
    var fields: HTTPHeaders = [:]
    for (name, value) in headers { fields.add(name, value) }
    return try Request(method: "POST", target: "/", headers: fields)
  }

  @Test func mediaTypeReadsEssenceAndParameters() throws {
    let type = try #require(MediaType("Text/HTML; Charset=\"utf-8\"; q=x"))
    #expect(type.essence == "text/html")
    #expect(type.parameters == ["charset": "utf-8", "q": "x"])
  }

  @Test(arguments: ["", "text", "text/", "/html", "text/html/x", "te xt/html", "text /html;"])
  func mediaTypeRefusesWhatIsNone(_ text: String) {
    #expect(MediaType(text) == nil)
  }

  @Test(arguments: [
    ("application/json", true), ("application/json; charset=utf-8", true),
    ("application/problem+json", true), ("APPLICATION/JSON", true), ("text/plain", false),
    ("application/jsonx", false), ("application/json charset=utf-8", false),
  ])
  func jsonBodiesAreRecognised(_ header: String, _ expected: Bool) throws {
    #expect((try request([("Content-Type", header)]).contentType?.isJSON ?? false) == expected)
  }

  @Test func noContentTypeIsNoMediaType() throws {
    #expect(try request([]).contentType == nil)
  }

  @Test(
    arguments: [
      (nil, "application/json"), ("text/csv", "text/csv"), ("*/*", "application/json"),
      ("text/*", "text/csv"), ("text/csv;q=0", nil),
      ("text/csv, */*;q=0.1", "text/csv"), ("application/json;q=0.5, text/csv", "text/csv"),
      ("application/json, text/csv", "application/json"),
      ("text/csv;q=0.9, */*", "application/json"),
      ("image/png", nil), ("text/*;q=0, text/csv", "text/csv"),
    ] as [(String?, String?)])
  func acceptChoosesTheMostWantedOfferedType(_ accept: String?, _ expected: String?) throws {
    let request = try request(accept.map { [("Accept", $0)] } ?? [])
    #expect(request.preferredMediaType(["application/json", "text/csv"]) == expected)
  }

  @Test func weightedListsReadWeightsAndParameters() {
    let list = WeightedElement.list("gzip;q=0.5, , br;level=\"4\";q=x, *")
    #expect(list.map(\.value) == ["gzip", "br", "*"])
    #expect(list.map(\.weight) == [0.5, 0, 1])
    #expect(list[1].parameters == ["level": "4"])
  }
}
