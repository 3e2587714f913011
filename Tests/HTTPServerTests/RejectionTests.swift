import Foundation
import LoopbackTesting
import Testing

@testable import HTTPServer

/// Requests the server must refuse before any handler runs: the right status, then the
/// connection closed, and the server unharmed.
@Suite struct RejectionTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var request: String
    var status: Int
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "request line with two parts", request: "GET /\r\nHost: x\r\n\r\n", status: 400),
    Case(
      name: "request line with four parts", request: "GET / HTTP/1.1 x\r\nHost: x\r\n\r\n",
      status: 400),
    Case(
      name: "double space in request line", request: "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
      status: 400),
    Case(
      name: "tab in request line", request: "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", status: 400),
    Case(name: "method with @", request: "G@T / HTTP/1.1\r\nHost: x\r\n\r\n", status: 400),
    Case(name: "empty method", request: " / HTTP/1.1\r\nHost: x\r\n\r\n", status: 400),
    Case(name: "lowercase version", request: "GET / http/1.1\r\nHost: x\r\n\r\n", status: 400),
    Case(name: "garbage version", request: "GET / HTTP/1.x\r\nHost: x\r\n\r\n", status: 400),
    Case(name: "target not a path", request: "GET foo HTTP/1.1\r\nHost: x\r\n\r\n", status: 400),
    Case(name: "asterisk for GET", request: "GET * HTTP/1.1\r\nHost: x\r\n\r\n", status: 400),
    Case(
      name: "absolute URI without host", request: "GET http:///a HTTP/1.1\r\nHost: x\r\n\r\n",
      status: 400),
    Case(
      name: "non-ASCII in target", request: "GET /\u{E5} HTTP/1.1\r\nHost: x\r\n\r\n", status: 400),
    Case(
      name: "header line without colon", request: "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
      status: 400),
    Case(
      name: "whitespace before colon", request: "GET / HTTP/1.1\r\nHost : x\r\n\r\n", status: 400),
    Case(
      name: "tab before colon", request: "GET / HTTP/1.1\r\nHost: x\r\nX-A\t: 1\r\n\r\n",
      status: 400),
    Case(
      name: "empty field name", request: "GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n", status: 400),
    Case(
      name: "obs-fold with space",
      request: "GET / HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n  continued\r\n\r\n", status: 400),
    Case(
      name: "obs-fold with tab", request: "GET / HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n\tb\r\n\r\n",
      status: 400),
    Case(
      name: "bare LF inside the head",
      request: "GET / HTTP/1.1\r\nHost: x\nX-A: 1\r\n\r\n", status: 400),
    Case(
      name: "bare CR inside the head", request: "GET / HTTP/1.1\r\nHost: x\rX-A: 1\r\n\r\n",
      status: 400),
    Case(
      name: "control character in a value",
      request: "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u{1}b\r\n\r\n",
      status: 400),
    Case(
      name: "Content-Length with Transfer-Encoding",
      request:
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "0\r\n\r\n",
      status: 400),
    Case(
      name: "Transfer-Encoding before Content-Length",
      request:
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
      status: 400),
    Case(
      name: "two equal Content-Length headers",
      request: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
      status: 400),
    Case(
      name: "two different Content-Length headers",
      request: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\nhello!",
      status: 400),
    Case(
      name: "Content-Length list",
      request: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello",
      status: 400),
    Case(
      name: "Content-Length abc",
      request: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
      status: 400),
    Case(
      name: "Content-Length -1",
      request: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
      status: 400),
    Case(
      name: "Content-Length 1 2",
      request: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n",
      status: 400),
    Case(
      name: "Content-Length +5",
      request: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello",
      status: 400),
    Case(
      name: "Content-Length hex",
      request: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x5\r\n\r\nhello",
      status: 400),
    Case(
      name: "Content-Length empty",
      request: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n",
      status: 400),
    Case(
      name: "Content-Length huge",
      request: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
      status: 400),
    Case(
      name: "unknown transfer coding gzip",
      request: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", status: 501),
    Case(
      name: "gzip then chunked",
      request: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
      status: 501),
    Case(
      name: "chunked, chunked",
      request: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
      status: 400),
    Case(
      name: "chunked in two fields",
      request:
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "0\r\n\r\n",
      status: 400),
    Case(
      name: "empty Transfer-Encoding",
      request: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\n\r\n", status: 400),
    Case(
      name: "Transfer-Encoding in HTTP/1.0",
      request: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400),
    Case(name: "HTTP/2.0", request: "GET / HTTP/2.0\r\nHost: x\r\n\r\n", status: 505),
    Case(name: "HTTP/3.0", request: "GET / HTTP/3.0\r\nHost: x\r\n\r\n", status: 505),
    Case(name: "HTTP/0.9", request: "GET / HTTP/0.9\r\nHost: x\r\n\r\n", status: 505),
    Case(name: "HTTP/1.1 without Host", request: "GET / HTTP/1.1\r\n\r\n", status: 400),
    Case(
      name: "two Host headers", request: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      status: 400),
    Case(
      name: "Expect something else",
      request: "POST / HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\n",
      status: 417),
    Case(
      name: "Expect on a GET", request: "GET / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n",
      status: 417),
    Case(
      name: "malformed chunk size",
      request:
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhi\r\n0\r\n\r\n",
      status: 400),
    Case(
      name: "negative chunk size",
      request:
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nx\r\n0\r\n\r\n",
      status: 400),
    Case(
      name: "empty chunk size",
      request: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\r\n0\r\n\r\n",
      status: 400),
    Case(
      name: "chunk size overflowing",
      request:
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nx\r\n",
      status: 400),
    Case(
      name: "chunk data longer than its size",
      request:
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
      status: 400),
    Case(
      name: "chunk size line ending in bare LF",
      request: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n",
      status: 400),
    Case(
      name: "folded trailer",
      request:
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: a\r\n b\r\n\r\n",
      status: 400),
  ]

  @Test(arguments: cases)
  func refused(_ rejection: Case) throws {
    let seen = SharedList<String>()
    try withHTTPTestServer(
      testConfiguration { $0.headerReadTimeout = .seconds(2) },
      handler: ClosureResponder { request in
        seen.append(request.path)
        return .text("handled")
      }
    ) { server in
      let client = try WireClient(port: server.port)
      try client.send(rejection.request)
      let response = try client.readResponse(timeout: .seconds(4))
      #expect(response.status == rejection.status)
      #expect(response.header("Connection") == "close")
      #expect(response.header("Content-Length") == String(response.body.count))
      // An RFC 9457 problem, as every other 4xx and 5xx of the service.
      #expect(response.header("Content-Type") == "application/problem+json", "\(response)")
      let problem =
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
      #expect(problem["status"] as? Int == rejection.status, "\(response)")
      #expect(problem["title"] as? String == Response.reason(rejection.status), "\(response)")
      #expect(client.waitForClose(), "the connection stayed open")
      #expect(seen.count == 0, "a handler saw \(seen.all)")
      try serverAnswers(port: server.port)
    }
  }

  /// A head terminated by bare LFs only, never by CRLF CRLF: refused at once, not left to
  /// time out.
  @Test func headWithOnlyBareLineFeedsIsRefusedAtOnce() throws {
    try withHTTPTestServer(testConfiguration { $0.headerReadTimeout = .seconds(3) }) { server in
      let client = try WireClient(port: server.port)
      try client.send("GET / HTTP/1.1\nHost: x\n\n")
      let start = ContinuousClock.now
      let response = try client.readResponse(timeout: .seconds(2))
      #expect(response.status == 400)
      #expect(ContinuousClock.now - start < .seconds(5))
      #expect(client.waitForClose(timeout: .seconds(3)))
    }
  }

  // MARK: Limits from the configuration

  @Test func oversizedHeaderSectionIs431() throws {
    try withHTTPTestServer(testConfiguration { $0.maxHeaderBytes = 1024 }) { server in
      let complete = try WireClient(port: server.port)
      let response = try complete.exchange(
        getRequest("/", "X-Big: \(String(repeating: "b", count: 2000))\r\n"))
      #expect(response.status == 431)
      #expect(response.closesConnection)
      #expect(complete.waitForClose())

      // A head that never ends is refused as soon as it passes the limit.
      let endless = try WireClient(port: server.port)
      try endless.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "c", count: 1100))
      let refusal = try endless.readResponse(timeout: .seconds(2))
      #expect(refusal.status == 431)
      #expect(endless.waitForClose())

      // Just under the limit is fine.
      let fits = try WireClient(port: server.port)
      let line = getRequest("/", "X-Fit: \(String(repeating: "f", count: 900))\r\n")
      #expect(line.utf8.count < 1024)
      #expect(try fits.exchange(line).status == 200)
    }
  }

  @Test func tooManyHeaderFieldsIs431() throws {
    try withHTTPTestServer(testConfiguration { $0.maxHeaderFields = 10 }) { server in
      let fields = (1...9).map { "X-F\($0): v\r\n" }.joined()
      let ok = try WireClient(port: server.port)
      #expect(try ok.exchange(getRequest("/", fields)).status == 200)  // 10 with Host
      let tooMany = try WireClient(port: server.port)
      let response = try tooMany.exchange(getRequest("/", fields + "X-F10: v\r\n"))
      #expect(response.status == 431)
      #expect(response.closesConnection)
      #expect(tooMany.waitForClose())
    }
  }

  @Test func contentLengthOverTheLimitIs413() throws {
    let seen = SharedList<String>()
    try withHTTPTestServer(
      testConfiguration { $0.maxBodyBytes = 1024 },
      handler: ClosureResponder { request in
        seen.append(request.path)
        return .text("ok")
      }
    ) { server in
      let client = try WireClient(port: server.port)
      try client.send(
        "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n"
          + String(repeating: "x", count: 512))
      let response = try client.readResponse()
      #expect(response.status == 413)
      #expect(response.closesConnection)
      #expect(client.waitForClose())

      // With Expect: 100-continue, the refusal comes instead of the interim answer.
      let polite = try WireClient(port: server.port)
      let refusal = try polite.exchange(
        "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1025\r\nExpect: 100-continue\r\n\r\n")
      #expect(refusal.status == 413)
      #expect(polite.waitForClose())

      // Exactly the limit is accepted.
      let exact = try WireClient(port: server.port)
      let accepted = try exact.exchange(
        "POST /exact HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n"
          + String(repeating: "y", count: 1024))
      #expect(accepted.status == 200)
      #expect(seen.all == ["/exact"])
    }
  }

  @Test func chunkedBodyGrowingOverTheLimitIs413() throws {
    let seen = SharedList<String>()
    try withHTTPTestServer(
      testConfiguration { $0.maxBodyBytes = 1024 },
      handler: ClosureResponder { request in
        seen.append(request.path)
        return .text("ok")
      }
    ) { server in
      let client = try WireClient(port: server.port)
      try client.send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
      let chunk = "200\r\n" + String(repeating: "z", count: 512) + "\r\n"
      try client.send(chunk)
      try client.send(chunk)
      pause(.milliseconds(50))
      #expect(client.staysOpen(for: .milliseconds(50)), "1024 bytes are within the limit")
      try client.send(chunk)
      let response = try client.readResponse()
      #expect(response.status == 413)
      #expect(response.closesConnection)
      #expect(client.waitForClose())
      #expect(seen.count == 0)
    }
  }

  /// Garbage of every kind, many times over, never crashes or wedges the server.
  @Test func garbageNeverHurtsTheServer() throws {
    try withHTTPTestServer(testConfiguration { $0.headerReadTimeout = .seconds(1) }) { server in
      var generator = SplitMix(seed: 7)
      for round in 0..<40 {
        let client = try WireClient(port: server.port)
        var bytes = (0..<(1 + Int(generator.next() % 300))).map {
          _ in UInt8(truncatingIfNeeded: generator.next())
        }
        if round % 2 == 0 { bytes += [13, 10, 13, 10] }
        try? client.send(bytes)
        client.shutdownWrite()
        #expect(client.waitForClose(timeout: .seconds(3)), "round \(round)")
      }
      try serverAnswers(port: server.port)
    }
  }
}

/// A tiny deterministic generator.
struct SplitMix: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
