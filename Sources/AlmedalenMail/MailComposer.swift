import AlmedalenCore
import AlmedalenFeeds
public import AlmedalenStore
public import Foundation
public import Mail

/// Renders queued messages, in Swedish, from what the outbox read for them: the text people
/// read, the links they need and the iCalendar attachment their mail client can add.
public struct MailComposer: Sendable {
  /// The public base URL without a trailing slash: every link starts with it.
  public let baseURL: String
  public let from: Mailbox
  /// The right-hand side of Message-IDs.
  public let messageHost: String

  public init(baseURL: String, from: Mailbox) {
    var base = baseURL
    while base.hasSuffix("/") { base.removeLast() }
    self.baseURL = base
    self.from = from
    self.messageHost = from.address.asciiDomain
  }

  /// The message for `facts`, or nothing when there is nothing left to say (the move was
  /// undone, the registration was cancelled or erased, the event is gone).
  public func render(_ facts: OutboxStore.Facts, now: Date = Date()) throws
    -> OutboxStore.Rendering
  {
    guard let draft = try draft(for: facts) else {
      return .nothing(reason: reasonForNothing(facts))
    }
    let recipientName = facts.registration?.name ?? facts.accountLink?.userName
    let to = Mailbox(
      name: recipientName.map(Self.oneLine), address: try MailAddress(facts.recipient))
    var headers = [
      MailHeader(name: "Auto-Submitted", value: "auto-generated"),
      MailHeader(name: "X-Almedalen-Kind", value: facts.kind.rawValue),
    ]
    if let event = facts.programme.events.first, facts.kind != .links {
      headers.append(MailHeader(name: "X-Almedalen-Event", value: event.id.uuidString.lowercased()))
    }
    let messageID = "<" + UUID().uuidString.lowercased() + "@" + messageHost + ">"
    let message = MailMessage(
      from: from, to: to, subject: draft.subject,
      date: Int64(now.timeIntervalSince1970.rounded(.down)), messageID: messageID,
      extraHeaders: headers, text: draft.text, attachments: draft.attachments)
    let json = try JSONEncoder().encode(message)
    return .message(json: String(decoding: json, as: UTF8.self), messageID: messageID)
  }

  struct Draft {
    var subject: String
    var text: String
    var attachments: [MailPart] = []
  }

  func draft(for facts: OutboxStore.Facts) throws -> Draft? {
    switch facts.kind {
    case .links:
      return links(facts)
    case .invitation, .passwordReset, .verification:
      return account(facts)
    default:
      break
    }
    guard let registration = facts.registration, registration.email != nil,
      let event = facts.programme.events.first
    else { return nil }
    let title = Self.oneLine(event.title)
    var lines = [greeting(registration.name), ""]
    var method = ICalendarWriter.ITIPMethod.request
    let subject: String
    switch facts.kind {
    case .signup:
      let status = facts.signupStatus ?? registration.status
      if status == .waitlisted {
        let position = facts.signupPosition.map { " (plats \($0))" } ?? ""
        subject = "Du står på väntelistan\(position): \(title)"
        lines += [
          "du står på väntelistan\(position) till", "", title, "",
          "Får du en plats skickar vi ett nytt brev.",
        ]
      } else {
        subject = "Anmälan bekräftad: \(title)"
        lines += ["din anmälan är bekräftad. Du har en plats på", "", title]
      }
      lines += [""] + place(event, facts.programme)
      lines += [""] + registrationLinks(facts, registration)
    case .promotion:
      subject = "Du har fått en plats: \(title)"
      lines += ["en plats har blivit ledig och den är din:", "", title, ""]
      lines += place(event, facts.programme)
      lines += ["", "Kan du inte komma? Avboka, så går platsen till nästa på väntelistan."]
      lines += [""] + registrationLinks(facts, registration)
    case .cancellation:
      method = .cancel
      subject = "Avbokad: \(title)"
      lines += ["din anmälan till", "", title, ""] + place(event, facts.programme)
      lines += ["", "är avbokad. Välkommen tillbaka en annan gång."]
    case .change:
      guard registration.status != .cancelled, event.status == .published else { return nil }
      let venue = event.venueID.flatMap { facts.programme.venues[$0] }
      if facts.previousStart == event.startsAt && facts.previousEnd == event.endsAt
        && facts.previousVenue?.id == venue?.id
      {
        return nil
      }
      subject = "Ny tid eller plats: \(title)"
      lines += ["ett seminarium du är anmäld till har ändrats:", "", title, ""]
      lines += ["Nu:"] + place(event, facts.programme)
      if let start = facts.previousStart, let end = facts.previousEnd {
        lines += ["", "Tidigare:", "När: " + Self.when(start, end)]
        if let venue = facts.previousVenue { lines.append("Var: " + Self.venueLine(venue)) }
      }
      lines += ["", "Din anmälan gäller som förut; kalenderfilen i brevet har den nya tiden."]
    case .confirm:
      guard registration.status == .pending, let secret = facts.cancelSecrets[registration.id]
      else { return nil }
      subject = "Bekräfta din anmälan: \(title)"
      lines += ["någon – förhoppningsvis du – vill anmäla den här adressen till", "", title, ""]
      lines += place(event, facts.programme)
      lines += [
        "", "Bekräfta anmälan här (öppna länken och tryck på knappen):",
        baseURL + "/registrations/" + secret,
      ]
      if let expires = registration.expiresAt {
        lines += [
          "",
          "Platsen hålls för dig till kl. " + LocalTime(expires).clock
            + "; bekräftar du inte släpps den.",
        ]
      }
      lines += ["", "Var det inte du? Gör ingenting: ingen anmälan görs utan att du bekräftar."]
      lines += ["", "Seminariets sida: " + pageURL(event.id)] + signature()
      return Draft(subject: subject, text: lines.joined(separator: "\n"))
    case .already:
      subject = "Du är redan anmäld: \(title)"
      lines += ["någon bad om att anmäla den här adressen till", "", title, ""]
      lines += place(event, facts.programme)
      lines += ["", "Du är redan anmäld, så ingenting har ändrats. Här är dina länkar igen:", ""]
      lines += registrationLinks(facts, registration)
      lines += ["", "Seminariets sida: " + pageURL(event.id)] + signature()
      return Draft(subject: subject, text: lines.joined(separator: "\n"))
    case .eventCancelled:
      method = .cancel
      subject = "Inställt: \(title)"
      lines += ["arrangören har ställt in", "", title, ""] + place(event, facts.programme)
      lines += ["", "Din anmälan gäller inte längre. Vi beklagar."]
    default:
      return nil
    }
    lines += ["", "Seminariets sida: " + pageURL(event.id)]
    lines += signature()
    let attachment = invitation(method, event, facts.programme, registration)
    return Draft(
      subject: subject, text: lines.joined(separator: "\n"),
      attachments: [
        MailPart(
          contentType: "text/calendar; charset=utf-8; method="
            + (method == .request ? "REQUEST" : "CANCEL"),
          filename: "seminarium.ics", text: String(decoding: attachment, as: UTF8.self))
      ])
  }

