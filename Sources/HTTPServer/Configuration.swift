public import KeyValueLog

/// Every limit and timeout of the server, with defaults fit for the open internet.
public struct Configuration: Sendable {
  public var host: String
  /// 0 picks a free port; `HTTPServer.port` tells which.
  public var port: Int
  /// Request line plus header section.
  public var maxHeaderBytes: Int
  public var maxHeaderFields: Int
  public var maxBodyBytes: Int
  /// From a request's first byte to the end of its head.
  public var headerReadTimeout: Duration
  /// From the end of the head to the end of the body.
  public var bodyReadTimeout: Duration
  /// How long an idle keep-alive connection is kept.
  public var keepAliveTimeout: Duration
  /// How long a handler may take before the client gets 503.
  public var handlerTimeout: Duration
  /// How long a client may take to read a response.
  public var writeTimeout: Duration
  public var maxConnections: Int
  public var listenBacklog: Int
  /// Threads that run handlers (which may block on the database).
  public var workerThreads: Int
  /// Requests waiting for a worker before new ones get 503.
  public var maxQueuedRequests: Int
  /// How long shutdown waits for requests in flight.
  public var shutdownGracePeriod: Duration
  /// After a refusal (413, 431, 400…) the server stops writing, then reads and drops what
  /// the client is still sending, for at most this long and this many bytes, before it
  /// closes: closing with unread input would reset the connection and lose the answer
  /// (RFC 9112 §9.6, "lingering close").
  public var lingerTime: Duration = .seconds(5)
  public var lingerBytes: Int = 8 * 1024 * 1024
  /// Responses smaller than this are not worth compressing; the default is `Gzip.minimumBytes`,
  /// the threshold handlers that cache gzip use too.
  public var minimumCompressionBytes: Int
  /// What the access log shows of a request's path (never its query): redact secrets here.
  public var loggedPath: @Sendable (Request) -> String
  /// Where log lines go; nil silences the access log. Lines are `LogLine`s, escaped when
  /// they were made.
  public var logSink: (@Sendable (LogLine) -> Void)?
  /// Fields added to every answer, a handler's and the server's own refusals alike, unless
  /// the answer sets the field itself (`X-Content-Type-Options`, `Strict-Transport-Security`).
  public var responseHeaders: HTTPHeaders
  /// The answer the server makes itself to a request it refuses (400, 408, 413, 431, 501,
  /// 503, 505…) or whose handler threw (500): by default an RFC 9457 problem. The server
  /// adds `Connection: close` and, on 503, `Retry-After`.
  public var errorResponse: @Sendable (HTTPError) -> Response

  public init(
    host: String = "127.0.0.1", port: Int = 8080, maxHeaderBytes: Int = 16 * 1024,
    maxHeaderFields: Int = 100, maxBodyBytes: Int = 1024 * 1024,
    headerReadTimeout: Duration = .seconds(10), bodyReadTimeout: Duration = .seconds(30),
    keepAliveTimeout: Duration = .seconds(15), handlerTimeout: Duration = .seconds(30),
    writeTimeout: Duration = .seconds(30), maxConnections: Int = 10_000, listenBacklog: Int = 1024,
    workerThreads: Int = 16, maxQueuedRequests: Int = 1024,
    shutdownGracePeriod: Duration = .seconds(10), minimumCompressionBytes: Int = 512,
    loggedPath: @escaping @Sendable (Request) -> String = { $0.path },
    logSink: (@Sendable (LogLine) -> Void)? = Log.standardError,
    responseHeaders: HTTPHeaders = [:],
    errorResponse: @escaping @Sendable (HTTPError) -> Response = { Response.problem($0) }
  ) {
    self.host = host
    self.port = port
    self.maxHeaderBytes = maxHeaderBytes
    self.maxHeaderFields = maxHeaderFields
    self.maxBodyBytes = maxBodyBytes
    self.headerReadTimeout = headerReadTimeout
    self.bodyReadTimeout = bodyReadTimeout
    self.keepAliveTimeout = keepAliveTimeout
    self.handlerTimeout = handlerTimeout
    self.writeTimeout = writeTimeout
    self.maxConnections = maxConnections
    self.listenBacklog = listenBacklog
    self.workerThreads = workerThreads
    self.maxQueuedRequests = maxQueuedRequests
    self.shutdownGracePeriod = shutdownGracePeriod
    self.minimumCompressionBytes = minimumCompressionBytes
    self.loggedPath = loggedPath
    self.logSink = logSink
    self.responseHeaders = responseHeaders
    self.errorResponse = errorResponse
  }

  var connectionTimeouts: HTTPConnection.Timeouts {
    HTTPConnection.Timeouts(
      header: headerReadTimeout, body: bodyReadTimeout, keepAlive: keepAliveTimeout,
      handler: handlerTimeout, write: writeTimeout)
  }

  var parserLimits: ParserLimits {
    ParserLimits(
      maxHeaderBytes: maxHeaderBytes, maxHeaderFields: maxHeaderFields, maxBodyBytes: maxBodyBytes)
  }
}
