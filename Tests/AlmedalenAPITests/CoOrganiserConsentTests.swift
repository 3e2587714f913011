import AlmedalenAPI
import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Testing

/// Naming another organiser as co-organiser is a request: until that organiser (or an admin)
/// accepts, the event shows under its own organiser only (issue 19, finding 5).
@Suite struct CoOrganiserConsentTests {
  /// Where a co-organiser's name or the event could show up for the co-organiser `b`.
  struct Exposure: Equatable, CustomStringConvertible {
    var organiserPage = false
    var organiserCalendar = false
    var organiserRSS = false
    var organiserListing = false
    var eventCalendarNamesB = false
    var eventPageNamesB = false
    var programmeFilterOffersB = false

    static let none = Exposure()
    static let all = Exposure(
      organiserPage: true, organiserCalendar: true, organiserRSS: true, organiserListing: true,
      eventCalendarNamesB: true, eventPageNamesB: true, programmeFilterOffersB: true)

    var description: String {
      "page=\(organiserPage) ics=\(organiserCalendar) rss=\(organiserRSS) "
        + "list=\(organiserListing) event.ics=\(eventCalendarNamesB) "
        + "event page=\(eventPageNamesB) filter=\(programmeFilterOffersB)"
    }
  }

  static func exposure(
    _ fixture: APIFixture, event: String, title: String, b: Organiser
  ) throws -> Exposure {
    let anyone = fixture.client(nil)
    let bID = b.id.wire
    var seen = Exposure()
    seen.organiserPage = try anyone.get("/organisers/\(bID)").text.contains(title)
    seen.organiserCalendar = try anyone.get("/feeds/program.ics?organiser=\(bID)").text.contains(
      title)
    seen.organiserRSS = try anyone.get("/feeds/program.rss?organiser=\(bID)").text.contains(title)
    seen.organiserListing = try fixture.client(fixture.other)
      .get("/api/v1/events?organiser_id=\(bID)").items.contains { $0["id"] as? String == event }
    seen.eventCalendarNamesB = try anyone.get("/feeds/events/\(event).ics").text.contains(b.name)
    seen.eventPageNamesB = try anyone.get("/events/\(event)").text.contains(b.name)
    seen.programmeFilterOffersB = try anyone.get("/").text.contains(
      "value=\"\(bID)\"")
    return seen
  }

  @Test func aNamedCoOrganiserShowsOnlyOnceItAccepts() throws {
    try withAPIFixture("coorg_consent") { fixture in
      let own = fixture.client(fixture.own)
      let other = fixture.client(fixture.other)
      let admin = fixture.client(fixture.admin)
      let b = fixture.otherOrganiser
      let title = "Samarbete som ingen frågat om"
      let created = try own.post(
        "/api/v1/events", eventBody(title, ["co_organiser_ids": [b.id.wire]]))
      #expect(created.status == 201, "\(created)")
      let id = created.id
      #expect(
        created.json["co_organisers"] as? [[String: String]] == [
          ["organiser_id": b.id.wire, "status": "pending"]
        ], "\(created)")
      let published = try admin.post("/api/v1/events/\(id)/publish")
      #expect(published.status == 200, "\(published)")
      #expect(try Self.exposure(fixture, event: id, title: title, b: b) == .none)

      // B sees the request; A may neither read B's requests nor answer for B.
      let requests = try other.get("/api/v1/organisers/\(b.id.wire)/co-organiser-requests")
      #expect(requests.status == 200, "\(requests)")
      #expect(requests.items.map { $0["event_id"] as? String } == [id], "\(requests)")
      #expect(requests.items.first?["status"] as? String == "pending")
      #expect(requests.items.first?["organiser_id"] as? String == fixture.organiser.id.wire)
      #expect(requests.items.first?["event_title"] as? String == title)
      expectProblem(
        try own.get("/api/v1/organisers/\(b.id.wire)/co-organiser-requests"), 403)
      let path = "/api/v1/events/\(id)/co-organisers/\(b.id.wire)"
      expectProblem(try own.post(path + "/accept"), 403)
      expectProblem(try fixture.client(nil).post(path + "/accept"), 401)
      #expect(try Self.exposure(fixture, event: id, title: title, b: b) == .none)

      let accepted = try other.post(path + "/accept")
      #expect(accepted.status == 200, "\(accepted)")
      #expect(accepted.json["status"] as? String == "accepted", "\(accepted)")
      #expect(try Self.exposure(fixture, event: id, title: title, b: b) == .all)
      // Accepting twice is harmless.
      #expect(try other.post(path + "/accept").status == 200)

      // A's later edits, even reordering the co-organisers, keep B's answer.
      let third = try fixture.store.organisers.create(Organiser(name: "Tredje föreningen"))
      let current = try own.get("/api/v1/events/\(id)")
      let patched = try own.patch(
        "/api/v1/events/\(id)", ["co_organiser_ids": [third.id.wire, b.id.wire]],
        ifMatch: current.header("ETag"))
      #expect(patched.status == 200, "\(patched)")
      #expect(
        patched.json["co_organisers"] as? [[String: String]] == [
          ["organiser_id": third.id.wire, "status": "pending"],
          ["organiser_id": b.id.wire, "status": "accepted"],
        ], "\(patched)")
      #expect(try Self.exposure(fixture, event: id, title: title, b: b) == .all)

