import Foundation
import PostgresTesting
import Synchronization
import Testing

@testable import AlmedalenAPI

/// The feed cache on its own: generations, bounds, and one render for many waiting clients.
@Suite struct FeedCacheTests {
  static func entry(_ text: String) -> FeedCache.Entry {
    FeedCache.Entry(
      body: Array(text.utf8), lastModified: nil, contentType: "text/plain", filename: "x")
  }

  @Test func manyClientsAfterAChangeWaitForOneRender() {
    let cache = FeedCache()
    cache.setTrusted(true)
    let renders = Atomic<Int>(0)
    let generation = cache.generation
    let bodies = concurrently(16) { _ -> [UInt8] in
      (try? cache.render("/feeds/program.ics?", generation: generation) {
        renders.add(1, ordering: .relaxed)
        Thread.sleep(forTimeInterval: 0.3)
        return Self.entry("kalender")
      })?.body ?? []
    }
    #expect(renders.load(ordering: .relaxed) == 1)
    #expect(bodies.allSatisfy { $0 == Array("kalender".utf8) })
  }

  @Test func withoutAWatcherEachRendersAlone() {
    let cache = FeedCache()
    let renders = Atomic<Int>(0)
    _ = concurrently(4) { _ -> Bool in
      (try? cache.render("k", generation: cache.generation) {
        renders.add(1, ordering: .relaxed)
        return Self.entry("x")
      }) != nil
    }
    #expect(renders.load(ordering: .relaxed) == 4)
  }

  @Test func aFailedRenderLetsTheWaitersRenderForThemselves() {
    let cache = FeedCache()
    cache.setTrusted(true)
    let generation = cache.generation
    let attempts = Atomic<Int>(0)
    let results = concurrently(4) { _ -> Bool in
      (try? cache.render("k", generation: generation) {
        // The first render fails (a database blip); the others must not inherit that.
        if attempts.add(1, ordering: .relaxed).oldValue == 0 {
          Thread.sleep(forTimeInterval: 0.2)
          throw CancellationError()
        }
        return Self.entry("x")
      }) != nil
    }
    #expect(results.filter { $0 }.count == 3)
  }

  @Test func anEntryRenderedBeforeAChangeIsNotKept() {
    let cache = FeedCache()
    cache.setTrusted(true)
    let before = cache.generation
    cache.invalidate()
    cache.store(Self.entry("gammal"), for: "k", renderedIn: before)
    #expect(cache.lookup("k") == nil)
    cache.store(Self.entry("ny"), for: "k", renderedIn: cache.generation)
    #expect(cache.lookup("k")?.body == Array("ny".utf8))
    cache.setTrusted(false)
    #expect(cache.lookup("k") == nil)
  }
}
