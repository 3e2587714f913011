import AlmedalenCore
import AlmedalenFeeds
import Foundation

extension Pages {
  /// `BackofficePaths.reviewQueue`: submitted events, oldest submission first, each with
  /// its organiser, time, venue and conflicts; approve (publish) or return with a reason.
  public static func backofficeReview(_ model: BackofficeReviewModel, _ context: PageContext)
    -> [UInt8]
  {
    Backoffice.page(title: "Granskning", frame: model.frame, context: context) { out in
      out.raw(
        "<h1>Granskning</h1>\n<p class=\"subtitle\">Inskickade evenemang, det som väntat längst först.</p>\n"
      )
      let items = model.items.sorted {
        ($0.event.submittedAt ?? .distantPast, $0.event.id.uuidString)
          < ($1.event.submittedAt ?? .distantPast, $1.event.id.uuidString)
      }
      guard !items.isEmpty else {
        return out.raw("<p class=\"empty\">Inget väntar på granskning.</p>\n")
      }
      out.raw("<ol class=\"bo-list\">\n")
      for (index, item) in items.enumerated() {
        OfficePages.reviewItem(item, index: index, context, into: &out)
      }
      out.raw("</ol>\n")
    }
  }

  /// `BackofficePaths.organisations`: every organisation, and the form that adds one and
  /// invites its first user.
  public static func backofficeOrganisations(
    _ model: BackofficeOrganisationsModel, _ context: PageContext
  ) -> [UInt8] {
    Backoffice.page(title: "Organisationer", frame: model.frame, context: context) { out in
      out.raw("<h1>Organisationer</h1>\n")
      let form = BackofficeForm(model.problems, anchors: ["organisation_name", "name", "email"])
      out.raw(
        "<section class=\"bo-box\" aria-labelledby=\"ny-org-rubrik\">\n<h2 id=\"ny-org-rubrik\">Ny organisation</h2>\n<p>Lägg till organisationen och bjud in dess första användare, som blir ägare.</p>\n"
      )
      Backoffice.postForm(
        BackofficePaths.organisations, className: "bo-form", context, into: &out)
      form.problems.writeSummary(heading: "Organisationen kunde inte läggas till", into: &out)
      form.input(
        "organisation_name", label: "Organisationens namn", type: "text",
        value: model.organisationName,
        .init(required: true, maxLength: FieldLimits.name, autocomplete: "organization"),
        into: &out)
      form.input(
        "name", label: "Första användarens namn", type: "text", value: model.inviteName,
        .init(required: true, maxLength: FieldLimits.name, autocomplete: "off"), into: &out)
      form.input(
        "email", label: "Första användarens e-post", type: "email", value: model.inviteEmail,
        .init(required: true, maxLength: 254, spellcheckOff: true),
        into: &out)
      out.raw("<button type=\"submit\">Lägg till och bjud in</button>\n</form>\n</section>\n")
      out.raw(
        "<section class=\"bo-box\" aria-labelledby=\"alla-org-rubrik\">\n<h2 id=\"alla-org-rubrik\">Alla organisationer <span class=\"count\">("
      )
      out.count(model.rows.count)
      out.raw(")</span></h2>\n<ul class=\"bo-list\">\n")
      for row in model.rows {
        let organiser = row.organiser
        out.raw("<li class=\"bo-item\">\n<h3><a")
        out.href(BackofficePaths.organisation(organiser.id))
        out.raw(">")
        out.text(organiser.name)
        out.raw("</a></h3>\n<p>")
        out.count(row.members)
        out.raw(row.members == 1 ? " medlem · " : " medlemmar · ")
        out.count(row.events)
        out.raw(" evenemang")
        if let email = organiser.contactEmail, !email.isEmpty {
          out.raw(" · <span class=\"secret\">")
          out.text(email)
          out.raw("</span>")
        }
        if let website = organiser.website, HTML.isSafeURL(website) {
          out.raw(" · ")
          out.link(website, "Webbplats")
        }
        out.raw("</p>\n<p><a")
        out.href(BackofficePaths.overview(organiser.id))
        out.raw(">Evenemang</a></p>\n</li>\n")
      }
      out.raw("</ul>\n</section>\n")
    }
  }

