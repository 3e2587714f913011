import AlmedalenCore
import AlmedalenFeeds
import Foundation

/// The backoffice: the organisers' and the programme office's pages. Like the public
/// pages, values in and bytes out, no script, no inline style; every page is private (kept
/// out of search engines and referrers) and carries the user's menu.
extension Pages {
  /// `BackofficePaths.overview`: the organisation's events grouped by status, each with its
  /// time, venue, warnings and headcount.
  public static func backofficeOverview(_ model: BackofficeOverviewModel, _ context: PageContext)
    -> [UInt8]
  {
    Backoffice.page(
      title: "Evenemang – " + model.organisation.name, frame: model.frame, context: context
    ) { out in
      out.raw("<h1>Evenemang</h1>\n<p class=\"subtitle\">")
      out.text(model.organisation.name)
      out.raw("</p>\n<p class=\"actions\"><a class=\"button\"")
      out.href(BackofficePaths.newEvent(model.organisation.id))
      out.raw(">Nytt evenemang</a></p>\n")
      if model.items.isEmpty {
        out.raw("<p class=\"empty\">Inga evenemang ännu.</p>\n")
      }
      for status in Backoffice.statusOrder {
        let items = model.items.filter { $0.event.status == status }
          .sorted {
            ($0.event.details.startsAt, $0.event.id.uuidString) < (
              $1.event.details.startsAt, $1.event.id.uuidString
            )
          }
        guard !items.isEmpty else { continue }
        let id = "status-" + status.rawValue
        out.raw("<section class=\"bo-group\" aria-labelledby=\"")
        out.plain(id)
        out.raw("\">\n<h2 id=\"")
        out.plain(id)
        out.raw("\">")
        out.text(BackofficeWords.status(status))
        out.raw(" <span class=\"count\">(")
        out.count(items.count)
        out.raw(")</span></h2>\n<ul class=\"bo-list\">\n")
        for item in items { Backoffice.overviewItem(item, into: &out) }
        out.raw("</ul>\n</section>\n")
      }
    }
  }

  /// `BackofficePaths.registrations`: the headcount for the catering, the confirmed list,
  /// the waitlist in order, the requests not yet confirmed apart, and the CSV download.
  public static func backofficeRegistrations(
    _ model: BackofficeRegistrationsModel, _ context: PageContext
  ) -> [UInt8] {
    let event = model.event
    return Backoffice.page(
      title: "Anmälningar – " + event.details.title, frame: model.frame, context: context
    ) { out in
      Backoffice.backLink(model.organisation, into: &out)
      out.raw("<h1>Anmälningar</h1>\n")
      Backoffice.eventLine(event, into: &out)
      let count = model.headcount
      out.raw(
        "<section class=\"bo-box\" aria-labelledby=\"antal-rubrik\">\n<h2 id=\"antal-rubrik\">Antal</h2>\n<dl class=\"facts bo-counts\">\n<dt>Bekräftade platser</dt>\n<dd>"
      )
      out.count(count.confirmed)
      if let capacity = count.capacity {
        out.raw(" av ")
        out.count(capacity)
      }
      out.raw("</dd>\n<dt>På väntelistan</dt>\n<dd>")
      out.count(count.waitlisted)
      out.raw("</dd>\n<dt>Väntar på bekräftelse</dt>\n<dd>")
      out.count(count.pending)
      out.raw(
        """
        </dd>
        </dl>
        <p class="hint">Till serveringen: räkna med de bekräftade. De som väntar på \
        bekräftelse håller en plats en stund; bekräftar de inte släpps platsen.</p>
        <p><a
        """)
      out.href(BackofficePaths.registrationsCSV(event.id))
      out.raw(
        " download=\"anmalningar.csv\">Ladda ner alla anmälningar (CSV)</a></p>\n</section>\n")
      Backoffice.attendees(
        model.confirmed, heading: "Bekräftade", id: "bekraftade", ordered: false,
        empty: "Inga bekräftade anmälningar.", into: &out)
      Backoffice.attendees(
        model.waitlist, heading: "Väntelista", id: "vantelista", ordered: true,
        empty: "Ingen står på väntelistan.", into: &out)
      Backoffice.attendees(
        model.pending, heading: "Väntar på bekräftelse", id: "obekraftade", ordered: false,
        empty: "Inga obekräftade anmälningar.", into: &out)
    }
  }

