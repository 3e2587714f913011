// libFuzzer entry point for the iCalendar writer. Built by `scripts/fuzz --target ical` with
// swiftc, compiled with the FeedFuzzing sources against CivilDates, ByteWriting,
// AlmedalenCore and AlmedalenFeeds built alongside as modules (no SwiftPM target).

import FeedFuzzing

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  FeedFuzzHarness.runICalendar(Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}
