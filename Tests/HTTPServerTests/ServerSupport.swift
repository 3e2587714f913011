import Foundation
import LoopbackTesting
import Testing

@testable import HTTPServer

#if canImport(Glibc)
  import Glibc
#endif

// Helpers for the socket tests: a server on port 0 per test, a raw TCP client over POSIX
// sockets whose every read is bounded by poll(), and a runner for real clients (curl, python3).

// MARK: - Servers

/// A configuration for tests: port 0, a few workers, no access log unless asked for.
func testConfiguration(_ adjust: (inout Configuration) -> Void = { _ in }) -> Configuration {
  var configuration = Configuration(port: 0, workerThreads: 4, logSink: nil)
  adjust(&configuration)
  return configuration
}

/// Starts a server, runs `body` with it, then shuts it down and checks that `wait()` returns.
func withHTTPTestServer<T>(
  _ configuration: Configuration = testConfiguration(),
  handler: any Responder = ClosureResponder { _ in .text("ok\n") },
  sourceLocation: SourceLocation = #_sourceLocation,
  _ body: (HTTPServer) throws -> T
) throws -> T {
  let server = HTTPServer(configuration: configuration, responder: handler)
  try server.start()
  defer {
    server.shutdown()
    let stopped = waitForServer(server, timeout: .seconds(12))
    #expect(stopped, "the server did not stop", sourceLocation: sourceLocation)
  }
  return try body(server)
}

/// Calls `server.wait()` on another thread; true if it returned within `timeout`.
func waitForServer(_ server: HTTPServer, timeout: Duration) -> Bool {
  let done = DispatchSemaphore(value: 0)
  let thread = Thread {
    server.wait()
    done.signal()
  }
  thread.start()
  return done.wait(timeout: .now() + timeout.timeInterval) == .success
}

/// A list shared between threads (handlers run on the server's workers, log lines too).
final class SharedList<Element: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var elements: [Element] = []

  func append(_ element: Element) {
    lock.lock()
    elements.append(element)
    lock.unlock()
  }

  var all: [Element] {
    lock.lock()
    defer { lock.unlock() }
    return elements
  }

  var count: Int { all.count }
}

/// A configuration whose access log lines land in `lines`.
func loggingConfiguration(
  into lines: SharedList<String>, _ adjust: (inout Configuration) -> Void = { _ in }
) -> Configuration {
  testConfiguration {
    $0.logSink = { lines.append($0) }
    adjust(&$0)
  }
}

extension Duration {
  var timeInterval: TimeInterval {
    Double(components.seconds) + Double(components.attoseconds) / 1e18
  }

  var milliseconds: Int64 {
    components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
  }
}

/// Sleeps the calling thread.
func pause(_ duration: Duration) {
  Thread.sleep(forTimeInterval: duration.timeInterval)
}

/// Raises this process's soft open-files limit to the hard one (the test's client sockets
/// count against the same limit as the server's); returns the new soft limit.
@discardableResult
func raiseOpenFileLimit() -> Int {
  var limit = rlimit()
  guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
  if limit.rlim_cur < limit.rlim_max {
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
  }
  return Int(limit.rlim_cur)
}

// MARK: - A raw TCP client

typealias WireError = LoopbackError

/// An HTTP response as read off the wire.
struct WireResponse: CustomStringConvertible {
  var version: String
  var status: Int
  var reason: String
  var headers: [(name: String, value: String)]
  var body: [UInt8]

  /// The first value of a header, by case-insensitive name.
  func header(_ name: String) -> String? {
    headers.first { $0.name.lowercased() == name.lowercased() }?.value
  }

  func headerValues(_ name: String) -> [String] {
    headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
  }

  var text: String { String(decoding: body, as: UTF8.self) }

  var closesConnection: Bool {
    header("Connection")?.lowercased().contains("close") ?? false
  }

  var description: String {
    "\(version) \(status) \(reason) \(headers.map { "\($0.name): \($0.value)" }) body: \(body.count) bytes"
  }
}

/// A blocking TCP client for 127.0.0.1; every wait is bounded by a timeout.
final class WireClient {
  let fd: Int32
  /// Bytes received and not yet consumed by `readResponse`.
  var buffer: [UInt8] = []
  private(set) var isClosed = false

