import CEpoll
import Foundation
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
  private var drainDeadline: UInt64 = 0

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
      log("level=info event=shutdown signal=\(received == SIGINT ? "SIGINT" : "SIGTERM")")
      shutdown()
    }
    waiter.start()
    wait()
  }

  // MARK: Event loop

  private func loop() {
    var events = [epoll_event](repeating: epoll_event(), count: 256)
    var nextSweep = Socket.now() + 200_000_000
    while true {
      let ready = events.withUnsafeMutableBufferPointer {
        epoll_wait(epollFD, $0.baseAddress, Int32($0.count), 200)
      }
      if ready < 0 && errno != EINTR { break }
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
      let now = Socket.now()
      if now >= nextSweep {
        sweepTimeouts(now)
        nextSweep = now + 200_000_000
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
    drainDeadline = Socket.now() + Socket.nanoseconds(configuration.shutdownGracePeriod)
    epoll_ctl(epollFD, EPOLL_CTL_DEL, listenFD, nil)
    Glibc.close(listenFD)
    listenFD = -1
    for connection in Array(connections.values) where connection.isIdle {
      close(connection)
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
        let refusal = ResponseEncoder.plain(503, "too many connections", requestID: "-")
        _ = refusal.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        Glibc.close(fd)
        continue
      }
      var one: Int32 = 1
      setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
      let peer = Socket.port(of: storage)
      let connection = Connection(
        fd: fd, id: nextConnectionID, remote: "\(peer.address):\(peer.port)")
      nextConnectionID += 1
      connection.deadline = Socket.now() + Socket.nanoseconds(configuration.keepAliveTimeout)
      connections[fd] = connection
      register(fd, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
    }
  }

  // MARK: Connections

  private func handle(_ connection: Connection, flags: UInt32) {
    if flags & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 && connection.phase != .writing {
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
    while true {
      let count = readBuffer.withUnsafeMutableBytes {
        recv(connection.fd, $0.baseAddress, $0.count, 0)
      }
      if count > 0 {
        if connection.phase == .idle {
          connection.phase = .head
          connection.requestStarted = Socket.now()
          connection.deadline =
            connection.requestStarted + Socket.nanoseconds(configuration.headerReadTimeout)
        }
        connection.input.append(contentsOf: readBuffer[0..<count])
        if count < readBuffer.count { break }
        // Stop early when more than one request's worth is waiting: the rest stays in the
        // socket until this request is answered.
        if connection.input.count - connection.inputStart
          > configuration.maxHeaderBytes + configuration.maxBodyBytes
        {
          break
        }
      } else if count == 0 {
        connection.peerClosed = true
        break
      } else {
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { break }
        close(connection)
        return
      }
    }
    advance(connection)
    if connection.peerClosed && connections[connection.fd] === connection
      && (connection.phase == .idle || connection.phase == .head || connection.phase == .body)
    {
      // The client is gone (or half-closed mid-request): nothing more will come.
      close(connection)
    }
  }

  /// Parses what has arrived and moves the connection on: to a handler, or an error answer.
  private func advance(_ connection: Connection) {
    while true {
      switch connection.phase {
      case .idle, .head:
        if connection.inputStart >= connection.input.count {
          connection.compact()
          return
        }
        if connection.phase == .idle {
          connection.phase = .head
          connection.requestStarted = Socket.now()
          connection.deadline =
            connection.requestStarted + Socket.nanoseconds(configuration.headerReadTimeout)
        }
        switch RequestParser.parseHead(
          connection.input, from: connection.inputStart, limits: configuration.parserLimits)
        {
        case .needMore:
          return
        case .failure(let error):
          refuse(connection, error)
          return
        case .head(let head, let end):
          connection.inputStart = end
          connection.head = head
          connection.body = []
          switch head.framing {
          case .none:
            dispatch(connection)
            return
          case .length, .chunked:
            connection.phase = .body
            connection.chunked =
              head.framing == .chunked
              ? ChunkedDecoder(maxBodyBytes: configuration.maxBodyBytes) : nil
            connection.deadline = Socket.now() + Socket.nanoseconds(configuration.bodyReadTimeout)
            if head.expectsContinue && connection.inputStart >= connection.input.count {
              connection.output = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
              connection.outputOffset = 0
              connection.sendingInterim = true
              connection.phase = .writing
              flush(connection)
              return
            }
          }
        }
      case .body:
        guard let head = connection.head else { return }
        if case .length(let total) = head.framing {
          let available = connection.input.count - connection.inputStart
          let take = min(available, total - connection.body.count)
          connection.body.append(
            contentsOf: connection.input[connection.inputStart..<(connection.inputStart + take)])
          connection.inputStart += take
          if connection.body.count < total {
            connection.compact()
            return
          }
        } else if var decoder = connection.chunked {
          do {
            let (consumed, done) = try decoder.feed(
              connection.input, from: connection.inputStart, into: &connection.body)
            connection.inputStart += consumed
            connection.chunked = decoder
            if !done {
              connection.compact()
              return
            }
          } catch {
            refuse(connection, error)
            return
          }
        }
        dispatch(connection)
        return
      case .handling, .writing, .closed:
        return
      }
    }
  }

  /// Hands a complete request to a worker.
  private func dispatch(_ connection: Connection) {
    guard let head = connection.head else { return }
    let requestID = makeRequestID(head.headers["X-Request-Id"])
    let request: Request
    do {
      request = try Request(
        method: head.method, target: head.target, version: head.version, headers: head.headers,
        body: connection.body, requestID: requestID, remoteAddress: connection.remote)
    } catch {
      refuse(connection, error, requestID: requestID)
      return
    }
    connection.body = []
    connection.phase = .handling
    connection.serial += 1
    connection.deadline = Socket.now() + Socket.nanoseconds(configuration.handlerTimeout)
    setInterest(connection, 0)
    let context = ResponseEncoder.Context(
      version: head.version, keepAlive: head.keepAlive && !draining, isHead: head.method == "HEAD",
      acceptsGzip: Gzip.acceptsGzip(head.headers["Accept-Encoding"]), requestID: requestID,
      date: HTTPDate.now())
    let job = Job(
      fd: connection.fd, connectionID: connection.id, serial: connection.serial, request: request,
      context: context, started: connection.requestStarted)
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
    for (connection, job) in batch.dropFirst(taken) where connection.serial == job.serial {
      connection.serial += 1
      connection.phase = .head  // so refuse() writes
      refuse(connection, HTTPError(503, "the server is busy"), requestID: job.request.requestID)
    }
  }

  /// On a worker thread: runs the handler and hands the encoded answer to the loop.
  private func run(_ job: Job) {
    var response: Response
    do {
      response = try responder.respond(to: job.request)
      if job.request.method == "HEAD" && response.status == 405 { response.body = [] }
    } catch {
      log(
        "level=error event=handler_failed id=\(AccessLog.quote(job.request.requestID)) error=\(AccessLog.quote(String(describing: error)))"
      )
      response = Response.text("Internal Server Error\n", status: 500)
    }
    var context = job.context
    // Shutdown began while the handler ran: the loop will close after this answer, so the
    // answer must say so.
    if shutdownRequested.load(ordering: .sequentiallyConsistent) { context.keepAlive = false }
    let (bytes, bodyBytes) = encoder.encode(response, context)
    let elapsed = Int64((Socket.now() - job.started) / 1000)
    if let sink = configuration.logSink {
      sink(
        AccessLog.line(
          method: job.request.method, path: configuration.loggedPath(job.request),
          status: response.status, bytes: bodyBytes, microseconds: elapsed,
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
      guard let connection = connections[completion.fd], connection.id == completion.connectionID,
        connection.serial == completion.serial, connection.phase == .handling
      else { continue }  // the client left, or the handler timed out
      connection.output = completion.bytes
      if draining && completion.keepAlive,
        let lineEnd = completion.bytes.firstIndex(of: 10)
      {
        // Shutdown began after the answer was encoded: it must still announce the close.
        connection.output.insert(contentsOf: Array("Connection: close\r\n".utf8), at: lineEnd + 1)
      }
      connection.outputOffset = 0
      connection.closeAfterWrite = !completion.keepAlive || draining
      connection.phase = .writing
      connection.deadline = Socket.now() + Socket.nanoseconds(configuration.writeTimeout)
      flush(connection)
    }
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
    if connection.sendingInterim {
      // `100 Continue` went out: now read the body.
      connection.sendingInterim = false
      connection.phase = .body
      setInterest(connection, EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
      return
    }
    if connection.closeAfterWrite {
      close(connection)
      return
    }
    connection.phase = .idle
    connection.head = nil
    connection.chunked = nil
    connection.deadline = Socket.now() + Socket.nanoseconds(configuration.keepAliveTimeout)
    setInterest(connection, EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
    // Pipelined requests may already be waiting in the buffer.
    advance(connection)
  }

  /// Answers a request the server will not hand to a handler, and closes the connection.
  private func refuse(_ connection: Connection, _ error: HTTPError, requestID: String? = nil) {
    let id = requestID ?? makeRequestID(nil)
    connection.output = ResponseEncoder.plain(error.status, error.reason, requestID: id)
    connection.outputOffset = 0
    connection.closeAfterWrite = true
    connection.phase = .writing
    connection.deadline = Socket.now() + Socket.nanoseconds(configuration.writeTimeout)
    let elapsed = Int64((Socket.now() - connection.requestStarted) / 1000)
    configuration.logSink?(
      AccessLog.line(
        method: connection.head?.method ?? "-", path: "-", status: error.status, bytes: 0,
        microseconds: elapsed, id: id, remote: connection.remote)
        + " reason=\(AccessLog.quote(error.reason))")
    // Do not read what follows a request that cannot be framed.
    _ = Glibc.shutdown(connection.fd, Int32(SHUT_RD))
    flush(connection)
  }

  private func sweepTimeouts(_ now: UInt64) {
    for connection in Array(connections.values) where now >= connection.deadline {
      switch connection.phase {
      case .idle:
        close(connection)
      case .head, .body:
        refuse(connection, HTTPError(408, "the request took too long to arrive"))
      case .handling:
        log("level=warning event=handler_timeout remote=\(connection.remote)")
        connection.serial += 1  // the late answer is dropped
        connection.phase = .head
        refuse(connection, HTTPError(503, "the handler took too long"))
      case .writing:
        close(connection)
      case .closed:
        break
      }
    }
  }

  private func close(_ connection: Connection) {
    guard connection.phase != .closed else { return }
    connection.phase = .closed
    epoll_ctl(epollFD, EPOLL_CTL_DEL, connection.fd, nil)
    Glibc.close(connection.fd)
    if connections[connection.fd] === connection { connections[connection.fd] = nil }
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

  private func log(_ line: String) {
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

/// One client connection, owned by the event loop.
final class Connection {
  enum Phase { case idle, head, body, handling, writing, closed }

  let fd: Int32
  let id: UInt64
  let remote: String
  var phase = Phase.idle
  var input: [UInt8] = []
  var inputStart = 0
  var head: RequestHead?
  var body: [UInt8] = []
  var chunked: ChunkedDecoder?
  var output: [UInt8] = []
  var outputOffset = 0
  var closeAfterWrite = false
  var sendingInterim = false
  var peerClosed = false
  var serial: UInt64 = 0
  var deadline: UInt64 = 0
  var requestStarted: UInt64 = 0
  var interest: UInt32 = EPOLLIN.rawValue | EPOLLRDHUP.rawValue

  init(fd: Int32, id: UInt64, remote: String) {
    self.fd = fd
    self.id = id
    self.remote = remote
  }

  /// Idle between requests, or connected without having sent a byte.
  var isIdle: Bool {
    phase == .idle || (phase == .head && inputStart >= input.count)
  }

  /// Drops consumed input.
  func compact() {
    if inputStart >= input.count {
      input.removeAll(keepingCapacity: input.count <= 65_536)
      inputStart = 0
    } else if inputStart > 32_768 {
      input.removeFirst(inputStart)
      inputStart = 0
    }
  }
}

struct Job: Sendable {
  let fd: Int32
  let connectionID: UInt64
  let serial: UInt64
  let request: Request
  let context: ResponseEncoder.Context
  let started: UInt64
}

struct Completion: Sendable {
  let fd: Int32
  let connectionID: UInt64
  let serial: UInt64
  let bytes: [UInt8]
  let keepAlive: Bool
}
