import AlmedalenCore
import Foundation

/// The admin API's and the sign-up's request bodies, each declared once: the declaration
/// reads the body and is its schema in the OpenAPI document.
struct EditionInput: WireInput {
  var year: Int?
  var name: String?
  var firstDay: LocalDay?
  var lastDay: LocalDay?

  static let wire = InputObject<Self>(
    name: "EditionInput",
    fields: [
      .int("year", \.year, required: true, Schema.integer(Edition.years)),
      .string("name", \.name, required: true, Schema.line(maxLength: Edition.nameLength)),
      .day("first_day", \.firstDay, required: true, description: "In `year`."),
      .day(
        "last_day", \.lastDay, required: true,
        description: "Not before `first_day`, at most 31 days after."),
    ])
}

struct OrganiserInput: WireInput {
  var name: String?
  var contactEmail: String?
  var website: String?

  static let wire = InputObject<Self>(
    name: "OrganiserInput",
    fields: [
      .string("name", \.name, required: true, Schema.line(maxLength: FieldLimits.name)),
      .string("contact_email", \.contactEmail, Schema.email()),
      .string("website", \.website, Schema.webURL()),
    ])
}

struct VenueInput: WireInput {
  var latitude: Double?
  var longitude: Double?
  var name: String?
  var address: String?
  var description: String?
  var capacity: Int?
  var accessibility: [Accessibility]?

  static let wire = InputObject<Self>(
    name: "VenueInput",
    fields: [
      .double(
        "latitude", \.latitude,
        Schema.number(minimum: -90, maximum: 90, description: "Give with `longitude`.")),
      .double(
        "longitude", \.longitude,
        Schema.number(minimum: -180, maximum: 180, description: "Give with `latitude`.")),
      .string("name", \.name, required: true, Schema.line(maxLength: FieldLimits.name)),
      .string("address", \.address, Schema.line(maxLength: FieldLimits.line)),
      .string("description", \.description, Schema.paragraph()),
      .int("capacity", \.capacity, Schema.integer(FieldLimits.capacity)),
      .enumerations("accessibility", \.accessibility),
    ],
    check: { venue, input in
      if (venue.latitude == nil) != (venue.longitude == nil) {
        input.add(
          venue.latitude == nil ? "latitude" : "longitude", "give latitude and longitude together")
      }
    })
}

struct PersonInput: WireInput {
  var name: String?
  var title: String?
  var organisation: String?
  var party: String?

  static let wire = InputObject<Self>(
    name: "PersonInput",
    fields: [
      .string("name", \.name, required: true, Schema.line(maxLength: FieldLimits.name)),
      .string("title", \.title, Schema.line(maxLength: FieldLimits.line)),
      .string("organisation", \.organisation, Schema.line(maxLength: FieldLimits.line)),
      .string("party", \.party, Schema.line(maxLength: FieldLimits.party)),
    ])
}

struct SignUpInput: WireInput {
  var name: String?
  var email: String?
  var attendeeToken: String?

  static let wire = InputObject<Self>(
    name: "SignUpInput",
    fields: [
      .string("name", \.name, required: true, Schema.line(maxLength: FieldLimits.name)),
      .string("email", \.email, required: true, Schema.deliverableEmail()),
      .string(
        "attendee_token", \.attendeeToken,
        Schema.string(
          pattern: RegistrationRoutes.secretPattern,
          description: "The secret of the attendee's page or calendar link (it proves the address)."
        )),
    ])
}
