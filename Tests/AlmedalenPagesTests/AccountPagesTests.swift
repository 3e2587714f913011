import AlmedalenTesting
import Foundation
import Testing

@testable import AlmedalenPages

/// The account pages' renderer: hostile text in every value (a user's or organisation's
/// name, an address, a browser's User-Agent, a form token) comes out as text; problems sit
/// beside their fields, tied with `aria-describedby`; two forms never share an id.
@Suite struct AccountPagesRendererTests {
  static let bad = Fixtures.hostile

  static var model: AccountPageModel {
    let field = AccountField(
      name: "email", label: bad, type: "email", autocomplete: "email", value: bad,
      problem: bad, hint: bad)
    let end = AccountForm(action: "/account/sessions/\"><script>/end", submit: bad, secondary: true)
    return AccountPageModel(
      title: bad, notice: bad,
      blocks: [
        .heading(bad), .paragraph(bad),
        .form(
          AccountForm(
            action: "javascript:alert(1)", submit: bad,
            fields: [
              field, AccountField(name: "password", label: bad, type: "password", value: bad),
            ],
            hidden: ["id": bad], problem: bad)),
        .links([AccountLink("javascript:alert(1)", bad), AccountLink("/account", bad)]),
        .qrCode(
          svg: "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\" role=\"img\" "
            + "aria-label=\"QR\"><title>QR</title></svg>", secret: bad),
        .codes([bad, bad]),
        .sessions([
          AccountSessionRow(created: bad, lastSeen: bad, userAgent: bad, isCurrent: true, end: end),
          AccountSessionRow(
            created: bad, lastSeen: bad, userAgent: bad, isCurrent: false, end: end),
        ]),
      ])
  }

  static var bytes: [UInt8] {
    Pages.account(model, PageContext(baseURL: "https://almedalen.example", formToken: bad))
  }

  @Test func hostileTextNeverBecomesMarkup() throws {
    let source = String(decoding: Self.bytes, as: UTF8.self)
    #expect(!source.lowercased().contains("<script"))
    #expect(!source.lowercased().contains("<img"))
    let root = try XMLTree.document(Self.bytes)
    for element in root.all {
      #expect(!["script", "img", "style", "iframe"].contains(element.name))
      #expect(!element.attributes.keys.contains { $0.lowercased().hasPrefix("on") })
      for attribute in ["href", "action"] {
        guard let url = element[attribute] else { continue }
        #expect(
          (url.hasPrefix("/") && !url.hasPrefix("//")) || url.hasPrefix("#"),
          "\(element.name) \(attribute)=\(url)")
      }
    }
    let texts = root.all.map(\.text) + root.all.flatMap { $0.attributes.values }
    #expect(texts.contains { $0.contains(Fixtures.hostileClean) })
    // A password is never written back into the page.
    #expect(root.all("input").first { $0["type"] == "password" }?["value"] == nil)
  }

  @Test func problemsSitBesideTheirFieldsAndIdsAreUnique() throws {
    let root = try XMLTree.document(Self.bytes)
    let email = try #require(root.all("input").first { $0["name"] == "email" })
    #expect(email["aria-invalid"] == "true")
    #expect(email["aria-describedby"] == "f1-email-hint f1-email-problem")
    let ids = root.all.compactMap { $0["id"] }
    #expect(Set(ids).count == ids.count, "duplicate ids: \(ids)")
    for id in (email["aria-describedby"] ?? "").split(separator: " ") {
      #expect(ids.contains(String(id)))
    }
    // Every input but the hidden ones has its label.
    for input in root.all("input") where input["type"] != "hidden" {
      let id = try #require(input["id"])
      #expect(root.all("label").contains { $0["for"] == id }, "\(id) has no label")
    }
    // Every form carries the form token, escaped.
    let forms = root.all("form")
    #expect(forms.count == 3)
    for form in forms {
      #expect(
        form.all("input").first { $0["name"] == "form_token" }?["value"]
          == Fixtures.hostileRendered)
    }
    #expect(root.first("h1")?.text == Fixtures.hostileRendered)
    #expect(root.first("svg")?["role"] == "img")
  }
}
