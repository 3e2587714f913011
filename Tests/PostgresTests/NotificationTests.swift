import Foundation
import Postgres
import PostgresTesting
import Testing

extension ServerTests {
  @Suite struct Notifications {
    struct Rollback: Error {}

    /// Collects notifications until `done` says so or `timeout` passes.
    func collect(
      on listener: Connection, timeout: Duration = .seconds(5),
      until done: ([PostgresNotification]) -> Bool
    ) throws -> [PostgresNotification] {
      let deadline = ContinuousClock.now + timeout
      var received: [PostgresNotification] = []
      while !done(received), ContinuousClock.now < deadline {
        received += try listener.waitForNotifications(timeout: deadline - ContinuousClock.now)
      }
      return received
    }

    @Test func listenerReceivesANotificationWithPayloadFromAnotherConnection() throws {
      try withTestDatabase("notify_basic") { database throws in
        let listener = try database.connect()
        let sender = try database.connect()
        let channel = "Festival Events \"\(UInt16.random(in: 0...UInt16.max))\""
        try listener.listen(channel)
        try sender.notify(channel, payload: "event 42 published: 'Almedalen' 😀")
        let received = try collect(on: listener) { !$0.isEmpty }
        try #require(received.count == 1)
        #expect(received[0].channel == channel)
        #expect(received[0].payload == "event 42 published: 'Almedalen' 😀")
        #expect(received[0].backendPID == sender.backendPID)
      }
    }

    @Test func notificationsArriveOnlyWhenTheirTransactionCommits() throws {
      try withTestDatabase("notify_commit") { database throws in
        let listener = try database.connect()
        let sender = try database.connect()
        try listener.listen("changes")
        try sender.withTransaction { sender throws in
          try sender.notify("changes", payload: "committed")
          #expect(try listener.waitForNotifications(timeout: .milliseconds(200)).isEmpty)
        }
        let received = try collect(on: listener) { !$0.isEmpty }
        #expect(received.map(\.payload) == ["committed"])
      }
    }

    @Test func aNotificationFromARolledBackTransactionNeverArrives() throws {
      try withTestDatabase("notify_rollback") { database throws in
        let listener = try database.connect()
        let sender = try database.connect()
        try listener.listen("changes")
        #expect(throws: Rollback.self) {
          try sender.withTransaction { sender throws in
            try sender.notify("changes", payload: "ghost")
            throw Rollback()
          }
        }
        // Notifications from one session arrive in order, so once this marker is in, the
        // rolled-back one would have been too.
        try sender.notify("changes", payload: "marker")
        let received = try collect(on: listener) { $0.contains { $0.payload == "marker" } }
        #expect(received.map(\.payload) == ["marker"])
      }
    }

    @Test func waitForNotificationsTimesOutWithAnEmptyArray() throws {
      try withTestConnection("notify_timeout") { listener throws in
        try listener.listen("quiet")
        let start = ContinuousClock.now
        let received = try listener.waitForNotifications(timeout: .milliseconds(300))
        let waited = seconds(since: start)
        #expect(received.isEmpty)
        #expect(waited >= 0.25, "returned after \(waited)s")
        #expect(waited < 5)
      }
    }

    @Test func unlistenStopsDelivery() throws {
      try withTestDatabase("notify_unlisten") { database throws in
        let listener = try database.connect()
        let sender = try database.connect()
        try listener.listen("a")
        try listener.listen("b")
        try listener.unlisten("a")
        try sender.notify("a", payload: "unheard")
        try sender.notify("b", payload: "heard")
        let received = try collect(on: listener) { $0.contains { $0.payload == "heard" } }
        #expect(received.map(\.payload) == ["heard"])
      }
    }
  }
}
