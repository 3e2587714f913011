import AlmedalenCore
import AlmedalenFeeds
import Foundation

extension Pages {
  /// `BackofficePaths.event` and `newEvent`: the event form with every field of the model.
  ///
  /// No script: the venue, person and co-organiser searches, adding a panel or a person are
  /// buttons of the same form (`intent`), which the route answers by showing the form again
  /// with what was typed and the results, saving nothing. Problems are the API's (field
  /// path and message) shown beside their fields and summarised at the top.
  public static func backofficeEventForm(
    _ model: BackofficeEventFormModel, _ context: PageContext
  ) -> [UInt8] {
    let values = model.values
    let heading = model.eventID == nil ? "Nytt evenemang" : "Redigera evenemang"
    let title = values.title.isEmpty ? heading : heading + " – " + values.title
    return Backoffice.page(title: title, frame: model.frame, context: context) { out in
      EventForm(model: model, context: context).write(into: &out)
    }
  }
}

/// One rendering of the event form.
struct EventForm {
  let model: BackofficeEventFormModel
  let context: PageContext
  let form: BackofficeForm

  init(model: BackofficeEventFormModel, context: PageContext) {
    self.model = model
    self.context = context
    var anchors: Set<String> = [
      "title", "description", "kind", "starts_at", "ends_at", "venue_id", "languages", "topics",
      "accessibility", "food_served", "capacity", "registration_open", "livestream_url",
      "panels", "participants",
    ]
    if !model.values.coOrganisers.isEmpty || !model.organiserResults.isEmpty {
      anchors.insert("co_organiser_ids")
    }
    for index in model.values.panels.indices {
      for suffix in ["", ".title", ".starts_at", ".ends_at"] {
        anchors.insert("panels[\(index)]" + suffix)
      }
    }
    for index in model.values.participants.indices {
      for suffix in ["", ".role", ".panel", ".title", ".organisation"] {
        anchors.insert("participants[\(index)]" + suffix)
      }
    }
    form = BackofficeForm(model.problems, anchors: anchors)
  }

  var isNew: Bool { model.eventID == nil }
  var action: String {
    model.eventID.map(BackofficePaths.event) ?? BackofficePaths.newEvent(model.organisation.id)
  }
  var saveLabel: String { model.status == .draft || isNew ? "Spara utkast" : "Spara ändringarna" }

  func write(into out: inout HTMLWriter) {
    Backoffice.backLink(model.organisation, into: &out)
    out.raw(isNew ? "<h1>Nytt evenemang</h1>\n" : "<h1>Redigera evenemang</h1>\n")
    out.raw("<p class=\"subtitle\">")
    out.text(model.organisation.name)
    out.raw(" · Status: ")
    out.text(BackofficeWords.status(model.status))
    out.raw("</p>\n")
    if model.status == .returned {
      out.raw(
        "<div class=\"notice bo-returned\">\n<p><strong>Programkontoret har skickat tillbaka evenemanget:</strong></p>\n<p>"
      )
      out.text(model.reviewReason.flatMap { $0.isEmpty ? nil : $0 } ?? "Ingen motivering angavs.")
      out.raw("</p>\n<p>Ändra det som behövs och skicka in det igen.</p>\n</div>\n")
    }
    if model.status == .submitted {
      out.raw(
        "<p class=\"notice\">Evenemanget väntar på programkontorets granskning. Ändrar du det nu granskas den nya versionen.</p>\n"
      )
    }
    if let overwrite = model.overwrite { self.overwrite(overwrite, into: &out) }
    if !model.warnings.isEmpty {
      out.raw(
        "<section class=\"bo-box\" aria-labelledby=\"varningar-rubrik\">\n<h2 id=\"varningar-rubrik\">Varningar</h2>\n"
      )
      Backoffice.warnings(model.warnings, into: &out)
      out.raw("</section>\n")
    }
    out.raw("<form method=\"post\" class=\"bo-form\" novalidate=\"novalidate\" action=\"")
    out.attribute(action)
    out.raw("\">\n<input type=\"hidden\" name=\"form_token\" value=\"")
    out.attribute(context.formToken)
    out.raw("\" />\n")
    if let version = model.version {
      out.raw("<input type=\"hidden\" name=\"version\" value=\"")
      out.number(version)
      out.raw("\" />\n")
    }
    form.problems.writeSummary(heading: "Evenemanget kunde inte sparas", into: &out)
    // The first button is the one Enter presses: saving, never a search.
    out.raw("<p class=\"actions bo-first\"><button type=\"submit\" name=\"intent\" value=\"save\">")
    out.text(saveLabel)
    out.raw("</button></p>\n")
    basics(into: &out)
    time(into: &out)
    venue(into: &out)
    details(into: &out)
    registration(into: &out)
    coOrganisers(into: &out)
    panels(into: &out)
    participants(into: &out)
    out.raw("<div class=\"actions\">\n<button type=\"submit\" name=\"intent\" value=\"save\">")
    out.text(saveLabel)
    out.raw("</button>\n")
    if model.canSubmit {
      out.raw(
        "<button type=\"submit\" name=\"intent\" value=\"submit\" class=\"primary\">Skicka in för granskning</button>\n"
      )
    }
    out.raw("</div>\n</form>\n")
    afterForm(into: &out)
  }

