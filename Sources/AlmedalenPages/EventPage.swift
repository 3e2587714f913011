import AlmedalenCore
import AlmedalenFeeds

extension Pages {
  /// `/events/{id}`: one seminar in full, its seats and the sign-up form.
  public static func event(_ model: EventPageModel, _ context: PageContext) -> [UInt8] {
    let event = model.event.event
    let cancelled = event.status == .cancelled
    let title = cancelled ? "INSTÄLLT: " + event.title : event.title
    let size = 12 * 1024 + 2 * event.description.utf8.count + 300 * event.participants.count
    return Layout.page(
      title: title, feeds: model.calendar, feedName: event.title, capacity: size
    ) { out in
      EventPage.write(model, context, into: &out)
    }
  }
}

enum EventPage {
  static func write(_ model: EventPageModel, _ context: PageContext, into out: inout HTMLWriter) {
    let feedEvent = model.event
    let event = feedEvent.event
    let cancelled = event.status == .cancelled
    out.raw("<p class=\"back\"><a href=\"/\">← Hela programmet</a></p>\n")
    out.raw(
      cancelled ? "<article class=\"event cancelled\">\n<h1>" : "<article class=\"event\">\n<h1>")
    if cancelled { out.raw("<strong class=\"badge\">INSTÄLLT:</strong> ") }
    out.text(event.title)
    out.raw("</h1>\n")
    if cancelled {
      out.raw("<p class=\"notice cancelled\"><strong>Seminariet är inställt.</strong></p>\n")
    }
    facts(feedEvent, into: &out)
    description(event.description, into: &out)
    participants(event, into: &out)
    signUp(model, context, into: &out)
    out.raw(
      """
      <section class="subscribe" aria-labelledby="kalender-rubrik">
      <h2 id="kalender-rubrik">Lägg till i kalendern</h2>
      <p>Med kalenderlänken följer ändringar med: flyttas eller ställs seminariet in syns det \
      i din kalender.</p>
      <ul class="feeds">

      """)
    Fragments.calendarLinks(model.calendar, into: &out)
    out.raw("</ul>\n</section>\n</article>\n")
  }

  /// When, where, who arranges it, and what kind of seminar it is, as a definition list.
  static func facts(_ feedEvent: FeedEvent, into out: inout HTMLWriter) {
    let event = feedEvent.event
    out.raw("<dl class=\"facts\">\n<dt>När</dt>\n<dd>")
    Fragments.when(start: event.startsAt, end: event.endsAt, withDay: true, into: &out)
    out.raw("</dd>\n<dt>Var</dt>\n<dd>")
    if let venue = feedEvent.venue {
      out.text(venue.name)
      if let address = venue.address, !address.isEmpty, address != venue.name {
        out.raw("<br />")
        out.text(address)
      }
      if let coordinate = venue.coordinate, let map = Fragments.mapURL(coordinate) {
        out.raw("<br />")
        out.link(map, "Visa på karta (OpenStreetMap)")
      }
    } else {
      out.raw("Plats meddelas senare")
    }
    out.raw("</dd>\n<dt>Arrangör</dt>\n<dd>")
    out.link(Fragments.organiserPath(event.organiserID), feedEvent.organiser)
    out.raw("</dd>\n")
    let coOrganisers = feedEvent.coOrganisers
    if !coOrganisers.isEmpty {
      out.raw(coOrganisers.count == 1 ? "<dt>Medarrangör</dt>\n" : "<dt>Medarrangörer</dt>\n")
      for (index, name) in coOrganisers.enumerated() {
        out.raw("<dd>")
        // Names and ids come in the same order; without an id the name stands alone.
        if index < event.coOrganiserIDs.count {
          out.link(Fragments.organiserPath(event.coOrganiserIDs[index]), name)
        } else {
          out.text(name)
        }
        out.raw("</dd>\n")
      }
    }
    out.raw("<dt>Typ</dt>\n<dd>")
    out.raw(Swedish.kind(event.kind))
    out.raw("</dd>\n")
    if !event.languages.isEmpty {
      out.raw("<dt>Språk</dt>\n<dd>")
      for (index, code) in event.languages.enumerated() {
        if index > 0 { out.raw(", ") }
        out.text(Swedish.language(code))
      }
      out.raw("</dd>\n")
    }
    if !event.topics.isEmpty {
      out.raw("<dt>Ämnen</dt>\n<dd>")
      for (index, topic) in event.topics.enumerated() {
        if index > 0 { out.raw(", ") }
        out.text(topic)
      }
      out.raw("</dd>\n")
    }
    if !event.accessibility.isEmpty {
      out.raw("<dt>Tillgänglighet</dt>\n<dd>")
      for (index, feature) in event.accessibility.enumerated() {
        out.raw(index > 0 ? ", " : "")
        out.raw(Swedish.accessibility(feature))
      }
      out.raw("</dd>\n")
    }
    if event.foodServed {
      out.raw("<dt>Mat och dryck</dt>\n<dd>Servering</dd>\n")
    }
    if let livestream = event.livestreamURL, HTML.isSafeURL(livestream) {
      out.raw("<dt>Direktsändning</dt>\n<dd>")
      out.link(livestream, "Se seminariet direkt")
      out.raw("</dd>\n")
    }
    out.raw("</dl>\n")
  }

