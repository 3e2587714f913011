import Testing

@testable import HTTPServer

/// The connection's state machine driven by hand, with time moved by hand: every timeout
/// exactly at its deadline and not a nanosecond before, whatever the machine's load.
@Suite struct ConnectionStateMachineTests {
  /// What an action did, comparable.
  enum Step: Equatable {
    case deliver(method: String, target: String, body: String, keepAlive: Bool)
    case write(String)
    case refuse(Int, String)
    case handlerTimedOut
    case close
  }

  static let limits = ParserLimits(maxHeaderBytes: 1024, maxHeaderFields: 8, maxBodyBytes: 64)
  static let timeouts = HTTPConnection.Timeouts(
    header: .seconds(10), body: .seconds(30), keepAlive: .seconds(15), handler: .seconds(20),
    write: .seconds(25))
  static let start = MonotonicInstant(nanoseconds: 5_000_000_000)
  static let answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

  /// A connection and the serial of the request it last delivered.
  struct Driver {
    var connection = HTTPConnection(limits: limits, timeouts: timeouts, now: start)
    var serial: UInt64 = 0
    var requestIDs: [String?] = []

    mutating func steps(_ actions: [HTTPConnection.Action]) -> [Step] {
      actions.map { action in
        switch action {
        case .deliver(let delivery):
          serial = delivery.serial
          let request = delivery.request
          return .deliver(
            method: request.method, target: request.target,
            body: String(decoding: request.body, as: UTF8.self), keepAlive: delivery.keepAlive)
        case .write(let bytes): return .write(String(decoding: bytes, as: UTF8.self))
        case .refuse(let refusal):
          requestIDs.append(refusal.requestID)
          return .refuse(refusal.error.status, refusal.error.reason)
        case .handlerTimedOut: return .handlerTimedOut
        case .close: return .close
        }
      }
    }

    mutating func receive(_ text: String, at now: MonotonicInstant) -> [Step] {
      steps(connection.received(Array(text.utf8), now: now))
    }

    mutating func tick(_ now: MonotonicInstant) -> [Step] { steps(connection.tick(now: now)) }

    mutating func answer(keepAlive: Bool = true, at now: MonotonicInstant) -> [Step] {
      steps(
        connection.handlerFinished(
          serial: serial, bytes: Array(ConnectionStateMachineTests.answer.utf8),
          keepAlive: keepAlive, now: now))
    }

    mutating func wroteAll(_ now: MonotonicInstant) -> [Step] {
      steps(connection.wroteAll(now: now))
    }
  }

  static func at(_ offset: Duration) -> MonotonicInstant { start + offset }
  static func justBefore(_ offset: Duration) -> MonotonicInstant {
    MonotonicInstant(nanoseconds: at(offset).nanoseconds - 1)
  }
  static let timedOut = Step.refuse(408, "the request took too long to arrive")

  // MARK: Timeouts

  @Test func aHeadThatStallsGets408AtItsDeadline() {
    var driver = Driver()
    #expect(driver.receive("GET / HTTP/1.1\r\nHo", at: Self.at(.seconds(2))) == [])
    #expect(driver.tick(Self.justBefore(.seconds(12))) == [])
    #expect(driver.tick(Self.at(.seconds(12))) == [Self.timedOut])
    #expect(driver.wroteAll(Self.at(.seconds(12))) == [.close])
    #expect(driver.connection.phase == .closed)
  }

  @Test func bytesOfAHeadDoNotExtendItsDeadline() {
    var driver = Driver()
    _ = driver.receive("GET / HTTP/1.1\r\n", at: Self.at(.seconds(0)))
    _ = driver.receive("Host: x\r\n", at: Self.at(.seconds(9)))
    #expect(driver.tick(Self.at(.seconds(10))) == [Self.timedOut])
  }