  /// `BackofficePaths.history`: each change of the event, with its time, who made it (the
  /// user's name, else the token's) and the fields it changed, old → new.
  public static func backofficeHistory(_ model: BackofficeHistoryModel, _ context: PageContext)
    -> [UInt8]
  {
    let event = model.event
    return Backoffice.page(
      title: "Historik – " + event.details.title, frame: model.frame, context: context
    ) { out in
      Backoffice.backLink(model.organisation, into: &out)
      out.raw("<h1>Historik</h1>\n")
      Backoffice.eventLine(event, into: &out)
      guard !model.changes.isEmpty else {
        return out.raw("<p class=\"empty\">Inga ändringar finns sparade.</p>\n")
      }
      out.raw("<ol class=\"bo-list bo-history\">\n")
      for change in model.changes.sorted(by: { ($0.changedAt, $0.id) > ($1.changedAt, $1.id) }) {
        out.raw("<li class=\"bo-item\">\n<h2 class=\"bo-change\">")
        out.text(BackofficeWords.action(change.action))
        out.raw(" <time datetime=\"")
        out.dateTime(LocalTime(change.changedAt))
        out.raw("\">")
        out.text(BackofficeWords.longMoment(change.changedAt))
        out.raw("</time></h2>\n<p>Av ")
        Backoffice.actor(change, into: &out)
        out.raw(" · version ")
        out.number(change.version)
        out.raw("</p>\n")
        if !change.fields.isEmpty {
          Backoffice.changes(
            change.fields.map {
              BackofficeFieldChange(
                field: $0.name, old: BackofficeWords.auditValue($0.from),
                new: BackofficeWords.auditValue($0.to))
            }, into: &out)
        }
        out.raw("</li>\n")
      }
      out.raw("</ol>\n")
    }
  }
}

/// Pieces every backoffice page shares.
enum Backoffice {
  static let statusOrder: [EventStatus] = [.draft, .submitted, .returned, .published, .cancelled]

  /// A private page with the backoffice menu and any notice before `body`.
  static func page(
    title: String, frame: BackofficeFrame, context: PageContext,
    _ body: (inout HTMLWriter) -> Void
  ) -> [UInt8] {
    Layout.page(title: title, isPrivate: true, capacity: 32 * 1024) { out in
      menu(frame, context, into: &out)
      if let notice = frame.notice, !notice.isEmpty {
        out.raw("<p class=\"notice outcome\" role=\"status\">")
        out.text(notice)
        out.raw("</p>\n")
      }
      body(&out)
    }
  }

  /// The signed-in user's menu: their organisations, the office's pages, security, sign-out.
  static func menu(_ frame: BackofficeFrame, _ context: PageContext, into out: inout HTMLWriter) {
    out.raw(
      "<nav class=\"bo-nav\" aria-label=\"Arrangörsmeny\">\n<p class=\"bo-user\">Inloggad som ")
    out.text(frame.userName)
    out.raw("</p>\n<ul>\n")
    for organisation in frame.organisations {
      out.raw("<li>")
      out.link(BackofficePaths.overview(organisation.id), "Evenemang: " + organisation.name)
      out.raw("</li>\n<li>")
      out.link(BackofficePaths.organisation(organisation.id), "Organisation: " + organisation.name)
      out.raw("</li>\n")
    }
    if frame.isOffice {
      out.raw("<li>")
      out.link(BackofficePaths.reviewQueue, "Granskning")
      out.raw("</li>\n<li>")
      out.link(BackofficePaths.organisations, "Organisationer")
      out.raw("</li>\n<li>")
      out.link(BackofficePaths.users, "Användare")
      out.raw("</li>\n<li>")
      out.link(BackofficePaths.venues, "Platser")
      out.raw("</li>\n<li>")
      out.link(BackofficePaths.editions, "Upplagor")
      out.raw("</li>\n")
    }
    out.raw("<li>")
    out.link(BackofficePaths.security, "Säkerhet och inloggningar")
    out.raw("</li>\n<li>")
    postForm(BackofficePaths.signOut, className: "bo-signout", context, into: &out)
    out.raw(
      "<button type=\"submit\" class=\"link-button\">Logga ut</button>\n</form>\n</li>\n</ul>\n</nav>\n"
    )
  }

