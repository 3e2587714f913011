import AlmedalenCore
import AlmedalenFeeds
import Foundation
import Testing

/// The iCalendar feed on its raw bytes: what FEEDS.md items 1–12 promise subscribers.
@Suite struct ICalendarWriterTests {
  // MARK: Wire format

  @Test func everyLineEndsInCRLFWithNoBareCROrLFAndNoByteOrderMark() {
    let bytes = ICalFixture.hostileCalendar()
    #expect(bytes.starts(with: Array("BEGIN:VCALENDAR\r\n".utf8)))
    #expect(Array(bytes.suffix(15)) == Array("END:VCALENDAR\r\n".utf8))
    for index in bytes.indices {
      if bytes[index] == 0x0D {
        #expect(index + 1 < bytes.count && bytes[index + 1] == 0x0A, "bare CR at \(index)")
      }
      if bytes[index] == 0x0A {
        #expect(index > 0 && bytes[index - 1] == 0x0D, "bare LF at \(index)")
      }
    }
  }

  @Test func noPhysicalLineExceedsSeventyFiveOctetsOrSplitsAScalar() {
    let bytes = ICalFixture.hostileCalendar()
    #expect(String(validating: bytes, as: UTF8.self) != nil)
    for line in ICalParse.physicalLines(bytes) {
      #expect(line.count <= 75, "\(String(decoding: line, as: UTF8.self))")
      #expect(String(validating: line, as: UTF8.self) != nil, "a fold split a UTF-8 sequence")
    }
  }

  @Test func titleWithÅAtOctetSeventyFiveFoldsBeforeTheÅ() {
    // "SUMMARY:" and 66 letters fill octets 1–74, so "å" would take octets 75 and 76.
    let prefix = String(repeating: "x", count: 66)
    let title = prefix + "ålänning på Gotland"
    let bytes = ICalFixture.calendar([ICalFixture.feedEvent(ICalFixture.event(title: title))])
    let lines = ICalParse.physicalLines(bytes)
    let index = lines.firstIndex { $0.starts(with: Array("SUMMARY:".utf8)) }!
    #expect(lines[index] == Array(("SUMMARY:" + prefix).utf8))
    #expect(lines[index + 1].starts(with: Array(" å".utf8)))
    #expect(ICalParse.properties(bytes, "SUMMARY").map(\.textValue) == [title])
  }

