import AlmedalenFeeds

extension FeedFuzzHarness {
  /// XML 1.0 well-formedness for what `RSSWriter` emits, strictly: an XML declaration, elements
  /// with attributes, text, the five predefined entities and character references. Comments,
  /// CDATA sections, processing instructions and a DOCTYPE are errors, as the writer emits none.
  package enum XMLReader {
    package struct Element {
      package var name: String
      package var attributes: [(name: String, value: String)]
      package var children: [Node]

      /// The child elements; text between them must be white space.
      package func elements() throws(FeedFuzzHarness.Failure) -> [Element] {
        var found: [Element] = []
        for child in children {
          switch child {
          case .element(let element): found.append(element)
          case .text(let text):
            guard text.unicodeScalars.allSatisfy({ " \t\n".unicodeScalars.contains($0) }) else {
              throw FeedFuzzHarness.Failure(
                "text \(FeedFuzzHarness.shown(text)) between the elements of <\(name)>")
            }
          }
        }
        return found
      }

      /// The text of an element that holds no elements.
      package func text() throws(FeedFuzzHarness.Failure) -> String {
        var text = ""
        for child in children {
          switch child {
          case .text(let piece): text += piece
          case .element(let element):
            throw FeedFuzzHarness.Failure("<\(element.name)> inside <\(name)>")
          }
        }
        return text
      }
    }

    package enum Node {
      case text(String)
      case element(Element)
    }

    package static func document(_ bytes: [UInt8]) throws(FeedFuzzHarness.Failure) -> Element {
      guard let text = String(validating: bytes, as: UTF8.self) else {
        throw Failure("not UTF-8")
      }
      var parser = Parser(scalars: Array(text.unicodeScalars))
      if let bad = parser.scalars.firstIndex(where: { !isChar($0) }) {
        throw Failure(
          "U+\(ICalReader.hex(parser.scalars[bad].value)) at scalar \(bad) is not an XML Char")
      }
      try parser.declaration()
      parser.skipSpace()
      let root = try parser.element()
      parser.skipSpace()
      guard parser.index == parser.scalars.count else {
        throw parser.failure("content after the root element")
      }
      return root
    }

    /// XML 1.0 `Char`.
    static func isChar(_ scalar: Unicode.Scalar) -> Bool {
      switch scalar.value {
      case 0x09, 0x0A, 0x0D, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
      default: false
      }
    }

    static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
      switch scalar.value {
      case 0x3A, 0x41...0x5A, 0x5F, 0x61...0x7A, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF,
        0x370...0x37D, 0x37F...0x1FFF, 0x200C...0x200D, 0x2070...0x218F, 0x2C00...0x2FEF,
        0x3001...0xD7FF, 0xF900...0xFDCF, 0xFDF0...0xFFFD, 0x10000...0xEFFFF:
        true
      default: false
      }
    }

    static func isName(_ scalar: Unicode.Scalar) -> Bool {
      switch scalar.value {
      case 0x2D, 0x2E, 0x30...0x39, 0xB7, 0x300...0x36F, 0x203F...0x2040: true
      default: isNameStart(scalar)
      }
    }

    struct Parser {
      var scalars: [Unicode.Scalar]
      var index = 0

      func failure(_ message: String) -> Failure {
        let context = String(String.UnicodeScalarView(scalars[max(0, index - 40)..<index]))
        return Failure(
          "XML: \(message) at scalar \(index), after \(FeedFuzzHarness.shown(context))")
      }

      func starts(_ literal: String) -> Bool {
        scalars[index...].starts(with: literal.unicodeScalars)
      }

      mutating func expect(_ literal: String) throws(Failure) {
        guard starts(literal) else { throw failure("expected \(literal)") }
        index += literal.unicodeScalars.count
      }

      @discardableResult
      mutating func skipSpace() -> Bool {
        let start = index
        while index < scalars.count, " \t\n\r".unicodeScalars.contains(scalars[index]) {
          index += 1
        }
        return index > start
      }