  @Test func aBodyThatStallsGets408FromTheEndOfItsHead() {
    var driver = Driver()
    _ = driver.receive("POST / HTTP/1.1\r\nHost: x\r\n", at: Self.at(.seconds(0)))
    #expect(
      driver.receive("Content-Length: 10\r\n\r\nabc", at: Self.at(.seconds(8))) == [])
    #expect(driver.connection.phase == .body)
    // The header timeout no longer applies; the body's runs from the head's end.
    #expect(driver.tick(Self.at(.seconds(10))) == [])
    #expect(driver.tick(Self.justBefore(.seconds(38))) == [])
    #expect(driver.tick(Self.at(.seconds(38))) == [Self.timedOut])
  }

  @Test func anIdleConnectionClosesAfterTheKeepAliveTimeout() {
    var driver = Driver()
    #expect(driver.tick(Self.justBefore(.seconds(15))) == [])
    #expect(driver.tick(Self.at(.seconds(15))) == [.close])
    #expect(driver.receive("GET / HTTP/1.1\r\nHost: x\r\n\r\n", at: Self.at(.seconds(16))) == [])
  }

  @Test func theKeepAliveTimeoutRestartsWhenAnAnswerIsWritten() {
    var driver = Driver()
    _ = driver.receive("GET / HTTP/1.1\r\nHost: x\r\n\r\n", at: Self.at(.seconds(14)))
    _ = driver.answer(at: Self.at(.seconds(15)))
    #expect(driver.wroteAll(Self.at(.seconds(16))) == [])
    #expect(driver.connection.phase == .idle)
    #expect(driver.tick(Self.justBefore(.seconds(31))) == [])
    #expect(driver.tick(Self.at(.seconds(31))) == [.close])
  }

  @Test func aSlowHandlerGets503AndItsLateAnswerIsDropped() {
    var driver = Driver()
    _ = driver.receive("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n", at: Self.at(.seconds(1)))
    #expect(driver.connection.phase == .handling)
    #expect(driver.tick(Self.justBefore(.seconds(21))) == [])
    #expect(
      driver.tick(Self.at(.seconds(21)))
        == [.handlerTimedOut, .refuse(503, "the handler took too long")])
    #expect(driver.answer(at: Self.at(.seconds(22))) == [])
    #expect(driver.wroteAll(Self.at(.seconds(22))) == [.close])
  }

  @Test func aClientThatDoesNotReadIsClosedAfterTheWriteTimeout() {
    var driver = Driver()
    _ = driver.receive("GET / HTTP/1.1\r\nHost: x\r\n\r\n", at: Self.at(.seconds(0)))
    #expect(driver.answer(at: Self.at(.seconds(3))) == [.write(Self.answer)])
    #expect(driver.tick(Self.justBefore(.seconds(28))) == [])
    #expect(driver.tick(Self.at(.seconds(28))) == [.close])
  }

  // MARK: Keep-alive and pipelining

  @Test func pipelinedRequestsAreDeliveredOneAtATimeInOrder() {
    var driver = Driver()
    let now = Self.at(.seconds(1))
    let three =
      "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
      + "POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
      + "GET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    #expect(
      driver.receive(three, at: now) == [
        .deliver(method: "GET", target: "/1", body: "", keepAlive: true)
      ])
    #expect(driver.serial == 1)
    #expect(driver.answer(at: now) == [.write(Self.answer)])
    #expect(
      driver.wroteAll(now) == [.deliver(method: "POST", target: "/2", body: "hi", keepAlive: true)]
    )
    #expect(driver.serial == 2)
    _ = driver.answer(at: now)
    #expect(
      driver.wroteAll(now) == [.deliver(method: "GET", target: "/3", body: "", keepAlive: false)])
    #expect(driver.answer(keepAlive: false, at: now) == [.write(Self.answer)])
    #expect(driver.wroteAll(now) == [.close])
  }

  @Test func anAnswerForAnotherRequestIsDropped() {
    var driver = Driver()
    _ = driver.receive("GET / HTTP/1.1\r\nHost: x\r\n\r\n", at: Self.start)
    let stale = driver.connection.handlerFinished(
      serial: driver.serial + 1, bytes: [1], keepAlive: true, now: Self.start)
    #expect(stale.isEmpty)
    #expect(driver.connection.phase == .handling)
  }

  @Test func http10ClosesUnlessAskedToKeepAlive() {
    var driver = Driver()
    #expect(
      driver.receive("GET / HTTP/1.0\r\n\r\n", at: Self.start) == [
        .deliver(method: "GET", target: "/", body: "", keepAlive: false)
      ])
    var kept = Driver()
    #expect(
      kept.receive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", at: Self.start) == [
        .deliver(method: "GET", target: "/", body: "", keepAlive: true)
      ])
  }

  @Test func expectContinueIsAnsweredBeforeTheBodyIsRead() {
    var driver = Driver()
    let head = "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"
    #expect(driver.receive(head, at: Self.start) == [.write("HTTP/1.1 100 Continue\r\n\r\n")])
    #expect(driver.wroteAll(Self.start) == [])
    #expect(driver.connection.phase == .body)
    #expect(
      driver.receive("abc", at: Self.start) == [
        .deliver(method: "PUT", target: "/x", body: "abc", keepAlive: true)
      ])
  }

  @Test func expectContinueIsNotSentWhenTheBodyIsAlreadyThere() {
    var driver = Driver()
    let request =
      "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc"
    #expect(
      driver.receive(request, at: Self.start) == [
        .deliver(method: "PUT", target: "/x", body: "abc", keepAlive: true)
      ])
  }

  @Test func aChunkedBodyArrivingByteByByteIsDecoded() {
    var driver = Driver()
    let request =
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    var steps: [Step] = []
    for byte in request.utf8 {
      steps += driver.steps(driver.connection.received([byte], now: Self.start))
    }
    #expect(steps == [.deliver(method: "POST", target: "/", body: "abc", keepAlive: true)])
  }

  // MARK: Refusals

  @Test func aBodyOverTheLimitIs413() {
    var driver = Driver()
    #expect(
      driver.receive("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 65\r\n\r\n", at: Self.start)
        == [.refuse(413, "the body is larger than 64 bytes")])
    var chunked = Driver()
    let head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    #expect(
      chunked.receive(
        head + "40\r\n" + String(repeating: "a", count: 64) + "\r\n1\r\n", at: Self.start)
        == [.refuse(413, "the body is larger than 64 bytes")])
  }

  @Test func aHeadOverTheLimitIs431() {
    var driver = Driver()
    let long = "GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "a", count: 1024)
    #expect(
      driver.receive(long, at: Self.start) == [
        .refuse(431, "the request head is larger than 1024 bytes")
      ])
    var many = Driver()
    let fields = (0..<9).map { "X-\($0): y\r\n" }.joined()
    #expect(
      many.receive("GET / HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n", at: Self.start) == [
        .refuse(431, "more than 8 header fields")
      ])
  }

  @Test(arguments: [
    (
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
      Step.refuse(400, "Content-Length together with Transfer-Encoding")
    ),
    (
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
      Step.refuse(400, "more than one Content-Length")
    ),
    (
      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
      Step.refuse(400, "Transfer-Encoding in an HTTP/1.0 request")
    ),
    (
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      Step.refuse(501, "transfer coding gzip is not supported")
    ),
    (
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
      Step.refuse(400, "chunked must be applied exactly once")
    ),
    ("GET / HTTP/1.1\nHost: x\n\n", Step.refuse(400, "bare LF in the request head")),
    (
      "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
      Step.refuse(400, "malformed header field name (no whitespace before the colon)")
    ),
    (
      "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
      Step.refuse(400, "folded header lines are not accepted")
    ),
  ])
  func smugglingIsRefusedAndWhatFollowsIsNeverRead(request: String, refusal: Step) {
    var driver = Driver()
    let smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
    #expect(driver.receive(request + smuggled, at: Self.start) == [refusal])
    #expect(driver.receive(smuggled, at: Self.start) == [])
    #expect(driver.wroteAll(Self.start) == [.close])
    #expect(driver.receive(smuggled, at: Self.start) == [])
  }

  @Test func aTargetThatDoesNotDecodeIsRefusedUnderTheClientsRequestID() {
    var driver = Driver()
    #expect(
      driver.receive("GET /%zz HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\r\n\r\n", at: Self.start)
        == [.refuse(400, "the path is not valid percent-encoded UTF-8")])
    #expect(driver.requestIDs == ["abc"])
  }

  @Test func aFullQueueGets503UnderTheRequestsID() {
    var driver = Driver()
    _ = driver.receive("GET / HTTP/1.1\r\nHost: x\r\n\r\n", at: Self.start)
    let busy = driver.steps(
      driver.connection.handlerUnavailable(
        serial: driver.serial, requestID: "id-1", now: Self.start))
    #expect(busy == [.refuse(503, "the server is busy")])
    #expect(driver.requestIDs == ["id-1"])
    #expect(driver.answer(at: Self.start) == [])
  }

  // MARK: The client leaving, and shutdown

  @Test func theClientLeavingMidRequestClosesButNotWhileAHandlerRuns() {
    var reading = Driver()
    _ = reading.receive("GET / HTTP/1.1\r\n", at: Self.start)
    #expect(reading.steps(reading.connection.inputEnded()) == [.close])
    var handling = Driver()
    _ = handling.receive("GET / HTTP/1.1\r\nHost: x\r\n\r\n", at: Self.start)
    #expect(handling.steps(handling.connection.inputEnded()) == [])
    #expect(handling.answer(at: Self.start) == [.write(Self.answer)])
  }

  @Test func drainingClosesIdleConnectionsAndEndsOthersAfterTheirAnswer() {
    var idle = Driver()
    #expect(idle.steps(idle.connection.beginDraining()) == [.close])
    var busy = Driver()
    _ = busy.receive("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\n", at: Self.start)
    #expect(busy.steps(busy.connection.beginDraining()) == [])
    #expect(
      busy.answer(at: Self.start) == [
        .write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
      ])
    #expect(busy.wroteAll(Self.start) == [.close])
  }

  @Test func aRequestReadWhileDrainingDoesNotKeepTheConnection() {
    var driver = Driver()
    _ = driver.receive("GET / HTTP/1.1\r\n", at: Self.start)
    #expect(driver.steps(driver.connection.beginDraining()) == [])
    #expect(
      driver.receive("Host: x\r\n\r\n", at: Self.start) == [
        .deliver(method: "GET", target: "/", body: "", keepAlive: false)
      ])
  }
}