  @Test func textValuesEscapeBackslashSemicolonCommaAndNewlines() {
    let event = ICalFixture.event(title: "a\\b;c,d\ne\r\nf\rg: \"h\"")
    let bytes = ICalFixture.calendar([ICalFixture.feedEvent(event)])
    #expect(
      ICalParse.properties(bytes, "SUMMARY").map(\.rawValue) == [
        "a\\\\b\\;c\\,d\\ne\\nf\\ng: \"h\""
      ])
  }

  @Test func organiserNameIsAnRFC6868ParameterValue() {
    let feedEvent = ICalFixture.feedEvent(organiser: "Föreningen \"Vi^2\": Gotland\nVisby")
    let bytes = ICalFixture.calendar([feedEvent])
    let organiser = ICalParse.contentLines(bytes).first { $0.hasPrefix("ORGANIZER") }
    #expect(
      organiser
        == "ORGANIZER;CN=\"Föreningen ^'Vi^^2^': Gotland^nVisby\":urn:uuid:"
        + "0b7d5a44-2f6c-4c1e-9a3b-5d8e7f6a1b2c")
    let parsed = ICalParse.properties(bytes, "ORGANIZER").first
    #expect(parsed?.parameter("CN") == "Föreningen \"Vi^2\": Gotland\nVisby")
  }

  @Test func controlCharactersAreDroppedWhileEmojiAndBidiMarksStay() {
    let event = ICalFixture.event(title: "A\u{0}B\u{7}C\u{7F}\u{85}D 🎉\u{200F}\u{202E}")
    let bytes = ICalFixture.calendar([ICalFixture.feedEvent(event)])
    #expect(ICalParse.properties(bytes, "SUMMARY").map(\.rawValue) == ["ABCD 🎉\u{200F}\u{202E}"])
  }

  @Test func noControlCharacterOtherThanTabReachesTheOutput() {
    let bytes = ICalFixture.hostileCalendar()
    let physical = ICalParse.physicalLines(bytes)
    for line in physical {
      #expect(!line.contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F })
      let text = String(decoding: line, as: UTF8.self)
      #expect(!text.unicodeScalars.contains { (0x80...0x9F).contains($0.value) })
    }
  }

  @Test func hostileValuesCannotEndAnEventOrStartAnother() {
    let bytes = ICalFixture.hostileCalendar()
    let lines = ICalParse.physicalLines(bytes).map { String(decoding: $0, as: UTF8.self) }
    #expect(lines.filter { $0 == "BEGIN:VEVENT" }.count == 3)
    #expect(lines.filter { $0.hasPrefix("BEGIN:VEVENT") }.count == 3)
    #expect(lines.filter { $0.hasPrefix("END:VEVENT") }.count == 3)
    // VCALENDAR, VTIMEZONE, STANDARD and DAYLIGHT, and the three events.
    #expect(lines.filter { $0.hasPrefix("END:") }.count == 4 + 3)
    #expect(lines.filter { $0.hasPrefix("BEGIN:") }.count == 4 + 3)
    #expect(lines.filter { $0.hasPrefix("END:VCALENDAR") }.count == 1)
    let titles = ICalParse.properties(bytes, "SUMMARY").map(\.textValue)
    #expect(titles.contains("X\nEND:VEVENT\nBEGIN:VEVENT"))
  }

  // MARK: Content

  @Test func calendarCarriesWhatSubscribersNeedAndNoMethod() {
    let bytes = ICalFixture.calendar([ICalFixture.feedEvent()])
    let lines = ICalParse.contentLines(bytes)
    let header = Array(lines.prefix { $0 != "BEGIN:VTIMEZONE" })
    #expect(
      header == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Almedalen//Programme//SV",
        "CALSCALE:GREGORIAN",
        "NAME:Almedalsveckan – tisdag 23 juni · Hälsa\\, vård",
        "X-WR-CALNAME:Almedalsveckan – tisdag 23 juni · Hälsa\\, vård",
        "DESCRIPTION:Seminarier om hälsa\\; och vård",
        "X-WR-CALDESC:Seminarier om hälsa\\; och vård",
        "X-WR-TIMEZONE:Europe/Stockholm",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
        "SOURCE;VALUE=URI:https://almedalen.example/feeds/events.ics?topic=H%C3%A4lsa",
        "URL:https://almedalen.example/events?topic=H%C3%A4lsa",
      ])
    #expect(!lines.contains { $0.hasPrefix("METHOD") })
  }

  @Test func everyEventHasItsRequiredPropertiesExactlyOnce() {
    let bytes = ICalFixture.hostileCalendar()
    for component in ICalParse.events(bytes) {
      let names = component.map(\.name)
      for required in ["UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE", "STATUS"] {
        #expect(names.filter { $0 == required }.count == 1, "\(required)")
      }
      for optional in ["LOCATION", "GEO", "URL", "ORGANIZER", "CATEGORIES", "DESCRIPTION"] {
        #expect(names.filter { $0 == optional }.count <= 1, "\(optional)")
      }
    }
  }

  @Test func eventPropertiesDescribeTheEvent() {
    let event = ICalFixture.event(revision: 2, livestreamURL: "https://play.example/live/1")
    let bytes = ICalFixture.calendar([ICalFixture.feedEvent(event)])
    let lines = ICalParse.contentLines(bytes)
    let start = lines.firstIndex(of: "BEGIN:VEVENT")!
    let end = lines.firstIndex(of: "END:VEVENT")!
    let body = Array(lines[(start + 1)..<end].filter { !$0.hasPrefix("DESCRIPTION:") })
    #expect(
      body == [
        "UID:6f1c2b3a-4d5e-4f60-8a9b-0c1d2e3f4a5b@almedalen",
        "DTSTAMP:20260610T063015Z",
        "CREATED:20260501T070000Z",
        "LAST-MODIFIED:20260610T063015Z",
        "SEQUENCE:2",
        "DTSTART;TZID=Europe/Stockholm:20260623T100000",
        "DTEND;TZID=Europe/Stockholm:20260623T110000",
        "SUMMARY:Vård i hela landet",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "CLASS:PUBLIC",
        "LOCATION:Donners plats\\, Donners plats 1\\, Visby",
        "GEO:57.6394;18.2925",
        "URL:https://almedalen.example/events/6f1c2b3a-4d5e-4f60-8a9b-0c1d2e3f4a5b",
        "ORGANIZER;CN=Region Gotland:urn:uuid:0b7d5a44-2f6c-4c1e-9a3b-5d8e7f6a1b2c",
        "CATEGORIES:Hälsa,Regional utveckling\\, landsbygd",
        "CONFERENCE;VALUE=URI;FEATURE=VIDEO:https://play.example/live/1",
      ])
  }

  @Test func dtstampAndLastModifiedAreTheRevisionTimeInUTC() {
    let bytes = ICalFixture.calendar([ICalFixture.feedEvent()])
    for name in ["DTSTAMP", "LAST-MODIFIED", "CREATED"] {
      let values = ICalParse.properties(bytes, name)
      #expect(values.count == 1)
      #expect(values.allSatisfy { $0.rawValue.hasSuffix("Z") && $0.parameters.isEmpty })
    }
    #expect(ICalParse.properties(bytes, "DTSTAMP").first?.rawValue == "20260610T063015Z")
  }

  @Test func cancelledEventStaysInFeedWithHigherSequenceAndSaysSoInItsTitle() {
    let event = ICalFixture.event(status: .cancelled, revision: 5)
    let bytes = ICalFixture.calendar([ICalFixture.feedEvent(event)])
    #expect(ICalParse.properties(bytes, "STATUS").map(\.rawValue) == ["CANCELLED"])
    #expect(
      ICalParse.properties(bytes, "SUMMARY").map(\.textValue) == ["INSTÄLLT: Vård i hela landet"])
    #expect(ICalParse.properties(bytes, "SEQUENCE").map(\.rawValue) == ["5"])
  }

  @Test func waitlistedRegistrationIsTentative() {
    let cases: [(EventStatus, RegistrationStatus?, String)] = [
      (.published, nil, "CONFIRMED"),
      (.published, .confirmed, "CONFIRMED"),
      (.published, .waitlisted, "TENTATIVE"),
      (.cancelled, .waitlisted, "CANCELLED"),
      (.cancelled, nil, "CANCELLED"),
    ]
    for (status, registration, expected) in cases {
      let feedEvent = ICalFixture.feedEvent(
        ICalFixture.event(status: status), registration: registration)
      let bytes = ICalFixture.calendar([feedEvent])
      #expect(ICalParse.properties(bytes, "STATUS").map(\.rawValue) == [expected])
    }
  }

  @Test func localTimesMatchFoundationOnBothDaylightSavingDaysAndInSummer() {
    var utc = Calendar(identifier: .gregorian)
    utc.timeZone = TimeZone(identifier: "UTC")!
    var visby = Calendar(identifier: .gregorian)
    visby.timeZone = TimeZone(identifier: "Europe/Stockholm")!
    func instant(_ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int = 0) -> Date {
      utc.date(
        from: DateComponents(
          year: 2026, month: month, day: day, hour: hour, minute: minute, second: second))!
    }
    func format(_ date: Date, _ calendar: Calendar) -> String {
      let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
      return String(c.year!) + pad(c.month!) + pad(c.day!) + "T" + pad(c.hour!) + pad(c.minute!)
        + pad(c.second!)
    }
    func pad(_ value: Int) -> String { value < 10 ? "0" + String(value) : String(value) }
    // The second pass through 02:00–02:59 on 25 October cannot be named by a Visby clock
    // (RFC 5545 reads a repeated local time as its first occurrence): it is written in UTC.
    let repeatedHour = instant(10, 25, 1, 0)..<instant(10, 25, 2, 0)
    func expected(_ date: Date) -> (value: String, tzid: String?) {
      repeatedHour.contains(date)
        ? (format(date, utc) + "Z", nil) : (format(date, visby), "Europe/Stockholm")
    }

    let known: [(Date, String)] = [
      (instant(3, 29, 0, 30), "20260329T013000"),
      (instant(3, 29, 0, 59, 59), "20260329T015959"),
      (instant(3, 29, 1, 0), "20260329T030000"),
      (instant(3, 29, 1, 30), "20260329T033000"),
      (instant(10, 25, 0, 30), "20261025T023000"),
      (instant(10, 25, 0, 59, 59), "20261025T025959"),
      (instant(10, 25, 1, 0), "20261025T010000Z"),
      (instant(10, 25, 1, 30), "20261025T013000Z"),
      (instant(10, 25, 2, 0), "20261025T030000"),
      (instant(6, 23, 12, 0), "20260623T140000"),
      (instant(7, 1, 22, 15), "20260702T001500"),
      (instant(1, 15, 12, 0), "20260115T130000"),
    ]
    let events = known.enumerated().map { index, pair in
      ICalFixture.feedEvent(
        ICalFixture.event(
          id: ICalFixture.uuid(index), startsAt: pair.0, endsAt: pair.0.addingTimeInterval(1800)))
    }
    let bytes = ICalFixture.calendar(events)
    let starts = ICalParse.properties(bytes, "DTSTART").filter {
      $0.parameter("TZID") != nil || $0.rawValue.hasSuffix("Z")
    }
    let ends = ICalParse.properties(bytes, "DTEND")
    #expect(starts.count == known.count)
    for ((date, literal), (start, end)) in zip(known, zip(starts, ends)) {
      #expect(start.rawValue == literal)
      #expect(start.rawValue == expected(date).value)
      #expect(start.parameter("TZID") == expected(date).tzid)
      #expect(end.rawValue == expected(date.addingTimeInterval(1800)).value)
      #expect(end.parameter("TZID") == expected(date.addingTimeInterval(1800)).tzid)
    }
  }

  @Test func vtimezoneWithBothYearlyRulesIsPresentEvenWithoutEvents() {
    let bytes = ICalFixture.calendar([])
    let lines = ICalParse.contentLines(bytes)
    let start = lines.firstIndex(of: "BEGIN:VTIMEZONE")!
    let end = lines.firstIndex(of: "END:VTIMEZONE")!
    let zone = Array(lines[start...end])
    #expect(zone.contains("TZID:Europe/Stockholm"))
    #expect(
      ICalParse.sublist(
        zone,
        [
          "BEGIN:STANDARD", "DTSTART:19701025T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
          "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET", "END:STANDARD",
        ]))
    #expect(
      ICalParse.sublist(
        zone,
        [
          "BEGIN:DAYLIGHT", "DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
          "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST", "END:DAYLIGHT",
        ]))
    #expect(!lines.contains("BEGIN:VEVENT"))
    #expect(lines.last == "END:VCALENDAR")
  }

  @Test func everyTZIDUsedIsDefinedInTheSameStream() {
    let bytes = ICalFixture.hostileCalendar()
    let defined = Set(ICalParse.properties(bytes, "TZID").map(\.rawValue))
    let lines = ICalParse.contentLines(bytes).map { ICalParse.property($0) }
    let used = lines.compactMap { $0.parameter("TZID") }
    #expect(!used.isEmpty)
    #expect(used.allSatisfy { defined.contains($0) })
  }

  @Test func sameInputGivesIdenticalBytes() {
    let events = ICalFixture.hostileEvents() + [ICalFixture.feedEvent(ICalFixture.richEvent())]
    let first = ICalendarWriter.calendar(ICalFixture.info, events: events)
    let second = ICalendarWriter.calendar(ICalFixture.info, events: events)
    #expect(first == second)
  }

  @Test func descriptionRepeatsTheLinkAndListsOrganisersModeratorAndPanels() {
    let feedEvent = ICalFixture.feedEvent(
      ICalFixture.richEvent(), coOrganisers: ["Vårdförbundet", "SKR"])
    let bytes = ICalFixture.calendar([feedEvent])
    let descriptions = ICalParse.properties(bytes, "DESCRIPTION").map(\.textValue)
    #expect(
      descriptions.last == """
        https://almedalen.example/events/6f1c2b3a-4d5e-4f60-8a9b-0c1d2e3f4a5b
        Arrangör: Region Gotland
        Medarrangörer: Vårdförbundet, SKR
        Moderator: Anna Svensson (programledare, SVT)
        Vården i glesbygd
        Panel: Bo Ek (regionråd, Region Gotland), Cia Lind (Vårdförbundet)
        Panel: okänd
        Panel: Dan Ny (forskare)
        Talare: Eva Berg
        Direktsänds: https://play.example/live/1
        Tillgänglighet: rullstolsanpassat, hörslinga, teckenspråkstolkning, textning, syntolkning
        Servering

        Ett samtal om vården.
        Välkomna!
        """)
  }

  @Test func emptyPartsAreLeftOut() {
    let event = ICalFixture.event(description: "", topics: [])
    let bare = ICalFixture.calendar([ICalFixture.feedEvent(event, venue: nil, organiser: "")])
    let names = Set(ICalParse.events(bare).flatMap { $0.map(\.name) })
    #expect(!names.contains("LOCATION"))
    #expect(!names.contains("GEO"))
    #expect(!names.contains("CATEGORIES"))
    #expect(!names.contains("CONFERENCE"))
    #expect(ICalParse.properties(bare, "ORGANIZER").first?.parameters.isEmpty == true)
    #expect(
      ICalParse.events(bare).first?.filter { $0.name == "DESCRIPTION" }.map(\.textValue) == [
        "https://almedalen.example/events/6f1c2b3a-4d5e-4f60-8a9b-0c1d2e3f4a5b"
      ])

    let tent = Venue(name: "Tält 4")
    let noMap = ICalFixture.calendar([ICalFixture.feedEvent(event, venue: tent)])
    #expect(ICalParse.properties(noMap, "LOCATION").map(\.textValue) == ["Tält 4"])
    #expect(ICalParse.properties(noMap, "GEO").isEmpty)
  }

  @Test func everyTextValueRoundTripsThroughUnfoldingAndUnescaping() {
    let nasty = "Å\\; b, c;\r\nd\re\n:f \"g\" ^h\u{0}\u{1B}\u{85}\t👩‍👩‍👧\u{200F}"
    let clean = ICalFixture.normalized(nasty)
    let long = String(repeating: "Lång text, med; tecken\\ och\nrader. ", count: 12)
    let info = FeedInfo(
      name: "Almedalsveckan · " + nasty, description: long + nasty,
      selfURL: "https://almedalen.example/feeds/x.ics", pageURL: "https://almedalen.example/x",
      baseURL: "https://almedalen.example")
    let event = ICalFixture.event(
      title: nasty + long, description: long + nasty, topics: [nasty, "Hälsa, vård", "a\\b;c"],
      participants: [
        Participation(
          personID: ICalFixture.uuid(1), role: .speaker, title: nasty, organisation: "Org; AB",
          personName: "Åsa, Öberg")
      ])
    let venue = Venue(name: "Plats; " + nasty, address: long)
    let feedEvent = ICalFixture.feedEvent(event, venue: venue, organiser: nasty + long)
    let bytes = ICalendarWriter.calendar(info, events: [feedEvent])

    #expect(
      ICalParse.properties(bytes, "NAME").map(\.textValue) == [ICalFixture.normalized(info.name)])
    #expect(
      ICalParse.properties(bytes, "X-WR-CALNAME").map(\.textValue) == [
        ICalFixture.normalized(info.name)
      ])
    #expect(
      ICalParse.properties(bytes, "X-WR-CALDESC").map(\.textValue) == [
        ICalFixture.normalized(info.description)
      ])
    #expect(ICalParse.properties(bytes, "SUMMARY").map(\.textValue) == [clean + long])
    #expect(
      ICalParse.properties(bytes, "LOCATION").map(\.textValue) == [
        ICalFixture.normalized(venue.name + ", " + long)
      ])
    #expect(
      ICalParse.properties(bytes, "CATEGORIES").map(\.textList) == [
        [clean, "Hälsa, vård", "a\\b;c"]
      ])
    #expect(
      ICalParse.properties(bytes, "ORGANIZER").map { $0.parameter("CN") } == [
        ICalFixture.normalized(nasty + long)
      ])
    let description = ICalParse.properties(bytes, "DESCRIPTION").map(\.textValue)
    #expect(description.first == ICalFixture.normalized(info.description))
    let eventDescription = description.last ?? ""
    #expect(eventDescription.hasSuffix("\n\n" + ICalFixture.normalized(event.description)))
    #expect(eventDescription.contains("\nTalare: Åsa, Öberg (" + clean + ", Org; AB)\n"))
    #expect(eventDescription.contains("\nArrangör: " + ICalFixture.normalized(nasty + long) + "\n"))
  }

  @Test func fiveThousandEventsAreAllWritten() {
    let template = ICalFixture.feedEvent(ICalFixture.richEvent())
    let events = (0..<5000).map { index in
      var feedEvent = template
      feedEvent.event.id = ICalFixture.uuid(index)
      feedEvent.number = index
      return feedEvent
    }
    let bytes = ICalendarWriter.calendar(ICalFixture.info, events: events)
    let lines = ICalParse.physicalLines(bytes)
    #expect(lines.filter { $0 == Array("BEGIN:VEVENT".utf8) }.count == 5000)
    #expect(lines.allSatisfy { $0.count <= 75 })
  }
}

