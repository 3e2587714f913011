import AlmedalenCore
import Foundation

/// An event's body, for POST (a new draft) and PATCH (the fields present change). Read in
/// the order problems are reported in; `participants` before `panels`, whose members join
/// the participants.
struct EventInput: WireInput {
  var title: String?
  var startsAt: Date?
  var endsAt: Date?
  var organiserID: UUID?
  var description: String?
  var kind: EventKind?
  var venueID: UUID?
  var coOrganiserIDs: [UUID]?
  var topics: [String]?
  var language: String?
  var languages: [String]?
  var capacity: Int?
  var registrationOpen: Bool?
  var accessibility: [Accessibility]?
  var foodServed: Bool?
  var livestreamURL: String?
  var sourceNote: String?
  var participants: [ParticipantInput?]?
  var panels: [PanelInput?]?

  static let create = wire(patch: false)
  static let patch = wire(patch: true)

  /// POST requires the title and times; on PATCH they may be null, which leaves them as
  /// they are.
  private static func wire(patch: Bool) -> InputObject<Self> {
    let limits = EventDetails.Limits.self
    let language = Schema.string(pattern: "^[a-z]{2}$")
    return InputObject(
      name: patch ? "EventPatch" : "EventInput",
      description: patch
        ? "The fields to change." : "A new draft; left-out fields take their defaults.",
      fields: [
        .string("title", \.title, required: !patch, Schema.line(maxLength: limits.title)),
        .time("starts_at", \.startsAt, required: !patch, description: "Inside an edition's days."),
        .time(
          "ends_at", \.endsAt, required: !patch,
          description: "After `starts_at`, at most 24 hours later."),
        .uuid(
          "organiser_id", \.organiserID,
          description: """
            Required on POST with an admin token; with an organiser's token, left out or \
            null means the token's own organiser.
            """),
        .string("description", \.description, Schema.paragraph()),
        .enumeration("kind", \.kind),
        .uuid("venue_id", \.venueID),
        .uuids(
          "co_organiser_ids", \.coOrganiserIDs,
          Schema.array(Schema.uuid(), maxItems: 20, unique: true)),
        .strings(
          "topics", \.topics, Schema.array(Schema.line(), maxItems: limits.topics, unique: true)),
        .string(
          "language", \.language,
          Schema.string(pattern: "^[a-z]{2}$", description: "Shorthand for one language.")),
        .strings(
          "languages", \.languages,
          Schema.array(language, minItems: 1, maxItems: limits.languages, unique: true)),
        .int(
          "capacity", \.capacity,
          Schema.integer(FieldLimits.capacity, description: "Required when registration is open.")),
        .bool("registration_open", \.registrationOpen),
        .enumerations("accessibility", \.accessibility),
        .bool("food_served", \.foodServed),
        .string("livestream_url", \.livestreamURL, Schema.webURL()),
        .string("source_note", \.sourceNote, Schema.paragraph()),
        .objects(
          "participants", \.participants, ParticipantInput.wire, maxItems: limits.participants),
        .objects("panels", \.panels, PanelInput.wire, maxItems: limits.panels),
      ],
      uses: [ParticipantInput.wire.component, PanelInput.wire.component])
  }
}

/// One participant: a person in a role, with the title and organisation shown at this
/// event, and an optional panel index.
struct ParticipantInput: WireInput {
  var personID: UUID?
  var role: ParticipantRole?
  var title: String?
  var organisation: String?
  var panel: Int?

  static let wire = InputObject<Self>(
    name: "ParticipantInput",
    fields: [
      .uuid("person_id", \.personID, required: true),
      .enumeration("role", \.role, required: true),
      .string(
        "title", \.title,
        Schema.line(description: "The person's title at this event.")),
      .string("organisation", \.organisation, Schema.line()),
      .int(
        "panel", \.panel,
        Schema.integer(minimum: 0, description: "Index into `panels`, from 0.")),
      // What GET adds, so that a participant read can be sent back as it is.
      .ignored("name"), .ignored("party"),
    ])
}

/// One panel: a title, perhaps its own times, and its moderators and panelists.
struct PanelInput: WireInput {
  var title: String?
  var startsAt: Date?
  var endsAt: Date?
  var moderatorIDs: [UUID]?
  var panelistIDs: [UUID]?

  static let wire = InputObject<Self>(
    name: "PanelInput",
    fields: [
      .string("title", \.title, Schema.line()),
      .time("starts_at", \.startsAt, description: "Give both times or neither."),
      .time("ends_at", \.endsAt),
      .uuids("moderator_ids", \.moderatorIDs, Schema.array(Schema.uuid())),
      .uuids("panelist_ids", \.panelistIDs, Schema.array(Schema.uuid())),
    ])
}
