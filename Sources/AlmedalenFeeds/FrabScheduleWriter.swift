public import AlmedalenCore
import ByteWriting
import Foundation

/// The programme in frab's schedule format, the one conference apps (Giggity, ConfClerk,
/// EventFahrplan, c3voc's tools) already read: XML as frab and pretalx export it, and the same
/// data as c3voc's schedule.json.
///
/// Each venue is a frab "room". A frab day runs from 04:00 to 03:59 the next morning, as frab's
/// own exports do, so a late mingle stays on the evening it belongs to.
public enum FrabScheduleWriter {
  /// frab's schedule.xml for one edition (conference) and its events (published and cancelled).
  public static func xml(edition: Edition, info: FeedInfo, events: [FeedEvent]) -> [UInt8] {
    let schedule = Schedule(edition: edition, info: info, events: events)
    var out = XMLText.Writer(.xml, capacity: 4096 + events.count * 2560)
    out.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
    out.raw("<schedule>\n")
    out.raw("  <generator name=\"Almedalen\"/>\n")
    out.element("<version>", schedule.version, "</version>", indent: 2)
    out.raw("  <conference>\n")
    out.element("<acronym>", schedule.acronym, "</acronym>", indent: 4)
    out.element("<title>", edition.name, "</title>", indent: 4)
    out.element("<start>", edition.firstDay.description, "</start>", indent: 4)
    out.element("<end>", edition.lastDay.description, "</end>", indent: 4)
    out.element("<days>", String(schedule.days.count), "</days>", indent: 4)
    out.raw("    <timeslot_duration>00:15</timeslot_duration>\n")
    out.element("<base_url>", info.baseURL, "</base_url>", indent: 4)
    out.raw("    <time_zone_name>Europe/Stockholm</time_zone_name>\n")
    out.raw("  </conference>\n")
    for day in schedule.days {
      out.raw("  <day index=\"")
      out.number(day.index)
      out.raw("\" date=\"")
      out.plain(day.date)
      out.raw("\" start=\"")
      out.plain(day.start)
      out.raw("\" end=\"")
      out.plain(day.end)
      out.raw("\">\n")
      for room in day.rooms {
        out.raw("    <room name=\"")
        out.attribute(room.name)
        out.raw("\">\n")
        for item in room.items {
          xmlEvent(item, into: &out)
        }
        out.raw("    </room>\n")
      }
      out.raw("  </day>\n")
    }
    out.raw("</schedule>\n")
    return out.bytes
  }

  private static func xmlEvent(_ item: Schedule.Item, into out: inout XMLText.Writer) {
    out.raw("      <event guid=\"")
    out.plain(item.guid)
    out.raw("\" id=\"")
    out.number(item.id)
    out.raw("\">\n")
    out.element("<date>", item.date, "</date>", indent: 8)
    out.element("<start>", item.start, "</start>", indent: 8)
    out.element("<duration>", item.duration, "</duration>", indent: 8)
    out.element("<room>", item.room, "</room>", indent: 8)
    out.element("<slug>", item.slug, "</slug>", indent: 8)
    out.element("<url>", item.url, "</url>", indent: 8)
    out.element("<title>", item.title, "</title>", indent: 8)
    out.raw("        <subtitle/>\n")
    out.element("<track>", item.track, "</track>", indent: 8)
    out.element("<type>", item.type, "</type>", indent: 8)
    out.element("<language>", item.language, "</language>", indent: 8)
    out.element("<abstract>", item.abstract, "</abstract>", indent: 8)
    out.element("<description>", item.description, "</description>", indent: 8)
    out.raw("        <logo/>\n")
    if item.persons.isEmpty {
      out.raw("        <persons/>\n")
    } else {
      out.raw("        <persons>\n")
      for person in item.persons {
        out.raw("          <person id=\"")
        out.number(person.id)
        out.raw("\">")
        out.text(person.name)
        out.raw("</person>\n")
      }
      out.raw("        </persons>\n")
    }
    out.raw("        <links>\n")
    for link in item.links {
      out.raw("          <link href=\"")
      out.attribute(link.url)
      out.raw("\">")
      out.text(link.title)
      out.raw("</link>\n")
    }
    out.raw("        </links>\n")
    out.raw("        <attachments/>\n")
    out.raw("      </event>\n")
  }

