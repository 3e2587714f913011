import AlmedalenCore
import AlmedalenFeeds
import Foundation

extension FeedFuzzHarness {
  package static func verifyICalendar(_ output: [UInt8], of feed: Case) throws(Failure) {
    let lines = try ICalReader.contentLines(output)
    try require(
      lines.first.map { $0.name == "BEGIN" && $0.value == "VCALENDAR" } == true,
      "does not start with BEGIN:VCALENDAR")
    var stack: [String] = []
    var calendar: [ICalReader.Line] = []
    var events: [[ICalReader.Line]] = []
    var timeZones: [[ICalReader.Line]] = []
    for (number, line) in lines.enumerated() {
      try require(
        !stack.isEmpty || number == 0, "line \(number + 1) after END:VCALENDAR: \(line.name)")
      if line.name == "BEGIN" || line.name == "END" {
        try require(line.parameters.isEmpty, "\(line.name) with parameters")
      }
      if line.name == "BEGIN" {
        let allowed: [String]
        switch stack {
        case []: allowed = ["VCALENDAR"]
        case ["VCALENDAR"]: allowed = ["VEVENT", "VTIMEZONE"]
        case ["VCALENDAR", "VTIMEZONE"]: allowed = ["STANDARD", "DAYLIGHT"]
        default: allowed = []
        }
        try require(
          allowed.contains(line.value),
          "BEGIN:\(shown(line.value)) inside \(stack.joined(separator: "/"))")
        if line.value == "VEVENT" { events.append([]) }
        if line.value == "VTIMEZONE" { timeZones.append([]) }
        stack.append(line.value)
      } else if line.name == "END" {
        try require(
          stack.last == line.value,
          "END:\(shown(line.value)) closes \(stack.last ?? "nothing")")
        stack.removeLast()
      } else if stack == ["VCALENDAR"] {
        calendar.append(line)
      } else if stack == ["VCALENDAR", "VEVENT"] {
        events[events.count - 1].append(line)
      } else if stack == ["VCALENDAR", "VTIMEZONE"] {
        timeZones[timeZones.count - 1].append(line)
      }
    }
    try require(stack.isEmpty, "\(stack.joined(separator: "/")) not closed")
    try require(timeZones.count == 1, "\(timeZones.count) VTIMEZONEs")
    try expect(
      try ICalReader.Properties(timeZones[0], "VTIMEZONE").one("TZID").value,
      "Europe/Stockholm", "VTIMEZONE TZID")
    try require(
      events.count == feed.events.count,
      "\(events.count) VEVENTs for \(feed.events.count) events")
    try verifyCalendarProperties(ICalReader.Properties(calendar, "VCALENDAR"), feed.info)
    for (index, (lines, feedEvent)) in zip(events, feed.events).enumerated() {
      try verifyEvent(ICalReader.Properties(lines, "VEVENT \(index)"), feedEvent)
    }
  }

  static func verifyCalendarProperties(_ properties: ICalReader.Properties, _ info: FeedInfo)
    throws(Failure)
  {
    var names = [
      "VERSION", "PRODID", "CALSCALE", "NAME", "X-WR-CALNAME", "X-WR-TIMEZONE",
      "REFRESH-INTERVAL", "X-PUBLISHED-TTL", "SOURCE", "URL",
    ]
    if !info.description.isEmpty { names += ["DESCRIPTION", "X-WR-CALDESC"] }
    try properties.exactly(names)
    for name in ["NAME", "X-WR-CALNAME"] {
      try expect(try properties.text(name), kept(info.name), "calendar \(name)")
    }
    if !info.description.isEmpty {
      for name in ["DESCRIPTION", "X-WR-CALDESC"] {
        try expect(try properties.text(name), kept(info.description), "calendar \(name)")
      }
    }
    try expect(
      try properties.uri("SOURCE", parameters: [("VALUE", "URI")]),
      kept(info.selfURL, keepNewlines: false), "calendar SOURCE")
    try expect(
      try properties.uri("URL"), kept(info.pageURL, keepNewlines: false), "calendar URL")
  }

