/// What kind of event it is, as the official programme classifies them.
public enum EventKind: String, CaseIterable, Hashable, Sendable, Codable {
  case seminar
  case panelDebate = "panel_debate"
  case breakfastSeminar = "breakfast_seminar"
  case lunchSeminar = "lunch_seminar"
  case mingle
  case other
}

/// Where an event is in its life: drafts are private, and so are events submitted for review
/// or returned from it; published events are public, and a cancelled event stays visible as
/// cancelled so that subscribers learn of it.
public enum EventStatus: String, CaseIterable, Hashable, Sendable, Codable {
  case draft, submitted, returned, published, cancelled

  /// Whether the public sees an event in this status: published or cancelled. The schema's
  /// `event_status_is_public` (Schema/008) says the same; a test holds the two together.
  public var isPublic: Bool {
    switch self {
    case .published, .cancelled: true
    case .draft, .submitted, .returned: false
    }
  }

  /// The statuses the public sees.
  public static let publicStatuses = allCases.filter(\.isPublic)
}

/// Accessibility features of a venue or an event.
public enum Accessibility: String, CaseIterable, Hashable, Sendable, Codable {
  case wheelchair
  case hearingLoop = "hearing_loop"
  case signLanguage = "sign_language"
  case captions
  case audioDescription = "audio_description"
}

/// What a person does at an event.
public enum ParticipantRole: String, CaseIterable, Hashable, Sendable, Codable {
  case moderator, panelist, speaker
}

/// Where a sign-up stands.
public enum RegistrationStatus: String, CaseIterable, Hashable, Sendable, Codable {
  case confirmed, waitlisted, cancelled
  /// A request whose address has not been proven yet: it holds a seat or a waitlist place
  /// until it is confirmed from the mail or expires.
  case pending
}

/// What an API token may do.
public enum TokenRole: String, CaseIterable, Hashable, Sendable, Codable {
  /// Everything.
  case admin
  /// Only its own organiser's events (and adding people).
  case organiser
}
