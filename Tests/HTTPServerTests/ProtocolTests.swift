import Foundation
import LoopbackTesting
import Testing

@testable import HTTPServer

/// The request side of HTTP/1.1 over real sockets: parsing, framing, persistence, pipelining.
@Suite struct ProtocolTests {
  /// Records every request and answers with its path.
  static func recording(_ seen: SharedList<Request>) -> ClosureResponder {
    ClosureResponder { request in
      seen.append(request)
      return .text(request.path)
    }
  }

  @Test func headerNamesAreCaseInsensitiveAndRepeatedFieldsStaySeparate() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(handler: Self.recording(seen)) { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange(
        "GET /h HTTP/1.1\r\nhOsT: example\r\nX-Tag: one\r\nx-tag: two\r\nX-TAG:three \r\n"
          + "accept: */*\r\n\r\n")
      #expect(response.status == 200)
      let request = try #require(seen.all.first)
      #expect(request.headers["HOST"] == "example")
      #expect(request.headers["Accept"] == "*/*")
      #expect(request.headers.values("x-Tag") == ["one", "two", "three"])
      #expect(request.headers.count == 5)
    }
  }

  @Test func contentLengthBodyArrivesWholeEvenInPieces() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(handler: Self.recording(seen)) { server in
      let body = patternBytes(200_000)
      let client = try WireClient(port: server.port)
      try client.send(
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.count)\r\n\r\n")
      // In uneven pieces, with pauses, so the server sees partial bodies.
      var offset = 0
      for size in [1, 7, 4096, 65_536, 1, 30_000] {
        try client.send(Array(body[offset..<(offset + size)]))
        offset += size
        pause(.milliseconds(5))
      }
      try client.send(Array(body[offset...]))
      let response = try client.readResponse()
      #expect(response.status == 200)
      #expect(seen.all.first?.body == body)
      // Exactly the body was consumed: the connection serves the next request.
      #expect(try client.exchange(getRequest("/next")).text == "/next")
    }
  }

  @Test func zeroLengthBody() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(handler: Self.recording(seen)) { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange(
        "POST /empty HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
      #expect(response.status == 200)
      #expect(seen.all.first?.body == [])
      #expect(try client.exchange(getRequest("/next")).text == "/next")
    }
  }

  @Test func chunkedBodyWithExtensionsAndTrailersArrivesWhole() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(handler: Self.recording(seen)) { server in
      let client = try WireClient(port: server.port)
      let message =
        "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5;name=value\r\nhello\r\n"
        + "1 ; quoted=\"a;b\"\r\n \r\n"
        + "A\r\n0123456789\r\n"
        + "00b\r\n wide world\r\n"
        + "0;last\r\nTrailer-One: a\r\nTrailer-Two: b\r\n\r\n"
      // Split at awkward places: inside sizes, extensions, CRLFs and trailers.
      let bytes = Array(message.utf8)
      var offset = 0
      for cut in [70, 73, 80, 81, 95, 110, 111, 140, 151] where cut < bytes.count {
        try client.send(Array(bytes[offset..<cut]))
        offset = cut
        pause(.milliseconds(3))
      }
      try client.send(Array(bytes[offset...]))
      let response = try client.readResponse()
      #expect(response.status == 200)
      let request = try #require(seen.all.first)
      #expect(String(decoding: request.body, as: UTF8.self) == "hello 0123456789 wide world")
      // The trailers were consumed, not taken for the next request.
      #expect(try client.exchange(getRequest("/after")).text == "/after")
      #expect(seen.count == 2)
    }
  }

  @Test func largeChunkedBodyArrivesWhole() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(handler: Self.recording(seen)) { server in
      let body = patternBytes(300_000, seed: 9)
      var message = Array(
        "POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
      var offset = 0
      for size in [1, 65_536, 100_000, 3] + [Int](repeating: 1000, count: 10) {
        message += Array(String(size, radix: 16).utf8) + [13, 10]
        message += body[offset..<(offset + size)] + [13, 10]
        offset += size
      }
      let rest = body.count - offset
      message += Array(String(rest, radix: 16).utf8) + [13, 10] + body[offset...] + [13, 10]
      message += Array("0\r\n\r\n".utf8)
      let client = try WireClient(port: server.port)
      try client.send(message)
      let response = try client.readResponse()
      #expect(response.status == 200)
      #expect(seen.all.first?.body == body)
    }
  }

  @Test func http11KeepsTheConnectionAliveByDefault() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(handler: Self.recording(seen)) { server in
      let client = try WireClient(port: server.port)
      let first = try client.exchange(getRequest("/one"))
      let second = try client.exchange(getRequest("/two"))
      #expect(first.status == 200 && second.status == 200)
      #expect(first.header("Connection") == nil && second.header("Connection") == nil)
      #expect(first.text == "/one" && second.text == "/two")
      // Same connection: the server saw both from the same client port.
      let remotes = seen.all.map(\.remoteAddress)
      #expect(remotes == ["127.0.0.1:\(client.localPort)", "127.0.0.1:\(client.localPort)"])
      #expect(client.staysOpen(for: .milliseconds(100)))
    }
  }

  @Test func connectionCloseIsHonoured() throws {
    try withHTTPTestServer { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange(getRequest("/", "Connection: close\r\n"))
      #expect(response.status == 200)
      #expect(response.header("Connection") == "close")
      #expect(client.waitForClose())
      #expect(client.buffer.isEmpty)
    }
  }

  @Test func connectionCloseAmongOtherTokens() throws {
    try withHTTPTestServer { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange(getRequest("/", "Connection: TE, Close\r\n"))
      #expect(response.closesConnection)
      #expect(client.waitForClose())
    }
  }

  @Test func http10ClosesByDefault() throws {
    try withHTTPTestServer { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange("GET /old HTTP/1.0\r\n\r\n")
      #expect(response.status == 200)
      #expect(response.version == "HTTP/1.1")
      #expect(response.header("Connection") == "close")
      #expect(response.text == "ok\n")
      #expect(client.waitForClose())
    }
  }

  @Test func http10KeepAliveKeepsTheConnection() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(handler: Self.recording(seen)) { server in
      let client = try WireClient(port: server.port)
      let first = try client.exchange("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
      #expect(first.status == 200)
      #expect(first.header("Connection")?.lowercased() == "keep-alive")
      #expect(client.staysOpen(for: .milliseconds(100)))
      let second = try client.exchange("GET /b HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
      #expect(second.text == "/b")
      // The third, without keep-alive, ends it.
      let third = try client.exchange("GET /c HTTP/1.0\r\n\r\n")
      #expect(third.closesConnection)
      #expect(client.waitForClose())
      #expect(Set(seen.all.map(\.remoteAddress)).count == 1)
      #expect(seen.all.map(\.version) == [.http10, .http10, .http10])
    }
  }

  @Test func pipelinedRequestsAreAnsweredInOrder() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(
      testConfiguration(),
      handler: ClosureResponder { request in
        seen.append(request)
        // The first is the slowest: answers must still come in request order.
        if request.path == "/1" { pause(.milliseconds(150)) }
        return .text(request.path + ":" + String(decoding: request.body, as: UTF8.self))
      }
    ) { server in
      let client = try WireClient(port: server.port)
      try client.send(
        getRequest("/1")
          + "POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"
          + "POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
      let answers = try (0..<3).map { _ in try client.readResponse().text }
      #expect(answers == ["/1:", "/2:body", "/3:ok"])
      #expect(seen.all.map(\.path) == ["/1", "/2", "/3"])
      #expect(client.staysOpen(for: .milliseconds(50)))
    }
  }

  @Test func pipelinedRequestsAfterALargeResponse() throws {
    let big = patternBytes(3_000_000, seed: 3)
    try withHTTPTestServer(
      testConfiguration(),
      handler: ClosureResponder { request in
        request.path == "/big" ? Response(body: big) : .text(request.path)
      }
    ) { server in
      let client = try WireClient(port: server.port)
      try client.send(getRequest("/big") + getRequest("/small") + getRequest("/big"))
      // Let the server fill the socket and wait for EPOLLOUT before reading anything.
      pause(.milliseconds(200))
      let first = try client.readResponse()
      let second = try client.readResponse()
      let third = try client.readResponse()
      #expect(first.body == big)
      #expect(second.text == "/small")
      #expect(third.body == big)
    }
  }

  @Test func pipelinedRequestAfterConnectionCloseIsNotAnswered() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(handler: Self.recording(seen)) { server in
      let client = try WireClient(port: server.port)
      try client.send(getRequest("/last", "Connection: close\r\n") + getRequest("/ignored"))
      let response = try client.readResponse()
      #expect(response.text == "/last")
      #expect(client.waitForClose())
      #expect(client.buffer.isEmpty)
      #expect(seen.all.map(\.path) == ["/last"])
    }
  }

  @Test func halfClosedClientStillGetsItsAnswer() throws {
    try withHTTPTestServer { server in
      let client = try WireClient(port: server.port)
      try client.send(getRequest("/") + getRequest("/"))
      client.shutdownWrite()
      #expect(try client.readResponse().status == 200)
      #expect(try client.readResponse().status == 200)
      #expect(client.waitForClose())
    }
  }

  @Test func headGetsTheSameHeadersAsGetAndNoBody() throws {
    let document = Array(String(repeating: "Almedalsveckan i Visby. ", count: 40).utf8)
    try withHTTPTestServer(
      testConfiguration(),
      handler: ClosureResponder { _ in
        Response(headers: ["Content-Type": "text/plain", "ETag": "\"v1\""], body: document)
      }
    ) { server in
      let client = try WireClient(port: server.port)
      let get = try client.exchange(getRequest("/doc"))
      let head = try client.exchange(
        "HEAD /doc HTTP/1.1\r\nHost: x\r\n\r\n", head: true)
      #expect(get.body == document)
      #expect(head.status == 200)
      #expect(head.header("Content-Length") == String(document.count))
      #expect(head.header("Content-Length") == get.header("Content-Length"))
      #expect(head.header("Content-Type") == get.header("Content-Type"))
      #expect(head.header("ETag") == "\"v1\"")
      #expect(head.header("Date") != nil)
      // No body bytes followed the HEAD answer: the next response parses cleanly.
      #expect(client.buffer.isEmpty)
      let after = try client.exchange(getRequest("/doc"))
      #expect(after.body == document)
    }
  }

  @Test func expectContinueGetsAnInterimAnswerBeforeTheBody() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(handler: Self.recording(seen)) { server in
      let client = try WireClient(port: server.port)
      try client.send(
        "PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n")
      let interim = try client.readResponse()
      #expect(interim.status == 100)
      #expect(interim.version == "HTTP/1.1")
      #expect(interim.reason == "Continue")
      #expect(seen.count == 0)
      try client.send("hello world")
      let final = try client.readResponse()
      #expect(final.status == 200)
      #expect(final.text == "/upload")
      #expect(seen.all.first.map { String(decoding: $0.body, as: UTF8.self) } == "hello world")
      // And the connection carries on.
      #expect(try client.exchange(getRequest("/next")).status == 200)
    }
  }

  @Test func expectContinueWithTheBodyAlreadySentOrNoBody() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(handler: Self.recording(seen)) { server in
      let client = try WireClient(port: server.port)
      // The body is already on its way: no interim answer is needed.
      let direct = try client.exchange(
        "POST /a HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\nhi")
      #expect(direct.status == 200)
      // No body at all: no interim answer either.
      let bodiless = try client.exchange(getRequest("/b", "Expect: 100-continue\r\n"))
      #expect(bodiless.status == 200)
      #expect(bodiless.text == "/b")
      #expect(seen.all.map(\.body) == [Array("hi".utf8), []])
    }
  }

  @Test func expectInAnHTTP10RequestIsIgnored() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(handler: Self.recording(seen)) { server in
      let client = try WireClient(port: server.port)
      try client.send(
        "POST /old HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
      #expect(client.staysOpen(for: .milliseconds(100)), "no 100 Continue for HTTP/1.0")
      try client.send("ok")
      let response = try client.readResponse()
      #expect(response.status == 200)
      #expect(seen.all.first?.body == Array("ok".utf8))
    }
  }

  @Test func transferCodingNamesAreCaseInsensitive() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(handler: Self.recording(seen)) { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange(
        "POST /tc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
      #expect(response.status == 200)
      #expect(seen.all.first?.body == Array("abc".utf8))
    }
  }

  /// RFC 9112 2.3: a higher minor version of a major version the server implements SHOULD
  /// be processed as the highest minor version it knows (HTTP/1.1), not refused.
  @Test func aHigherMinorVersionIsServedAsHTTP11() throws {
    try withHTTPTestServer { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange("GET / HTTP/1.2\r\nHost: x\r\n\r\n")
      #expect(response.status == 200)
      #expect(response.version == "HTTP/1.1")
    }
  }

  @Test func originFormAndAbsoluteFormTargets() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(handler: Self.recording(seen)) { server in
      let client = try WireClient(port: server.port)
      _ = try client.exchange("GET /plain/path?y=2 HTTP/1.1\r\nHost: x\r\n\r\n")
      _ = try client.exchange(
        "GET http://example.org/a%20b?x=1 HTTP/1.1\r\nHost: example.org\r\n\r\n")
      _ = try client.exchange("GET HTTP://Example.org HTTP/1.1\r\nHost: example.org\r\n\r\n")
      _ = try client.exchange("GET http://example.org?q=z HTTP/1.1\r\nHost: example.org\r\n\r\n")
      _ = try client.exchange("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
      let requests = seen.all
      try #require(requests.count == 5)
      #expect(requests[0].path == "/plain/path")
      #expect(requests[0].query.map { "\($0.name)=\($0.value)" } == ["y=2"])
      #expect(requests[1].target == "http://example.org/a%20b?x=1")
      #expect(requests[1].path == "/a b")
      #expect(requests[1].pathSegments == ["a b"])
      #expect(requests[1].queryValue("x") == "1")
      #expect(requests[2].path == "/")
      #expect(requests[3].path == "/")
      #expect(requests[3].queryValue("q") == "z")
      #expect(requests[4].method == "OPTIONS" && requests[4].path == "*")
    }
  }

  @Test func leadingEmptyLinesBeforeTheRequestLineAreIgnored() throws {
    try withHTTPTestServer { server in
      let client = try WireClient(port: server.port)
      #expect(try client.exchange("\r\n" + getRequest("/")).status == 200)
    }
  }

  @Test func percentDecodingHappensOnceAndCorrectly() throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(handler: Self.recording(seen)) { server in
      let client = try WireClient(port: server.port)
      _ = try client.exchange(getRequest("/a%2520b"))
      _ = try client.exchange(getRequest("/search?q=a+b%2Bc&empty=&flag&q=%C3%A5"))
      _ = try client.exchange(getRequest("/%C3%A5ngstr%C3%B6m/a+b"))
      _ = try client.exchange(getRequest("/files/a%2Fb/c"))
      let requests = seen.all
      try #require(requests.count == 4)
      #expect(requests[0].path == "/a%20b")
      #expect(requests[0].pathSegments == ["a%20b"])
      #expect(requests[1].path == "/search")
      #expect(requests[1].queryValue("q") == "a b+c")
      #expect(requests[1].queryValues("q") == ["a b+c", "å"])
      #expect(requests[1].queryValue("empty") == "")
      #expect(requests[1].queryValue("flag") == "")
      #expect(requests[2].path == "/ångström/a+b")
      #expect(requests[3].path == "/files/a/b/c")
      #expect(requests[3].pathSegments == ["files", "a/b", "c"])
    }
  }

  @Test(arguments: ["/%FF", "/a?q=%C3", "/%zz", "/a%2", "/nul%00", "/?%FE=1"])
  func badPercentEncodingIs400(_ target: String) throws {
    let seen = SharedList<Request>()
    try withHTTPTestServer(handler: Self.recording(seen)) { server in
      let client = try WireClient(port: server.port)
      let response = try client.exchange(getRequest(target))
      #expect(response.status == 400)
      #expect(response.closesConnection)
      #expect(client.waitForClose())
      #expect(seen.count == 0)
    }
  }

  @Test func largeResponseToASlowReader() throws {
    let big = patternBytes(8_000_000, seed: 5)
    try withHTTPTestServer(
      testConfiguration(), handler: ClosureResponder { _ in Response(body: big) }
    ) { server in
      let client = try WireClient(port: server.port)
      try client.send(getRequest("/big"))
      pause(.milliseconds(300))
      let response = try client.readResponse(timeout: .seconds(10))
      #expect(response.body.count == big.count)
      #expect(response.body == big)
    }
  }
}