  static func verifyEvent(_ properties: ICalReader.Properties, _ feedEvent: FeedEvent)
    throws(Failure)
  {
    let event = feedEvent.event
    let details = event.details
    let context = properties.context
    var names = [
      "UID", "DTSTAMP", "CREATED", "LAST-MODIFIED", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY",
      "STATUS", "TRANSP", "CLASS", "URL", "ORGANIZER", "DESCRIPTION",
    ]
    if let venue = feedEvent.venue {
      names.append("LOCATION")
      if let point = venue.coordinate, point.latitude.isFinite, point.longitude.isFinite,
        abs(point.latitude) <= 90, abs(point.longitude) <= 180
      {
        names.append("GEO")
        let geo = try properties.one("GEO").value
        let parts = geo.split(separator: ";", omittingEmptySubsequences: false)
        try require(parts.count == 2, "\(context) GEO \(shown(geo))")
        try checkFloat(String(parts[0]), point.latitude, "\(context) GEO latitude")
        try checkFloat(String(parts[1]), point.longitude, "\(context) GEO longitude")
      }
    }
    if details.topics.contains(where: { !$0.isEmpty }) { names.append("CATEGORIES") }
    if let livestream = details.livestreamURL, !livestream.isEmpty { names.append("CONFERENCE") }
    try properties.exactly(names)

    try expect(
      try properties.one("UID").value, event.id.uuidString.lowercased() + "@almedalen",
      "\(context) UID")
    try checkUTC(try properties.one("DTSTAMP"), feedEvent.revisedAt, "\(context) DTSTAMP")
    try checkUTC(
      try properties.one("LAST-MODIFIED"), feedEvent.revisedAt, "\(context) LAST-MODIFIED")
    try checkUTC(try properties.one("CREATED"), event.createdAt, "\(context) CREATED")
    try expect(
      try properties.one("SEQUENCE").value, String(max(0, feedEvent.sequence)),
      "\(context) SEQUENCE")
    try checkLocal(try properties.one("DTSTART"), details.startsAt, "\(context) DTSTART")
    try checkLocal(try properties.one("DTEND"), details.endsAt, "\(context) DTEND")

    let cancelled = event.status == .cancelled
    try expect(
      try properties.text("SUMMARY"), (cancelled ? "INSTÄLLT: " : "") + kept(details.title),
      "\(context) SUMMARY")
    let status =
      cancelled ? "CANCELLED" : feedEvent.registration == .waitlisted ? "TENTATIVE" : "CONFIRMED"
    try expect(try properties.one("STATUS").value, status, "\(context) STATUS")
    try expect(
      try properties.one("TRANSP").value, cancelled ? "TRANSPARENT" : "OPAQUE",
      "\(context) TRANSP")
    try expect(try properties.one("CLASS").value, "PUBLIC", "\(context) CLASS")

    if let venue = feedEvent.venue {
      var location = kept(venue.name)
      if let address = venue.address, !address.isEmpty, address != venue.name {
        location += ", " + kept(address)
      }
      try expect(try properties.text("LOCATION"), location, "\(context) LOCATION")
    }
    try expect(
      try properties.uri("URL"), kept(feedEvent.pageURL, keepNewlines: false),
      "\(context) URL")

    let organizer = try properties.one("ORGANIZER")
    try expect(
      organizer.value, "urn:uuid:" + details.organiserID.uuidString.lowercased(),
      "\(context) ORGANIZER")
    if feedEvent.organiser.isEmpty {
      try require(organizer.parameters.isEmpty, "\(context) ORGANIZER with parameters")
    } else {
      try require(
        organizer.parameters.count == 1 && organizer.parameters[0].name == "CN"
          && organizer.parameters[0].values.count == 1,
        "\(context) ORGANIZER parameters \(organizer.parameters.map(\.name))")
      try expect(
        organizer.parameters[0].values[0], kept(feedEvent.organiser), "\(context) ORGANIZER CN")
    }

    if names.contains("CATEGORIES") {
      let topics = try properties.texts("CATEGORIES")
      let expected = details.topics.filter { !$0.isEmpty }.map { kept($0) }
      try require(
        topics.count == expected.count,
        "\(context) CATEGORIES: \(topics.count) values for \(expected.count) topics")
      for (found, topic) in zip(topics, expected) {
        try expect(found, topic, "\(context) CATEGORIES")
      }
    }
    if names.contains("CONFERENCE") {
      try expect(
        try properties.uri("CONFERENCE", parameters: [("VALUE", "URI"), ("FEATURE", "VIDEO")]),
        kept(details.livestreamURL ?? "", keepNewlines: false), "\(context) CONFERENCE")
    }
    try expectHolds(
      try properties.text("DESCRIPTION"), descriptionPieces(feedEvent).map { kept($0) },
      last: kept(details.description), "\(context) DESCRIPTION")
  }

