import AlmedalenCore
import Foundation

/// The RSS 2.0 change feed: what partners poll to learn within minutes that a seminar was
/// published, moved, changed or cancelled, since calendar clients may take hours or days to
/// notice (FEEDS.md 16–21).
public enum RSSWriter {
  /// The change feed: one item per change, in the order given (the caller passes newest first,
  /// already bounded).
  ///
  /// Nothing depends on the clock: the same changes give the same bytes, so the HTTP layer's
  /// ETag only moves when the feed does.
  public static func feed(_ info: FeedInfo, changes: [FeedChange]) -> [UInt8] {
    var out = XMLText.Writer(.xml, capacity: 1024 + changes.count * 1536)
    out.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
    out.raw("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n")
    out.raw("  <channel>\n")
    out.element("<title>", info.name, "</title>", indent: 4)
    out.element("<link>", info.pageURL, "</link>", indent: 4)
    out.element("<description>", info.description, "</description>", indent: 4)
    out.raw("    <language>sv</language>\n")
    out.raw("    <atom:link href=\"")
    out.attribute(info.selfURL)
    out.raw("\" rel=\"self\" type=\"application/rss+xml\"/>\n")
    // The newest change rather than "now", which would make every poll look like news.
    if let newest = changes.lazy.map(\.changedAt).max() {
      out.element("<lastBuildDate>", rfc822(newest), "</lastBuildDate>", indent: 4)
    }
    out.raw("    <ttl>15</ttl>\n")
    out.raw("    <generator>Almedalen</generator>\n")
    for change in changes {
      item(change, into: &out)
    }
    out.raw("  </channel>\n")
    out.raw("</rss>\n")
    return out.bytes
  }

  private static func item(_ change: FeedChange, into out: inout XMLText.Writer) {
    let event = change.event.event
    out.raw("    <item>\n")
    out.element("<title>", title(of: change), "</title>", indent: 6)
    out.element("<link>", change.event.pageURL, "</link>", indent: 6)
    out.raw("      <guid isPermaLink=\"false\">almedalen-change-")
    out.plain(String(change.id))
    out.raw("</guid>\n")
    out.element("<pubDate>", rfc822(change.changedAt), "</pubDate>", indent: 6)
    // A category with its own domain lets a partner's filter tell a new seminar from a moved
    // one without parsing our Swedish titles.
    out.raw("      <category domain=\"https://almedalen.se/change\">")
    out.plain(category(of: change.kind))
    out.raw("</category>\n")
    for topic in event.topics {
      out.element("<category>", topic, "</category>", indent: 6)
    }
    out.element("<description>", description(of: change), "</description>", indent: 6)
    out.raw("    </item>\n")
  }

  // MARK: - Swedish text

  /// What happened, in the words of the programme's own change notices
  /// (`Flyttad till 14:00, Donners plats: …`). The full date goes in the description.
  static func title(of change: FeedChange) -> String {
    let title = change.event.event.title
    switch change.kind {
    case .published:
      return "Nytt: " + title
    case .changed:
      return "Ändrat: " + title
    case .cancelled:
      return "Inställt: " + title
    case .moved:
      var target = ""
      if let start = change.newStart {
        target += " till " + LocalTime(start).clock
      }
      if let venue = change.newVenue {
        if venue.isEmpty {
          target += ", plats meddelas senare"
        } else {
          target += (target.isEmpty ? " till " : ", ") + venue
        }
      }
      return "Flyttad" + target + ": " + title
    }
  }

  static func category(of kind: FeedChange.Kind) -> String {
    switch kind {
    case .published: "nytt"
    case .moved: "flyttat"
    case .changed: "ändrat"
    case .cancelled: "inställt"
    }
  }

  /// Plain text: when and where the event is now, who arranges it, what changed, and the
  /// start of its description.
  static func description(of change: FeedChange) -> String {
    let feedEvent = change.event
    let event = feedEvent.event
    var text = when(start: event.startsAt, end: event.endsAt) + ", " + place(feedEvent.venue)
    text += "\n" + organiserLine(feedEvent)
    switch change.kind {
    case .published:
      break
    case .cancelled:
      text += "\nEvenemanget är inställt."
    case .moved, .changed:
      var fields: [String] = []
      if change.newStart != nil { fields.append("starttid") }
      if change.newVenue != nil { fields.append("plats") }
      for field in change.changedFields {
        let name = swedishFieldName(field)
        if !fields.contains(name) { fields.append(name) }
      }
      if !fields.isEmpty {
        text += "\nÄndrat: " + fields.joined(separator: ", ")
      }
    }
    let summary = excerpt(event.description, limit: 500)
    if !summary.isEmpty {
      text += "\n\n" + summary
    }
    return text
  }

