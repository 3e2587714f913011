import Foundation
import LoopbackTesting
import Testing

@testable import HTTPServer

#if canImport(Glibc)
  import Glibc
#endif

/// Graceful shutdown: requests in flight finish, nothing new gets in, `wait()` returns.
@Suite struct ShutdownTests {
  /// A server whose `/slow` handler signals when it starts, then sleeps.
  static func startSlowServer(
    sleep: Duration = .milliseconds(300), _ adjust: (inout Configuration) -> Void = { _ in }
  ) throws -> (HTTPServer, DispatchSemaphore) {
    let started = DispatchSemaphore(value: 0)
    let server = HTTPServer(
      configuration: testConfiguration(adjust),
      responder: ClosureResponder { request in
        if request.path == "/slow" {
          started.signal()
          pause(sleep)
          return .text("finished")
        }
        return .text("quick")
      })
    try server.start()
    return (server, started)
  }

  @Test func aRequestInFlightFinishesAndNothingNewGetsIn() throws {
    let (server, started) = try Self.startSlowServer()
    let port = server.port
    let inFlight = try WireClient(port: port)
    try inFlight.send(getRequest("/slow"))
    let idle = try WireClient(port: port)
    let usedIdle = try WireClient(port: port)
    #expect(try usedIdle.exchange(getRequest("/")).text == "quick")
    #expect(started.wait(timeout: .now() + 3) == .success)

    let shutdownAt = ContinuousClock.now
    server.shutdown()

    // Idle connections are closed at once, without an answer.
    #expect(idle.waitForClose(timeout: .milliseconds(400)))
    #expect(usedIdle.waitForClose(timeout: .milliseconds(400)))
    #expect(idle.buffer.isEmpty && usedIdle.buffer.isEmpty)
    #expect(ContinuousClock.now - shutdownAt < .milliseconds(250))

    // New connections are refused.
    #expect(throws: WireError.self) { _ = try WireClient(port: port) }

    // The request in flight gets its whole answer, saying the connection ends.
    let response = try inFlight.readResponse(timeout: .seconds(3))
    #expect(response.status == 200)
    #expect(response.text == "finished")
    #expect(response.header("Connection") == "close")
    #expect(inFlight.waitForClose(timeout: .seconds(1)))

    #expect(waitForServer(server, timeout: .seconds(3)))
    #expect(throws: WireError.self) { _ = try WireClient(port: port) }
  }

  @Test func aRequestStartedAfterShutdownBeganOnAnOpenConnectionSaysClose() throws {
    // A connection mid-head when shutdown begins is not idle; its request is served and
    // the answer must announce the close.
    let (server, started) = try Self.startSlowServer()
    let busy = try WireClient(port: server.port)
    try busy.send(getRequest("/slow"))
    #expect(started.wait(timeout: .now() + 3) == .success)
    let halfway = try WireClient(port: server.port)
    try halfway.send("GET /after HTTP/1.1\r\nHost: x\r\n")
    pause(.milliseconds(50))
    server.shutdown()
    pause(.milliseconds(50))
    try halfway.send("\r\n")
    let response = try halfway.readResponse(timeout: .seconds(3))
    #expect(response.status == 200)
    #expect(response.header("Connection") == "close")
    #expect(halfway.waitForClose())
    #expect(try busy.readResponse().text == "finished")
    #expect(waitForServer(server, timeout: .seconds(3)))
  }

  @Test func waitReturnsPromptlyWithNothingInFlight() throws {
    let (server, _) = try Self.startSlowServer()
    let idle = try WireClient(port: server.port)
    #expect(try idle.exchange(getRequest("/")).status == 200)
    let start = ContinuousClock.now
    server.shutdown()
    #expect(waitForServer(server, timeout: .seconds(2)))
    #expect(ContinuousClock.now - start < .milliseconds(500))
    #expect(idle.waitForClose(timeout: .milliseconds(200)))
    // wait() may be called again, and from several places.
    #expect(waitForServer(server, timeout: .milliseconds(100)))
  }

  /// A handler outliving the grace period does not hold shutdown up. After `wait()` returns,
  /// the server's event-loop descriptors are closed and their numbers free for anyone. A handler that outlived the grace period, and a second `shutdown()`,
  /// must not write to those numbers: the bytes would land in whatever socket or file now
  /// has them (seen in the wild: a crowd test's client socket received the 8-byte eventfd
  /// counter `01 00 00 00 00 00 00 00`).
  @Test func aStoppedServerNeverWritesToDescriptorsItClosed() throws {
    let handlerDone = DispatchSemaphore(value: 0)
    let started = DispatchSemaphore(value: 0)
    let server = HTTPServer(
      configuration: testConfiguration { $0.shutdownGracePeriod = .milliseconds(100) },
      responder: ClosureResponder { _ in
        started.signal()
        pause(.seconds(1))
        defer { handlerDone.signal() }
        return .text("too late")
      })
    try server.start()
    let client = try WireClient(port: server.port)
    try client.send(getRequest("/slow"))
    #expect(started.wait(timeout: .now() + 3) == .success)
    let shutdownAt = ContinuousClock.now
    server.shutdown()
    #expect(waitForServer(server, timeout: .seconds(2)))
    #expect(ContinuousClock.now - shutdownAt < .milliseconds(800), "the grace period is 100 ms")
    // Take the lowest free descriptor numbers at once: the ones the server just closed.
    let pairs = (0..<16).map { _ in
      var fds: [Int32] = [-1, -1]
      _ = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds)
      return fds
    }
    defer {
      for fd in pairs.joined() where fd >= 0 { close(fd) }
    }
    server.shutdown()  // again, after the end
    #expect(handlerDone.wait(timeout: .now() + 3) == .success)
    pause(.milliseconds(50))
    var descriptors = pairs.joined().map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    let readable = poll(&descriptors, nfds_t(descriptors.count), 0)
    #expect(
      readable == 0, "the stopped server wrote into \(readable) descriptors it no longer owns")
    #expect(client.waitForClose(timeout: .seconds(1)))
  }

  @Test func shutdownBeforeAnyConnection() throws {
    let (server, _) = try Self.startSlowServer()
    server.shutdown()
    server.shutdown()  // twice is harmless
    #expect(waitForServer(server, timeout: .seconds(2)))
  }
}
