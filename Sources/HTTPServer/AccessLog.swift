import KeyValueLog

/// One `key=value` line per request, made by the one writer of log lines (`LogLine`).
enum AccessLog {
  static func line(
    method: String, path: String, status: Int, bytes: Int, microseconds: Int64, id: String,
    remote: String
  ) -> LogLine {
    let millis = Double(microseconds) / 1000
    let duration = (millis * 100).rounded() / 100
    return LogLine(
      .info, "request",
      [
        ("method", method), ("path", path), ("status", String(status)), ("bytes", String(bytes)),
        ("duration_ms", String(duration)), ("id", id), ("remote", remote),
      ])
  }
}
