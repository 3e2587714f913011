import Foundation
import LoopbackTesting
import Testing

@testable import HTTPServer

/// Timeouts and resource limits, with short values so the tests stay quick.
@Suite struct LimitsTests {
  static func shortTimeouts(_ adjust: (inout Configuration) -> Void = { _ in }) -> Configuration {
    testConfiguration {
      $0.headerReadTimeout = .milliseconds(500)
      $0.bodyReadTimeout = .milliseconds(500)
      $0.keepAliveTimeout = .milliseconds(500)
      $0.handlerTimeout = .milliseconds(500)
      adjust(&$0)
    }
  }

  @Test func halfAHeadGets408AndIsClosed() throws {
    try withHTTPTestServer(Self.shortTimeouts()) { server in
      let client = try WireClient(port: server.port)
      let start = ContinuousClock.now
      try client.send("GET /slow HTTP/1.1\r\nHost: x\r\nX-Half: ")
      let response = try client.readResponse(timeout: .seconds(3))
      let elapsed = ContinuousClock.now - start
      #expect(response.status == 408)
      #expect(response.closesConnection)
      #expect(client.waitForClose())
      #expect(elapsed >= .milliseconds(400))
      #expect(elapsed < .seconds(2))
      try serverAnswers(port: server.port)
    }
  }

  @Test func aTrickledHeadIsTimedFromItsFirstByte() throws {
    try withHTTPTestServer(Self.shortTimeouts()) { server in
      let client = try WireClient(port: server.port)
      let start = ContinuousClock.now
      // Each byte comes well inside the timeout; the whole head does not.
      var result: HTTPReply?
      for byte in "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1234567890\r\n\r\n".utf8 {
        do { try client.send([byte]) } catch { break }
        pause(.milliseconds(100))
        if !client.staysOpen(for: .milliseconds(1)) {
          result = try client.readResponse(timeout: .seconds(1))
          break
        }
      }
      let response = try result ?? client.readResponse(timeout: .seconds(1))
      #expect(response.status == 408)
      #expect(ContinuousClock.now - start < .seconds(2))
    }
  }

  @Test func aStalledBodyGets408() throws {
    try withHTTPTestServer(Self.shortTimeouts()) { server in
      let client = try WireClient(port: server.port)
      try client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
      let response = try client.readResponse(timeout: .seconds(3))
      #expect(response.status == 408)
      #expect(client.waitForClose())
    }
  }

  @Test func idleKeepAliveConnectionsAreClosedAfterTheTimeout() throws {
    try withHTTPTestServer(Self.shortTimeouts()) { server in
      let used = try WireClient(port: server.port)
      #expect(try used.exchange(getRequest("/")).status == 200)
      let silent = try WireClient(port: server.port)
      let start = ContinuousClock.now
      #expect(used.waitForClose(timeout: .seconds(3)))
      #expect(silent.waitForClose(timeout: .seconds(3)))
      let elapsed = ContinuousClock.now - start
      #expect(elapsed >= .milliseconds(350))
      #expect(elapsed < .seconds(2))
      #expect(used.buffer.isEmpty && silent.buffer.isEmpty, "an idle close sends nothing")
    }
  }

  @Test func aConnectionInUseIsNotClosedAsIdle() throws {
    try withHTTPTestServer(Self.shortTimeouts()) { server in
      let client = try WireClient(port: server.port)
      // Requests every 300 ms: each renews the keep-alive time.
      for _ in 0..<4 {
        #expect(try client.exchange(getRequest("/")).status == 200)
        pause(.milliseconds(300))
      }
    }
  }

  @Test func aSlowHandlerGives503() throws {
    let finished = SharedList<String>()
    try withHTTPTestServer(
      Self.shortTimeouts(),
      handler: ClosureResponder { request in
        if request.path == "/slow" { pause(.milliseconds(1500)) }
        finished.append(request.path)
        return .text("late")
      }
    ) { server in
      let client = try WireClient(port: server.port)
      let start = ContinuousClock.now
      let response = try client.exchange(getRequest("/slow"), timeout: .seconds(3))
      let elapsed = ContinuousClock.now - start
      #expect(response.status == 503)
      #expect(response.header("Retry-After") == "5")
      #expect(response.closesConnection)
      #expect(elapsed >= .milliseconds(450))
      #expect(elapsed < .milliseconds(1400))
      #expect(client.waitForClose())
      #expect(client.buffer.isEmpty, "the late answer must not follow")
      try serverAnswers(port: server.port)
      // Let the handler finish before the server stops (see
      // aStoppedServerNeverWritesToDescriptorsItClosed).
      for _ in 0..<200 where !finished.all.contains("/slow") { pause(.milliseconds(10)) }
      #expect(finished.all.contains("/slow"))
    }
  }

