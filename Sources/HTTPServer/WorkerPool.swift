import Foundation

/// A fixed set of threads running handler jobs from a bounded queue.
final class WorkerPool: @unchecked Sendable {
  private let condition = NSCondition()
  // Guarded by `condition`.
  private var jobs: [@Sendable () -> Void] = []
  private var head = 0
  private var stopping = false
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

  /// Queues a job; false when the queue is full (the caller answers 503).
  func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    guard !stopping, jobs.count - head < capacity else { return false }
    jobs.append(job)
    condition.signal()
    return true
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
      while head == jobs.count && !stopping { condition.wait() }
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
