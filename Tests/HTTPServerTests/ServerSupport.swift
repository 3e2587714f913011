import Foundation
import LoopbackTesting
import Testing

@testable import HTTPServer

#if canImport(Glibc)
  import Glibc
#endif

// Helpers for the socket tests: a server on port 0 per test, requests for LoopbackTesting's
// raw client, and a runner for real clients (curl, python3).

// MARK: - Servers

/// A configuration for tests: port 0, a few workers, no access log unless asked for.
func testConfiguration(_ adjust: (inout Configuration) -> Void = { _ in }) -> Configuration {
  var configuration = Configuration(port: 0, workerThreads: 4, logSink: nil)
  adjust(&configuration)
  return configuration
}

/// Starts a server, runs `body` with it, then shuts it down and checks that `wait()` returns.
func withHTTPTestServer<T>(
  _ configuration: Configuration = testConfiguration(),
  handler: any Responder = ClosureResponder { _ in .text("ok\n") },
  sourceLocation: SourceLocation = #_sourceLocation,
  _ body: (HTTPServer) throws -> T
) throws -> T {
  let server = HTTPServer(configuration: configuration, responder: handler)
  try server.start()
  defer {
    server.shutdown()
    let stopped = waitForServer(server, timeout: .seconds(12))
    #expect(stopped, "the server did not stop", sourceLocation: sourceLocation)
  }
  return try body(server)
}

/// Calls `server.wait()` on another thread; true if it returned within `timeout`.
func waitForServer(_ server: HTTPServer, timeout: Duration) -> Bool {
  let done = DispatchSemaphore(value: 0)
  let thread = Thread {
    server.wait()
    done.signal()
  }
  thread.start()
  return done.wait(timeout: .now() + timeout.timeInterval) == .success
}

/// A list shared between threads (handlers run on the server's workers, log lines too).
final class SharedList<Element: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var elements: [Element] = []

  func append(_ element: Element) {
    lock.lock()
    elements.append(element)
    lock.unlock()
  }

  var all: [Element] {
    lock.lock()
    defer { lock.unlock() }
    return elements
  }

  var count: Int { all.count }
}

/// A configuration whose access log lines land in `lines`.
func loggingConfiguration(
  into lines: SharedList<String>, _ adjust: (inout Configuration) -> Void = { _ in }
) -> Configuration {
  testConfiguration {
    $0.logSink = { lines.append($0.text) }
    adjust(&$0)
  }
}

extension Duration {
  var timeInterval: TimeInterval {
    Double(components.seconds) + Double(components.attoseconds) / 1e18
  }

  var milliseconds: Int64 {
    components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
  }
}

/// Sleeps the calling thread.
func pause(_ duration: Duration) {
  Thread.sleep(forTimeInterval: duration.timeInterval)
}

/// Raises this process's soft open-files limit to the hard one (the test's client sockets
/// count against the same limit as the server's); returns the new soft limit.
@discardableResult
func raiseOpenFileLimit() -> Int {
  var limit = rlimit()
  guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
  if limit.rlim_cur < limit.rlim_max {
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
  }
  return Int(limit.rlim_cur)
}

// MARK: - A raw TCP client

/// The client is `LoopbackTesting`'s `WireClient`, shared with the service's tests.
typealias WireError = LoopbackError

/// A plain `GET` request for `target`.
func getRequest(_ target: String, _ extraHeaders: String = "") -> String {
  "GET \(target) HTTP/1.1\r\nHost: localhost\r\n\(extraHeaders)\r\n"
}

/// One request on a fresh connection: the server still answers.
func serverAnswers(port: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
  let client = try WireClient(port: port)
  let response = try client.exchange(getRequest("/still-alive"))
  #expect(response.status == 200, sourceLocation: sourceLocation)
}

// MARK: - Child processes

struct ProcessResult {
  var status: Int32
  var standardOutput: [UInt8]
  var standardError: String
  var output: String { String(decoding: standardOutput, as: UTF8.self) }
}

/// Runs a program with output in temporary files (no pipe can fill up); kills it after
/// `timeout`.
///
/// Spawned with posix_spawn rather than Foundation's `Process`: on this toolchain (Swift
/// 6.3.1) `Process.run()` reads past a `dirent` while it counts the open descriptors in
/// /proc/self/fd, and crashed the suite when a test with thousands of open connections ran
/// beside a curl test (fixed upstream in swift-corelibs-foundation #5472).
func runProgram(_ path: String, _ arguments: [String], timeout: Duration = .seconds(20)) throws
  -> ProcessResult
{
  let directory = FileManager.default.temporaryDirectory
  let outPath = directory.appendingPathComponent("almedalen-out-\(UUID().uuidString)").path
  let errPath = directory.appendingPathComponent("almedalen-err-\(UUID().uuidString)").path
  defer {
    unlink(outPath)
    unlink(errPath)
  }
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
  posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
  defer { for argument in argv { free(argument) } }
  var pid: pid_t = 0
  let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
  guard spawned == 0 else { throw WireError("cannot run \(path): error \(spawned)") }
  var status: Int32 = 0
  let deadline = ContinuousClock.now + timeout
  while waitpid(pid, &status, WNOHANG) == 0 {
    guard ContinuousClock.now < deadline else {
      kill(pid, SIGKILL)
      _ = waitpid(pid, &status, 0)
      throw WireError("\(path) \(arguments) did not finish within \(timeout)")
    }
    pause(.milliseconds(10))
  }
  // An exit code, or the signal that ended it, as Process's terminationStatus gives them.
  let signal = status & 0x7f
  return ProcessResult(
    status: signal == 0 ? (status >> 8) & 0xff : signal,
    standardOutput: Array(try Data(contentsOf: URL(fileURLWithPath: outPath))),
    standardError: String(
      decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self))
}

/// Decompresses with the system's `gzip -dc`, an implementation independent of the server's.
func systemGunzip(_ bytes: [UInt8]) throws -> [UInt8] {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("almedalen-body-\(UUID().uuidString).gz")
  try Data(bytes).write(to: url)
  defer { try? FileManager.default.removeItem(at: url) }
  let result = try runProgram("/usr/bin/gzip", ["-dc", url.path])
  guard result.status == 0 else { throw WireError("gzip -dc failed: \(result.standardError)") }
  return result.standardOutput
}

/// Deterministic bytes covering every byte value.
func patternBytes(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
  (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &+ $0 >> 8) }
}
