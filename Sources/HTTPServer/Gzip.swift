internal import CZlib

/// gzip (RFC 1952) through the system zlib, and the Accept-Encoding test that decides whether
/// a response may be sent with `Content-Encoding: gzip`.
package enum Gzip {
  /// Compresses `bytes` into one complete gzip member; nil if zlib fails (or `level` is not
  /// -1...9). Usually a single deflate call into a buffer sized by `deflateBound`.
  package static func compress(_ bytes: some Collection<UInt8>, level: Int32 = 6) -> [UInt8]? {
    if let result = bytes.withContiguousStorageIfAvailable({ compress(buffer: $0, level: level) }) {
      return result
    }
    return Array(bytes).withUnsafeBufferPointer { compress(buffer: $0, level: level) }
  }

  /// Decompresses gzip (or zlib, detected from the header) data; concatenated gzip members are
  /// decoded one after another, as `gzip -d` does. Nil if the data is malformed, truncated,
  /// followed by garbage, or would decompress to more than `limit` bytes.
  package static func decompress(_ bytes: some Collection<UInt8>, limit: Int) -> [UInt8]? {
    if let result = bytes.withContiguousStorageIfAvailable({
      decompress(buffer: $0, limit: limit)
    }) {
      return result
    }
    return Array(bytes).withUnsafeBufferPointer { decompress(buffer: $0, limit: limit) }
  }

  /// Whether an Accept-Encoding header value allows a gzip-coded response: `gzip` or `x-gzip`
  /// (the same coding) listed with a non-zero weight, or, when neither is listed, `*` with a
  /// non-zero weight. Should the header list gzip more than once, the lowest weight counts, so
  /// any explicit refusal wins. Codings and parameter names are case-insensitive and whitespace
  /// around them is ignored; a malformed weight counts as 0. A missing or empty header means no.
  package static func acceptsGzip(_ acceptEncoding: String?) -> Bool {
    guard let acceptEncoding else { return false }
    var gzipWeight: Double?  // lowest weight given to gzip / x-gzip, if listed
    var starWeight: Double?
    for element in WeightedElement.list(acceptEncoding) {
      switch element.value {
      case "gzip", "x-gzip": gzipWeight = min(gzipWeight ?? 1, element.weight)
      case "*": starWeight = max(starWeight ?? 0, element.weight)
      default: break
      }
    }
    if let gzipWeight { return gzipWeight > 0 }
    if let starWeight { return starWeight > 0 }
    return false
  }

  /// Bodies smaller than this are sent as they are: gzip's header and trailer would eat most
  /// of the gain. The one threshold for the encoder and for handlers that cache gzip.
  package static let minimumBytes = 512

  /// Whether a body of `count` bytes should go gzipped to a client whose `Accept-Encoding`
  /// is `acceptEncoding`: the one gzip decision of the server and its handlers.
  package static func shouldCompress(count: Int, acceptEncoding: String?) -> Bool {
    count >= minimumBytes && acceptsGzip(acceptEncoding)
  }

  // MARK: - zlib

  /// Largest chunk handed to zlib at once: its `avail_in` / `avail_out` are 32-bit.
  private static let maxChunk = Int(UInt32.max)

  /// `chunkCapacity` (tests only) replaces the output buffer sizes, to exercise the loop.
  static func compress(
    buffer input: UnsafeBufferPointer<UInt8>, level: Int32, chunkCapacity: Int? = nil
  ) -> [UInt8]? {
    guard (-1...9).contains(level) else { return nil }
    // zlib keeps a pointer back to the z_stream and checks it, so it must not move: heap.
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    defer {
      stream.deinitialize(count: 1)
      stream.deallocate()
    }
    let windowBits: Int32 = 15 + 16  // 32 KiB window, gzip wrapper
    guard
      deflateInit2_(
        stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
        Int32(MemoryLayout<z_stream>.size)) == Z_OK
    else { return nil }
    defer { deflateEnd(stream) }

    var feeder = Feeder(input: input)
    // deflateBound is enough for one deflate(Z_FINISH) call when the input is given in one piece;
    // the loop below is for the cases it does not cover (input over 4 GiB).
    let bound = Int(deflateBound(stream, uLong(input.count)))
    var output: [UInt8] = []
    var capacity = chunkCapacity ?? bound
    while true {
      var state = DeflateState.more
      let chunk = [UInt8](unsafeUninitializedCapacity: capacity) { out, written in
        written = 0
        while state == .more {
          feeder.feed(stream)
          let room = min(out.count - written, maxChunk)
          stream.pointee.next_out = out.baseAddress.map { $0 + written }
          stream.pointee.avail_out = uInt(room)
          let rc = deflate(stream, feeder.finished ? Z_FINISH : Z_NO_FLUSH)
          written += room - Int(stream.pointee.avail_out)
          switch rc {
          case Z_STREAM_END: state = .done
          case Z_OK, Z_BUF_ERROR:
            if written == out.count {
              return  // this buffer is full; another follows
            }
            // Room left and not finished: only legitimate when zlib wants more input.
            if rc == Z_BUF_ERROR || (feeder.finished && stream.pointee.avail_in == 0) {
              state = .failed
            }
          default: state = .failed
          }
        }
      }
      if state == .failed { return nil }
      if output.isEmpty { output = chunk } else { output += chunk }
      if state == .done { return shrunk(output) }
      capacity = chunkCapacity ?? 64 * 1024
    }
  }

  /// `chunkCapacity` (tests only) replaces the output buffer sizes, to exercise the loop.
  static func decompress(
    buffer input: UnsafeBufferPointer<UInt8>, limit: Int, chunkCapacity: Int? = nil
  ) -> [UInt8]? {
    guard limit >= 0, !input.isEmpty else { return nil }
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    defer {
      stream.deinitialize(count: 1)
      stream.deallocate()
    }
    let windowBits: Int32 = 15 + 32  // 32 KiB window, gzip or zlib header detected
    guard
      inflateInit2_(stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
    else { return nil }
    defer { inflateEnd(stream) }

    var feeder = Feeder(input: input)
    var output: [UInt8] = []
    // Room for one byte past the limit, to tell "exactly the limit" from "over it".
    let ceiling = limit == Int.max ? limit : limit + 1
    // A guess for typical text; grows by doubling.
    var capacity = min(ceiling, chunkCapacity ?? max(input.count * 4, 16 * 1024))
    while true {
      var state = DeflateState.more
      let chunk = [UInt8](unsafeUninitializedCapacity: capacity) { out, written in
        written = 0
        while state == .more {
          feeder.feed(stream)
          let room = min(out.count - written, maxChunk)
          stream.pointee.next_out = out.baseAddress.map { $0 + written }
          stream.pointee.avail_out = uInt(room)
          let rc = inflate(stream, Z_NO_FLUSH)
          written += room - Int(stream.pointee.avail_out)
          switch rc {
          case Z_STREAM_END:
            if stream.pointee.avail_in == 0 && feeder.finished {
              state = .done
            } else if inflateReset(stream) != Z_OK {  // another gzip member follows
              state = .failed
            }
          case Z_OK, Z_BUF_ERROR:
            if written == out.count {
              return
            }
            // Room left, no more input, no stream end: truncated.
            if rc == Z_BUF_ERROR || (feeder.finished && stream.pointee.avail_in == 0) {
              state = .failed
            }
          default: state = .failed  // Z_DATA_ERROR, Z_NEED_DICT, Z_MEM_ERROR, ...
          }
        }
      }
      if state == .failed { return nil }
      if output.isEmpty { output = chunk } else { output += chunk }
      if output.count > limit { return nil }
      if state == .done { return output }
      capacity = min(ceiling - output.count, chunkCapacity ?? max(output.count, 16 * 1024))
    }
  }

  private enum DeflateState { case more, done, failed }

  /// `bytes`, copied into a right-sized array if it holds much more capacity than it uses (the
  /// deflateBound buffer is about the input's size, the output of text often a tenth of that),
  /// so that callers that keep compressed bodies around do not keep the slack too.
  private static func shrunk(_ bytes: [UInt8]) -> [UInt8] {
    guard bytes.capacity - bytes.count > max(4096, bytes.count / 8) else { return bytes }
    return [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
      count = buffer.initialize(fromContentsOf: bytes)
    }
  }

  /// Hands the input to zlib in pieces of at most 4 GiB.
  private struct Feeder {
    let input: UnsafeBufferPointer<UInt8>
    var consumed = 0
    /// The whole input has been handed to zlib (it may not have read it all yet).
    var finished: Bool { consumed == input.count }

    init(input: UnsafeBufferPointer<UInt8>) { self.input = input }

    mutating func feed(_ stream: UnsafeMutablePointer<z_stream>) {
      guard stream.pointee.avail_in == 0, !finished, let base = input.baseAddress else { return }
      let count = min(input.count - consumed, Gzip.maxChunk)
      stream.pointee.next_in = UnsafeMutablePointer(mutating: base + consumed)
      stream.pointee.avail_in = uInt(count)
      consumed += count
    }
  }

}