  /// The same as frab's schedule.json (the format c3voc/Fahrplan/Giggity read).
  ///
  /// Keys come in a fixed order, so the same input gives the same bytes.
  public static func json(edition: Edition, info: FeedInfo, events: [FeedEvent]) -> [UInt8] {
    let schedule = Schedule(edition: edition, info: info, events: events)
    var out = JSONWriter(capacity: 4096 + events.count * 2560)
    out.raw("{\"$schema\":\"https://c3voc.de/schedule/schema.json\",")
    out.raw("\"generator\":{\"name\":\"Almedalen\"},")
    out.raw("\"schedule\":{\"version\":")
    out.string(schedule.version)
    out.raw(",\"base_url\":")
    out.string(info.baseURL)
    out.raw(",\"conference\":{\"acronym\":")
    out.string(schedule.acronym)
    out.raw(",\"title\":")
    out.string(edition.name)
    out.raw(",\"start\":")
    out.string(edition.firstDay.description)
    out.raw(",\"end\":")
    out.string(edition.lastDay.description)
    out.raw(",\"daysCount\":")
    out.number(schedule.days.count)
    out.raw(",\"timeslot_duration\":\"00:15\",\"time_zone_name\":\"Europe/Stockholm\",\"url\":")
    out.string(info.baseURL)
    out.raw(",\"rooms\":[")
    for (index, room) in schedule.rooms.enumerated() {
      if index > 0 { out.raw(",") }
      out.raw("{\"name\":")
      out.string(room.name)
      out.raw(",\"guid\":")
      out.string(room.guid)
      out.raw("}")
    }
    out.raw("],\"days\":[")
    for (dayNumber, day) in schedule.days.enumerated() {
      if dayNumber > 0 { out.raw(",") }
      out.raw("{\"index\":")
      out.number(day.index)
      out.raw(",\"date\":")
      out.string(day.date)
      out.raw(",\"day_start\":")
      out.string(day.start)
      out.raw(",\"day_end\":")
      out.string(day.end)
      out.raw(",\"rooms\":{")
      for (roomNumber, room) in day.rooms.enumerated() {
        if roomNumber > 0 { out.raw(",") }
        out.string(room.name)
        out.raw(":[")
        for (itemNumber, item) in room.items.enumerated() {
          if itemNumber > 0 { out.raw(",") }
          jsonEvent(item, into: &out)
        }
        out.raw("]")
      }
      out.raw("}}")
    }
    out.raw("]}}}\n")
    return out.bytes
  }

  private static func jsonEvent(_ item: Schedule.Item, into out: inout JSONWriter) {
    out.raw("{\"guid\":")
    out.string(item.guid)
    out.raw(",\"id\":")
    out.number(item.id)
    out.raw(",\"date\":")
    out.string(item.date)
    out.raw(",\"start\":")
    out.string(item.start)
    out.raw(",\"duration\":")
    out.string(item.duration)
    out.raw(",\"room\":")
    out.string(item.room)
    out.raw(",\"slug\":")
    out.string(item.slug)
    out.raw(",\"url\":")
    out.string(item.url)
    out.raw(",\"title\":")
    out.string(item.title)
    out.raw(",\"subtitle\":\"\",\"track\":")
    out.string(item.track)
    out.raw(",\"type\":")
    out.string(item.type)
    out.raw(",\"language\":")
    out.string(item.language)
    out.raw(",\"abstract\":")
    out.string(item.abstract)
    out.raw(",\"description\":")
    out.string(item.description)
    out.raw(",\"persons\":[")
    for (index, person) in item.persons.enumerated() {
      if index > 0 { out.raw(",") }
      out.raw("{\"id\":")
      out.number(person.id)
      out.raw(",\"guid\":")
      out.string(person.guid)
      out.raw(",\"public_name\":")
      out.string(person.name)
      out.raw("}")
    }
    out.raw("],\"links\":[")
    for (index, link) in item.links.enumerated() {
      if index > 0 { out.raw(",") }
      out.raw("{\"url\":")
      out.string(link.url)
      out.raw(",\"title\":")
      out.string(link.title)
      out.raw("}")
    }
    out.raw("],\"attachments\":[]}")
  }

  // MARK: - Derived values

  /// The room of events whose venue is not yet known.
  static let unknownRoomName = "Plats meddelas senare"
  /// Fixed, so that apps keep that room across refreshes and editions.
  static let unknownRoomGUID = "2ec19422-029b-4760-b76c-868534c41229"

