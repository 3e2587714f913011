internal import CLibPQ
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One libpq connection. It owns its `PGconn` and frees it in `deinit`.
///
/// A connection is used by one thread at a time: the pool hands it to one caller, and a
/// caller that opened its own keeps it to itself. That discipline, not a lock, is what makes
/// the `@unchecked Sendable` true.
public final class Connection: @unchecked Sendable {
  private let handle: OpaquePointer
  /// Where the connection goes, without any password, for error messages.
  public let target: ConnectionTarget
  /// False once a statement met a broken connection; the pool then discards it.
  public private(set) var isUsable = true
  private var transactionDepth = 0

  /// Opens a connection from a libpq conninfo string or `postgresql://` URI.
  public init(_ conninfo: String, connectTimeoutSeconds: Int = 5) throws {
    target = ConnectionTarget(conninfo)
    var parseError: UnsafeMutablePointer<CChar>?
    if let options = PQconninfoParse(conninfo, &parseError) {
      PQconninfoFree(options)
    } else {
      // libpq's message quotes the text it could not parse, which may hold the password.
      if let parseError { PQfreemem(parseError) }
      throw PostgresError(
        .connectionFailed,
        message: "cannot connect: the connection string is malformed (details withheld: "
          + "they may contain the password)")
    }
    let keys = ["connect_timeout", "dbname", "fallback_application_name"]
    let values = [String(connectTimeoutSeconds), conninfo, "almedalen"]
    let conn = withCStrings(keys) { keyPointers in
      withCStrings(values) { valuePointers in
        PQconnectdbParams(keyPointers, valuePointers, 1)
      }
    }
    guard let conn else {
      throw PostgresError(.connectionFailed, message: "out of memory opening a connection")
    }
    guard PQstatus(conn) == CONNECTION_OK else {
      let reason = Self.text(PQerrorMessage(conn)) ?? "unknown reason"
      PQfinish(conn)
      throw PostgresError(
        .connectionFailed,
        message:
          "cannot connect to \(target): \(reason.trimmingCharacters(in: .whitespacesAndNewlines))"
      )
    }
    handle = conn
    // Decoding relies on these; they are session settings, so set them once here.
    try executeScript(
      "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET client_encoding = 'UTF8'; "
        + "SET client_min_messages = 'warning'")
  }

  deinit { PQfinish(handle) }

  /// The server's process id for this session (useful in tests and logs).
  public var backendPID: Int32 { PQbackendPID(handle) }

  /// Whether this connection is inside `withTransaction`.
  public var isInTransaction: Bool { transactionDepth > 0 }

  // MARK: Statements

  /// Runs one statement, its interpolated values sent as parameters, and returns its rows.
  @discardableResult
  public func query(_ query: PostgresQuery) throws -> QueryResult {
    try run(query.sql, query.parameters)
  }

  /// Runs one statement, its interpolated values sent as parameters, and returns how many
  /// rows it touched.
  @discardableResult
  public func execute(_ query: PostgresQuery) throws -> Int {
    try self.query(query).affectedRows
  }

  /// Runs one static statement whose `$1…$n` are `parameters`, for a statement written in
  /// one piece; a statement built from fragments is a `PostgresQuery`.
  @discardableResult
  public func query(_ sql: StaticString, _ parameters: [any PostgresEncodable]) throws
    -> QueryResult
  {
    try run(sql.description, parameters.map(\.postgresText))
  }

  /// Runs one static statement whose `$1…$n` are `parameters` and returns how many rows it
  /// touched.
  @discardableResult
  public func execute(_ sql: StaticString, _ parameters: [any PostgresEncodable]) throws -> Int {
    try query(sql, parameters).affectedRows
  }

  private func run(_ sql: String, _ texts: [String?]) throws -> QueryResult {
    let result = withOptionalCStrings(texts) { pointers in
      PQexecParams(handle, sql, Int32(texts.count), nil, pointers, nil, nil, 0)
    }
    return try check(result, sql: sql)
  }

  /// Runs static SQL that may hold several statements and no parameters, such as a migration
  /// file. Never pass text built from input: use `query` with parameters for that.
  public func executeScript(_ sql: String) throws {
    _ = try check(PQexec(handle, sql), sql: sql)
  }

  // MARK: Transactions

  /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
  /// A nested call joins the outer transaction.
  public func withTransaction<T>(
    isolation: IsolationLevel = .readCommitted, _ body: (Connection) throws -> T
  ) throws -> T {
    if transactionDepth > 0 {
      transactionDepth += 1
      defer { transactionDepth -= 1 }
      return try body(self)
    }
    try executeScript("BEGIN ISOLATION LEVEL \(isolation.sql)")
    transactionDepth = 1
    let value: T
    do {
      value = try body(self)
    } catch {
      transactionDepth = 0
      if isUsable { try? executeScript("ROLLBACK") }
      throw error
    }
    transactionDepth = 0
    if PQtransactionStatus(handle) == PQTRANS_INERROR {
      // The body caught a failed statement: COMMIT would quietly roll back.
      try? executeScript("ROLLBACK")
      throw PostgresError(
        .server, message: "the transaction was aborted by an earlier error and rolled back",
        sqlState: "25P02")
    }
    do {
      try executeScript("COMMIT")
    } catch let error as PostgresError where !isUsable {
      throw PostgresError(
        .commitOutcomeUnknown, message: "connection lost during COMMIT: \(error.message)",
        sqlState: error.sqlState)
    } catch {
      if isUsable { try? executeScript("ROLLBACK") }
      throw error
    }
    return value
  }

