public import AlmedalenCore
import AlmedalenFeeds
import Foundation

/// The words the backoffice pages show: statuses, roles, the fields of an event, problems
/// of the API's rules in Swedish, and the one Swedish sentence for a conflict.
public enum BackofficeWords {
  /// "Utkast", "Inskickat", "Återsänt", "Publicerat", "Inställt".
  public static func status(_ status: EventStatus) -> String {
    switch status {
    case .draft: "Utkast"
    case .submitted: "Inskickat"
    case .returned: "Återsänt"
    case .published: "Publicerat"
    case .cancelled: "Inställt"
    }
  }

  /// "Ägare" or "Redaktör".
  public static func role(_ role: MembershipRole) -> String {
    switch role {
    case .owner: "Ägare"
    case .editor: "Redaktör"
    }
  }

  /// "Moderator", "Panelist", "Talare".
  public static func participantRole(_ role: ParticipantRole) -> String {
    switch role {
    case .moderator: "Moderator"
    case .panelist: "Panelist"
    case .speaker: "Talare"
    }
  }

  /// What an audit-trail action is called.
  public static func action(_ action: EventChange.Action) -> String {
    switch action {
    case .created: "Skapat"
    case .updated: "Ändrat"
    case .published: "Publicerat"
    case .cancelled: "Inställt"
    }
  }

  /// The Swedish label of an event field by its JSON name (`starts_at` → "Börjar"); a
  /// nested path names its panel or participant (`panels[1].title` → "Panel 2: Rubrik").
  /// Unknown names come back as they are.
  public static func field(_ name: String) -> String {
    if let known = fieldLabels[name] { return known }
    // panels[1].title, participants[0].organisation, topics[2], languages[0]
    guard let open = name.firstIndex(of: "["), let close = name.firstIndex(of: "]"),
      open < close, let index = Int(name[name.index(after: open)..<close])
    else { return name }
    let head = String(name[..<open])
    var tail = String(name[name.index(after: close)...])
    if tail.hasPrefix(".") { tail.removeFirst() }
    let owner: String
    switch head {
    case "panels": owner = "Panel " + String(index + 1)
    case "participants": owner = "Medverkande " + String(index + 1)
    case "topics": owner = "Ämne " + String(index + 1)
    case "languages": owner = "Språk " + String(index + 1)
    case "co_organiser_ids": owner = "Medarrangör " + String(index + 1)
    case "panelist_ids": owner = "Paneldeltagare " + String(index + 1)
    case "moderator_ids": owner = "Moderator " + String(index + 1)
    default: return name
    }
    guard !tail.isEmpty else { return owner }
    // A participant's title is theirs at this event, not a heading.
    if head == "participants" && tail == "title" { return owner + ": titel vid evenemanget" }
    return owner + ": " + field(tail).lowercasedFirst
  }

  private static let fieldLabels: [String: String] = [
    "title": "Rubrik", "description": "Beskrivning", "kind": "Typ", "starts_at": "Börjar",
    "ends_at": "Slutar", "venue_id": "Plats", "organiser_id": "Arrangör",
    "co_organiser_ids": "Medarrangörer", "co_organisers": "Medarrangörer", "topics": "Ämnen",
    "languages": "Språk", "language": "Språk", "accessibility": "Tillgänglighet",
    "food_served": "Servering", "livestream_url": "Direktsändning (länk)",
    "capacity": "Antal platser", "registration_open": "Anmälan öppen", "panels": "Paneler",
    "participants": "Medverkande", "source_note": "Källanteckning", "status": "Status",
    "person_id": "Person", "role": "Roll", "organisation": "Organisation", "panel": "Panel",
    "moderator_ids": "Moderatorer", "panelist_ids": "Paneldeltagare", "name": "Namn",
    "email": "E-post", "reason": "Motivering", "address": "Adress", "latitude": "Latitud",
    "longitude": "Longitud", "cutoff_at": "Sista dag för ändringar", "first_day": "Första dag",
    "last_day": "Sista dag", "year": "År", "password": "Lösenord",
    "organisation_name": "Organisationens namn",
  ]

  /// A problem message of the shared rules (`FieldProblem.message`, in English as the API's
  /// 422 gives it) in Swedish. The rules stay where they are; this only translates their
  /// words. A message not known here is shown as it is.
  public static func problem(_ message: String) -> String {
    if let known = problems[message] { return known }
    for (prefix, swedish) in problemPrefixes where message.hasPrefix(prefix) {
      let rest = message.dropFirst(prefix.count)
      return swedish
        + rest.replacingOccurrences(of: " characters", with: " tecken")
        .replacingOccurrences(of: " and ", with: " och ")
        .replacingOccurrences(of: " to ", with: " till ") + "."
    }
    return message
  }

