import Foundation

/// Runs `body` on `count` threads released together (so they really race, as concurrent
/// requests do), and returns their results in order.
package func concurrently<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T)
  -> [T]
{
  let results = ThreadResults<T>(count: count)
  let start = DispatchSemaphore(value: 0)
  let group = DispatchGroup()
  for index in 0..<count {
    group.enter()
    Thread.detachNewThread {
      start.wait()
      results.set(index, body(index))
      group.leave()
    }
  }
  for _ in 0..<count { start.signal() }
  group.wait()
  return results.values
}

/// One slot per thread, filled under a lock.
final class ThreadResults<T: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var storage: [T?]
  init(count: Int) { storage = Array(repeating: nil, count: count) }
  func set(_ index: Int, _ value: T) {
    lock.lock()
    storage[index] = value
    lock.unlock()
  }
  var values: [T] {
    lock.lock()
    defer { lock.unlock() }
    return storage.map { $0! }
  }
}