  /// frab wants an integer person id; our people have UUIDs. The first 31 bits of the UUID
  /// are as stable as the UUID itself and fit the signed 32-bit integers that schedule apps
  /// store ids in (the schema wants it positive, hence 0 becomes 1). Two people share an id
  /// with odds of about n²/2³² among n people; that only merges them in an app's speaker list,
  /// and the JSON also carries the full UUID as the person's `guid`.
  static func personID(_ id: UUID) -> Int {
    let b = id.uuid
    let value = Int(b.0) << 23 | Int(b.1) << 15 | Int(b.2) << 7 | Int(b.3) >> 1
    return value == 0 ? 1 : value
  }

  /// Lower-case ASCII letters and digits joined by single hyphens, at most `maxLength` bytes:
  /// `Vård i hela landet?` becomes `vard-i-hela-landet`. Slugs end up in file names and URLs,
  /// where only ASCII is safe everywhere. Latin letters with diacritics lose them; other
  /// scripts are left out, and the slug's number still makes it unique.
  static func asciiSlug(_ text: String, maxLength: Int = 50) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(maxLength + 8)
    var pendingHyphen = false
    func add(_ letters: StaticString) {
      if pendingHyphen && !out.isEmpty { out.append(UInt8(ascii: "-")) }
      pendingHyphen = false
      letters.withUTF8Buffer { out.append(contentsOf: $0) }
    }
    func add(_ letter: UInt8) {
      if pendingHyphen && !out.isEmpty { out.append(UInt8(ascii: "-")) }
      pendingHyphen = false
      out.append(letter)
    }
    for scalar in text.unicodeScalars {
      if out.count >= maxLength { break }
      let value = scalar.value
      switch value {
      case 0x30...0x39, 0x61...0x7A:
        add(UInt8(value))
      case 0x41...0x5A:
        add(UInt8(value) + 32)
      // Combining marks: text in decomposed form (`a` + ring) keeps only its base letter.
      case 0x0300...0x036F:
        continue
      // An apostrophe joins rather than splits: `Sverige's` stays one word.
      case 0x27, 0x2019:
        continue
      case 0xC6, 0xE6: add("ae")
      case 0xDE, 0xFE: add("th")
      case 0xDF: add("ss")
      case 0x132, 0x133: add("ij")
      case 0x152, 0x153: add("oe")
      case 0xD7, 0xF7:
        pendingHyphen = true
      case 0xC0...0x17F:
        add(latinBaseLetters[Int(value - 0xC0)])
      default:
        pendingHyphen = true
      }
    }
    if out.count > maxLength {
      out.removeSubrange(maxLength...)
    }
    // Prefer ending on a whole word when the cut fell inside one.
    if out.count == maxLength, let hyphen = out.lastIndex(of: UInt8(ascii: "-")),
      hyphen > maxLength / 2
    {
      out.removeSubrange(hyphen...)
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// The base letter of each of U+00C0–U+017F (Latin-1 Supplement letters and Latin
  /// Extended-A), lower case: the letters of European names and places. `*` marks the code
  /// points `asciiSlug` handles itself (×, ÷ and the ligatures).
  static let latinBaseLetters: [UInt8] = Array(
    ("aaaaaa*ceeeeiiii" + "dnooooo*ouuuuy**" + "aaaaaa*ceeeeiiii" + "dnooooo*ouuuuy*y"
      + "aaaaaa" + "cccccccc" + "dddd" + "eeeeeeeeee" + "gggggggg" + "hhhh" + "iiiiiiiiii"
      + "**" + "jj" + "kkk" + "llllllllll" + "nnnnnnnnn" + "oooooo" + "**" + "rrrrrr"
      + "ssssssss" + "tttttt" + "uuuuuuuuuuuu" + "ww" + "yyy" + "zzzzzz" + "s").utf8)

  /// frab's `type`, in Swedish as the printed programme names it.
  static func swedishKind(_ kind: EventKind) -> String {
    switch kind {
    case .seminar: "seminarium"
    case .panelDebate: "paneldebatt"
    case .breakfastSeminar: "frukostseminarium"
    case .lunchSeminar: "lunchseminarium"
    case .mingle: "mingel"
    case .other: "övrigt"
    }
  }

  /// `2012-07-03T12:00:00+02:00`, from fields already split.
  static func rfc3339(_ t: LocalTime) -> String {
    let offset = abs(t.offset)
    return t.isoDate + "T" + t.clock + ":" + LocalTime.two(t.second)
      + (t.offset < 0 ? "-" : "+") + LocalTime.two(offset / 3600) + ":"
      + LocalTime.two(offset / 60 % 60)
  }

  /// `20120703T100000Z`.
  static func compactUTC(_ date: Date) -> String {
    let t = LocalTime(utc: date)
    return String(t.year) + LocalTime.two(t.month) + LocalTime.two(t.day) + "T"
      + LocalTime.two(t.hour) + LocalTime.two(t.minute) + LocalTime.two(t.second) + "Z"
  }

  /// Who arranges the event and who takes part, then its description: what frab's
  /// `description` shows in an app's detail view.
  static func description(of feedEvent: FeedEvent) -> String {
    let event = feedEvent.event
    var lines: [String] = []
    if event.status == .cancelled {
      lines.append("INSTÄLLT.")
    }
    lines.append(RSSWriter.organiserLine(feedEvent))
    let unpaneled = event.participants.filter { $0.panel == nil }
    appendRoles(unpaneled, to: &lines)
    for (index, panel) in event.panels.enumerated() {
      let members = event.participants.filter { $0.panel == index }
      // A panel with neither a title nor anyone named would be a heading over nothing.
      if members.isEmpty && (panel.title ?? "").isEmpty { continue }
      var heading = "Panel " + String(index + 1)
      if let title = panel.title, !title.isEmpty {
        heading += ": " + title
      }
      if let start = panel.startsAt, let end = panel.endsAt {
        heading += " (" + LocalTime(start).clock + "–" + LocalTime(end).clock + ")"
      }
      lines.append(heading)
      appendRoles(members, to: &lines)
    }
    var text = lines.joined(separator: "\n")
    let body = RSSWriter.trimmed(event.description)
    if !body.isEmpty {
      text += "\n\n" + body
    }
    return text
  }

  private static func appendRoles(_ people: [Participation], to lines: inout [String]) {
    let roles: [(ParticipantRole, String, String)] = [
      (.moderator, "Moderator: ", "Moderatorer: "),
      (.speaker, "Talare: ", "Talare: "),
      (.panelist, "Medverkande: ", "Medverkande: "),
    ]
    for (role, one, many) in roles {
      let names = people.filter { $0.role == role }.compactMap(personText)
      if names.isEmpty { continue }
      lines.append((names.count == 1 ? one : many) + names.joined(separator: "; "))
    }
  }

  /// `Anna Andersson (M), riksdagsledamot, Moderaterna`: the title and organisation the
  /// programme gives the person at this event.
  private static func personText(_ person: Participation) -> String? {
    guard let name = person.personName, !name.isEmpty else { return nil }
    var text = name
    if let party = person.personParty, !party.isEmpty { text += " (" + party + ")" }
    if let title = person.title, !title.isEmpty { text += ", " + title }
    if let organisation = person.organisation, !organisation.isEmpty {
      text += ", " + organisation
    }
    return text
  }
}

/// The schedule laid out the way frab nests it, computed once for either output format.
private struct Schedule {
  struct Person {
    let id: Int
    let guid: String
    let name: String
  }

