package import Postgres

/// The tables that queries name through a value (shared lookups, tests counting rows), so
/// that a table name is never runtime text.
package enum Table: String, PostgresIdentifier, CaseIterable, Sendable {
  case editions, organisers, venues, people, events, panels, participations
  case eventOrganisers = "event_organisers"
  case eventChanges = "event_changes"
  case registrations, attendees
  case apiTokens = "api_tokens"
  case calendarTokens = "calendar_tokens"
  case rateLimits = "rate_limits"
}