  // MARK: COPY

  /// Streams rows into `COPY … FROM STDIN` (text format). `produce` writes rows through the
  /// writer; data is sent in chunks, so memory stays flat for any number of rows.
  @discardableResult
  public func copyIn(_ statement: StaticString, _ produce: (inout CopyWriter) throws -> Void)
    throws -> Int
  {
    let sql = statement.description
    guard let start = PQexec(handle, sql) else { throw lostError(sql: sql) }
    guard PQresultStatus(start) == PGRES_COPY_IN else {
      _ = try check(start, sql: sql)
      throw PostgresError(.unexpectedResult, message: "statement did not start COPY FROM STDIN")
    }
    PQclear(start)
    let handle = self.handle
    var writer = CopyWriter { chunk in
      let status = chunk.withUnsafeBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
          PQputCopyData(handle, $0, Int32(buffer.count))
        }
      }
      guard status == 1 else {
        throw PostgresError(
          .copyFailed, message: Connection.text(PQerrorMessage(handle)) ?? "COPY data not sent")
      }
    }
    var failure: (any Error)?
    do {
      try produce(&writer)
      try writer.flushAll()
    } catch {
      failure = error
    }
    let ended: Int32 =
      failure == nil ? PQputCopyEnd(handle, nil) : PQputCopyEnd(handle, "aborted by client")
    guard ended == 1 else { throw lostError(sql: sql) }
    var copied = 0
    var serverError: (any Error)?
    while let result = PQgetResult(handle) {
      do { copied += try check(result, sql: sql).affectedRows } catch { serverError = error }
    }
    if let failure { throw failure }
    if let serverError { throw serverError }
    return copied
  }

  // MARK: Notifications

  /// `LISTEN` on a channel. The channel name is quoted as an identifier.
  public func listen(_ channel: String) throws {
    try executeScript("LISTEN \(Self.quoteIdentifier(channel))")
  }

  /// `UNLISTEN` a channel.
  public func unlisten(_ channel: String) throws {
    try executeScript("UNLISTEN \(Self.quoteIdentifier(channel))")
  }

  /// Sends a notification (`pg_notify`), delivered when the current transaction commits.
  public func notify(_ channel: String, payload: String = "") throws {
    try query("SELECT pg_notify($1, $2)", [channel, payload])
  }

  /// Waits up to `timeout` for notifications and returns those that arrived (maybe none).
  public func waitForNotifications(timeout: Duration) throws -> [PostgresNotification] {
    var received = drainNotifications()
    if !received.isEmpty { return received }
    let socket = PQsocket(handle)
    guard socket >= 0 else { throw lostError(sql: nil) }
    var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
    let components = timeout.components
    let milliseconds = Int32(
      clamping: components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    let ready = poll(&descriptor, 1, milliseconds)
    if ready < 0 && errno != EINTR {
      throw PostgresError(.connectionLost, message: "poll failed: errno \(errno)")
    }
    guard ready > 0 else { return [] }
    guard PQconsumeInput(handle) == 1 else { throw lostError(sql: nil) }
    received = drainNotifications()
    return received
  }

  private func drainNotifications() -> [PostgresNotification] {
    var received: [PostgresNotification] = []
    while let notice = PQnotifies(handle) {
      received.append(
        PostgresNotification(
          channel: String(cString: notice.pointee.relname),
          payload: String(cString: notice.pointee.extra),
          backendPID: notice.pointee.be_pid))
      PQfreemem(notice)
    }
    return received
  }

  // MARK: Health

  /// Checks, without a round trip, whether an idle connection was closed by the server
  /// (a restart sends a FATAL message and closes the socket). Used by the pool on checkout.
  package func isStillOpen() -> Bool {
    guard isUsable, PQstatus(handle) == CONNECTION_OK else { return false }
    let socket = PQsocket(handle)
    guard socket >= 0 else { return false }
    var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
    if poll(&descriptor, 1, 0) == 0 { return true }
    // Nothing should arrive on an idle pooled connection. A server ending the session (a
    // restart, pg_terminate_backend) sends a FATAL message that libpq files as a notice,
    // leaving the status OK until a later read sees the closed socket. Whatever came, this
    // connection is not to be trusted: the pool opens a fresh one.
    _ = PQconsumeInput(handle)
    isUsable = false
    return false
  }

  // MARK: Results

  private func check(_ result: OpaquePointer?, sql: String?) throws -> QueryResult {
    guard let result else { throw lostError(sql: sql) }
    switch PQresultStatus(result) {
    case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE:
      return QueryResult(result)
    case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
      PQclear(result)
      throw PostgresError(.unexpectedResult, message: "unexpected COPY state")
    default:
      let error = serverError(result)
      PQclear(result)
      if PQstatus(handle) != CONNECTION_OK { isUsable = false }
      throw error
    }
  }

  private func serverError(_ result: OpaquePointer) -> PostgresError {
    func field(_ code: Character) -> String? {
      Self.text(PQresultErrorField(result, Int32(code.asciiValue!)))
    }
    let sqlState = field("C")
    let message = field("M") ?? Self.text(PQresultErrorMessage(result)) ?? "unknown error"
    let lost = PQstatus(handle) != CONNECTION_OK
    return PostgresError(
      lost && sqlState == nil ? .connectionLost : .server, message: message, sqlState: sqlState,
      detail: field("D"), hint: field("H"), constraint: field("n"), table: field("t"),
      column: field("c"))
  }

  private func lostError(sql: String?) -> PostgresError {
    isUsable = false
    let reason = Self.text(PQerrorMessage(handle))?.trimmingCharacters(in: .whitespacesAndNewlines)
    return PostgresError(
      .connectionLost,
      message: "connection to \(target) lost" + (reason.map { ": \($0)" } ?? ""))
  }

  // MARK: Helpers

  static func text(_ pointer: UnsafePointer<CChar>?) -> String? {
    guard let pointer, pointer.pointee != 0 else { return nil }
    return String(cString: pointer)
  }

  /// Quotes an identifier for the few statements that cannot take parameters (LISTEN).
  public static func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}

