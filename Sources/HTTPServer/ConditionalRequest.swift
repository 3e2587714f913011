#if canImport(Glibc)
  import Glibc
#endif

extension Request {
  /// Whether a GET or HEAD may be answered 304 (RFC 9110 §13.1.2, §13.1.3, §13.2.2), given the
  /// representation's entity tags and its last modification in seconds since 1970.
  ///
  /// `entityTags` are opaque tags without quotes: every tag that names the same content (a
  /// handler that keeps a gzipped variant under its own tag passes both). `If-None-Match`,
  /// compared weakly, decides when sent; only without it does `If-Modified-Since` count.
  public func isNotModified(entityTags: [String], lastModified: Int?) -> Bool {
    guard method == "GET" || method == "HEAD" else { return false }
    if let header = headers["If-None-Match"] {
      for candidate in header.split(separator: ",") {
        var value = HeaderText.trimmed(candidate)
        if value == "*" { return true }
        if value.hasPrefix("W/") { value = value.dropFirst(2) }
        guard value.count >= 2, value.first == "\"", value.last == "\"" else { continue }
        if entityTags.contains(where: { value.dropFirst().dropLast() == $0 }) { return true }
      }
      return false
    }
    if let header = headers["If-Modified-Since"], let lastModified,
      let since = HTTPDate.parse(header)
    {
      return lastModified <= since
    }
    return false
  }
}

extension HTTPDate {
  private static let monthNames = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
  ]

  /// Seconds since 1970 of an HTTP-date (RFC 9110 §5.6.7) in any of its three forms, as a
  /// recipient must accept them: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850
  /// (`Sunday, 06-Nov-94 08:49:37 GMT`; a two-digit year 70–99 is 19xx, 00–69 is 20xx) and
  /// asctime (`Sun Nov  6 08:49:37 1994`). Nil otherwise.
  package static func parse(_ text: String) -> Int? {
    let words = text.split(separator: " ")
    var day: Int?
    var month: Int?
    var year: Int?
    var clock: Substring?
    switch words.count {
    case 6 where words[5] == "GMT":  // IMF-fixdate
      day = Int(words[1])
      month = monthIndex(words[2])
      year = words[3].count == 4 ? Int(words[3]) : nil
      clock = words[4]
    case 4 where words[3] == "GMT":  // RFC 850
      let parts = words[1].split(separator: "-")
      guard parts.count == 3, parts[2].count == 2, let short = Int(parts[2]) else { return nil }
      day = Int(parts[0])
      month = monthIndex(parts[1])
      year = short < 70 ? 2000 + short : 1900 + short
      clock = words[2]
    case 5:  // asctime
      month = monthIndex(words[1])
      day = Int(words[2])
      year = words[4].count == 4 ? Int(words[4]) : nil
      clock = words[3]
    default:
      return nil
    }
    guard let day, let month, let year, let clock, (1...31).contains(day),
      (1970...9999).contains(year)
    else { return nil }
    let fields = clock.split(separator: ":", omittingEmptySubsequences: false)
    guard fields.count == 3, fields.allSatisfy({ $0.count == 2 }) else { return nil }
    guard let hour = Int(fields[0]), let minute = Int(fields[1]), let second = Int(fields[2]),
      (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
    else { return nil }
    var parts = tm()
    parts.tm_year = Int32(year - 1900)
    parts.tm_mon = Int32(month)
    parts.tm_mday = Int32(day)
    parts.tm_hour = Int32(hour)
    parts.tm_min = Int32(minute)
    parts.tm_sec = Int32(second)
    let seconds = timegm(&parts)
    // timegm normalises 31 Feb to 3 Mar: such a date is not one.
    guard parts.tm_mday == Int32(day), parts.tm_mon == Int32(month) else { return nil }
    return Int(seconds)
  }

  private static func monthIndex(_ name: Substring) -> Int? {
    monthNames.firstIndex(of: name.lowercased())
  }
}
