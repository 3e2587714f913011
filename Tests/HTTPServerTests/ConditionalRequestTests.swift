import Testing

@testable import HTTPServer

@Suite struct ConditionalRequestTests {
  func request(_ headers: [(String, String)], method: String = "GET") throws -> Request {
    var fields: HTTPHeaders = [:]
    for (name, value) in headers { fields.add(name, value) }
    return try Request(method: method, target: "/feed", headers: fields)
  }

  @Test(arguments: [
    ("\"abc\"", true), ("W/\"abc\"", true), ("\"x\", \"abc-gz\"", true), ("*", true),
    ("\"abcd\"", false), ("abc", false), ("\"\"", false), ("", false),
  ])
  func ifNoneMatchComparesWeaklyAgainstEveryTag(_ header: String, _ expected: Bool) throws {
    let request = try request([("If-None-Match", header)])
    #expect(request.isNotModified(entityTags: ["abc", "abc-gz"], lastModified: 0) == expected)
  }

  @Test func ifNoneMatchWinsOverIfModifiedSince() throws {
    let request = try request([
      ("If-None-Match", "\"other\""), ("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ])
    #expect(!request.isNotModified(entityTags: ["abc"], lastModified: 784_111_777))
  }

  @Test func ifModifiedSinceComparesWholeSeconds() throws {
    let request = try request([("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")])
    #expect(request.isNotModified(entityTags: ["abc"], lastModified: 784_111_777))
    #expect(request.isNotModified(entityTags: ["abc"], lastModified: 784_111_700))
    #expect(!request.isNotModified(entityTags: ["abc"], lastModified: 784_111_778))
    #expect(!request.isNotModified(entityTags: ["abc"], lastModified: nil))
  }

  @Test func onlyGetAndHeadAreAnsweredNotModified() throws {
    #expect(
      try request([("If-None-Match", "*")], method: "HEAD").isNotModified(
        entityTags: ["a"], lastModified: nil))
    #expect(
      !(try request([("If-None-Match", "*")], method: "POST").isNotModified(
        entityTags: ["a"], lastModified: nil)))
  }

  @Test(arguments: [
    ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777),
    ("Sunday, 06-Nov-94 08:49:37 GMT", 784_111_777),
    ("Sun Nov  6 08:49:37 1994", 784_111_777),
    ("Tue, 29 Feb 2000 00:00:00 GMT", 951_782_400),
    ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
  ])
  func parsesTheThreeHTTPDateForms(_ text: String, _ seconds: Int) {
    #expect(HTTPDate.parse(text) == seconds)
  }

  @Test(arguments: [
    "Sun, 31 Feb 2026 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:49 GMT",
    "Sun, 06 Nov 1994 08:49:37 CET", "Sun, 06 Nov 94 08:49:37 GMT", "yesterday", "",
    "Sun, 06 Foo 1994 08:49:37 GMT",
  ])
  func refusesWhatIsNoHTTPDate(_ text: String) {
    #expect(HTTPDate.parse(text) == nil)
  }

  @Test func parsesWhatItFormats() {
    for seconds in stride(from: 0, to: 4_000_000_000, by: 86_400 * 37 + 3_601) {
      #expect(HTTPDate.parse(HTTPDate.format(seconds)) == seconds)
    }
  }
}
