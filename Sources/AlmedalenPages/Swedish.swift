import AlmedalenCore
import AlmedalenFeeds

/// The words the pages show for the programme's codes.
enum Swedish {
  static func kind(_ kind: EventKind) -> StaticString {
    switch kind {
    case .seminar: "Seminarium"
    case .panelDebate: "Paneldebatt"
    case .breakfastSeminar: "Frukostseminarium"
    case .lunchSeminar: "Lunchseminarium"
    case .mingle: "Mingel"
    case .other: "Övrigt"
    }
  }

  static func accessibility(_ feature: Accessibility) -> StaticString {
    switch feature {
    case .wheelchair: "Rullstolsanpassat"
    case .hearingLoop: "Hörslinga"
    case .signLanguage: "Teckenspråkstolkning"
    case .captions: "Textning"
    case .audioDescription: "Syntolkning"
    }
  }

  /// The language's Swedish name for the codes the festival meets; any other code as it is.
  static func language(_ code: String) -> String {
    switch code {
    case "sv": "svenska"
    case "en": "engelska"
    case "fi": "finska"
    case "se": "nordsamiska"
    case "no", "nb", "nn": "norska"
    case "da": "danska"
    case "is": "isländska"
    case "de": "tyska"
    case "fr": "franska"
    case "es": "spanska"
    case "ar": "arabiska"
    case "fa": "persiska"
    case "so": "somaliska"
    case "ti": "tigrinska"
    case "uk": "ukrainska"
    case "ru": "ryska"
    case "pl": "polska"
    case "et": "estniska"
    case "lv": "lettiska"
    case "lt": "litauiska"
    case "yi": "jiddisch"
    case "ro": "rumänska"
    default: code
    }
  }

  /// "Tisdag 23 juni", a day as a heading.
  static func dayHeading(_ day: LocalDay) -> String {
    let name = LocalTime.swedishWeekdays[weekday(of: day)]
    return name.prefix(1).uppercased() + name.dropFirst() + " " + String(day.day) + " "
      + LocalTime.swedishMonths[day.month - 1]
  }

  /// "tisdag 23 juni", within a sentence.
  static func day(_ time: LocalTime) -> String { time.swedishDay }

  /// 0 is Monday … 6 is Sunday.
  static func weekday(of day: LocalDay) -> Int { day.weekday }

  /// The local day a moment falls on in Visby.
  static func localDay(_ time: LocalTime) -> LocalDay? {
    LocalDay(year: time.year, month: time.month, day: time.day)
  }
}
