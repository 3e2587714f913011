import AlmedalenAPI
import AlmedalenCore
import AlmedalenSeed
import AlmedalenStore
import Foundation
import HTTPServer
import KeyValueLog
import Postgres

/// Parses the command line and runs one command.
struct CommandLineTool {
  var arguments: [String]

  static let usage = """
    usage: almedalen COMMAND   (reads DATABASE_URL: a libpq conninfo or postgresql:// URI)

      migrate                                   apply pending Schema/ migrations
      seed demo                                 load the demo programme (safe to repeat)
      seed generate --events N [--seed S] [--year Y]
                                                add a generated festival (safe to repeat)
      token create --role admin --name NAME     print a new admin token (last line)
      token create --role organiser --organiser ID --name NAME
      token revoke --name NAME                  the token stops working at once
      token list                                names, roles, last use (never secrets)
      user create --office --email E --name N   a programme-office account; mails E an
                                                invitation to choose a password (the outbox)
      privacy export --email E                  print what is kept about E, as JSON
      privacy erase --email E                   erase E's name, email and calendar links
      privacy retention [--days N]              erase attendee data of editions that ended
                                                more than N days ago (default 30)
      mail send                                 send every message that is due (ALMEDALEN_MAIL)
      mail list [--pending|--failed|--sent]     the outbox, addresses and links redacted
      mail retry ID | --all                     send a failed message (or all) again now
      serve [--host 127.0.0.1] [--port 8080]    serve HTTP until SIGINT or SIGTERM
      summary [--year Y]                        print the programme in brief
      help

    """

  func run() throws {
    var rest = arguments
    guard let command = rest.first else { throw UsageError("no command given") }
    rest.removeFirst()
    switch command {
    case "help", "--help", "-h":
      print(Self.usage, terminator: "")
    case "migrate":
      try Options(rest, allowed: []).done()
      try migrate()
    case "seed":
      try seed(rest)
    case "token":
      try token(rest)
    case "user":
      try user(rest)
    case "privacy":
      try privacy(rest)
    case "mail":
      try MailCommands(tool: self).run(rest)
    case "serve":
      var options = try Options(rest, allowed: ["--host", "--port"])
      let host = options.string("--host") ?? "127.0.0.1"
      let port = try options.int("--port") ?? 8080
      try options.done()
      guard port <= 65_535 else { throw UsageError("--port must be at most 65535") }
      try serve(host: host, port: port)
    case "summary":
      var options = try Options(rest, allowed: ["--year"])
      let year = try options.int("--year")
      try options.done()
      try Summary(store: try store()).print(year: year)
    default:
      throw UsageError("unknown command \(command)")
    }
  }

  // MARK: Commands

  func migrate() throws {
    guard let directory = Migrator.locateSchemaDirectory() else {
      throw UsageError("cannot find Schema/: run from the checkout or set ALMEDALEN_SCHEMA_DIR")
    }
    let migrator = try Migrator(conninfo: try conninfo(), directory: directory)
    let applied = try migrator.migrate { Log.info("migrate", ["step": $0]) }
    Log.info(
      "migrate",
      ["applied": String(applied.count), "known": String(migrator.migrations.count)])
  }

  func seed(_ arguments: [String]) throws {
    guard let what = arguments.first else { throw UsageError("seed what? demo or generate") }
    var options = try Options(
      Array(arguments.dropFirst()), allowed: ["--events", "--seed", "--year"])
    switch what {
    case "demo":
      try options.done()
      let store = try store()
      let created = try DemoProgramme(store: store).load { Log.info("seed demo", ["step": $0]) }
      Log.info("seed demo", ["seminars": "2", "rows_created": String(created)])
      try generate(events: 300, seed: 2012, year: 2012)
    case "generate":
      guard let events = try options.int("--events") else {
        throw UsageError("seed generate needs --events N")
      }
      guard (1...100_000).contains(events) else {
        throw UsageError("--events must be between 1 and 100000")
      }
      let seed = try options.int("--seed") ?? 1
      let year = try options.int("--year") ?? 2026
      try options.done()
      try generate(events: events, seed: UInt64(seed), year: year)
    default:
      throw UsageError("unknown seed \(what): demo or generate")
    }
  }

  func generate(events: Int, seed: UInt64, year: Int) throws {
    let connection = try Connection(try conninfo())
    let summary = try FestivalGenerator(events: events, seed: seed, year: year).load(
      on: connection
    ) { Log.info("seed generate", ["progress": $0]) }
    if summary.alreadyLoaded {
      Log.info(
        "seed generate", ["events": String(events), "seed": String(seed), "already_loaded": "true"])
    } else {
      Log.info(
        "seed generate",
        [
          "events": String(summary.events), "venues": String(summary.venues),
          "people": String(summary.people), "organisers": String(summary.organisers),
          "participations": String(summary.participations),
          "seconds": String(format: "%.2f", summary.seconds),
        ])
    }
  }