// MARK: - Fixtures

/// Events at Almedalsveckan 2026 with fixed ids and times, so expectations can be literal.
private enum ICalFixture {
  static let eventID = UUID(uuidString: "6F1C2B3A-4D5E-4F60-8A9B-0C1D2E3F4A5B")!
  static let organiserID = UUID(uuidString: "0B7D5A44-2F6C-4C1E-9A3B-5D8E7F6A1B2C")!
  static let editionID = UUID(uuidString: "11111111-2222-4333-8444-555555555555")!

  static let info = FeedInfo(
    name: "Almedalsveckan – tisdag 23 juni · Hälsa, vård",
    description: "Seminarier om hälsa; och vård",
    selfURL: "https://almedalen.example/feeds/events.ics?topic=H%C3%A4lsa",
    pageURL: "https://almedalen.example/events?topic=H%C3%A4lsa",
    baseURL: "https://almedalen.example")

  static let donners = Venue(
    id: UUID(uuidString: "A0A0A0A0-B1B1-4C2C-8D3D-E4E4E4E4E4E4")!, name: "Donners plats",
    address: "Donners plats 1, Visby",
    coordinate: Coordinate(latitude: 57.6394, longitude: 18.2925))

  /// A distinct fixed UUID for each index.
  static func uuid(_ index: Int) -> UUID {
    let hex = String(index, radix: 16)
    let tail = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    return UUID(uuidString: "00000000-0000-4000-8000-" + tail)!
  }

