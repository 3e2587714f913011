import Foundation
import LoopbackTesting
import Testing

@testable import HTTPServer

#if canImport(Glibc)
  import Glibc
#endif

/// Many connections at once: slow and idle clients must not slow anyone else down.
@Suite struct ConcurrencyTests {
  @Test func idleAndTricklingCrowdsDoNotSlowANormalRequest() throws {
    let limit = raiseOpenFileLimit()
    // 1,200 client sockets plus the server's 1,200 in this one process.
    try #require(limit >= 4000, "RLIMIT_NOFILE soft limit \(limit) is too low")
    try withHTTPTestServer(testConfiguration { $0.listenBacklog = 2048 }) { server in
      var idle: [Int32] = []
      var tricklers: [Int32] = []
      defer {
        for fd in idle + tricklers { close(fd) }
      }
      for _ in 0..<1000 { idle.append(try Loopback.connect(port: server.port)) }
      for _ in 0..<200 { tricklers.append(try Loopback.connect(port: server.port)) }

      // One byte every 100 ms on each trickling connection, on a thread of its own.
      let stop = DispatchSemaphore(value: 0)
      let stopped = DispatchSemaphore(value: 0)
      let request = Array(getRequest("/trickle").utf8)
      let trickling = tricklers
      let thread = Thread {
        var index = 0
        while stop.wait(timeout: .now() + 0.1) == .timedOut && index < request.count {
          for fd in trickling {
            var byte = request[index]
            _ = send(fd, &byte, 1, Int32(MSG_NOSIGNAL))
          }
          index += 1
        }
        stopped.signal()
      }
      thread.start()

      pause(.milliseconds(300))
      var durations: [Duration] = []
      for round in 0..<5 {
        let start = ContinuousClock.now
        let client = try WireClient(port: server.port)
        let response = try client.exchange(getRequest("/normal/\(round)"), timeout: .seconds(3))
        let elapsed = ContinuousClock.now - start
        durations.append(elapsed)
        #expect(response.status == 200)
        #expect(elapsed < .seconds(1), "round \(round) took \(elapsed)")
        pause(.milliseconds(200))
      }
      stop.signal()
      #expect(durations.allSatisfy { $0 < .seconds(1) }, "\(durations)")
      #expect(stopped.wait(timeout: .now() + 5) == .success)

      // Nobody in the crowd was dropped: no idle or trickling socket has seen end-of-file.
      var descriptors = (idle + tricklers).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
      let readable = poll(&descriptors, nfds_t(descriptors.count), 0)
      var report: [String] = []
      for (index, descriptor) in descriptors.enumerated() where descriptor.revents != 0 {
        var bytes = [UInt8](repeating: 0, count: 512)
        let count = recv(descriptor.fd, &bytes, bytes.count, Int32(MSG_DONTWAIT))
        let what =
          count > 0
          ? String(decoding: bytes[0..<count], as: UTF8.self).debugDescription
          : count == 0 ? "end of file" : String(cString: strerror(errno))
        report.append(
          "\(index < idle.count ? "idle \(index)" : "trickler \(index - idle.count)"): \(what)")
      }
      #expect(readable == 0, "crowd connections closed or answered: \(report)")

      for fd in idle + tricklers { close(fd) }
      idle = []
      tricklers = []
      try serverAnswers(port: server.port)
    }
  }

  @Test func parallelKeepAliveClientsGetTheirOwnAnswers() throws {
    let failures = SharedList<String>()
    try withHTTPTestServer(
      testConfiguration { $0.workerThreads = 8 },
      handler: ClosureResponder { request in
        Response(
          body: Array((request.path + "|" + String(decoding: request.body, as: UTF8.self)).utf8))
      }
    ) { server in
      let port = server.port
      let group = DispatchGroup()
      for clientIndex in 0..<40 {
        group.enter()
        let thread = Thread {
          defer { group.leave() }
          do {
            let client = try WireClient(port: port)
            for requestIndex in 0..<25 {
              let body = "c\(clientIndex)r\(requestIndex)"
              let response = try client.exchange(
                "POST /\(clientIndex)/\(requestIndex) HTTP/1.1\r\nHost: x\r\n"
                  + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
              let expected = "/\(clientIndex)/\(requestIndex)|\(body)"
              if response.text != expected {
                failures.append("expected \(expected), got \(response.text)")
              }
            }
          } catch {
            failures.append("client \(clientIndex): \(error)")
          }
        }
        thread.start()
      }
      #expect(group.wait(timeout: .now() + 20) == .success)
      #expect(failures.all.isEmpty, "\(failures.all.prefix(5))")
    }
  }
}
