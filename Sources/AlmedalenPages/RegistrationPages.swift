import AlmedalenCore
public import AlmedalenFeeds

extension Pages {
  /// After a sign-up: where the attendee stands and, the first time only, their own links.
  public static func signedUp(_ model: SignedUpPageModel, _ context: PageContext) -> [UInt8] {
    Layout.page(title: "Anmälan – " + model.event.event.title, isPrivate: true) { out in
      let alreadySignedUp = model.registrationPage == nil && !model.confirmedByMail
      out.raw(
        alreadySignedUp
          ? "<h1>Du var redan anmäld</h1>\n" : "<h1>Tack för din anmälan</h1>\n")
      out.raw("<p class=\"notice outcome\" role=\"status\">")
      RegistrationPages.status(
        model.status, position: model.waitlistPosition, justNow: !alreadySignedUp, into: &out)
      out.raw("</p>\n")
      Fragments.eventSummary(model.event, into: &out)
      if model.confirmedByMail {
        out.raw(
          """
          <p>Din anmälan är bekräftad. Ett brev med länken för att avboka och din kalender är \
          på väg till din e-post.</p>

          """)
        return
      }
      guard let page = model.registrationPage else {
        out.raw(
          """
          <p>Du var redan anmäld till det här seminariet med samma e-postadress. Länkarna till \
          din anmälan och din kalender visades när du anmälde dig första gången; de visas inte \
          igen.</p>

          """)
        return
      }
      out.raw(
        """
        <section class="own-links" aria-labelledby="lankar-rubrik">
        <h2 id="lankar-rubrik">Dina länkar</h2>
        <p class="notice"><strong>Länkarna är personliga och visas bara den här gången.</strong> \
        Spara dem och dela dem inte: den som har länken kan se och avboka din anmälan.</p>
        <h3>Din anmälan</h3>
        <p>Spara den här länken: där kan du avboka.</p>
        <p class="secret">
        """)
      out.link(page, page)
      out.raw("</p>\n")
      if let calendar = model.calendar {
        out.raw(
          """
          <h3>Din kalender</h3>
          <p>Dina anmälda seminarier som kalender. Den följer med när ett seminarium ändras \
          och när du får en plats från väntelistan.</p>
          <ul class="feeds">

          """)
        Fragments.calendarLinks(calendar, into: &out)
        out.raw("</ul>\n")
      }
      out.raw("</section>\n")
    }
  }

  /// `/registrations/{token}`: the attendee's own registration and the button to cancel it.
  public static func registration(_ model: RegistrationPageModel, _ context: PageContext)
    -> [UInt8]
  {
    Layout.page(title: "Din anmälan – " + model.event.event.title, isPrivate: true) { out in
      out.raw("<h1>Din anmälan</h1>\n")
      Fragments.eventSummary(model.event, into: &out)
      out.raw("<dl class=\"facts\">\n<dt>Status</dt>\n<dd>")
      RegistrationPages.status(
        model.status, position: model.waitlistPosition, justNow: false, into: &out)
      out.raw("</dd>\n</dl>\n")
      if model.status == .pending, let confirm = model.confirmAction, HTML.isSafeURL(confirm) {
        out.raw("<form class=\"confirm-form\" method=\"post\" action=\"")
        out.attribute(confirm)
        out.raw("\">\n<input type=\"hidden\" name=\"form_token\" value=\"")
        out.attribute(context.formToken)
        out.raw("\" />\n<p>Bekräfta att det är du som vill anmäla dig")
        if let expires = model.expiresAt {
          out.raw(", senast kl. ")
          out.text(LocalTime(expires).clock)
        }
        out.raw(
          """
          . Platsen hålls för dig till dess.</p>
          <button type="submit">Bekräfta min anmälan</button>
          </form>

          """)
        return
      }
      guard model.status != .cancelled, HTML.isSafeURL(model.cancelAction) else { return }
      out.raw("<form class=\"cancel-form\" method=\"post\" action=\"")
      out.attribute(model.cancelAction)
      out.raw("\">\n<input type=\"hidden\" name=\"form_token\" value=\"")
      out.attribute(context.formToken)
      out.raw(
        """
        " />
        <p>Kan du inte komma? Avboka, så går platsen till nästa person på väntelistan.</p>
        <button type="submit">Avboka min plats</button>
        </form>

        """)
    }
  }