  /// "Någon annan ändrade evenemanget medan du skrev": who, when, and every field old → new.
  func overwrite(_ overwrite: BackofficeOverwrite, into out: inout HTMLWriter) {
    out.raw(
      "<section class=\"bo-overwrite\" role=\"alert\" aria-labelledby=\"andrat-rubrik\">\n<h2 id=\"andrat-rubrik\">"
    )
    out.raw(
      overwrite.saved
        ? "Du sparade över någon annans ändring" : "Någon annan har ändrat evenemanget")
    out.raw("</h2>\n<p>")
    out.text(overwrite.changedBy)
    out.raw(" ändrade evenemanget <time datetime=\"")
    out.dateTime(LocalTime(overwrite.changedAt))
    out.raw("\">")
    out.text(BackofficeWords.longMoment(overwrite.changedAt))
    out.raw("</time>, efter att du öppnade formuläret. Det här ändrades:</p>\n")
    if overwrite.changes.isEmpty {
      out.raw("<p>(Inga fält som formuläret visar.)</p>\n")
    } else {
      Backoffice.changes(overwrite.changes, into: &out)
    }
    out.raw(
      overwrite.saved
        ? "<p>Dina värden gäller nu. Kontrollera att inget av det andra behövs.</p>\n</section>\n"
        : "<p><strong>Dina ändringar är inte sparade.</strong> Formuläret visar dina värden; granska dem och spara igen för att ersätta den andra ändringen.</p>\n</section>\n"
    )
  }

  func section(_ id: StaticString, _ heading: StaticString, into out: inout HTMLWriter) {
    out.raw("<section class=\"bo-box\" aria-labelledby=\"")
    out.raw(id)
    out.raw("\">\n<h2 id=\"")
    out.raw(id)
    out.raw("\">")
    out.raw(heading)
    out.raw("</h2>\n")
  }

  func basics(into out: inout HTMLWriter) {
    let values = model.values
    section("grund-rubrik", "Om evenemanget", into: &out)
    form.input(
      "title", label: "Rubrik", type: "text", value: values.title,
      .init(required: true, maxLength: EventDetails.Limits.title), into: &out)
    form.textarea(
      "description", label: "Beskrivning", value: values.description, rows: 8,
      .init(
        maxLength: EventDetails.Limits.description,
        hint: "En tom rad börjar ett nytt stycke."), into: &out)
    form.select(
      "kind", label: "Typ",
      choices: EventKind.allCases.map { ($0.rawValue, String(describing: Swedish.kind($0))) },
      selected: values.kind.rawValue, into: &out)
    out.raw("</section>\n")
  }