/// Transaction isolation levels.
public enum IsolationLevel: Sendable {
  case readCommitted, repeatableRead, serializable
  var sql: String {
    switch self {
    case .readCommitted: "READ COMMITTED"
    case .repeatableRead: "REPEATABLE READ"
    case .serializable: "SERIALIZABLE"
    }
  }
}

/// A `NOTIFY` received on a listening connection.
public struct PostgresNotification: Sendable, Equatable {
  public let channel: String
  public let payload: String
  public let backendPID: Int32
}

/// Builds rows in COPY's text format, escaping every value, and sends them in chunks so
/// memory stays flat for any number of rows.
public struct CopyWriter {
  private var buffer: [UInt8] = []
  private let sink: ([UInt8]) throws -> Void
  private static let chunkSize = 1 << 18

  init(sink: @escaping ([UInt8]) throws -> Void) { self.sink = sink }

  /// Appends one row; `nil` is NULL.
  public mutating func append(_ values: [(any PostgresEncodable)?]) throws {
    for (index, value) in values.enumerated() {
      if index > 0 { buffer.append(9) }
      guard let text = value?.postgresText else {
        buffer.append(contentsOf: [92, 78])  // \N
        continue
      }
      for byte in text.utf8 {
        switch byte {
        case 92: buffer.append(contentsOf: [92, 92])
        case 9: buffer.append(contentsOf: [92, 116])
        case 10: buffer.append(contentsOf: [92, 110])
        case 13: buffer.append(contentsOf: [92, 114])
        default: buffer.append(byte)
        }
      }
    }
    buffer.append(10)
    if buffer.count >= Self.chunkSize { try flushAll() }
  }

  mutating func flushAll() throws {
    guard !buffer.isEmpty else { return }
    try sink(buffer)
    buffer.removeAll(keepingCapacity: true)
  }
}

/// The host and database of a conninfo or URI, never its password.
public struct ConnectionTarget: Sendable, CustomStringConvertible {
  public let host: String
  public let database: String
  public let user: String

  public init(_ conninfo: String) {
    var values: [String: String] = [:]
    var error: UnsafeMutablePointer<CChar>?
    if let options = PQconninfoParse(conninfo, &error) {
      var cursor = options
      while let keyword = cursor.pointee.keyword {
        if let value = cursor.pointee.val {
          values[String(cString: keyword)] = String(cString: value)
        }
        cursor += 1
      }
      PQconninfoFree(options)
    }
    if let error { PQfreemem(error) }
    host = values["host"] ?? values["hostaddr"] ?? "the default socket"
    database = values["dbname"] ?? values["user"] ?? "(default)"
    user = values["user"] ?? "(current user)"
  }

  public var description: String { "database \"\(database)\" on \(host) as \(user)" }
}

private func withCStrings<R>(
  _ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R
) -> R {
  let duplicates = strings.map { strdup($0) }
  defer { for pointer in duplicates { free(pointer) } }
  var pointers: [UnsafePointer<CChar>?] = duplicates.map { UnsafePointer($0) }
  pointers.append(nil)
  return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

private func withOptionalCStrings<R>(
  _ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R
) -> R {
  if strings.isEmpty { return body(nil) }
  let duplicates = strings.map { $0.map { strdup($0) } ?? nil }
  defer { for pointer in duplicates { free(pointer) } }
  let pointers: [UnsafePointer<CChar>?] = duplicates.map { $0.map { UnsafePointer($0) } }
  return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
