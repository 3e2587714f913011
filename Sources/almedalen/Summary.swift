import AlmedalenCore
import AlmedalenStore
import Foundation

/// A plain-text overview of the programme, day by day, until the HTTP service serves it.
struct Summary {
  let store: FestivalStore

  func print(year: Int?) throws {
    let editions = try store.editions.list()
    guard
      let edition = year.flatMap({ y in editions.first { $0.year == y } }) ?? editions.last
    else {
      Swift.print("No festival edition yet: run `almedalen seed demo`.")
      return
    }
    let events = try store.events.all(EventFilter(editionID: edition.id))
    Swift.print("\(edition.name): \(edition.firstDay) – \(edition.lastDay), \(events.count) events")
    for day in edition.days {
      let today = events.filter { FestivalTime.day(of: $0.startsAt) == day }
      let cancelled = today.filter { $0.status == .cancelled }.count
      Swift.print("  \(day): \(today.count) events, \(cancelled) cancelled")
    }
    // The seed report seminars (or the first few events) in full.
    let featured = events.filter { $0.sourceNote?.hasPrefix("Källa:") ?? false }
    for event in featured.isEmpty ? Array(events.prefix(2)) : featured {
      Swift.print("")
      Swift.print(
        "\(FestivalTime.day(of: event.startsAt)) \(FestivalTime.clock(event.startsAt))–\(FestivalTime.clock(event.endsAt))  \(event.title) [\(event.status.rawValue)]"
      )
      for participant in event.participants {
        let role = participant.role.rawValue
        let titled = [participant.title, participant.organisation].compactMap { $0 }.joined(
          separator: ", ")
        let party = participant.personParty.map { " (\($0))" } ?? ""
        Swift.print(
          "    \(role): \(participant.personName ?? "?")\(party)\(titled.isEmpty ? "" : ", " + titled)"
        )
      }
    }
  }
}
