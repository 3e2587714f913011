import AlmedalenCore
import AlmedalenFeeds
import Foundation

/// Pieces more than one page writes: times, places, paths and the subscription links.
enum Fragments {
  static func eventPath(_ id: UUID) -> String { "/events/" + id.uuidString.lowercased() }
  static func personPath(_ id: UUID) -> String { "/people/" + id.uuidString.lowercased() }
  static func organiserPath(_ id: UUID) -> String { "/organisers/" + id.uuidString.lowercased() }

  /// The event's own page: its absolute URL as the store made it, or our path when that is
  /// missing or not a web address.
  static func pageLink(_ event: FeedEvent) -> String {
    HTML.isSafeURL(event.pageURL) ? event.pageURL : eventPath(event.event.id)
  }

  /// `12:00–13:00` (or with the day, `tisdag 23 juni 12:00–13:00`), each end a `<time>`.
  /// An event past midnight names the day it ends on.
  static func when(start: Date, end: Date, withDay: Bool, into out: inout HTMLWriter) {
    let from = LocalTime(start)
    let to = LocalTime(end)
    let sameDay = from.year == to.year && from.month == to.month && from.day == to.day
    out.raw("<time datetime=\"")
    out.dateTime(from)
    out.raw("\">")
    if withDay {
      out.plain(from.swedishDay)
      out.raw(" ")
    }
    out.clock(from)
    out.raw(sameDay ? "</time>–<time datetime=\"" : "</time> – <time datetime=\"")
    out.dateTime(to)
    out.raw("\">")
    if !sameDay {
      out.plain(to.swedishDay)
      out.raw(" ")
    }
    out.clock(to)
    out.raw("</time>")
  }

  /// The venue's name and, when it says more, its address; "Plats meddelas senare" without one.
  static func place(_ venue: Venue?, into out: inout HTMLWriter) {
    guard let venue else { return out.raw("Plats meddelas senare") }
    out.text(venue.name)
    if let address = venue.address, !address.isEmpty, address != venue.name {
      out.raw(", ")
      out.text(address)
    }
  }

  /// `https://www.openstreetmap.org/?mlat=…&mlon=…#map=18/…/…`, decimals with a point
  /// whatever the server's locale; nil for a coordinate that is no place on earth.
  static func mapURL(_ coordinate: Coordinate) -> String? {
    guard let lat = decimal(coordinate.latitude, limit: 90),
      let lon = decimal(coordinate.longitude, limit: 180)
    else { return nil }
    return "https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lon + "#map=18/" + lat + "/"
      + lon
  }

  /// Six decimals (a tenth of a metre), trailing zeros dropped: `57.6393`.
  static func decimal(_ value: Double, limit: Double) -> String? {
    guard value.isFinite, abs(value) <= limit else { return nil }
    let micro = Int((abs(value) * 1_000_000).rounded())
    var fraction = String(micro % 1_000_000)
    fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
    while fraction.hasSuffix("0") { fraction.removeLast() }
    let sign = value < 0 && micro != 0 ? "-" : ""
    let whole = sign + String(micro / 1_000_000)
    return fraction.isEmpty ? whole : whole + "." + fraction
  }

  /// "Namn (titel, organisation)", the name linking to the person's page, as the feeds
  /// describe a participant.
  static func participant(_ participation: Participation, into out: inout HTMLWriter) {
    let name = participation.personName.flatMap { $0.isEmpty ? nil : $0 } ?? "Okänd"
    out.link(personPath(participation.personID), name)
    let title = participation.title ?? ""
    let organisation = participation.organisation ?? ""
    guard !title.isEmpty || !organisation.isEmpty else { return }
    out.raw(" (")
    out.text(title)
    if !title.isEmpty && !organisation.isEmpty { out.raw(", ") }
    out.text(organisation)
    out.raw(")")
  }

  /// The links to subscribe to what a page shows, with a word on what each is for.
  static func subscribe(
    _ feeds: FeedLinks, heading: StaticString, id: StaticString, into out: inout HTMLWriter
  ) {
    out.raw("<section class=\"subscribe\" id=\"")
    out.raw(id)
    out.raw("\" aria-labelledby=\"")
    out.raw(id)
    out.raw("-rubrik\">\n<h2 id=\"")
    out.raw(id)
    out.raw("-rubrik\">")
    out.raw(heading)
    out.raw(
      """
      </h2>
      <p>Prenumerera på urvalet i din kalender: den uppdateras av sig själv när ett seminarium \
      flyttas, ändras eller ställs in. Webcal-länken öppnar kalenderprogrammet direkt; \
      iCalendar-länken kan klistras in i till exempel Google Kalender eller Outlook.
      """)
    if feeds.rss != nil {
      out.raw(" RSS-flödet visar ändringarna i programmet, ett inlägg per ändring.")
    }
    out.raw("</p>\n<ul class=\"feeds\">\n")
    calendarLinks(feeds, into: &out)
    if let rss = feeds.rss, HTML.isSafeURL(rss) {
      out.raw("<li>")
      out.link(rss, "RSS")
      out.raw("</li>\n")
    }
    out.raw("</ul>\n</section>\n")
  }

  /// `<li>`s linking to a calendar as webcal and as https.
  static func calendarLinks(_ feeds: FeedLinks, into out: inout HTMLWriter) {
    if HTML.isSafeURL(feeds.webcal) {
      out.raw("<li>")
      out.link(feeds.webcal, "Lägg till i kalendern (webcal)")
      out.raw("</li>\n")
    }
    if HTML.isSafeURL(feeds.calendar) {
      out.raw("<li>")
      out.link(feeds.calendar, "iCalendar-länk (https)")
      out.raw("</li>\n")
    }
  }

  /// The seminar in brief for the attendee's own pages: its title (linking to it), when
  /// and where, and a notice if it is cancelled.
  static func eventSummary(_ feedEvent: FeedEvent, into out: inout HTMLWriter) {
    let event = feedEvent.event
    out.raw("<dl class=\"facts\">\n<dt>Seminarium</dt>\n<dd>")
    out.link(pageLink(feedEvent), event.title)
    out.raw("</dd>\n<dt>När</dt>\n<dd>")
    when(start: event.startsAt, end: event.endsAt, withDay: true, into: &out)
    out.raw("</dd>\n<dt>Var</dt>\n<dd>")
    place(feedEvent.venue, into: &out)
    out.raw("</dd>\n</dl>\n")
    if event.status == .cancelled {
      out.raw(
        "<p class=\"notice cancelled\"><strong>INSTÄLLT:</strong> Seminariet är inställt.</p>\n")
    }
  }
}