  /// A wall-clock time in Visby on a day of 2026.
  static func visby(_ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
    FestivalTime.date(LocalDay(year: 2026, month: month, day: day)!, hour: hour, minute: minute)
  }

  static func event(
    id: UUID = eventID, title: String = "Vård i hela landet",
    description: String = "Ett samtal om vården.", status: EventStatus = .published,
    revision: Int = 0, startsAt: Date = visby(6, 23, 10), endsAt: Date = visby(6, 23, 11),
    topics: [String] = ["Hälsa", "Regional utveckling, landsbygd"],
    panels: [Panel] = [], participants: [Participation] = [],
    livestreamURL: String? = nil, accessibility: [Accessibility] = [], foodServed: Bool = false
  ) -> Event {
    let details = EventDetails(
      title: title, description: description, startsAt: startsAt, endsAt: endsAt,
      venueID: donners.id, organiserID: organiserID, topics: topics,
      accessibility: accessibility, foodServed: foodServed, livestreamURL: livestreamURL,
      panels: panels, participants: participants)
    return Event(
      id: id, editionID: editionID, details: details, status: status, revision: revision,
      version: revision + 1, createdAt: Date(timeIntervalSince1970: 1_777_618_800),
      updatedAt: Date(timeIntervalSince1970: 1_781_073_015.75),
      revisedAt: Date(timeIntervalSince1970: 1_781_073_015.75))
  }