  /// `BackofficePaths.users`: every account, its organisations, second factor and state.
  public static func backofficeUsers(_ model: BackofficeUsersModel, _ context: PageContext)
    -> [UInt8]
  {
    Backoffice.page(title: "Användare", frame: model.frame, context: context) { out in
      out.raw("<h1>Användare <span class=\"count\">(")
      out.count(model.rows.count)
      out.raw(")</span></h1>\n<ul class=\"bo-list\">\n")
      for (index, row) in model.rows.enumerated() {
        let user = row.user
        let id = "anvandare-" + String(index)
        out.raw("<li class=\"bo-item\">\n<h2 class=\"bo-change\" id=\"")
        out.plain(id)
        out.raw("\">")
        out.text(user.name)
        out.raw("</h2>\n<dl class=\"facts bo-facts\">\n<dt>E-post</dt>\n<dd class=\"secret\">")
        out.text(user.email)
        out.raw("</dd>\n<dt>Roll</dt>\n<dd>")
        if user.office { out.raw("Programkontoret") }
        if row.memberships.isEmpty && !user.office { out.raw("Ingen organisation") }
        for (position, membership) in row.memberships.enumerated() {
          if position > 0 || user.office { out.raw("; ") }
          out.text(BackofficeWords.role(membership.role) + ", " + membership.organiserName)
        }
        out.raw("</dd>\n<dt>Inloggning</dt>\n<dd>")
        out.raw(user.hasPassword ? "Lösenord" : "Inget lösenord ännu")
        out.raw(user.totpEnabledAt != nil ? ", tvåstegsverifiering" : ", ingen tvåstegsverifiering")
        out.raw(user.emailVerifiedAt != nil ? "" : ", e-post ej bekräftad")
        out.raw("</dd>\n<dt>Status</dt>\n<dd>")
        out.raw(user.disabledAt == nil ? "Aktiv" : "Avstängd")
        out.raw("</dd>\n</dl>\n")
        if user.disabledAt == nil {
          Backoffice.buttonForm(
            BackofficePaths.disableUser(user.id), label: "Stäng av", danger: true,
            describedBy: id, context, into: &out)
        } else {
          Backoffice.buttonForm(
            BackofficePaths.enableUser(user.id), label: "Aktivera igen", describedBy: id,
            context, into: &out)
        }
        out.raw("</li>\n")
      }
      out.raw("</ul>\n")
    }
  }

  /// `BackofficePaths.venues`: every venue with its coordinates and accessibility, and the
  /// form that edits one (or adds a new one).
  public static func backofficeVenues(_ model: BackofficeVenuesModel, _ context: PageContext)
    -> [UInt8]
  {
    Backoffice.page(title: "Platser", frame: model.frame, context: context) { out in
      out.raw("<h1>Platser</h1>\n")
      OfficePages.venueForm(model, context, into: &out)
      out.raw(
        "<section class=\"bo-box\" aria-labelledby=\"alla-platser-rubrik\">\n<h2 id=\"alla-platser-rubrik\">Alla platser <span class=\"count\">("
      )
      out.count(model.venues.count)
      out.raw(")</span></h2>\n<ul class=\"bo-list\">\n")
      for venue in model.venues {
        out.raw("<li class=\"bo-item\">\n<h3>")
        out.text(venue.name)
        out.raw("</h3>\n<dl class=\"facts bo-facts\">\n<dt>Adress</dt>\n<dd>")
        out.text(venue.address.flatMap { $0.isEmpty ? nil : $0 } ?? "–")
        out.raw("</dd>\n<dt>Koordinater</dt>\n<dd>")
        if let coordinate = venue.coordinate,
          let latitude = Fragments.decimal(coordinate.latitude, limit: 90),
          let longitude = Fragments.decimal(coordinate.longitude, limit: 180)
        {
          out.plain(latitude + ", " + longitude)
          if let map = Fragments.mapURL(coordinate) {
            out.raw(" (")
            out.link(map, "karta")
            out.raw(")")
          }
        } else {
          out.raw("Saknas: ger inga gångtidsvarningar")
        }
        out.raw("</dd>\n<dt>Platser</dt>\n<dd>")
        if let capacity = venue.capacity { out.count(capacity) } else { out.raw("–") }
        out.raw("</dd>\n<dt>Tillgänglighet</dt>\n<dd>")
        if venue.accessibility.isEmpty { out.raw("–") }
        for (index, feature) in venue.accessibility.enumerated() {
          if index > 0 { out.raw(", ") }
          out.raw(Swedish.accessibility(feature))
        }
        out.raw("</dd>\n</dl>\n<p><a")
        out.href(BackofficePaths.venue(venue.id))
        out.raw(">Ändra ")
        out.text(venue.name)
        out.raw("</a></p>\n</li>\n")
      }
      out.raw("</ul>\n</section>\n")
    }
  }

