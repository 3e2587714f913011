import AlmedalenCore
import Foundation

/// What the registration routes and the feed links answer with, each declared once: the
/// declaration writes the answer and is its schema in the OpenAPI document.
enum RegistrationOutputs {
  /// A sign-up's answer; the secret links only the first time.
  struct SignUp: Sendable {
    let eventID: UUID
    let status: RegistrationStatus
    let position: Int?
    let existing: Bool
    var cancelURL: String?
    var calendarURL: String?
    var webcalURL: String?
  }

  static let signUp = OutputObject<SignUp>(
    name: "SignUp",
    fields: [
      .uuid("event_id", \.eventID),
      OutputObject.Field(
        name: "status",
        schema: Schema.string(
          enumeration: [RegistrationStatus.confirmed, .waitlisted].map(\.rawValue))
      ) { $0.status.rawValue.json },
      .integer("waitlist_position", \.position, minimum: 1), .bool("existing", \.existing),
      .omittable("cancel_url", \.cancelURL), .omittable("calendar_url", \.calendarURL),
      .omittable("calendar_webcal_url", \.webcalURL),
    ])

  /// The answer to a request, the same for every address.
  static let requested = OutputObject<UUID>(
    name: "SignUpRequested",
    fields: [
      .uuid("event_id", \.self),
      OutputObject.Field(
        name: "detail",
        schema: Schema.string(enumeration: [requestedDetail])
      ) { _ in requestedDetail.json },
    ])

  static let requestedDetail =
    "Check your mail: the message there says how to confirm the sign-up. Nothing is signed up "
    + "until it is confirmed."

  /// A registration as its attendee sees it, or as its organiser's list shows it.
  struct Entry: Sendable {
    let registration: Registration
    let position: Int?
  }

  static let status = OutputObject<Entry>(
    name: "RegistrationStatus",
    fields: [
      .uuid("event_id", \.registration.eventID), .cases("status", \.registration.status),
      .integer("waitlist_position", \.position, minimum: 1),
      .time("registered_at", \.registration.createdAt),
    ])

  static let cancelled = OutputObject<Registration>(
    name: "CancelledRegistration",
    fields: [
      .uuid("event_id", \.eventID),
      OutputObject.Field(
        name: "status", schema: Schema.string(enumeration: [RegistrationStatus.cancelled.rawValue])
      ) { $0.status.rawValue.json },
    ])

  /// The organiser's list: the event, its headcounts, and every registration.
  struct List: Sendable {
    let event: Event
    let counts: [RegistrationStatus: Int]
    let entries: [Entry]
  }

  static let row = OutputObject<Entry>(
    name: "RegistrationListItem",
    fields: [
      .uuid("id", \.registration.id), .string("name", \.registration.name),
      .string("email", \.registration.email), .cases("status", \.registration.status),
      .integer("waitlist_position", \.position, minimum: 1),
      .time("registered_at", \.registration.createdAt),
    ])

  static let list = OutputObject<List>(
    name: "RegistrationList",
    fields: [
      .uuid("event_id", \.event.id), .integer("capacity", \.event.details.capacity),
      OutputObject.Field(
        name: "counts",
        schema: Schema.output(
          Dictionary(
            uniqueKeysWithValues: RegistrationStatus.allCases.map {
              ($0.rawValue, Schema.integer(minimum: 0))
            }))
      ) { list in
        .object(
          Dictionary(
            uniqueKeysWithValues: RegistrationStatus.allCases.map {
              ($0.rawValue, (list.counts[$0] ?? 0).json)
            }))
      },
      .inline("items", row) { $0.entries },
    ])

  /// Every feed of a selection.
  struct FeedLinks: Sendable {
    let ics: String
    let webcal: String
    let rss: String
    let scheduleXML: String
    let scheduleJSON: String
  }

  static let feedLinks = OutputObject<FeedLinks>(
    name: "FeedLinks",
    fields: [
      .nested(
        "ics",
        OutputObject(name: "", fields: [.string("https", \.ics), .string("webcal", \.webcal)])),
      .nested("rss", OutputObject(name: "", fields: [.string("https", \.rss)])),
      .nested(
        "schedule",
        OutputObject(
          name: "", fields: [.string("xml", \.scheduleXML), .string("json", \.scheduleJSON)])),
    ])

  /// One entry of an event's history, its changed fields read back from the JSON text the
  /// database keeps.
  struct Change: Sendable {
    let change: EventChange
    let fields: [String: JSONValue]
  }

  static let change = OutputObject<Change>(
    name: "HistoryEntry",
    fields: [
      .time("at", \.change.changedAt), .string("actor", \.change.actor),
      .cases("action", \.change.action), .integer("version", \.change.version),
      .integer("revision", \.change.revision),
      OutputObject.Field(
        name: "changes",
        schema: [
          "type": "object",
          "description": "Each changed field, with its value before and after.",
          "additionalProperties": Schema.output(["from": [:], "to": [:]]),
        ]
      ) { .object($0.fields) },
    ])
}
