import AlmedalenCore
import Foundation

/// The objects the admin API answers with, each declared once: the declaration writes the
/// answer and is its schema in the OpenAPI document.
enum WireOutputs {
  static let edition = OutputObject<Edition>(
    name: "Edition",
    fields: [
      .uuid("id", \.id), .integer("year", \.year), .string("name", \.name),
      .day("first_day", \.firstDay), .day("last_day", \.lastDay),
      .constant(
        "time_zone", FestivalTime.zoneIdentifier,
        description: "Always \(FestivalTime.zoneIdentifier)."),
    ])

  static let organiser = OutputObject<Organiser>(
    name: "Organiser",
    fields: [
      .uuid("id", \.id), .string("name", \.name), .string("contact_email", \.contactEmail),
      .string("website", \.website), .integer("version", \.version),
    ])

  static let venue = OutputObject<Venue>(
    name: "Venue",
    fields: [
      .uuid("id", \.id), .string("name", \.name), .string("address", \.address),
      .string("description", \.description), .number("latitude", \.coordinate?.latitude),
      .number("longitude", \.coordinate?.longitude), .integer("capacity", \.capacity),
      .cases("accessibility", \.accessibility), .integer("version", \.version),
    ])

  static let person = OutputObject<Person>(
    name: "Person",
    fields: [
      .uuid("id", \.id), .string("name", \.name), .string("title", \.title),
      .string("organisation", \.organisation), .string("party", \.party),
      .integer("version", \.version),
    ])

  static let conflict = OutputObject<Conflict>(
    name: "Conflict",
    fields: [
      .cases("kind", \.kind),
      OutputObject.Field(
        name: "event_ids", schema: Schema.array(Schema.uuid(), minItems: 2, maxItems: 2)
      ) { [$0.firstEventID.wire, $0.secondEventID.wire].json },
      .uuid("person_id", \.personID), .uuid("venue_id", \.venueID),
      .number("distance_metres", \.wireDistance), .number("walking_minutes", \.wireWalk),
      .number("gap_minutes", \.wireGap), .string("summary", \.summary),
    ])

  static let coOrganiserLink = OutputObject<CoOrganiserLink>(
    name: "CoOrganiserLink",
    fields: [.uuid("organiser_id", \.organiserID), .cases("status", \.status)])

  static let coOrganiserRequest = OutputObject<CoOrganiserRequest>(
    name: "CoOrganiserRequest",
    description: """
      An event that names `co_organiser_id` as co-organiser. Until it is `accepted` the \
      event shows under `organiser_id` only.
      """,
    fields: [
      .uuid("event_id", \.eventID), .string("event_title", \.eventTitle),
      .cases("event_status", \.eventStatus), .time("starts_at", \.startsAt),
      .uuid("organiser_id", \.organiserID), .string("organiser_name", \.organiserName),
      .uuid("co_organiser_id", \.coOrganiserID), .cases("status", \.status),
      .time("requested_at", \.requestedAt), .time("decided_at", \.decidedAt),
    ])

  /// A stored event and the conflicts it causes.
  struct EventAnswer: Sendable {
    let event: Event
    let warnings: [Conflict]
  }

  /// A panel and the participations in it.
  struct PanelAnswer: Sendable {
    let panel: Panel
    let members: [Participation]

    var moderators: [UUID] { members.filter { $0.role == .moderator }.map(\.personID) }
    var panelists: [UUID] { members.filter { $0.role == .panelist }.map(\.personID) }
  }

  static let panel = OutputObject<PanelAnswer>(
    name: "Panel",
    fields: [
      .string("title", \.panel.title), .time("starts_at", \.panel.startsAt),
      .time("ends_at", \.panel.endsAt), .uuids("moderator_ids", \.moderators),
      .uuids("panelist_ids", \.panelists),
    ])

  static let participant = OutputObject<Participation>(
    name: "Participant",
    fields: [
      .uuid("person_id", \.personID), .cases("role", \.role), .string("name", \.personName),
      .string("party", \.personParty), .string("title", \.title),
      .string("organisation", \.organisation), .integer("panel", \.panel),
    ])

  static let event = OutputObject<EventAnswer>(
    name: "Event",
    fields: [
      .uuid("id", \.event.id), .uuid("edition_id", \.event.editionID),
      .cases("status", \.event.status), .integer("revision", \.event.revision),
      .integer("version", \.event.version), .string("title", \.event.details.title),
      .string("description", \.event.details.description), .cases("kind", \.event.details.kind),
      .time("starts_at", \.event.details.startsAt), .time("ends_at", \.event.details.endsAt),
      .uuid("venue_id", \.event.details.venueID),
      .uuid("organiser_id", \.event.details.organiserID),
      .uuids("co_organiser_ids", \.event.details.coOrganiserIDs),
      .inline("co_organisers", coOrganiserLink) { $0.event.coOrganisers },
      .strings("topics", \.event.details.topics), .strings("languages", \.event.details.languages),
      .cases("accessibility", \.event.details.accessibility),
      .bool("food_served", \.event.details.foodServed),
      .string("livestream_url", \.event.details.livestreamURL),
      .integer("capacity", \.event.details.capacity),
      .bool("registration_open", \.event.details.registrationOpen),
      .objects("panels", panel) { answer in
        answer.event.details.panels.enumerated().map { index, panel in
          PanelAnswer(
            panel: panel, members: answer.event.details.participants.filter { $0.panel == index })
        }
      },
      .objects("participants", participant) { $0.event.details.participants },
      .string("source_note", \.event.details.sourceNote),
      .time("created_at", \.event.createdAt), .time("updated_at", \.event.updatedAt),
      .time("published_at", \.event.publishedAt), .time("cancelled_at", \.event.cancelledAt),
      .time("submitted_at", \.event.submittedAt),
      .string("review_reason", \.event.reviewReason),
      .objects("warnings", conflict) { $0.warnings },
    ],
    uses: [panel.component, participant.component, conflict.component])
}

extension Conflict {
  /// Metres to a tenth, minutes to a tenth: what the wire carries.
  var wireDistance: Double? { distanceMetres.map { ($0 * 10).rounded() / 10 } }
  var wireWalk: Double? { walkingTime.map { ($0 / 6).rounded() / 10 } }
  var wireGap: Double? { gap.map { ($0 / 6).rounded() / 10 } }
}
