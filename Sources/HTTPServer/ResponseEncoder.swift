import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Turns a handler's `Response` into bytes on the wire: status line, the handler's headers
/// (less those the server owns), `Date`, framing, `Connection`, `X-Request-Id`, and gzip when
/// allowed and accepted.
struct ResponseEncoder: Sendable {
  let minimumCompressionBytes: Int

  struct Context: Sendable {
    var version: HTTPVersion
    var keepAlive: Bool
    var isHead: Bool
    var acceptsGzip: Bool
    var requestID: String
    /// `Date`, taken on the event loop so workers never contend for the clock cache.
    var date: String
  }

  /// Encodes; returns the bytes and how many body bytes they carry.
  func encode(_ response: Response, _ context: Context) -> (bytes: [UInt8], bodyBytes: Int) {
    var body = response.body
    var headers = response.headers
    for owned in ["Content-Length", "Transfer-Encoding", "Connection", "Date", "Keep-Alive"] {
      headers.remove(owned)
    }
    let status = response.status
    let bodyless = status == 204 || status == 304 || (100..<200).contains(status)
    if bodyless {
      body = []
    } else if response.compressible && context.acceptsGzip
      && body.count >= minimumCompressionBytes && !headers.contains("Content-Encoding")
    {
      if let compressed = Gzip.compress(body) {
        body = compressed
        headers.set("Content-Encoding", "gzip")
      }
    }
    if response.compressible
      && !headers.values("Vary").contains(where: {
        $0.lowercased().contains("accept-encoding")
      })
    {
      headers.add("Vary", "Accept-Encoding")
    }
    var head = "HTTP/1.1 \(status) \(Response.reason(status))\r\n"
    head += "Date: \(context.date)\r\n"
    if !bodyless { head += "Content-Length: \(body.count)\r\n" }
    if !context.keepAlive {
      head += "Connection: close\r\n"
    } else if context.version == .http10 {
      head += "Connection: keep-alive\r\n"
    }
    head += "X-Request-Id: \(context.requestID)\r\n"
    for (name, value) in headers {
      // A handler's header must not break the framing: drop CR, LF and NUL.
      head += Self.sanitized(name) + ": " + Self.sanitized(value) + "\r\n"
    }
    head += "\r\n"
    var bytes = Array(head.utf8)
    if !context.isHead && !bodyless {
      bytes.append(contentsOf: body)
    }
    return (bytes, context.isHead ? 0 : body.count)
  }

  /// Without CR, LF and NUL. Works on UTF-8 bytes: "\r\n" is one Character, which a
  /// Character-wise filter for "\r" and "\n" lets through.
  static func sanitized(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else { return text }
    return String(decoding: text.utf8.filter { $0 != 13 && $0 != 10 && $0 != 0 }, as: UTF8.self)
  }
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), formatted once a second.
package enum HTTPDate {
  private static let cache = Mutex<(second: Int, text: String)>((-1, ""))
  private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
  private static let months = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
  ]

  static func now() -> String {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    let second = spec.tv_sec
    return cache.withLock { cache in
      if cache.second == second { return cache.text }
      cache = (second, format(second))
      return cache.text
    }
  }

  /// The IMF-fixdate of a moment in seconds since 1970 (for `Date` and `Last-Modified`).
  package static func format(_ seconds: Int) -> String {
    var time = time_t(seconds)
    var parts = tm()
    gmtime_r(&time, &parts)
    func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
    let weekday = days[Int(parts.tm_wday)]
    return
      "\(weekday), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
  }
}
