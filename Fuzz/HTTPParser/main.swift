// libFuzzer entry point for the HTTP/1.1 connection state machine and its parser. Built by
// `scripts/fuzz` with swiftc into the module HTTPFuzzing (Sources/HTTPFuzzing/), against the
// state machine's files compiled as a module HTTPServer (no SwiftPM target).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  ParserHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}
