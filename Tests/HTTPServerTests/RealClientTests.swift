import Foundation
import Testing

@testable import HTTPServer

/// The server against clients it did not write: curl and Python's http.client. Both must be
/// installed (scripts/test checks); a missing one fails these tests rather than skipping them.
@Suite struct RealClientTests {
  static let curl = "/usr/bin/curl"

  static func python3() throws -> String {
    let candidate = ["/usr/bin/python3", "/usr/local/bin/python3"].first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
    return try #require(candidate, "python3 is not installed")
  }

  static func requireCurl() throws {
    try #require(FileManager.default.isExecutableFile(atPath: curl), "curl is not installed")
  }

  static let page = Array(
    String(repeating: "<p>Almedalsveckan: seminarier, mingel och tal i Visby.</p>\n", count: 200)
      .utf8)

  /// Records requests; `/page` is compressible, `/echo` answers with the body's length and a
  /// checksum.
  static func handler(_ seen: SharedList<Request>) -> ClosureResponder {
    ClosureResponder { request in
      seen.append(request)
      switch request.path {
      case "/page":
        return Response(headers: ["Content-Type": "text/html"], body: page, compressible: true)
      case "/echo":
        let sum = request.body.reduce(UInt64(0)) { $0 &* 31 &+ UInt64($1) }
        return .text("\(request.method) \(request.body.count) \(sum)")
      default:
        return .text("path=\(request.path)")
      }
    }
  }

  @Test func curlReusesTheConnectionAcrossTwoURLs() throws {
    try Self.requireCurl()
    let seen = SharedList<Request>()
    try withHTTPTestServer(testConfiguration(), handler: Self.handler(seen)) { server in
      let base = "http://127.0.0.1:\(server.port)"
      let result = try runProgram(Self.curl, ["-sS", "-v", "\(base)/first", "\(base)/second"])
      #expect(result.status == 0, "\(result.standardError)")
      #expect(result.output == "path=/firstpath=/second")
      let remotes = seen.all.map(\.remoteAddress)
      #expect(remotes.count == 2)
      #expect(Set(remotes).count == 1, "two connections: \(remotes)")
      #expect(result.standardError.contains("Re-using existing connection"))
    }
  }

  @Test func curlCompressed() throws {
    try Self.requireCurl()
    let seen = SharedList<Request>()
    try withHTTPTestServer(testConfiguration(), handler: Self.handler(seen)) { server in
      let headerFile = FileManager.default.temporaryDirectory
        .appendingPathComponent("almedalen-headers-\(UUID().uuidString)")
      defer { try? FileManager.default.removeItem(at: headerFile) }
      let result = try runProgram(
        Self.curl,
        [
          "-sS", "--compressed", "-D", headerFile.path, "-w", "\n%{size_download}",
          "http://127.0.0.1:\(server.port)/page",
        ])
      #expect(result.status == 0, "\(result.standardError)")
      let output = result.standardOutput
      let newline = try #require(output.lastIndex(of: 10))
      #expect(Array(output[..<newline]) == Self.page)
      let downloaded = Int(String(decoding: output[(newline + 1)...], as: UTF8.self)) ?? -1
      #expect(downloaded > 0 && downloaded < Self.page.count / 4, "downloaded \(downloaded)")
      let headers = try String(contentsOf: headerFile, encoding: .utf8).lowercased()
      #expect(headers.contains("content-encoding: gzip"))
      #expect(headers.contains("vary: accept-encoding"))
      #expect(seen.all.first.map { Gzip.acceptsGzip($0.headers["Accept-Encoding"]) } == true)
    }
  }

  @Test func curlHead() throws {
    try Self.requireCurl()
    let seen = SharedList<Request>()
    try withHTTPTestServer(testConfiguration(), handler: Self.handler(seen)) { server in
      let result = try runProgram(
        Self.curl, ["-sS", "-I", "--max-time", "5", "http://127.0.0.1:\(server.port)/page"])
      #expect(result.status == 0, "\(result.standardError)")
      let lines = result.output.components(separatedBy: "\r\n")
      #expect(lines.first == "HTTP/1.1 200 OK")
      #expect(lines.contains("Content-Length: \(Self.page.count)"))
      #expect(lines.contains { $0.hasPrefix("Date: ") })
      #expect(seen.all.map(\.method) == ["HEAD"])
    }
  }

