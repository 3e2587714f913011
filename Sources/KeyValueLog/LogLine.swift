#if canImport(Glibc)
  import Glibc
#endif

/// One log line, `level=error event=handler_failed id=… error="…"`: the only way to make
/// one, so every line, whatever the source of its text (a client's path, a database's
/// message, an exception), is escaped the same way on its way in.
///
/// A value is written bare when it is plain, else in double quotes with `"` and `\`
/// escaped and every character a terminal or a log viewer could act on written as `\xNN`
/// or `\u{NNNN}`: C0 controls (ESC, CR, LF, tab…), DEL, C1 controls, the line and paragraph
/// separators U+2028 and U+2029, and format characters (bidi overrides and isolates,
/// zero-width characters, the BOM). So no value can end a line, forge a field or recolour
/// the terminal.
public struct LogLine: Sendable, Equatable, CustomStringConvertible {
  /// How much the event matters.
  public enum Level: String, Sendable {
    case info, warning, error
  }

  /// The escaped line, without its newline.
  public let text: String

  /// `level=… event=…` and the fields in the order given. Keys are ours, but are still
  /// cut down to `[a-z0-9_]`.
  public init(_ level: Level, _ event: String, _ fields: [(String, String)] = []) {
    var text = "level=\(level.rawValue) event=\(Self.quote(event))"
    for (key, value) in fields {
      text += " \(Self.key(key))=\(Self.quote(value))"
    }
    self.text = text
  }

  /// As above, the fields in the order of their keys.
  public init(_ level: Level, _ event: String, sorted fields: [String: String]) {
    self.init(level, event, fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
  }

  public var description: String { text }

  /// This line with more fields after it.
  public func adding(_ fields: [(String, String)]) -> LogLine {
    LogLine(text: fields.reduce(text) { $0 + " \(Self.key($1.0))=\(Self.quote($1.1))" })
  }

  private init(text: String) { self.text = text }

  /// A value as it appears in a line: bare when plain, else quoted and escaped.
  public static func quote(_ value: String) -> String {
    let plain =
      !value.isEmpty
      && !value.unicodeScalars.contains {
        $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || mustEscape($0)
      }
    guard !plain else { return value }
    var out = "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case _ where mustEscape(scalar): out += escape(scalar)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  /// Whether a character is written as an escape: controls (C0, DEL, C1), line and
  /// paragraph separators, and format characters.
  public static func mustEscape(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if value < 0x20 || (0x7F...0x9F).contains(value) { return true }
    if value < 0x80 { return false }
    switch scalar.properties.generalCategory {
    case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned,
      .privateUse:
      return true
    default:
      return false
    }
  }

  private static func escape(_ scalar: Unicode.Scalar) -> String {
    let hex = String(scalar.value, radix: 16)
    if scalar.value <= 0xFF { return "\\x" + (hex.count == 1 ? "0" + hex : hex) }
    return "\\u{" + hex + "}"
  }

  private static func key(_ key: String) -> String {
    let kept = key.unicodeScalars.map { scalar -> Character in
      switch scalar {
      case "a"..."z", "0"..."9", "_": Character(scalar)
      case "A"..."Z": Character(Unicode.Scalar(scalar.value + 32) ?? "_")
      default: "_"
      }
    }
    return kept.isEmpty ? "_" : String(kept)
  }
}

/// Where lines go. The process's lines all go to stderr through `standardError`.
public enum Log {
  /// Writes a line and its newline to stderr in one `write` call, so lines from threads
  /// never interleave.
  public static let standardError: @Sendable (LogLine) -> Void = { line in
    var bytes = Array(line.text.utf8)
    bytes.append(10)
    bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
  }

  /// An `info` line on stderr.
  public static func info(_ event: String, _ fields: [String: String] = [:]) {
    standardError(LogLine(.info, event, sorted: fields))
  }

  /// A `warning` line on stderr.
  public static func warning(_ event: String, _ fields: [String: String] = [:]) {
    standardError(LogLine(.warning, event, sorted: fields))
  }

  /// An `error` line on stderr: `event=failed message=…`.
  public static func error(_ message: String) {
    standardError(LogLine(.error, "failed", [("message", message)]))
  }
}