  /// What DESCRIPTION must hold: the page link, who arranges, every participant's name,
  /// title and organisation, panel titles and the livestream.
  static func descriptionPieces(_ feedEvent: FeedEvent) -> [String] {
    let details = feedEvent.event.details
    let people = details.participants.flatMap { [$0.personName, $0.title, $0.organisation] }
    return [feedEvent.pageURL, feedEvent.organiser] + feedEvent.coOrganisers
      + people.compactMap { $0 } + details.panels.compactMap(\.title)
      + [details.livestreamURL ?? ""]
  }

  /// `20260705T120000Z`, read back to the second.
  static func checkUTC(_ line: ICalReader.Line, _ date: Date, _ what: String) throws(Failure) {
    try require(line.parameters.isEmpty, "\(what) with parameters")
    try require(line.value.hasSuffix("Z"), "\(what) \(shown(line.value)) not in UTC")
    let seconds = try dateTime(String(line.value.dropLast()), what)
    try require(
      seconds == wholeSeconds(date), "\(what) \(line.value) is not \(date.timeIntervalSince1970)")
  }

  /// `DTSTART;TZID=Europe/Stockholm:20260705T140000`, whose first occurrence (RFC 5545
  /// §3.3.5) must be the instant; in UTC only when it is the second.
  static func checkLocal(_ line: ICalReader.Line, _ date: Date, _ what: String) throws(Failure) {
    let seconds = wholeSeconds(date)
    let local = seconds + zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))
    // The instants whose clock in Visby reads `local`, earliest first.
    func instants(_ local: Int) -> [Int] {
      let offsets = [-86_400, 86_400].map {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local + $0)))
      }
      return Set(offsets).map { local - $0 }.filter {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double($0))) == local - $0
      }.sorted()
    }
    if line.parameters.isEmpty {
      try checkUTC(line, date, what)
      try require(
        instants(local).first != seconds,
        "\(what) \(line.value) in UTC though its clock time is not ambiguous")
    } else {
      try require(
        line.parameters.count == 1 && line.parameters[0].name == "TZID"
          && line.parameters[0].values == ["Europe/Stockholm"],
        "\(what) parameters \(line.parameters.map(\.name))")
      let written = try dateTime(line.value, what)
      try require(
        instants(written).first == seconds,
        "\(what) \(line.value) (Visby) is not the instant \(seconds)")
    }
  }

  /// `YYYYMMDDTHHMMSS` as seconds since 1970 on a clock with no offset.
  static func dateTime(_ text: String, _ what: String) throws(Failure) -> Int {
    let bytes = Array(text.utf8)
    try require(
      bytes.count == 15 && bytes[8] == UInt8(ascii: "T")
        && bytes.enumerated().allSatisfy { $0.offset == 8 || (0x30...0x39) ~= $0.element },
      "\(what) \(shown(text)) is not a DATE-TIME")
    func number(_ range: Range<Int>) -> Int { bytes[range].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
    let (month, day) = (number(4..<6), number(6..<8))
    let (hour, minute, second) = (number(9..<11), number(11..<13), number(13..<15))
    try require(
      (1...12).contains(month) && (1...31).contains(day) && hour < 24 && minute < 60
        && second < 60, "\(what) \(text) out of range")
    return daysFromCivil(number(0..<4), month, day) * 86_400 + hour * 3600 + minute * 60 + second
  }

  /// A FLOAT with at most six decimals, no trailing zero, within rounding of `value`.
  static func checkFloat(_ text: String, _ value: Double, _ what: String) throws(Failure) {
    let bytes = Array(text.utf8)
    let digits = bytes.drop { $0 == UInt8(ascii: "-") && bytes.first == $0 }
    let parts = digits.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    try require(
      bytes.count - digits.count <= 1 && (1...2).contains(parts.count)
        && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { (0x30...0x39) ~= $0 } }
        && (parts.count == 1 || (parts[1].count <= 6 && parts[1].last != 0x30)),
      "\(what) \(shown(text)) is not a FLOAT with at most six decimals")
    let parsed = Double(text) ?? .nan
    try require(
      abs(parsed - value) <= 0.000_000_500_1, "\(what) \(text) is not \(value) rounded")
  }
}
