import AlmedalenCore
import AlmedalenTesting
import Foundation
import Postgres
import PostgresTesting
import Testing

@testable import AlmedalenStore

/// Submitted and returned events, approval, the edition's cut-off, and the one rule of
/// what is public.
@Suite struct ReviewTests {
  /// A person on the panel of an event, so that person listings can be checked.
  func eventWithPerson(_ fixture: StoreFixture, title: String, hour: Int) throws -> (Event, Person)
  {
    let person = try fixture.store.people.create(Person(name: "Person \(title)"))
    var details = fixture.details(title: title, hour: hour)
    details.topics = ["Ämne \(title)"]
    details.participants = [Participation(personID: person.id, role: .speaker)]
    return (try fixture.store.events.create(details), person)
  }

  @Test func swiftAndTheSchemaAgreeOnWhatIsPublic() throws {
    let fixture = try StoreFixture(prefix: "review_rule")
    defer { fixture.close() }
    for status in EventStatus.allCases {
      let database: Bool = try scalar(
        fixture, "SELECT event_status_is_public($1) AS v", [status.rawValue])
      #expect(database == status.isPublic, "\(status)")
    }
    #expect(EventFilter.publicProgramme.statuses == [.published, .cancelled])
  }

  @Test func submittedAndReturnedEventsAreInNothingPublic() throws {
    let fixture = try StoreFixture(prefix: "review_private")
    defer { fixture.close() }
    let events = fixture.store.events
    let (submitted, submittedPerson) = try eventWithPerson(fixture, title: "Inskickat", hour: 9)
    let (returned, returnedPerson) = try eventWithPerson(fixture, title: "Återsänt", hour: 11)
    let (published, publishedPerson) = try eventWithPerson(fixture, title: "Publicerat", hour: 14)
    // Another organiser's private events sit at another venue, so that only they name it.
    let other = try fixture.store.organisers.create(Organiser(name: "Annan förening"))
    var otherDetails = fixture.details(title: "Annans", hour: 16, venue: fixture.otherVenue.id)
    otherDetails.organiserID = other.id
    let otherEvent = try events.create(otherDetails)
    try events.submit(otherEvent.id)
    let afterSubmit = try events.submit(submitted.id)
    #expect(afterSubmit.status == .submitted && afterSubmit.submittedAt != nil)
    try events.submit(returned.id)
    let afterReturn = try events.returnForChanges(returned.id, reason: "Ange lokal och tid.")
    #expect(afterReturn.status == .returned && afterReturn.reviewReason == "Ange lokal och tid.")
    _ = try events.publish(published.id)

    let feeds = fixture.store.feeds
    let editionFilter = EventFilter(editionID: fixture.edition.id)
    #expect(try feeds.snapshot(editionFilter).events.map(\.id) == [published.id])
    #expect(
      try feeds.snapshot(EventFilter(organiserID: other.id)).events.isEmpty)
    #expect(
      try feeds.snapshot(EventFilter(venueID: fixture.otherVenue.id)).events.isEmpty)
    #expect(
      try feeds.snapshot(EventFilter(personID: submittedPerson.id)).events.isEmpty)
    #expect(
      try feeds.changes(editionFilter, limit: 100).changes.allSatisfy { $0.eventID == published.id }
    )
    for id in [submitted.id, returned.id, otherEvent.id] {
      #expect(throws: StoreError.self) { try feeds.event(id) }
    }
    #expect(try feeds.event(published.id).events.count == 1)
    let choices = try feeds.filterOptions(editionID: fixture.edition.id)
    #expect(choices.topics == ["Ämne Publicerat"])
    #expect(choices.organisers.map(\.id) == [fixture.organiser.id])
    #expect(choices.venues.map(\.id) == [fixture.venue.id])
    for person in [submittedPerson, returnedPerson] {
      #expect(throws: StoreError.self) { try fixture.store.people.publicPerson(person.id) }
    }
    #expect(try fixture.store.people.publicPerson(publishedPerson.id).id == publishedPerson.id)
    #expect(try events.all(.publicProgramme).map(\.id) == [published.id])
    // Another organiser's token sees public events and its own private ones only.
    let seenByOther = try events.all(EventFilter(draftsOf: other.id)).map(\.id)
    #expect(Set(seenByOther) == [published.id, otherEvent.id])
    #expect(
      try events.draftsHidden(among: [submitted.id, returned.id, published.id], from: other.id)
        == [submitted.id, returned.id])
    // Nobody signs up for an event in review: for the public it does not exist.
    do {
      _ = try fixture.store.registrations.register(
        eventID: submitted.id, name: "Anna", email: "anna@example.se", at: fixture.at(day: 20, 12))
      Issue.record("signed up for a submitted event")
    } catch StoreError.notFound {}
  }

  @Test func theReviewStepsAndTheirHistory() throws {
    let fixture = try StoreFixture(prefix: "review_steps")
    defer { fixture.close() }
    let events = fixture.store.events
    let office = try fixture.store.accounts.createUser(
      email: "kansli@example.se", name: "Programkansliet", office: true)
    let organiser = try signedUpUser(fixture, email: "tove@example.se")
    let event = try events.create(fixture.details(), actor: "session", userID: organiser.id)
    // Only a submitted event is returned; a draft is not cancelled.
    #expect(throws: StoreError.self) { try events.returnForChanges(event.id, reason: "x") }
    #expect(throws: StoreError.self) { try events.cancel(event.id) }
    try events.submit(event.id, actor: "session", userID: organiser.id)
    // A return needs a reason.
    do {
      _ = try events.returnForChanges(event.id, reason: "  ")
      Issue.record("returned without a reason")
    } catch StoreError.invalid(let error) {
      #expect(error.problems.map(\.field) == ["reason"])
    }
    try events.returnForChanges(
      event.id, reason: "Beskrivningen saknas.", actor: "session", userID: office.id)
    let resubmitted = try events.submit(event.id, actor: "session", userID: organiser.id)
    #expect(resubmitted.reviewReason == nil)
    let approved = try events.publish(event.id, actor: "session", userID: office.id)
    #expect(approved.status == .published && approved.publishedAt != nil)
    #expect(throws: StoreError.self) { try events.submit(event.id) }
    #expect(throws: StoreError.self) { try events.returnForChanges(event.id, reason: "sent") }
    // The schema itself refuses a public event going back, whatever the SQL.
    #expect(throws: PostgresError.self) {
      try run(fixture, "UPDATE events SET status = 'submitted'")
    }
    let history = try events.history(event.id)
    #expect(history.map(\.action) == [.created, .updated, .updated, .updated, .published])
    #expect(
      history.map(\.userName)
        == ["Tove", "Tove", "Programkansliet", "Tove", "Programkansliet"])
    let returnStep = history[2]
    #expect(returnStep.fields.contains { $0.name == "review_reason" })
    #expect(!history.flatMap(\.fields).contains { $0.name == "is_public" })
    // The change feed names it published once, at approval.
    let changes = try fixture.store.feeds.changes(EventFilter(), limit: 10).changes
    #expect(changes.map(\.action) == [.published])
  }

  @Test func afterTheCutoffAPublishedEventCanOnlyBeCancelled() throws {
    let fixture = try StoreFixture(prefix: "review_cutoff")
    defer { fixture.close() }
    let events = fixture.store.events
    let published = try events.create(fixture.details(title: "Publicerat", hour: 9))
    _ = try events.publish(published.id)
    let submitted = try events.create(fixture.details(title: "Inskickat", hour: 12))
    try events.submit(submitted.id)
    // Before the cut-off: a published event is still never deleted (001's rule).
    _ = try fixture.store.editions.setCutoff(
      fixture.edition.id, at: Date().addingTimeInterval(86400))
    do {
      try events.deleteDraft(published.id)
      Issue.record("deleted")
    } catch StoreError.lifecycle(let reason) {
      #expect(reason.contains("cancel it instead"))
    }
    // After it, the refusal names the cut-off, also for SQL outside the store.
    let edition = try fixture.store.editions.setCutoff(
      fixture.edition.id, at: Date().addingTimeInterval(-60))
    #expect(edition.cutoffAt != nil)
    #expect(try fixture.store.editions.get(fixture.edition.id).cutoffAt == edition.cutoffAt)
    do {
      try events.deleteDraft(published.id)
      Issue.record("deleted after the cut-off")
    } catch StoreError.lifecycle(let reason) {
      #expect(reason.contains("cut-off"))
    }
    do {
      try run(fixture, "DELETE FROM events WHERE status = 'published'")
      Issue.record("deleted in SQL after the cut-off")
    } catch let error as PostgresError {
      #expect(error.constraint == "events_cutoff")
    }
    #expect(try events.cancel(published.id).status == .cancelled)
    // A private event was never public: it may go.
    try events.deleteDraft(submitted.id)
    #expect(throws: StoreError.self) { try events.get(submitted.id) }
  }

  @Test func approvingFromReviewKeepsTheMailTriggers() throws {
    let fixture = try StoreFixture(prefix: "review_mail")
    defer { fixture.close() }
    let events = fixture.store.events
    var details = fixture.details(capacity: 10)
    details.registrationOpen = true
    let event = try events.create(details)
    try events.submit(event.id)
    _ = try events.publish(event.id)
    _ = try fixture.store.registrations.register(
      eventID: event.id, name: "Anna", email: "anna@example.se", at: fixture.at(day: 20, 12))
    _ = try events.cancel(event.id)
    let kinds: [String] = try fixture.store.pool.withConnection {
      try $0.query("SELECT kind FROM mail_outbox ORDER BY id").map { try $0.decode("kind") }
    }
    #expect(kinds == ["signup", "event-cancelled"])
  }
}
