import AlmedalenCore
import AlmedalenFeeds

extension Pages {
  /// `/`: the filter form, the subscription links and the chosen seminars by day.
  public static func programme(_ model: ProgrammePageModel, _ context: PageContext) -> [UInt8] {
    let total = model.days.reduce(0) { $0 + $1.events.count }
    return Layout.page(
      title: model.title, feeds: model.feeds, feedName: model.title,
      capacity: SeminarList.estimatedSize(total) + filterSize(model.filters)
    ) { out in
      out.raw("<h1>")
      out.text(model.title)
      out.raw("</h1>\n")
      SeminarList.count(total, into: &out)
      ProgrammePage.filterForm(model.filters, into: &out)
      Fragments.subscribe(model.feeds, heading: "Prenumerera", id: "prenumerera", into: &out)
      if total == 0 {
        out.raw("<p class=\"empty\">Inga seminarier matchar urvalet.</p>\n")
      } else {
        SeminarList.write(model.days, into: &out)
      }
    }
  }

  private static func filterSize(_ filters: ProgrammeFilters) -> Int {
    let options =
      filters.days.count + filters.topics.count + filters.organisers.count
      + filters.venues.count + filters.languages.count + filters.features.count
    return 4096 + options * 120
  }
}

/// The programme's filter form: a GET to `/`, so every selection is a link one can share.
enum ProgrammePage {
  static func filterForm(_ filters: ProgrammeFilters, into out: inout HTMLWriter) {
    out.raw(
      """
      <form class="filters" method="get" action="/" role="search" aria-label="Filtrera programmet">
      <div class="fields">

      """)
    select(
      "day", label: "Dag", all: "Alla dagar", filters.days, chosen: filters.day, into: &out)
    select(
      "topic", label: "Ämne", all: "Alla ämnen", filters.topics, chosen: filters.topic,
      into: &out)
    select(
      "organiser", label: "Arrangör", all: "Alla arrangörer", filters.organisers,
      chosen: filters.organiser, into: &out)
    select(
      "venue", label: "Plats", all: "Alla platser", filters.venues, chosen: filters.venue,
      into: &out)
    select(
      "language", label: "Språk", all: "Alla språk", filters.languages,
      chosen: filters.language, into: &out)
    out.raw(
      """
      <div class="field">
      <label for="filter-q">Sök</label>
      <input type="search" id="filter-q" name="q" value="
      """)
    out.attribute(filters.text ?? "")
    out.raw("\" />\n</div>\n</div>\n")
    accessibility(filters, into: &out)
    out.raw(
      """
      <div class="actions">
      <button type="submit">Visa</button>
      <a class="reset" href="/">Rensa</a>
      </div>
      </form>

      """)
  }

  /// A labelled `<select>` whose first option (empty value) means "no filter". A chosen value
  /// missing from the options is kept as an option of its own, so that submitting the form
  /// again does not silently widen the selection.
  static func select(
    _ name: StaticString, label: StaticString, all: StaticString, _ options: [FilterOption],
    chosen: String?, into out: inout HTMLWriter
  ) {
    let chosen = chosen.flatMap { $0.isEmpty ? nil : $0 }
    out.raw("<div class=\"field\">\n<label for=\"filter-")
    out.raw(name)
    out.raw("\">")
    out.raw(label)
    out.raw("</label>\n<select id=\"filter-")
    out.raw(name)
    out.raw("\" name=\"")
    out.raw(name)
    out.raw("\">\n<option value=\"\">")
    out.raw(all)
    out.raw("</option>\n")
    var found = false
    for option in options {
      let selected = option.value == chosen
      found = found || selected
      self.option(option.value, option.label, selected: selected, into: &out)
    }
    if let chosen, !found {
      option(chosen, chosen, selected: true, into: &out)
    }
    out.raw("</select>\n</div>\n")
  }

  private static func option(
    _ value: String, _ label: String, selected: Bool, into out: inout HTMLWriter
  ) {
    out.raw("<option value=\"")
    out.attribute(value)
    out.raw(selected ? "\" selected=\"selected\">" : "\">")
    out.text(label)
    out.raw("</option>\n")
  }

  /// The accessibility features as checkboxes in a fieldset: an event must have all chosen.
  static func accessibility(_ filters: ProgrammeFilters, into out: inout HTMLWriter) {
    var features = filters.features
    for value in filters.accessibility
    where !value.isEmpty && !features.contains(where: { $0.value == value }) {
      features.append(FilterOption(value: value, label: value))
    }
    guard !features.isEmpty else { return }
    out.raw("<fieldset class=\"checks\">\n<legend>Tillgänglighet</legend>\n")
    for (index, feature) in features.enumerated() {
      out.raw("<div class=\"check\">\n<input type=\"checkbox\" id=\"filter-accessibility-")
      out.number(index)
      out.raw("\" name=\"accessibility\" value=\"")
      out.attribute(feature.value)
      out.raw(
        filters.accessibility.contains(feature.value) ? "\" checked=\"checked\" />\n" : "\" />\n")
      out.raw("<label for=\"filter-accessibility-")
      out.number(index)
      out.raw("\">")
      out.text(feature.label)
      out.raw("</label>\n</div>\n")
    }
    out.raw("</fieldset>\n")
  }
}
