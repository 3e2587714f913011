import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// What the scripted server does in answer to a greeting, a command or the end of the data.
enum ServerAction: Sendable {
  /// Sends these lines, each followed by CRLF.
  case lines([String])
  /// Sends these bytes as they are.
  case raw([UInt8])
  /// Answers nothing, ever (until the server stops).
  case hang
  /// Closes the connection.
  case close

  /// Sends these lines, each followed by CRLF.
  static func reply(_ lines: String...) -> ServerAction { .lines(lines) }
}

/// An SMTP server on 127.0.0.1 (or ::1) for the tests: it accepts connections one after another on a
/// thread of its own, reads command lines and the data, and answers as `script` says. It
/// records every command line and every message's data exactly as they came off the wire.
final class ScriptedSMTPServer: @unchecked Sendable {
  /// The commands of one connection ("." standing for each end of data) and the raw data (up to and including CRLF.CRLF) of each
  /// message.
  struct Connection: Sendable {
    var commands: [String] = []
    var data: [[UInt8]] = []
  }

  typealias Script = @Sendable (_ command: String) -> ServerAction

  let port: Int
  /// `127.0.0.1` or `[::1]`.
  let host: String
  private let listener: Int32
  private let greeting: ServerAction
  private let script: Script
  private let lock = NSLock()
  private var stopped = false
  private var recorded: [Connection] = []
  private let finished = DispatchSemaphore(value: 0)

  /// A server that greets with `greeting` and answers commands through `script`; `DATA`'s
  /// 354 makes it read the data, after which `script` is asked about the command `"."`.
  init(
    greeting: ServerAction = .reply("220 test.example ESMTP ready"), ipv6: Bool = false,
    script: @escaping Script
  ) throws {
    let fd = socket(
      ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw ServerError("socket") }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var bound: Int32
    if ipv6 {
      var address = sockaddr_in6()
      address.sin6_family = sa_family_t(AF_INET6)
      address.sin6_port = 0
      address.sin6_addr = in6addr_loopback
      bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
      }
    } else {
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = 0
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
    }
    guard bound == 0, listen(fd, 8) == 0 else {
      close(fd)
      throw ServerError("bind/listen")
    }
    var actual = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    _ = withUnsafeMutablePointer(to: &actual) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    port = withUnsafePointer(to: &actual) {
      $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
        // sin_port and sin6_port sit at the same offset.
        Int(UInt16(bigEndian: $0.pointee.sin_port))
      }
    }
    host = ipv6 ? "[::1]" : "127.0.0.1"
    listener = fd
    self.greeting = greeting
    self.script = script
    let thread = Thread { [self] in
      run()
      finished.signal()
    }
    thread.start()
  }

  /// `smtp://127.0.0.1:PORT` or `smtp://[::1]:PORT`.
  var setting: String { "smtp://\(host):\(port)" }

  /// Stops accepting and closes every connection; waits for the thread.
  func stop() {
    lock.lock()
    let already = stopped
    stopped = true
    lock.unlock()
    if !already { _ = finished.wait(timeout: .now() + 5) }
  }

  deinit {
    stop()
    close(listener)
  }

  /// Every connection so far, in order.
  var connections: [Connection] {
    lock.lock()
    defer { lock.unlock() }
    return recorded
  }

  /// Every command of every connection, in order.
  var commands: [String] { connections.flatMap(\.commands) }

  /// Every message's data, in order.
  var messages: [[UInt8]] { connections.flatMap(\.data) }

  private var isStopped: Bool {
    lock.lock()
    defer { lock.unlock() }
    return stopped
  }

  private func record(_ change: (inout Connection) -> Void) {
    lock.lock()
    if let last = recorded.indices.last { change(&recorded[last]) }
    lock.unlock()
  }

  private func run() {
    while !isStopped {
      var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      guard poll(&descriptor, 1, 50) > 0 else { continue }
      let client = accept(listener, nil, nil)
      guard client >= 0 else { continue }
      lock.lock()
      recorded.append(Connection())
      lock.unlock()
      serve(client)
      close(client)
    }
  }

  /// Answers one connection until it ends, the script closes it, or the server stops.
  private func serve(_ client: Int32) {
    var reader = LineReader(fd: client, stopped: { [self] in isStopped })
    guard perform(greeting, on: client) else { return }
    while let line = reader.line() {
      let command = String(decoding: line, as: UTF8.self)
      record { $0.commands.append(command) }
      let action = script(command)
      if case .lines(let lines) = action, command.uppercased() == "DATA",
        lines.last?.hasPrefix("354") == true
      {
        guard perform(action, on: client) else { return }
        guard let data = reader.data() else { return }
        record {
          $0.data.append(data)
          $0.commands.append(".")
        }
        guard perform(script("."), on: client) else { return }
        continue
      }
      guard perform(action, on: client) else { return }
      if command.uppercased() == "QUIT" { return }
    }
  }

  /// False when the connection is to end.
  private func perform(_ action: ServerAction, on client: Int32) -> Bool {
    switch action {
    case .lines(let lines):
      return sendAll(client, Array(lines.map { $0 + "\r\n" }.joined().utf8))
    case .raw(let bytes):
      return sendAll(client, bytes)
    case .hang:
      while !isStopped { usleep(20_000) }
      return false
    case .close:
      return false
    }
  }

  private func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes.withUnsafeBytes {
        send(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset, Int32(MSG_NOSIGNAL))
      }
      if sent <= 0 { return false }
      offset += sent
    }
    return true
  }
}

struct ServerError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// Reads CRLF lines and DATA sections off a blocking socket, polling so that a stopped
/// server is noticed.
private struct LineReader {
  let fd: Int32
  let stopped: () -> Bool
  var buffer: [UInt8] = []

  init(fd: Int32, stopped: @escaping () -> Bool) {
    self.fd = fd
    self.stopped = stopped
  }

  mutating func fill() -> Bool {
    while !stopped() {
      var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let ready = poll(&descriptor, 1, 50)
      if ready == 0 { continue }
      var chunk = [UInt8](repeating: 0, count: 65_536)
      let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      guard count > 0 else { return false }
      buffer += chunk[0..<count]
      return true
    }
    return false
  }

  /// The next line without its CRLF.
  mutating func line() -> [UInt8]? {
    while true {
      if let end = buffer.indices.first(where: {
        buffer[$0] == 10 && $0 > 0 && buffer[$0 - 1] == 13
      }) {
        let line = Array(buffer[..<(end - 1)])
        buffer.removeFirst(end + 1)
        return line
      }
      guard fill() else { return nil }
    }
  }

  /// The data up to and including the CRLF.CRLF that ends it, exactly as sent.
  mutating func data() -> [UInt8]? {
    let end: [UInt8] = [13, 10, 46, 13, 10]
    while true {
      if buffer.starts(with: [46, 13, 10]) {
        buffer.removeFirst(3)
        return [46, 13, 10]
      }
      if buffer.count >= end.count {
        for start in 0...(buffer.count - end.count) where Array(buffer[start..<start + 5]) == end {
          let data = Array(buffer[..<(start + 5)])
          buffer.removeFirst(start + 5)
          return data
        }
      }
      guard fill() else { return nil }
    }
  }
}