  func time(into out: inout HTMLWriter) {
    let values = model.values
    section("tid-rubrik", "Tid", into: &out)
    out.raw("<p class=\"hint\">Tider i Visby (svensk sommartid).</p>\n<div class=\"bo-pair\">\n")
    form.input(
      "starts_at", label: "Startdag", type: "date", value: values.startDate,
      .init(name: "start_date", required: true), into: &out)
    form.input(
      "start_time", label: "Starttid", type: "time", value: values.startTime,
      .init(name: "start_time", required: true), into: &out)
    out.raw("</div>\n<div class=\"bo-pair\">\n")
    form.input(
      "ends_at", label: "Slutdag", type: "date", value: values.endDate,
      .init(name: "end_date", required: true), into: &out)
    form.input(
      "end_time", label: "Sluttid", type: "time", value: values.endTime,
      .init(name: "end_time", required: true), into: &out)
    out.raw("</div>\n</section>\n")
  }

  /// The chosen venue and the search results as radio buttons; the search is a button.
  func venue(into out: inout HTMLWriter) {
    let values = model.values
    section("plats-rubrik", "Plats", into: &out)
    var items: [(value: String, label: String, checked: Bool)] = []
    var seen = Set<UUID>()
    if let venue = values.venue {
      items.append((BackofficePaths.id(venue.id), Self.venueLabel(venue), true))
      seen.insert(venue.id)
    }
    for venue in model.venueResults where seen.insert(venue.id).inserted {
      items.append((BackofficePaths.id(venue.id), Self.venueLabel(venue), false))
    }
    items.append(("", "Ingen plats ännu (meddelas senare)", values.venue == nil))
    form.choices(
      "venue_id", legend: "Vald plats", name: "venue_id", radio: true, items: items,
      into: &out)
    if !model.venueQuery.isEmpty && model.venueResults.isEmpty {
      out.raw("<p role=\"status\">Ingen plats matchar «")
      out.text(model.venueQuery)
      out.raw("».</p>\n")
    }
    out.raw("<div class=\"bo-search\">\n")
    form.input(
      "venue_q", label: "Sök plats", type: "search", value: model.venueQuery,
      .init(name: "venue_q", maxLength: 200, hint: "Skriv en del av namnet eller adressen."),
      into: &out)
    out.raw(
      "<button type=\"submit\" name=\"intent\" value=\"search_venue\" class=\"secondary\">Sök plats</button>\n</div>\n</section>\n"
    )
  }

  static func venueLabel(_ venue: Venue) -> String {
    var label = venue.name
    if let address = venue.address, !address.isEmpty, address != venue.name {
      label += ", " + address
    }
    if !venue.accessibility.isEmpty {
      label +=
        " ("
        + venue.accessibility.map { String(describing: Swedish.accessibility($0)) }
        .joined(separator: ", ") + ")"
    }
    return label
  }

  func details(into out: inout HTMLWriter) {
    let values = model.values
    section("innehall-rubrik", "Språk, ämnen och tillgänglighet", into: &out)
    var codes = model.languageOptions
    for code in values.languages where !codes.contains(code) { codes.append(code) }
    form.choices(
      "languages", legend: "Språk", name: "languages",
      items: codes.map { ($0, Swedish.language($0), values.languages.contains($0)) },
      into: &out)
    form.textarea(
      "topics", label: "Ämnen", value: values.topics.joined(separator: "\n"), rows: 3,
      .init(hint: "Ett ämne per rad, högst \(EventDetails.Limits.topics)."), into: &out)
    form.choices(
      "accessibility", legend: "Tillgänglighet", name: "accessibility",
      items: Accessibility.allCases.map {
        (
          $0.rawValue, String(describing: Swedish.accessibility($0)),
          values.accessibility.contains($0)
        )
      }, into: &out)
    form.checkbox(
      "food_served", legend: "Mat och dryck", label: "Servering", checked: values.foodServed,
      into: &out)
    out.raw("</section>\n")
  }

  func registration(into out: inout HTMLWriter) {
    let values = model.values
    section("anmalan-rubrik", "Anmälan och sändning", into: &out)
    form.checkbox(
      "registration_open", legend: "Anmälan", label: "Öppen för anmälan",
      checked: values.registrationOpen, into: &out)
    form.input(
      "capacity", label: "Antal platser", type: "number", value: values.capacity,
      .init(
        minimum: FieldLimits.capacity.lowerBound, inputMode: "numeric",
        hint: "Behövs när anmälan är öppen."), into: &out)
    form.input(
      "livestream_url", label: "Direktsändning (länk)", type: "url", value: values.livestreamURL,
      .init(maxLength: 2000, autocomplete: "url", spellcheckOff: true), into: &out)
    out.raw("</section>\n")
  }

