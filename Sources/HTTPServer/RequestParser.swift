/// The parsed head of a request: request line and header section, and how its body is framed.
package struct RequestHead: Sendable {
  package var method: String
  package var target: String
  package var version: HTTPVersion
  package var headers: HTTPHeaders
  package var framing: BodyFraming
  /// Whether the connection stays open after the answer.
  package var keepAlive: Bool
  /// The client waits for `100 Continue` before it sends the body.
  package var expectsContinue: Bool
}

package enum BodyFraming: Sendable, Equatable {
  case none
  case length(Int)
  case chunked
}

/// Limits the parser enforces.
package struct ParserLimits: Sendable {
  package var maxHeaderBytes: Int
  package var maxHeaderFields: Int
  package var maxBodyBytes: Int

  package init(maxHeaderBytes: Int, maxHeaderFields: Int, maxBodyBytes: Int) {
    self.maxHeaderBytes = maxHeaderBytes
    self.maxHeaderFields = maxHeaderFields
    self.maxBodyBytes = maxBodyBytes
  }
}

/// An HTTP/1.1 request parser (RFC 9112), strict where laxness lets requests be smuggled:
/// CRLF line ends only, no whitespace before a colon, no folded lines, one Content-Length,
/// never Content-Length together with Transfer-Encoding, chunked as the only coding.
package enum RequestParser {
  enum HeadResult: Equatable {
    case needMore
    /// The head, and the offset just past its blank line.
    case head(RequestHead, end: Int)
    case failure(HTTPError)

    static func == (a: HeadResult, b: HeadResult) -> Bool {
      switch (a, b) {
      case (.needMore, .needMore): true
      case (.head(_, let x), .head(_, let y)): x == y
      case (.failure(let x), .failure(let y)): x == y
      default: false
      }
    }
  }

  /// Looks for a complete head in `buffer` starting at `start`.
  static func parseHead(_ buffer: [UInt8], from start: Int, limits: ParserLimits) -> HeadResult {
    var begin = start
    // A server ignores at least one empty line before the request line (RFC 9112 2.2).
    while begin + 1 < buffer.count, buffer[begin] == 13, buffer[begin + 1] == 10,
      begin - start < 8
    {
      begin += 2
    }
    let searchEnd = min(buffer.count, begin + limits.maxHeaderBytes)
    var index = begin
    var end: Int?
    while index + 3 < searchEnd {
      if buffer[index + 3] != 10 {
        index += buffer[index + 3] == 13 ? 1 : 4
        continue
      }
      if buffer[index] == 13, buffer[index + 1] == 10, buffer[index + 2] == 13 {
        end = index + 4
        break
      }
      index += 1
    }
    guard let end else {
      // A head whose lines end in bare LF never shows CR LF CR LF: refuse it now rather
      // than wait for the header timeout.
      // The first bare CR or bare LF, as head(_:_:_:limits:) would find it in the whole head,
      // so the answer does not depend on how the bytes were cut into reads.
      var i = begin
      while i < searchEnd {
        if buffer[i] == 10 && (i == begin || buffer[i - 1] != 13) {
          return .failure(HTTPError(400, "bare LF in the request head"))
        }
        if buffer[i] == 13 && i + 1 < searchEnd && buffer[i + 1] != 10 {
          return .failure(HTTPError(400, "bare CR in the request head"))
        }
        i += 1
      }
      if buffer.count - begin >= limits.maxHeaderBytes {
        return .failure(
          HTTPError(431, "the request head is larger than \(limits.maxHeaderBytes) bytes"))
      }
      return .needMore
    }
    do {
      return .head(try head(buffer, begin, end - 2, limits: limits), end: end)
    } catch {
      return .failure(error)
    }
  }

  /// Parses lines between `begin` and `end` (the CRLF ending the last header line).
  private static func head(_ b: [UInt8], _ begin: Int, _ end: Int, limits: ParserLimits)
    throws(HTTPError)
    -> RequestHead
  {
    var lines: [Range<Int>] = []
    var lineStart = begin
    var i = begin
    while i < end {
      let byte = b[i]
      if byte == 13 {
        guard i + 1 < end + 2, b[i + 1] == 10 else {
          throw HTTPError(400, "bare CR in the request head")
        }
        lines.append(lineStart..<i)
        i += 2
        lineStart = i
        continue
      }
      if byte == 10 { throw HTTPError(400, "bare LF in the request head") }
      i += 1
    }
    if lineStart < end { lines.append(lineStart..<end) }
    guard let requestLine = lines.first else { throw HTTPError(400, "empty request") }
    let (method, target, version) = try self.requestLine(b[requestLine])
    guard lines.count - 1 <= limits.maxHeaderFields else {
      throw HTTPError(431, "more than \(limits.maxHeaderFields) header fields")
    }
    var headers = HTTPHeaders()
    for line in lines.dropFirst() {
      let (name, value) = try field(b[line])
      headers.add(name, value)
    }
    return try frame(
      method: method, target: target, version: version, headers: headers, limits: limits)
  }

  private static func requestLine(_ line: ArraySlice<UInt8>) throws(HTTPError) -> (
    String, String, HTTPVersion
  ) {
    let parts = line.split(separator: 32, omittingEmptySubsequences: false)
    guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
      throw HTTPError(400, "malformed request line")
    }
    guard parts[0].allSatisfy(isTokenByte) else { throw HTTPError(400, "malformed method") }
    guard parts[1].allSatisfy({ $0 > 32 && $0 < 127 }) else {
      throw HTTPError(400, "malformed request target")
    }
    let version: HTTPVersion
    switch Array(parts[2]) {
    case Array("HTTP/1.1".utf8): version = .http11
    case Array("HTTP/1.0".utf8): version = .http10
    case let other:
      // HTTP-version = "HTTP/" DIGIT "." DIGIT
      if other.count == 8, other.starts(with: Array("HTTP/".utf8)), isDigit(other[5]),
        other[6] == UInt8(ascii: "."), isDigit(other[7])
      {
        // A higher HTTP/1 minor version is read as HTTP/1.1 (RFC 9112 2.3).
        guard other[5] == UInt8(ascii: "1") else {
          throw HTTPError(505, "only HTTP/1.0 and HTTP/1.1 are supported")
        }
        return (
          String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self),
          .http11
        )
      }
      throw HTTPError(400, "malformed HTTP version")
    }
    return (
      String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self), version
    )
  }

  private static func field(_ line: ArraySlice<UInt8>) throws(HTTPError) -> (String, String) {
    guard let first = line.first else { throw HTTPError(400, "empty header line") }
    if first == 32 || first == 9 { throw HTTPError(400, "folded header lines are not accepted") }
    guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
      throw HTTPError(400, "header line without a colon")
    }
    let name = line[..<colon]
    guard !name.isEmpty, name.allSatisfy(isTokenByte) else {
      throw HTTPError(400, "malformed header field name (no whitespace before the colon)")
    }
    var value = line[(colon + 1)...]
    while let f = value.first, f == 32 || f == 9 { value.removeFirst() }
    while let l = value.last, l == 32 || l == 9 { value.removeLast() }
    // field-vchar: VCHAR / obs-text, with SP and HTAB inside; no other control characters.
    guard value.allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) }) else {
      throw HTTPError(400, "control character in a header field value")
    }
    return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
  }

  private static func frame(
    method: String, target: String, version: HTTPVersion, headers: HTTPHeaders, limits: ParserLimits
  ) throws(HTTPError) -> RequestHead {
    let hosts = headers.values("Host")
    if version == .http11 && hosts.count != 1 {
      throw HTTPError(400, hosts.isEmpty ? "missing Host header" : "more than one Host header")
    }
    if hosts.count > 1 { throw HTTPError(400, "more than one Host header") }

    let lengths = headers.values("Content-Length")
    let codings = headers.tokens("Transfer-Encoding")
    var framing = BodyFraming.none
    if headers.contains("Transfer-Encoding") {
      // Both at once is how requests are smuggled past proxies (RFC 9112 6.1).
      guard lengths.isEmpty else {
        throw HTTPError(400, "Content-Length together with Transfer-Encoding")
      }
      guard version == .http11 else {
        throw HTTPError(400, "Transfer-Encoding in an HTTP/1.0 request")
      }
      if let unknown = codings.first(where: { $0 != "chunked" }) {
        throw HTTPError(501, "transfer coding \(unknown) is not supported")
      }
      guard codings == ["chunked"] else {
        throw HTTPError(400, "chunked must be applied exactly once")
      }
      framing = .chunked
    } else if let length = lengths.first {
      guard lengths.count == 1 else { throw HTTPError(400, "more than one Content-Length") }
      let digits = Array(length.utf8)
      guard !digits.isEmpty, digits.count <= 15, digits.allSatisfy(isDigit), let value = Int(length)
      else { throw HTTPError(400, "invalid Content-Length") }
      if value > limits.maxBodyBytes {
        throw HTTPError(413, "the body is larger than \(limits.maxBodyBytes) bytes")
      }
      framing = value > 0 ? .length(value) : .none
    }

    let connection = headers.tokens("Connection")
    let keepAlive =
      version == .http11 ? !connection.contains("close") : connection.contains("keep-alive")
    var expectsContinue = false
    if let expect = headers["Expect"], version == .http11 {
      guard expect.lowercasedASCII() == "100-continue" else {
        throw HTTPError(417, "only Expect: 100-continue is supported")
      }
      expectsContinue = framing != .none
    }
    return RequestHead(
      method: method, target: target, version: version, headers: headers, framing: framing,
      keepAlive: keepAlive, expectsContinue: expectsContinue)
  }

  package static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

  /// tchar (RFC 9110 5.6.2).
  package static func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"):
      return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"),
      UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"),
      UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
      UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
      return true
    default:
      return false
    }
  }
}

