import CEpoll
import Foundation
import KeyValueLog
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// An HTTP/1.1 server: one epoll event loop for all connections, handlers on a bounded pool
/// of worker threads. Slow and idle clients cost a few hundred bytes each and never a thread.
///
/// ```swift
/// let server = HTTPServer(configuration: .init(port: 0), responder: app)
/// try server.start()
/// server.shutdown()   // drains in-flight requests, then `wait()` returns
/// ```
public final class HTTPServer: @unchecked Sendable {
  public let configuration: Configuration
  let responder: any Responder
  let encoder: ResponseEncoder

  private var listenFD: Int32 = -1
  private var epollFD: Int32 = -1
  private var wakeFD: Int32 = -1
  private var boundPort = 0
  private var workers: WorkerPool?
  private let finished = DispatchSemaphore(value: 0)
  private let shutdownRequested = Atomic<Bool>(false)
  private let completions = Mutex<[Completion]>([])
  /// The eventfd for `wake()`, -1 once the loop has closed it: workers finishing late and a
  /// `shutdown()` after the end must not write to a descriptor number now reused elsewhere.
  private let wakeHandle = Mutex<Int32>(-1)

  // Owned by the event loop thread.
  private var connections: [Int32: Connection] = [:]
  private var nextConnectionID: UInt64 = 1
  private var requestCounter: UInt64 = 0
  private let idPrefix: String = {
    var generator = SystemRandomNumberGenerator()
    return String(generator.next() as UInt32, radix: 16) + "-"
  }()
  private var draining = false
  /// Requests parsed in this turn of the loop, handed to the workers together.
  private var pendingJobs: [(connection: Connection, job: Job)] = []
  /// One read buffer for every connection: reads happen one at a time on the loop thread.
  private var readBuffer = [UInt8](repeating: 0, count: 65_536)
  private var drainDeadline = MonotonicInstant(nanoseconds: 0)
  /// The monotonic clock, read once per turn of the loop: every event of a turn happens at it.
  private var now = MonotonicInstant(nanoseconds: 0)

  public init(configuration: Configuration, responder: any Responder) {
    self.configuration = configuration
    self.responder = responder
    self.encoder = ResponseEncoder(minimumCompressionBytes: configuration.minimumCompressionBytes)
  }

  /// The port the server listens on (useful with port 0).
  public var port: Int { boundPort }

  /// Binds, listens and starts the event loop and workers; returns once connections are
  /// accepted.
  public func start() throws {
    Socket.raiseFileLimit()
    signal(SIGPIPE, SIG_IGN)
    listenFD = try Socket.listen(
      host: configuration.host, port: configuration.port, backlog: configuration.listenBacklog)
    boundPort = Socket.localPort(listenFD)
    epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
    wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
    guard epollFD >= 0, wakeFD >= 0 else { throw Socket.Failure("epoll") }
    wakeHandle.withLock { $0 = wakeFD }
    register(listenFD, events: EPOLLIN.rawValue)
    register(wakeFD, events: EPOLLIN.rawValue)
    workers = WorkerPool(
      threads: configuration.workerThreads, capacity: configuration.maxQueuedRequests)
    let thread = Thread { [self] in loop() }
    thread.name = "http-event-loop"
    thread.start()
  }

  /// Stops accepting, lets requests in flight finish (within the grace period), closes idle
  /// connections. Returns at once; `wait()` returns when all is done.
  public func shutdown() {
    shutdownRequested.store(true, ordering: .sequentiallyConsistent)
    wake()
  }

  /// Blocks until the server has shut down.
  public func wait() {
    finished.wait()
    finished.signal()
  }

  /// Starts, then serves until SIGINT or SIGTERM, then shuts down gracefully.
  public func run() throws {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    // Block them here, before any thread starts, so every thread inherits the mask and only
    // the waiter below receives them.
    pthread_sigmask(SIG_BLOCK, &signals, nil)
    try start()
    let blocked = signals
    let waiter = Thread { [self] in
      var received: Int32 = 0
      var set = blocked
      sigwait(&set, &received)
      log(LogLine(.info, "shutdown", [("signal", received == SIGINT ? "SIGINT" : "SIGTERM")]))
      shutdown()
    }
    waiter.start()
    wait()
  }

  // MARK: Event loop

