import Foundation
import LoopbackTesting
import Testing

@testable import HTTPServer

/// What the server adds to, and does with, a handler's answer: framing, Date, request ids,
/// gzip, and the access log.
@Suite struct ResponseTests {
  /// IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`.
  static func isIMFFixdate(_ text: String) -> Bool {
    text.wholeMatch(
      of:
        #/(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT/#
    ) != nil
  }

  @Test func responsesCarryContentLengthDateAndTheHandlersHeaders() throws {
    try withHTTPTestServer(
      testConfiguration(),
      handler: ClosureResponder { _ in
        Response(
          status: 201,
          headers: [
            "Content-Type": "application/json", "Cache-Control": "no-store", "Set-Cookie": "a=1",
            "set-cookie": "b=2", "Location": "/items/7",
          ],
          body: Array("{\"id\":7}".utf8))
      }
    ) { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange(
        "POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
      #expect(response.status == 201)
      #expect(response.reason == "Created")
      #expect(response.header("Content-Length") == "8")
      #expect(response.headerValues("Content-Length").count == 1)
      let date = try #require(response.header("Date"))
      #expect(Self.isIMFFixdate(date), "Date: \(date)")
      #expect(response.header("Content-Type") == "application/json")
      #expect(response.header("Cache-Control") == "no-store")
      #expect(response.headerValues("Set-Cookie") == ["a=1", "b=2"])
      #expect(response.header("Location") == "/items/7")
      #expect(response.text == "{\"id\":7}")
    }
  }

  @Test(arguments: [204, 304])
  func bodilessStatusesHaveNoContentLengthAndNoBody(_ status: Int) throws {
    try withHTTPTestServer(
      testConfiguration(),
      handler: ClosureResponder { _ in
        Response(status: status, headers: ["ETag": "\"e\""], body: Array("x".utf8))
      }
    ) { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange(getRequest("/"))
      #expect(response.status == status)
      #expect(response.header("Content-Length") == nil)
      #expect(response.header("Date") != nil)
      #expect(response.header("ETag") == "\"e\"")
      // Nothing follows the head: the next answer on this connection parses cleanly.
      #expect(client.staysOpen(for: .milliseconds(50)))
      #expect(client.buffer.isEmpty)
      #expect(try client.exchange(getRequest("/")).status == status)
    }
  }

  @Test func theServerOwnsTheFramingHeaders() throws {
    try withHTTPTestServer(
      testConfiguration(),
      handler: ClosureResponder { _ in
        Response(
          headers: [
            "Content-Length": "999", "Transfer-Encoding": "chunked", "Connection": "close",
            "Keep-Alive": "timeout=99", "Date": "yesterday",
          ],
          body: Array("real".utf8))
      }
    ) { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange(getRequest("/"))
      #expect(response.text == "real")
      #expect(response.headerValues("Content-Length") == ["4"])
      #expect(response.header("Transfer-Encoding") == nil)
      #expect(response.header("Connection") == nil)
      #expect(response.header("Keep-Alive") == nil)
      #expect(response.headerValues("Date").count == 1)
      #expect(response.header("Date") != "yesterday")
      #expect(client.staysOpen(for: .milliseconds(50)))
      #expect(try client.exchange(getRequest("/")).text == "real")
    }
  }

  /// A header value (or name) holding CR LF must not end the head early: the handler's text
  /// would become headers, or a whole second response (response splitting).
  @Test(arguments: ["\r\n", "\n", "\r"])
  func handlerHeadersCannotSplitResponses(_ lineBreak: String) throws {
    try withHTTPTestServer(
      testConfiguration(),
      handler: ClosureResponder { _ in
        Response(
          headers: [
            "X-Injected": "a\(lineBreak)X-Evil: yes\(lineBreak)\(lineBreak)HTTP/1.1 200 OK",
            "X-Name\(lineBreak)X-Evil-Name": "v",
          ],
          body: Array("real".utf8))
      }
    ) { server in
      let client = try WireClient(port: server.port)
      let check = {
        let response = try client.exchange(getRequest("/"))
        #expect(response.text == "real")
        #expect(response.header("X-Evil") == nil)
        #expect(response.headers.allSatisfy { !$0.name.hasPrefix("X-Evil") })
        #expect(response.headerValues("Content-Length") == ["4"])
        #expect(client.buffer.isEmpty)
      }
      try check()
    }
  }

  @Test func handlerErrorsBecome500AndTheConnectionLivesOn() throws {
    struct Boom: Error {}
    let lines = SharedList<String>()
    try withHTTPTestServer(
      loggingConfiguration(into: lines),
      handler: ClosureResponder { request in
        if request.path == "/boom" { throw Boom() }
        return .text("fine")
      }
    ) { server in
      let client = try WireClient(port: server.port)
      let failed = try client.exchange(getRequest("/boom"))
      #expect(failed.status == 500)
      #expect(try client.exchange(getRequest("/")).text == "fine")
      #expect(lines.all.contains { $0.contains("event=handler_failed") })
    }
  }

  @Test func saneRequestIdsAreEchoed() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(
      testConfiguration(),
      handler: ClosureResponder { request in
        seen.append(request)
        return .text("ok")
      }
    ) { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange(getRequest("/", "X-Request-Id: req-42.abc_DEF\r\n"))
      #expect(response.header("X-Request-Id") == "req-42.abc_DEF")
      #expect(seen.all.first?.requestID == "req-42.abc_DEF")
    }
  }