  static func feedEvent(
    _ event: Event = event(), venue: Venue? = donners, organiser: String = "Region Gotland",
    coOrganisers: [String] = [], registration: RegistrationStatus? = nil
  ) -> FeedEvent {
    FeedEvent(
      event: event, number: 1, venue: venue, organiser: organiser, coOrganisers: coOrganisers,
      pageURL: "https://almedalen.example/events/" + event.id.uuidString.lowercased(),
      registration: registration)
  }

  /// A panel debate with someone in every role, and every optional part filled in.
  static func richEvent() -> Event {
    func person(
      _ index: Int, _ name: String?, _ role: ParticipantRole, title: String? = nil,
      organisation: String? = nil, panel: Int? = nil
    ) -> Participation {
      Participation(
        personID: uuid(100 + index), role: role, title: title, organisation: organisation,
        panel: panel, personName: name)
    }
    return event(
      description: "Ett samtal om vården.\r\nVälkomna!",
      panels: [Panel(title: "Vården i glesbygd"), Panel()],
      participants: [
        person(1, "Anna Svensson", .moderator, title: "programledare", organisation: "SVT"),
        person(
          2, "Bo Ek", .panelist, title: "regionråd", organisation: "Region Gotland", panel: 0),
        person(3, "Cia Lind", .panelist, title: "", organisation: "Vårdförbundet", panel: 0),
        person(4, nil, .panelist, panel: 1),
        person(5, "Dan Ny", .panelist, title: "forskare"),
        person(6, "Eva Berg", .speaker),
      ],
      livestreamURL: "https://play.example/live/1", accessibility: Accessibility.allCases,
      foodServed: true)
  }