  /// `<form method="post" action="…" class="…">` with the form token.
  static func postForm(
    _ action: String, className: StaticString, _ context: PageContext, into out: inout HTMLWriter
  ) {
    out.raw("<form method=\"post\" class=\"")
    out.raw(className)
    out.raw("\" action=\"")
    out.attribute(HTML.isSafeURL(action) ? action : "/")
    out.raw("\">\n<input type=\"hidden\" name=\"form_token\" value=\"")
    out.attribute(context.formToken)
    out.raw("\" />\n")
  }

  /// A form with one button (and perhaps a hidden field), for the small actions in lists.
  static func buttonForm(
    _ action: String, label: String, danger: Bool = false, describedBy: String? = nil,
    _ context: PageContext, into out: inout HTMLWriter
  ) {
    postForm(action, className: danger ? "bo-inline danger" : "bo-inline", context, into: &out)
    out.raw("<button type=\"submit\"")
    if let describedBy {
      out.raw(" aria-describedby=\"")
      out.attribute(describedBy)
      out.raw("\"")
    }
    out.raw(">")
    out.text(label)
    out.raw("</button>\n</form>\n")
  }

  static func backLink(_ organisation: BackofficeFrame.Organisation, into out: inout HTMLWriter) {
    out.raw("<p class=\"back\"><a")
    out.href(BackofficePaths.overview(organisation.id))
    out.raw(">← Evenemang: ")
    out.text(organisation.name)
    out.raw("</a></p>\n")
  }

  /// "«Titel», tisdag 23 juni 12:00–13:00", under a page's heading.
  static func eventLine(_ event: Event, into out: inout HTMLWriter) {
    out.raw("<p class=\"subtitle\"><a")
    out.href(BackofficePaths.event(event.id))
    out.raw(">")
    out.text(event.details.title)
    out.raw("</a>, ")
    Fragments.when(
      start: event.details.startsAt, end: event.details.endsAt, withDay: true, into: &out)
    out.raw(" · ")
    out.text(BackofficeWords.status(event.status))
    out.raw("</p>\n")
  }

  /// One event in the overview.
  static func overviewItem(_ item: BackofficeOverviewModel.Item, into out: inout HTMLWriter) {
    let event = item.event
    out.raw("<li class=\"bo-item\">\n<h3><a")
    out.href(BackofficePaths.event(event.id))
    out.raw(">")
    out.text(event.details.title)
    out.raw("</a></h3>\n<dl class=\"facts bo-facts\">\n<dt>När</dt>\n<dd>")
    Fragments.when(
      start: event.details.startsAt, end: event.details.endsAt, withDay: true, into: &out)
    out.raw("</dd>\n<dt>Var</dt>\n<dd>")
    Fragments.place(item.venue, into: &out)
    out.raw("</dd>\n<dt>Anmälda</dt>\n<dd>")
    headcount(item.headcount, into: &out)
    out.raw("</dd>\n</dl>\n")
    if event.status == .returned {
      out.raw(
        "<div class=\"notice bo-returned\"><p><strong>Återsänt av programkontoret:</strong></p>\n<p>"
      )
      out.text(event.reviewReason.flatMap { $0.isEmpty ? nil : $0 } ?? "Ingen motivering angavs.")
      out.raw("</p></div>\n")
    }
    warnings(item.warnings, into: &out)
    out.raw("<ul class=\"bo-links\">\n<li><a")
    out.href(BackofficePaths.event(event.id))
    out.raw(">Redigera</a></li>\n<li><a")
    out.href(BackofficePaths.registrations(event.id))
    out.raw(">Anmälningar</a></li>\n<li><a")
    out.href(BackofficePaths.history(event.id))
    out.raw(">Historik</a></li>\n</ul>\n</li>\n")
  }

