import AlmedalenCore
import Foundation

/// iCalendar (RFC 5545, RFC 7986) subscription feeds: a calendar of events as bytes.
///
/// The output depends on the input alone: DTSTAMP is the event's last revision rather than
/// the time of the request, so an unchanged programme gives a byte-identical feed and clients
/// see edits only when there are some. See FEEDS.md for what subscribers' software needs.
public enum ICalendarWriter {
  /// A whole calendar: VCALENDAR with VTIMEZONE Europe/Stockholm and one VEVENT per event, in
  /// the order given.
  public static func calendar(_ info: FeedInfo, events: [FeedEvent]) -> [UInt8] {
    var out = ContentLineWriter(reservingCapacity: estimatedSize(info, events))
    out.line("BEGIN:VCALENDAR")
    out.line("VERSION:2.0")
    out.line("PRODID:-//Almedalen//Programme//SV")
    out.line("CALSCALE:GREGORIAN")
    out.line("NAME:", text: info.name)
    out.line("X-WR-CALNAME:", text: info.name)
    if !info.description.isEmpty {
      out.line("DESCRIPTION:", text: info.description)
      out.line("X-WR-CALDESC:", text: info.description)
    }
    out.line("X-WR-TIMEZONE:Europe/Stockholm")
    out.line("REFRESH-INTERVAL;VALUE=DURATION:PT1H")
    out.line("X-PUBLISHED-TTL:PT1H")
    out.line("SOURCE;VALUE=URI:", uri: info.selfURL)
    out.line("URL:", uri: info.pageURL)
    ICalendarTimeZone.write(into: &out)
    for event in events {
      write(event, into: &out)
    }
    out.line("END:VCALENDAR")
    return out.bytes
  }

  /// An iTIP message (RFC 5546) for one attendee, to attach to mail (RFC 6047): REQUEST
  /// when they have a seat or a waitlist place, so that mail clients offer to add it, CANCEL
  /// when the event or their registration is cancelled. The VEVENT is the feeds' own, with
  /// the same UID; ORGANIZER is the sending address, since iTIP needs a calendar address that
  /// a client can answer, and ATTENDEE names the recipient with RSVP=FALSE: no reply is
  /// expected.
  public static func invitation(
    _ method: ITIPMethod, event feedEvent: FeedEvent, organizer: (name: String, email: String),
    attendee: (name: String, email: String)
  ) -> [UInt8] {
    var out = ContentLineWriter(reservingCapacity: 4096)
    out.line("BEGIN:VCALENDAR")
    out.line("VERSION:2.0")
    out.line("PRODID:-//Almedalen//Programme//SV")
    out.line("CALSCALE:GREGORIAN")
    out.line(method == .request ? "METHOD:REQUEST" : "METHOD:CANCEL")
    ICalendarTimeZone.write(into: &out)
    let party = Party(
      organizerName: organizer.name, organizerEmail: organizer.email, attendeeName: attendee.name,
      attendeeEmail: attendee.email, cancelled: method == .cancel)
    write(feedEvent, party: party, into: &out)
    out.line("END:VCALENDAR")
    return out.bytes
  }

  /// iTIP's methods that this service sends.
  public enum ITIPMethod: Sendable {
    case request, cancel
  }

  /// The people of an iTIP message.
  private struct Party {
    var organizerName: String
    var organizerEmail: String
    var attendeeName: String
    var attendeeEmail: String
    var cancelled: Bool
  }