  struct Link {
    let url: String
    let title: String
  }

  /// One event's values exactly as both formats write them.
  struct Item {
    let guid: String
    let id: Int
    let date: String
    let start: String
    let duration: String
    let room: String
    let slug: String
    let url: String
    let title: String
    let track: String
    let type: String
    let language: String
    let abstract: String
    let description: String
    let persons: [Person]
    let links: [Link]
  }

  struct Room {
    let name: String
    var items: [Item]
  }

  struct Day {
    let index: Int
    let date: String
    let start: String
    let end: String
    var rooms: [Room]
  }

  let version: String
  let acronym: String
  let days: [Day]
  /// Every room of the edition, with the guid the JSON schema requires.
  let rooms: [(name: String, guid: String)]

  init(edition: Edition, info: FeedInfo, events: [FeedEvent]) {
    acronym = "almedalen" + String(edition.year)
    let slugPrefix = acronym + "-"

    // Revision times only rise, so the newest one and the count change whenever an event is
    // added, revised, cancelled or withdrawn, and never with the clock. (Renaming a venue or
    // an organiser revises no event, so it leaves the version as it was.)
    if let newest = events.lazy.map(\.event.revisedAt).max() {
      version = FrabScheduleWriter.compactUTC(newest) + "-" + String(events.count)
    } else {
      version = "0"
    }

    let editionDays = edition.days
    let dayStarts = editionDays.map { FestivalTime.date($0, hour: 4) }
    var days = editionDays.enumerated().map { index, day in
      Day(
        index: index + 1, date: day.description,
        start: FrabScheduleWriter.rfc3339(LocalTime(dayStarts[index])),
        end: FrabScheduleWriter.rfc3339(
          LocalTime(FestivalTime.date(day.adding(days: 1), hour: 3, minute: 59))),
        rooms: [])
    }

    let ordered = events.sorted { a, b in
      if a.event.startsAt != b.event.startsAt { return a.event.startsAt < b.event.startsAt }
      if a.event.title != b.event.title { return a.event.title < b.event.title }
      if a.number != b.number { return a.number < b.number }
      return a.event.id.uuidString < b.event.id.uuidString
    }

    // Within a room, events keep the order just established; rooms are sorted afterwards.
    var roomIndex: [[String: Int]] = Array(repeating: [:], count: days.count)
    var roomGUIDs: [String: String] = [:]
    for feedEvent in ordered where !days.isEmpty {
      let start = feedEvent.event.startsAt
      // Events before the first 04:00 (validation allows them from midnight) join the first
      // day; anything after the last day's 04:00 belongs to the last.
      var day = 0
      while day + 1 < dayStarts.count && dayStarts[day + 1] <= start { day += 1 }
      let item = Self.item(feedEvent, slugPrefix: slugPrefix)
      if let existing = roomIndex[day][item.room] {
        days[day].rooms[existing].items.append(item)
      } else {
        roomIndex[day][item.room] = days[day].rooms.count
        days[day].rooms.append(Room(name: item.room, items: [item]))
      }
      // Venues that share a name share a room; the smallest id names it, whatever the order.
      let guid = feedEvent.venue?.id.uuidString.lowercased() ?? FrabScheduleWriter.unknownRoomGUID
      if let known = roomGUIDs[item.room], known <= guid { continue }
      roomGUIDs[item.room] = guid
    }
    for index in days.indices {
      days[index].rooms.sort { Self.roomOrder($0.name, $1.name) }
    }
    self.days = days
    rooms = roomGUIDs.keys.sorted(by: Self.roomOrder).map { ($0, roomGUIDs[$0]!) }
  }