  /// The organiser's text: paragraphs where they left a blank line, line breaks kept.
  static func description(_ text: String, into out: inout HTMLWriter) {
    let paragraphs = paragraphs(text)
    guard !paragraphs.isEmpty else { return }
    out.raw(
      "<section class=\"description\" aria-labelledby=\"om-rubrik\">\n<h2 id=\"om-rubrik\">Om seminariet</h2>\n"
    )
    for lines in paragraphs {
      out.raw("<p>")
      for (index, line) in lines.enumerated() {
        if index > 0 { out.raw("<br />\n") }
        out.text(String(line))
      }
      out.raw("</p>\n")
    }
    out.raw("</section>\n")
  }

  /// Lines grouped into paragraphs at blank (or blank-looking) lines; CRLF and CR are line
  /// ends too.
  static func paragraphs(_ text: String) -> [[Substring]] {
    var paragraphs: [[Substring]] = []
    var current: [Substring] = []
    for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
      if line.allSatisfy(\.isWhitespace) {
        if !current.isEmpty { paragraphs.append(current) }
        current = []
      } else {
        current.append(line)
      }
    }
    if !current.isEmpty { paragraphs.append(current) }
    return paragraphs
  }

  /// Moderators, each panel with its panelists, and the speakers, as the feeds list them.
  static func participants(_ event: Event, into out: inout HTMLWriter) {
    let participants = event.participants
    guard !participants.isEmpty || event.panels.contains(where: { $0.title?.isEmpty == false })
    else { return }
    out.raw(
      "<section class=\"people\" aria-labelledby=\"medverkande-rubrik\">\n<h2 id=\"medverkande-rubrik\">Medverkande</h2>\n"
    )
    let moderators = participants.filter { $0.role == .moderator }
    if !moderators.isEmpty {
      out.raw(moderators.count == 1 ? "<h3>Moderator</h3>\n" : "<h3>Moderatorer</h3>\n")
      list(moderators, into: &out)
    }
    let panels = event.panels
    for (index, panel) in panels.enumerated() {
      let panelists = participants.filter { $0.role == .panelist && $0.panel == index }
      let title = panel.title ?? ""
      guard !panelists.isEmpty || !title.isEmpty else { continue }
      out.raw("<h3>")
      if !title.isEmpty {
        out.text(title)
      } else if panels.count > 1 {
        out.raw("Panel ")
        out.number(index + 1)
      } else {
        out.raw("Panel")
      }
      out.raw("</h3>\n")
      if let start = panel.startsAt, let end = panel.endsAt {
        out.raw("<p class=\"when\">")
        Fragments.when(start: start, end: end, withDay: false, into: &out)
        out.raw("</p>\n")
      }
      if !panelists.isEmpty { list(panelists, into: &out) }
    }
    // Panelists in no panel (or in one that no longer exists) are still on stage.
    let unplaced = participants.filter { participation in
      guard participation.role == .panelist else { return false }
      guard let panel = participation.panel else { return true }
      return !panels.indices.contains(panel)
    }
    if !unplaced.isEmpty {
      out.raw("<h3>Panel</h3>\n")
      list(unplaced, into: &out)
    }
    let speakers = participants.filter { $0.role == .speaker }
    if !speakers.isEmpty {
      out.raw("<h3>Talare</h3>\n")
      list(speakers, into: &out)
    }
    out.raw("</section>\n")
  }

  private static func list(_ people: [Participation], into out: inout HTMLWriter) {
    out.raw("<ul class=\"participants\">\n")
    for participation in people {
      out.raw("<li>")
      Fragments.participant(participation, into: &out)
      out.raw("</li>\n")
    }
    out.raw("</ul>\n")
  }

  /// How many seats are left and the sign-up form, or why one cannot sign up.
  static func signUp(_ model: EventPageModel, _ context: PageContext, into out: inout HTMLWriter) {
    let event = model.event.event
    let seats = model.seats
    out.raw(
      "<section class=\"signup\" aria-labelledby=\"anmalan-rubrik\">\n<h2 id=\"anmalan-rubrik\">Anmälan</h2>\n"
    )
    if let capacity = seats.capacity, let left = seats.left {
      out.raw("<p class=\"seats\">")
      if left > 0 {
        out.count(left)
        out.raw(left == 1 ? " plats kvar av " : " platser kvar av ")
        out.count(capacity)
      } else {
        out.raw("Fullbokat – ")
        out.count(seats.waitlisted)
        out.raw(" på väntelistan")
      }
      out.raw("</p>\n")
    }
    if model.canSignUp {
      if seats.left == 0 {
        out.raw(
          "<p>Anmäler du dig nu hamnar du på väntelistan och får en plats om någon avbokar.</p>\n")
      }
      form(model, context, into: &out)
    } else if event.status == .cancelled {
      out.raw("<p>Seminariet är inställt.</p>\n")
    } else if seats.capacity == nil && !seats.registrationOpen {
      out.raw("<p>Seminariet har ingen anmälan.</p>\n")
    } else {
      out.raw("<p>Anmälan är stängd.</p>\n")
    }
    out.raw("</section>\n")
    if model.canResendLinks {
      linksForm(model, context, into: &out)
    }
  }

  /// "Skicka mina länkar igen": mails an attendee's links again. The answer is the same
  /// whether or not the address is signed up, so the form tells nobody who is.
  static func linksForm(_ model: EventPageModel, _ context: PageContext, into out: inout HTMLWriter)
  {
    out.raw(
      """
      <section class="links" aria-labelledby="lankar-rubrik">
      <h2 id="lankar-rubrik">Skicka mina länkar igen</h2>

      """)
    if model.linksRequested {
      out.raw(
        """
        <p class="notice" role="status">Tack. Har adressen en anmälan skickar vi ett brev med \
        länkarna dit inom några minuter. Titta också bland skräpposten.</p>

        """)
    } else {
      out.raw(
        """
        <p>Har du anmält dig och tappat bort länken för att avboka eller din kalender? Skriv din \
        e-postadress, så skickar vi dem igen.</p>

        """)
    }
    out.raw("<form class=\"links-form\" method=\"post\" action=\"")
    out.attribute(Fragments.eventPath(model.event.event.id) + "/links")
    out.raw("\">\n<input type=\"hidden\" name=\"form_token\" value=\"")
    out.attribute(context.formToken)
    out.raw("\" />\n")
    out.raw(
      model.linksProblem == nil ? "<div class=\"field\">\n" : "<div class=\"field invalid\">\n")
    out.raw("<label for=\"links-email\">E-post</label>\n")
    if let problem = model.linksProblem {
      out.raw("<p class=\"problem\" id=\"links-email-problem\">")
      out.text(problem)
      out.raw("</p>\n")
    }
    out.raw(
      "<input type=\"email\" id=\"links-email\" name=\"email\" autocomplete=\"email\" maxlength=\"254\" required=\"required\" spellcheck=\"false\""
    )
    if model.linksProblem != nil {
      out.raw(" aria-invalid=\"true\" aria-describedby=\"links-email-problem\"")
    }
    out.raw(" value=\"")
    out.attribute(model.linksEmail)
    out.raw(
      "\" />\n</div>\n<button type=\"submit\">Skicka mina länkar igen</button>\n</form>\n</section>\n"
    )
  }

  /// The fields a sign-up has, in order, with the problem keys the route uses.
  private static let fields:
    [(
      key: String, id: StaticString, label: StaticString, type: StaticString,
      autocomplete: StaticString, maxLength: Int
    )] = [
      ("name", "signup-name", "Namn", "text", "name", 200),
      ("email", "signup-email", "E-post", "email", "email", 254),
    ]

  /// The sign-up form; after a refused attempt, a summary of what was wrong at its top, each
  /// problem also beside its field, and the values given filled in again.
  static func form(_ model: EventPageModel, _ context: PageContext, into out: inout HTMLWriter) {
    let action = Fragments.eventPath(model.event.event.id) + "/registrations"
    out.raw("<form class=\"signup-form\" method=\"post\" action=\"")
    out.attribute(action)
    out.raw("\">\n")
    let problems = model.problems.filter { !$0.value.isEmpty }
    if !problems.isEmpty {
      out.raw(
        """
        <div class="error-summary" role="alert" aria-labelledby="fel-rubrik">
        <h3 id="fel-rubrik">Anmälan kunde inte göras</h3>
        <ul>

        """)
      for field in fields {
        guard let problem = problems[field.key] else { continue }
        out.raw("<li><a href=\"#")
        out.raw(field.id)
        out.raw("\">")
        out.raw(field.label)
        out.raw(": ")
        out.text(problem)
        out.raw("</a></li>\n")
      }
      // Problems with no field of their own (an expired form, a full day) are only here.
      for key in problems.keys.sorted() where !fields.contains(where: { $0.key == key }) {
        out.raw("<li>")
        out.text(problems[key]!)
        out.raw("</li>\n")
      }
      out.raw("</ul>\n</div>\n")
    }
    out.raw("<input type=\"hidden\" name=\"form_token\" value=\"")
    out.attribute(context.formToken)
    out.raw("\" />\n")
    for field in fields {
      let problem = problems[field.key]
      out.raw(problem == nil ? "<div class=\"field\">\n" : "<div class=\"field invalid\">\n")
      out.raw("<label for=\"")
      out.raw(field.id)
      out.raw("\">")
      out.raw(field.label)
      out.raw("</label>\n")
      if let problem {
        out.raw("<p class=\"problem\" id=\"")
        out.raw(field.id)
        out.raw("-problem\">")
        out.text(problem)
        out.raw("</p>\n")
      }
      out.raw("<input type=\"")
      out.raw(field.type)
      out.raw("\" id=\"")
      out.raw(field.id)
      out.raw("\" name=\"")
      out.plain(field.key)
      out.raw("\" autocomplete=\"")
      out.raw(field.autocomplete)
      out.raw("\" maxlength=\"")
      out.number(field.maxLength)
      out.raw("\" required=\"required\"")
      if field.key == "email" { out.raw(" spellcheck=\"false\"") }
      if problem != nil {
        out.raw(" aria-invalid=\"true\" aria-describedby=\"")
        out.raw(field.id)
        out.raw("-problem\"")
      }
      out.raw(" value=\"")
      out.attribute(field.key == "name" ? model.name : model.email)
      out.raw("\" />\n</div>\n")
    }
    out.raw(
      """
      <p class="hint">Vi visar aldrig vem som har anmält sig. Namn och e-post används bara för \
      den här anmälan och raderas efter Almedalsveckan.</p>
      <button type="submit">Anmäl mig</button>
      </form>

      """)
  }
}
