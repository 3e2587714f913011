import AlmedalenCore
import AlmedalenFeeds
import AlmedalenTesting
import Foundation
import Testing

@testable import AlmedalenPages

/// What every backoffice page promises (a private, well-formed Swedish document, headings
/// in order, every field labelled, every problem tied to its field, every POST form with its
/// token, no script), and what each page shows.
@Suite struct BackofficePageTests {
  static let pages = BackofficeFixtures.allPages()
  static func page(_ name: String) throws -> ParsedElement {
    try XMLTree.document(try #require(pages.first { $0.name == name }).bytes)
  }

  @Test(arguments: pages.map(\.name))
  func everyPageIsAPrivateWellFormedSwedishDocument(page name: String) throws {
    let bytes = try #require(Self.pages.first { $0.name == name }).bytes
    #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("<!DOCTYPE html>\n"))
    let root = try XMLTree.document(bytes)
    #expect(root["lang"] == "sv")
    let head = try #require(root.first("head"))
    #expect(
      head.all("meta").contains { $0["name"] == "robots" && $0["content"] == "noindex, nofollow" })
    #expect(
      head.all("meta").contains { $0["name"] == "referrer" && $0["content"] == "no-referrer" })
    #expect(head.first("title")?.text.hasSuffix(" – Almedalsveckan") == true)
    #expect(root.all("main").count == 1)
    #expect(root.first("body")?.children.first?["href"] == "#innehall")
    let menu = try #require(root.all("nav").first { $0["aria-label"] == "Arrangörsmeny" })
    #expect(menu.all("form").contains { $0["action"] == BackofficePaths.signOut })
  }

  @Test(arguments: pages.map(\.name))
  func headingsGoInOrderFromOneH1(page name: String) throws {
    let root = try Self.page(name)
    #expect(root.all("h1").count == 1, "\(name)")
    var level = 1
    var seenH1 = false
    for heading in root.all where heading.name.count == 2 && heading.name.hasPrefix("h") {
      guard let next = Int(heading.name.dropFirst()) else { continue }
      if next == 1 { seenH1 = true }
      #expect(seenH1, "\(heading.name) before the h1")
      #expect(next <= level + 1, "\(name): \(heading.name) \(heading.text) after h\(level)")
      level = next
    }
  }

  @Test(arguments: pages.map(\.name))
  func everyFieldIsLabelledAndEveryReferenceResolves(page name: String) throws {
    let root = try Self.page(name)
    let ids = root.all.compactMap { $0["id"] }
    #expect(
      Set(ids).count == ids.count,
      "\(name): duplicate ids \(ids.filter { id in ids.filter { $0 == id }.count > 1 })")
    for label in root.all("label") {
      let target = try #require(label["for"].flatMap(root.element(id:)), "\(name): \(label.text)")
      #expect(["input", "select", "textarea"].contains(target.name))
    }
    let labelled = Set(root.all("label").compactMap { $0["for"] })
    let fields = root.all.filter {
      ($0.name == "input" && $0["type"] != "hidden") || $0.name == "select" || $0.name == "textarea"
    }
    for field in fields {
      #expect(
        labelled.contains(field["id"] ?? "-"), "\(name): \(field["name"] ?? "?") has no label")
      #expect(field["name"]?.isEmpty == false, "\(name): a field without a name")
    }
    for field in fields where ["checkbox", "radio"].contains(field["type"]) {
      let fieldsets = root.all("fieldset").filter { $0.all.contains { $0 === field } }
      #expect(!fieldsets.isEmpty, "\(name): \(field["name"] ?? "?") outside a fieldset")
    }
    for element in root.all {
      for id in (element["aria-describedby"] ?? "").split(separator: " ") {
        #expect(root.element(id: String(id)) != nil, "\(name): aria-describedby \(id)")
      }
      if let href = element["href"], href.hasPrefix("#") {
        #expect(root.element(id: String(href.dropFirst())) != nil, "\(name): link to \(href)")
      }
    }
    for form in root.all("form") {
      #expect(form["method"] == "post", "\(name): a form that is not POST")
      let token = form.all("input").filter { $0["name"] == "form_token" }
      #expect(token.count == 1 && token.first?["type"] == "hidden")
      #expect(token.first?["value"] == Fixtures.context.formToken)
      #expect(form["action"]?.hasPrefix("/") == true)
      #expect(!form.all("button").isEmpty, "\(name): a form with no button")
    }
  }

  @Test(arguments: pages.map(\.name))
  func noPageHasScriptsOrInlineStyles(page name: String) throws {
    for element in try Self.page(name).all {
      #expect(!["script", "style", "iframe", "object", "embed"].contains(element.name))
      #expect(element["style"] == nil)
      #expect(!element.attributes.keys.contains { $0.lowercased().hasPrefix("on") })
    }
  }

  // MARK: The overview

  @Test func overviewGroupsEventsByStatusInTheOrderOfTheirLife() throws {
    let root = try Self.page("overview")
    let groups = root.all("h2").map(\.squashedText)
    #expect(
      groups == [
        "Utkast (1)", "Inskickat (1)", "Återsänt (1)", "Publicerat (1)", "Inställt (1)",
      ])
    let returned = try #require(root.classed("bo-returned").first)
    #expect(returned.squashedText.contains("Återsänt av programkontoret"))
    #expect(returned.squashedText.contains("Almedalsveckan 2026"))
    let draft = try #require(root.classed("bo-group").first)
    #expect(draft.squashedText.contains("12 bekräftade av 50, 1 på väntelistan, 1 obekräftad"))
    #expect(root.all("a").contains { $0["href"] == BackofficePaths.newEvent(Fixtures.organiserID) })
    // The published one has no venue yet.
    #expect(root.squashedText.contains("Plats meddelas senare"))
  }

  @Test func walkingWarningUsesTheFiguresTheConflictFinderComputed() throws {
    let (walk, first, second) = BackofficeFixtures.walkingConflict("Vård")
    let metres = try #require(walk.distanceMetres)
    let seconds = try #require(walk.walkingTime)
    let gap = try #require(walk.gap)
    let expected =
      "Agnes Andersson hinner inte: \(Int(metres.rounded())) m, "
      + "\(Int((seconds / 60).rounded(.up))) min till fots, \(Int(gap / 60)) min mellan"
    let warning = BackofficeWarning(
      walk, event: first, other: second,
      venues: [
        Fixtures.donners.id: Fixtures.donners,
        BackofficeFixtures.ostercentrum.id: BackofficeFixtures.ostercentrum,
      ])
    #expect(warning.sentence == expected)
    #expect(warning.otherTitle == "Nästa seminarium")
    // The minutes agree with the API's English summary of the same conflict.
    #expect(walk.summary.contains("has \(Int(gap / 60)) min between"))
    #expect(walk.summary.contains("needs \(Int((seconds / 60).rounded(.up))) min on foot"))
    let root = try Self.page("overview")
    let warnings = try #require(root.classed("bo-warnings").first)
    #expect(warnings.squashedText.contains(expected + " (med Nästa seminarium)"))
    #expect(warnings.all("a").first?["href"] == BackofficePaths.event(second.id))
  }

  @Test func conflictSentenceReadsAsTheIssueWritesIt() {
    let conflict = Conflict(
      kind: .personCannotWalk, firstEventID: Fixtures.uuid(1), secondEventID: Fixtures.uuid(2),
      distanceMetres: 714.4, walkingTime: 15 * 60 + 20, gap: 10 * 60 + 59, summary: "")
    #expect(
      conflict.swedish(who: "Agnes Andersson", venueName: nil)
        == "Agnes Andersson hinner inte: 714 m, 16 min till fots, 10 min mellan")
    var venue = conflict
    venue.kind = .venueDoubleBooked
    #expect(
      venue.swedish(who: nil, venueName: "Donners plats")
        == "Donners plats har två evenemang samtidigt")
  }

  // MARK: The event form

  @Test func eventFormHasEveryFieldOfTheModel() throws {
    let root = try Self.page("event-form")
    let form = try #require(root.all("form").first { $0["class"] == "bo-form" })
    #expect(form["action"] == BackofficePaths.event(Fixtures.uuid(1)))
    let names = Set(form.all.compactMap { $0["name"] })
    for name in [
      "form_token", "version", "title", "description", "kind", "start_date", "start_time",
      "end_date", "end_time", "venue_id", "venue_q", "languages", "topics", "accessibility",
      "food_served", "registration_open", "capacity", "livestream_url", "co_organiser_ids",
      "organiser_q", "panels[0].title", "panels[0].start_time", "panels[0].end_time",
      "panels[1].remove", "participants[0].person_id", "participants[0].role",
      "participants[0].panel", "participants[0].title", "participants[0].organisation",
      "participants[2].remove", "person_q", "add_person_id", "add_role", "add_panel",
      "add_title", "add_organisation", "new_person_name", "new_role", "new_panel",
      "new_person_title", "new_person_organisation", "intent",
    ] {
      #expect(names.contains(name), "no field \(name)")
    }
    #expect(form.all("input").first { $0["name"] == "version" }?["value"] == "7")
    #expect(form.all("input").first { $0["name"] == "start_date" }?["value"] == "2026-06-23")
    #expect(form.all("input").first { $0["name"] == "start_time" }?["value"] == "12:00")
    #expect(form.all("input").first { $0["name"] == "start_date" }?["type"] == "date")
    // The venue: the chosen one checked, the results, and "none".
    let venues = form.all("input").filter { $0["name"] == "venue_id" }
    #expect(venues.count == 4)
    #expect(venues.first?["checked"] == "checked")
    #expect(venues.first?["value"] == Fixtures.donners.id.uuidString.lowercased())
    #expect(venues.last?["value"] == "")
    // Moderator at the event, panelist in panel 1, title at this event.
    let role = try #require(form.all("select").first { $0["name"] == "participants[0].role" })
    #expect(role.all("option").first { $0["selected"] == "selected" }?["value"] == "moderator")
    let panel = try #require(form.all("select").first { $0["name"] == "participants[1].panel" })
    #expect(panel.all("option").first { $0["selected"] == "selected" }?["value"] == "0")
    let titleLabel = try #require(root.element(id: "f-participants-0-title"))
    #expect(
      root.all("label").first { $0["for"] == titleLabel["id"] }?.text == "Titel vid evenemanget")
    // The first button (Enter) saves; submit is there.
    let buttons = form.all("button")
    #expect(buttons.first?["value"] == "save")
    #expect(buttons.contains { $0["value"] == "submit" && $0.text == "Skicka in för granskning" })
    for intent in [
      "search_venue", "search_person", "add_person", "new_person", "add_panel", "search_organiser",
    ] {
      #expect(buttons.contains { $0["value"] == intent }, "no \(intent) button")
    }
  }

  @Test func problemsStandBesideTheirFieldsAndInTheSummary() throws {
    let root = try Self.page("event-form")
    let summary = try #require(root.classed("error-summary").first)
    #expect(summary["role"] == "alert")
    let links = summary.all("a").map { ($0["href"] ?? "", $0.squashedText) }
    #expect(links.contains { $0 == ("#f-title", "Rubrik: Får inte vara tomt.") })
    #expect(links.contains { $0 == ("#f-ends_at", "Slutar: Måste vara efter starttiden.") })
    // A path the form has no input for goes to its panel.
    #expect(links.contains { $0.0 == "#f-panels-1" && $0.1.hasPrefix("Panel 2: paneldeltagare 1") })
    #expect(
      links.contains {
        $0.0 == "#f-participants-2-title"
          && $0.1 == "Medverkande 3: titel vid evenemanget: Högst 300 tecken."
      })
    #expect(links.contains { $0.0 == "#f-topics" })
    // A field of no input at all is only in the summary, as text.
    #expect(
      summary.all("li").contains {
        $0.squashedText.hasPrefix("no_such_field:") && $0.all("a").isEmpty
      })

    let title = try #require(root.element(id: "f-title"))
    #expect(title["aria-invalid"] == "true")
    #expect(
      root.element(id: try #require(title["aria-describedby"]))?.text == "Får inte vara tomt.")
    let panel = try #require(root.element(id: "f-panels-1"))
    #expect(panel.name == "fieldset")
    #expect(panel["aria-describedby"] == "f-panels-1-problem")
    #expect(panel.first("p")?["class"] == "problem")
    let description = try #require(root.element(id: "f-description"))
    #expect(description["aria-invalid"] == nil)
    #expect(description["aria-describedby"] == "f-description-hint")
  }

  @Test func aFormSavedOverAnotherChangeSaysWhoChangedWhat() throws {
    let root = try Self.page("event-form")
    let notice = try #require(root.classed("bo-overwrite").first)
    #expect(notice["role"] == "alert")
    #expect(notice.first("h2")?.text == "Någon annan har ändrat evenemanget")
    let items = notice.all("li").map(\.squashedText)
    #expect(items.contains("Börjar: 12:00 → Almedalsveckan 2026"))
    #expect(items.contains("Rubrik: Almedalsveckan 2026 → Ny rubrik"))
    #expect(notice.squashedText.contains("Dina ändringar är inte sparade."))
  }

  @Test func cancelAndDeleteAreOfferedOnlyWhenAllowed() throws {
    let root = try Self.page("event-form")
    let actions = root.all("form").compactMap { $0["action"] }
    let id = Fixtures.uuid(1)
    #expect(actions.contains(BackofficePaths.cancelEvent(id)))
    #expect(actions.contains(BackofficePaths.deleteEvent(id)))
    #expect(root.all("button").contains { $0.text == "Ställ in" })

    var model = BackofficeFixtures.eventForm("Vård", problems: [])
    model.canCancel = false
    model.canDelete = false
    model.canSubmit = false
    model.overwrite = nil
    let plain = try XMLTree.document(Pages.backofficeEventForm(model, Fixtures.context))
    let plainActions = plain.all("form").compactMap { $0["action"] }
    #expect(!plainActions.contains(BackofficePaths.cancelEvent(id)))
    #expect(!plainActions.contains(BackofficePaths.deleteEvent(id)))
    #expect(!plain.all("button").contains { $0["value"] == "submit" })
    #expect(plain.classed("error-summary").isEmpty)
    #expect(plain.all.allSatisfy { $0["aria-invalid"] == nil })
  }

  @Test func aNewEventFormPostsToTheOrganisationAndHasNoVersion() throws {
    let root = try Self.page("event-form-new")
    let form = try #require(root.all("form").first { $0["class"] == "bo-form" })
    #expect(form["action"] == BackofficePaths.newEvent(Fixtures.organiserID))
    #expect(!form.all("input").contains { $0["name"] == "version" })
    #expect(root.first("h1")?.text == "Nytt evenemang")
    #expect(form.all("button").first?.text == "Spara utkast")
    // Swedish is the language unless chosen otherwise.
    #expect(
      form.all("input").first { $0["name"] == "languages" && $0["value"] == "sv" }?["checked"]
        == "checked")
  }

  // MARK: Registrations and history

  @Test func registrationsShowCateringCountsWaitlistInOrderAndPendingApart() throws {
    let root = try Self.page("registrations")
    let counts = try #require(root.classed("bo-counts").first)
    #expect(counts.all("dd").map(\.squashedText) == ["2 av 2", "3", "1"])
    let waitlist = try #require(root.all("ol").first { $0["class"] == "bo-people" })
    #expect(
      waitlist.all("li").map { $0.text.components(separatedBy: " · ").first ?? "" } == [
        "Första i kön", "Andra i kön", "Almedalsveckan 2026",
      ])
    let sections = root.all("section").map { $0.first("h2")?.squashedText ?? "" }
    #expect(sections.contains("Väntar på bekräftelse (1)"))
    #expect(root.squashedText.contains("(namnet är raderat)"))
    let csv = try #require(
      root.all("a").first { $0["href"] == BackofficePaths.registrationsCSV(Fixtures.uuid(1)) })
    #expect(csv["download"] != nil)
  }

  @Test func historyNamesUsersRatherThanTokensAndShowsWhatChanged() throws {
    let root = try Self.page("history")
    let items = root.classed("bo-history").first?.children("li") ?? []
    #expect(items.count == 3)
    // Newest first.
    #expect(items.first?.first("h2")?.squashedText.hasPrefix("Publicerat") == true)
    #expect(items[1].squashedText.contains("Av Almedalsveckan 2026 · version 2"))
    #expect(!items[1].squashedText.contains("session"))
    #expect(
      items[1].descendants("li").map(\.squashedText) == [
        "Rubrik: Gammal rubrik → Almedalsveckan 2026", "Antal platser: (tomt) → 50",
      ])
    #expect(items[2].squashedText.contains("Av API-nyckeln «regiongotland-webb»"))
  }

  // MARK: The organisation

  @Test func organisationShowsANewTokenOnceAndOffersOwnersTheirForms() throws {
    let root = try Self.page("organisation")
    let secret = try #require(root.classed("bo-secret").first)
    #expect(secret.squashedText.contains("visas bara den här gången"))
    #expect(secret.classed("secret").first?.text == "alm_Almedalsveckan 2026")
    let actions = root.all("form").compactMap { $0["action"] }
    let org = Fixtures.organiserID
    #expect(actions.contains(BackofficePaths.invite(org)))
    #expect(actions.contains(BackofficePaths.createToken(org)))
    #expect(actions.contains(BackofficePaths.revokeToken(org, Fixtures.uuid(4, group: "5006"))))
    #expect(!actions.contains(BackofficePaths.revokeToken(org, Fixtures.uuid(6, group: "5006"))))
    #expect(actions.contains(BackofficePaths.removeMember(org, Fixtures.uuid(2, group: "5006"))))
    // Not oneself.
    #expect(!actions.contains(BackofficePaths.removeMember(org, Fixtures.uuid(1, group: "5006"))))
    #expect(
      actions.contains(BackofficePaths.resendInvitation(org, Fixtures.uuid(3, group: "5006"))))
    #expect(
      actions.contains(BackofficePaths.revokeInvitation(org, Fixtures.uuid(3, group: "5006"))))
    #expect(root.squashedText.contains("aldrig använd"))
    #expect(!root.squashedText.contains("Återkallad"))
    let role = try #require(root.all("select").first { $0["name"] == "role" })
    #expect(role.all("option").map(\.text) == ["Ägare", "Redaktör"])
    #expect(root.element(id: "f-email")?["aria-invalid"] == "true")

    let editor = try Self.page("organisation-editor")
    #expect(editor.all("form").count == 1)  // only sign-out
    #expect(editor.classed("bo-secret").isEmpty)
  }

  // MARK: The office

  @Test func reviewQueueIsOldestFirstWithClashesAndARequiredReason() throws {
    let root = try Self.page("review")
    let items = try #require(root.first("ol")).children("li")
    #expect(
      items.map { $0.first("h2")?.text ?? "" } == ["Almedalsveckan 2026", "Senare inskickat"])
    let first = items[0]
    #expect(first.classed("bo-clash").first?.squashedText.contains("Kan inte publiceras") == true)
    #expect(first.squashedText.contains("Agnes Andersson hinner inte:"))
    let reason = try #require(first.all("textarea").first { $0["name"] == "reason" })
    #expect(reason["required"] == "required")
    #expect(reason["aria-invalid"] == "true")
    #expect(reason.text.trimmingCharacters(in: .newlines) == "Almedalsveckan 2026")
    let actions = first.all("form").compactMap { $0["action"] }
    #expect(
      actions == [
        BackofficePaths.approve(Fixtures.uuid(2)), BackofficePaths.returnEvent(Fixtures.uuid(2)),
      ])
    #expect(first.all("button").map(\.text) == ["Godkänn och publicera", "Skicka tillbaka"])
  }

  @Test func officeListsShowWhatTheOfficeManages() throws {
    let venues = try Self.page("venues")
    #expect(venues.squashedText.contains("57.6393"))
    #expect(venues.squashedText.contains("Saknas: ger inga gångtidsvarningar"))
    #expect(venues.squashedText.contains("Hörslinga"))
    let form = try #require(
      venues.all("form").first { $0["action"] == BackofficePaths.venue(Fixtures.donners.id) })
    #expect(form.all("input").first { $0["name"] == "version" } != nil)
    #expect(venues.element(id: "f-latitude")?["aria-invalid"] == "true")
    let editions = try Self.page("editions")
    #expect(editions.all("h2").map(\.text) == ["Almedalsveckan 2027", "Almedalsveckan 2026"])
    #expect(editions.squashedText.contains("ingen satt"))
    let cutoff = editions.all("input").filter { $0["name"] == "cutoff_date" }.map {
      $0["value"] ?? ""
    }
    #expect(cutoff == ["", "2026-06-02"])
    let users = try Self.page("users")
    #expect(users.squashedText.contains("Programkontoret"))
    #expect(users.squashedText.contains("Redaktör, Almedalsveckan 2026"))
    #expect(users.all("button").map(\.text).contains("Aktivera igen"))
    let organisations = try Self.page("organisations")
    #expect(organisations.all("a").contains { $0["href"] == "https://vardforbundet.se" })
    #expect(organisations.squashedText.contains("1 medlem · 4 evenemang"))
  }

  // MARK: Words

  @Test func fieldPathsAndRuleMessagesReadInSwedish() {
    #expect(BackofficeWords.field("panels[1].panelist_ids[0]") == "Panel 2: paneldeltagare 1")
    #expect(
      BackofficeWords.field("participants[0].title") == "Medverkande 1: titel vid evenemanget")
    #expect(BackofficeWords.field("starts_at") == "Börjar")
    #expect(BackofficeWords.field("odd[x]") == "odd[x]")
    #expect(BackofficeWords.problem("must be at most 300 characters") == "Högst 300 tecken.")
    #expect(
      BackofficeWords.problem("is required when registration is open")
        == "Behövs när anmälan är öppen.")
    #expect(BackofficeWords.problem("something new") == "something new")
    #expect(BackofficeWords.auditValue("\"a \\\"b\\\"\"") == "a \"b\"")
    #expect(BackofficeWords.auditValue(nil) == "(tomt)")
    #expect(BackofficeWords.auditValue("12") == "12")
  }

  /// Writes every page to `.build/backoffice-pages/` with the stylesheet, for axe-core in a
  /// browser (Tests/python/test_backoffice_axe.py serves the folder).
  @Test func everyPageIsWrittenForTheBrowserChecks() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let folder = root.appendingPathComponent(".build/backoffice-pages")
    let statics = folder.appendingPathComponent("static")
    try FileManager.default.createDirectory(at: statics, withIntermediateDirectories: true)
    try Data(Pages.stylesheet).write(to: statics.appendingPathComponent("site.css"))
    var written: [String] = []
    for (name, bytes) in Self.pages
      + BackofficeHostileTests.pages.map({ ("hostile-" + $0.name, $0.bytes) })
    {
      try Data(bytes).write(to: folder.appendingPathComponent(name + ".html"))
      written.append(name)
    }
    #expect(written.count == 2 * Self.pages.count)
    #expect(
      FileManager.default.fileExists(atPath: folder.appendingPathComponent("event-form.html").path))
  }
}
