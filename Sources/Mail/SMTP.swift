import Glibc

/// Mail through an SMTP relay (RFC 5321), without TLS: the relay (Postfix on the host, a
/// provider's submission relay behind a local one) does TLS to the world.
public struct SMTPTransport: MailTransport {
  public let host: String
  public let port: Int
  public let heloName: String
  public let timeouts: SMTPTimeouts

  public init(host: String, port: Int, heloName: String, timeouts: SMTPTimeouts = .standard) {
    self.host = host
    self.port = port
    self.heloName = heloName
    self.timeouts = timeouts
  }

  public var description: String { "smtp://\(host):\(port)" }

  public func openSession() -> Result<any MailSession, MailTransportError> {
    do {
      let session = try SMTPSession(
        socket: try SMTPSocket.connect(host: host, port: port, timeout: timeouts.connect),
        heloName: heloName, timeouts: timeouts)
      return .success(session)
    } catch let error as SMTPError {
      return .failure(MailTransportError(error.text))
    } catch {
      return .failure(MailTransportError("\(error)"))
    }
  }
}

/// A failure on the wire, or a reply that ends the session.
struct SMTPError: Error {
  let text: String
  /// 5xx: do not retry.
  var permanent = false
}

/// One reply: the code and its lines' texts.
struct SMTPReply {
  let code: Int
  let lines: [String]
  var text: String { "\(code) " + lines.joined(separator: " / ") }
}

/// An SMTP session: greeting, EHLO (HELO if refused), then transactions until QUIT.
public final class SMTPSession: MailSession {
  let socket: SMTPSocket
  let timeouts: SMTPTimeouts
  private(set) var extensions: [String: String] = [:]
  private(set) var usable = true

  init(socket: SMTPSocket, heloName: String, timeouts: SMTPTimeouts) throws {
    self.socket = socket
    self.timeouts = timeouts
    do {
      let greeting = try socket.readReply(timeout: timeouts.greeting)
      guard greeting.code == 220 else {
        throw SMTPError(text: "greeting: " + greeting.text, permanent: greeting.code >= 500)
      }
      try socket.write("EHLO \(heloName)\r\n", timeout: timeouts.command)
      let ehlo = try socket.readReply(timeout: timeouts.command)
      if ehlo.code == 250 {
        for line in ehlo.lines.dropFirst() {
          let parts = line.split(separator: " ", maxSplits: 1)
          guard let keyword = parts.first else { continue }
          extensions[keyword.uppercased()] = parts.count > 1 ? String(parts[1]) : ""
        }
      } else if ehlo.code >= 500 {
        try socket.write("HELO \(heloName)\r\n", timeout: timeouts.command)
        let helo = try socket.readReply(timeout: timeouts.command)
        guard helo.code == 250 else { throw SMTPError(text: "HELO: " + helo.text) }
      } else {
        throw SMTPError(text: "EHLO: " + ehlo.text)
      }
    } catch {
      socket.close()
      throw error
    }
  }

  /// Whether the server offered an extension in its EHLO reply.
  public func offers(_ keyword: String) -> Bool { extensions[keyword.uppercased()] != nil }

  public func send(_ message: MailMessage) -> DeliveryOutcome {
    guard usable else { return .temporary("the connection to the relay was lost") }
    let smtputf8 = message.needsSMTPUTF8
    if smtputf8 && !offers("SMTPUTF8") {
      return .permanent("the relay does not offer SMTPUTF8, which the address needs")
    }
    let eightBit = offers("8BITMIME")
    let data = message.bytes(eightBit: eightBit)
    if let limit = extensions["SIZE"].flatMap({ Int($0) }), limit > 0, data.count > limit {
      return .permanent(
        "the message (\(data.count) bytes) is larger than the relay takes (\(limit))")
    }
    func address(_ mailbox: Mailbox) -> String {
      smtputf8 ? mailbox.address.localPart + "@" + mailbox.address.domain : mailbox.address.smtpForm
    }
    var mail = "MAIL FROM:<\(address(message.from))>"
    if eightBit { mail += " BODY=8BITMIME" }
    if smtputf8 { mail += " SMTPUTF8" }
    if extensions["SIZE"] != nil { mail += " SIZE=\(data.count)" }
    do {
      for (command, expected) in [
        (mail, 250), ("RCPT TO:<\(address(message.to))>", 250), ("DATA", 354),
      ] {
        try socket.write(command + "\r\n", timeout: timeouts.command)
        let reply = try socket.readReply(timeout: timeouts.command)
        guard reply.code == expected || (expected == 250 && reply.code == 251) else {
          return failed(command.prefix(9).trimmingCharacters(), reply)
        }
      }
      try socket.write(Self.dotStuffed(data), timeout: timeouts.dataEnd)
      let reply = try socket.readReply(timeout: timeouts.dataEnd)
      guard reply.code == 250 else { return failed("end of data", reply) }
      return .delivered
    } catch let error as SMTPError {
      usable = false
      return .temporary(error.text)
    } catch {
      usable = false
      return .temporary("\(error)")
    }
  }

  /// A refused step: 421 ends the session; otherwise RSET keeps it for the next message.
  private func failed(_ step: String, _ reply: SMTPReply) -> DeliveryOutcome {
    let text = "\(step): " + reply.text
    if reply.code == 421 {
      usable = false
      socket.close()
      return .temporary(text)
    }
    do {
      try socket.write("RSET\r\n", timeout: timeouts.command)
      let reset = try socket.readReply(timeout: timeouts.command)
      if reset.code != 250 { usable = false }
    } catch {
      usable = false
    }
    return reply.code >= 500 ? .permanent(text) : .temporary(text)
  }

