extension Request {
  /// The value of the first cookie named `name` across the `Cookie` headers (RFC 6265 §5.4:
  /// `name=value` pairs separated by `;`), nil when there is none.
  public func cookie(_ name: String) -> String? {
    for header in headers.values("Cookie") {
      for pair in header.split(separator: ";") {
        let parts = pair.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, HeaderText.trimmed(parts[0]) == name else { continue }
        return HeaderText.unquoted(HeaderText.trimmed(parts[1]))
      }
    }
    return nil
  }
}

/// A `Set-Cookie` value (RFC 6265 §4.1) with the attributes a session or form cookie wants.
public struct SetCookie: Sendable, Equatable {
  public enum SameSite: String, Sendable {
    case strict = "Strict"
    case lax = "Lax"
    case none = "None"
  }

  public var name: String
  public var value: String
  public var path: String? = "/"
  public var maxAge: Int?
  public var httpOnly = true
  public var secure = false
  public var sameSite: SameSite? = .strict

  public init(
    name: String, value: String, path: String? = "/", maxAge: Int? = nil, httpOnly: Bool = true,
    secure: Bool = false, sameSite: SameSite? = .strict
  ) {
    self.name = name
    self.value = value
    self.path = path
    self.maxAge = maxAge
    self.httpOnly = httpOnly
    self.secure = secure
    self.sameSite = sameSite
  }

  /// The header's value, attributes in a fixed order.
  public var headerValue: String {
    var text = name + "=" + value
    if let path { text += "; Path=" + path }
    if let maxAge { text += "; Max-Age=" + String(maxAge) }
    if httpOnly { text += "; HttpOnly" }
    if let sameSite { text += "; SameSite=" + sameSite.rawValue }
    if secure { text += "; Secure" }
    return text
  }
}

extension Response {
  /// Adds a `Set-Cookie` header (one per cookie: they are never joined with commas).
  public mutating func setCookie(_ cookie: SetCookie) {
    headers.add("Set-Cookie", cookie.headerValue)
  }
}
