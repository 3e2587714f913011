import AlmedalenCore
import AlmedalenTesting
import Foundation
import Testing

@testable import AlmedalenFeeds

/// frab's schedule.xml and schedule.json as Giggity, ConfClerk and c3voc's tools read them.
@Suite struct FrabScheduleWriterTests {
  typealias F = RSSFixtures

  /// A small programme: two days' worth, three venues, one without a venue, one cancelled.
  private var programme: [FeedEvent] {
    [
      F.event(
        number: 7, title: "Vård i hela landet?",
        description: "Hur når vården ut till hela landet?", kind: .panelDebate,
        start: "2012-07-03T12:00:00+02:00", end: "2012-07-03T13:30:00+02:00",
        venue: F.donners, organiser: "Region Gotland",
        coOrganisers: ["Sveriges Kommuner och Regioner"], topics: ["Hälsa", "Landsbygd"],
        languages: ["sv", "en"], livestreamURL: "https://play.example/live/7",
        panels: [Panel(title: "Regionerna svarar")],
        participants: [
          F.person(1, "Anna Andersson", role: .moderator, title: "journalist"),
          F.person(
            2, "Bo Berg", title: "regionråd", organisation: "Region Gotland", party: "C",
            panel: 0),
          F.person(3, "Cecilia Ceder", role: .speaker, organisation: "SKR"),
          F.person(4, nil),
        ]),
      F.event(
        number: 3, title: "Frukost om skolan", kind: .breakfastSeminar,
        start: "2012-07-03T08:00:00+02:00", end: "2012-07-03T09:00:00+02:00",
        venue: F.almedalen),
      F.event(
        number: 4, title: "Inställd debatt", start: "2012-07-03T12:00:00+02:00",
        end: "2012-07-03T13:00:00+02:00", venue: F.hans, status: .cancelled,
        revisedAt: "2012-07-02T08:00:00Z"),
      F.event(
        number: 5, title: "Mingel utan plats", kind: .mingle,
        start: "2012-07-04T18:00:00+02:00", end: "2012-07-04T20:00:00+02:00", venue: nil),
      F.event(
        number: 6, title: "Alla tiders seminarium", start: "2012-07-03T12:00:00+02:00",
        end: "2012-07-03T12:45:00+02:00", venue: F.donners),
    ]
  }

  private func parsedXML(_ events: [FeedEvent]) throws -> ParsedElement {
    let bytes = FrabScheduleWriter.xml(edition: F.edition, info: F.info, events: events)
    #expect(bytes.starts(with: Array("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n".utf8)))
    let schedule = try #require(XMLTree.root(bytes), "not well-formed")
    #expect(schedule.name == "schedule")
    return schedule
  }

  private func parsedJSON(_ events: [FeedEvent]) throws -> [String: Any] {
    let bytes = FrabScheduleWriter.json(edition: F.edition, info: F.info, events: events)
    let object = try JSONSerialization.jsonObject(with: Data(bytes))
    return try #require(object as? [String: Any])
  }

  private func event(_ number: Int, in schedule: ParsedElement) throws -> ParsedElement {
    try #require(schedule.descendants("event").first { $0.attributes["id"] == String(number) })
  }

  // MARK: - XML

  @Test func xmlIsWellFormedWithEveryEventOnce() throws {
    let schedule = try parsedXML(programme)
    let events = schedule.descendants("event")
    #expect(events.count == 5)
    #expect(Set(events.compactMap { $0.attributes["id"] }) == ["3", "4", "5", "6", "7"])
    #expect(schedule.child("generator")?.attributes["name"] == "Almedalen")
  }

  @Test func conferenceDescribesTheEdition() throws {
    let conference = try #require(try parsedXML(programme).child("conference"))
    #expect(conference.child("acronym")?.text == "almedalen2012")
    #expect(conference.child("title")?.text == "Almedalsveckan 2012")
    #expect(conference.child("start")?.text == "2012-07-01")
    #expect(conference.child("end")?.text == "2012-07-06")
    #expect(conference.child("days")?.text == "6")
    #expect(conference.child("timeslot_duration")?.text == "00:15")
    #expect(conference.child("base_url")?.text == "https://almedalen.example")
    #expect(conference.child("time_zone_name")?.text == "Europe/Stockholm")
  }