  @Test func aClientLeavingMidBodyDoesNotDisturbTheServer() throws {
    let seen = SharedList<String>()
    try withHTTPTestServer(
      Self.shortTimeouts { $0.bodyReadTimeout = .seconds(5) },
      handler: ClosureResponder { request in
        seen.append(request.path)
        return .text("ok")
      }
    ) { server in
      for _ in 0..<5 {
        let quitter = try WireClient(port: server.port)
        try quitter.send(
          "POST /partial HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
            + String(repeating: "p", count: 5000))
        pause(.milliseconds(20))
        quitter.close()
      }
      // And one that resets (SO_LINGER 0) instead of closing politely.
      let resetter = try WireClient(port: server.port)
      try resetter.send("POST /partial HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab")
      var abort = linger(l_onoff: 1, l_linger: 0)
      setsockopt(
        resetter.fd, SOL_SOCKET, SO_LINGER, &abort, socklen_t(MemoryLayout<linger>.size))
      resetter.close()
      let start = ContinuousClock.now
      try serverAnswers(port: server.port)
      #expect(ContinuousClock.now - start < .milliseconds(500))
      #expect(seen.all == ["/still-alive"])
    }
  }

  @Test func aClientLeavingWhileItsHandlerRunsDoesNotDisturbTheServer() throws {
    try withHTTPTestServer(
      testConfiguration(),
      handler: ClosureResponder { request in
        if request.path == "/slow" { pause(.milliseconds(200)) }
        return Response(body: patternBytes(200_000))
      }
    ) { server in
      let quitter = try WireClient(port: server.port)
      try quitter.send(getRequest("/slow"))
      pause(.milliseconds(50))
      quitter.close()
      pause(.milliseconds(250))
      try serverAnswers(port: server.port)
    }
  }

  @Test func maxConnectionsIsEnforced() throws {
    try withHTTPTestServer(testConfiguration { $0.maxConnections = 2 }) { server in
      let first = try WireClient(port: server.port)
      let second = try WireClient(port: server.port)
      #expect(try first.exchange(getRequest("/")).status == 200)
      #expect(try second.exchange(getRequest("/")).status == 200)
      let extra = try WireClient(port: server.port)
      // The extra connection gets 503 and is closed (or is closed outright).
      try? extra.send(getRequest("/"))
      if let response = try? extra.readResponse(timeout: .seconds(2)) {
        #expect(response.status == 503)
        #expect(response.closesConnection)
      }
      #expect(extra.waitForClose())
      // The two admitted connections still work.
      #expect(try first.exchange(getRequest("/")).status == 200)
      // Once one leaves, a newcomer is admitted.
      second.close()
      var admitted = false
      for _ in 0..<50 where !admitted {
        pause(.milliseconds(20))
        let newcomer = try WireClient(port: server.port)
        admitted = (try? newcomer.exchange(getRequest("/"), timeout: .seconds(1)).status) == 200
      }
      #expect(admitted)
    }
  }

  @Test func aFullWorkQueueGives503() throws {
    let release = DispatchSemaphore(value: 0)
    let started = DispatchSemaphore(value: 0)
    try withHTTPTestServer(
      testConfiguration {
        $0.workerThreads = 1
        $0.maxQueuedRequests = 1
      },
      handler: ClosureResponder { request in
        if request.path == "/block" {
          started.signal()
          _ = release.wait(timeout: .now() + 5)
        }
        return .text(request.path)
      }
    ) { server in
      let running = try WireClient(port: server.port)
      try running.send(getRequest("/block"))
      #expect(started.wait(timeout: .now() + 3) == .success)
      let queued = try WireClient(port: server.port)
      try queued.send(getRequest("/queued"))
      pause(.milliseconds(100))
      let refused = try WireClient(port: server.port)
      let busy = try refused.exchange(getRequest("/refused"))
      #expect(busy.status == 503)
      #expect(busy.closesConnection)
      release.signal()
      #expect(try running.readResponse().text == "/block")
      #expect(try queued.readResponse().text == "/queued")
    }
  }
}
