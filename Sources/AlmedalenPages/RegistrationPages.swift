import AlmedalenCore
public import AlmedalenFeeds

extension Pages {
  /// After a sign-up: where the attendee stands and, the first time only, their own links.
  public static func signedUp(_ model: SignedUpPageModel, _ context: PageContext) -> [UInt8] {
    Layout.page(title: "Anmälan – " + model.event.event.title, isPrivate: true) { out in
      let alreadySignedUp = model.registrationPage == nil
      out.raw(
        alreadySignedUp
          ? "<h1>Du var redan anmäld</h1>\n" : "<h1>Tack för din anmälan</h1>\n")
      out.raw("<p class=\"notice outcome\" role=\"status\">")
      RegistrationPages.status(
        model.status, position: model.waitlistPosition, justNow: !alreadySignedUp, into: &out)
      out.raw("</p>\n")
      Fragments.eventSummary(model.event, into: &out)
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
    }
  }
}
