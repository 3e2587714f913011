import AlmedalenAPI
import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import HTTPServer
import KeyValueLog
import LoopbackTesting
import Testing

/// What an outside probe of the service asked for (issue 19): cursors, headers, problem
/// answers from the HTTP layer, and paths in the log however they are spelt.
@Suite struct HardeningTests {
  // MARK: Cursors

  static func base64url(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
      .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
  }

  static func base64url(_ text: String) -> String { base64url(Array(text.utf8)) }

  /// Every byte but the unreserved ones percent-encoded, for a query value.
  static func queryValue(_ text: String) -> String {
    text.utf8.map { byte in
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
        UInt8(ascii: "."), UInt8(ascii: "~"):
        String(UnicodeScalar(byte))
      default: String(format: "%%%02X", byte)
      }
    }.joined()
  }

  /// The list operations of the document: every GET that takes a `cursor`.
  static func listPaths(_ document: [String: Any]) -> [String] {
    let parameters =
      (document["components"] as? [String: Any])?["parameters"] as? [String: Any] ?? [:]
    func resolved(_ parameter: [String: Any]) -> [String: Any] {
      guard let ref = parameter["$ref"] as? String, let name = ref.split(separator: "/").last
      else { return parameter }
      return parameters[String(name)] as? [String: Any] ?? [:]
    }
    let paths = document["paths"] as? [String: Any] ?? [:]
    return paths.compactMap { path, item in
      guard let get = (item as? [String: Any])?["get"] as? [String: Any],
        let list = get["parameters"] as? [[String: Any]],
        list.map(resolved).contains(where: {
          $0["name"] as? String == "cursor" && $0["in"] as? String == "query"
        })
      else { return nil }
      return path
    }.sorted()
  }

  /// Cursors made up as an attacker would: finding 7's, the edges of each part, broken
  /// base64, other lists' real cursors, and seeded random bytes and text.
  static func madeUpCursors(realOnes: [String]) -> [String] {
    let id = UUID().uuidString
    var cursors = [
      base64url("a\u{1F}not-a-uuid"), base64url("a\u{1F}\u{1B}[2J\rforged"),
      base64url("\u{0}\u{1F}\(id)"), base64url("x\u{1F}\(id)\u{1F}y"), base64url("x"),
      base64url("x\u{1F}"), base64url("\u{1F}\(id)"), base64url("9223372036854775807\u{1F}\(id)"),
      base64url("-9223372036854775808\u{1F}\(id)"), base64url("99999999999999999999\u{1F}\(id)"),
      base64url("1.5\u{1F}\(id)"), base64url([0xFF, 0xFE, 0x1F, 0x41]),
      base64url("x\u{1F}\(id.dropLast())"), base64url("x\u{1F}{\(id)}"),
      base64url("x\u{1F}00000000-0000-0000-0000-00000000000G"),
      base64url(String(repeating: "n", count: 600) + "\u{1F}\(id)"), "", "!!!!", "a", "====",
      "QQ==", "+/+/", " ", String(repeating: "A", count: 700), "%", "abc\u{7F}", "\u{1B}[2J",
      "eA", "eB8",
    ]
    // A real cursor of another list is not one this list gave out.
    cursors += realOnes
    var random = FuzzGenerator(seed: 19)
    for _ in 0..<40 {
      let count = Int.random(in: 0...80, using: &random)
      cursors.append(base64url((0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }))
    }
    for _ in 0..<20 {
      let count = Int.random(in: 1...40, using: &random)
      cursors.append(
        String(
          (0..<count).map { _ in
            Character(UnicodeScalar(UInt8.random(in: 32...126, using: &random)))
          }))
    }
    return cursors
  }

  @Test func aCursorTheServerDidNotGiveOutIs422OnEveryList() throws {
    try withAPIFixture("api_cursor_fuzz") { fixture in
      // Enough of each to need a second page with `limit=1`.
      _ = try fixture.store.people.create(Person(name: "Anna Karlsson"))
      try fixture.storedEvent("Första", venue: fixture.venue.id)
      try fixture.storedEvent("Andra", hour: 14, venue: fixture.venue.id)
      let admin = fixture.client(fixture.admin)
      let document = try admin.get("/api/v1/openapi.json").json
      let lists = Self.listPaths(document)
      for known in ["/api/v1/events", "/api/v1/organisers", "/api/v1/people", "/api/v1/venues"] {
        #expect(lists.contains(known), "\(known) is not among the lists \(lists)")
      }
      var real: [String: String] = [:]
      for list in lists {
        let first = try admin.get(list + "?limit=1")
        #expect(first.status == 200, "\(list): \(first)")
        let next = try #require(first.json["next_cursor"] as? String, "\(list): \(first)")
        real[list] = next
        // The cursor the server gave out still works.
        let second = try admin.get(list + "?limit=1&cursor=" + Self.queryValue(next))
        #expect(second.status == 200, "\(list) with its own cursor: \(second)")
        #expect(second.items.count == 1)
      }
      for list in lists {
        let others = real.filter { $0.key != list }.map(\.value)
        for cursor in Self.madeUpCursors(realOnes: others) {
          let reply = try admin.get(list + "?limit=1&cursor=" + Self.queryValue(cursor))
          expectProblem(reply, 422, "\(list) cursor \(cursor.debugDescription)")
          #expect(
            reply.errorFields == ["cursor"], "\(list) cursor \(cursor.debugDescription): \(reply)")
        }
      }
    }
  }

  /// Finding 8: the database's message, with a client's ESC and CR in it, reached the log
  /// raw through `handler_failed`. The request that did it is now refused before any SQL,
  /// and every line the service writes, access log and its own, is escaped.
  @Test func noLogLineCarriesAClientsControlCharacters() throws {
    try withAPIFixture("api_log_escape") { fixture in
      let lines = LogLines()
      let application = Application(
        store: fixture.store, feeds: FeedSettings(baseURL: "https://almedalen.test"),
        log: { lines.append($0.text) })
      let server = HTTPServer(
        configuration: application.serverConfiguration(
          Configuration(port: 0, workerThreads: 2, logSink: { lines.append($0.text) })),
        responder: application)
      try server.start()
      defer {
        server.shutdown()
        server.wait()
      }
      let admin = APIClient(port: server.port, authorization: "Bearer \(fixture.admin.secret)")
      for list in ["/api/v1/people", "/api/v1/venues", "/api/v1/organisers", "/api/v1/events"] {
        let cursor = Self.base64url("a\u{1F}\u{1B}[2J\r\u{9B}level=info event=forged")
        let reply = try admin.get(list + "?cursor=" + Self.queryValue(cursor))
        expectProblem(reply, 422, list)
      }
      _ = try admin.get("/x%1B%5B2J%0D%C2%9B%E2%80%A8y")
      let log = lines.all
      #expect(log.count >= 5, "\(log)")
      for line in log {
        #expect(
          line.unicodeScalars.allSatisfy {
            $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) && $0 != "\u{2028}"
          }, "a raw control character in \(line.debugDescription)")
        #expect(!line.contains("event=forged"))
      }
    }
  }

  /// Collects log lines from the server's threads.
  final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) {
      lock.lock()
      lines.append(line)
      lock.unlock()
    }
    var all: [String] {
      lock.lock()
      defer { lock.unlock() }
      return lines
    }
  }

  // MARK: Headers

  /// Requests of every kind: public and authenticated, found and not, with a secret in the
  /// path, refused by the HTTP layer.
  @Test func everyAnswerSaysNosniffAndAuthenticatedOrSecretOnesNoStore() throws {
    try withAPIFixture("api_headers") { fixture in
      let event = try fixture.storedEvent("Rubriker", venue: fixture.venue.id, published: true)
      let secret = "Qx3_kL9-vT2mN8pR4sW6yZ0aB5cD7eF1gH3iJ5kL7mN"
      let anonymous = fixture.client(nil)
      let admin = fixture.client(fixture.admin)
      let own = fixture.client(fixture.own)
      let wrongToken = APIClient(port: fixture.port, authorization: "Bearer not-a-token")
      let checks: [(client: APIClient, target: String, noStore: Bool)] = [
        (anonymous, "/", false), (anonymous, "/healthz", false), (anonymous, "/robots.txt", false),
        (anonymous, "/api/v1/openapi.json", false), (anonymous, "/feeds/program.ics", false),
        (anonymous, "/feeds/program.rss", false), (anonymous, "/events/\(event.id.wire)", false),
        (anonymous, "/feeds/events/\(event.id.wire).ics", false), (anonymous, "/nowhere", false),
        (anonymous, "/api/v1/events", true), (anonymous, "/feeds/program.ics?day=x", false),
        (anonymous, "/registrations/\(secret)", true),
        (anonymous, "/api/v1/registrations/\(secret)", true),
        (anonymous, "/feeds/attendee/\(secret).ics", true),
        (admin, "/api/v1/events", true), (admin, "/api/v1/events/\(event.id.wire)", true),
        (admin, "/api/v1/organisers", true), (admin, "/api/v1/venues", true),
        (admin, "/api/v1/people", true), (admin, "/api/v1/editions", true),
        (admin, "/api/v1/conflicts", true),
        (admin, "/api/v1/events/\(event.id.wire)/history", true),
        (admin, "/api/v1/events/\(event.id.wire)/registrations", true),
        (own, "/api/v1/events?cursor=x", true), (wrongToken, "/api/v1/events", true),
        // A public answer to a request with a token may differ by token: never stored.
        (admin, "/feeds/program.ics", true), (admin, "/", true), (admin, "/robots.txt", true),
      ]
      for check in checks {
        let reply = try check.client.get(check.target)
        let label = "\(check.target) (\(check.client.authorization ?? "no token")): \(reply)"
        #expect(reply.header("X-Content-Type-Options") == "nosniff", "\(label)")
        if check.noStore {
          #expect(reply.header("Cache-Control") == "no-store", "\(label)")
        }
        // The fixture's public address is https.
        #expect(reply.header("Strict-Transport-Security") == "max-age=31536000", "\(label)")
      }
      // The anonymous 401 says how to authenticate, and is not stored either.
      let unauthorized = try anonymous.get("/api/v1/events")
      #expect(unauthorized.status == 401)
      #expect(unauthorized.header("Cache-Control") == "no-store")
    }
  }

  /// HSTS only when the public address is https: on http it would lock browsers out.
  @Test func noHSTSWhenThePublicAddressIsHTTP() throws {
    try withAPIFixture("api_no_hsts") { fixture in
      let server = HTTPServer(
        configuration: Configuration(port: 0, workerThreads: 2, logSink: nil),
        responder: Application(
          store: fixture.store, feeds: FeedSettings(baseURL: "http://127.0.0.1:8080")))
      try server.start()
      defer {
        server.shutdown()
        server.wait()
      }
      let client = APIClient(port: server.port)
      for target in ["/", "/healthz", "/nowhere", "/api/v1/events"] {
        let reply = try client.get(target)
        #expect(reply.header("Strict-Transport-Security") == nil, "\(target): \(reply)")
        #expect(reply.header("X-Content-Type-Options") == "nosniff", "\(target): \(reply)")
      }
    }
  }

  // MARK: The HTTP layer's refusals

  @Test func theHTTPLayersRefusalsAreProblemsWithTheSameHeaders() throws {
    try withAPIFixture("api_refusals") { fixture in
      let client = fixture.client(nil)
      for (target, headers, body, status) in [
        ("/feeds/program.ics?q=%zz", [(String, String)](), [UInt8](), 400),
        ("/api/v1/events/%zz", [], [], 400),
        (
          "/api/v1/registrations/resend", [("Content-Type", "application/json")],
          [UInt8](repeating: 32, count: 2 * 1024 * 1024), 413
        ),
        ("/", (0..<120).map { ("X-Filler-\($0)", "1") }, [], 431),
      ] {
        let reply = try client.raw(
          body.isEmpty ? "GET" : "POST", target, headers: headers, body: body)
        expectProblem(reply, status, target)
        #expect(reply.header("X-Content-Type-Options") == "nosniff", "\(target): \(reply)")
        #expect(
          reply.header("Strict-Transport-Security") == "max-age=31536000", "\(target): \(reply)")
        #expect(reply.json["type"] as? String == "about:blank", "\(target): \(reply)")
        #expect((reply.json["detail"] as? String)?.isEmpty == false, "\(target): \(reply)")
      }
    }
  }

  // MARK: The access log's paths

  /// Finding 6: a secret reaches the log on a misspelt path. Whatever the spelling, the
  /// secret is not in the line; a matched route logs its pattern.
  @Test func noSpellingOfAPathLogsASecret() throws {
    let secret = "Qx3_kL9-vT2mN8pR4sW6yZ0aB5cD7eF1gH3iJ5kL7mN"
    let targets = [
      "//registrations/\(secret)", "/Registrations/\(secret)", "/REGISTRATIONS/\(secret)",
      "/registrations%2F\(secret)", "/registrations%2f\(secret)", "/registrations//\(secret)",
      "///registrations/\(secret)/cancel", "/registrations/\(secret).json",
      "/registrations/\(secret)/x/y", "/api/v1//registrations/\(secret)",
      "/API/v1/Registrations/\(secret)", "/api/v1/registrations%2F\(secret)",
      "//feeds/attendee/\(secret).ics", "/Feeds/Attendee/\(secret).ICS",
      "/feeds%2Fattendee%2F\(secret).ics", "/feeds/attendee/\(secret)", "/nowhere/\(secret)",
      "/events/\(secret)", "/\(secret)", "/x/\(secret)!", "/api/v1/events/\(secret)/history",
      "/feeds/people/\(secret).ics", "/registrations/\(secret.prefix(12))",
    ]
    for target in targets {
      for method in ["GET", "HEAD", "POST", "DELETE"] {
        let logged = Application.loggedPath(try Request(method: method, target: target))
        #expect(!logged.contains(secret.prefix(12)), "\(method) \(target) is logged as \(logged)")
        #expect(
          !logged.lowercased().contains(secret.prefix(12).lowercased()),
          "\(method) \(target) is logged as \(logged)")
      }
    }
    let id = UUID().uuidString.lowercased()
    let patterns = [
      ("/api/v1/events/\(id)", "/api/v1/events/{id}"), ("/events/\(id)", "/events/{id}"),
      ("/feeds/events/\(id).ics", "/feeds/events/{id}.ics"),
      ("/registrations/\(secret)", "/registrations/{token}"),
      ("/api/v1/events/\(id)/history?x=1", "/api/v1/events/{id}/history"),
      ("/healthz", "/healthz"), ("/feeds/program.ics?day=x", "/feeds/program.ics"),
      // Unmatched, nothing that could be a secret: as it is.
      ("/nowhere/else", "/nowhere/else"), ("/Healthz", "/Healthz"),
      ("//registrations/\(secret)", "//registrations/{redacted}"),
      ("/nowhere/\(secret)", "/nowhere/{redacted}"),
    ]
    for (target, expected) in patterns {
      #expect(
        Application.loggedPath(try Request(method: "GET", target: target)) == expected, "\(target)")
    }
  }
}

/// A small deterministic generator (SplitMix64), so a failing fuzz case comes back.
struct FuzzGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
