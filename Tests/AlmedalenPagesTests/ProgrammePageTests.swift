import AlmedalenCore
import AlmedalenFeeds
import AlmedalenTesting
import Foundation
import Testing

@testable import AlmedalenPages

/// `/`: the filter form, the days and their seminars, the subscription links.
@Suite struct ProgrammePageTests {
  static let events = [
    Fixtures.event(number: 1, title: "Vård i hela landet"),
    Fixtures.event(
      number: 2, title: "Skolan efter valet", start: "2026-06-23T14:00:00+02:00",
      end: "2026-06-23T15:30:00+02:00", status: .cancelled, coOrganisers: ["Lärarförbundet"],
      topics: ["Skola", "Ekonomi"], languages: ["sv", "en"]),
    Fixtures.event(
      number: 3, title: "Frukost om klimatet", start: "2026-06-24T08:00:00+02:00",
      end: "2026-06-24T09:00:00+02:00", venue: nil, accessibility: [.wheelchair, .signLanguage],
      foodServed: true),
  ]

  func render(
    _ events: [FeedEvent] = events, filters: ProgrammeFilters = Fixtures.filters
  ) throws -> ParsedElement {
    try XMLTree.document(
      Pages.programme(Fixtures.programme(events, filters: filters), Fixtures.context))
  }

  @Test func titleCountAndADayHeadingPerDay() throws {
    let root = try render()
    #expect(root.first("h1")?.text == "Almedalsveckan 2026")
    #expect(root.first("title")?.text == "Almedalsveckan 2026 – Almedalsveckan")
    #expect(root.classed("count").first?.text == "3 seminarier")
    let days = root.classed("day")
    #expect(days.map { $0.first("h2")?.text } == ["Tisdag 23 juni", "Onsdag 24 juni"])
    #expect(days.map { $0.all("article").count } == [2, 1])
  }

