/// An XML or polyglot HTML document written into one byte buffer. Element and attribute
/// names are literals (so never need escaping); every value goes through `text` or
/// `attribute`, escaped as the dialect says. The formats' own helpers (indented elements for
/// RSS and frab, links and times for the pages) are extensions in the modules that write them.
package struct MarkupWriter {
  package enum Dialect: Sendable {
    case xml, html

    var text: Escaping { self == .xml ? .xmlText : .htmlText }
    var attribute: Escaping { self == .xml ? .xmlAttribute : .htmlAttribute }
  }

  /// The buffer, for the helpers that write digits and bytes of their own.
  package var out: ByteWriter
  package let dialect: Dialect

  package var bytes: [UInt8] { out.bytes }

  package init(_ dialect: Dialect, capacity: Int) {
    self.dialect = dialect
    out = ByteWriter(capacity: capacity)
  }

  /// Markup as it stands: names, indentation, fixed text we wrote ourselves.
  package mutating func raw(_ markup: StaticString) {
    out.literal(markup)
  }

  /// Text known to need no escaping (numbers, dates and ids we formatted).
  package mutating func plain(_ text: String) {
    out.plain(text)
  }

  /// Anyone's text as element content.
  package mutating func text(_ text: String) {
    out.escaped(text, dialect.text)
  }

  /// Anyone's text as the value of a double-quoted attribute (the quotes are the caller's).
  package mutating func attribute(_ text: String) {
    out.escaped(text, dialect.attribute)
  }

  /// A decimal integer.
  package mutating func number(_ value: Int) {
    out.number(value)
  }
}