  func token(_ arguments: [String]) throws {
    guard let what = arguments.first else { throw UsageError("token what? create, revoke or list") }
    var options = try Options(
      Array(arguments.dropFirst()), allowed: ["--role", "--name", "--organiser"])
    let tokens = try store().tokens
    switch what {
    case "create":
      guard let name = options.string("--name") else {
        throw UsageError("token create needs --name")
      }
      guard let roleText = options.string("--role"), let role = TokenRole(rawValue: roleText) else {
        throw UsageError("token create needs --role admin or --role organiser")
      }
      var organiserID: UUID?
      if let text = options.string("--organiser") {
        guard let id = UUID(uuidString: text) else { throw UsageError("--organiser must be an id") }
        organiserID = id
      }
      try options.done()
      let (token, secret) = try tokens.create(name: name, role: role, organiserID: organiserID)
      Log.info("token created", ["name": token.name, "role": token.role.rawValue])
      // The secret is shown once, alone on the last line, so scripts can take it.
      print(secret)
    case "revoke":
      guard let name = options.string("--name") else {
        throw UsageError("token revoke needs --name")
      }
      try options.done()
      guard try tokens.revoke(name: name) else {
        throw UsageError("no live token named \(name)")
      }
      Log.info("token revoked", ["name": name])
    case "list":
      try options.done()
      for token in try tokens.list() {
        print(
          [
            token.name, token.role.rawValue, token.organiserID?.uuidString ?? "-",
            token.lastUsedAt.map { PostgresTimestamp.format($0) } ?? "never",
            token.revokedAt == nil ? "live" : "revoked",
          ].joined(separator: "\t"))
      }
    default:
      throw UsageError("unknown token command \(what)")
    }
  }

  /// `user create --office --email E --name N`: the first office account can exist only
  /// this way. It has no password until the invitation mailed to E is used; an address that
  /// has an account already becomes an office account and gets a new invitation.
  func user(_ arguments: [String]) throws {
    guard arguments.first == "create" else { throw UsageError("user what? create") }
    var rest = Array(arguments.dropFirst())
    guard let office = rest.firstIndex(of: "--office") else {
      throw UsageError("user create needs --office (organisers register or are invited)")
    }
    rest.remove(at: office)
    var options = try Options(rest, allowed: ["--email", "--name"])
    guard let email = options.string("--email"), !email.isEmpty else {
      throw UsageError("user create needs --email")
    }
    guard let name = options.string("--name"), !name.isEmpty else {
      throw UsageError("user create needs --name")
    }
    try options.done()
    let accounts = try store().accounts
    let user: User
    if let existing = try accounts.user(email: email) {
      user = try accounts.setOffice(existing.id, true)
    } else {
      do {
        user = try accounts.createUser(email: email, name: name, office: true)
      } catch StoreError.invalid(let validation) {
        throw UsageError(
          validation.problems.map { "--\($0.field): \($0.message)" }.joined(separator: "; "))
      }
    }
    _ = try accounts.invite(email: user.email, name: user.name, organiserID: nil, role: nil)
    Log.info("user created", ["id": user.id.uuidString.lowercased(), "office": "true"])
    print(user.id.uuidString.lowercased())
  }

