import AlmedalenCore
import AlmedalenFeeds
import AlmedalenTesting
import Foundation
import Testing

@testable import AlmedalenPages

/// `/events/{id}`: one seminar in full, its seats and the sign-up form.
@Suite struct EventPageTests {
  /// The Tuesday lunch seminar of the seed report: a moderator and a panel.
  static let seminar = Fixtures.event(
    title: "Vård i hela landet",
    description: "Hur når vården hela Gotland?\nEtt samtal om avstånd.\r\n\r\nVälkomna!",
    kind: .lunchSeminar, coOrganisers: ["Vårdförbundet", "Läkarförbundet"],
    coOrganiserIDs: [Fixtures.uuid(10, group: "5003"), Fixtures.uuid(11, group: "5003")],
    topics: ["Hälsa", "Landsbygd"], languages: ["sv", "en"],
    accessibility: [.wheelchair, .hearingLoop], foodServed: true,
    livestreamURL: "https://play.example/live/1", capacity: 50, registrationOpen: true,
    panels: [Panel(title: "Vården på landsbygden")],
    participants: [
      Fixtures.person(1, "Ola Andersson", role: .moderator, title: "journalist"),
      Fixtures.person(2, "Johan Jonsson", title: "ordförande", organisation: "SKR", panel: 0),
      Fixtures.person(3, "Anna Berg", organisation: "Region Gotland", panel: 0),
      Fixtures.person(4, "Eva Ek", role: .speaker, title: "professor", organisation: "KI"),
      Fixtures.person(5, nil, role: .speaker),
    ])

  func render(_ model: EventPageModel) throws -> ParsedElement {
    try XMLTree.document(Pages.event(model, Fixtures.context))
  }

  func fact(_ root: ParsedElement, _ term: String) -> [ParsedElement] {
    guard let dl = root.first("dl") else { return [] }
    var result: [ParsedElement] = []
    var inTerm = false
    for child in dl.children {
      if child.name == "dt" {
        inTerm = child.text == term
      } else if inTerm {
        result.append(child)
      }
    }
    return result
  }