  /// Connects to `127.0.0.1:port`.
  init(port: Int) throws {
    fd = try Self.connectSocket(port: port)
  }

  deinit { close() }

  /// A connected socket, or the `errno` of the failure.
  static func connectSocket(port: Int) throws -> Int32 {
    try Loopback.connect(port: port)
  }

  /// The client's own port, which the server reports as the request's remote address.
  var localPort: Int {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  func close() {
    guard !isClosed else { return }
    isClosed = true
    Glibc.close(fd)
  }

  /// Stops sending (half-close): the server reads end-of-file.
  func shutdownWrite() {
    _ = Glibc.shutdown(fd, Int32(SHUT_WR))
  }

  func send(_ text: String) throws { try send(Array(text.utf8)) }

  func send(_ bytes: [UInt8]) throws {
    try Loopback.sendAll(fd, bytes)
  }

  enum ReadOutcome: Equatable {
    case data
    case endOfFile
    case timeout
    /// An error such as ECONNRESET.
    case failed(Int32)
  }

  /// Waits for bytes until `deadline`, appending what comes to `buffer`.
  func readMore(until deadline: ContinuousClock.Instant) -> ReadOutcome {
    while true {
      let remaining = deadline - .now
      if remaining <= .zero { return .timeout }
      var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let ready = poll(&descriptor, 1, Int32(clamping: max(1, remaining.milliseconds)))
      if ready < 0 {
        if errno == EINTR { continue }
        return .failed(errno)
      }
      if ready == 0 { continue }  // the loop re-checks the deadline
      var chunk = [UInt8](repeating: 0, count: 65_536)
      let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if count > 0 {
        buffer.append(contentsOf: chunk[0..<count])
        return .data
      }
      if count == 0 { return .endOfFile }
      if errno == EINTR || errno == EAGAIN { continue }
      return .failed(errno)
    }
  }

  /// Reads one response. `head` is true when it answers a HEAD request (no body follows).
  func readResponse(head: Bool = false, timeout: Duration = .seconds(5)) throws -> WireResponse {
    let deadline = ContinuousClock.now + timeout
    while true {
      if let response = try parseResponse(head: head, atEndOfFile: false) { return response }
      switch readMore(until: deadline) {
      case .data:
        continue
      case .endOfFile, .failed:
        if let response = try parseResponse(head: head, atEndOfFile: true) { return response }
        throw WireError(
          "the connection closed before a full response arrived; got \(buffer.count) bytes: "
            + String(decoding: buffer.prefix(300), as: UTF8.self).debugDescription)
      case .timeout:
        throw WireError(
          "no full response within \(timeout); got \(buffer.count) bytes: "
            + String(decoding: buffer.prefix(300), as: UTF8.self).debugDescription)
      }
    }
  }

  /// Parses a response from the front of `buffer` and consumes it; nil if incomplete.
  private func parseResponse(head: Bool, atEndOfFile: Bool) throws -> WireResponse? {
    let terminator: [UInt8] = [13, 10, 13, 10]
    guard let end = buffer.firstRange(of: terminator)?.lowerBound else { return nil }
    let headText = String(decoding: buffer[..<end], as: UTF8.self)
    let lines = headText.components(separatedBy: "\r\n")
    let statusLine = lines[0].split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
    guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/"), let status = Int(statusLine[1])
    else { throw WireError("malformed status line \(lines[0].debugDescription)") }
    var headers: [(name: String, value: String)] = []
    for line in lines.dropFirst() {
      guard let colon = line.firstIndex(of: ":") else {
        throw WireError("malformed header line \(line.debugDescription)")
      }
      headers.append(
        (
          name: String(line[..<colon]),
          value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        ))
    }
    var response = WireResponse(
      version: String(statusLine[0]), status: status,
      reason: statusLine.count > 2 ? String(statusLine[2]) : "", headers: headers, body: [])
    let bodyStart = end + 4
    if head || (100..<200).contains(status) || status == 204 || status == 304 {
      buffer.removeFirst(bodyStart)
      return response
    }
    if let lengthText = response.header("Content-Length") {
      guard let length = Int(lengthText) else {
        throw WireError("bad Content-Length \(lengthText.debugDescription)")
      }
      guard buffer.count - bodyStart >= length else { return nil }
      response.body = Array(buffer[bodyStart..<(bodyStart + length)])
      buffer.removeFirst(bodyStart + length)
      return response
    }
    // No framing: the body runs to the end of the connection.
    guard atEndOfFile else { return nil }
    response.body = Array(buffer[bodyStart...])
    buffer.removeAll()
    return response
  }

  /// Waits for the server to close the connection (end of file or reset); false if it
  /// stays open for `timeout`. Bytes that arrive meanwhile are kept in `buffer`.
  func waitForClose(timeout: Duration = .seconds(3)) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
      switch readMore(until: deadline) {
      case .data: continue
      case .endOfFile, .failed: return true
      case .timeout: return false
      }
    }
  }

  /// True if the connection is still open after `duration` with nothing arriving.
  func staysOpen(for duration: Duration) -> Bool {
    let deadline = ContinuousClock.now + duration
    return readMore(until: deadline) == .timeout
  }
}