  /// Values that try to break out of their line, and long text in two-byte letters.
  static func hostileEvents() -> [FeedEvent] {
    let injection = "X\r\nEND:VEVENT\r\nBEGIN:VEVENT"
    let long = String(repeating: "Åäö ÅÄÖ €😀 ", count: 40)
    let first = feedEvent(
      event(id: uuid(1), title: injection, description: injection + "\n" + long),
      venue: Venue(name: injection, address: injection), organiser: injection,
      coOrganisers: [injection])
    let second = feedEvent(
      event(
        id: uuid(2), title: long, description: "\u{0}\u{1}\u{7F}\u{85}\u{9F}\u{202E}" + long,
        topics: [injection, long], livestreamURL: "https://x.example/\r\nBEGIN:VEVENT"),
      organiser: "\"^:;,\n" + long)
    let third = feedEvent(richEvent(), venue: nil)
    return [first, second, third]
  }

  static func hostileCalendar() -> [UInt8] {
    ICalendarWriter.calendar(info, events: hostileEvents())
  }

  static func calendar(_ events: [FeedEvent], info: FeedInfo = info) -> [UInt8] {
    ICalendarWriter.calendar(info, events: events)
  }

  /// What a value should read as after the round trip: newlines as LF, controls gone.
  static func normalized(_ value: String) -> String {
    let lines = value.replacingOccurrences(of: "\r\n", with: "\n")
      .replacingOccurrences(of: "\r", with: "\n")
    return String(
      String.UnicodeScalarView(
        lines.unicodeScalars.filter { scalar in
          let v = scalar.value
          return v == 0x09 || v == 0x0A || !(v < 0x20 || (0x7F...0x9F).contains(v))
        }))
  }
}