  private func loop() {
    var events = [epoll_event](repeating: epoll_event(), count: 256)
    now = Socket.now()
    var nextSweep = now + .milliseconds(200)
    while true {
      let ready = events.withUnsafeMutableBufferPointer {
        epoll_wait(epollFD, $0.baseAddress, Int32($0.count), 200)
      }
      if ready < 0 && errno != EINTR { break }
      now = Socket.now()
      for index in 0..<max(0, Int(ready)) {
        let fd = events[index].data.fd
        let flags = events[index].events
        if fd == listenFD {
          acceptConnections()
        } else if fd == wakeFD {
          var value: UInt64 = 0
          _ = read(wakeFD, &value, 8)
        } else if let connection = connections[fd] {
          handle(connection, flags: flags)
        }
      }
      submitPendingJobs()
      deliverCompletions()
      submitPendingJobs()
      if shutdownRequested.load(ordering: .sequentiallyConsistent) && !draining {
        beginDraining()
      }
      if now >= nextSweep {
        for connection in Array(connections.values) {
          if let deadline = connection.lingerDeadline {
            if now >= deadline { close(connection) }
          } else {
            perform(connection.machine.tick(now: now), on: connection)
          }
        }
        nextSweep = now + .milliseconds(200)
      }
      if draining && (connections.isEmpty || now >= drainDeadline) { break }
    }
    for connection in Array(connections.values) { close(connection) }
    if listenFD >= 0 { Glibc.close(listenFD) }
    workers?.stop()
    Glibc.close(epollFD)
    wakeHandle.withLock { fd in
      Glibc.close(fd)
      fd = -1
    }
    finished.signal()
  }

  private func beginDraining() {
    draining = true
    drainDeadline = now + configuration.shutdownGracePeriod
    epoll_ctl(epollFD, EPOLL_CTL_DEL, listenFD, nil)
    Glibc.close(listenFD)
    listenFD = -1
    for connection in Array(connections.values) {
      perform(connection.machine.beginDraining(), on: connection)
    }
  }

  private func acceptConnections() {
    while true {
      var storage = sockaddr_storage()
      var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
      let fd = withUnsafeMutablePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          accept4(
            listenFD, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
        }
      }
      if fd < 0 { return }
      if connections.count >= configuration.maxConnections {
        let refusal = refusalBytes(HTTPError(503, "too many connections"), requestID: "-")
        _ = refusal.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        Glibc.close(fd)
        continue
      }
      var one: Int32 = 1
      setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
      let peer = Socket.port(of: storage)
      let connection = Connection(
        fd: fd, id: nextConnectionID, remote: "\(peer.address):\(peer.port)",
        machine: HTTPConnection(
          limits: configuration.parserLimits, timeouts: configuration.connectionTimeouts, now: now))
      nextConnectionID += 1
      connections[fd] = connection
      register(fd, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
    }
  }

  // MARK: Connections

  private func handle(_ connection: Connection, flags: UInt32) {
    if connection.refused && flags & EPOLLOUT.rawValue == 0 {
      discardInput(connection)
      return
    }
    if flags & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 && connection.machine.phase != .writing
    {
      close(connection)
      return
    }
    if flags & EPOLLOUT.rawValue != 0 {
      flush(connection)
      return
    }
    if flags & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 {
      readAvailable(connection)
    }
  }

  private func readAvailable(_ connection: Connection) {
    while isOpen(connection) {
      let count = readBuffer.withUnsafeMutableBytes {
        recv(connection.fd, $0.baseAddress, $0.count, 0)
      }
      if count > 0 {
        perform(connection.machine.received(readBuffer[0..<count], now: now), on: connection)
        if count < readBuffer.count { break }
        // Stop early when more than one request's worth is waiting: the rest stays in the
        // socket until this request is answered.
        let limits = configuration.parserLimits
        if connection.machine.buffered > limits.maxHeaderBytes + limits.maxBodyBytes { break }
      } else if count == 0 {
        perform(connection.machine.inputEnded(), on: connection)
        break
      } else {
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { break }
        close(connection)
        return
      }
    }
  }

