/// Drives the request parser the way the event loop does (`HTTPServer.advance(_:)`), for the
/// fuzzer in `Fuzz/HTTPParser/` and the regression tests over `Tests/HTTPServerTests/FuzzCorpus/`.
///
/// `run` treats its bytes as everything one client sends on one connection: heads, bodies
/// framed by Content-Length or chunked, the `Request` built from each head (which
/// percent-decodes the target), pipelined requests until the input is used up, a refusal
/// (the server closes), or a request that does not keep the connection alive. It does so
/// twice: with all bytes at once, and with the bytes arriving in pieces of 1 to 7 bytes (sizes
/// chosen from the input's first byte) with the buffer compacted as `Connection.compact()`
/// does, but early. Both must give the same events. Along the way it checks offsets (never
/// backwards, never past the buffer), body sizes against Content-Length and the limit, and,
/// in `Reference`, what the parser decided about each head against the head's bytes read
/// again with ASCII-only rules. A broken invariant stops the process (`require`: a
/// `precondition` that keeps its message in optimised builds), which the fuzzer reports as a
/// crash.
///
/// Depends on nothing but the parser's files (`RequestParser`, `Request`, `HTTPHeaders`), so
/// `scripts/fuzz` can compile it without the event loop and its C modules.
package enum ParserHarness {
  /// Small limits, so that the fuzzer reaches them.
  static let limits = ParserLimits(maxHeaderBytes: 4096, maxHeaderFields: 64, maxBodyBytes: 65_536)

  /// Whether the whole input and the pieces must give the same reason for a refusal, not just
  /// the same status at the same offset (`bare-cr-then-bare-lf.http` once broke this).
  static let comparesReasons = true

  /// What the connection saw, in order. Offsets count from the first byte of the input.
  enum Event: Equatable {
    case head(
      end: Int, method: String, target: String, version: HTTPVersion, fields: [String],
      framing: BodyFraming, keepAlive: Bool, expectsContinue: Bool)
    case request(path: String, segments: [String], query: [String], body: [UInt8])
    /// The parser refused the head or the body, or the target did not decode.
    case refused(at: Int, status: Int, reason: String)
    /// The input ended mid-request (the server would close): where, in which phase, how many
    /// unconsumed bytes were buffered and how much body was decoded.
    case incomplete(at: Int, phase: String, buffered: Int, body: Int)

    var withoutReason: Event {
      if case .refused(let at, let status, _) = self {
        return .refused(at: at, status: status, reason: "")
      }
      return self
    }
  }

  package static func run(_ bytes: [UInt8]) {
    var whole = Connection(compactAbove: Int.max)
    whole.receive(bytes[...])
    let expected = whole.finish()

    // The same bytes in pieces of 1...7, from a tiny generator seeded by the first byte.
    var split = Connection(compactAbove: 32)
    var state = UInt32(bytes.first ?? 0) &* 2_654_435_761 | 1
    var offset = 0
    while offset < bytes.count {
      state ^= state << 13
      state ^= state >> 17
      state ^= state << 5
      let size = min(1 + Int(state % 7), bytes.count - offset)
      split.receive(bytes[offset..<(offset + size)])
      offset += size
    }
    let pieces = split.finish()
    require(
      comparesReasons
        ? pieces == expected : pieces.map(\.withoutReason) == expected.map(\.withoutReason),
      "pieces and whole input disagree:\n  whole:  \(expected)\n  pieces: \(pieces)")
  }

  /// One connection's parsing state, as in `Connection`, with the steps of `advance`.
  struct Connection {
    enum Phase: String { case head, body, closed }

    var input: [UInt8] = []
    var inputStart = 0
    /// Offset in the whole input of `input[0]` (compaction drops consumed bytes).
    var base = 0
    var phase = Phase.head
    var head: RequestHead?
    var body: [UInt8] = []
    var chunked: ChunkedDecoder?
    /// Offset in the whole input where the current body began.
    var bodyStart = 0
    var events: [Event] = []
    let compactAbove: Int

    init(compactAbove: Int) { self.compactAbove = compactAbove }

    mutating func receive(_ bytes: ArraySlice<UInt8>) {
      guard phase != .closed else { return }
      input.append(contentsOf: bytes)
      advance()
    }

    /// The input has ended.
    mutating func finish() -> [Event] {
      if phase != .closed && (phase == .body || inputStart < input.count) {
        events.append(
          .incomplete(
            at: base + inputStart, phase: phase.rawValue, buffered: input.count - inputStart,
            body: body.count))
      }
      return events
    }

    /// `Connection.compact()`, with a threshold of our choosing.
    mutating func compact() {
      if inputStart >= input.count {
        base += input.count
        input.removeAll(keepingCapacity: true)
        inputStart = 0
      } else if inputStart > compactAbove {
        base += inputStart
        input.removeFirst(inputStart)
        inputStart = 0
      }
    }

    /// `at` is where the head or body being read began, or the end of a complete request.
    mutating func refuse(_ error: HTTPError, at: Int) {
      require(
        [400, 413, 417, 431, 501, 505].contains(error.status), "unexpected status \(error)")
      events.append(.refused(at: at, status: error.status, reason: error.reason))
      phase = .closed
    }

    mutating func advance() {
      while true {
        switch phase {
        case .head:
          if inputStart >= input.count {
            compact()
            return
          }
          let start = inputStart
          switch RequestParser.parseHead(input, from: start, limits: ParserHarness.limits) {
          case .needMore:
            require(
              input.count - start < ParserHarness.limits.maxHeaderBytes + 8,
              "needMore with \(input.count - start) bytes buffered")
            return
          case .failure(let error):
            refuse(error, at: base + start)
            return
          case .head(let head, let end):
            require(
              end > start && end <= input.count, "head end \(end) outside \(start)...\(input.count)"
            )
            require(
              end - start <= ParserHarness.limits.maxHeaderBytes + 8,
              "head of \(end - start) bytes")
            Reference.check(head, input[start..<end])
            inputStart = end
            bodyStart = base + end
            self.head = head
            body = []
            events.append(
              .head(
                end: base + end, method: head.method, target: head.target, version: head.version,
                fields: head.headers.fields.flatMap { [$0.name, $0.value] },
                framing: head.framing, keepAlive: head.keepAlive,
                expectsContinue: head.expectsContinue))
            switch head.framing {
            case .none:
              dispatch()
            case .length, .chunked:
              phase = .body
              chunked =
                head.framing == .chunked
                ? ChunkedDecoder(maxBodyBytes: ParserHarness.limits.maxBodyBytes) : nil
            }
          }
        case .body:
          guard let head else { broken("body phase without a head") }
          if case .length(let total) = head.framing {
            let available = input.count - inputStart
            let take = min(available, total - body.count)
            require(take >= 0, "negative take")
            body.append(contentsOf: input[inputStart..<(inputStart + take)])
            inputStart += take
            require(body.count <= total, "body longer than its Content-Length")
            if body.count < total {
              require(inputStart == input.count, "waiting for body with bytes buffered")
              compact()
              return
            }
          } else if var decoder = chunked {
            let before = body.count
            do {
              let (consumed, done) = try decoder.feed(input, from: inputStart, into: &body)
              require(
                consumed >= 0 && inputStart + consumed <= input.count,
                "consumed \(consumed) from \(inputStart) of \(input.count)")
              require(body.count >= before, "the decoder shrank the body")
              require(
                body.count <= ParserHarness.limits.maxBodyBytes, "chunked body over the limit")
              require(
                done || inputStart + consumed == input.count,
                "not done but \(input.count - inputStart - consumed) bytes left unconsumed")
              inputStart += consumed
              chunked = decoder
              if !done {
                compact()
                return
              }
            } catch {
              require(
                body.count <= ParserHarness.limits.maxBodyBytes, "chunked body over the limit")
              refuse(error, at: bodyStart)
              return
            }
          } else {
            broken("body phase without framing")
          }
          dispatch()
        case .closed:
          return
        }
      }
    }

    /// Builds the request, as `HTTPServer.dispatch` does; the answer is taken as written.
    mutating func dispatch() {
      guard let head else { broken("dispatch without a head") }
      switch head.framing {
      case .none: require(body.isEmpty, "body without framing")
      case .length(let total):
        require(body.count == total, "body of \(body.count) not \(total)")
      case .chunked: break
      }
      require(body.count <= ParserHarness.limits.maxBodyBytes, "body over the limit")
      do {
        let request = try Request(
          method: head.method, target: head.target, version: head.version, headers: head.headers,
          body: body)
        Reference.check(request)
        events.append(
          .request(
            path: request.path, segments: request.pathSegments,
            query: request.query.flatMap { [$0.name, $0.value] }, body: request.body))
      } catch {
        refuse(error, at: base + inputStart)
        return
      }
      body = []
      chunked = nil
      self.head = nil
      // A response that closes the connection ends it; otherwise the next request may wait.
      phase = head.keepAlive ? .head : .closed
    }
  }

  /// Independent checks, on bytes and ASCII only, of what the parser decided.
  enum Reference {
    static func lowerASCII(_ bytes: some Sequence<UInt8>) -> [UInt8] {
      bytes.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
    }

    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
      var value = bytes
      while let f = value.first, f == 32 || f == 9 { value.removeFirst() }
      while let l = value.last, l == 32 || l == 9 { value.removeLast() }
      return value
    }

    /// A head's raw bytes (with any leading empty lines and the final blank line) against
    /// what the parser made of them.
    static func check(_ head: RequestHead, _ raw: ArraySlice<UInt8>) {
      var bytes = raw
      while bytes.starts(with: [13, 10]) { bytes.removeFirst(2) }
      require(raw.count - bytes.count <= 8, "more than four empty lines skipped")
      let crlf: [UInt8] = [13, 10, 13, 10]
      require(
        bytes.count >= 4 && bytes.suffix(4).elementsEqual(crlf), "head without a blank line")
      var lines: [ArraySlice<UInt8>] = []
      var lineStart = bytes.startIndex
      var i = bytes.startIndex
      while i < bytes.endIndex - 2 {
        require(bytes[i] != 10, "bare LF accepted")
        if bytes[i] == 13 {
          require(bytes[i + 1] == 10, "bare CR accepted")
          lines.append(bytes[lineStart..<i])
          i += 2
          lineStart = i
        } else {
          i += 1
        }
      }
      require(lines.count >= 1, "no request line")
      let parts = lines[0].split(separator: 32, omittingEmptySubsequences: false)
      require(parts.count == 3, "request line without three parts")
      require(Array(head.method.utf8) == Array(parts[0]), "method differs from its bytes")
      require(Array(head.target.utf8) == Array(parts[1]), "target differs from its bytes")
      require(
        parts[0].allSatisfy(RequestParser.isTokenByte) && !parts[0].isEmpty, "malformed method")
      require(parts[1].allSatisfy { $0 > 32 && $0 < 127 } && !parts[1].isEmpty, "bad target")
      // HTTP/1.0, HTTP/1.1, and a higher HTTP/1 minor version read as HTTP/1.1 (RFC 9112 2.3).
      let version = Array(parts[2])
      require(
        version.count == 8 && version.starts(with: Array("HTTP/1.".utf8))
          && RequestParser.isDigit(version[7])
          && (version[7] == UInt8(ascii: "0")) == (head.version == .http10),
        "version \(version) read as \(head.version)")

      // name -> values, names lowercased
      let fieldLines = lines.dropFirst()
      require(fieldLines.count == head.headers.count, "header count differs from its lines")
      require(fieldLines.count <= ParserHarness.limits.maxHeaderFields, "too many fields")
      var fields: [(name: [UInt8], value: ArraySlice<UInt8>)] = []
      for (line, field) in zip(fieldLines, head.headers.fields) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
          broken("field line without a colon")
        }
        let name = line[..<colon]
        let value = trimmed(line[(colon + 1)...])
        require(!name.isEmpty && name.allSatisfy(RequestParser.isTokenByte), "bad name")
        require(value.allSatisfy { $0 == 9 || ($0 >= 32 && $0 != 127) }, "CTL in a value")
        require(Array(field.name.utf8) == Array(name), "field name differs from its bytes")
        require(
          field.value == String(decoding: value, as: UTF8.self),
          "field value differs from its bytes")
        fields.append((lowerASCII(name), value))
      }
      func values(_ name: String) -> [ArraySlice<UInt8>] {
        let key = Array(name.utf8)
        return fields.filter { $0.name == key }.map(\.value)
      }
      func tokens(_ name: String) -> [[UInt8]] {
        values(name).flatMap { $0.split(separator: UInt8(ascii: ",")) }.map {
          lowerASCII(trimmed($0))
        }.filter { !$0.isEmpty }
      }

      let hosts = values("host").count
      require(hosts <= 1 && (head.version == .http10 || hosts == 1), "Host count \(hosts)")

      let codings = values("transfer-encoding")
      let lengths = values("content-length")
      if !codings.isEmpty {
        require(lengths.isEmpty, "Content-Length together with Transfer-Encoding")
        require(head.version == .http11, "Transfer-Encoding in HTTP/1.0")
        require(
          tokens("transfer-encoding") == [Array("chunked".utf8)],
          "Transfer-Encoding \(codings.map { Array($0) }) taken as \(head.framing)")
        require(head.framing == .chunked, "Transfer-Encoding chunked not framed as chunked")
      } else if let length = lengths.first {
        require(lengths.count == 1, "more than one Content-Length")
        require(
          !length.isEmpty && length.count <= 15 && length.allSatisfy(RequestParser.isDigit),
          "Content-Length \(Array(length)) accepted")
        let value = length.reduce(0) { $0 * 10 + Int($1 - 48) }
        require(value <= ParserHarness.limits.maxBodyBytes, "Content-Length over the limit")
        require(
          head.framing == (value > 0 ? .length(value) : .none),
          "Content-Length \(value) framed as \(head.framing)")
      } else {
        require(head.framing == .none, "no framing headers, framed as \(head.framing)")
      }

      let connection = tokens("connection")
      let keepAlive =
        head.version == .http11
        ? !connection.contains(Array("close".utf8)) : connection.contains(Array("keep-alive".utf8))
      require(
        head.keepAlive == keepAlive,
        "Connection \(values("connection").map { Array($0) }) taken as keepAlive \(head.keepAlive)")

      if head.version == .http11, let expect = values("expect").first {
        require(
          lowerASCII(expect) == Array("100-continue".utf8),
          "Expect \(Array(expect)) accepted")
        require(head.expectsContinue == (head.framing != .none), "expectsContinue wrong")
      } else {
        require(!head.expectsContinue, "expectsContinue without Expect")
      }
    }

    /// A built request: decoded parts free of NUL, the path agreeing with its segments.
    static func check(_ request: Request) {
      require(!request.path.utf8.contains(0), "NUL in the decoded path")
      require(
        request.pathSegments.allSatisfy { !$0.utf8.contains(0) }, "NUL in a decoded segment")
      require(
        request.query.allSatisfy { !$0.name.utf8.contains(0) && !$0.value.utf8.contains(0) },
        "NUL in a decoded query")
      if request.target == "*" {
        require(request.method == "OPTIONS" && request.path == "*", "asterisk-form accepted")
        return
      }
      require(request.path.hasPrefix("/"), "decoded path \(request.path) without a slash")
      let lower = lowerASCII(request.target.utf8)
      if !lower.starts(with: Array("/".utf8)) {
        require(
          lower.starts(with: Array("http://".utf8)) || lower.starts(with: Array("https://".utf8)),
          "target \(request.target) accepted")
      }
      // Without an encoded slash, the segments joined are the path.
      let rawPath = lower.prefix { $0 != UInt8(ascii: "?") }
      if !rawPath.windowsContain(Array("%2f".utf8)) {
        require(
          "/" + request.pathSegments.joined(separator: "/") == request.path,
          "segments \(request.pathSegments) do not make path \(request.path)")
      }
    }
  }
}

/// `precondition` that says what broke in optimised builds too (the fuzzer's), where
/// `precondition` drops its message; the fuzzer shows it with the crash.
private func require(
  _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
  file: StaticString = #file, line: UInt = #line
) {
  if !condition() { broken(message(), file: file, line: line) }
}

private func broken(
  _ message: @autoclosure () -> String, file: StaticString = #file, line: UInt = #line
) -> Never {
  fatalError("ParserHarness: \(message())", file: file, line: line)
}

extension Collection where Element == UInt8 {
  fileprivate func windowsContain(_ needle: [UInt8]) -> Bool {
    var rest = self[...]
    while !rest.isEmpty {
      if rest.starts(with: needle) { return true }
      rest = rest.dropFirst()
    }
    return false
  }
}