      mutating func name() throws(Failure) -> String {
        guard index < scalars.count, isNameStart(scalars[index]) else {
          throw failure("expected a name")
        }
        let start = index
        while index < scalars.count, isName(scalars[index]) { index += 1 }
        return String(String.UnicodeScalarView(scalars[start..<index]))
      }

      /// The one declaration the writers write: a reader that took others would let a
      /// change to it through unnoticed.
      mutating func declaration() throws(Failure) {
        try expect("<?xml version=\"1.0\" encoding=\"utf-8\"?>")
      }

      mutating func element() throws(Failure) -> Element {
        try expect("<")
        var element = Element(name: try name(), attributes: [], children: [])
        while true {
          let spaced = skipSpace()
          if starts("/>") {
            index += 2
            return element
          }
          if starts(">") {
            index += 1
            break
          }
          guard spaced else { throw failure("expected white space before an attribute") }
          let attribute = try name()
          skipSpace()
          try expect("=")
          skipSpace()
          let value = try attributeValue()
          guard !element.attributes.contains(where: { $0.name == attribute }) else {
            throw failure("attribute \(attribute) twice")
          }
          element.attributes.append((attribute, value))
        }
        var text = String.UnicodeScalarView()
        while true {
          guard index < scalars.count else { throw failure("<\(element.name)> not closed") }
          let scalar = scalars[index]
          if scalar == "<" {
            if !text.isEmpty {
              element.children.append(.text(String(text)))
              text = .init()
            }
            if starts("</") {
              index += 2
              let end = try name()
              skipSpace()
              try expect(">")
              guard end == element.name else { throw failure("</\(end)> closes <\(element.name)>") }
              return element
            }
            if starts("<!") || starts("<?") {
              throw failure("comment, CDATA, DOCTYPE or processing instruction")
            }
            element.children.append(.element(try self.element()))
          } else if scalar == "&" {
            text.append(try reference())
          } else {
            if starts("]]>") { throw failure("]]> in text") }
            text.append(scalar)
            index += 1
          }
        }
      }

      /// After `&`: one of the five predefined entities or a character reference to a `Char`.
      mutating func reference() throws(Failure) -> Unicode.Scalar {
        try expect("&")
        let start = index
        while index < scalars.count, scalars[index] != ";", index - start < 12 { index += 1 }
        guard index < scalars.count, scalars[index] == ";" else {
          throw failure("& without ;")
        }
        let name = String(String.UnicodeScalarView(scalars[start..<index]))
        index += 1
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default: break
        }
        var number: UInt32?
        if name.hasPrefix("#x") {
          number = UInt32(name.dropFirst(2), radix: 16)
        } else if name.hasPrefix("#") {
          number = UInt32(name.dropFirst(), radix: 10)
        }
        guard let number, !name.contains("+"), !name.contains("-"),
          let scalar = Unicode.Scalar(number), isChar(scalar)
        else { throw failure("reference &\(name);") }
        return scalar
      }

      /// A quoted attribute value, normalised as XML 1.0 §3.3.3 says for CDATA attributes:
      /// white space written as such becomes a space, character references stay what they are.
      mutating func attributeValue() throws(Failure) -> String {
        guard index < scalars.count, scalars[index] == "\"" || scalars[index] == "'" else {
          throw failure("expected a quoted value")
        }
        let quote = scalars[index]
        index += 1
        var value = String.UnicodeScalarView()
        while true {
          guard index < scalars.count else { throw failure("attribute value not closed") }
          let scalar = scalars[index]
          switch scalar {
          case quote:
            index += 1
            return String(value)
          case "<": throw failure("< in an attribute value")
          case "&": value.append(try reference())
          case "\t", "\n", "\r":
            value.append(" ")
            index += 1
          default:
            value.append(scalar)
            index += 1
          }
        }
      }
    }
  }
}
