#if canImport(Glibc)
  import Glibc
#endif

/// TCP_NODELAY from <netinet/tcp.h>, which Glibc's module leaves out.
private let tcpNoDelay: Int32 = 1

/// A failure on the wire: the connection is no longer usable.
struct WireError: Error {
  let reason: String
}

/// A monotonic deadline in nanoseconds.
struct Deadline {
  let nanoseconds: Int64

  static func now() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
  }

  init(seconds: Double) {
    let span = seconds.isFinite ? max(0, min(seconds, 86_400)) : 86_400
    nanoseconds = Self.now() + Int64(span * 1_000_000_000)
  }

  /// Milliseconds left for poll(), at least 0.
  var millisecondsLeft: Int32 {
    let left = (nanoseconds - Self.now() + 999_999) / 1_000_000
    return Int32(clamping: max(0, left))
  }
}

/// A TCP connection with a deadline on every read and write: a non-blocking socket waited
/// on with poll().
final class SMTPSocket {
  private var fd: Int32
  private var buffer: [UInt8] = []
  private var bufferStart = 0

  private init(fd: Int32) { self.fd = fd }

  deinit { close() }

  var isOpen: Bool { fd >= 0 }

  func close() {
    if fd >= 0 {
      Glibc.close(fd)
      fd = -1
    }
  }

  /// Resolves `host` (IPv4 and IPv6) and connects to each address in turn until one answers,
  /// within `timeout` seconds in all.
  static func connect(host: String, port: Int, timeout: Double) throws(WireError) -> SMTPSocket {
    let deadline = Deadline(seconds: timeout)
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = AI_NUMERICSERV
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, String(port), &hints, &list)
    guard status == 0, let first = list else {
      let text = String(cString: gai_strerror(status))
      throw WireError(reason: "cannot resolve \(host): \(text)")
    }
    defer { freeaddrinfo(list) }
    var lastError = "no address for \(host)"
    var cursor: UnsafeMutablePointer<addrinfo>? = first
    while let info = cursor {
      cursor = info.pointee.ai_next
      let fd = socket(
        info.pointee.ai_family,
        Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
        0)
      guard fd >= 0 else {
        lastError = "socket: \(errorText(errno))"
        continue
      }
      if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
        return SMTPSocket(fd: fd)
      }
      guard errno == EINPROGRESS else {
        lastError = "cannot connect to \(host):\(port): \(errorText(errno))"
        Glibc.close(fd)
        continue
      }
      var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
      var ready: Int32
      repeat {
        ready = poll(&descriptor, 1, deadline.millisecondsLeft)
      } while ready < 0 && errno == EINTR
      if ready == 0 {
        Glibc.close(fd)
        throw WireError(reason: "connecting to \(host):\(port) timed out after \(timeout) s")
      }
      var failure: Int32 = 0
      var length = socklen_t(MemoryLayout<Int32>.size)
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length)
      if ready > 0 && failure == 0 {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), tcpNoDelay, &one, socklen_t(MemoryLayout<Int32>.size))
        return SMTPSocket(fd: fd)
      }
      lastError = "cannot connect to \(host):\(port): \(errorText(failure != 0 ? failure : errno))"
      Glibc.close(fd)
    }
    throw WireError(reason: lastError)
  }

  /// Writes every byte before the deadline.
  func write(_ bytes: [UInt8], deadline: Deadline) throws(WireError) {
    guard fd >= 0 else { throw WireError(reason: "the connection is closed") }
    var offset = 0
    while offset < bytes.count {
      let sent = bytes.withUnsafeBytes { raw -> Int in
        guard let base = raw.baseAddress else { return 0 }
        return send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
      }
      if sent > 0 {
        offset += sent
        continue
      }
      if sent < 0 && errno == EINTR { continue }
      guard sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) else {
        throw WireError(reason: "the relay closed the connection (\(errorText(errno)))")
      }
      try wait(for: Int16(POLLOUT), deadline: deadline, what: "sending to the relay")
    }
  }

  /// One line without its CRLF (a bare LF ends a line too); refuses lines longer than
  /// `limit` octets.
  func readLine(limit: Int, deadline: Deadline) throws(WireError) -> [UInt8] {
    while true {
      if let newline = buffer[bufferStart...].firstIndex(of: 10) {
        var end = newline
        if end > bufferStart && buffer[end - 1] == 13 { end -= 1 }
        let line = Array(buffer[bufferStart..<end])
        bufferStart = newline + 1
        if bufferStart > 4096 {
          buffer.removeFirst(bufferStart)
          bufferStart = 0
        }
        guard line.count <= limit else {
          throw WireError(reason: "the relay sent a reply line longer than \(limit) octets")
        }
        return line
      }
      guard buffer.count - bufferStart <= limit + 2 else {
        throw WireError(reason: "the relay sent a reply line longer than \(limit) octets")
      }
      try fill(deadline: deadline)
    }
  }

  private func fill(deadline: Deadline) throws(WireError) {
    guard fd >= 0 else { throw WireError(reason: "the connection is closed") }
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = chunk.withUnsafeMutableBytes { raw -> Int in
        guard let base = raw.baseAddress else { return 0 }
        return recv(fd, base, raw.count, 0)
      }
      if count > 0 {
        buffer += chunk[0..<count]
        return
      }
      if count == 0 { throw WireError(reason: "the relay closed the connection") }
      if errno == EINTR { continue }
      guard errno == EAGAIN || errno == EWOULDBLOCK else {
        throw WireError(reason: "reading from the relay failed: \(errorText(errno))")
      }
      try wait(for: Int16(POLLIN), deadline: deadline, what: "waiting for the relay's reply")
    }
  }

  private func wait(for events: Int16, deadline: Deadline, what: String) throws(WireError) {
    var descriptor = pollfd(fd: fd, events: events, revents: 0)
    while true {
      let ready = poll(&descriptor, 1, deadline.millisecondsLeft)
      if ready > 0 { return }
      if ready == 0 { throw WireError(reason: "timed out \(what)") }
      if errno != EINTR { throw WireError(reason: "poll failed: \(errorText(errno))") }
    }
  }
}