extension WireClient {
  /// Sends one request and reads its response.
  func exchange(_ request: String, head: Bool = false, timeout: Duration = .seconds(5)) throws
    -> WireResponse
  {
    try send(request)
    return try readResponse(head: head, timeout: timeout)
  }
}

/// A plain `GET` request for `target`.
func getRequest(_ target: String, _ extraHeaders: String = "") -> String {
  "GET \(target) HTTP/1.1\r\nHost: localhost\r\n\(extraHeaders)\r\n"
}

/// One request on a fresh connection: the server still answers.
func serverAnswers(port: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
  let client = try WireClient(port: port)
  let response = try client.exchange(getRequest("/still-alive"))
  #expect(response.status == 200, sourceLocation: sourceLocation)
}

// MARK: - Child processes

struct ProcessResult {
  var status: Int32
  var standardOutput: [UInt8]
  var standardError: String
  var output: String { String(decoding: standardOutput, as: UTF8.self) }
}

/// Runs a program with output in temporary files (no pipe can fill up); kills it after
/// `timeout`.
func runProgram(_ path: String, _ arguments: [String], timeout: Duration = .seconds(20)) throws
  -> ProcessResult
{
  let directory = FileManager.default.temporaryDirectory
  let outURL = directory.appendingPathComponent("almedalen-out-\(UUID().uuidString)")
  let errURL = directory.appendingPathComponent("almedalen-err-\(UUID().uuidString)")
  for url in [outURL, errURL] {
    guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
      throw WireError("cannot create \(url.path)")
    }
  }
  defer {
    try? FileManager.default.removeItem(at: outURL)
    try? FileManager.default.removeItem(at: errURL)
  }
  let process = Process()
  process.executableURL = URL(fileURLWithPath: path)
  process.arguments = arguments
  let outHandle = try FileHandle(forWritingTo: outURL)
  let errHandle = try FileHandle(forWritingTo: errURL)
  process.standardOutput = outHandle
  process.standardError = errHandle
  process.standardInput = FileHandle.nullDevice
  try process.run()
  let deadline = ContinuousClock.now + timeout
  while process.isRunning && ContinuousClock.now < deadline { pause(.milliseconds(10)) }
  if process.isRunning {
    process.terminate()
    process.waitUntilExit()
    throw WireError("\(path) \(arguments) did not finish within \(timeout)")
  }
  process.waitUntilExit()
  try outHandle.close()
  try errHandle.close()
  return ProcessResult(
    status: process.terminationStatus,
    standardOutput: Array(try Data(contentsOf: outURL)),
    standardError: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
}

/// Decompresses with the system's `gzip -dc`, an implementation independent of the server's.
func systemGunzip(_ bytes: [UInt8]) throws -> [UInt8] {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("almedalen-body-\(UUID().uuidString).gz")
  try Data(bytes).write(to: url)
  defer { try? FileManager.default.removeItem(at: url) }
  let result = try runProgram("/usr/bin/gzip", ["-dc", url.path])
  guard result.status == 0 else { throw WireError("gzip -dc failed: \(result.standardError)") }
  return result.standardOutput
}

/// Deterministic bytes covering every byte value.
func patternBytes(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
  (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &+ $0 >> 8) }
}
