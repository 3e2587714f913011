import Foundation
import KeyValueLog
import LoopbackTesting
import Testing

@testable import HTTPServer

/// The server's own answers (refusals, timeouts, a handler that throws) are RFC 9457
/// problems like a handler's, carry the headers configured for every answer, and are
/// logged through the one writer, escaped.
@Suite struct ServerRefusalTests {
  /// Reads an RFC 9457 body: `type`, `title`, `status` equal to the answer's, `detail`.
  static func expectProblem(
    _ response: HTTPReply, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(response.status == status, "\(response)", sourceLocation: sourceLocation)
    #expect(
      response.header("Content-Type") == "application/problem+json", "\(response)",
      sourceLocation: sourceLocation)
    let object =
      (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    #expect(
      object["type"] as? String == "about:blank", "\(response)", sourceLocation: sourceLocation)
    #expect(
      object["title"] as? String == Response.reason(status), "\(response)",
      sourceLocation: sourceLocation)
    #expect(object["status"] as? Int == status, "\(response)", sourceLocation: sourceLocation)
    #expect(
      (object["detail"] as? String)?.isEmpty == false, "\(response)",
      sourceLocation: sourceLocation)
  }

  static let everyAnswer: HTTPHeaders = [
    "X-Content-Type-Options": "nosniff", "Strict-Transport-Security": "max-age=31536000",
  ]

  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var request: String
    var status: Int
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(
      name: "broken percent-escape in the query",
      request: "GET /?q=%zz HTTP/1.1\r\nHost: x\r\n\r\n",
      status: 400),
    Case(
      name: "broken percent-escape in the path", request: "GET /a%g1 HTTP/1.1\r\nHost: x\r\n\r\n",
      status: 400),
    Case(
      name: "body over the limit",
      request: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n", status: 413),
    Case(
      name: "head over the limit",
      request: "GET /\(String(repeating: "a", count: 3000)) HTTP/1.1\r\nHost: x\r\n\r\n",
      status: 431),
    Case(
      name: "too many fields",
      request: "GET / HTTP/1.1\r\nHost: x\r\n"
        + (0..<12).map { "X-F\($0): 1\r\n" }.joined() + "\r\n", status: 431),
    Case(name: "HTTP/2.0", request: "GET / HTTP/2.0\r\nHost: x\r\n\r\n", status: 505),
    Case(
      name: "unknown transfer coding with a hostile name",
      request: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \"x\\\r\n\r\n", status: 501),
    Case(name: "malformed request line", request: "GET /\r\nHost: x\r\n\r\n", status: 400),
  ]

  @Test(arguments: cases)
  func refusalsAreProblemsWithTheHeadersOfEveryAnswer(_ refusal: Case) throws {
    let lines = SharedList<LogLine>()
    try withHTTPTestServer(
      testConfiguration {
        $0.maxBodyBytes = 1000
        $0.maxHeaderBytes = 2048
        $0.maxHeaderFields = 10
        $0.responseHeaders = Self.everyAnswer
        $0.logSink = { lines.append($0) }
      }
    ) { server in
      let client = try WireClient(port: server.port)
      try client.send(refusal.request)
      let response = try client.readResponse(timeout: .seconds(4))
      Self.expectProblem(response, refusal.status)
      #expect(response.header("X-Content-Type-Options") == "nosniff")
      #expect(response.header("Strict-Transport-Security") == "max-age=31536000")
      #expect(response.header("Connection") == "close")
      #expect(client.waitForClose(), "the connection stayed open")
      let log = lines.all.map(\.text)
      #expect(log.count == 1 && log[0].contains("status=\(refusal.status)"), "\(log)")
      #expect(log.allSatisfy { !$0.contains("\r") && !$0.contains("\n") })
    }
  }

  /// A client that goes on sending a body the server refused still reads the answer: the
  /// server half-closes and drops the rest instead of resetting the connection, within its
  /// time and byte bounds (RFC 9112 §9.6).
  @Test func aRefusedBodyThatKeepsComingStillGetsItsAnswer() throws {
    try withHTTPTestServer(testConfiguration { $0.maxBodyBytes = 1000 }) { server in
      for _ in 0..<5 {
        let client = try WireClient(port: server.port)
        try client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n")
        // The server has answered 413 before most of this arrives.
        pause(.milliseconds(50))
        for _ in 0..<(3_000_000 / 65_536) {
          try client.send([UInt8](repeating: 32, count: 65_536))
        }
        let response = try client.readResponse(timeout: .seconds(4))
        Self.expectProblem(response, 413)
        #expect(client.waitForClose(), "the connection stayed open")
      }
    }
  }

  /// The lingering is bounded: a client that never stops sending is cut off after
  /// `lingerBytes`.
  @Test func lingeringStopsAfterItsBytes() throws {
    try withHTTPTestServer(
      testConfiguration {
        $0.maxBodyBytes = 1000
        $0.lingerBytes = 256 * 1024
      }
    ) { server in
      let client = try WireClient(port: server.port)
      try client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
      var cutOff = false
      for _ in 0..<(64 * 1024 * 1024 / 65_536) {
        do {
          try client.send([UInt8](repeating: 32, count: 65_536))
        } catch {
          cutOff = true
          break
        }
      }
      #expect(cutOff, "the server read 64 MiB after its refusal")
    }
  }

  @Test func aStalledHeadGetsA408Problem() throws {
    try withHTTPTestServer(
      testConfiguration {
        $0.headerReadTimeout = .milliseconds(300)
        $0.responseHeaders = Self.everyAnswer
      }
    ) { server in
      let client = try WireClient(port: server.port)
      try client.send("GET / HTTP/1.1\r\nHost: x\r\n")
      let response = try client.readResponse(timeout: .seconds(4))
      Self.expectProblem(response, 408)
      #expect(response.header("X-Content-Type-Options") == "nosniff")
    }
  }

  /// A handler that throws: 500 as a problem, and an `handler_failed` line in which the
  /// error's text (a database's message that echoes a client's bytes) is escaped.
  @Test func aThrowingHandlerIsA500ProblemAndAnEscapedLogLine() throws {
    struct Hostile: Error, CustomStringConvertible {
      var description: String {
        "bad \"x\u{1B}[2J\r\nlevel=info event=request status=200\u{9B}1A\u{2028}\u{7F}\""
      }
    }
    let lines = SharedList<LogLine>()
    try withHTTPTestServer(
      testConfiguration {
        $0.responseHeaders = Self.everyAnswer
        $0.logSink = { lines.append($0) }
      },
      handler: ClosureResponder { _ in throw Hostile() }
    ) { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange(getRequest("/boom", "X-Request-Id: boom-1\r\n"))
      Self.expectProblem(response, 500)
      #expect(response.header("X-Content-Type-Options") == "nosniff")
      #expect(!response.text.contains("bad"), "the error's text reached the client")
      let log = lines.all.map(\.text)
      let failed = try #require(log.first { $0.contains("event=handler_failed") }, "\(log)")
      #expect(failed.contains("id=boom-1"))
      for raw in ["\u{1B}", "\r", "\n", "\u{9B}", "\u{2028}", "\u{7F}"] {
        #expect(!failed.contains(raw), "\(raw.debugDescription) reached the log: \(failed)")
      }
      #expect(failed.contains(#"\x1b[2J\x0d\x0alevel=info"#), "\(failed)")
      #expect(log.count == 2, "one handler_failed and one access line: \(log)")
    }
  }

  /// The headers of every answer are added to a handler's, which wins where it sets one.
  @Test func theHeadersOfEveryAnswerJoinAHandlersOwn() throws {
    try withHTTPTestServer(
      testConfiguration { $0.responseHeaders = Self.everyAnswer },
      handler: ClosureResponder { request in
        request.path == "/own"
          ? Response(headers: ["Strict-Transport-Security": "max-age=60"], body: [])
          : .text("ok")
      }
    ) { server in
      let client = try WireClient(port: server.port)
      let plain = try client.exchange(getRequest("/"))
      #expect(plain.header("X-Content-Type-Options") == "nosniff")
      #expect(plain.headerValues("Strict-Transport-Security") == ["max-age=31536000"])
      let own = try client.exchange(getRequest("/own"))
      #expect(own.headerValues("Strict-Transport-Security") == ["max-age=60"])
      #expect(own.header("X-Content-Type-Options") == "nosniff")
    }
  }

  /// Whatever the client puts in its path, the access line stays one line.
  @Test func theAccessLogEscapesEveryControlCharacterOfAPath() throws {
    let lines = SharedList<LogLine>()
    try withHTTPTestServer(testConfiguration { $0.logSink = { lines.append($0) } }) { server in
      let client = try WireClient(port: server.port)
      _ = try client.exchange(getRequest("/a%1B%5B2J%C2%9B%E2%80%A8%7Fb"))
      let line = try #require(lines.all.first?.text)
      for raw in ["\u{1B}", "\u{9B}", "\u{2028}", "\u{7F}"] {
        #expect(!line.contains(raw), "\(raw.debugDescription) reached the log: \(line)")
      }
      #expect(line.contains(#"path="/a\x1b[2J\x9b\u{2028}\x7fb""#), "\(line)")
    }
  }
}