  func privacy(_ arguments: [String]) throws {
    guard let what = arguments.first else {
      throw UsageError("privacy what? export, erase or retention")
    }
    var options = try Options(Array(arguments.dropFirst()), allowed: ["--email", "--days"])
    let registrations = try store().registrations
    switch what {
    case "export", "erase":
      guard let email = options.string("--email"), !email.isEmpty else {
        throw UsageError("privacy \(what) needs --email")
      }
      try options.done()
      if what == "erase" {
        let count = try registrations.erase(email: email)
        Log.info("privacy erased", ["registrations": String(count)])
        return
      }
      let items: [[String: Any]] = try registrations.export(email: email).map { item in
        [
          "event_id": item.event.id.uuidString.lowercased(), "event_title": item.event.title,
          "starts_at": RFC3339.format(item.event.startsAt),
          "name": item.registration.name ?? NSNull(), "email": item.registration.email ?? NSNull(),
          "status": item.registration.status.rawValue,
          "registered_at": RFC3339.format(item.registration.createdAt),
        ]
      }
      let data = try JSONSerialization.data(
        withJSONObject: ["email": email, "registrations": items],
        options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
      print(String(decoding: data, as: UTF8.self))
    case "retention":
      let days = try options.int("--days") ?? 30
      try options.done()
      let count = try registrations.eraseEnded(retentionDays: days)
      Log.info("privacy retention", ["days": String(days), "erased": String(count)])
    default:
      throw UsageError("unknown privacy command \(what)")
    }
  }

  func serve(host: String, port: Int) throws {
    // SIGINT and SIGTERM must reach only the server's waiter: block them before any thread
    // (the watcher, the retention job) starts, so that every thread inherits the mask.
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_BLOCK, &signals, nil)
    let store = FestivalStore(
      pool: ConnectionPool(
        .init(conninfo: try conninfo(), maxConnections: 16, acquireTimeout: .seconds(5))))
    let publicURL =
      ProcessInfo.processInfo.environment["ALMEDALEN_PUBLIC_URL"].flatMap {
        $0.isEmpty ? nil : $0
      } ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    guard publicURL.hasPrefix("https://") || publicURL.hasPrefix("http://") else {
      throw UsageError("ALMEDALEN_PUBLIC_URL must start with https:// or http://")
    }
    let environment = ProcessInfo.processInfo.environment
    func setting(_ name: String, _ fallback: Int) throws -> Int {
      guard let text = environment[name], !text.isEmpty else { return fallback }
      guard let value = Int(text), value >= 0 else {
        throw UsageError("\(name) must be a whole number ≥ 0")
      }
      return value
    }
    let registrations = RegistrationSettings(
      perClient: try setting("ALMEDALEN_SIGNUPS_PER_CLIENT", 30),
      holdSeconds: max(60, try setting("ALMEDALEN_SIGNUP_HOLD_SECONDS", 1800)),
      trustForwardedFor: environment["ALMEDALEN_TRUST_FORWARDED_FOR"] == "1",
      linksPerAddress: try setting("ALMEDALEN_MAILS_PER_ADDRESS", 5),
      linksPerAddressTotal: try setting("ALMEDALEN_MAILS_PER_ADDRESS_TOTAL", 20))
    let retentionDays = try setting("ALMEDALEN_RETENTION_DAYS", 30)
    let sessions = SessionSettings(
      idleTimeout: max(1, try setting("ALMEDALEN_SESSION_IDLE_MINUTES", 30)) * 60,
      lifetime: max(1, try setting("ALMEDALEN_SESSION_HOURS", 12)) * 3600)
    let application = Application(
      store: store, feeds: FeedSettings(baseURL: publicURL), registrations: registrations,
      sessions: sessions)
    let retention = RetentionJob(store: store, days: retentionDays)
    retention.start()
    defer { retention.stop() }
    let holds = HoldsJob(store: store, interval: min(30, Double(registrations.holdSeconds) / 4))
    holds.start()
    defer { holds.stop() }
    // The sender runs beside the server; /healthz does not depend on it.
    let sender = try MailCommands.sender(store: store, publicURL: publicURL)
    sender?.start()
    defer { sender?.stop() }
    // ALMEDALEN_FEED_CACHE=off renders every feed request afresh (for benchmarks of the
    // writers); otherwise feeds are cached until a change is announced.
    let watcher =
      ProcessInfo.processInfo.environment["ALMEDALEN_FEED_CACHE"] == "off"
      ? nil : application.watchProgramme(conninfo: try conninfo())
    defer { watcher?.stop() }
    let server = HTTPServer(
      configuration: application.serverConfiguration(Configuration(host: host, port: port)),
      responder: application)
    Log.info(
      "serve",
      [
        "host": host, "port": String(port), "public_url": publicURL,
        "retention_days": String(retentionDays),
        "mail": sender?.transport.description ?? "off (queued only: ALMEDALEN_MAIL is unset)",
        "database": ConnectionTarget(try conninfo()).description,
      ])
    try server.run()
    store.pool.shutdown()
    Log.info("stopped")
  }

  // MARK: Setup

  func conninfo() throws -> String {
    guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
      throw UsageError("DATABASE_URL is not set (a libpq conninfo or postgresql:// URI)")
    }
    return url
  }

  /// ALMEDALEN_PUBLIC_URL, or the local address `serve` listens on by default.
  func publicURL() -> String {
    ProcessInfo.processInfo.environment["ALMEDALEN_PUBLIC_URL"].flatMap {
      $0.isEmpty ? nil : $0
    } ?? "http://127.0.0.1:8080"
  }

  func store() throws -> FestivalStore {
    FestivalStore(pool: ConnectionPool(conninfo: try conninfo(), maxConnections: 4))
  }
}

/// Flags of the form `--name value`, each allowed at most once.
struct Options {
  private var values: [String: String] = [:]

  init(_ arguments: [String], allowed: Set<String>) throws {
    var index = 0
    while index < arguments.count {
      let flag = arguments[index]
      guard allowed.contains(flag) else { throw UsageError("unexpected argument \(flag)") }
      guard index + 1 < arguments.count else { throw UsageError("\(flag) needs a value") }
      guard values[flag] == nil else { throw UsageError("\(flag) given twice") }
      values[flag] = arguments[index + 1]
      index += 2
    }
  }

  mutating func string(_ flag: String) -> String? { values.removeValue(forKey: flag) }

  mutating func int(_ flag: String) throws -> Int? {
    guard let text = values.removeValue(forKey: flag) else { return nil }
    guard let value = Int(text), value >= 0 else {
      throw UsageError("\(flag) must be a whole number, not \(text)")
    }
    return value
  }

  func done() throws {
    if let flag = values.keys.sorted().first { throw UsageError("\(flag) does not apply here") }
  }
}

struct UsageError: Error {
  let message: String
  init(_ message: String) { self.message = message }
}
