import AlmedalenCore
import AlmedalenFeeds
import AlmedalenTesting
import Foundation
import Testing

@testable import AlmedalenPages

/// What every page promises: a well-formed Swedish document with landmarks, a skip link,
/// labelled fields, the form token in every POST form, and no script anywhere.
@Suite struct PageStructureTests {
  static let event = Fixtures.event(
    description: "Om vården.\n\nAndra stycket.", coOrganisers: ["Vårdförbundet"],
    coOrganiserIDs: [Fixtures.uuid(10, group: "5003")], accessibility: [.wheelchair, .hearingLoop],
    foodServed: true, livestreamURL: "https://play.example/live", capacity: 50,
    registrationOpen: true, panels: [Panel(title: "Framtidens vård")],
    participants: [
      Fixtures.person(1, "Ola Andersson", role: .moderator, title: "journalist"),
      Fixtures.person(2, "Johan Jonsson", title: "ordförande", organisation: "SKR", panel: 0),
    ])

  @Test(arguments: Fixtures.allPages(event).map(\.name))
  func everyPageIsWellFormedSwedishHTML(page name: String) throws {
    let bytes = try #require(Fixtures.allPages(Self.event).first { $0.name == name }).bytes
    let source = String(decoding: bytes, as: UTF8.self)
    #expect(source.hasPrefix("<!DOCTYPE html>\n"))
    #expect(!source.contains("&nbsp;"))
    let root = try XMLTree.document(bytes)
    #expect(root.name == "html")
    #expect(root["lang"] == "sv")
    let head = try #require(root.first("head"))
    #expect(head.all("meta").contains { $0["charset"] == "utf-8" })
    #expect(
      head.all("meta").contains {
        $0["name"] == "viewport" && $0["content"] == "width=device-width, initial-scale=1"
      })
    #expect(head.all("title").count == 1)
    #expect(head.first("title")?.text.hasSuffix(" – Almedalsveckan") == true)
    #expect(
      head.all("link").contains { $0["rel"] == "stylesheet" && $0["href"] == "/static/site.css" })
  }

  @Test(arguments: Fixtures.allPages(event).map(\.name))
  func everyPageHasLandmarksASkipLinkAndTheFooterLinks(page name: String) throws {
    let bytes = try #require(Fixtures.allPages(Self.event).first { $0.name == name }).bytes
    let root = try XMLTree.document(bytes)
    let body = try #require(root.first("body"))
    let skip = try #require(body.children.first)
    #expect(skip.name == "a" && skip["href"] == "#innehall")
    #expect(skip.text == "Hoppa till innehållet")
    let main = try #require(root.first("main"))
    #expect(main["id"] == "innehall")
    #expect(root.all("main").count == 1)
    let header = try #require(root.first("header"))
    #expect(header.all("a").first?["href"] == "/")
    #expect(header.all("a").first?.text == "Almedalsveckan")
    #expect(header.first("nav") != nil)
    let footer = try #require(root.first("footer"))
    #expect(footer.all("a").contains { $0["href"] == "/api/v1/openapi.json" })
    #expect(footer.all("a").contains { $0.text == "RSS" && $0["href"]?.contains(".rss") == true })
    // One h1, and no heading skips a level.
    #expect(root.all("h1").count == 1)
    var level = 1
    for heading in root.all where heading.name.count == 2 && heading.name.hasPrefix("h") {
      guard let next = Int(heading.name.dropFirst()) else { continue }
      #expect(next <= level + 1, "\(heading.name) \(heading.text) after h\(level)")
      level = next
    }
  }

  @Test(arguments: Fixtures.allPages(event).map(\.name))
  func everyFieldHasItsLabelAndEveryPostFormItsToken(page name: String) throws {
    let bytes = try #require(Fixtures.allPages(Self.event).first { $0.name == name }).bytes
    let root = try XMLTree.document(bytes)
    let ids = root.all.compactMap { $0["id"] }
    #expect(Set(ids).count == ids.count, "duplicate ids")
    let labelled = Set(root.all("label").compactMap { $0["for"] })
    for label in root.all("label") {
      let target = try #require(label["for"].flatMap(root.element(id:)), "\(label.text)")
      #expect(["input", "select", "textarea"].contains(target.name))
    }
    let fields = root.all.filter {
      ($0.name == "input" && $0["type"] != "hidden") || $0.name == "select"
        || $0.name == "textarea"
    }
    for field in fields {
      #expect(labelled.contains(field["id"] ?? "-"), "\(field["name"] ?? "?") has no label")
    }
    for checkbox in fields where checkbox["type"] == "checkbox" {
      let inFieldset = root.all("fieldset").contains { $0.all.contains { $0 === checkbox } }
      #expect(inFieldset)
    }
    for form in root.all("form") where form["method"] == "post" {
      let token = form.all("input").filter { $0["name"] == "form_token" }
      #expect(token.count == 1)
      #expect(token.first?["type"] == "hidden")
      #expect(token.first?["value"] == Fixtures.context.formToken)
    }
  }

  @Test(arguments: Fixtures.allPages(event).map(\.name))
  func noPageHasScriptsOrInlineStyles(page name: String) throws {
    let bytes = try #require(Fixtures.allPages(Self.event).first { $0.name == name }).bytes
    let root = try XMLTree.document(bytes)
    for element in root.all {
      #expect(!["script", "style", "iframe", "object", "embed"].contains(element.name))
      #expect(element["style"] == nil)
      #expect(!element.attributes.keys.contains { $0.lowercased().hasPrefix("on") })
    }
  }

  @Test func pagesWithFeedsAnnounceThemInTheHead() throws {
    let programme = try XMLTree.document(
      Pages.programme(Fixtures.programme([Self.event]), Fixtures.context))
    let alternates = try #require(programme.first("head")).all("link").filter {
      $0["rel"] == "alternate"
    }
    #expect(
      alternates.contains {
        $0["type"] == "text/calendar" && $0["href"] == Fixtures.feeds.calendar
          && !($0["title"] ?? "").isEmpty
      })
    #expect(
      alternates.contains {
        $0["type"] == "application/rss+xml" && $0["href"] == Fixtures.feeds.rss
          && !($0["title"] ?? "").isEmpty
      })

    let event = try XMLTree.document(Pages.event(Fixtures.eventPage(Self.event), Fixtures.context))
    let eventAlternates = try #require(event.first("head")).all("link").filter {
      $0["rel"] == "alternate"
    }
    #expect(eventAlternates.map { $0["href"] } == [Fixtures.eventCalendar().calendar])
  }

  @Test func attendeePagesStayOutOfSearchEnginesAndReferrers() throws {
    let pages = Fixtures.allPages(Self.event)
    for (name, bytes) in pages {
      let head = try #require(try XMLTree.document(bytes).first("head"))
      let isPrivate = ["signed-up", "signed-up-again", "registration", "cancelled"].contains(name)
      #expect(
        head.all("meta").contains { $0["name"] == "referrer" && $0["content"] == "no-referrer" }
          == isPrivate, "\(name)")
      #expect(head.all("meta").contains { $0["name"] == "robots" } == isPrivate, "\(name)")
    }
  }

  @Test func errorPageSaysWhatWentWrongAndLeadsHome() throws {
    let root = try XMLTree.document(
      Pages.error(
        status: 404, title: "Sidan finns inte", message: "Kontrollera adressen.",
        Fixtures.context))
    #expect(root.first("h1")?.text == "Sidan finns inte")
    let main = try #require(root.first("main"))
    #expect(main.squashedText.contains("404"))
    #expect(main.squashedText.contains("Kontrollera adressen."))
    #expect(main.all("a").contains { $0["href"] == "/" })
  }
}
