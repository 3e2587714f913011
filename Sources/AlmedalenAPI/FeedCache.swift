import Dispatch
import Foundation
import HTTPServer
import Synchronization

/// Rendered feed bytes per request key, valid until the programme changes.
///
/// Every entry is stamped with the generation it was rendered in; a change anywhere in the
/// programme (reported by `ProgrammeWatcher`, from any server process) starts a new
/// generation and drops everything. Nothing is cached while no watcher confirms that it is
/// listening, since a change could then go unseen.
final class FeedCache: Sendable {
  /// One rendered feed: the bytes, their gzip, and the validators.
  struct Entry: Sendable {
    let body: [UInt8]
    /// Made on the first request that accepts gzip, then kept with the entry.
    var gzipped: [UInt8]?
    /// The opaque tag without quotes: a hash of the bytes, so every process that renders
    /// the same data gives the same ETag.
    let tag: String
    let lastModified: Date?
    /// `Last-Modified` as sent, formatted once rather than per request.
    let lastModifiedHeader: String?
    let contentType: String
    let filename: String
  }

  struct Limits: Sendable {
    var entries = 512
    var bytes = 512 << 20
  }

  private struct Slot {
    let entry: Entry
    var lastUse: UInt64
  }

  private struct State {
    var generation: UInt64 = 0
    var trusted = false
    var slots: [String: Slot] = [:]
    var bytes = 0
    var clock: UInt64 = 0
  }

  private let state = Mutex(State())
  private let limits: Limits
  /// Renders under way, by key and generation: after a change, the many clients polling one
  /// feed wait for one render instead of each making their own.
  private let flights = Mutex<[String: Flight]>([:])

  private final class Flight: Sendable {
    let group = DispatchGroup()
    let entry = Mutex<Entry?>(nil)
    init() { group.enter() }
  }

  /// Renders `key` once for every caller that asks while it is under way in `generation`
  /// (nil: not cached, so each renders alone). A caller that waited longer than `patience`,
  /// or whose leader failed, renders for itself.
  func render(
    _ key: String, generation: UInt64?, patience: DispatchTimeInterval = .seconds(20),
    _ body: () throws -> Entry
  ) throws -> Entry {
    guard let generation else { return try body() }
    let id = key + "#" + String(generation)
    let (flight, leads) = flights.withLock { flights -> (Flight, Bool) in
      if let flight = flights[id] { return (flight, false) }
      let flight = Flight()
      flights[id] = flight
      return (flight, true)
    }
    if leads {
      defer {
        _ = flights.withLock { $0.removeValue(forKey: id) }
        flight.group.leave()
      }
      let entry = try body()
      flight.entry.withLock { $0 = entry }
      return entry
    }
    if flight.group.wait(timeout: .now() + patience) == .success,
      let entry = flight.entry.withLock({ $0 })
    {
      return entry
    }
    return try body()
  }

  init(limits: Limits = Limits()) { self.limits = limits }

  /// The generation to stamp a render with, or nil when results must not be cached.
  var generation: UInt64? {
    state.withLock { $0.trusted ? $0.generation : nil }
  }

  var isTrusted: Bool { state.withLock { $0.trusted } }

  func lookup(_ key: String) -> Entry? {
    state.withLock { state in
      guard state.trusted, var slot = state.slots[key] else { return nil }
      state.clock += 1
      slot.lastUse = state.clock
      state.slots[key] = slot
      return slot.entry
    }
  }

  /// Keeps `entry` if nothing changed since `generation` was read (before the data was).
  func store(_ entry: Entry, for key: String, renderedIn generation: UInt64?) {
    guard let generation else { return }
    let size = entry.body.count + (entry.gzipped?.count ?? 0)
    guard size <= limits.bytes / 4 else { return }
    state.withLock { state in
      guard state.trusted, state.generation == generation else { return }
      if let old = state.slots.removeValue(forKey: key) {
        state.bytes -= old.entry.body.count + (old.entry.gzipped?.count ?? 0)
      }
      while !state.slots.isEmpty
        && (state.slots.count >= limits.entries || state.bytes + size > limits.bytes)
      {
        let oldest = state.slots.min { $0.value.lastUse < $1.value.lastUse }!
        state.slots.removeValue(forKey: oldest.key)
        state.bytes -= oldest.value.entry.body.count + (oldest.value.entry.gzipped?.count ?? 0)
      }
      state.clock += 1
      state.slots[key] = Slot(entry: entry, lastUse: state.clock)
      state.bytes += size
    }
  }

