import AlmedalenCore
import AlmedalenFeeds

extension Pages {
  /// `/people/{id}` and `/organisers/{id}`: someone's seminars by day, and their feeds.
  public static func listing(_ model: ListingPageModel, _ context: PageContext) -> [UInt8] {
    Layout.page(
      title: model.name, feeds: model.feeds, feedName: model.name,
      capacity: SeminarList.estimatedSize(model.events.count)
    ) { out in
      out.raw(
        model.kind == .person
          ? "<header class=\"listing person\">\n<h1>" : "<header class=\"listing organiser\">\n<h1>"
      )
      out.text(model.name)
      out.raw("</h1>\n")
      if let subtitle = model.subtitle, !subtitle.isEmpty {
        out.raw("<p class=\"subtitle\">")
        out.text(subtitle)
        out.raw("</p>\n")
      }
      if let website = model.website, HTML.isSafeURL(website) {
        out.raw("<p class=\"website\">Webbplats: ")
        out.link(website, website)
        out.raw("</p>\n")
      }
      out.raw("</header>\n")
      SeminarList.count(model.events.count, into: &out)
      if model.events.isEmpty {
        out.raw(
          model.kind == .person
            ? "<p class=\"empty\">Inga seminarier med den här personen.</p>\n"
            : "<p class=\"empty\">Inga seminarier från den här arrangören.</p>\n")
      } else {
        SeminarList.write(SeminarList.byDay(model.events), into: &out)
      }
      Fragments.subscribe(
        model.feeds, heading: "Prenumerera", id: "prenumerera-urval", into: &out)
    }
  }
}