  private static func write(
    _ feedEvent: FeedEvent, party: Party? = nil, into out: inout ContentLineWriter
  ) {
    // Through `details` rather than dynamic member lookup: a key path per field costs.
    let event = feedEvent.event
    let details = event.details
    out.line("BEGIN:VEVENT")

    out.literal("UID:")
    out.uuid(event.id)
    out.literal("@almedalen")
    out.endLine()
    out.literal("DTSTAMP:")
    out.utc(feedEvent.revisedAt)
    out.endLine()
    out.literal("CREATED:")
    out.utc(event.createdAt)
    out.endLine()
    out.literal("LAST-MODIFIED:")
    out.utc(feedEvent.revisedAt)
    out.endLine()
    out.literal("SEQUENCE:")
    out.integer(feedEvent.sequence)
    out.endLine()
    out.time("DTSTART", details.startsAt)
    out.time("DTEND", details.endsAt)

    // Outlook ignores STATUS and Google hides cancelled events: the title has to say it.
    out.literal("SUMMARY:")
    if event.status == .cancelled { out.text("INSTÄLLT: ") }
    out.text(details.title)
    out.endLine()
    if event.status == .cancelled || party?.cancelled == true {
      out.line("STATUS:CANCELLED")
    } else if feedEvent.registration == .waitlisted {
      out.line("STATUS:TENTATIVE")
    } else {
      out.line("STATUS:CONFIRMED")
    }
    // A cancelled seminar no longer blocks the time in anyone's calendar.
    out.line(
      event.status == .cancelled || party?.cancelled == true
        ? "TRANSP:TRANSPARENT" : "TRANSP:OPAQUE")
    out.line("CLASS:PUBLIC")

    if let venue = feedEvent.venue {
      out.literal("LOCATION:")
      out.text(venue.name)
      if let address = venue.address, !address.isEmpty, address != venue.name {
        out.text(", ")
        out.text(address)
      }
      out.endLine()
      if let point = venue.coordinate, point.latitude.isFinite, point.longitude.isFinite,
        abs(point.latitude) <= 90, abs(point.longitude) <= 180
      {
        out.literal("GEO:")
        out.decimal(point.latitude, fractionDigits: 6)
        out.literal(";")
        out.decimal(point.longitude, fractionDigits: 6)
        out.endLine()
      }
    }
    out.line("URL:", uri: feedEvent.pageURL)

    if let party {
      out.literal("ORGANIZER;CN=")
      out.parameterValue(party.organizerName)
      out.literal(":")
      out.uri("mailto:" + party.organizerEmail)
      out.endLine()
      out.literal("ATTENDEE;CN=")
      out.parameterValue(party.attendeeName)
      out.literal(";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:")
      out.uri("mailto:" + party.attendeeEmail)
      out.endLine()
    } else {
      // No e-mail address is published, so the organiser is named by a URN, a valid
      // CAL-ADDRESS.
      out.literal("ORGANIZER")
      if !feedEvent.organiser.isEmpty {
        out.literal(";CN=")
        out.parameterValue(feedEvent.organiser)
      }
      out.literal(":urn:uuid:")
      out.uuid(details.organiserID)
      out.endLine()
    }

    if details.topics.contains(where: { !$0.isEmpty }) {
      out.literal("CATEGORIES:")
      var first = true
      for topic in details.topics where !topic.isEmpty {
        if !first { out.literal(",") }
        first = false
        out.text(topic)
      }
      out.endLine()
    }
    if let livestream = details.livestreamURL, !livestream.isEmpty {
      out.line("CONFERENCE;VALUE=URI;FEATURE=VIDEO:", uri: livestream)
    }

    out.literal("DESCRIPTION:")
    writeDescription(feedEvent, into: &out)
    out.endLine()

    out.line("END:VEVENT")
  }

  /// The Swedish text clients show: the link again (some clients hide URL), who arranges and
  /// who takes part, then the organiser's own description after a blank line.
  private static func writeDescription(_ feedEvent: FeedEvent, into out: inout ContentLineWriter) {
    let details = feedEvent.event.details
    var lines = 0
    func startLine() {
      if lines > 0 { out.escapedNewline() }
      lines += 1
    }
    func person(_ participation: Participation) {
      if let name = participation.personName, !name.isEmpty {
        out.text(name)
      } else {
        out.text("okänd")
      }
      let title = participation.title ?? ""
      let organisation = participation.organisation ?? ""
      guard !title.isEmpty || !organisation.isEmpty else { return }
      out.text(" (")
      out.text(title)
      if !title.isEmpty && !organisation.isEmpty { out.text(", ") }
      out.text(organisation)
      out.text(")")
    }
    /// One line listing everyone `include` picks, or nothing when it picks no one.
    func people(_ label: String, _ include: (Participation) -> Bool) {
      var first = true
      for participation in details.participants where include(participation) {
        if first {
          startLine()
          out.text(label)
          first = false
        } else {
          out.text(", ")
        }
        person(participation)
      }
    }

    if !feedEvent.pageURL.isEmpty {
      startLine()
      out.text(feedEvent.pageURL)
    }
    if !feedEvent.organiser.isEmpty {
      startLine()
      out.text("Arrangör: ")
      out.text(feedEvent.organiser)
    }
    if feedEvent.coOrganisers.contains(where: { !$0.isEmpty }) {
      startLine()
      out.text("Medarrangörer: ")
      var first = true
      for name in feedEvent.coOrganisers where !name.isEmpty {
        if !first { out.text(", ") }
        first = false
        out.text(name)
      }
    }
    for participation in details.participants where participation.role == .moderator {
      startLine()
      out.text("Moderator: ")
      person(participation)
    }
    for (index, panel) in details.panels.enumerated() {
      if let title = panel.title, !title.isEmpty {
        startLine()
        out.text(title)
      }
      people("Panel: ") { $0.role == .panelist && $0.panel == index }
    }
    // Panelists not placed in a panel (or in one that no longer exists) are still on stage.
    let panelCount = details.panels.count
    people("Panel: ") { participation in
      guard participation.role == .panelist else { return false }
      guard let panel = participation.panel else { return true }
      return panel < 0 || panel >= panelCount
    }
    people("Talare: ") { $0.role == .speaker }
    if let livestream = details.livestreamURL, !livestream.isEmpty {
      startLine()
      out.text("Direktsänds: ")
      out.text(livestream)
    }
    if !details.accessibility.isEmpty {
      startLine()
      out.text("Tillgänglighet: ")
      for (index, feature) in details.accessibility.enumerated() {
        if index > 0 { out.text(", ") }
        out.text(swedish(feature))
      }
    }
    if details.foodServed {
      startLine()
      out.text("Servering")
    }
    if !details.description.isEmpty {
      if lines > 0 {
        out.escapedNewline()
        out.escapedNewline()
      }
      out.text(details.description)
    }
  }

