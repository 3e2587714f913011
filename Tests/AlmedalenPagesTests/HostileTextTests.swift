import AlmedalenCore
import AlmedalenFeeds
import AlmedalenTesting
import Foundation
import Testing

@testable import AlmedalenPages

/// Text anyone else wrote (organisers, attendees, a query string) in every field of every
/// page comes out as text: escaped, never markup, and never a link that runs script.
@Suite struct HostileTextTests {
  static let bad = Fixtures.hostile

  static let event: FeedEvent = {
    var event = Fixtures.event(
      title: bad, description: bad + "\n\n" + bad,
      venue: Venue(
        name: bad, address: bad, coordinate: Coordinate(latitude: 57.6, longitude: 18.3)),
      status: .cancelled, organiser: bad, coOrganisers: [bad, bad],
      coOrganiserIDs: [Fixtures.uuid(10, group: "5003")], topics: [bad, bad + "2"],
      languages: ["sv", "xx"], accessibility: [.captions], foodServed: true,
      livestreamURL: "javascript:alert(1)", capacity: 10, registrationOpen: true,
      panels: [Panel(title: bad)],
      participants: [
        Fixtures.person(1, bad, role: .moderator, title: bad, organisation: bad),
        Fixtures.person(2, bad, title: bad, organisation: bad, panel: 0),
        Fixtures.person(3, bad, role: .speaker, title: bad, organisation: bad),
      ],
      pageURL: "javascript:alert(1)//")
    event.event.details.languages = [bad]
    return event
  }()

  static var pages: [(name: String, bytes: [UInt8])] {
    var pages = Fixtures.allPages(event, text: bad)
    let hostileContext = PageContext(baseURL: "https://almedalen.example", formToken: bad)
    pages.append(
      ("event-hostile-token", Pages.event(Fixtures.eventPage(event), hostileContext)))
    pages.append(
      (
        "registration-hostile-token",
        Pages.registration(
          RegistrationPageModel(
            event: event, status: .confirmed, waitlistPosition: nil,
            cancelAction: "/registrations/\"><script>/cancel"), hostileContext)
      ))
    pages.append(
      (
        "listing-hostile-website",
        Pages.listing(
          ListingPageModel(
            kind: .organiser, name: bad, subtitle: bad, website: "javascript:alert(1)",
            events: [event],
            feeds: FeedLinks(calendar: "javascript:alert(1)", webcal: bad, rss: "data:text/html,x")),
          Fixtures.context)
      ))
    return pages
  }

  @Test(arguments: pages.map(\.name))
  func hostileTextNeverBecomesMarkup(page name: String) throws {
    let bytes = try #require(Self.pages.first { $0.name == name }).bytes
    let source = String(decoding: bytes, as: UTF8.self)
    #expect(!source.lowercased().contains("<script"))
    #expect(!source.lowercased().contains("<img"))
    #expect(!source.contains("\u{0}"))
    #expect(!source.contains("\u{85}"))
    let root = try XMLTree.document(bytes)
    for element in root.all {
      #expect(!["script", "img", "style", "iframe"].contains(element.name))
      #expect(
        !element.attributes.keys.contains { $0.lowercased().hasPrefix("on") }, "\(element.name)")
      for attribute in ["href", "action", "src"] {
        guard let url = element[attribute] else { continue }
        let safe = ["https://", "http://", "/", "webcal://", "mailto:", "#"].contains {
          url.lowercased().hasPrefix($0)
        }
        #expect(safe && !url.hasPrefix("//"), "\(element.name) \(attribute)=\(url)")
      }
    }
  }

  @Test(arguments: pages.map(\.name))
  func hostileTextComesBackAsTheTextItWas(page name: String) throws {
    let bytes = try #require(Self.pages.first { $0.name == name }).bytes
    let root = try XMLTree.document(bytes)
    // Escaped, not dropped: some element's text or attribute gives it back whole.
    let texts = root.all.map(\.text) + root.all.flatMap { $0.attributes.values }
    #expect(texts.contains { $0.contains(Fixtures.hostileClean) }, "\(name)")
  }

  @Test func hostileFormTokenStaysInsideItsAttribute() throws {
    let root = try XMLTree.document(
      Pages.event(
        Fixtures.eventPage(Self.event),
        PageContext(baseURL: "https://almedalen.example", formToken: Self.bad)))
    let token = root.all("input").first { $0["name"] == "form_token" }
    #expect(token?["value"] == Fixtures.hostileRendered)
    #expect(root.all("input").filter { $0["type"] == "hidden" }.count == 1)
  }

  @Test func hostileEventStillShowsAsCancelledWithItsTitle() throws {
    let root = try XMLTree.document(
      Pages.event(Fixtures.eventPage(Self.event, canSignUp: false), Fixtures.context))
    #expect(root.first("h1")?.text == "INSTÄLLT: " + Fixtures.hostileRendered)
    // An unsafe page URL falls back to the event's own path.
    let programme = try XMLTree.document(
      Pages.programme(Fixtures.programme([Self.event]), Fixtures.context))
    #expect(
      programme.first("article")?.first("h3")?.first("a")?["href"]
        == "/events/" + Fixtures.uuid(1).uuidString.lowercased())
  }
}