  func coOrganisers(into out: inout HTMLWriter) {
    let values = model.values
    section("medarrangorer-rubrik", "Medarrangörer", into: &out)
    out.raw(
      "<p class=\"hint\">En medarrangör syns på evenemanget först när den har godkänt det.</p>\n")
    var items: [(value: String, label: String, checked: Bool)] = values.coOrganisers.map {
      (BackofficePaths.id($0.id), $0.name, true)
    }
    let chosen = Set(values.coOrganisers.map(\.id))
    for result in model.organiserResults where !chosen.contains(result.id) {
      items.append((BackofficePaths.id(result.id), result.name, false))
    }
    if items.isEmpty {
      out.raw("<p>Inga medarrangörer.</p>\n")
    } else {
      form.choices(
        "co_organiser_ids", legend: "Medarrangörer (avmarkera för att ta bort)",
        name: "co_organiser_ids", items: items, into: &out)
    }
    out.raw("<div class=\"bo-search\">\n")
    form.input(
      "organiser_q", label: "Sök organisation", type: "search", value: model.organiserQuery,
      .init(name: "organiser_q", maxLength: 200), into: &out)
    out.raw(
      "<button type=\"submit\" name=\"intent\" value=\"search_organiser\" class=\"secondary\">Sök organisation</button>\n</div>\n</section>\n"
    )
  }

  /// Each panel as a fieldset: its title, its own times, who is in it, and "ta bort".
  func panels(into out: inout HTMLWriter) {
    let values = model.values
    section("paneler-rubrik", "Paneler", into: &out)
    form.problems.writeMessages("panels", into: &out)
    if values.panels.isEmpty {
      out.raw("<p>Inga paneler. Lägg till en om evenemanget har ett panelsamtal.</p>\n")
    }
    for (index, panel) in values.panels.enumerated() {
      let path = "panels[\(index)]"
      out.raw("<fieldset class=\"bo-panel\" id=\"")
      out.attribute(form.problems.id(path))
      out.raw("\"")
      form.problems.writeDescribedBy(path, into: &out)
      out.raw(">\n<legend>Panel ")
      out.number(index + 1)
      if !panel.title.isEmpty {
        out.raw(": ")
        out.text(panel.title)
      }
      out.raw("</legend>\n")
      form.problems.writeMessages(path, into: &out)
      form.input(
        path + ".title", label: "Panelens rubrik", type: "text", value: panel.title,
        .init(maxLength: FieldLimits.line), into: &out)
      out.raw("<div class=\"bo-pair\">\n")
      form.input(
        path + ".starts_at", label: "Börjar (klockslag)", type: "time", value: panel.startTime,
        .init(name: path + ".start_time"), into: &out)
      form.input(
        path + ".ends_at", label: "Slutar (klockslag)", type: "time", value: panel.endTime,
        .init(name: path + ".end_time"), into: &out)
      out.raw(
        "</div>\n<p class=\"hint\">Egna tider bara om panelen inte varar hela evenemanget.</p>\n")
      let members = values.participants.filter { $0.panel == index }
      if members.isEmpty {
        out.raw("<p>Ingen i panelen ännu.</p>\n")
      } else {
        out.raw("<p>I panelen: ")
        for (position, member) in members.enumerated() {
          if position > 0 { out.raw(", ") }
          out.text(member.name.isEmpty ? "Okänd" : member.name)
          out.raw(" (")
          out.text(BackofficeWords.participantRole(member.role).lowercased())
          out.raw(")")
        }
        out.raw("</p>\n")
      }
      let removeID = form.problems.id(path + ".remove")
      out.raw("<div class=\"check\"><input type=\"checkbox\" id=\"")
      out.attribute(removeID)
      out.raw("\" name=\"")
      out.attribute(path + ".remove")
      out.raw("\" value=\"on\" /><label for=\"")
      out.attribute(removeID)
      out.raw("\">Ta bort panelen när jag sparar</label></div>\n</fieldset>\n")
    }
    out.raw(
      "<p><button type=\"submit\" name=\"intent\" value=\"add_panel\" class=\"secondary\">Lägg till panel</button></p>\n</section>\n"
    )
  }