  /// `BackofficePaths.editions`: each edition's days and its cut-off, with a form to set it.
  public static func backofficeEditions(_ model: BackofficeEditionsModel, _ context: PageContext)
    -> [UInt8]
  {
    Backoffice.page(title: "Upplagor", frame: model.frame, context: context) { out in
      out.raw(
        """
        <h1>Upplagor</h1>
        <p>Efter en upplagas sista dag för ändringar kan arrangörerna inte längre radera \
        publicerade evenemang, bara ställa in dem.</p>
        <ul class="bo-list">

        """)
      for edition in model.editions.sorted(by: { $0.year > $1.year }) {
        let path = "cutoff_at"
        let problems =
          model.problems[edition.id].map {
            [FieldProblem(field: path, message: $0)]
          } ?? []
        let key = "e" + String(edition.year) + "-" + BackofficePaths.id(edition.id).prefix(8)
        let form = BackofficeForm(problems, anchors: [path], prefix: key + "-")
        out.raw("<li class=\"bo-item\">\n<h2 class=\"bo-change\">")
        out.text(edition.name)
        out.raw("</h2>\n<p>")
        out.text(Self.dayText(edition.firstDay) + " – " + Self.dayText(edition.lastDay))
        out.raw("</p>\n<p>Sista dag för ändringar: ")
        if let cutoff = edition.cutoffAt {
          out.raw("<time datetime=\"")
          out.dateTime(LocalTime(cutoff))
          out.raw("\">")
          out.text(BackofficeWords.longMoment(cutoff))
          out.raw("</time>")
        } else {
          out.raw("ingen satt")
        }
        out.raw("</p>\n")
        Backoffice.postForm(
          BackofficePaths.edition(edition.id), className: "bo-form", context, into: &out)
        let cutoff = edition.cutoffAt.map(LocalTimeText.init)
        // Ids must be unique on the page: each edition's fields carry its own prefix.
        out.raw("<div class=\"bo-pair\">\n")
        form.input(
          path, label: "Dag (" + edition.name + ")", type: "date", value: cutoff?.date ?? "",
          .init(name: "cutoff_date"), into: &out)
        form.input(
          "cutoff_time", label: "Klockslag (" + edition.name + ")", type: "time",
          value: cutoff?.time ?? "", .init(name: "cutoff_time"), into: &out)
        out.raw(
          "</div>\n<p class=\"hint\">Lämna tomt för ingen sista dag.</p>\n<button type=\"submit\">Spara</button>\n</form>\n</li>\n"
        )
      }
      out.raw("</ul>\n")
    }
  }

  static func dayText(_ day: LocalDay) -> String {
    String(day.day) + " " + LocalTime.swedishMonths[day.month - 1] + " " + String(day.year)
  }
}

