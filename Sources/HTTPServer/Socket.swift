import CEpoll

#if canImport(Glibc)
  import Glibc
#endif

/// Thin helpers over POSIX sockets, epoll and eventfd.
enum Socket {
  struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ what: String) { description = "\(what): \(String(cString: strerror(errno)))" }
  }

  /// A non-blocking listening socket for `host:port` (IPv4 or IPv6).
  static func listen(host: String, port: Int, backlog: Int) throws -> Int32 {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, String(port), &hints, &list)
    guard status == 0, let first = list else {
      throw Failure("cannot resolve \(host)")
    }
    defer { freeaddrinfo(list) }
    var lastError = Failure("no address for \(host)")
    var cursor: UnsafeMutablePointer<addrinfo>? = first
    while let info = cursor {
      cursor = info.pointee.ai_next
      let fd = socket(
        info.pointee.ai_family,
        Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
        0)
      guard fd >= 0 else {
        lastError = Failure("socket")
        continue
      }
      var one: Int32 = 1
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
      if bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
        lastError = Failure("cannot bind \(host):\(port)")
        close(fd)
        continue
      }
      guard Glibc.listen(fd, Int32(backlog)) == 0 else {
        lastError = Failure("listen")
        close(fd)
        continue
      }
      return fd
    }
    throw lastError
  }

  /// The port a bound socket listens on.
  static func localPort(_ fd: Int32) -> Int {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
    }
    return port(of: storage).port
  }

  /// Address and port of a socket address, as text and number.
  static func port(of storage: sockaddr_storage) -> (address: String, port: Int) {
    var copy = storage
    var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
    switch Int32(storage.ss_family) {
    case AF_INET:
      return withUnsafePointer(to: &copy) {
        $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
          var raw = address.pointee.sin_addr
          inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
          return (Self.text(text), Int(UInt16(bigEndian: address.pointee.sin_port)))
        }
      }
    case AF_INET6:
      return withUnsafePointer(to: &copy) {
        $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
          var raw = address.pointee.sin6_addr
          inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
          return (Self.text(text), Int(UInt16(bigEndian: address.pointee.sin6_port)))
        }
      }
    default:
      return ("-", 0)
    }
  }

  static func text(_ characters: [CChar]) -> String {
    String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Raises the soft open-files limit to the hard one, so thousands of connections fit.
  static func raiseFileLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
    if limit.rlim_cur < limit.rlim_max {
      limit.rlim_cur = limit.rlim_max
      _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
  }

  /// The monotonic clock: the one place the server reads it.
  static func now() -> MonotonicInstant {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return MonotonicInstant(
      nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
  }
}