  /// Enough room that a typical feed never grows the buffer: growing copies everything so far,
  /// and untouched reserved pages cost nothing.
  private static func estimatedSize(_ info: FeedInfo, _ events: [FeedEvent]) -> Int {
    var size = 2048 + 2 * (info.name.utf8.count + info.description.utf8.count)
    for feedEvent in events {
      let details = feedEvent.event.details
      size += 1200 + 2 * details.title.utf8.count + 2 * feedEvent.pageURL.utf8.count
      size += details.description.utf8.count * 9 / 8 + 100 * details.participants.count
    }
    return size
  }

  private static func swedish(_ feature: Accessibility) -> String {
    switch feature {
    case .wheelchair: "rullstolsanpassat"
    case .hearingLoop: "hörslinga"
    case .signLanguage: "teckenspråkstolkning"
    case .captions: "textning"
    case .audioDescription: "syntolkning"
    }
  }
}

extension ContentLineWriter {
  /// `20260705T120000Z`: DATE-TIME in UTC (RFC 5545 §3.3.5, form 2).
  fileprivate mutating func utc(_ date: Date) {
    dateTime(LocalTime(utc: date))
    literal("Z")
  }

  /// `DTSTART;TZID=Europe/Stockholm:20260705T140000`, the clock in Visby; but in UTC for
  /// the second pass through the hour the clocks go back in October, since a local time
  /// there means its first occurrence (RFC 5545 §3.3.5) and would put the event an hour early.
  fileprivate mutating func time(_ name: StaticString, _ date: Date) {
    let local = LocalTime(date)
    literal(name)
    // Europe's clocks change in the small hours, so only those need the second look.
    if local.hour <= 3
      && FestivalTime.zone.secondsFromGMT(for: date.addingTimeInterval(-3600)) > local.offset
    {
      literal(":")
      utc(date)
    } else {
      literal(";TZID=Europe/Stockholm:")
      dateTime(local)
    }
    endLine()
  }

  private mutating func dateTime(_ time: LocalTime) {
    digits(time.year, width: 4)
    digits(time.month, width: 2)
    digits(time.day, width: 2)
    literal("T")
    digits(time.hour, width: 2)
    digits(time.minute, width: 2)
    digits(time.second, width: 2)
  }

  /// The UUID in lowercase hex with hyphens: UIDs and URNs are compared as text by some
  /// clients, so the case must never change.
  fileprivate mutating func uuid(_ id: UUID) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 36) { text in
      withUnsafeBytes(of: id.uuid) { raw in
        var index = 0
        for (offset, value) in raw.enumerated() {
          if offset == 4 || offset == 6 || offset == 8 || offset == 10 {
            text[index] = 0x2D
            index += 1
          }
          text[index] = Self.hexDigit(value >> 4)
          text[index + 1] = Self.hexDigit(value & 0x0F)
          index += 2
        }
      }
      ascii(UnsafeBufferPointer(text))
    }
  }

  private static func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10
  }
}