      let declined = try other.post(path + "/decline")
      #expect(declined.status == 200, "\(declined)")
      #expect(declined.json["status"] as? String == "declined")
      #expect(try Self.exposure(fixture, event: id, title: title, b: b) == .none)
      // A declined request stays declined until the organiser names B anew.
      expectProblem(try other.post(path + "/accept"), 409)
      let pending = try other.get(
        "/api/v1/organisers/\(b.id.wire)/co-organiser-requests?status=pending")
      #expect(pending.items.isEmpty, "\(pending)")
      let all = try other.get("/api/v1/organisers/\(b.id.wire)/co-organiser-requests")
      #expect(all.items.map { $0["status"] as? String } == ["declined"], "\(all)")
      expectProblem(
        try other.get("/api/v1/organisers/\(b.id.wire)/co-organiser-requests?status=maybe"), 422)
    }
  }

  /// An admin's naming is the festival staff's own decision: accepted at once. An admin may
  /// also answer for any organiser.
  @Test func anAdminsLinkIsAcceptedAtOnceAndAnAdminMayAnswer() throws {
    try withAPIFixture("coorg_admin") { fixture in
      let admin = fixture.client(fixture.admin)
      let b = fixture.otherOrganiser
      let title = "Staben samordnar"
      let created = try admin.post(
        "/api/v1/events",
        eventBody(title, organiser: fixture.organiser.id, ["co_organiser_ids": [b.id.wire]]))
      #expect(created.status == 201, "\(created)")
      #expect(
        created.json["co_organisers"] as? [[String: String]] == [
          ["organiser_id": b.id.wire, "status": "accepted"]
        ], "\(created)")
      _ = try admin.post("/api/v1/events/\(created.id)/publish")
      #expect(try Self.exposure(fixture, event: created.id, title: title, b: b) == .all)

      // An organiser's naming waits; the admin answers for B.
      let third = try fixture.store.organisers.create(Organiser(name: "Tredje föreningen"))
      let own = fixture.client(fixture.own)
      let second = try own.post(
        "/api/v1/events", eventBody("Andra samarbetet", ["co_organiser_ids": [third.id.wire]]))
      let path = "/api/v1/events/\(second.id)/co-organisers/\(third.id.wire)"
      let listed = try admin.get("/api/v1/organisers/\(third.id.wire)/co-organiser-requests")
      #expect(listed.items.map { $0["event_id"] as? String } == [second.id], "\(listed)")
      #expect(try admin.post(path + "/accept").json["status"] as? String == "accepted")
      // Nobody asked this organiser: nothing to answer.
      expectProblem(
        try admin.post("/api/v1/events/\(second.id)/co-organisers/\(b.id.wire)/accept"), 404)
      expectProblem(
        try admin.post("/api/v1/events/\(UUID().wire)/co-organisers/\(b.id.wire)/accept"), 404)
      expectProblem(
        try admin.get("/api/v1/organisers/\(UUID().wire)/co-organiser-requests"), 404)
    }
  }
}