  func links(_ facts: OutboxStore.Facts) -> Draft? {
    guard !facts.registrations.isEmpty else { return nil }
    var lines = [greeting(facts.registrations.first?.name), ""]
    lines.append("du bad om dina länkar igen. Här är de, nya; de gamla gäller också.")
    for registration in facts.registrations {
      guard let event = facts.programme.events.first(where: { $0.id == registration.eventID })
      else { continue }
      lines += ["", Self.oneLine(event.title)]
      lines.append("När: " + Self.when(event.startsAt, event.endsAt))
      lines.append(
        registration.status == .waitlisted ? "Du står på väntelistan." : "Du har en plats.")
      if let secret = facts.cancelSecrets[registration.id] {
        lines.append(
          "Din anmälan, för att se eller avboka: " + baseURL + "/registrations/" + secret)
      }
    }
    if let calendar = facts.calendarSecret {
      lines += ["", "Alla dina seminarier i din kalender:"]
      lines += calendarLinks(calendar)
      lines += ["", "Alla dina anmälningar på en sida:", baseURL + "/attendees/" + calendar]
    }
    lines += ["", "Bad du inte om det här brevet? Då kan du bortse från det."]
    lines += signature()
    return Draft(subject: "Dina länkar till Almedalsveckan", text: lines.joined(separator: "\n"))
  }

  func account(_ facts: OutboxStore.Facts) -> Draft? {
    guard let link = facts.accountLink else { return nil }
    let url = baseURL + link.kind.pagePath + link.secret
    var lines = [greeting(link.userName), ""]
    let subject: String
    switch link.kind {
    case .invitation:
      let organisation = link.organiserName.map(Self.oneLine)
      subject =
        organisation.map { "Inbjudan att arrangera för \($0) i Almedalsveckan" }
        ?? "Inbjudan till Almedalsveckans arrangörssidor"
      var sentence =
        link.inviterName.map { Self.oneLine($0) + " har bjudit in dig" } ?? "du är inbjuden"
      sentence += " att lägga in seminarier i Almedalsveckans program"
      sentence += organisation.map { " för \($0)" } ?? ""
      if let role = link.role {
        sentence += role == .owner ? ", som ägare av kontot." : ", som redaktör."
      } else {
        sentence += "."
      }
      lines.append(sentence)
      lines += [
        "", link.needsPassword ? "Välj ditt lösenord och gå med här:" : "Gå med här:", url,
      ]
    case .verification:
      subject = "Bekräfta din e-postadress"
      lines.append(
        "tack för att du skapade ett arrangörskonto"
          + (link.organisationName.map { " för " + Self.oneLine($0) } ?? "")
          + ". Bekräfta att adressen är din:")
      lines += ["", url]
    case .reset:
      subject = "Välj ett nytt lösenord"
      lines += ["någon bad om ett nytt lösenord till ditt konto.", "", "Välj ett nytt här:", url]
    }
    lines += ["", "Länken gäller en gång, till " + Self.until(link.expiresAt) + "."]
    lines += ["", "Bad du inte om det här brevet? Då kan du bortse från det."]
    lines += signature()
    return Draft(subject: subject, text: lines.joined(separator: "\n"))
  }

