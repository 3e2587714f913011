import Foundation

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Reads a written document back with Foundation's `XMLParser` (libxml2 on Linux), an
/// implementation independent of the writers under test.
package enum XMLTree {
  /// The root element, or where the document stops being well-formed.
  package static func parse(_ bytes: [UInt8]) -> Result<ParsedElement, ParseFailure> {
    let parser = XMLParser(data: Data(bytes))
    let builder = TreeBuilder()
    parser.delegate = builder
    guard parser.parse(), parser.parserError == nil, let root = builder.root else {
      let lines = String(decoding: bytes, as: UTF8.self).split(
        separator: "\n", omittingEmptySubsequences: false)
      let line = parser.lineNumber
      let context = lines.indices.contains(line - 1) ? String(lines[line - 1]) : ""
      return .failure(
        ParseFailure(
          description: "not well-formed XML at line \(line), column \(parser.columnNumber): "
            + "\(parser.parserError.map(String.init(describing:)) ?? "?")\n\(context)"))
    }
    return .success(root)
  }

  /// The root of a document that must be well-formed; throws (failing the test) where not.
  package static func document(_ bytes: [UInt8]) throws -> ParsedElement {
    try parse(bytes).get()
  }

  /// The root, or nil when the document is not well-formed.
  package static func root(_ bytes: [UInt8]) -> ParsedElement? {
    try? parse(bytes).get()
  }

  package struct ParseFailure: Error, CustomStringConvertible {
    package var description: String
  }
}

/// One element of a parsed document, with its text and child elements in order.
package final class ParsedElement {
  package enum Node {
    case element(ParsedElement)
    case text(String)
  }

  package let name: String
  package let attributes: [String: String]
  package fileprivate(set) var nodes: [Node] = []

  init(name: String, attributes: [String: String]) {
    self.name = name
    self.attributes = attributes
  }

  package subscript(attribute: String) -> String? { attributes[attribute] }

  package var children: [ParsedElement] {
    nodes.compactMap {
      if case .element(let element) = $0 { return element }
      return nil
    }
  }

  /// All text inside, as a browser's `textContent`.
  package var text: String {
    nodes.map {
      switch $0 {
      case .element(let element): element.text
      case .text(let text): text
      }
    }.joined()
  }

  /// `text` with runs of white space as one space, trimmed.
  package var squashedText: String {
    text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
  }

  /// The first child element called `name`.
  package func child(_ name: String) -> ParsedElement? { children.first { $0.name == name } }

  /// The child elements called `name`.
  package func children(_ name: String) -> [ParsedElement] {
    children.filter { $0.name == name }
  }

  /// Every element called `name` below this one, at any depth, in document order.
  package func descendants(_ name: String) -> [ParsedElement] {
    all.dropFirst().filter { $0.name == name }
  }

  /// This element and every element below it, in document order.
  package var all: [ParsedElement] { [self] + children.flatMap(\.all) }

  package func all(_ name: String) -> [ParsedElement] { all.filter { $0.name == name } }

  package func first(_ name: String) -> ParsedElement? { all.first { $0.name == name } }

  /// Elements whose `class` attribute contains `name`.
  package func classed(_ name: String) -> [ParsedElement] {
    all.filter { ($0["class"] ?? "").split(separator: " ").contains(Substring(name)) }
  }

  package func element(id: String) -> ParsedElement? { all.first { $0["id"] == id } }
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
  var root: ParsedElement?
  private var stack: [ParsedElement] = []

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
  ) {
    let element = ParsedElement(name: elementName, attributes: attributeDict)
    if let parent = stack.last {
      parent.nodes.append(.element(element))
    } else {
      root = element
    }
    stack.append(element)
  }

  func parser(
    _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
    qualifiedName qName: String?
  ) {
    stack.removeLast()
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    stack.last?.nodes.append(.text(string))
  }
}