// MARK: - A small reader for the tests

/// One property after unfolding: name, parameters (RFC 6868 decoded) and the raw value.
private struct ICalProperty {
  var name: String
  var parameters: [(name: String, value: String)]
  var rawValue: String

  func parameter(_ name: String) -> String? {
    parameters.first { $0.name == name }?.value
  }

  /// The value read as TEXT.
  var textValue: String { ICalParse.unescape(rawValue) }

  /// The value read as a comma-separated list of TEXT.
  var textList: [String] {
    var items: [String] = []
    var current = ""
    var escaped = false
    for character in rawValue {
      if escaped {
        current.append("\\")
        current.append(character)
        escaped = false
      } else if character == "\\" {
        escaped = true
      } else if character == "," {
        items.append(ICalParse.unescape(current))
        current = ""
      } else {
        current.append(character)
      }
    }
    items.append(ICalParse.unescape(current))
    return items
  }
}

/// Splits, unfolds and parses iCalendar bytes, strictly enough to catch what lenient
/// parsers let through.
private enum ICalParse {
  /// The physical lines, split at CRLF only.
  static func physicalLines(_ bytes: [UInt8]) -> [[UInt8]] {
    var lines: [[UInt8]] = []
    var start = 0
    var index = 0
    while index + 1 < bytes.count {
      if bytes[index] == 0x0D && bytes[index + 1] == 0x0A {
        lines.append(Array(bytes[start..<index]))
        index += 2
        start = index
      } else {
        index += 1
      }
    }
    if start < bytes.count { lines.append(Array(bytes[start...])) }
    return lines
  }

