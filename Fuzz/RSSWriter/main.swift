// libFuzzer entry point for the RSS writer. Built by `scripts/fuzz --target rss` with
// swiftc, compiled with the FeedFuzzing sources against CivilDates, ByteWriting,
// AlmedalenCore and AlmedalenFeeds built alongside as modules (no SwiftPM target).

import FeedFuzzing

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  FeedFuzzHarness.runRSS(Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}