  var panelChoices: [(value: String, label: String)] {
    [("", "Hela evenemanget (ingen panel)")]
      + model.values.panels.enumerated().map { index, panel in
        (
          String(index),
          "Panel " + String(index + 1) + (panel.title.isEmpty ? "" : ": " + panel.title)
        )
      }
  }

  static let roleChoices: [(value: String, label: String)] = ParticipantRole.allCases.map {
    ($0.rawValue, BackofficeWords.participantRole($0))
  }

  /// Each participant with their role, panel, and title and organisation at this event;
  /// then the person search and a new person.
  func participants(into out: inout HTMLWriter) {
    let values = model.values
    section("medverkande-rubrik", "Medverkande", into: &out)
    form.problems.writeMessages("participants", into: &out)
    if values.participants.isEmpty {
      out.raw("<p>Inga medverkande ännu.</p>\n")
    }
    for (index, person) in values.participants.enumerated() {
      let path = "participants[\(index)]"
      out.raw("<fieldset class=\"bo-person\" id=\"")
      out.attribute(form.problems.id(path))
      out.raw("\"")
      form.problems.writeDescribedBy(path, into: &out)
      out.raw(">\n<legend>")
      out.text(person.name.isEmpty ? "Okänd person" : person.name)
      out.raw("</legend>\n")
      form.problems.writeMessages(path, into: &out)
      out.raw("<input type=\"hidden\" name=\"")
      out.attribute(path + ".person_id")
      out.raw("\" value=\"")
      out.plain(BackofficePaths.id(person.personID))
      out.raw("\" />\n<input type=\"hidden\" name=\"")
      out.attribute(path + ".name")
      out.raw("\" value=\"")
      out.attribute(person.name)
      out.raw("\" />\n<div class=\"bo-pair\">\n")
      form.select(
        path + ".role", label: "Roll", choices: Self.roleChoices, selected: person.role.rawValue,
        into: &out)
      form.select(
        path + ".panel", label: "Panel", choices: panelChoices,
        selected: person.panel.map(String.init) ?? "", into: &out)
      out.raw("</div>\n<div class=\"bo-pair\">\n")
      form.input(
        path + ".title", label: "Titel vid evenemanget", type: "text", value: person.title,
        .init(maxLength: FieldLimits.line), into: &out)
      form.input(
        path + ".organisation", label: "Organisation vid evenemanget", type: "text",
        value: person.organisation, .init(maxLength: FieldLimits.line), into: &out)
      out.raw("</div>\n")
      let removeID = form.problems.id(path + ".remove")
      out.raw("<div class=\"check\"><input type=\"checkbox\" id=\"")
      out.attribute(removeID)
      out.raw("\" name=\"")
      out.attribute(path + ".remove")
      out.raw("\" value=\"on\" /><label for=\"")
      out.attribute(removeID)
      out.raw("\">Ta bort ur programmet när jag sparar</label></div>\n</fieldset>\n")
    }
    addPerson(into: &out)
    out.raw("</section>\n")
  }

