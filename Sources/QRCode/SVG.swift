extension QRCode {
  /// The symbol as an `<svg>` element, black on white with the quiet zone: one `<path>` of
  /// the dark modules (each row's runs merged into rectangles), a `viewBox` in modules,
  /// `shape-rendering="crispEdges"`, `role="img"` with `accessibleName` as both `aria-label`
  /// and `<title>`. It refers to nothing outside itself and has no `id`, so it can be
  /// written inline in an HTML page (several times) as well as saved as a file.
  ///
  /// - Parameters:
  ///   - accessibleName: what the image is, for screen readers ("QR-kod för att lägga till
  ///     kontot i en autentiseringsapp"); escaped here.
  ///   - pixelsPerModule: the `width` and `height` given, in CSS pixels per module (at
  ///     least 1; phones' cameras read 4 well at arm's length); nil leaves them out, for
  ///     the page's CSS to size.
  public func svg(accessibleName: String, pixelsPerModule: Int? = 4) -> String {
    precondition(pixelsPerModule.map { $0 > 0 } ?? true, "pixelsPerModule must be positive")
    let side = size + 2 * Self.quietZone
    let name = Self.escapeXML(accessibleName)
    var result = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(side) \(side)\""
    if let pixelsPerModule {
      result += " width=\"\(side * pixelsPerModule)\" height=\"\(side * pixelsPerModule)\""
    }
    result += " role=\"img\" aria-label=\"\(name)\" shape-rendering=\"crispEdges\">"
    result += "<title>\(name)</title>"
    result += "<rect width=\"\(side)\" height=\"\(side)\" fill=\"#fff\"/>"
    result += "<path fill=\"#000\" d=\"\(pathData())\"/>"
    result += "</svg>"
    return result
  }

  /// `svg(accessibleName:pixelsPerModule:)` as a standalone file: an XML declaration
  /// before the element, and a final line break.
  public func svgDocument(accessibleName: String, pixelsPerModule: Int? = 4) -> String {
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      + svg(accessibleName: accessibleName, pixelsPerModule: pixelsPerModule) + "\n"
  }

  /// The path of the dark modules, in module coordinates with the quiet zone: for each run
  /// of dark modules in a row, `M x y h width v1 h -width z`.
  public func pathData() -> String {
    var result = ""
    for y in 0..<size {
      var x = 0
      while x < size {
        guard isDark(x: x, y: y) else {
          x += 1
          continue
        }
        let start = x
        while x < size && isDark(x: x, y: y) { x += 1 }
        let width = x - start
        result += "M\(start + Self.quietZone) \(y + Self.quietZone)h\(width)v1h-\(width)z"
      }
    }
    return result
  }

  /// `text` for XML character data and attribute values: `&`, `<`, `>`, `"` and `'` as
  /// references, characters that XML 1.0 does not allow (C0 controls but tab, line feed
  /// and carriage return; U+FFFE, U+FFFF) as U+FFFD.
  static func escapeXML(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": result += "&amp;"
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "\"": result += "&quot;"
      case "'": result += "&#39;"
      case "\t", "\n", "\r": result += "&#\(scalar.value);"
      case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
        result += "\u{FFFD}"
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result
  }
}