enum OfficePages {
  static func reviewItem(
    _ item: BackofficeReviewModel.Item, index: Int, _ context: PageContext,
    into out: inout HTMLWriter
  ) {
    let event = item.event
    let key = "g" + String(index)
    out.raw("<li class=\"bo-item\">\n<h2 class=\"bo-change\" id=\"")
    out.plain(key)
    out.raw("\"><a")
    out.href(BackofficePaths.event(event.id))
    out.raw(">")
    out.text(event.details.title)
    out.raw("</a></h2>\n<dl class=\"facts bo-facts\">\n<dt>Arrangör</dt>\n<dd>")
    out.text(item.organiserName)
    out.raw("</dd>\n<dt>När</dt>\n<dd>")
    Fragments.when(
      start: event.details.startsAt, end: event.details.endsAt, withDay: true, into: &out)
    out.raw("</dd>\n<dt>Var</dt>\n<dd>")
    Fragments.place(item.venue, into: &out)
    out.raw("</dd>\n")
    if let submitted = event.submittedAt {
      out.raw("<dt>Inskickat</dt>\n<dd><time datetime=\"")
      out.dateTime(LocalTime(submitted))
      out.raw("\">")
      out.text(BackofficeWords.longMoment(submitted))
      out.raw("</time></dd>\n")
    }
    out.raw("</dl>\n")
    if !item.clashes.isEmpty {
      out.raw(
        "<div class=\"bo-warnings bo-clash\">\n<p><strong>Kan inte publiceras:</strong> platsen är redan bokad av ett publicerat evenemang.</p>\n<ul>\n"
      )
      for clash in item.clashes {
        out.raw("<li>")
        Backoffice.warning(clash, into: &out)
        out.raw("</li>\n")
      }
      out.raw("</ul>\n</div>\n")
    }
    Backoffice.warnings(item.warnings, into: &out)
    out.raw("<div class=\"bo-review\">\n")
    Backoffice.postForm(
      BackofficePaths.approve(event.id), className: "bo-inline", context, into: &out)
    out.raw("<button type=\"submit\" aria-describedby=\"")
    out.plain(key)
    out.raw("\">Godkänn och publicera</button>\n</form>\n")
    Backoffice.postForm(
      BackofficePaths.returnEvent(event.id), className: "bo-form", context, into: &out)
    let problems = item.problem.map { [FieldProblem(field: "reason", message: $0)] } ?? []
    let form = BackofficeForm(problems, anchors: ["reason"], prefix: key + "-")
    form.textarea(
      "reason", label: "Motivering till arrangören", value: item.reason, rows: 3,
      .init(
        required: true, maxLength: FieldLimits.paragraph,
        hint: "Krävs för att skicka tillbaka. Arrangören ser texten."), into: &out)
    out.raw(
      "<button type=\"submit\" class=\"secondary\">Skicka tillbaka</button>\n</form>\n</div>\n</li>\n"
    )
  }

  static func venueForm(
    _ model: BackofficeVenuesModel, _ context: PageContext, into out: inout HTMLWriter
  ) {
    let values = model.values
    let form = BackofficeForm(
      model.problems,
      anchors: [
        "name", "address", "description", "latitude", "longitude", "capacity",
        "accessibility",
      ])
    out.raw(
      "<section class=\"bo-box\" aria-labelledby=\"platsform-rubrik\">\n<h2 id=\"platsform-rubrik\">"
    )
    if let editing = model.editing {
      out.raw("Ändra ")
      out.text(editing.name)
    } else {
      out.raw("Ny plats")
    }
    out.raw("</h2>\n")
    Backoffice.postForm(
      model.editing.map { BackofficePaths.venue($0.id) } ?? BackofficePaths.venues,
      className: "bo-form", context, into: &out)
    if let editing = model.editing {
      out.raw("<input type=\"hidden\" name=\"version\" value=\"")
      out.number(editing.version)
      out.raw("\" />\n")
    }
    form.problems.writeSummary(heading: "Platsen kunde inte sparas", into: &out)
    form.input(
      "name", label: "Namn", type: "text", value: values.name,
      .init(required: true, maxLength: FieldLimits.name), into: &out)
    form.input(
      "address", label: "Adress", type: "text", value: values.address,
      .init(maxLength: FieldLimits.line), into: &out)
    form.textarea(
      "description", label: "Beskrivning", value: values.description, rows: 3,
      .init(maxLength: FieldLimits.paragraph), into: &out)
    out.raw("<div class=\"bo-pair\">\n")
    form.input(
      "latitude", label: "Latitud", type: "text", value: values.latitude,
      .init(inputMode: "decimal", spellcheckOff: true, hint: "Till exempel 57.6393"), into: &out)
    form.input(
      "longitude", label: "Longitud", type: "text", value: values.longitude,
      .init(inputMode: "decimal", spellcheckOff: true, hint: "Till exempel 18.2920"), into: &out)
    out.raw("</div>\n<p class=\"hint\">Utan koordinater räknas inga gångtider till platsen.</p>\n")
    form.input(
      "capacity", label: "Antal platser", type: "number", value: values.capacity,
      .init(minimum: 0, inputMode: "numeric"), into: &out)
    form.choices(
      "accessibility", legend: "Tillgänglighet", name: "accessibility",
      items: Accessibility.allCases.map {
        (
          $0.rawValue, String(describing: Swedish.accessibility($0)),
          values.accessibility.contains($0)
        )
      }, into: &out)
    out.raw("<button type=\"submit\">Spara platsen</button>\n</form>\n")
    if model.editing != nil {
      out.raw("<p><a")
      out.href(BackofficePaths.venues)
      out.raw(">Lägg till en ny plats i stället</a></p>\n")
    }
    out.raw("</section>\n")
  }
}