  /// The message as DATA: a line that starts with `.` gets another, then `CRLF.CRLF`.
  static func dotStuffed(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(data.count + 64)
    var lineStart = true
    for byte in data {
      if lineStart && byte == 0x2E { out.append(0x2E) }
      out.append(byte)
      lineStart = byte == 0x0A
    }
    if !lineStart { out += [0x0D, 0x0A] }
    out += [0x2E, 0x0D, 0x0A]
    return out
  }

  public func close() {
    if usable {
      try? socket.write("QUIT\r\n", timeout: 2)
      _ = try? socket.readReply(timeout: 2)
    }
    usable = false
    socket.close()
  }

  deinit { socket.close() }
}

extension Substring {
  func trimmingCharacters() -> String {
    String(self).trimmingSpaces
  }
}

/// A TCP connection with a deadline on every read and write (non-blocking, poll).
final class SMTPSocket {
  private var fd: Int32
  private var buffer: [UInt8] = []
  /// A hostile server cannot make us hold more than this of one reply.
  static let maxLine = 2048
  static let maxLines = 100

  private init(fd: Int32) { self.fd = fd }

  static func connect(host: String, port: Int, timeout: Double) throws -> SMTPSocket {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_family = AF_UNSPEC
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, String(port), &hints, &list)
    guard status == 0, let first = list else {
      throw SMTPError(text: "cannot resolve \(host): " + String(cString: gai_strerror(status)))
    }
    defer { freeaddrinfo(list) }
    var lastError = "no address for \(host)"
    var entry: UnsafeMutablePointer<addrinfo>? = first
    while let info = entry {
      entry = info.pointee.ai_next
      let fd = socket(
        info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
        info.pointee.ai_protocol)
      guard fd >= 0 else { continue }
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
      var one: Int32 = 1
      setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
      if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
        return SMTPSocket(fd: fd)
      }
      if errno == EINPROGRESS {
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&poller, 1, Int32(timeout * 1000))
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if ready == 1, getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 {
          return SMTPSocket(fd: fd)
        }
        lastError =
          ready == 0
          ? "connecting to \(host):\(port) timed out"
          : "cannot connect to \(host):\(port): " + String(cString: strerror(error))
      } else {
        lastError = "cannot connect to \(host):\(port): " + String(cString: strerror(errno))
      }
      Glibc.close(fd)
    }
    throw SMTPError(text: lastError)
  }

  func write(_ text: String, timeout: Double) throws {
    try write(Array(text.utf8), timeout: timeout)
  }

  func write(_ bytes: [UInt8], timeout: Double) throws {
    guard fd >= 0 else { throw SMTPError(text: "the connection is closed") }
    let deadline = Self.now() + timeout
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { raw in
        Glibc.send(fd, raw.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
      }
      if written > 0 {
        offset += written
      } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        try wait(for: Int16(POLLOUT), until: deadline)
      } else {
        throw SMTPError(
          text: "the relay closed the connection (\(String(cString: strerror(errno))))")
      }
    }
  }

  /// One reply, multi-line (`250-…` then `250 …`), with a deadline for the whole of it.
  func readReply(timeout: Double) throws -> SMTPReply {
    let deadline = Self.now() + timeout
    var lines: [String] = []
    var code = 0
    while true {
      let line = try readLine(until: deadline)
      guard line.count >= 3, let number = Int(String(decoding: line.prefix(3), as: UTF8.self)),
        (200...599).contains(number)
      else {
        throw SMTPError(text: "the relay's reply is not SMTP: " + Self.printable(line))
      }
      if code != 0 && number != code {
        throw SMTPError(text: "the relay's reply mixes codes \(code) and \(number)")
      }
      code = number
      lines.append(Self.printable(Array(line.dropFirst(4))))
      guard lines.count <= Self.maxLines else {
        throw SMTPError(text: "the relay's reply is too long")
      }
      if line.count == 3 || line[3] != UInt8(ascii: "-") {
        return SMTPReply(code: code, lines: lines)
      }
    }
  }

  private func readLine(until deadline: Double) throws -> [UInt8] {
    while true {
      if let newline = buffer.firstIndex(of: 0x0A) {
        var line = Array(buffer[..<newline])
        buffer.removeFirst(newline + 1)
        if line.last == 0x0D { line.removeLast() }
        return line
      }
      guard buffer.count <= Self.maxLine else {
        throw SMTPError(text: "the relay sent a line too long")
      }
      guard fd >= 0 else { throw SMTPError(text: "the connection is closed") }
      var chunk = [UInt8](repeating: 0, count: 4096)
      let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
      if count > 0 {
        buffer += chunk[..<count]
      } else if count == 0 {
        throw SMTPError(text: "the relay closed the connection")
      } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
        try wait(for: Int16(POLLIN), until: deadline)
      } else {
        throw SMTPError(text: "reading from the relay failed: " + String(cString: strerror(errno)))
      }
    }
  }

  private func wait(for events: Int16, until deadline: Double) throws {
    let left = deadline - Self.now()
    guard left > 0 else { throw SMTPError(text: "the relay did not answer in time") }
    var poller = pollfd(fd: fd, events: events, revents: 0)
    let ready = poll(&poller, 1, Int32(min(left, 3600) * 1000) + 1)
    if ready == 0 { throw SMTPError(text: "the relay did not answer in time") }
  }

  func close() {
    if fd >= 0 {
      Glibc.close(fd)
      fd = -1
    }
  }

  static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }

  /// A reply's text for logs: printable ASCII, the rest as `\xNN`, at most 300 characters.
  static func printable(_ bytes: [UInt8]) -> String {
    var out = ""
    for byte in bytes.prefix(300) {
      if byte >= 0x20 && byte < 0x7F {
        out.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        out += "\\x" + String(byte, radix: 16)
      }
    }
    return out
  }
}