  @Test(arguments: [
    "", "X-Request-Id: \r\n", "X-Request-Id: has space\r\n", "X-Request-Id: quo\"te\r\n",
    "X-Request-Id: \(String(repeating: "a", count: 129))\r\n", "X-Request-Id: caf\u{E9}\r\n",
  ])
  func missingOrInsaneRequestIdsAreReplaced(_ header: String) throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(
      testConfiguration(),
      handler: ClosureResponder { request in
        seen.append(request)
        return .text("ok")
      }
    ) { server in
      let client = try WireClient(port: server.port)
      let first = try client.exchange(getRequest("/", header))
      let second = try client.exchange(getRequest("/", header))
      let id = try #require(first.header("X-Request-Id"))
      let sent = header.dropFirst("X-Request-Id: ".count).dropLast(2)
      #expect(!id.isEmpty && id != String(sent))
      #expect((1...128).contains(id.utf8.count))
      #expect(id.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "\"") }, "\(id)")
      #expect(second.header("X-Request-Id") != id, "generated ids are unique")
      #expect(seen.all.first?.requestID == id)
    }
  }

  @Test func refusalsCarryARequestIdToo() throws {
    try withHTTPTestServer { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange("GET / HTTP/1.1\r\n\r\n")
      #expect(response.status == 400)
      #expect(response.header("X-Request-Id")?.isEmpty == false)
      #expect(response.header("Date") != nil)
      #expect(response.header("Content-Length") == String(response.body.count))
    }
  }

  // MARK: gzip

  static let page = Array(
    String(repeating: "<li>Seminarium om landsbygden, Donners plats, 10:00</li>\n", count: 100)
      .utf8)

  static func gzipServer(minimum: Int = 512) -> Configuration {
    testConfiguration { $0.minimumCompressionBytes = minimum }
  }

  static let compressibleHandler = ClosureResponder { request in
    switch request.path {
    case "/small": Response(body: Array("tiny".utf8), compressible: true)
    case "/fixed": Response(body: page, compressible: false)
    default:
      Response(headers: ["Content-Type": "text/html"], body: page, compressible: true)
    }
  }

  @Test func gzipWhenAcceptedCompressibleAndLargeEnough() throws {
    try withHTTPTestServer(Self.gzipServer(), handler: Self.compressibleHandler) { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange(getRequest("/page", "Accept-Encoding: br, gzip\r\n"))
      #expect(response.status == 200)
      #expect(response.header("Content-Encoding") == "gzip")
      #expect(response.headerValues("Vary").contains { $0.lowercased() == "accept-encoding" })
      #expect(response.header("Content-Length") == String(response.body.count))
      #expect(response.body.count < Self.page.count)
      #expect(try systemGunzip(response.body) == Self.page)
      #expect(Gzip.decompress(response.body, limit: 1 << 20) == Self.page)
      #expect(response.header("Content-Type") == "text/html")
      // HEAD announces the same (compressed) length.
      let head = try client.exchange(
        "HEAD /page HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n", head: true)
      #expect(head.header("Content-Encoding") == "gzip")
      #expect(head.header("Content-Length") == response.header("Content-Length"))
    }
  }

  @Test(arguments: ["", "Accept-Encoding: identity\r\n", "Accept-Encoding: gzip;q=0\r\n"])
  func noGzipWhenNotAccepted(_ header: String) throws {
    try withHTTPTestServer(Self.gzipServer(), handler: Self.compressibleHandler) { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange(getRequest("/page", header))
      #expect(response.header("Content-Encoding") == nil)
      #expect(response.body == Self.page)
      // The answer depends on Accept-Encoding, so caches must know.
      #expect(response.headerValues("Vary").contains { $0.lowercased() == "accept-encoding" })
    }
  }

  @Test func noGzipBelowTheMinimumOrWhenNotCompressible() throws {
    try withHTTPTestServer(Self.gzipServer(), handler: Self.compressibleHandler) { server in
      let client = try WireClient(port: server.port)
      let small = try client.exchange(getRequest("/small", "Accept-Encoding: gzip\r\n"))
      #expect(small.header("Content-Encoding") == nil)
      #expect(small.text == "tiny")
      let fixed = try client.exchange(getRequest("/fixed", "Accept-Encoding: gzip\r\n"))
      #expect(fixed.header("Content-Encoding") == nil)
      #expect(fixed.header("Vary") == nil)
      #expect(fixed.body == Self.page)
    }
  }

  // MARK: Access log

  @Test func theAccessLogHasOneLinePerRequestWithoutTheQuery() throws {
    let lines = SharedList<String>()
    try withHTTPTestServer(
      loggingConfiguration(into: lines),
      handler: ClosureResponder { request in
        request.method == "POST"
          ? Response(status: 201, body: Array("created".utf8)) : .text("hello")
      }
    ) { server in
      let client = try WireClient(port: server.port)
      _ = try client.exchange(
        getRequest("/events/42?token=secret-value&day=3", "X-Request-Id: log-1\r\n"))
      _ = try client.exchange(
        "POST /registrations HTTP/1.1\r\nHost: x\r\nX-Request-Id: log-2\r\n"
          + "Content-Length: 3\r\n\r\nabc")
      _ = try client.exchange(
        "HEAD /events/42 HTTP/1.1\r\nHost: x\r\nX-Request-Id: log-3\r\n\r\n", head: true)
      let log = lines.all
      try #require(log.count == 3, "\(log)")
      let fields = log.map(Self.fields)
      #expect(fields[0]["method"] == "GET")
      #expect(fields[0]["path"] == "/events/42")
      #expect(fields[0]["status"] == "200")
      #expect(fields[0]["bytes"] == "5")
      #expect(fields[0]["id"] == "log-1")
      #expect(fields[0]["duration_ms"].flatMap(Double.init).map { $0 >= 0 && $0 < 5000 } == true)
      #expect(!log[0].contains("secret") && !log[0].contains("token"))
      #expect(fields[1]["method"] == "POST")
      #expect(fields[1]["path"] == "/registrations")
      #expect(fields[1]["status"] == "201")
      #expect(fields[1]["bytes"] == "7")
      #expect(fields[1]["id"] == "log-2")
      #expect(fields[2]["method"] == "HEAD")
      #expect(fields[2]["bytes"] == "0")
      #expect(fields[2]["id"] == "log-3")
      for line in log {
        #expect(line.contains(" duration_ms="))
        #expect(line.contains("remote=127.0.0.1:\(client.localPort)"))
      }
    }
  }

  @Test func theAccessLogRecordsRefusalsAndQuotesHostileValues() throws {
    let lines = SharedList<String>()
    try withHTTPTestServer(loggingConfiguration(into: lines)) { server in
      let refused = try WireClient(port: server.port)
      let response = try refused.exchange("GET / HTTP/1.1\r\nX-Request-Id: bad-1\r\n\r\n")
      #expect(response.status == 400)
      let client = try WireClient(port: server.port)
      _ = try client.exchange(getRequest("/a%20b%22%0Aevent=forged"))
      let log = lines.all
      try #require(log.count == 2, "\(log)")
      #expect(log[0].contains("status=400"))
      #expect(log[0].contains("reason="))
      #expect(log.allSatisfy { !$0.contains("\n") })
      #expect(log[1].contains(#"path="/a b\"\x0aevent=forged""#))
      #expect(Self.fields(log[1])["event"] == "request")
    }
  }

  /// `key=value` pairs of a log line, honouring quoted values.
  static func fields(_ line: String) -> [String: String] {
    var result: [String: String] = [:]
    var index = line.startIndex
    while index < line.endIndex {
      while index < line.endIndex && line[index] == " " { index = line.index(after: index) }
      guard let equals = line[index...].firstIndex(of: "=") else { break }
      let key = String(line[index..<equals])
      var cursor = line.index(after: equals)
      var value = ""
      if cursor < line.endIndex && line[cursor] == "\"" {
        cursor = line.index(after: cursor)
        while cursor < line.endIndex && line[cursor] != "\"" {
          if line[cursor] == "\\" { cursor = line.index(after: cursor) }
          value.append(line[cursor])
          cursor = line.index(after: cursor)
        }
        if cursor < line.endIndex { cursor = line.index(after: cursor) }
      } else {
        while cursor < line.endIndex && line[cursor] != " " {
          value.append(line[cursor])
          cursor = line.index(after: cursor)
        }
      }
      if result[key] == nil { result[key] = value }
      index = cursor
    }
    return result
  }
}