  func addPerson(into out: inout HTMLWriter) {
    out.raw("<h3>Lägg till från personregistret</h3>\n<div class=\"bo-search\">\n")
    form.input(
      "person_q", label: "Sök person", type: "search", value: model.personQuery,
      .init(name: "person_q", maxLength: 200), into: &out)
    out.raw(
      "<button type=\"submit\" name=\"intent\" value=\"search_person\" class=\"secondary\">Sök person</button>\n</div>\n"
    )
    if !model.personQuery.isEmpty && model.personResults.isEmpty {
      out.raw("<p role=\"status\">Ingen person matchar «")
      out.text(model.personQuery)
      out.raw("». Lägg till en ny person nedan.</p>\n")
    }
    if !model.personResults.isEmpty {
      form.choices(
        "add_person_id", legend: "Välj person", name: "add_person_id", radio: true,
        items: model.personResults.enumerated().map { index, person in
          var label = person.name
          let about = [person.title, person.organisation, person.party].compactMap { $0 }
            .filter { !$0.isEmpty }
          if !about.isEmpty { label += " (" + about.joined(separator: ", ") + ")" }
          return (BackofficePaths.id(person.id), label, index == 0)
        }, into: &out)
      out.raw("<div class=\"bo-pair\">\n")
      form.select(
        "add_role", label: "Roll", choices: Self.roleChoices,
        selected: ParticipantRole.panelist.rawValue, into: &out)
      form.select("add_panel", label: "Panel", choices: panelChoices, selected: "", into: &out)
      out.raw("</div>\n<div class=\"bo-pair\">\n")
      form.input(
        "add_title", label: "Titel vid evenemanget", type: "text", value: "",
        .init(maxLength: FieldLimits.line), into: &out)
      form.input(
        "add_organisation", label: "Organisation vid evenemanget", type: "text", value: "",
        .init(maxLength: FieldLimits.line), into: &out)
      out.raw(
        "</div>\n<p><button type=\"submit\" name=\"intent\" value=\"add_person\" class=\"secondary\">Lägg till vald person</button></p>\n"
      )
    }
    out.raw(
      "<h3>Ny person</h3>\n<p class=\"hint\">Finns personen inte i registret? Lägg till den här; namnet syns i programmet.</p>\n"
    )
    form.input(
      "new_person_name", label: "Namn", type: "text", value: "",
      .init(maxLength: FieldLimits.line, autocomplete: "off"), into: &out)
    out.raw("<div class=\"bo-pair\">\n")
    form.select(
      "new_role", label: "Roll för den nya personen", choices: Self.roleChoices,
      selected: ParticipantRole.panelist.rawValue, into: &out)
    form.select(
      "new_panel", label: "Panel för den nya personen", choices: panelChoices, selected: "",
      into: &out)
    out.raw("</div>\n<div class=\"bo-pair\">\n")
    form.input(
      "new_person_title", label: "Titel vid evenemanget", type: "text", value: "",
      .init(maxLength: FieldLimits.line), into: &out)
    form.input(
      "new_person_organisation", label: "Organisation vid evenemanget", type: "text", value: "",
      .init(maxLength: FieldLimits.line), into: &out)
    out.raw(
      "</div>\n<p><button type=\"submit\" name=\"intent\" value=\"new_person\" class=\"secondary\">Lägg till ny person</button></p>\n"
    )
  }

  /// Cancel (published), delete (drafts before the cut-off), and the event's other pages.
  func afterForm(into out: inout HTMLWriter) {
    guard let eventID = model.eventID else { return }
    out.raw("<ul class=\"bo-links\">\n<li><a")
    out.href(BackofficePaths.registrations(eventID))
    out.raw(">Anmälningar</a></li>\n<li><a")
    out.href(BackofficePaths.history(eventID))
    out.raw(">Historik</a></li>\n</ul>\n")
    if model.canCancel {
      section("installa-rubrik", "Ställ in", into: &out)
      out.raw(
        "<p id=\"installa-hint\">Ett inställt evenemang står kvar i programmet som INSTÄLLT, och de anmälda får besked."
      )
      if let cutoff = model.cutoffAt {
        out.raw(" Efter ")
        out.text(BackofficeWords.longMoment(cutoff))
        out.raw(" kan publicerade evenemang inte raderas, bara ställas in.")
      }
      out.raw("</p>\n")
      Backoffice.buttonForm(
        BackofficePaths.cancelEvent(eventID), label: "Ställ in", danger: true,
        describedBy: "installa-hint", context, into: &out)
      out.raw("</section>\n")
    }
    if model.canDelete {
      section("radera-rubrik", "Radera", into: &out)
      out.raw("<p id=\"radera-hint\">Utkastet tas bort för gott.")
      if let cutoff = model.cutoffAt {
        out.raw(" Det går fram till ")
        out.text(BackofficeWords.longMoment(cutoff))
        out.raw(".")
      }
      out.raw("</p>\n")
      Backoffice.buttonForm(
        BackofficePaths.deleteEvent(eventID), label: "Radera utkastet", danger: true,
        describedBy: "radera-hint", context, into: &out)
      out.raw("</section>\n")
    }
  }
}
