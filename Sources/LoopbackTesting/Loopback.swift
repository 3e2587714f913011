#if canImport(Glibc)
  import Glibc
#endif

/// A socket call that failed in a test client, with `strerror`'s words.
package struct LoopbackError: Error, CustomStringConvertible, Sendable {
  package let description: String
  package init(_ description: String) { self.description = description }
}

/// Raw TCP to a server on 127.0.0.1, for tests that must control every byte on the wire.
package enum Loopback {
  /// A connected, blocking socket with TCP_NODELAY; `send` gives up after
  /// `sendTimeoutSeconds` when the server stops reading.
  package static func connect(port: Int, sendTimeoutSeconds: Int = 5) throws(LoopbackError)
    -> Int32
  {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw LoopbackError("socket: \(reason(errno))") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard result == 0 else {
      let failure = errno
      Glibc.close(fd)
      throw LoopbackError("connect to port \(port): \(reason(failure))")
    }
    var timeout = timeval(tv_sec: sendTimeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    return fd
  }

  /// Sends every byte, retrying after interrupts.
  package static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws(LoopbackError) {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes.withUnsafeBytes {
        Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
      }
      if sent > 0 {
        offset += sent
      } else if sent < 0 && errno == EINTR {
        continue
      } else {
        throw LoopbackError("send: \(reason(errno))")
      }
    }
  }

  static func reason(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text)
  }
}