  @Test func eachSeminarLinksToItsPageWithTimeVenueOrganiserAndTopics() throws {
    let root = try render()
    let article = try #require(root.all("article").first)
    let link = try #require(article.first("h3")?.first("a"))
    #expect(link.text == "Vård i hela landet")
    #expect(link["href"] == Self.events[0].pageURL)
    let when = try #require(article.classed("when").first)
    #expect(when.text == "12:00–13:00")
    #expect(
      when.all("time").map { $0["datetime"] }
        == ["2026-06-23T12:00:00+02:00", "2026-06-23T13:00:00+02:00"])
    let facts = try #require(article.first("dl")).squashedText
    #expect(facts.contains("Donners plats"))
    #expect(facts.contains("Region Gotland"))
    #expect(facts.contains("Hälsa"))
    // Swedish alone needs no mention; another language does.
    #expect(!facts.contains("svenska"))
    let second = root.all("article")[1].first("dl")!.squashedText
    #expect(second.contains("svenska, engelska"))
    #expect(second.contains("Region Gotland, Lärarförbundet"))
    #expect(second.contains("Skola, Ekonomi"))
  }

  @Test func cancelledAccessibleAndCateredSeminarsAreMarkedInWords() throws {
    let articles = try render().all("article")
    #expect(!articles[0].squashedText.contains("INSTÄLLT"))
    #expect(articles[1].first("h3")?.squashedText == "INSTÄLLT Skolan efter valet")
    #expect(articles[1].classed("badge").first?.text == "INSTÄLLT")
    let marks = articles[2].classed("marks").first?.all("li").map(\.text)
    #expect(marks == ["Rullstolsanpassat", "Teckenspråkstolkning", "Servering"])
    #expect(articles[2].squashedText.contains("Plats meddelas senare"))
  }

  @Test func filterFormIsAGetToTheProgrammeWithEveryFilter() throws {
    let form = try #require(try render().first("form"))
    #expect(form["method"] == "get")
    #expect(form["action"] == "/")
    let selects = form.all("select")
    #expect(selects.map { $0["name"] } == ["day", "topic", "organiser", "venue", "language"])
    let day = selects[0]
    #expect(day.all("option").first?["value"] == "")
    #expect(day.all("option").first?.text == "Alla dagar")
    #expect(day.all("option").map(\.text) == ["Alla dagar", "Måndag 22 juni", "Tisdag 23 juni"])
    let checks = form.all("input").filter { $0["type"] == "checkbox" }
    #expect(checks.count == Accessibility.allCases.count)
    #expect(checks.allSatisfy { $0["name"] == "accessibility" })
    #expect(form.first("legend")?.text == "Tillgänglighet")
    let search = try #require(form.all("input").first { $0["name"] == "q" })
    #expect(search["type"] == "search")
    #expect(form.first("button")?.text == "Visa")
    #expect(form.all("a").contains { $0.text == "Rensa" && $0["href"] == "/" })
    #expect(!form.all("option").contains { $0["selected"] != nil })
  }

  @Test func chosenFiltersArePreselected() throws {
    var filters = Fixtures.filters
    filters.day = "2026-06-23"
    filters.topic = "Skola"
    filters.language = "en"
    filters.accessibility = ["wheelchair", "captions"]
    filters.text = "vård & \"skola\""
    filters.venue = "okänd-plats"
    let form = try #require(try render(filters: filters).first("form"))
    func chosen(_ name: String) -> [String?] {
      form.all("select").first { $0["name"] == name }!.all("option")
        .filter { $0["selected"] == "selected" }.map { $0["value"] }
    }
    #expect(chosen("day") == ["2026-06-23"])
    #expect(chosen("topic") == ["Skola"])
    #expect(chosen("language") == ["en"])
    #expect(chosen("organiser") == [])
    // A value no option has is kept, so that submitting again keeps the selection.
    #expect(chosen("venue") == ["okänd-plats"])
    let checked = form.all("input").filter { $0["checked"] == "checked" }.map { $0["value"] }
    #expect(checked == ["wheelchair", "captions"])
    #expect(form.all("input").first { $0["name"] == "q" }?["value"] == "vård & \"skola\"")
  }

  @Test func emptySelectionSaysSo() throws {
    let root = try render([])
    #expect(root.classed("empty").first?.text == "Inga seminarier matchar urvalet.")
    #expect(root.classed("count").first?.text == "0 seminarier")
    #expect(root.all("article").isEmpty)
    // The form and the subscription stay, so that the selection can be changed.
    #expect(root.first("form") != nil)
    #expect(root.element(id: "prenumerera") != nil)
  }

  @Test func subscribeSectionOffersWebcalHttpsAndRSS() throws {
    let section = try #require(try render().element(id: "prenumerera"))
    #expect(section.first("h2")?.text == "Prenumerera")
    let links = section.all("a").map { ($0.text, $0["href"] ?? "") }
    #expect(links.contains { $0 == ("Lägg till i kalendern (webcal)", Fixtures.feeds.webcal) })
    #expect(links.contains { $0 == ("iCalendar-länk (https)", Fixtures.feeds.calendar) })
    #expect(links.contains { $0 == ("RSS", Fixtures.feeds.rss!) })
    #expect(section.first("p")?.text.contains("kalender") == true)
  }

  @Test func countUsesTheSingularForOne() throws {
    let root = try render([Self.events[0]])
    #expect(root.classed("count").first?.text == "1 seminarium")
  }

  @Test func eventPastMidnightNamesTheDayItEnds() throws {
    let late = Fixtures.event(
      title: "Nattmingel", start: "2026-06-23T22:00:00+02:00", end: "2026-06-24T01:00:00+02:00")
    let when = try #require(try render([late]).classed("when").first)
    #expect(when.text == "22:00 – onsdag 24 juni 01:00")
  }

  @Test func aDayOfSixHundredSeminarsRenders() throws {
    let morning = Fixtures.date("2026-06-23T07:00:00+02:00")
    let events = (0..<600).map { index in
      let start = morning.addingTimeInterval(Double(index % 60) * 600)
      let end = start.addingTimeInterval(3600)
      let status: EventStatus = index % 17 == 0 ? .cancelled : .published
      let accessibility: [Accessibility] = index % 3 == 0 ? [.wheelchair] : []
      return Fixtures.event(
        number: index + 1, title: "Seminarium \(index) om vård & skola",
        description: String(repeating: "Text ", count: 100), start: RFC3339.format(start),
        end: RFC3339.format(end), status: status, coOrganisers: ["Medarrangör \(index)"],
        topics: ["Hälsa", "Skola"], accessibility: accessibility, foodServed: index % 2 == 0)
    }
    let model = Fixtures.programme(events)
    var bytes = Pages.programme(model, Fixtures.context)
    for _ in 0..<4 { bytes = Pages.programme(model, Fixtures.context) }
    let root = try XMLTree.document(bytes)
    #expect(root.all("article").count == 600)
    #expect(root.classed("count").first?.text == "600 seminarier")
  }
}
