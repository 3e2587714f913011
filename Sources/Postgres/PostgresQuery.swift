/// A statement with its parameters, numbering its own placeholders.
///
/// Written as a string literal: `"SELECT name FROM people WHERE id = \(id)"` sends
/// `SELECT name FROM people WHERE id = $1` with `id` as parameter 1. Every interpolated value
/// becomes a parameter, and appending a fragment renumbers the fragment's parameters after
/// those already there, so no `$n` is ever counted by hand across pieces of SQL.
///
/// SQL text comes only from string literals (`StaticString`): there is no way to splice
/// runtime text into a statement. Names that cannot be parameters (tables, columns) come from
/// a `PostgresIdentifier`, quoted.
public struct PostgresQuery: Sendable, Hashable, ExpressibleByStringInterpolation {
  /// The text between parameters: `texts[0] $1 texts[1] $2 … texts[n]`, so there is always
  /// one more text than parameters.
  private var texts: [String]
  /// Each parameter's text form (`nil` is NULL), in placeholder order.
  package private(set) var parameters: [String?]

  public init(stringLiteral literal: StaticString) {
    texts = [""]
    parameters = []
    append(literal: literal)
  }

  public init(stringInterpolation: StringInterpolation) {
    self = stringInterpolation.query
  }

  /// The statement with its placeholders numbered `$1…$n`.
  public var sql: String {
    var sql = texts[0]
    for (index, text) in texts.dropFirst().enumerated() {
      sql += "$\(index + 1)" + text
    }
    return sql
  }

  /// Appends `fragment`, its parameters numbered after this query's own.
  public mutating func append(_ fragment: PostgresQuery) {
    texts[texts.count - 1] += fragment.texts[0]
    texts += fragment.texts.dropFirst()
    parameters += fragment.parameters
  }

  public static func + (lhs: PostgresQuery, rhs: PostgresQuery) -> PostgresQuery {
    var query = lhs
    query.append(rhs)
    return query
  }

  public static func += (lhs: inout PostgresQuery, rhs: PostgresQuery) {
    lhs.append(rhs)
  }

  private mutating func append(literal: StaticString) {
    let text = literal.description
    assert(
      !Self.holdsPlaceholder(text),
      "a hand-written $n in a PostgresQuery: interpolate the value instead, so the query numbers it"
    )
    append(text: text)
  }

  private mutating func append(text: String) {
    texts[texts.count - 1] += text
  }

  /// Whether text holds `$` and a digit: a placeholder written by hand, which the numbering
  /// would not see. (A dollar-quote tag cannot start with a digit.)
  private static func holdsPlaceholder(_ text: String) -> Bool {
    var afterDollar = false
    for byte in text.utf8 {
      if afterDollar, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { return true }
      afterDollar = byte == UInt8(ascii: "$")
    }
    return false
  }

  private mutating func append(parameter: String?) {
    parameters.append(parameter)
    texts.append("")
  }

  /// Builds a query from literal text, parameters, fragments and identifiers.
  public struct StringInterpolation: StringInterpolationProtocol, Sendable {
    var query = PostgresQuery(stringLiteral: "")

    public init(literalCapacity: Int, interpolationCount: Int) {}

    public mutating func appendLiteral(_ literal: StaticString) {
      query.append(literal: literal)
    }

    /// A parameter: `$n` in the text, the value sent apart from it.
    public mutating func appendInterpolation(_ value: some PostgresEncodable) {
      query.append(parameter: value.postgresText)
    }

    /// A parameter that may be NULL. Spelled apart from the one above because the compiler
    /// warns on an optional given where any value is taken.
    public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
      query.append(parameter: value.flatMap(\.postgresText))
    }

    /// A fragment, its parameters renumbered into this query.
    public mutating func appendInterpolation(_ fragment: PostgresQuery) {
      query.append(fragment)
    }

    /// A table or column name, quoted.
    public mutating func appendInterpolation(_ identifier: some PostgresIdentifier) {
      query.append(text: Connection.quoteIdentifier(identifier.rawValue))
    }
  }
}

extension Sequence<PostgresQuery> {
  /// The fragments one after another with `separator` between them, their parameters
  /// numbered in order.
  public func joined(separator: PostgresQuery) -> PostgresQuery {
    var joined: PostgresQuery = ""
    for (index, fragment) in enumerated() {
      if index > 0 { joined.append(separator) }
      joined.append(fragment)
    }
    return joined
  }
}

/// A name in the schema (a table, a column) that a query may interpolate, quoted.
///
/// Conform an enum whose cases are the names, so that the names are fixed in the source
/// rather than taken from runtime text.
public protocol PostgresIdentifier: RawRepresentable<String> {}