  private static let problems: [String: String] = [
    "must not be empty": "Får inte vara tomt.",
    "must not be blank; leave it out instead": "Får inte vara bara blanksteg; lämna det tomt.",
    "must not contain control characters or line breaks":
      "Får inte innehålla radbrytningar eller styrtecken.",
    "must not contain control characters": "Får inte innehålla styrtecken.",
    "must be after starts_at": "Måste vara efter starttiden.",
    "an event lasts at most 24 hours": "Ett evenemang varar högst 24 timmar.",
    "give both starts_at and ends_at, or neither": "Ange både start- och sluttid, eller ingen.",
    "must lie inside the event's time": "Måste ligga inom evenemangets tid.",
    "names no panel of this event": "Evenemanget har ingen sådan panel.",
    "appears twice in the same role": "Finns två gånger i samma roll.",
    "must not repeat a feature": "Samma sak får inte stå två gånger.",
    "is required when registration is open": "Behövs när anmälan är öppen.",
    "must not repeat an organiser": "Samma medarrangör får inte stå två gånger.",
    "must not repeat the organiser": "Arrangören kan inte också vara medarrangör.",
    "must name at least one language": "Välj minst ett språk.",
    "must not repeat a language": "Samma språk får inte stå två gånger.",
    "must be a two-letter ISO 639-1 code such as sv or en":
      "Ange en språkkod med två bokstäver, till exempel sv eller en.",
    "must not repeat a topic": "Samma ämne får inte stå två gånger.",
    "must be an http or https URL":
      "Måste vara en webbadress som börjar med https:// eller http://.",
    "must be an email address": "Måste vara en e-postadress.",
    "is one of the most common passwords: choose another":
      "Är ett av de vanligaste lösenorden: välj ett annat.",
    "must not be your email address": "Får inte vara din e-postadress.",
    "must not be your name": "Får inte vara ditt namn.",
    "must be between -90 and 90": "Måste vara mellan -90 och 90.",
    "must be between -180 and 180": "Måste vara mellan -180 och 180.",
    "must not be before first_day": "Får inte vara före första dagen.",
    "an edition lasts at most a month": "En upplaga varar högst en månad.",
    "is required": "Måste fyllas i.",
    "the venue is already booked by a published event":
      "Platsen är redan bokad av ett publicerat evenemang under den tiden.",
    "must be a number": "Måste vara ett tal.",
    "must be a whole number": "Måste vara ett heltal.",
    "give latitude and longitude together": "Ange både latitud och longitud, eller ingen av dem.",
  ]

  private static let problemPrefixes: [(String, String)] = [
    ("must be at most ", "Högst "),
    ("must have at least ", "Minst "),
    ("must have at most ", "Högst "),
    ("at most ", "Högst "),
    ("must be between ", "Måste vara mellan "),
    ("must lie inside the festival's days, ", "Måste ligga inom festivalens dagar, "),
  ]

  /// A JSON value of the audit trail as people read it: a string without its quotes and
  /// escapes, `null` as "(tomt)", anything else as it is.
  public static func auditValue(_ json: String?) -> String {
    guard let json, json != "null" else { return "(tomt)" }
    guard json.count >= 2, json.hasPrefix("\""), json.hasSuffix("\"") else { return json }
    var out = ""
    var escaped = false
    for character in json.dropFirst().dropLast() {
      if escaped {
        switch character {
        case "n": out.append("\n")
        case "t": out.append("\t")
        default: out.append(character)
        }
        escaped = false
      } else if character == "\\" {
        escaped = true
      } else {
        out.append(character)
      }
    }
    return out
  }

  /// "tisdag 23 juni 12:00", a moment in Visby's time.
  static func moment(_ date: Date) -> String {
    let time = LocalTime(date)
    return time.swedishDay + " " + time.clock
  }

  /// "23 juni 2026 12:00", a moment with its year (audit trail, tokens, cut-off).
  static func longMoment(_ date: Date) -> String {
    let time = LocalTime(date)
    return String(time.day) + " " + LocalTime.swedishMonths[time.month - 1] + " "
      + String(time.year) + " " + time.clock
  }
}

extension String {
  fileprivate var lowercasedFirst: String {
    guard let first else { return self }
    return first.lowercased() + dropFirst()
  }
}