  /// By name, ignoring case; ties (names differing only in case) by the exact name, so the
  /// order never depends on the input's.
  static func roomOrder(_ a: String, _ b: String) -> Bool {
    let left = a.lowercased()
    let right = b.lowercased()
    return left != right ? left < right : a < b
  }

  static func item(_ feedEvent: FeedEvent, slugPrefix: String) -> Item {
    let event = feedEvent.event
    let start = LocalTime(event.startsAt)
    let minutes = max(0, Int(event.endsAt.timeIntervalSince(event.startsAt) / 60))
    let titleSlug = FrabScheduleWriter.asciiSlug(event.title)
    var slug = slugPrefix + String(feedEvent.number)
    if !titleSlug.isEmpty { slug += "-" + titleSlug }

    var seen = Set<UUID>()
    var persons: [Person] = []
    for participant in event.participants {
      guard let name = participant.personName, !name.isEmpty,
        seen.insert(participant.personID).inserted
      else { continue }
      persons.append(
        Person(
          id: FrabScheduleWriter.personID(participant.personID),
          guid: participant.personID.uuidString.lowercased(), name: name))
    }

    var links = [Link(url: feedEvent.pageURL, title: "Programsidan")]
    if let livestream = event.livestreamURL, !livestream.isEmpty {
      links.append(Link(url: livestream, title: "Livesändning"))
    }

    return Item(
      guid: event.id.uuidString.lowercased(),
      id: feedEvent.number,
      date: FrabScheduleWriter.rfc3339(start),
      start: start.clock,
      duration: LocalTime.two(minutes / 60) + ":" + LocalTime.two(minutes % 60),
      room: feedEvent.venue?.name ?? FrabScheduleWriter.unknownRoomName,
      slug: slug,
      url: feedEvent.pageURL,
      title: event.status == .cancelled ? "INSTÄLLT: " + event.title : event.title,
      track: event.topics.first ?? "",
      type: FrabScheduleWriter.swedishKind(event.kind),
      language: event.languages.first ?? "",
      abstract: RSSWriter.excerpt(event.description, limit: 280),
      description: FrabScheduleWriter.description(of: feedEvent),
      persons: persons,
      links: links)
  }
}

/// Compact JSON into one buffer. Strings carry every character (JSON can), escaped as
/// `Escaping.jsonString` says.
private typealias JSONWriter = ByteWriter

extension ByteWriter {
  fileprivate mutating func raw(_ text: StaticString) { literal(text) }

  fileprivate mutating func string(_ value: String) {
    byte(UInt8(ascii: "\""))
    escaped(value, .jsonString)
    byte(UInt8(ascii: "\""))
  }
}