  /// `tisdag 3 juli 12:00–13:00`, or both days when the event runs past midnight.
  static func when(start: Date, end: Date) -> String {
    let from = LocalTime(start)
    let to = LocalTime(end)
    if from.year == to.year && from.month == to.month && from.day == to.day {
      return from.swedishDay + " " + from.clock + "–" + to.clock
    }
    return from.swedishDay + " " + from.clock + " – " + to.swedishDay + " " + to.clock
  }

  static func place(_ venue: Venue?) -> String {
    guard let venue else { return "plats meddelas senare" }
    if let address = venue.address, !address.isEmpty, address != venue.name {
      return venue.name + " (" + address + ")"
    }
    return venue.name
  }

  static func organiserLine(_ event: FeedEvent) -> String {
    if event.coOrganisers.isEmpty {
      return "Arrangör: " + event.organiser
    }
    return "Arrangörer: " + ([event.organiser] + event.coOrganisers).joined(separator: ", ")
  }

  /// The API's wire names as a Swedish reader knows them; an unknown name is shown as it is
  /// rather than hidden, so a new field never silently drops out of the notice, with every
  /// `_` a space. Scalar by scalar: Foundation's `replacingOccurrences` compares characters,
  /// and left a `_` followed by a combining mark alone (FuzzCorpus/RSS/
  /// moved-with-start-venue-and-fields.bin).
  package static func swedishFieldName(_ wireName: String) -> String {
    switch wireName {
    case "title": "titel"
    case "description": "beskrivning"
    case "kind": "typ"
    case "starts_at": "starttid"
    case "ends_at": "sluttid"
    case "venue_id", "venue": "plats"
    case "organiser_id", "organiser": "arrangör"
    case "co_organiser_ids", "co_organisers": "medarrangörer"
    case "topics": "ämnen"
    case "languages": "språk"
    case "accessibility": "tillgänglighet"
    case "food_served": "förtäring"
    case "livestream_url": "livesändning"
    case "capacity": "antal platser"
    case "registration_open": "anmälan"
    case "panels": "paneler"
    case "participants": "medverkande"
    case "status": "status"
    default: String(String.UnicodeScalarView(wireName.unicodeScalars.map { $0 == "_" ? " " : $0 }))
    }
  }

  /// At most `limit` characters (grapheme clusters, so an emoji or `å` is never cut in two),
  /// ending at a word break when one is near, with `…` when anything was left out.
  package static func excerpt(_ text: String, limit: Int) -> String {
    let body = trimmed(text)
    // No more bytes than the limit means no more characters either: no need to count them.
    guard body.utf8.count > limit,
      let cut = body.index(body.startIndex, offsetBy: limit, limitedBy: body.endIndex),
      cut != body.endIndex
    else { return String(body) }
    var head = body[..<cut]
    if let space = head.lastIndex(where: \.isWhitespace),
      head.distance(from: space, to: head.endIndex) < 80
    {
      head = head[..<space]
    }
    while let last = head.last, last.isWhitespace || last.isPunctuation && last != ")" {
      head = head.dropLast()
    }
    return head + "…"
  }

  /// `text` without white space (line breaks included) at either end. Foundation's
  /// `trimmingCharacters` goes through UTF-16 and was most of a feed's cost.
  static func trimmed(_ text: String) -> Substring {
    let scalars = text.unicodeScalars
    guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
      let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
    else { return "" }
    return Substring(scalars[first...last])
  }

  // MARK: - Dates

  private static let englishWeekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
  private static let englishMonths = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
  ]

  /// RFC 822 (as amended by RFC 1123: four-digit year) in Visby's time with its numeric offset,
  /// `Tue, 03 Jul 2012 12:00:00 +0200`. Written by hand: feed readers only accept the English
  /// names, and a formatter would follow the server's locale.
  static func rfc822(_ date: Date) -> String {
    let t = LocalTime(date)
    let offset = abs(t.offset)
    return englishWeekdays[t.weekday] + ", " + LocalTime.two(t.day) + " "
      + englishMonths[t.month - 1] + " " + String(t.year) + " " + LocalTime.two(t.hour) + ":"
      + LocalTime.two(t.minute) + ":" + LocalTime.two(t.second) + " "
      + (t.offset < 0 ? "-" : "+") + LocalTime.two(offset / 3600)
      + LocalTime.two(offset / 60 % 60)
  }
}
