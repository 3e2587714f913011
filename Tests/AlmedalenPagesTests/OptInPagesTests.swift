import AlmedalenCore
import AlmedalenFeeds
import AlmedalenTesting
import Foundation
import Testing

@testable import AlmedalenPages

/// The pages of the sign-up flow (issue 19): "check your mail", a request's page with its
/// confirm button, the page after confirming, and the attendee's own page.
@Suite struct OptInPagesTests {
  static let event = Fixtures.event(capacity: 50, registrationOpen: true)

  @Test func theRequestPageSaysToLookInTheMailAndCarriesNoLink() throws {
    let root = try XMLTree.document(Pages.requested(event: Self.event, Fixtures.context))
    let main = try #require(root.first("main"))
    #expect(main.first("h1")?.text == "Titta i din e-post")
    #expect(main.squashedText.contains("bekräfta din anmälan"))
    #expect(main.all("a").compactMap { $0["href"] } == [Self.event.pageURL])
    #expect(!main.squashedText.contains("webcal"))
    #expect(main.first("form") == nil)
  }

  @Test func aPendingRequestsPageHasAConfirmButtonAndNoCancelButton() throws {
    var model = RegistrationPageModel(
      event: Self.event, status: .pending, waitlistPosition: nil,
      cancelAction: "/registrations/s3cr3t/cancel")
    model.confirmAction = "/registrations/s3cr3t/confirm"
    model.expiresAt = Fixtures.date("2026-06-20T10:30:00+02:00")
    let root = try XMLTree.document(Pages.registration(model, Fixtures.context))
    let main = try #require(root.first("main"))
    #expect(main.squashedText.contains("Din anmälan väntar på att du bekräftar den."))
    let forms = main.all("form")
    #expect(forms.count == 1)
    let form = try #require(forms.first)
    #expect(form["class"] == "confirm-form")
    #expect(form["method"] == "post")
    #expect(form["action"] == "/registrations/s3cr3t/confirm")
    #expect(form.all("input").first { $0["name"] == "form_token" }?["value"] == "tok-3f9a1c7e5b")
    #expect(form.first("button")?.text == "Bekräfta min anmälan")
    #expect(form.squashedText.contains("senast kl. 10:30"), "\(form.squashedText)")
  }

  @Test func aConfirmActionIsIgnoredOnceTheRequestIsConfirmed() throws {
    var model = RegistrationPageModel(
      event: Self.event, status: .confirmed, waitlistPosition: nil,
      cancelAction: "/registrations/s3cr3t/cancel")
    model.confirmAction = "/registrations/s3cr3t/confirm"
    let root = try XMLTree.document(Pages.registration(model, Fixtures.context))
    #expect(root.all("form").map { $0["action"] } == ["/registrations/s3cr3t/cancel"])
  }

  @Test func anUnsafeConfirmActionIsNoForm() throws {
    var model = RegistrationPageModel(
      event: Self.event, status: .pending, waitlistPosition: nil,
      cancelAction: "/registrations/s3cr3t/cancel")
    model.confirmAction = "javascript:alert(1)"
    let root = try XMLTree.document(Pages.registration(model, Fixtures.context))
    #expect(root.classed("confirm-form").isEmpty)
  }

  @Test func afterConfirmingThePageSaysTheLinksComeByMail() throws {
    var model = SignedUpPageModel(
      event: Self.event, status: .waitlisted, waitlistPosition: 3, registrationPage: nil,
      calendar: nil)
    model.confirmedByMail = true
    let root = try XMLTree.document(Pages.signedUp(model, Fixtures.context))
    let main = try #require(root.first("main"))
    #expect(main.first("h1")?.text == "Tack för din anmälan")
    #expect(main.classed("outcome").first?.text == "Du står på väntelistan som nummer 3.")
    #expect(main.squashedText.contains("på väg till din e-post"))
    #expect(main.all("a").compactMap { $0["href"] } == [Self.event.pageURL])
  }

  @Test func theAttendeePageListsEverySignUpWithItsCancelButtonAndTheCalendar() throws {
    let calendar = FeedLinks(
      calendar: "https://almedalen.example/feeds/attendee/k3y.ics",
      webcal: "webcal://almedalen.example/feeds/attendee/k3y.ics")
    let second = Fixtures.event(number: 2, title: "Fullt hus", capacity: 1, registrationOpen: true)
    let model = AttendeePageModel(
      items: [
        .init(
          event: Self.event, status: .confirmed, waitlistPosition: nil,
          cancelAction: "/attendees/k3y/registrations/r1/cancel"),
        .init(
          event: second, status: .waitlisted, waitlistPosition: 2,
          cancelAction: "/attendees/k3y/registrations/r2/cancel"),
      ], calendar: calendar, revokeAction: "/attendees/k3y/revoke")
    let root = try XMLTree.document(Pages.attendee(model, Fixtures.context))
    let main = try #require(root.first("main"))
    #expect(main.first("h1")?.text == "Mina anmälningar")
    let sections = main.classed("own-registration")
    #expect(sections.count == 2)
    #expect(sections.first?.squashedText.contains("Vård i hela landet") == true)
    #expect(sections.last?.squashedText.contains("Fullt hus") == true)
    #expect(
      main.all("form").compactMap { $0["action"] } == [
        "/attendees/k3y/registrations/r1/cancel", "/attendees/k3y/registrations/r2/cancel",
        "/attendees/k3y/revoke",
      ])
    #expect(main.all("form").allSatisfy { $0["method"] == "post" })
    let hrefs = main.all("a").compactMap { $0["href"] }
    #expect(hrefs.contains(calendar.webcal) && hrefs.contains(calendar.calendar))
  }

  @Test func anAttendeeWithoutSignUpsIsToldSo() throws {
    let model = AttendeePageModel(
      items: [],
      calendar: FeedLinks(
        calendar: "https://almedalen.example/feeds/attendee/k3y.ics",
        webcal: "webcal://almedalen.example/feeds/attendee/k3y.ics"),
      revokeAction: "/attendees/k3y/revoke")
    let root = try XMLTree.document(Pages.attendee(model, Fixtures.context))
    #expect(root.first("main")?.squashedText.contains("Du har inga anmälningar just nu.") == true)
    #expect(root.classed("own-registration").isEmpty)
  }
}