/// Decodes a chunked body incrementally (RFC 9112 7.1), bounded in size, extensions and
/// trailers.
struct ChunkedDecoder: Sendable {
  private enum State: Sendable {
    case size(value: Int, digits: Int)
    case extensions(value: Int)
    case sizeLF(value: Int)
    case data(remaining: Int)
    case dataCR
    case dataLF
    case trailerLineStart
    case trailerLine
    case trailerLF(empty: Bool)
    case done
  }

  private var state = State.size(value: 0, digits: 0)
  private var extensionBytes = 0
  private var trailerBytes = 0
  let maxBodyBytes: Int

  init(maxBodyBytes: Int) { self.maxBodyBytes = maxBodyBytes }

  /// Consumes bytes from `buffer[start...]`, appending data to `body`. Returns how many bytes
  /// were consumed and whether the body is complete.
  mutating func feed(_ buffer: [UInt8], from start: Int, into body: inout [UInt8]) throws(HTTPError)
    -> (consumed: Int, done: Bool)
  {
    var i = start
    while i < buffer.count {
      let byte = buffer[i]
      switch state {
      case .size(let value, let digits):
        if let digit = RequestTarget.hexValue(byte) {
          guard digits < 15 else { throw HTTPError(400, "chunk size too long") }
          state = .size(value: value << 4 | Int(digit), digits: digits + 1)
        } else if digits > 0, byte == 13 {
          state = .sizeLF(value: value)
        } else if digits > 0, byte == UInt8(ascii: ";") || byte == 32 || byte == 9 {
          state = .extensions(value: value)
        } else {
          throw HTTPError(400, "malformed chunk size")
        }
        i += 1
      case .extensions(let value):
        extensionBytes += 1
        guard extensionBytes <= 4096 else { throw HTTPError(400, "chunk extensions too long") }
        if byte == 13 {
          state = .sizeLF(value: value)
        } else if byte == 10 || (byte < 32 && byte != 9) || byte == 127 {
          throw HTTPError(400, "malformed chunk extension")
        }
        i += 1
      case .sizeLF(let value):
        guard byte == 10 else { throw HTTPError(400, "chunk size line must end in CRLF") }
        i += 1
        if value == 0 {
          state = .trailerLineStart
        } else {
          guard body.count + value <= maxBodyBytes else {
            throw HTTPError(413, "the body is larger than \(maxBodyBytes) bytes")
          }
          state = .data(remaining: value)
        }
      case .data(let remaining):
        let take = min(remaining, buffer.count - i)
        body.append(contentsOf: buffer[i..<(i + take)])
        i += take
        state = remaining == take ? .dataCR : .data(remaining: remaining - take)
      case .dataCR:
        guard byte == 13 else { throw HTTPError(400, "chunk data must end in CRLF") }
        state = .dataLF
        i += 1
      case .dataLF:
        guard byte == 10 else { throw HTTPError(400, "chunk data must end in CRLF") }
        state = .size(value: 0, digits: 0)
        i += 1
      case .trailerLineStart:
        if byte == 13 {
          state = .trailerLF(empty: true)
        } else if byte == 10 || byte == 32 || byte == 9 {
          throw HTTPError(400, "malformed trailer")
        } else {
          state = .trailerLine
          trailerBytes += 1
        }
        i += 1
      case .trailerLine:
        trailerBytes += 1
        guard trailerBytes <= 8192 else { throw HTTPError(431, "trailer section too large") }
        if byte == 13 {
          state = .trailerLF(empty: false)
        } else if byte == 10 || byte == 0 {
          throw HTTPError(400, "malformed trailer")
        }
        i += 1
      case .trailerLF(let empty):
        guard byte == 10 else { throw HTTPError(400, "trailer line must end in CRLF") }
        i += 1
        if empty {
          state = .done
          return (i - start, true)
        }
        state = .trailerLineStart
      case .done:
        return (i - start, true)
      }
    }
    if case .done = state { return (i - start, true) }
    return (i - start, false)
  }
}