  /// "12 bekräftade av 50, 3 på väntelistan, 1 obekräftad".
  static func headcount(_ count: BackofficeHeadcount, into out: inout HTMLWriter) {
    out.count(count.confirmed)
    out.raw(count.confirmed == 1 ? " bekräftad" : " bekräftade")
    if let capacity = count.capacity {
      out.raw(" av ")
      out.count(capacity)
    }
    out.raw(", ")
    out.count(count.waitlisted)
    out.raw(" på väntelistan, ")
    out.count(count.pending)
    out.raw(count.pending == 1 ? " obekräftad" : " obekräftade")
  }

  /// The warnings of an event: each conflict's sentence and the other event.
  static func warnings(_ warnings: [BackofficeWarning], into out: inout HTMLWriter) {
    guard !warnings.isEmpty else { return }
    out.raw("<div class=\"bo-warnings\">\n<p><strong>")
    out.raw(warnings.count == 1 ? "Varning:" : "Varningar:")
    out.raw("</strong></p>\n<ul>\n")
    for warning in warnings {
      out.raw("<li>")
      Backoffice.warning(warning, into: &out)
      out.raw("</li>\n")
    }
    out.raw("</ul>\n</div>\n")
  }

  /// "Agnes Andersson hinner inte: 714 m, 16 min till fots, 10 min mellan (med «Annat»)".
  static func warning(_ warning: BackofficeWarning, into out: inout HTMLWriter) {
    out.text(warning.sentence)
    if let title = warning.otherTitle {
      out.raw(" (med ")
      if let path = warning.otherPath, HTML.isSafeURL(path) {
        out.raw("<a")
        out.href(path)
        out.raw(">")
        out.text(title)
        out.raw("</a>")
      } else {
        out.raw("«")
        out.text(title)
        out.raw("»")
      }
      out.raw(")")
    }
  }

  /// Who made a change: the user by name, else the token (or "direkt i databasen").
  static func actor(_ change: EventChange, into out: inout HTMLWriter) {
    if let name = change.userName, !name.isEmpty {
      out.text(name)
    } else if change.userID != nil {
      out.raw("en borttagen användare")
    } else if change.actor == "sql" {
      out.raw("en ändring direkt i databasen")
    } else {
      out.raw("API-nyckeln «")
      out.text(change.actor)
      out.raw("»")
    }
  }

  /// Changed fields as a list: "Börjar: 12:00 → 13:00".
  static func changes(_ changes: [BackofficeFieldChange], into out: inout HTMLWriter) {
    out.raw("<ul class=\"bo-changes\">\n")
    for change in changes {
      out.raw("<li><strong>")
      out.text(BackofficeWords.field(change.field))
      out.raw(":</strong> <del>")
      out.text(change.old)
      out.raw("</del> → <ins>")
      out.text(change.new)
      out.raw("</ins></li>\n")
    }
    out.raw("</ul>\n")
  }

  /// A section listing attendees (name, email, when they signed up).
  static func attendees(
    _ attendees: [BackofficeAttendee], heading: StaticString, id: StaticString, ordered: Bool,
    empty: StaticString, into out: inout HTMLWriter
  ) {
    out.raw("<section class=\"bo-box\" aria-labelledby=\"")
    out.raw(id)
    out.raw("-rubrik\">\n<h2 id=\"")
    out.raw(id)
    out.raw("-rubrik\">")
    out.raw(heading)
    out.raw(" <span class=\"count\">(")
    out.count(attendees.count)
    out.raw(")</span></h2>\n")
    guard !attendees.isEmpty else {
      out.raw("<p>")
      out.raw(empty)
      out.raw("</p>\n</section>\n")
      return
    }
    out.raw(ordered ? "<ol class=\"bo-people\">\n" : "<ul class=\"bo-people\">\n")
    for attendee in attendees {
      out.raw("<li>")
      if let name = attendee.name, !name.isEmpty {
        out.text(name)
      } else {
        out.raw("(namnet är raderat)")
      }
      if let email = attendee.email, !email.isEmpty {
        out.raw(" · <span class=\"secret\">")
        out.text(email)
        out.raw("</span>")
      }
      out.raw(" · <time datetime=\"")
      out.dateTime(LocalTime(attendee.signedUpAt))
      out.raw("\">")
      out.text(BackofficeWords.moment(attendee.signedUpAt))
      out.raw("</time></li>\n")
    }
    out.raw(ordered ? "</ol>\n</section>\n" : "</ul>\n</section>\n")
  }

