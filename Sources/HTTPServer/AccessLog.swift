#if canImport(Glibc)
  import Glibc
#endif

/// One `key=value` line per request on stderr.
public enum AccessLog {
  /// Writes a line to stderr in one `write` call, so lines from threads never interleave.
  public static let standardError: @Sendable (String) -> Void = { line in
    var bytes = Array(line.utf8)
    bytes.append(10)
    bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
  }

  static func line(
    method: String, path: String, status: Int, bytes: Int, microseconds: Int64, id: String,
    remote: String
  ) -> String {
    let millis = Double(microseconds) / 1000
    let duration = (millis * 100).rounded() / 100
    return
      "level=info event=request method=\(quote(method)) path=\(quote(path)) status=\(status) bytes=\(bytes) duration_ms=\(duration) id=\(quote(id)) remote=\(remote)"
  }

  /// Quotes a value when it holds spaces, quotes, `=` or control characters, so a client
  /// cannot forge log fields or lines.
  public static func quote(_ value: String) -> String {
    let needs =
      value.isEmpty
      || value.unicodeScalars.contains {
        $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || $0.value < 32 || $0.value == 127
      }
    guard needs else { return value }
    var out = "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case _ where scalar.value < 32 || scalar.value == 127:
        out += "\\x" + String(scalar.value, radix: 16)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
