import Foundation
import HTTPFuzzing
import Testing

/// Every input in `FuzzCorpus/` through the fuzzer's harness, which drives the server's own
/// connection state machine: seeds for each kind of request and each refusal, and inputs
/// `scripts/fuzz` found that reach further. A broken invariant stops the test process with a
/// `ParserHarness:` message naming it.
@Suite struct FuzzRegressionTests {
  static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("FuzzCorpus")

  static let names: [String] =
    ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? [])
    .filter { !$0.hasPrefix(".") }.sorted()

  @Test func corpusIsThere() {
    #expect(Self.names.count >= 20, "\(Self.corpus.path) has \(Self.names.count) files")
  }

  @Test(arguments: names) func input(_ name: String) throws {
    let bytes = try Data(contentsOf: Self.corpus.appendingPathComponent(name))
    #expect(bytes.count <= 8192, "keep corpus files small")
    ParserHarness.run(Array(bytes))
  }
}
