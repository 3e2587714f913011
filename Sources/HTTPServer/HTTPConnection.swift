/// One client connection's HTTP/1.1 state, as a value: what has been read and parsed, which
/// phase the connection is in, whether it stays open, and every deadline.
///
/// Events go in (`received`, `inputEnded`, `handlerFinished`, `handlerUnavailable`, `wroteAll`,
/// `tick`, `beginDraining`); each returns the actions the caller must perform, in order. It
/// reads no clock and touches no socket, so the event loop, the unit tests (with time moved by
/// hand) and the fuzzer (`HTTPFuzzing`) all drive this same code.
package struct HTTPConnection: Sendable {
  package struct Timeouts: Sendable {
    /// From a request's first byte to the end of its head.
    package var header: Duration
    /// From the end of the head to the end of the body.
    package var body: Duration
    /// Idle between requests.
    package var keepAlive: Duration
    /// From handing the request over to the handler's answer.
    package var handler: Duration
    /// From the first byte of an answer to its last.
    package var write: Duration

    package init(
      header: Duration, body: Duration, keepAlive: Duration, handler: Duration, write: Duration
    ) {
      self.header = header
      self.body = body
      self.keepAlive = keepAlive
      self.handler = handler
      self.write = write
    }
  }

  package enum Phase: String, Sendable {
    /// Between requests, or connected without having sent a byte.
    case idle
    case head
    case body
    /// A handler has the request; nothing more is read until it answers.
    case handling
    /// An answer, a refusal or `100 Continue` is going out.
    case writing
    case closed
  }

  package enum Action: Sendable {
    /// Hand the request to a handler and stop reading; its answer comes back through
    /// `handlerFinished`, or `handlerUnavailable` when no handler can take it.
    case deliver(Delivery)
    /// Send these bytes, then call `wroteAll`.
    case write([UInt8])
    /// Answer with the server's own error and close: send it, then call `wroteAll`. Nothing
    /// that follows a refused request is read.
    case refuse(Refusal)
    /// The handler overran its time; its late answer will be dropped. A 503 refusal follows.
    case handlerTimedOut
    /// Close the connection now.
    case close
  }

  package struct Delivery: Sendable {
    /// Its `requestID` and `remoteAddress` are left for the caller, which knows them.
    package var request: Request
    /// Names this request in `handlerFinished`, so a late answer is told apart.
    package var serial: UInt64
    /// Whether the answer keeps the connection open (and must say so).
    package var keepAlive: Bool
    /// When the request's first byte arrived.
    package var started: MonotonicInstant
  }

  package struct Refusal: Sendable {
    package var error: HTTPError
    /// The refused request's method, once its head was read.
    package var method: String?
    /// The client's `X-Request-Id` or the request's id, when known.
    package var requestID: String?
    package var started: MonotonicInstant
  }

  /// What follows the bytes being written.
  private enum AfterWrite: Sendable { case readBody, nextRequest, close }

  package let limits: ParserLimits
  package let timeouts: Timeouts
  /// Consumed input is dropped once more than this many bytes of it lead the buffer.
  private let compactAbove: Int

  package private(set) var phase = Phase.idle
  /// When the connection must move on: `tick` at or after it times the current phase out.
  package private(set) var deadline: MonotonicInstant
  /// The head being read, waiting for its body, or being answered.
  package private(set) var head: RequestHead?
  /// Offsets in the connection's whole input: where the current request's head began and
  /// ended, for observers such as the fuzzer (compaction does not move them).
  package private(set) var requestStart = 0
  package private(set) var headEnd = 0
  private var input: [UInt8] = []
  private var inputStart = 0
  /// How many input bytes compaction has dropped before `input[0]`.
  private var base = 0
  private var body: [UInt8] = []
  private var chunked: ChunkedDecoder?
  private var afterWrite = AfterWrite.nextRequest
  private var serial: UInt64 = 0
  private var requestStarted: MonotonicInstant
  private var draining = false

  package init(
    limits: ParserLimits, timeouts: Timeouts, now: MonotonicInstant, compactAbove: Int = 32_768
  ) {
    self.limits = limits
    self.timeouts = timeouts
    self.compactAbove = compactAbove
    deadline = now + timeouts.keepAlive
    requestStarted = now
  }

  /// Bytes read but not yet consumed by the parser.
  package var buffered: Int { input.count - inputStart }
  /// Offset in the whole input of the first unconsumed byte.
  package var consumed: Int { base + inputStart }
  /// Body bytes of the current request decoded so far.
  package var bodyCount: Int { body.count }
  /// Idle between requests, or connected without having sent a byte: shutdown closes it.
  package var isIdle: Bool { phase == .idle || (phase == .head && buffered == 0) }
  /// Whether the connection wants bytes from the client now.
  package var isReading: Bool { phase == .idle || phase == .head || phase == .body }

  // MARK: Events

  /// Bytes from the client. They are buffered in every phase; parsing waits until a handler
  /// has answered and its answer is written (pipelining).
  package mutating func received(_ bytes: some Collection<UInt8>, now: MonotonicInstant)
    -> [Action]
  {
    guard phase != .closed, !bytes.isEmpty else { return [] }
    if phase == .idle { startRequest(now) }
    input.append(contentsOf: bytes)
    return advance(now)
  }

  /// The client closed its side (or half-closed it): mid-request nothing more will come.
  package mutating func inputEnded() -> [Action] {
    guard isReading else { return [] }
    phase = .closed
    return [.close]
  }

  /// A handler's encoded answer to request `serial`; an answer that is late (timed out, or the
  /// connection moved on) is dropped.
  package mutating func handlerFinished(
    serial: UInt64, bytes: [UInt8], keepAlive: Bool, now: MonotonicInstant
  ) -> [Action] {
    guard phase == .handling, serial == self.serial else { return [] }
    var bytes = bytes
    if draining && keepAlive, let lineEnd = bytes.firstIndex(of: 10) {
      // Shutdown began after the answer was encoded: it must still announce the close.
      bytes.insert(contentsOf: Array("Connection: close\r\n".utf8), at: lineEnd + 1)
    }
    startWriting(then: keepAlive && !draining ? .nextRequest : .close, now: now)
    return [.write(bytes)]
  }

  /// No handler could take request `serial` (the queue is full).
  package mutating func handlerUnavailable(
    serial: UInt64, requestID: String, now: MonotonicInstant
  ) -> [Action] {
    guard phase == .handling, serial == self.serial else { return [] }
    self.serial += 1
    return [refuse(HTTPError(503, "the server is busy"), requestID: requestID, now: now)]
  }

  /// Everything from the last `write` or `refuse` went out.
  package mutating func wroteAll(now: MonotonicInstant) -> [Action] {
    guard phase == .writing else { return [] }
    switch afterWrite {
    case .readBody:
      // `100 Continue` went out: now the body.
      phase = .body
    case .close:
      phase = .closed
      return [.close]
    case .nextRequest:
      phase = .idle
      head = nil
      chunked = nil
      deadline = now + timeouts.keepAlive
    }
    // Pipelined requests may already be waiting in the buffer.
    return advance(now)
  }

  /// Time has passed: a phase past its deadline ends.
  package mutating func tick(now: MonotonicInstant) -> [Action] {
    guard now >= deadline else { return [] }
    switch phase {
    case .idle, .writing:
      phase = .closed
      return [.close]
    case .head, .body:
      return [refuse(HTTPError(408, "the request took too long to arrive"), now: now)]
    case .handling:
      serial += 1  // the late answer is dropped
      return [.handlerTimedOut, refuse(HTTPError(503, "the handler took too long"), now: now)]
    case .closed:
      return []
    }
  }

  /// The server is shutting down: an idle connection closes now, the others after their
  /// current answer, which says so.
  package mutating func beginDraining() -> [Action] {
    draining = true
    guard isIdle else { return [] }
    phase = .closed
    return [.close]
  }

  // MARK: Steps

  private mutating func startRequest(_ now: MonotonicInstant) {
    phase = .head
    requestStarted = now
    deadline = now + timeouts.header
  }

  private mutating func startWriting(then next: AfterWrite, now: MonotonicInstant) {
    phase = .writing
    afterWrite = next
    deadline = now + timeouts.write
  }

  /// Parses what has arrived and moves on: to a handler, `100 Continue`, or a refusal.
  private mutating func advance(_ now: MonotonicInstant) -> [Action] {
    while true {
      switch phase {
      case .idle, .head:
        if inputStart >= input.count {
          compact()
          return []
        }
        if phase == .idle { startRequest(now) }
        requestStart = base + inputStart
        switch RequestParser.parseHead(input, from: inputStart, limits: limits) {
        case .needMore:
          return []
        case .failure(let error):
          return [refuse(error, now: now)]
        case .head(let head, let end):
          inputStart = end
          headEnd = base + end
          self.head = head
          body = []
          guard head.framing != .none else { return [dispatch(now)] }
          phase = .body
          chunked =
            head.framing == .chunked ? ChunkedDecoder(maxBodyBytes: limits.maxBodyBytes) : nil
          deadline = now + timeouts.body
          if head.expectsContinue && inputStart >= input.count {
            // The body deadline keeps running while `100 Continue` goes out.
            phase = .writing
            afterWrite = .readBody
            return [.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))]
          }
        }
      case .body:
        guard let head else { return [] }
        if case .length(let total) = head.framing {
          let take = min(input.count - inputStart, total - body.count)
          body.append(contentsOf: input[inputStart..<(inputStart + take)])
          inputStart += take
          if body.count < total {
            compact()
            return []
          }
        } else if var decoder = chunked {
          do {
            let (consumed, done) = try decoder.feed(input, from: inputStart, into: &body)
            inputStart += consumed
            chunked = decoder
            if !done {
              compact()
              return []
            }
          } catch {
            return [refuse(error, now: now)]
          }
        }
        return [dispatch(now)]
      case .handling, .writing, .closed:
        return []
      }
    }
  }

  /// Builds the request from the head and body and hands it over.
  private mutating func dispatch(_ now: MonotonicInstant) -> Action {
    guard let head else { return refuse(HTTPError(400, "empty request"), now: now) }
    let request: Request
    do {
      request = try Request(
        method: head.method, target: head.target, version: head.version, headers: head.headers,
        body: body, requestID: "", remoteAddress: "-")
    } catch {
      return refuse(error, requestID: head.headers["X-Request-Id"], now: now)
    }
    body = []
    phase = .handling
    serial += 1
    deadline = now + timeouts.handler
    return .deliver(
      Delivery(
        request: request, serial: serial, keepAlive: head.keepAlive && !draining,
        started: requestStarted))
  }

  private mutating func refuse(_ error: HTTPError, requestID: String? = nil, now: MonotonicInstant)
    -> Action
  {
    startWriting(then: .close, now: now)
    return .refuse(
      Refusal(error: error, method: head?.method, requestID: requestID, started: requestStarted))
  }

  /// Drops consumed input: all of it when everything was consumed, else once enough leads.
  private mutating func compact() {
    if inputStart >= input.count {
      base += input.count
      input.removeAll(keepingCapacity: input.count <= 65_536)
      inputStart = 0
    } else if inputStart > compactAbove {
      base += inputStart
      input.removeFirst(inputStart)
      inputStart = 0
    }
  }
}
