import Foundation

/// A fixed set of threads running handler jobs from a bounded queue.
final class WorkerPool: @unchecked Sendable {
  private let condition = NSCondition()
  // Guarded by `condition`.
  private var jobs: [@Sendable () -> Void] = []
  private var head = 0
  private var stopping = false
  private var sleeping = 0
  private let capacity: Int

  init(threads: Int, capacity: Int) {
    self.capacity = capacity
    for index in 0..<max(1, threads) {
      let thread = Thread { [self] in work() }
      thread.name = "http-worker-\(index)"
      thread.stackSize = 1 << 20
      thread.start()
    }
  }

  /// Queues jobs under one lock, waking no more threads than there are jobs; returns how
  /// many were taken (the rest found the queue full: the caller answers 503).
  func submit(_ batch: [@Sendable () -> Void]) -> Int {
    condition.lock()
    defer { condition.unlock() }
    guard !stopping else { return 0 }
    let taken = min(batch.count, capacity - (jobs.count - head))
    guard taken > 0 else { return 0 }
    jobs.append(contentsOf: batch.prefix(taken))
    if taken >= sleeping {
      condition.broadcast()
    } else {
      for _ in 0..<taken { condition.signal() }
    }
    return taken
  }

  /// Lets the threads finish their current job and end.
  func stop() {
    condition.lock()
    stopping = true
    condition.broadcast()
    condition.unlock()
  }

  private func work() {
    while true {
      condition.lock()
      while head == jobs.count && !stopping {
        sleeping += 1
        condition.wait()
        sleeping -= 1
      }
      if head == jobs.count {
        condition.unlock()
        return
      }
      let job = jobs[head]
      head += 1
      if head > 1024 && head * 2 > jobs.count {
        jobs.removeFirst(head)
        head = 0
      }
      condition.unlock()
      job()
    }
  }
}
