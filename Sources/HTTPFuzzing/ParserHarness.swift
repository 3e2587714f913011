import HTTPServer

/// Drives the server's own connection state machine (`HTTPConnection`) with arbitrary bytes,
/// for the fuzzer in `Fuzz/HTTPParser/` and the regression tests over
/// `Tests/HTTPServerTests/FuzzCorpus/`.
///
/// `run` treats its bytes as everything one client sends on one connection, and plays the
/// event loop: it hands each delivered request an answer at once, reports every write as
/// done, and never lets time pass until the input has ended. It does so twice: with all bytes
/// at once, and with the bytes arriving in pieces of 1 to 7 bytes (sizes chosen from the
/// input's first byte) with the buffer compacted early. Both must give the same events.
/// After every transition it checks the machine's offsets (never backwards, never past what
/// was sent), what it buffers while it waits, body sizes against Content-Length and the limit,
/// and, in `Reference`, what the parser decided about each head against the head's bytes read
/// again with ASCII-only rules. A broken invariant stops the process (`require`: a
/// `precondition` that keeps its message in optimised builds), which the fuzzer reports as a
/// crash.
///
/// `scripts/fuzz` compiles this target against the state machine's and the parser's files
/// alone, built as a module `HTTPServer`, so the event loop and its C modules stay out.
package enum ParserHarness {
  /// Small limits, so that the fuzzer reaches them.
  static let limits = ParserLimits(maxHeaderBytes: 4096, maxHeaderFields: 64, maxBodyBytes: 65_536)

  static let timeouts = HTTPConnection.Timeouts(
    header: .seconds(10), body: .seconds(30), keepAlive: .seconds(15), handler: .seconds(30),
    write: .seconds(30))

  /// The one instant the input arrives at: no deadline passes while it does.
  static let now = MonotonicInstant(nanoseconds: 1_000_000_000)

  /// What every request is answered with.
  static let answer = Array("HTTP/1.1 204 No Content\r\n\r\n".utf8)

  /// Whether the whole input and the pieces must give the same reason for a refusal, not just
  /// the same status at the same offset (`bare-cr-then-bare-lf.http` once broke this).
  static let comparesReasons = true

  /// What the connection did, in order. Offsets count from the first byte of the input.
  /// `100 Continue` is left out: whether it is sent depends on how the bytes were cut.
  enum Event: Equatable {
    case head(
      start: Int, end: Int, method: String, target: String, version: HTTPVersion,
      fields: [String], framing: BodyFraming, keepAlive: Bool, expectsContinue: Bool)
    case request(
      path: String, segments: [String], query: [String], body: [UInt8], keepAlive: Bool)
    /// The parser refused the head or the body, or the target did not decode; `at` is where
    /// the refused request's head began.
    case refused(at: Int, status: Int, reason: String)
    /// The input ended mid-request (the server closes): where, in which phase, how many
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
    var whole = Client(input: bytes, compactAbove: Int.max)
    whole.send(0..<bytes.count)
    let expected = whole.finish()

    // The same bytes in pieces of 1...7, from a tiny generator seeded by the first byte.
    var split = Client(input: bytes, compactAbove: 32)
    var state = UInt32(bytes.first ?? 0) &* 2_654_435_761 | 1
    var offset = 0
    while offset < bytes.count {
      state ^= state << 13
      state ^= state >> 17
      state ^= state << 5
      let size = min(1 + Int(state % 7), bytes.count - offset)
      split.send(offset..<(offset + size))
      offset += size
    }
    let pieces = split.finish()
    require(
      comparesReasons
        ? pieces == expected : pieces.map(\.withoutReason) == expected.map(\.withoutReason),
      "pieces and whole input disagree:\n  whole:  \(expected)\n  pieces: \(pieces)")
  }

  /// One client and the event loop's side of its connection.
  struct Client {
    /// Everything the client will send.
    let input: [UInt8]
    var connection: HTTPConnection
    /// How much of `input` the connection has been given.
    var sent = 0
    var events: [Event] = []
    var lastConsumed = 0
    var lastHeadEnd = -1

    init(input: [UInt8], compactAbove: Int) {
      self.input = input
      connection = HTTPConnection(
        limits: ParserHarness.limits, timeouts: ParserHarness.timeouts, now: ParserHarness.now,
        compactAbove: compactAbove)
    }

    mutating func send(_ range: Range<Int>) {
      sent = range.upperBound
      perform(connection.received(input[range], now: ParserHarness.now))
    }

    /// The input has ended.
    mutating func finish() -> [Event] {
      let phase = connection.phase
      if phase != .closed && (phase == .body || connection.buffered > 0) {
        events.append(
          .incomplete(
            at: connection.consumed, phase: phase.rawValue, buffered: connection.buffered,
            body: connection.bodyCount))
      }
      // Had the client stalled instead, the deadline would end the connection.
      var stalled = connection
      let late = stalled.tick(now: ParserHarness.now + .seconds(3600))
      switch (phase, late.first) {
      case (.idle, .close), (.closed, nil): break
      case (.head, .refuse(let refusal)), (.body, .refuse(let refusal)):
        require(refusal.error.status == 408, "a stalled \(phase) answered \(refusal.error)")
      default: broken("a stalled connection in phase \(phase) did \(late)")
      }
      let ended = connection.inputEnded()
      require(
        (phase == .closed) == ended.isEmpty && connection.phase == .closed,
        "the input ended in phase \(phase): \(ended), now \(connection.phase)")
      return events
    }

    /// Plays the event loop: answers, finishes writes, records what happened.
    mutating func perform(_ actions: [HTTPConnection.Action]) {
      observe()
      for action in actions {
        switch action {
        case .deliver(let delivery):
          deliver(delivery)
        case .write:
          perform(connection.wroteAll(now: ParserHarness.now))
        case .refuse(let refusal):
          let error = refusal.error
          require(
            [400, 413, 417, 431, 501, 505].contains(error.status), "unexpected status \(error)")
          events.append(
            .refused(at: connection.requestStart, status: error.status, reason: error.reason))
          let after = connection.wroteAll(now: ParserHarness.now)
          guard case .close = after.first, after.count == 1 else {
            broken("a refusal written did \(after), not close")
          }
          perform(after)
        case .handlerTimedOut:
          broken("a handler timed out while no time passed")
        case .close:
          require(connection.phase == .closed, "close in phase \(connection.phase)")
        }
      }
    }

    /// What holds after every transition.
    mutating func observe() {
      let consumed = connection.consumed
      require(
        consumed >= lastConsumed && consumed <= sent,
        "consumed \(consumed) after \(lastConsumed), of \(sent) sent")
      lastConsumed = consumed
      require(
        connection.bodyCount <= ParserHarness.limits.maxBodyBytes, "body over the limit")
      if let head = connection.head, connection.headEnd != lastHeadEnd {
        let start = connection.requestStart
        let end = connection.headEnd
        require(end > start && end <= sent, "head \(start)..<\(end) outside 0..<\(sent)")
        require(end > lastHeadEnd, "head end \(end) before the last one, \(lastHeadEnd)")
        require(
          end - start <= ParserHarness.limits.maxHeaderBytes + 8, "head of \(end - start) bytes")
        Reference.check(head, input[start..<end])
        lastHeadEnd = end
        events.append(
          .head(
            start: start, end: end, method: head.method, target: head.target,
            version: head.version, fields: head.headers.fields.flatMap { [$0.name, $0.value] },
            framing: head.framing, keepAlive: head.keepAlive,
            expectsContinue: head.expectsContinue))
      }
      switch connection.phase {
      case .head:
        require(
          connection.buffered < ParserHarness.limits.maxHeaderBytes + 8,
          "waiting for a head with \(connection.buffered) bytes buffered")
      case .body:
        guard let head = connection.head else { broken("body phase without a head") }
        require(connection.buffered == 0, "waiting for body with bytes buffered")
        switch head.framing {
        case .length(let total):
          require(connection.bodyCount < total, "waiting for body with all of it read")
        case .chunked: break
        case .none: broken("body phase without framing")
        }
      case .idle:
        require(connection.buffered == 0, "idle with bytes buffered")
      case .handling, .writing, .closed:
        break
      }
    }

    /// A request handed over, checked and answered at once.
    mutating func deliver(_ delivery: HTTPConnection.Delivery) {
      guard let head = connection.head else { broken("delivered without a head") }
      let request = delivery.request
      switch head.framing {
      case .none: require(request.body.isEmpty, "body without framing")
      case .length(let total):
        require(request.body.count == total, "body of \(request.body.count) not \(total)")
      case .chunked: break
      }
      require(request.body.count <= ParserHarness.limits.maxBodyBytes, "body over the limit")
      require(delivery.keepAlive == head.keepAlive, "keepAlive differs from the head's")
      require(connection.phase == .handling, "delivered in phase \(connection.phase)")
      Reference.check(request)
      events.append(
        .request(
          path: request.path, segments: request.pathSegments,
          query: request.query.flatMap { [$0.name, $0.value] }, body: request.body,
          keepAlive: delivery.keepAlive))
      perform(
        connection.handlerFinished(
          serial: delivery.serial, bytes: ParserHarness.answer, keepAlive: delivery.keepAlive,
          now: ParserHarness.now))
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