  /// After a sign-up request: the same page whatever the address, pointing to the mail.
  public static func requested(event: FeedEvent, _ context: PageContext) -> [UInt8] {
    Layout.page(title: "Titta i din e-post – " + event.event.title, isPrivate: true) { out in
      out.raw(
        """
        <h1>Titta i din e-post</h1>
        <p class="notice outcome" role="status">Vi har skickat ett brev till adressen du \
        angav. Öppna länken i brevet och bekräfta din anmälan.</p>

        """)
      Fragments.eventSummary(event, into: &out)
      out.raw(
        """
        <p>Platsen hålls för dig en stund medan du bekräftar; bekräftar du inte släpps den. Är \
        du redan anmäld står det i brevet, med dina länkar. Kommer inget brev? Titta bland \
        skräpposten.</p>

        """)
    }
  }

  /// `/attendees/{token}`: every sign-up of the attendee, each with its cancel button, their
  /// calendar, and the button that stops every link.
  public static func attendee(_ model: AttendeePageModel, _ context: PageContext) -> [UInt8] {
    Layout.page(title: "Mina anmälningar", isPrivate: true) { out in
      out.raw("<h1>Mina anmälningar</h1>\n")
      if model.items.isEmpty {
        out.raw("<p>Du har inga anmälningar just nu.</p>\n")
      }
      for item in model.items {
        out.raw("<section class=\"own-registration\">\n")
        Fragments.eventSummary(item.event, into: &out)
        out.raw("<p>")
        RegistrationPages.status(
          item.status, position: item.waitlistPosition, justNow: false, into: &out)
        out.raw("</p>\n")
        if item.status != .cancelled, HTML.isSafeURL(item.cancelAction) {
          out.raw("<form class=\"cancel-form\" method=\"post\" action=\"")
          out.attribute(item.cancelAction)
          out.raw("\">\n<input type=\"hidden\" name=\"form_token\" value=\"")
          out.attribute(context.formToken)
          out.raw("\" />\n<button type=\"submit\">Avboka</button>\n</form>\n")
        }
        out.raw("</section>\n")
      }
      out.raw(
        """
        <section class="own-links" aria-labelledby="kalender-rubrik">
        <h2 id="kalender-rubrik">Din kalender</h2>
        <p>Alla dina anmälda seminarier som kalender; den följer med när något ändras. \
        Anmäler du dig till fler seminarier från den här webbläsaren behöver du inte \
        bekräfta dem med e-post.</p>
        <ul class="feeds">

        """)
      Fragments.calendarLinks(model.calendar, into: &out)
      out.raw("</ul>\n")
      if HTML.isSafeURL(model.revokeAction) {
        out.raw("<form class=\"cancel-form\" method=\"post\" action=\"")
        out.attribute(model.revokeAction)
        out.raw("\">\n<input type=\"hidden\" name=\"form_token\" value=\"")
        out.attribute(context.formToken)
        out.raw(
          """
          " />
          <p>Har någon annan fått tag i dina länkar? Stoppa dem; be sedan om nya på ett \
          seminariums sida.</p>
          <button type="submit">Stoppa alla mina länkar</button>
          </form>

          """)
      }
      out.raw("</section>\n")
    }
  }

  /// After cancelling: a confirmation and the way back to the seminar.
  public static func cancelled(event: FeedEvent, _ context: PageContext) -> [UInt8] {
    Layout.page(title: "Avbokad – " + event.event.title, isPrivate: true) { out in
      out.raw(
        """
        <h1>Avbokad</h1>
        <p class="notice outcome" role="status">Din anmälan är avbokad.</p>
        <p>Tillbaka till seminariet:&#160;
        """)
      out.link(Fragments.pageLink(event), event.event.title)
      out.raw("</p>\n")
    }
  }
}

enum RegistrationPages {
  /// "Du har fått en plats." (just now; later "Du har en plats.") / "Du står på väntelistan
  /// som nummer N." / "Din anmälan är avbokad."
  static func status(
    _ status: RegistrationStatus, position: Int?, justNow: Bool, into out: inout HTMLWriter
  ) {
    switch status {
    case .confirmed:
      out.raw(justNow ? "Du har fått en plats." : "Du har en plats.")
    case .waitlisted:
      if let position {
        out.raw("Du står på väntelistan som nummer ")
        out.count(position)
        out.raw(".")
      } else {
        out.raw("Du står på väntelistan.")
      }
    case .cancelled:
      out.raw("Din anmälan är avbokad.")
    case .pending:
      out.raw("Din anmälan väntar på att du bekräftar den.")
    }
  }
}