  /// An id for a field path: `panels[1].title` → `f-panels-1-title`.
  static func fieldID(_ path: String) -> String {
    var id = "f-"
    var dash = false
    for scalar in path.unicodeScalars {
      if ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
        || ("0"..."9").contains(scalar) || scalar == "_"
      {
        id.unicodeScalars.append(scalar)
        dash = false
      } else if !dash {
        id.append("-")
        dash = true
      }
    }
    while id.hasSuffix("-") { id.removeLast() }
    return id
  }
}

/// Problems of a form placed beside their fields: each goes to the field whose path it
/// names, or to the nearest enclosing one (`panels[1].panelist_ids[0]` → `panels[1]` when
/// the form has no input of its own for it); the rest are only in the summary.
struct ProblemPlacement {
  /// Anchor path → the problems shown there, in order.
  private(set) var byAnchor: [String: [String]] = [:]
  /// Every problem in order, with its anchor (nil: no field of its own).
  private(set) var summary: [(label: String, message: String, anchor: String?)] = []

  /// Put before every id, so that one form can stand on a page more than once.
  let prefix: String

  /// The element id of the field at `path`.
  func id(_ path: String) -> String { prefix + Backoffice.fieldID(path) }

  init(_ problems: [FieldProblem], anchors: Set<String>, prefix: String = "") {
    self.prefix = prefix
    for problem in problems {
      let message = BackofficeWords.problem(problem.message)
      var path = problem.field
      var anchor: String?
      while true {
        if anchors.contains(path) {
          anchor = path
          break
        }
        guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
        path = String(path[..<cut])
      }
      if let anchor { byAnchor[anchor, default: []].append(message) }
      summary.append((BackofficeWords.field(problem.field), message, anchor))
    }
  }

  var isEmpty: Bool { summary.isEmpty }

  func messages(_ anchor: String) -> [String] { byAnchor[anchor] ?? [] }

  /// The summary at the top of the form: each problem, linking to its field.
  func writeSummary(heading: StaticString, into out: inout HTMLWriter) {
    guard !summary.isEmpty else { return }
    out.raw("<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"")
    out.attribute(prefix + "fel-rubrik")
    out.raw("\">\n<h2 id=\"")
    out.attribute(prefix + "fel-rubrik")
    out.raw("\">")
    out.raw(heading)
    out.raw("</h2>\n<ul>\n")
    for item in summary {
      out.raw("<li>")
      if let anchor = item.anchor {
        out.raw("<a href=\"#")
        out.attribute(id(anchor))
        out.raw("\">")
        out.text(item.label + ": " + item.message)
        out.raw("</a>")
      } else {
        out.text(item.label + ": " + item.message)
      }
      out.raw("</li>\n")
    }
    out.raw("</ul>\n</div>\n")
  }

  /// The problems of `anchor` as a paragraph with the id the field's aria-describedby names.
  func writeMessages(_ anchor: String, into out: inout HTMLWriter) {
    let messages = messages(anchor)
    guard !messages.isEmpty else { return }
    out.raw("<p class=\"problem\" id=\"")
    out.attribute(id(anchor) + "-problem")
    out.raw("\">")
    out.text(messages.joined(separator: " "))
    out.raw("</p>\n")
  }

  /// ` aria-invalid="true" aria-describedby="…-problem"` when `anchor` has problems, plus a
  /// hint's id when there is one.
  func writeDescribedBy(_ anchor: String, hint: String? = nil, into out: inout HTMLWriter) {
    let invalid = !messages(anchor).isEmpty
    var ids: [String] = []
    if invalid { ids.append(id(anchor) + "-problem") }
    if let hint { ids.append(hint) }
    if invalid { out.raw(" aria-invalid=\"true\"") }
    guard !ids.isEmpty else { return }
    out.raw(" aria-describedby=\"")
    out.attribute(ids.joined(separator: " "))
    out.raw("\"")
  }
}
