/// One HTTP request, parsed, with its whole body.
public struct Request: Sendable {
  public var method: String
  /// The request target as sent (`/feeds/program.ics?day=2026-06-23`).
  public var target: String
  /// The path, percent-decoded once, as UTF-8.
  public var path: String
  /// The path's segments, each percent-decoded on its own (so `%2F` stays inside a segment).
  public var pathSegments: [String]
  /// Query parameters in order, percent-decoded, `+` read as a space.
  public var query: [(name: String, value: String)]
  public var version: HTTPVersion
  public var headers: HTTPHeaders
  public var body: [UInt8]
  /// From `X-Request-Id` when the client sent a sane one, else made here.
  public var requestID: String
  /// The peer's address, for logs.
  public var remoteAddress: String

  public init(
    method: String, target: String, version: HTTPVersion = .http11, headers: HTTPHeaders = [:],
    body: [UInt8] = [], requestID: String = "test", remoteAddress: String = "-"
  ) throws(HTTPError) {
    self.method = method
    self.target = target
    self.version = version
    self.headers = headers
    self.body = body
    self.requestID = requestID
    self.remoteAddress = remoteAddress
    let parts = try RequestTarget.parse(target, method: method)
    path = parts.path
    pathSegments = parts.segments
    query = parts.query
  }

  /// The first value of a query parameter.
  public func queryValue(_ name: String) -> String? {
    query.first { $0.name == name }?.value
  }

  /// Every value of a query parameter.
  public func queryValues(_ name: String) -> [String] {
    query.filter { $0.name == name }.map(\.value)
  }
}

/// The two HTTP/1 versions this server speaks.
public enum HTTPVersion: Sendable, Hashable {
  case http10, http11

  var text: String { self == .http10 ? "HTTP/1.0" : "HTTP/1.1" }
}

/// A request the server refuses before any handler sees it, with its status.
public struct HTTPError: Error, Sendable, Equatable {
  public let status: Int
  public let reason: String

  public init(_ status: Int, _ reason: String) {
    self.status = status
    self.reason = reason
  }
}

/// Splits and decodes a request target.
enum RequestTarget {
  struct Parts {
    var path: String
    var segments: [String]
    var query: [(name: String, value: String)]
  }

  static func parse(_ target: String, method: String) throws(HTTPError) -> Parts {
    var bytes = Array(target.utf8)
    if bytes == [UInt8(ascii: "*")] {
      guard method == "OPTIONS" else { throw HTTPError(400, "asterisk-form is for OPTIONS only") }
      return Parts(path: "*", segments: [], query: [])
    }
    if bytes.first != UInt8(ascii: "/") {
      // absolute-form: scheme "://" authority path-abempty [ "?" query ]
      let lower = target.lowercased()
      guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
        throw HTTPError(400, "request target must be a path or an absolute URI")
      }
      let afterScheme = bytes.firstIndex(of: UInt8(ascii: ":"))! + 3
      guard afterScheme < bytes.count,
        bytes[afterScheme] != UInt8(ascii: "/")
      else {
        throw HTTPError(400, "absolute URI without a host")
      }
      if let slash = bytes[afterScheme...].firstIndex(where: {
        $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?")
      }) {
        bytes = Array(bytes[slash...])
        if bytes.first == UInt8(ascii: "?") { bytes.insert(UInt8(ascii: "/"), at: 0) }
      } else {
        bytes = [UInt8(ascii: "/")]
      }
    }
    let question = bytes.firstIndex(of: UInt8(ascii: "?"))
    let rawPath = bytes[..<(question ?? bytes.endIndex)]
    let rawQuery = question.map { bytes[($0 + 1)...] } ?? []
    guard let path = percentDecode(rawPath, plusIsSpace: false) else {
      throw HTTPError(400, "the path is not valid percent-encoded UTF-8")
    }
    var segments: [String] = []
    for raw in rawPath.dropFirst().split(
      separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    {
      guard let segment = percentDecode(raw, plusIsSpace: false) else {
        throw HTTPError(400, "the path is not valid percent-encoded UTF-8")
      }
      segments.append(segment)
    }
    var query: [(name: String, value: String)] = []
    for pair in rawQuery.split(separator: UInt8(ascii: "&")) {
      let equals = pair.firstIndex(of: UInt8(ascii: "="))
      guard let name = percentDecode(pair[..<(equals ?? pair.endIndex)], plusIsSpace: true),
        let value = percentDecode(equals.map { pair[($0 + 1)...] } ?? [], plusIsSpace: true)
      else {
        throw HTTPError(400, "the query is not valid percent-encoded UTF-8")
      }
      query.append((name: name, value: value))
    }
    return Parts(path: path, segments: segments, query: query)
  }

  /// Decodes `%XX` escapes once; nil for a broken escape, invalid UTF-8 or a NUL.
  static func percentDecode(_ bytes: some Collection<UInt8>, plusIsSpace: Bool) -> String? {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var iterator = bytes.makeIterator()
    while let byte = iterator.next() {
      switch byte {
      case UInt8(ascii: "%"):
        guard let high = iterator.next().flatMap(hexValue),
          let low = iterator.next().flatMap(hexValue)
        else { return nil }
        out.append(high << 4 | low)
      case UInt8(ascii: "+") where plusIsSpace:
        out.append(UInt8(ascii: " "))
      default:
        out.append(byte)
      }
    }
    guard !out.contains(0) else { return nil }
    return String(validating: out, as: UTF8.self)
  }

  static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}
