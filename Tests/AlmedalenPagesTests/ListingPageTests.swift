import AlmedalenCore
import AlmedalenFeeds
import AlmedalenTesting
import Foundation
import Testing

@testable import AlmedalenPages

/// `/people/{id}` and `/organisers/{id}`: someone's seminars by day, with their feeds.
@Suite struct ListingPageTests {
  static let events = [
    Fixtures.event(
      number: 2, title: "Frukost om klimatet", start: "2026-06-24T08:00:00+02:00",
      end: "2026-06-24T09:00:00+02:00"),
    Fixtures.event(number: 1, title: "Vård i hela landet", status: .cancelled),
  ]
  static let personFeeds = FeedLinks(
    calendar: "https://almedalen.example/feeds/people/1.ics",
    webcal: "webcal://almedalen.example/feeds/people/1.ics")

  @Test func personPageListsTheirSeminarsByDayWithTheirCalendar() throws {
    let root = try XMLTree.document(
      Pages.listing(
        ListingPageModel(
          kind: .person, name: "Ola Andersson", subtitle: "journalist, Gotlands Allehanda",
          events: Self.events, feeds: Self.personFeeds), Fixtures.context))
    #expect(root.first("h1")?.text == "Ola Andersson")
    #expect(root.classed("subtitle").first?.text == "journalist, Gotlands Allehanda")
    #expect(root.classed("website").isEmpty)
    #expect(
      root.classed("day").map { $0.first("h2")?.text } == ["Tisdag 23 juni", "Onsdag 24 juni"])
    let titles = root.all("article").map { $0.first("h3")?.squashedText }
    #expect(titles == ["INSTÄLLT Vård i hela landet", "Frukost om klimatet"])
    let head = try #require(root.first("head"))
    #expect(
      head.all("link").contains {
        $0["type"] == "text/calendar" && $0["href"] == Self.personFeeds.calendar
      })
    #expect(!head.all("link").contains { $0["type"] == "application/rss+xml" })
    let subscribe = try #require(root.classed("subscribe").first)
    #expect(
      subscribe.all("a").map { $0["href"] } == [Self.personFeeds.webcal, Self.personFeeds.calendar])
  }

  @Test func organiserPageLinksTheirWebsiteAndFeeds() throws {
    let root = try XMLTree.document(
      Pages.listing(
        ListingPageModel(
          kind: .organiser, name: "Region Gotland", website: "https://www.gotland.se",
          events: Self.events, feeds: Fixtures.feeds), Fixtures.context))
    #expect(root.first("h1")?.text == "Region Gotland")
    let website = try #require(root.classed("website").first?.first("a"))
    #expect(website["href"] == "https://www.gotland.se")
    let subscribe = try #require(root.classed("subscribe").first)
    #expect(subscribe.all("a").contains { $0["href"] == Fixtures.feeds.rss })
    #expect(root.first("head")!.all("link").contains { $0["type"] == "application/rss+xml" })
  }

  @Test func javascriptWebsiteIsNoLink() throws {
    let root = try XMLTree.document(
      Pages.listing(
        ListingPageModel(
          kind: .organiser, name: "Skurk AB", website: "javascript:alert(document.cookie)",
          events: [], feeds: Fixtures.feeds), Fixtures.context))
    #expect(!root.all("a").contains { ($0["href"] ?? "").lowercased().hasPrefix("javascript") })
    #expect(!root.first("main")!.squashedText.contains("javascript"))
    #expect(root.classed("empty").first?.text == "Inga seminarier från den här arrangören.")
  }
}
