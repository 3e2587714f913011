import AlmedalenCore
import AlmedalenFeeds

/// Seminars by day, as the programme and the person and organiser pages list them.
enum SeminarList {
  /// Groups events by the Visby day they start on, days and events in time order.
  static func byDay(_ events: [FeedEvent]) -> [(day: LocalDay, events: [FeedEvent])] {
    let sorted = events.enumerated().sorted {
      ($0.element.event.startsAt, $0.offset) < ($1.element.event.startsAt, $1.offset)
    }
    var days: [(day: LocalDay, events: [FeedEvent])] = []
    for (_, event) in sorted {
      guard let day = Swedish.localDay(LocalTime(event.event.startsAt)) else { continue }
      if let last = days.last, last.day == day {
        days[days.count - 1].events.append(event)
      } else {
        days.append((day, [event]))
      }
    }
    return days
  }

  /// "123 seminarier", in a paragraph.
  static func count(_ count: Int, into out: inout HTMLWriter) {
    out.raw("<p class=\"count\">")
    out.count(count)
    out.raw(count == 1 ? " seminarium</p>\n" : " seminarier</p>\n")
  }

  /// A section per day with its `<h2>`, then each seminar as an `<article>` in a list.
  static func write(_ days: [(day: LocalDay, events: [FeedEvent])], into out: inout HTMLWriter) {
    for (day, events) in days {
      let id = "dag-" + day.description
      out.raw("<section class=\"day\" aria-labelledby=\"")
      out.plain(id)
      out.raw("\">\n<h2 id=\"")
      out.plain(id)
      out.raw("\">")
      out.text(Swedish.dayHeading(day))
      out.raw("</h2>\n<ul class=\"seminars\">\n")
      for event in events {
        item(event, into: &out)
      }
      out.raw("</ul>\n</section>\n")
    }
  }

  /// One seminar in brief: title and link, time, place, organisers, topics, languages other
  /// than Swedish alone, and its marks (cancelled, accessibility, food) as words.
  static func item(_ feedEvent: FeedEvent, into out: inout HTMLWriter) {
    let event = feedEvent.event
    let cancelled = event.status == .cancelled
    out.raw(
      cancelled
        ? "<li>\n<article class=\"seminar cancelled\">\n" : "<li>\n<article class=\"seminar\">\n")
    out.raw("<h3>")
    if cancelled { out.raw("<strong class=\"badge\">INSTÄLLT</strong> ") }
    out.link(Fragments.pageLink(feedEvent), event.title)
    out.raw("</h3>\n<p class=\"when\">")
    Fragments.when(start: event.startsAt, end: event.endsAt, withDay: false, into: &out)
    out.raw("</p>\n<dl class=\"facts\">\n<dt>Plats</dt>\n<dd>")
    if let venue = feedEvent.venue {
      out.text(venue.name)
    } else {
      out.raw("Plats meddelas senare")
    }
    out.raw("</dd>\n<dt>Arrangör</dt>\n<dd>")
    out.text(feedEvent.organiser)
    for name in feedEvent.coOrganisers where !name.isEmpty {
      out.raw(", ")
      out.text(name)
    }
    out.raw("</dd>\n")
    if !event.topics.isEmpty {
      out.raw("<dt>Ämnen</dt>\n<dd>")
      for (index, topic) in event.topics.enumerated() {
        if index > 0 { out.raw(", ") }
        out.text(topic)
      }
      out.raw("</dd>\n")
    }
    if event.languages != ["sv"] && !event.languages.isEmpty {
      out.raw("<dt>Språk</dt>\n<dd>")
      for (index, code) in event.languages.enumerated() {
        if index > 0 { out.raw(", ") }
        out.text(Swedish.language(code))
      }
      out.raw("</dd>\n")
    }
    out.raw("</dl>\n")
    if !event.accessibility.isEmpty || event.foodServed {
      out.raw("<ul class=\"marks\">\n")
      for feature in event.accessibility {
        out.raw("<li class=\"access\">")
        out.raw(Swedish.accessibility(feature))
        out.raw("</li>\n")
      }
      if event.foodServed { out.raw("<li class=\"food\">Servering</li>\n") }
      out.raw("</ul>\n")
    }
    out.raw("</article>\n</li>\n")
  }

  /// Room for a page of `count` seminars without growing the buffer.
  static func estimatedSize(_ count: Int) -> Int { 8 * 1024 + count * 1400 }
}