  /// The programme changed: everything rendered so far is stale.
  func invalidate() {
    state.withLock { state in
      state.generation &+= 1
      state.slots.removeAll()
      state.bytes = 0
    }
  }

  /// Whether changes are being heard. Either way, what is cached may be stale now.
  func setTrusted(_ trusted: Bool) {
    state.withLock { state in
      state.generation &+= 1
      state.trusted = trusted
      state.slots.removeAll()
      state.bytes = 0
    }
  }

  var count: Int { state.withLock { $0.slots.count } }
}

extension FeedCache.Entry {
  /// Renders the validators and the gzip of `body`.
  init(body: [UInt8], lastModified: Date?, contentType: String, filename: String) {
    self.body = body
    self.gzipped = nil
    self.tag = Self.hash(body)
    self.lastModified = lastModified
    self.lastModifiedHeader = lastModified.map(HTTPDateFormat.format)
    self.contentType = contentType
    self.filename = filename
  }

  /// 64-bit FNV-1a of the bytes, mixed with the length, as 16 hex digits: any edit changes it.
  static func hash(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    bytes.withUnsafeBufferPointer { buffer in
      for byte in buffer {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
      }
    }
    hash ^= UInt64(bytes.count) &* 0x9e37_79b9_7f4a_7c15
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }

  /// Whether the body is large enough for gzip, and so varies with `Accept-Encoding`.
  var compressible: Bool { body.count >= Gzip.minimumBytes }

  /// Whether the answer to `request` goes gzipped: the server's own gzip decision.
  func wantsGzip(_ request: Request) -> Bool {
    Gzip.shouldCompress(count: body.count, acceptEncoding: request.headers["Accept-Encoding"])
  }

  /// Whether the answer to `request` will be gzipped and has no gzip yet.
  func needsGzip(for request: Request) -> Bool { gzipped == nil && wantsGzip(request) }

  /// Compresses the body if `request` wants it and it is not compressed yet.
  mutating func prepare(for request: Request) {
    if needsGzip(for: request) { gzipped = Gzip.compress(body) }
  }

  /// The answer to `request`: 304 when its validators match, else the bytes (gzipped when
  /// accepted), with `ETag` per representation as RFC 9110 wants for strong validators.
  func response(to request: Request, cache: String) -> Response {
    let unchanged = notModified(request)
    var entry = self
    if !unchanged { entry.prepare(for: request) }
    let gzipped = wantsGzip(request) ? (unchanged ? [] : entry.gzipped) : nil
    var headers: HTTPHeaders = [
      "Content-Type": contentType,
      "ETag": "\"" + tag + (gzipped != nil ? "-gz" : "") + "\"",
      "Cache-Control": "public, max-age=300",
      "Content-Disposition": "inline; filename=\"\(filename)\"",
      "Access-Control-Allow-Origin": "*",
      "X-Feed-Cache": cache,
    ]
    if let lastModifiedHeader {
      headers.set("Last-Modified", lastModifiedHeader)
    }
    if unchanged {
      return Response(status: 304, headers: headers, body: [], compressible: compressible)
    }
    if let gzipped {
      headers.set("Content-Encoding", "gzip")
      return Response(status: 200, headers: headers, body: gzipped, compressible: true)
    }
    return Response(status: 200, headers: headers, body: body, compressible: compressible)
  }

  /// The client's copy is current: either representation's tag, or its date.
  func notModified(_ request: Request) -> Bool {
    request.isNotModified(
      entityTags: [tag, tag + "-gz"],
      lastModified: lastModified.map { Int($0.timeIntervalSince1970.rounded(.down)) })
  }
}

/// `Last-Modified`: the server's own IMF-fixdate, of the whole second.
enum HTTPDateFormat {
  static func format(_ date: Date) -> String {
    HTTPDate.format(Int(date.timeIntervalSince1970.rounded(.down)))
  }
}