  @Test func everyDayOfTheEditionRunsFrom0400To0359() throws {
    let days = try parsedXML(programme).children("day")
    #expect(days.map { $0.attributes["index"] } == ["1", "2", "3", "4", "5", "6"])
    #expect(
      days.map { $0.attributes["date"] } == [
        "2012-07-01", "2012-07-02", "2012-07-03", "2012-07-04", "2012-07-05", "2012-07-06",
      ])
    #expect(days[0].attributes["start"] == "2012-07-01T04:00:00+02:00")
    #expect(days[0].attributes["end"] == "2012-07-02T03:59:00+02:00")
    #expect(days[5].attributes["end"] == "2012-07-07T03:59:00+02:00")
    #expect(days[0].children("room").isEmpty)
  }

  @Test func lateEventStaysOnItsEvening() throws {
    let late = F.event(
      number: 9, title: "Nattmingel", start: "2012-07-04T01:00:00+02:00",
      end: "2012-07-04T02:00:00+02:00")
    let early = F.event(
      number: 10, title: "Tidigt", start: "2012-07-01T02:00:00+02:00",
      end: "2012-07-01T03:00:00+02:00")
    let days = try parsedXML([late, early]).children("day")
    #expect(days[2].descendants("event").map { $0.attributes["id"] } == ["9"])
    #expect(days[0].descendants("event").map { $0.attributes["id"] } == ["10"])
  }

  @Test func roomsAreSortedByNameAndUnknownVenueGetsItsOwnRoom() throws {
    let days = try parsedXML(programme).children("day")
    #expect(
      days[2].children("room").map { $0.attributes["name"] } == [
        "Almedalen", "Donners plats", "S:t Hans plats",
      ])
    #expect(days[3].children("room").map { $0.attributes["name"] } == ["Plats meddelas senare"])
    let mingle = try event(5, in: try parsedXML(programme))
    #expect(mingle.child("room")?.text == "Plats meddelas senare")
  }

  @Test func eventsAreOrderedByStartThenTitle() throws {
    let donners = try #require(
      try parsedXML(programme).children("day")[2].children("room").first {
        $0.attributes["name"] == "Donners plats"
      })
    #expect(donners.children("event").map { $0.attributes["id"] } == ["6", "7"])
  }

  @Test func eventCarriesEveryFieldFrabReaders() throws {
    let schedule = try parsedXML(programme)
    let event = try event(7, in: schedule)
    #expect(event.attributes["guid"] == F.uuid(7).uuidString.lowercased())
    #expect(event.child("date")?.text == "2012-07-03T12:00:00+02:00")
    #expect(event.child("start")?.text == "12:00")
    #expect(event.child("duration")?.text == "01:30")
    #expect(event.child("room")?.text == "Donners plats")
    #expect(event.child("slug")?.text == "almedalen2012-7-vard-i-hela-landet")
    #expect(event.child("url")?.text == programme[0].pageURL)
    #expect(event.child("title")?.text == "Vård i hela landet?")
    #expect(event.child("subtitle")?.text == "")
    #expect(event.child("track")?.text == "Hälsa")
    #expect(event.child("type")?.text == "paneldebatt")
    #expect(event.child("language")?.text == "sv")
    #expect(event.child("abstract")?.text == "Hur når vården ut till hela landet?")
    #expect(event.child("logo") != nil)
    #expect(event.child("attachments") != nil)
    let persons = try #require(event.child("persons")).children("person")
    #expect(persons.map(\.text) == ["Anna Andersson", "Bo Berg", "Cecilia Ceder"])
    #expect(
      persons.map { $0.attributes["id"] }
        == [1, 2, 3].map { String(FrabScheduleWriter.personID(F.uuid($0, group: "4004"))) })
    let links = try #require(event.child("links")).children("link")
    #expect(links.map(\.text) == ["Programsidan", "Livesändning"])
    #expect(
      links.map { $0.attributes["href"] } == [programme[0].pageURL, "https://play.example/live/7"])
    #expect(try self.event(3, in: schedule).child("type")?.text == "frukostseminarium")
    #expect(try self.event(3, in: schedule).child("track")?.text == "")
  }

  @Test func descriptionNamesOrganiserModeratorAndPanel() throws {
    let description = FrabScheduleWriter.description(of: programme[0])
    #expect(
      description == """
        Arrangörer: Region Gotland, Sveriges Kommuner och Regioner
        Moderator: Anna Andersson, journalist
        Talare: Cecilia Ceder, SKR
        Panel 1: Regionerna svarar
        Medverkande: Bo Berg (C), regionråd, Region Gotland

        Hur når vården ut till hela landet?
        """)
    let event = try event(7, in: try parsedXML(programme))
    #expect(event.child("description")?.text == description)
  }

  @Test func cancelledEventStaysWithPrefixedTitle() throws {
    let event = try event(4, in: try parsedXML(programme))
    #expect(event.child("title")?.text == "INSTÄLLT: Inställd debatt")
    #expect(event.child("description")?.text.hasPrefix("INSTÄLLT.\n") == true)
  }

  @Test func hostileTextComesBackWithoutForbiddenCharactersAndAddsNoEvent() throws {
    let venue = Venue(id: F.uuid(8, group: "4001"), name: F.hostile)
    let hostile = F.event(
      number: 8, title: F.hostile, description: F.hostile, venue: venue, organiser: F.hostile,
      topics: [F.hostile], languages: [F.hostile],
      livestreamURL: "https://play.example/?a=1&b=\"<2>\"",
      participants: [F.person(1, F.hostile, role: .moderator, title: F.hostile)])
    let schedule = try parsedXML(programme + [hostile])
    #expect(schedule.descendants("event").count == 6)
    #expect(schedule.descendants("room").filter { $0.children.isEmpty == false }.count >= 5)
    let event = try event(8, in: schedule)
    #expect(event.child("title")?.text == F.hostileClean)
    #expect(event.child("room")?.text == F.hostileClean)
    #expect(event.child("track")?.text == F.hostileClean)
    #expect(event.child("language")?.text == F.hostileClean)
    #expect(event.child("persons")?.child("person")?.text == F.hostileClean)
    #expect(
      event.child("links")?.children("link").last?.attributes["href"]
        == "https://play.example/?a=1&b=\"<2>\"")
    let room = schedule.descendants("room").first { $0.attributes["name"] == F.hostileClean }
    #expect(room?.children("event").count == 1)
    #expect(event.child("description")?.text.hasSuffix("\n\n" + F.hostileClean) == true)
    #expect(event.child("slug")?.text == "almedalen2012-8-item-item-title-x-b-q-a-rtl-rad-tva-tab")
  }

  // MARK: - JSON

  @Test func jsonHasFrabsScheduleShape() throws {
    let root = try parsedJSON(programme)
    #expect(root["$schema"] as? String == "https://c3voc.de/schedule/schema.json")
    #expect((root["generator"] as? [String: Any])?["name"] as? String == "Almedalen")
    let schedule = try #require(root["schedule"] as? [String: Any])
    #expect(schedule["version"] as? String == "20120702T080000Z-5")
    #expect(schedule["base_url"] as? String == "https://almedalen.example")
    let conference = try #require(schedule["conference"] as? [String: Any])
    #expect(conference["acronym"] as? String == "almedalen2012")
    #expect(conference["title"] as? String == "Almedalsveckan 2012")
    #expect(conference["start"] as? String == "2012-07-01")
    #expect(conference["end"] as? String == "2012-07-06")
    #expect(conference["daysCount"] as? Int == 6)
    #expect(conference["timeslot_duration"] as? String == "00:15")
    #expect(conference["time_zone_name"] as? String == "Europe/Stockholm")
    #expect(conference["url"] as? String == "https://almedalen.example")
    let rooms = try #require(conference["rooms"] as? [[String: Any]])
    #expect(
      rooms.map { $0["name"] as? String } == [
        "Almedalen", "Donners plats", "Plats meddelas senare", "S:t Hans plats",
      ])
    #expect(rooms[1]["guid"] as? String == F.donners.id.uuidString.lowercased())
    #expect(rooms[2]["guid"] as? String == FrabScheduleWriter.unknownRoomGUID)
    let days = try #require(conference["days"] as? [[String: Any]])
    #expect(days.count == 6)
    #expect(days[2]["index"] as? Int == 3)
    #expect(days[2]["date"] as? String == "2012-07-03")
    #expect(days[2]["day_start"] as? String == "2012-07-03T04:00:00+02:00")
    #expect(days[2]["day_end"] as? String == "2012-07-04T03:59:00+02:00")
    let dayRooms = try #require(days[2]["rooms"] as? [String: [[String: Any]]])
    #expect(Set(dayRooms.keys) == ["Almedalen", "Donners plats", "S:t Hans plats"])
    let donners = try #require(dayRooms["Donners plats"])
    #expect(donners.map { $0["id"] as? Int } == [6, 7])
    let event = donners[1]
    #expect(
      Set(event.keys) == [
        "guid", "id", "date", "start", "duration", "room", "slug", "url", "title", "subtitle",
        "track", "type", "language", "abstract", "description", "persons", "links",
        "attachments",
      ])
    #expect(event["guid"] as? String == F.uuid(7).uuidString.lowercased())
    #expect(event["date"] as? String == "2012-07-03T12:00:00+02:00")
    #expect(event["start"] as? String == "12:00")
    #expect(event["duration"] as? String == "01:30")
    #expect(event["slug"] as? String == "almedalen2012-7-vard-i-hela-landet")
    #expect(event["type"] as? String == "paneldebatt")
    #expect(event["description"] as? String == FrabScheduleWriter.description(of: programme[0]))
    let persons = try #require(event["persons"] as? [[String: Any]])
    #expect(
      persons.map { $0["public_name"] as? String } == [
        "Anna Andersson", "Bo Berg", "Cecilia Ceder",
      ])
    #expect(persons[0]["id"] as? Int == FrabScheduleWriter.personID(F.uuid(1, group: "4004")))
    #expect(persons[0]["guid"] as? String == F.uuid(1, group: "4004").uuidString.lowercased())
    let links = try #require(event["links"] as? [[String: String]])
    #expect(links.map { $0["title"] } == ["Programsidan", "Livesändning"])
    #expect(links.map { $0["url"] } == [programme[0].pageURL, "https://play.example/live/7"])
    #expect((event["attachments"] as? [Any])?.isEmpty == true)
  }

  @Test func jsonRoundTripsHostileTextExactly() throws {
    let text = F.hostile + "\\ \u{2028}\u{2029} / \u{1B}[0m"
    let hostile = F.event(
      number: 8, title: text, description: text, venue: Venue(name: text), organiser: text,
      topics: [text], participants: [F.person(1, text)])
    let root = try parsedJSON([hostile])
    let schedule = try #require(root["schedule"] as? [String: Any])
    let conference = try #require(schedule["conference"] as? [String: Any])
    let days = try #require(conference["days"] as? [[String: Any]])
    let rooms = try #require(days[2]["rooms"] as? [String: [[String: Any]]])
    #expect(rooms.count == 1)
    let event = try #require(rooms[text]?.first)
    #expect(event["title"] as? String == text)
    #expect(event["room"] as? String == text)
    #expect(event["track"] as? String == text)
    #expect((event["persons"] as? [[String: Any]])?.first?["public_name"] as? String == text)
    let raw = String(
      decoding: FrabScheduleWriter.json(edition: F.edition, info: F.info, events: [hostile]),
      as: UTF8.self)
    #expect(!raw.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    #expect(!raw.contains("\u{2028}"))
    #expect(raw.contains("\\u0000\\u0001"))
  }

  @Test func sameProgrammeGivesSameBytesWhateverTheInputOrder() {
    let events = programme
    let shuffled = [events[3], events[0], events[4], events[2], events[1]]
    let xml = FrabScheduleWriter.xml(edition: F.edition, info: F.info, events: events)
    #expect(xml == FrabScheduleWriter.xml(edition: F.edition, info: F.info, events: shuffled))
    let json = FrabScheduleWriter.json(edition: F.edition, info: F.info, events: events)
    #expect(json == FrabScheduleWriter.json(edition: F.edition, info: F.info, events: shuffled))
  }

  @Test func versionMovesWithTheDataAndNotWithTheClock() throws {
    let before = try #require(try parsedXML(programme).child("version")?.text)
    #expect(before == "20120702T080000Z-5")
    var edited = programme
    edited[1].event.revisedAt = F.date("2012-07-03T06:15:00Z")
    #expect(try parsedXML(edited).child("version")?.text == "20120703T061500Z-5")
    #expect(
      try parsedXML(Array(programme.dropLast())).child("version")?.text == "20120702T080000Z-4")
    #expect(try parsedXML([]).child("version")?.text == "0")
  }

  @Test func thousandsOfEventsStayWellFormed() throws {
    let venues = (0..<40).map { Venue(id: F.uuid($0, group: "4005"), name: "Scen \($0) & co") }
    let events = (0..<4000).map { index in
      F.event(
        number: index + 1, title: "Seminarium <\(index)>",
        start: "2012-07-0\(2 + index % 5)T1\(index % 10):00:00+02:00",
        end: "2012-07-0\(2 + index % 5)T1\(index % 10):45:00+02:00",
        venue: venues[index % venues.count],
        participants: [F.person(index, "Person \(index)", role: .speaker)])
    }
    let schedule = try parsedXML(events)
    #expect(schedule.descendants("event").count == 4000)
    let json = try parsedJSON(events)
    let days = ((json["schedule"] as? [String: Any])?["conference"] as? [String: Any])?["days"]
    let count = (days as? [[String: Any]])?.reduce(0) { sum, day in
      sum + ((day["rooms"] as? [String: [Any]])?.values.reduce(0) { $0 + $1.count } ?? 0)
    }
    #expect(count == 4000)
  }

  // MARK: - Derived values

  @Test func personIDIsStablePositiveAndFitsInt32() {
    #expect(
      FrabScheduleWriter.personID(UUID(uuidString: "00000000-0000-4000-8000-000000000001")!) == 1)
    #expect(
      FrabScheduleWriter.personID(UUID(uuidString: "FFFFFFFF-0000-4000-8000-000000000001")!)
        == Int(Int32.max))
    #expect(
      FrabScheduleWriter.personID(UUID(uuidString: "12345678-9ABC-4000-8000-000000000001")!)
        == 0x1234_5678 >> 1)
  }

  @Test(arguments: [
    ("Vård i hela landet?", "vard-i-hela-landet"),
    ("Ærø & Straße – Œuvre", "aero-strasse-oeuvre"),
    ("Sveriges’ framtid: AI!", "sveriges-framtid-ai"),
    ("🎉", ""),
    ("  --Ölands  bro--  ", "olands-bro"),
    ("ÅÄÖ åäö ÉÜ", "aao-aao-eu"),
    ("Va\u{30A}rd i decomposed form", "vard-i-decomposed-form"),
    ("Łódź, Škoda, Ñandú, Őrség, Çay, Ÿ, Ĳssel, ſ", "lodz-skoda-nandu-orseg-cay-y-ijssel-s"),
    ("2×3 ÷ 4", "2-3-4"),
    ("Москва 2012", "2012"),
  ])
  func slugIsLowerCaseASCII(_ title: String, _ slug: String) {
    #expect(FrabScheduleWriter.asciiSlug(title) == slug)
  }

  /// Checked against Unicode's own decompositions (through Foundation) wherever one exists.
  @Test func latinLettersWithDiacriticsKeepTheirBaseLetter() {
    let table = FrabScheduleWriter.latinBaseLetters
    #expect(table.count == 0x17F - 0xC0 + 1)
    #expect(table.allSatisfy { (0x61...0x7A).contains($0) || $0 == UInt8(ascii: "*") })
    var checked = 0
    for (offset, letter) in table.enumerated() where letter != UInt8(ascii: "*") {
      let scalar = Unicode.Scalar(UInt32(0xC0 + offset))!
      let base = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars.first!
      guard base.isASCII, base.properties.isAlphabetic else { continue }
      #expect(
        UInt8(base.value) | 0x20 == letter, "U+\(String(scalar.value, radix: 16, uppercase: true))")
      #expect(FrabScheduleWriter.asciiSlug(String(scalar)) == String(UnicodeScalar(letter)))
      checked += 1
    }
    #expect(checked > 120)
  }

  @Test func longSlugEndsOnAWholeWord() {
    let slug = FrabScheduleWriter.asciiSlug(
      "Hur ska Sverige klara kompetensförsörjningen inom vården och omsorgen på landsbygden")
    #expect(slug.utf8.count <= 50)
    #expect(slug == "hur-ska-sverige-klara-kompetensforsorjningen-inom")
  }

  @Test func slugWithoutTitleLettersStillEndsInADigit() throws {
    let event = try event(8, in: try parsedXML([F.event(number: 8, title: "🎉🎉")]))
    #expect(event.child("slug")?.text == "almedalen2012-8")
  }
}