  @Test func showsWhenWhereAndWhoArranges() throws {
    let root = try render(Fixtures.eventPage(Self.seminar))
    #expect(root.first("h1")?.text == "Vård i hela landet")
    let when = try #require(fact(root, "När").first)
    #expect(when.text == "tisdag 23 juni 12:00–13:00")
    #expect(when.all("time").first?["datetime"] == "2026-06-23T12:00:00+02:00")
    let place = try #require(fact(root, "Var").first)
    #expect(place.text.hasPrefix("Donners platsDonners plats 1, VisbyVisa på karta"))
    #expect(place.all("br").count == 2)
    #expect(
      place.first("a")?["href"]
        == "https://www.openstreetmap.org/?mlat=57.6394&mlon=18.2925#map=18/57.6394/18.2925")
    let organiser = try #require(fact(root, "Arrangör").first?.first("a"))
    #expect(organiser.text == "Region Gotland")
    #expect(organiser["href"] == "/organisers/" + Fixtures.organiserID.uuidString.lowercased())
    let co = fact(root, "Medarrangörer")
    #expect(co.map(\.text) == ["Vårdförbundet", "Läkarförbundet"])
    #expect(
      co.last?.first("a")?["href"] == "/organisers/"
        + Fixtures.uuid(11, group: "5003").uuidString.lowercased())
    #expect(fact(root, "Typ").first?.text == "Lunchseminarium")
    #expect(fact(root, "Språk").first?.text == "svenska, engelska")
    #expect(fact(root, "Ämnen").first?.text == "Hälsa, Landsbygd")
    #expect(fact(root, "Tillgänglighet").first?.text == "Rullstolsanpassat, Hörslinga")
    #expect(fact(root, "Mat och dryck").first?.text == "Servering")
    #expect(
      fact(root, "Direktsändning").first?.first("a")?["href"] == "https://play.example/live/1")
  }

  @Test func withoutAVenueOrCoordinateThereIsNoMap() throws {
    let noVenue = try render(Fixtures.eventPage(Fixtures.event(venue: nil)))
    #expect(fact(noVenue, "Var").first?.text == "Plats meddelas senare")
    let noCoordinate = try render(
      Fixtures.eventPage(Fixtures.event(venue: Venue(name: "Almedalen"))))
    #expect(fact(noCoordinate, "Var").first?.text == "Almedalen")
    #expect(!noCoordinate.all("a").contains { $0["href"]?.contains("openstreetmap") == true })
  }

  @Test func descriptionKeepsParagraphsAndLineBreaks() throws {
    let root = try render(Fixtures.eventPage(Self.seminar))
    let section = try #require(root.classed("description").first)
    #expect(section.first("h2")?.text == "Om seminariet")
    let paragraphs = section.all("p")
    #expect(paragraphs.count == 2)
    #expect(paragraphs[0].all("br").count == 1)
    #expect(paragraphs[0].squashedText == "Hur når vården hela Gotland? Ett samtal om avstånd.")
    #expect(paragraphs[1].text == "Välkomna!")
  }

  @Test func participantsAreListedAsTheFeedsDescribeThem() throws {
    let root = try render(Fixtures.eventPage(Self.seminar))
    let people = try #require(root.classed("people").first)
    #expect(people.all("h3").map(\.text) == ["Moderator", "Vården på landsbygden", "Talare"])
    let lists = people.all("ul").map { $0.all("li").map(\.squashedText) }
    #expect(
      lists == [
        ["Ola Andersson (journalist)"],
        ["Johan Jonsson (ordförande, SKR)", "Anna Berg (Region Gotland)"],
        ["Eva Ek (professor, KI)", "Okänd"],
      ])
    let ola = try #require(people.all("a").first)
    #expect(ola["href"] == "/people/" + Fixtures.uuid(1, group: "5004").uuidString.lowercased())
  }

  @Test func panelistsOutsideAnyPanelAreStillListed() throws {
    let event = Fixtures.event(
      participants: [
        Fixtures.person(2, "Johan Jonsson", panel: 7), Fixtures.person(3, "Anna Berg"),
      ])
    let people = try #require(try render(Fixtures.eventPage(event)).classed("people").first)
    #expect(people.all("h3").map(\.text) == ["Panel"])
    #expect(people.all("li").map(\.text) == ["Johan Jonsson", "Anna Berg"])
  }

  @Test func seatsSayHowManyAreLeftOrHowLongTheWaitlistIs() throws {
    func seats(_ seats: Seats) throws -> String? {
      try render(Fixtures.eventPage(Self.seminar, seats: seats)).classed("seats").first?.text
    }
    #expect(
      try seats(Seats(capacity: 50, confirmed: 20, waitlisted: 0, registrationOpen: true))
        == "30 platser kvar av 50")
    #expect(
      try seats(Seats(capacity: 50, confirmed: 49, waitlisted: 0, registrationOpen: true))
        == "1 plats kvar av 50")
    #expect(
      try seats(Seats(capacity: 50, confirmed: 50, waitlisted: 7, registrationOpen: true))
        == "Fullbokat – 7 på väntelistan")
    #expect(
      try seats(Seats(capacity: nil, confirmed: 0, waitlisted: 0, registrationOpen: false)) == nil)
  }

  @Test func signUpFormPostsNameAndEmailWithTheToken() throws {
    let root = try render(Fixtures.eventPage(Self.seminar))
    let form = try #require(root.all("form").first { $0["method"] == "post" })
    #expect(
      form["action"] == "/events/" + Fixtures.uuid(1).uuidString.lowercased() + "/registrations")
    let inputs = form.all("input")
    #expect(inputs.first { $0["name"] == "form_token" }?["value"] == "tok-3f9a1c7e5b")
    let name = try #require(inputs.first { $0["name"] == "name" })
    let email = try #require(inputs.first { $0["name"] == "email" })
    #expect(name["required"] != nil && email["required"] != nil)
    #expect(email["type"] == "email")
    #expect(email["autocomplete"] == "email")
    #expect(name["autocomplete"] == "name")
    let labels = Dictionary(uniqueKeysWithValues: form.all("label").map { ($0["for"]!, $0.text) })
    #expect(labels[name["id"]!] == "Namn")
    #expect(labels[email["id"]!] == "E-post")
    #expect(form.first("button")?.text == "Anmäl mig")
    #expect(root.classed("error-summary").isEmpty)
    #expect(name["aria-invalid"] == nil)
  }

  @Test func problemsAreShownBesideTheirFieldsAndSummedUpWithValuesRefilled() throws {
    let root = try render(
      Fixtures.eventPage(
        Self.seminar,
        problems: [
          "email": "Ange en giltig e-postadress.", "form_token": "Formuläret har gått ut.",
        ],
        name: "Åsa Öberg", email: "asa@"))
    let form = try #require(root.all("form").first { $0["method"] == "post" })
    let summary = try #require(form.classed("error-summary").first)
    #expect(form.children.first === summary)
    let items = summary.all("li")
    #expect(
      items.map(\.squashedText) == [
        "E-post: Ange en giltig e-postadress.", "Formuläret har gått ut.",
      ])
    let email = try #require(form.all("input").first { $0["name"] == "email" })
    #expect(items.first?.first("a")?["href"] == "#" + email["id"]!)
    #expect(email["aria-invalid"] == "true")
    let described = try #require(email["aria-describedby"].flatMap(root.element(id:)))
    #expect(described.text == "Ange en giltig e-postadress.")
    #expect(email["value"] == "asa@")
    let name = try #require(form.all("input").first { $0["name"] == "name" })
    #expect(name["value"] == "Åsa Öberg")
    #expect(name["aria-describedby"] == nil)
  }

  @Test func fullEventWarnsOfTheWaitlistBeforeTheForm() throws {
    let root = try render(
      Fixtures.eventPage(
        Self.seminar,
        seats: Seats(capacity: 10, confirmed: 10, waitlisted: 2, registrationOpen: true)))
    #expect(root.classed("signup").first?.squashedText.contains("hamnar du på väntelistan") == true)
    #expect(root.all("form").contains { $0["method"] == "post" })
  }

  @Test func withoutSignUpThePageSaysWhy() throws {
    let closed = try render(
      Fixtures.eventPage(
        Self.seminar,
        seats: Seats(capacity: 50, confirmed: 3, waitlisted: 0, registrationOpen: false),
        canSignUp: false))
    #expect(!closed.all("form").contains { $0["method"] == "post" })
    #expect(closed.classed("signup").first?.squashedText.contains("Anmälan är stängd.") == true)

    let cancelledEvent = Fixtures.event(status: .cancelled, capacity: 50, registrationOpen: true)
    let cancelled = try render(Fixtures.eventPage(cancelledEvent, canSignUp: false))
    #expect(!cancelled.all("form").contains { $0["method"] == "post" })
    #expect(
      cancelled.classed("signup").first?.squashedText.contains("Seminariet är inställt.") == true)
  }

  @Test func cancelledEventSaysSoInTitleAndNotice() throws {
    let root = try render(
      Fixtures.eventPage(Fixtures.event(status: .cancelled), canSignUp: false))
    #expect(root.first("h1")?.squashedText == "INSTÄLLT: Vård i hela landet")
    #expect(root.first("title")?.text == "INSTÄLLT: Vård i hela landet – Almedalsveckan")
    let notice = try #require(root.classed("notice").first)
    #expect(notice.text == "Seminariet är inställt.")
  }

  @Test func calendarLinksForTheOneEvent() throws {
    let root = try render(Fixtures.eventPage(Self.seminar))
    let section = try #require(root.classed("subscribe").first)
    #expect(section.first("h2")?.text == "Lägg till i kalendern")
    let links = section.all("a").map { ($0.text, $0["href"] ?? "") }
    #expect(
      links.contains { $0 == ("Lägg till i kalendern (webcal)", Fixtures.eventCalendar().webcal) })
    #expect(links.contains { $0 == ("iCalendar-länk (https)", Fixtures.eventCalendar().calendar) })
  }

  @Test func javascriptLivestreamIsNoLink() throws {
    for url in ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", " javascript:x"] {
      let root = try render(Fixtures.eventPage(Fixtures.event(livestreamURL: url)))
      #expect(
        !root.all("a").contains {
          ($0["href"] ?? "").lowercased().contains("script")
            || ($0["href"] ?? "").hasPrefix("data:")
        })
      #expect(fact(root, "Direktsändning").isEmpty)
    }
  }
}
