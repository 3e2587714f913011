import AlmedalenCore
import Foundation
import Testing

@Suite struct ValidationTests {
  let edition = Edition(
    year: 2026, name: "Almedalsveckan 2026", firstDay: LocalDay("2026-06-21")!,
    lastDay: LocalDay("2026-06-28")!)

  func details(_ change: (inout EventDetails) -> Void = { _ in }) -> EventDetails {
    var details = EventDetails(
      title: "Framtidens vård", startsAt: FestivalTime.date(LocalDay("2026-06-23")!, hour: 12),
      endsAt: FestivalTime.date(LocalDay("2026-06-23")!, hour: 13), organiserID: UUID())
    change(&details)
    return details
  }

  func fields(_ details: EventDetails) -> Set<String> {
    do {
      try details.validate(in: edition)
      return []
    } catch let error as ValidationError {
      return Set(error.problems.map(\.field))
    } catch {
      return ["unexpected \(error)"]
    }
  }

  @Test func aSensibleEventHasNoProblems() {
    #expect(fields(details()).isEmpty)
  }

  @Test func everyProblemIsReportedAtOnce() {
    let broken = details {
      $0.title = "Rad ett\nrad två"
      $0.endsAt = $0.startsAt
      $0.languages = ["SV", "en", "en"]
      $0.livestreamURL = "javascript:alert(1)"
      $0.capacity = -1
      $0.topics = ["Hälsa", "hälsa"]
      $0.panels = [Panel(title: "P", startsAt: $0.startsAt, endsAt: nil)]
      $0.participants = [Participation(personID: UUID(), role: .panelist, panel: 4)]
    }
    #expect(
      fields(broken) == [
        "title", "ends_at", "languages[0]", "languages", "livestream_url", "capacity", "topics",
        "panels[0].ends_at", "participants[0].panel",
      ])
  }

  @Test func eventsMustLieInsideTheFestivalInVisbyTime() {
    // 23:30 on the last day in Visby is inside; midnight after it is outside.
    #expect(
      fields(
        details {
          $0.startsAt = FestivalTime.date(LocalDay("2026-06-28")!, hour: 23)
          $0.endsAt = FestivalTime.date(LocalDay("2026-06-28")!, hour: 23, minute: 59)
        }
      ).isEmpty)
    #expect(
      fields(
        details {
          $0.startsAt = FestivalTime.date(LocalDay("2026-06-28")!, hour: 23)
          $0.endsAt = FestivalTime.date(LocalDay("2026-06-29")!, hour: 0, minute: 30)
        }) == ["starts_at"])
  }

  @Test func controlCharactersAreRefusedButParagraphsKeepLineBreaks() {
    #expect(fields(details { $0.description = "Första stycket.\n\nAndra stycket.\tSlut." }).isEmpty)
    #expect(fields(details { $0.description = "NUL \u{0} här" }) == ["description"])
    #expect(fields(details { $0.title = "Rubrik\u{2028}" }) == ["title"])
  }

  @Test func registrationOpenNeedsACapacity() {
    #expect(fields(details { $0.registrationOpen = true }) == ["capacity"])
    #expect(
      fields(
        details {
          $0.registrationOpen = true
          $0.capacity = 40
        }
      ).isEmpty)
  }

  @Test func organiserCannotAlsoBeCoOrganiser() {
    let organiser = UUID()
    #expect(
      fields(
        details {
          $0.organiserID = organiser
          $0.coOrganiserIDs = [organiser]
        })
        == ["co_organiser_ids"])
  }

  @Test func referenceValuesValidateTheirFields() {
    #expect(throws: ValidationError.self) {
      try Organiser(name: " ", contactEmail: "a@b").validate()
    }
    #expect(throws: ValidationError.self) {
      try Venue(name: "V", coordinate: Coordinate(latitude: 57.6, longitude: 200)).validate()
    }
    #expect(throws: ValidationError.self) {
      try Person(name: "P", party: String(repeating: "M", count: 30)).validate()
    }
    #expect(throws: ValidationError.self) { try Registration.validate(name: "A", email: "") }
    #expect(throws: Never.self) {
      try Registration.validate(name: "Anna", email: "anna@example.org")
    }
  }
}

@Suite struct TimeTests {
  @Test func localDaysParseStrictlyAndCount() {
    #expect(LocalDay("2026-06-21")?.description == "2026-06-21")
    #expect(LocalDay("2026-02-29") == nil)
    #expect(LocalDay("2024-02-29") != nil)
    #expect(LocalDay("2026-6-21") == nil)
    #expect(LocalDay("2026-06-21T00") == nil)
    #expect(LocalDay("2026-06-28")!.adding(days: 4) == LocalDay("2026-07-02"))
    #expect(LocalDay("2026-06-21")!.days(to: LocalDay("2026-06-28")!) == 7)
  }

  @Test func visbyTimeFollowsSummerTime() {
    // Summer: UTC+2. Winter: UTC+1.
    let summer = FestivalTime.date(LocalDay("2026-06-23")!, hour: 12)
    #expect(summer.timeIntervalSince1970 == 1_782_208_800)
    let winter = FestivalTime.date(LocalDay("2026-01-15")!, hour: 12)
    #expect(winter.timeIntervalSince1970 == 1_768_474_800)
    #expect(FestivalTime.clock(summer) == "12:00")
    #expect(
      FestivalTime.day(of: Date(timeIntervalSince1970: 1_782_252_000)) == LocalDay("2026-06-24"))
  }

  @Test func walkingDistancesInVisbyAreSensible() {
    let donnersPlats = Coordinate(latitude: 57.6394, longitude: 18.2925)
    let almedalen = Coordinate(latitude: 57.6404, longitude: 18.2881)
    let metres = donnersPlats.distance(to: almedalen)
    #expect(metres > 250 && metres < 300)
    #expect(donnersPlats.distance(to: donnersPlats) == 0)
  }
}
