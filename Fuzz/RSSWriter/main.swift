// libFuzzer entry point for the RSS writer. Built by `scripts/fuzz --target rss` with swiftc,
// compiled together with the AlmedalenFeeds sources (`FeedFuzzHarness.swift` among them)
// against AlmedalenCore built alongside (no SwiftPM target).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  FeedFuzzHarness.runRSS(Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}
