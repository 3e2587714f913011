import AlmedalenCore
import AlmedalenFeeds
import AlmedalenTesting
import Foundation
import Testing

@testable import AlmedalenPages

/// A hostile title (markup, quotes, controls, a right-to-left override, an endless word) in
/// every field of every backoffice page, and a hostile form token: the pages stay
/// well-formed, the text stays text, and no link or form leads anywhere unsafe.
@Suite struct BackofficeHostileTests {
  static let bad = Fixtures.hostile + " " + String(repeating: "Långtordutanmellanrum", count: 20)
  static let badClean =
    Fixtures.hostileClean + " " + String(repeating: "Långtordutanmellanrum", count: 20)

  static let hostileContext = PageContext(baseURL: "https://almedalen.example", formToken: bad)

  static var pages: [(name: String, bytes: [UInt8])] {
    BackofficeFixtures.allPages(bad, context: hostileContext)
  }

  @Test(arguments: BackofficeFixtures.allPages().map(\.name))
  func hostileTextNeverBecomesMarkup(page name: String) throws {
    let bytes = try #require(Self.pages.first { $0.name == name }).bytes
    let source = String(decoding: bytes, as: UTF8.self)
    #expect(!source.lowercased().contains("<script"))
    #expect(!source.lowercased().contains("<img"))
    #expect(!source.contains("\u{0}"))
    #expect(!source.contains("\u{85}"))
    // Parsed strictly (XML): a broken attribute or element fails here.
    let root = try XMLTree.document(bytes)
    for element in root.all {
      #expect(!["script", "img", "style", "iframe"].contains(element.name))
      #expect(
        !element.attributes.keys.contains { $0.lowercased().hasPrefix("on") }, "\(element.name)")
      for attribute in ["href", "action", "src"] {
        guard let url = element[attribute] else { continue }
        let safe = ["https://", "http://", "/", "mailto:", "#"].contains {
          url.lowercased().hasPrefix($0)
        }
        #expect(safe && !url.hasPrefix("//"), "\(name): \(element.name) \(attribute)=\(url)")
      }
    }
  }

  @Test(arguments: BackofficeFixtures.allPages().map(\.name))
  func hostileTextComesBackAsTheTextItWas(page name: String) throws {
    let root = try XMLTree.document(try #require(Self.pages.first { $0.name == name }).bytes)
    let texts = root.all.map(\.text) + root.all.flatMap { $0.attributes.values }
    #expect(texts.contains { $0.contains(Self.badClean) }, "\(name)")
    // The token stays inside its attribute in every form.
    for form in root.all("form") {
      let token = form.all("input").filter { $0["name"] == "form_token" }
      #expect(token.count == 1)
      #expect(token.first?["value"] == Self.badClean + "\u{202C}")
    }
    // Headings and ids still parse as the structure says: one h1, unique ids.
    #expect(root.all("h1").count == 1)
    let ids = root.all.compactMap { $0["id"] }
    #expect(Set(ids).count == ids.count)
  }

  @Test func hostileTitleKeepsTheEventFormsStructure() throws {
    let bytes = try #require(Self.pages.first { $0.name == "event-form" }).bytes
    let root = try XMLTree.document(bytes)
    let title = try #require(root.all("input").first { $0["name"] == "title" })
    #expect(title["value"]?.hasPrefix("<script>alert(1)</script>\"><img") == true)
    let description = try #require(root.all("textarea").first { $0["name"] == "description" })
    #expect(description.text.contains("<script>alert(1)</script>"))
    // Every name in the form is still one the route reads: a hostile value never makes one.
    let names = Set(root.all.compactMap { $0["name"] })
    #expect(!names.contains { $0.contains("<") || $0.contains("\"") })
    // The unsafe link of a warning's other event is dropped, its title kept as text.
    let warnings = root.classed("bo-warnings").flatMap { $0.all("a") }
    #expect(warnings.allSatisfy { $0["href"]?.hasPrefix("/backoffice/") == true })
  }
}