  /// Does what the connection's state machine asks, in order, then sets what epoll watches.
  private func perform(_ actions: [HTTPConnection.Action], on connection: Connection) {
    for action in actions {
      guard isOpen(connection) else { return }
      switch action {
      case .deliver(let delivery):
        enqueue(delivery, on: connection)
      case .write(let bytes):
        writeOut(bytes, to: connection)
      case .refuse(let refusal):
        refuse(refusal, on: connection)
      case .handlerTimedOut:
        log(LogLine(.warning, "handler_timeout", [("remote", connection.remote)]))
      case .close:
        if connection.refused { linger(connection) } else { close(connection) }
      }
    }
    guard isOpen(connection) else { return }
    switch connection.machine.phase {
    case .idle, .head, .body: setInterest(connection, EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
    case .handling: setInterest(connection, 0)
    // A blocked write asked for EPOLLOUT itself.
    case .writing, .closed: break
    }
  }

  /// Queues a complete request for the workers (all of a turn's requests go together).
  private func enqueue(_ delivery: HTTPConnection.Delivery, on connection: Connection) {
    var request = delivery.request
    request.requestID = makeRequestID(request.headers["X-Request-Id"])
    request.remoteAddress = connection.remote
    let context = ResponseEncoder.Context(
      version: request.version, keepAlive: delivery.keepAlive, isHead: request.method == "HEAD",
      acceptsGzip: Gzip.acceptsGzip(request.headers["Accept-Encoding"]),
      requestID: request.requestID, date: HTTPDate.now())
    let job = Job(
      fd: connection.fd, connectionID: connection.id, serial: delivery.serial, request: request,
      context: context, started: delivery.started)
    pendingJobs.append((connection, job))
  }

  private func submitPendingJobs() {
    guard !pendingJobs.isEmpty else { return }
    let batch = pendingJobs
    pendingJobs.removeAll(keepingCapacity: true)
    let taken =
      workers?.submit(
        batch.map { item in
          let job = item.job
          return { [self] in run(job) }
        }) ?? 0
    for (connection, job) in batch.dropFirst(taken) {
      perform(
        connection.machine.handlerUnavailable(
          serial: job.serial, requestID: job.request.requestID, now: now),
        on: connection)
    }
  }

  /// On a worker thread: runs the handler and hands the encoded answer to the loop.
  private func run(_ job: Job) {
    var response: Response
    do {
      response = try responder.respond(to: job.request)
      if job.request.method == "HEAD" && response.status == 405 { response.body = [] }
    } catch {
      // The error's text goes to the log (escaped, whatever it holds), never to the client.
      log(
        LogLine(
          .error, "handler_failed",
          [("id", job.request.requestID), ("error", String(describing: error))]))
      response = configuration.errorResponse(
        HTTPError(500, "Something went wrong; quote request id \(job.request.requestID)."))
    }
    addHeadersOfEveryAnswer(&response)
    var context = job.context
    // Shutdown began while the handler ran: the loop will close after this answer, so the
    // answer must say so.
    if shutdownRequested.load(ordering: .sequentiallyConsistent) { context.keepAlive = false }
    let (bytes, bodyBytes) = encoder.encode(response, context)
    if let sink = configuration.logSink {
      sink(
        AccessLog.line(
          method: job.request.method, path: configuration.loggedPath(job.request),
          status: response.status, bytes: bodyBytes,
          microseconds: Socket.now().microseconds(since: job.started),
          id: job.request.requestID, remote: job.request.remoteAddress))
    }
    let first = completions.withLock { list -> Bool in
      list.append(
        Completion(
          fd: job.fd, connectionID: job.connectionID, serial: job.serial, bytes: bytes,
          keepAlive: context.keepAlive))
      return list.count == 1
    }
    // Only the first answer since the loop last looked needs to wake it: the loop takes
    // every waiting answer at once.
    if first { wake() }
  }

  private func deliverCompletions() {
    let ready = completions.withLock { list -> [Completion] in
      defer { list.removeAll(keepingCapacity: true) }
      return list
    }
    for completion in ready {
      // The client may have left; a late answer the state machine drops itself.
      guard let connection = connections[completion.fd], connection.id == completion.connectionID
      else { continue }
      perform(
        connection.machine.handlerFinished(
          serial: completion.serial, bytes: completion.bytes, keepAlive: completion.keepAlive,
          now: now),
        on: connection)
    }
  }

  private func writeOut(_ bytes: [UInt8], to connection: Connection) {
    connection.output = bytes
    connection.outputOffset = 0
    flush(connection)
  }

  /// Writes what it can; waits for EPOLLOUT when the socket is full.
  private func flush(_ connection: Connection) {
    while connection.outputOffset < connection.output.count {
      let sent = connection.output.withUnsafeBytes { buffer in
        send(
          connection.fd, buffer.baseAddress! + connection.outputOffset,
          buffer.count - connection.outputOffset, Int32(MSG_NOSIGNAL))
      }
      if sent > 0 {
        connection.outputOffset += sent
      } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        setInterest(connection, EPOLLOUT.rawValue)
        return
      } else {
        close(connection)
        return
      }
    }
    connection.output = []
    connection.outputOffset = 0
    perform(connection.machine.wroteAll(now: now), on: connection)
  }

  /// Answers a request the server will not hand to a handler; the connection closes after.
  private func refuse(_ refusal: HTTPConnection.Refusal, on connection: Connection) {
    let id = makeRequestID(refusal.requestID)
    let error = refusal.error
    configuration.logSink?(
      AccessLog.line(
        method: refusal.method ?? "-", path: "-", status: error.status, bytes: 0,
        microseconds: now.microseconds(since: refusal.started), id: id, remote: connection.remote
      ).adding([("reason", error.reason)]))
    // What follows a request that cannot be framed is never parsed: from here on input is
    // read only to be dropped.
    connection.refused = true
    writeOut(
      refusalBytes(error, requestID: id, isHead: refusal.method == "HEAD"), to: connection)
  }

