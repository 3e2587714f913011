import AlmedalenCore
import AlmedalenFeeds
import AlmedalenTesting
import Foundation
import Testing

@testable import AlmedalenPages

/// The attendee's own pages: after signing up, the registration with its cancel button, and
/// after cancelling.
@Suite struct RegistrationPagesTests {
  static let event = Fixtures.event(capacity: 50, registrationOpen: true)
  static let personal = FeedLinks(
    calendar: "https://almedalen.example/feeds/attendee/k3y.ics",
    webcal: "webcal://almedalen.example/feeds/attendee/k3y.ics")
  static let registrationPage = "https://almedalen.example/registrations/s3cr3t"

  func signedUp(
    _ status: RegistrationStatus, position: Int? = nil, page: String? = registrationPage,
    calendar: FeedLinks? = personal
  ) throws -> ParsedElement {
    try XMLTree.document(
      Pages.signedUp(
        SignedUpPageModel(
          event: Self.event, status: status, waitlistPosition: position, registrationPage: page,
          calendar: calendar), Fixtures.context))
  }

  @Test func confirmedAttendeeGetsTheirSeatAndTheirLinksOnce() throws {
    let root = try signedUp(.confirmed)
    let main = try #require(root.first("main"))
    #expect(main.classed("outcome").first?.text == "Du har fått en plats.")
    #expect(main.squashedText.contains("Spara den här länken: där kan du avboka"))
    let links = main.all("a").map { ($0.text, $0["href"] ?? "") }
    #expect(links.contains { $0 == (Self.registrationPage, Self.registrationPage) })
    #expect(links.contains { $0 == ("Lägg till i kalendern (webcal)", Self.personal.webcal) })
    #expect(links.contains { $0 == ("iCalendar-länk (https)", Self.personal.calendar) })
    #expect(main.squashedText.contains("personliga och visas bara den här gången"))
    // The seminar itself, with a link back to it.
    #expect(links.contains { $0 == ("Vård i hela landet", Self.event.pageURL) })
    #expect(main.first("time")?["datetime"] == "2026-06-23T12:00:00+02:00")
  }

  @Test func waitlistedAttendeeLearnsTheirPlaceInTheQueue() throws {
    let root = try signedUp(.waitlisted, position: 4)
    #expect(root.classed("outcome").first?.text == "Du står på väntelistan som nummer 4.")
  }

  @Test func alreadySignedUpGetsNoLinks() throws {
    let root = try signedUp(.confirmed, page: nil, calendar: nil)
    let main = try #require(root.first("main"))
    #expect(main.first("h1")?.text == "Du var redan anmäld")
    #expect(main.squashedText.contains("Du var redan anmäld"))
    let hrefs = main.all("a").compactMap { $0["href"] }
    #expect(hrefs == [Self.event.pageURL])
    #expect(!main.squashedText.contains("webcal"))
  }

  @Test func registrationPageShowsStatusAndACancelButton() throws {
    let root = try XMLTree.document(
      Pages.registration(
        RegistrationPageModel(
          event: Self.event, status: .waitlisted, waitlistPosition: 2,
          cancelAction: "/registrations/s3cr3t/cancel"), Fixtures.context))
    let main = try #require(root.first("main"))
    #expect(main.first("h1")?.text == "Din anmälan")
    #expect(main.squashedText.contains("Vård i hela landet"))
    #expect(main.squashedText.contains("tisdag 23 juni 12:00–13:00"))
    #expect(main.squashedText.contains("Donners plats"))
    #expect(main.squashedText.contains("Du står på väntelistan som nummer 2."))
    let form = try #require(main.first("form"))
    #expect(form["method"] == "post")
    #expect(form["action"] == "/registrations/s3cr3t/cancel")
    #expect(form.all("input").first { $0["name"] == "form_token" }?["value"] == "tok-3f9a1c7e5b")
    #expect(form.first("button")?.text == "Avboka min plats")
  }

  @Test func cancelledRegistrationHasNothingLeftToCancel() throws {
    let root = try XMLTree.document(
      Pages.registration(
        RegistrationPageModel(
          event: Self.event, status: .cancelled, waitlistPosition: nil,
          cancelAction: "/registrations/s3cr3t/cancel"), Fixtures.context))
    #expect(root.first("form") == nil)
    #expect(root.first("main")?.squashedText.contains("Din anmälan är avbokad.") == true)
  }

  @Test func registrationForACancelledEventSaysSo() throws {
    let root = try XMLTree.document(
      Pages.registration(
        RegistrationPageModel(
          event: Fixtures.event(status: .cancelled), status: .confirmed, waitlistPosition: nil,
          cancelAction: "/registrations/s3cr3t/cancel"), Fixtures.context))
    #expect(root.first("main")?.squashedText.contains("INSTÄLLT") == true)
    #expect(root.first("main")?.squashedText.contains("Seminariet är inställt.") == true)
  }

  @Test func unsafeCancelActionIsNoForm() throws {
    let root = try XMLTree.document(
      Pages.registration(
        RegistrationPageModel(
          event: Self.event, status: .confirmed, waitlistPosition: nil,
          cancelAction: "javascript:alert(1)"), Fixtures.context))
    #expect(root.first("form") == nil)
  }

  @Test func cancelledPageConfirmsAndLeadsBackToTheSeminar() throws {
    let root = try XMLTree.document(Pages.cancelled(event: Self.event, Fixtures.context))
    let main = try #require(root.first("main"))
    #expect(main.classed("outcome").first?.text == "Din anmälan är avbokad.")
    #expect(
      main.all("a").contains { $0["href"] == Self.event.pageURL && $0.text == "Vård i hela landet" }
    )
  }
}
