import Postgres

/// The tables that queries name through a value (lookups shared by several tables, tests
/// counting rows), so that a table's name is never runtime text.
package enum Table: String, PostgresIdentifier, Sendable {
  case organisers, venues, people, events, panels, participations
  case eventOrganisers = "event_organisers"
  case eventChanges = "event_changes"
}