  /// The server's own answer to a refused request, as `errorResponse` writes it, with the
  /// headers of every answer, closing the connection; 503 says when to come back.
  private func refusalBytes(_ error: HTTPError, requestID: String, isHead: Bool = false)
    -> [UInt8]
  {
    var response = configuration.errorResponse(error)
    response.status = error.status
    response.compressible = false
    // Overload and slow handlers pass: tell clients when to come back (RFC 9110 §10.2.3).
    if error.status == 503 && !response.headers.contains("Retry-After") {
      response.headers.set("Retry-After", "5")
    }
    addHeadersOfEveryAnswer(&response)
    let context = ResponseEncoder.Context(
      version: .http11, keepAlive: false, isHead: isHead, acceptsGzip: false,
      requestID: requestID, date: HTTPDate.now())
    return encoder.encode(response, context).bytes
  }

  /// `responseHeaders`, each unless the answer sets that field itself.
  private func addHeadersOfEveryAnswer(_ response: inout Response) {
    for (name, value) in configuration.responseHeaders where !response.headers.contains(name) {
      response.headers.add(name, value)
    }
  }

  /// The refusal went out: the server half-closes, so the client reads the answer and end of
  /// stream, and drops what the client still sends until it closes too, or the time or bytes
  /// allowed run out (RFC 9112 §9.6).
  private func linger(_ connection: Connection) {
    guard isOpen(connection), connection.lingerDeadline == nil else { return }
    _ = Glibc.shutdown(connection.fd, Int32(SHUT_WR))
    connection.lingerDeadline = now + configuration.lingerTime
    setInterest(connection, EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
    discardInput(connection)
  }

  /// Reads and drops input after a refusal; closes at the client's end of stream, an error,
  /// or once `lingerBytes` have been dropped.
  private func discardInput(_ connection: Connection) {
    while isOpen(connection) {
      let count = readBuffer.withUnsafeMutableBytes {
        recv(connection.fd, $0.baseAddress, $0.count, 0)
      }
      if count > 0 {
        connection.discarded += count
        if connection.discarded > configuration.lingerBytes { close(connection) }
      } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        return
      } else {
        close(connection)
      }
    }
  }

  private func isOpen(_ connection: Connection) -> Bool {
    connections[connection.fd] === connection
  }

  private func close(_ connection: Connection) {
    guard isOpen(connection) else { return }
    connections[connection.fd] = nil
    epoll_ctl(epollFD, EPOLL_CTL_DEL, connection.fd, nil)
    Glibc.close(connection.fd)
  }

  // MARK: Plumbing

  private func register(_ fd: Int32, events: UInt32) {
    var event = epoll_event()
    event.events = events
    event.data.fd = fd
    epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event)
  }

  private func setInterest(_ connection: Connection, _ events: UInt32) {
    guard connection.interest != events else { return }
    connection.interest = events
    var event = epoll_event()
    event.events = events
    event.data.fd = connection.fd
    epoll_ctl(epollFD, EPOLL_CTL_MOD, connection.fd, &event)
  }

  private func wake() {
    wakeHandle.withLock { fd in
      guard fd >= 0 else { return }
      var one: UInt64 = 1
      _ = write(fd, &one, 8)
    }
  }

  private func log(_ line: LogLine) {
    configuration.logSink?(line)
  }

  /// The client's `X-Request-Id` when it is short visible ASCII, else a fresh one: this
  /// process's random prefix and a counter, unique without a system call per request.
  private func makeRequestID(_ incoming: String?) -> String {
    if let incoming, (1...128).contains(incoming.utf8.count),
      incoming.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "\"") })
    {
      return incoming
    }
    requestCounter += 1
    return idPrefix + String(requestCounter, radix: 16)
  }
}

/// One client connection as the event loop holds it: its socket, the bytes going out, and
/// the state machine that decides everything else.
final class Connection {
  let fd: Int32
  let id: UInt64
  let remote: String
  var machine: HTTPConnection
  var output: [UInt8] = []
  var outputOffset = 0
  var interest: UInt32 = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
  /// A refusal is going out or went out: input is only dropped from now on.
  var refused = false
  var discarded = 0
  /// Set once the refusal is written and the server lingers before closing.
  var lingerDeadline: MonotonicInstant?

  init(fd: Int32, id: UInt64, remote: String, machine: HTTPConnection) {
    self.fd = fd
    self.id = id
    self.remote = remote
    self.machine = machine
  }
}

struct Job: Sendable {
  let fd: Int32
  let connectionID: UInt64
  let serial: UInt64
  let request: Request
  let context: ResponseEncoder.Context
  let started: MonotonicInstant
}

struct Completion: Sendable {
  let fd: Int32
  let connectionID: UInt64
  let serial: UInt64
  let bytes: [UInt8]
  let keepAlive: Bool
}
