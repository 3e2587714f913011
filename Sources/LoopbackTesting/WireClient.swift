import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A blocking HTTP/1.1 client on one connection to 127.0.0.1, for tests that write requests
/// byte by byte and read the responses back; every wait is bounded by `poll`.
package final class WireClient {
  package let fd: Int32
  /// Bytes received and not yet consumed by `readResponse`.
  package var buffer: [UInt8] = []
  package private(set) var isClosed = false

  /// Connects to `127.0.0.1:port`; `send` gives up after `sendTimeoutSeconds` when the
  /// server stops reading.
  package init(port: Int, sendTimeoutSeconds: Int = 5) throws(LoopbackError) {
    fd = try Loopback.connect(port: port, sendTimeoutSeconds: sendTimeoutSeconds)
  }

  deinit { close() }

  /// The client's own port, which the server reports as the request's remote address.
  package var localPort: Int {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  package func close() {
    guard !isClosed else { return }
    isClosed = true
    Glibc.close(fd)
  }

  /// Stops sending (half-close): the server reads end-of-file.
  package func shutdownWrite() {
    _ = Glibc.shutdown(fd, Int32(SHUT_WR))
  }

  package func send(_ text: String) throws(LoopbackError) { try send(Array(text.utf8)) }

  package func send(_ bytes: [UInt8]) throws(LoopbackError) {
    try Loopback.sendAll(fd, bytes)
  }

  package enum ReadOutcome: Equatable {
    case data
    case endOfFile
    case timeout
    /// An error such as ECONNRESET.
    case failed(Int32)
  }

  /// Waits for bytes until `deadline`, appending what comes to `buffer`.
  package func readMore(until deadline: ContinuousClock.Instant) -> ReadOutcome {
    while true {
      let remaining = deadline - .now
      if remaining <= .zero { return .timeout }
      var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let millis =
        remaining.components.seconds * 1000
        + remaining.components.attoseconds / 1_000_000_000_000_000
      let ready = poll(&descriptor, 1, Int32(clamping: max(1, millis)))
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
  package func readResponse(head: Bool = false, timeout: Duration = .seconds(5))
    throws(LoopbackError) -> HTTPReply
  {
    let deadline = ContinuousClock.now + timeout
    while true {
      if let response = try parseResponse(head: head, atEndOfFile: false) { return response }
      switch readMore(until: deadline) {
      case .data:
        continue
      case .endOfFile, .failed:
        if let response = try parseResponse(head: head, atEndOfFile: true) { return response }
        throw LoopbackError(
          "the connection closed before a full response arrived; got \(buffer.count) bytes: "
            + String(decoding: buffer.prefix(300), as: UTF8.self).debugDescription)
      case .timeout:
        throw LoopbackError(
          "no full response within \(timeout); got \(buffer.count) bytes: "
            + String(decoding: buffer.prefix(300), as: UTF8.self).debugDescription)
      }
    }
  }

  /// Sends one request and reads its response.
  package func exchange(_ request: String, head: Bool = false, timeout: Duration = .seconds(5))
    throws(LoopbackError) -> HTTPReply
  {
    try send(request)
    return try readResponse(head: head, timeout: timeout)
  }

  /// Parses a response from the front of `buffer` and consumes it; nil if incomplete.
  private func parseResponse(head: Bool, atEndOfFile: Bool) throws(LoopbackError) -> HTTPReply? {
    let terminator: [UInt8] = [13, 10, 13, 10]
    guard let end = buffer.firstRange(of: terminator)?.lowerBound else { return nil }
    let headText = String(decoding: buffer[..<end], as: UTF8.self)
    let lines = headText.components(separatedBy: "\r\n")
    let statusLine = lines[0].split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
    guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/"), let status = Int(statusLine[1])
    else { throw LoopbackError("malformed status line \(lines[0].debugDescription)") }
    var headers: [(name: String, value: String)] = []
    for line in lines.dropFirst() {
      guard let colon = line.firstIndex(of: ":") else {
        throw LoopbackError("malformed header line \(line.debugDescription)")
      }
      headers.append(
        (
          name: String(line[..<colon]),
          value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        ))
    }
    var response = HTTPReply(
      version: String(statusLine[0]), status: status,
      reason: statusLine.count > 2 ? String(statusLine[2]) : "", headers: headers, body: [])
    let bodyStart = end + 4
    if head || (100..<200).contains(status) || status == 204 || status == 304 {
      buffer.removeFirst(bodyStart)
      return response
    }
    if let lengthText = response.header("Content-Length") {
      guard let length = Int(lengthText) else {
        throw LoopbackError("bad Content-Length \(lengthText.debugDescription)")
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
  package func waitForClose(timeout: Duration = .seconds(3)) -> Bool {
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
  package func staysOpen(for duration: Duration) -> Bool {
    readMore(until: ContinuousClock.now + duration) == .timeout
  }
}