  @Test(arguments: [false, true])
  func curlPostsALargeFile(forceExpect: Bool) throws {
    try Self.requireCurl()
    let seen = SharedList<Request>()
    try withHTTPTestServer(testConfiguration(), handler: Self.handler(seen)) { server in
      let body = patternBytes(100 * 1024, seed: 11)
      let file = FileManager.default.temporaryDirectory
        .appendingPathComponent("almedalen-upload-\(UUID().uuidString)")
      try Data(body).write(to: file)
      defer { try? FileManager.default.removeItem(at: file) }
      var arguments = ["-sS", "-v", "--max-time", "10", "--data-binary", "@\(file.path)"]
      if forceExpect { arguments += ["-H", "Expect: 100-continue"] }
      arguments.append("http://127.0.0.1:\(server.port)/echo")
      let start = ContinuousClock.now
      let result = try runProgram(Self.curl, arguments)
      #expect(result.status == 0, "\(result.standardError)")
      let sum = body.reduce(UInt64(0)) { $0 &* 31 &+ UInt64($1) }
      #expect(result.output == "POST \(body.count) \(sum)")
      let request = try #require(seen.all.first)
      #expect(request.body == body)
      if request.headers["Expect"] != nil {
        // The interim answer came at once: curl did not have to give up waiting (1 s).
        #expect(result.standardError.contains("HTTP/1.1 100 Continue"))
        #expect(ContinuousClock.now - start < .milliseconds(900))
      }
      if forceExpect { #expect(request.headers["Expect"] == "100-continue") }
    }
  }

  @Test func pythonHTTPClient() throws {
    let python = try Self.python3()
    let seen = SharedList<Request>()
    try withHTTPTestServer(testConfiguration(), handler: Self.handler(seen)) { server in
      let script = """
        import http.client, json, sys
        conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
        out = []
        conn.request("GET", "/first?x=1")
        r = conn.getresponse()
        out.append([r.status, r.read().decode(), r.getheader("Content-Length")])
        body = bytes(range(256)) * 40
        conn.request("POST", "/echo", body=body, headers={"Content-Type": "application/octet-stream"})
        r = conn.getresponse()
        out.append([r.status, r.read().decode(), r.getheader("Connection")])
        conn.request("GET", "/third")
        r = conn.getresponse()
        out.append([r.status, r.read().decode(), r.getheader("X-Request-Id")])
        conn.close()
        print(json.dumps(out))
        """
      let result = try runProgram(python, ["-c", script, String(server.port)])
      #expect(result.status == 0, "\(result.standardError)")
      let body = (0..<40).flatMap { _ in (0...255).map(UInt8.init) }
      let sum = body.reduce(UInt64(0)) { $0 &* 31 &+ UInt64($1) }
      let decoded = try JSONSerialization.jsonObject(with: Data(result.standardOutput)) as? [[Any]]
      let answers = try #require(decoded, "\(result.output)")
      try #require(answers.count == 3)
      #expect(answers[0][0] as? Int == 200)
      #expect(answers[0][1] as? String == "path=/first")
      #expect(answers[0][2] as? String == "11")
      #expect(answers[1][0] as? Int == 200)
      #expect(answers[1][1] as? String == "POST \(body.count) \(sum)")
      #expect(answers[1][2] is NSNull)
      #expect(answers[2][1] as? String == "path=/third")
      #expect((answers[2][2] as? String)?.isEmpty == false)
      // All three over one connection.
      let remotes = seen.all.map(\.remoteAddress)
      #expect(remotes.count == 3)
      #expect(Set(remotes).count == 1, "\(remotes)")
      #expect(seen.all.first?.queryValue("x") == "1")
    }
  }
}