  /// `tisdag 30 juni 2026 kl. 10:00` in Visby's time.
  static func until(_ date: Date) -> String {
    let time = LocalTime(date)
    return time.swedishDay + " " + String(time.year) + " kl. " + time.clock
  }

  func reasonForNothing(_ facts: OutboxStore.Facts) -> String {
    switch facts.kind {
    case .change where facts.registration?.status == .cancelled: "the registration was cancelled"
    case .change where facts.programme.events.first?.status != .published:
      "the event is not published"
    case .change: "the event is back at its time and place"
    case .links: "no active registration"
    case .invitation, .passwordReset, .verification: "the link was used, revoked or expired"
    default: facts.registration?.email == nil ? "the registration was erased" : "the event is gone"
    }
  }

  // MARK: Parts

  func greeting(_ name: String?) -> String {
    guard let name, !name.isEmpty else { return "Hej," }
    return "Hej " + Self.oneLine(name) + ","
  }

  func signature() -> [String] {
    ["", "Hälsningar", "Almedalsveckan", baseURL]
  }

  func place(_ event: Event, _ programme: ProgrammeSnapshot) -> [String] {
    var lines = ["När: " + Self.when(event.startsAt, event.endsAt)]
    if let venue = event.venueID.flatMap({ programme.venues[$0] }) {
      lines.append("Var: " + Self.venueLine(venue))
    }
    if let organiser = programme.organisers[event.organiserID] {
      lines.append("Arrangör: " + Self.oneLine(organiser))
    }
    return lines
  }

  func registrationLinks(_ facts: OutboxStore.Facts, _ registration: Registration) -> [String] {
    var lines: [String] = []
    if let secret = facts.cancelSecrets[registration.id] {
      lines += [
        "Din anmälan, för att se den eller avboka:", baseURL + "/registrations/" + secret,
      ]
    }
    if let calendar = facts.calendarSecret {
      lines += ["", "Dina seminarier i din kalender, som följer med om något ändras:"]
      lines += calendarLinks(calendar)
      lines += ["", "Alla dina anmälningar på en sida:", baseURL + "/attendees/" + calendar]
    }
    if !lines.isEmpty {
      lines += ["", "Länkarna är personliga: dela dem inte."]
    }
    return lines
  }

  func calendarLinks(_ secret: String) -> [String] {
    let https = baseURL + "/feeds/attendee/" + secret + ".ics"
    var webcal = https
    if let colon = webcal.firstIndex(of: ":") {
      webcal.replaceSubrange(webcal.startIndex..<colon, with: "webcal")
    }
    return [webcal, https]
  }

  func pageURL(_ id: UUID) -> String { baseURL + "/events/" + id.uuidString.lowercased() }

  func invitation(
    _ method: ICalendarWriter.ITIPMethod, _ event: Event, _ programme: ProgrammeSnapshot,
    _ registration: Registration
  ) -> [UInt8] {
    var feedEvent = FeedEvent(
      event: event, number: programme.numbers[event.id] ?? 0,
      venue: event.venueID.flatMap { programme.venues[$0] },
      organiser: programme.organisers[event.organiserID] ?? "",
      coOrganisers: event.coOrganiserIDs.compactMap { programme.organisers[$0] },
      pageURL: pageURL(event.id), registration: registration.status)
    feedEvent.registrationRevision = registration.revision
    feedEvent.registrationChangedAt = registration.updatedAt
    return ICalendarWriter.invitation(
      method, event: feedEvent,
      organizer: (from.name ?? "Almedalsveckan", from.address.smtpForm),
      attendee: (registration.name ?? "", registration.email ?? ""))
  }

  /// `tisdag 30 juni 2026 kl. 10:00–11:00` in Visby's time.
  static func when(_ start: Date, _ end: Date) -> String {
    let from = LocalTime(start)
    let to = LocalTime(end)
    var text = from.swedishDay + " " + String(from.year) + " kl. " + from.clock + "–"
    if to.isoDate != from.isoDate { text += to.swedishDay + " " }
    return text + to.clock
  }

  static func venueLine(_ venue: Venue) -> String {
    var text = oneLine(venue.name)
    if let address = venue.address, !address.isEmpty, address != venue.name {
      text += ", " + oneLine(address)
    }
    return text
  }

  /// Text from the programme on one line: control characters (CR, LF, tab, the Unicode line
  /// separators) become spaces, so no name or title breaks the message's lines.
  static func oneLine(_ text: String) -> String {
    String(
      String.UnicodeScalarView(
        text.unicodeScalars.map { scalar in
          scalar.properties.generalCategory == .control || scalar == "\u{2028}"
            || scalar == "\u{2029}" || scalar == "\u{85}" ? " " : scalar
        }))
  }
}