  /// Content lines: each continuation (a line starting with a space) joined to the one before,
  /// without its space, before decoding, as RFC 5545 §3.1 says.
  static func contentLines(_ bytes: [UInt8]) -> [String] {
    var logical: [[UInt8]] = []
    for line in physicalLines(bytes) {
      if line.first == 0x20, !logical.isEmpty {
        logical[logical.count - 1] += line.dropFirst()
      } else {
        logical.append(line)
      }
    }
    return logical.map { String(decoding: $0, as: UTF8.self) }
  }

  static func property(_ line: String) -> ICalProperty {
    var characters = Substring(line)
    var name = ""
    while let first = characters.first, first != ";" && first != ":" {
      name.append(first)
      characters.removeFirst()
    }
    var parameters: [(name: String, value: String)] = []
    while characters.first == ";" {
      characters.removeFirst()
      var parameterName = ""
      while let first = characters.first, first != "=" {
        parameterName.append(first)
        characters.removeFirst()
      }
      characters.removeFirst()
      var value = ""
      if characters.first == "\"" {
        characters.removeFirst()
        while let first = characters.first, first != "\"" {
          value.append(first)
          characters.removeFirst()
        }
        characters.removeFirst()
      } else {
        while let first = characters.first, first != ";" && first != ":" {
          value.append(first)
          characters.removeFirst()
        }
      }
      parameters.append((parameterName, unescapeParameter(value)))
    }
    if characters.first == ":" { characters.removeFirst() }
    return ICalProperty(name: name, parameters: parameters, rawValue: String(characters))
  }

  static func properties(_ bytes: [UInt8], _ name: String) -> [ICalProperty] {
    contentLines(bytes).map(property).filter { $0.name == name }
  }

  /// The properties of each VEVENT.
  static func events(_ bytes: [UInt8]) -> [[ICalProperty]] {
    var events: [[ICalProperty]] = []
    var current: [ICalProperty]?
    for line in contentLines(bytes) {
      if line == "BEGIN:VEVENT" {
        current = []
      } else if line == "END:VEVENT" {
        events.append(current ?? [])
        current = nil
      } else if current != nil {
        current!.append(property(line))
      }
    }
    return events
  }

  /// TEXT unescaped: `\\` `\;` `\,` `\n` `\N`.
  static func unescape(_ value: String) -> String {
    var result = ""
    var escaped = false
    for character in value {
      if escaped {
        result.append(character == "n" || character == "N" ? "\n" : character)
        escaped = false
      } else if character == "\\" {
        escaped = true
      } else {
        result.append(character)
      }
    }
    return result
  }

  /// RFC 6868: `^n` newline, `^'` double quote, `^^` caret.
  static func unescapeParameter(_ value: String) -> String {
    var result = ""
    var caret = false
    for character in value {
      if caret {
        switch character {
        case "n": result.append("\n")
        case "'": result.append("\"")
        case "^": result.append("^")
        default:
          result.append("^")
          result.append(character)
        }
        caret = false
      } else if character == "^" {
        caret = true
      } else {
        result.append(character)
      }
    }
    return result
  }

  /// Whether `needle` occurs in `lines` as consecutive lines.
  static func sublist(_ lines: [String], _ needle: [String]) -> Bool {
    guard needle.count <= lines.count else { return false }
    return (0...(lines.count - needle.count)).contains {
      Array(lines[$0..<($0 + needle.count)]) == needle
    }
  }
}
