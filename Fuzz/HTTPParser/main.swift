// libFuzzer entry point for the HTTP/1.1 request parser. Built by `scripts/fuzz` with swiftc,
// compiled together with the parser's sources and `ParserHarness.swift` (no SwiftPM target).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  ParserHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}
