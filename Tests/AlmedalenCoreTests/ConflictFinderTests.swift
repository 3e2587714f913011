import AlmedalenCore
import Foundation
import Testing

/// Conflicts among events at real places in Visby.
@Suite struct ConflictFinderTests {
  let donners = Venue(
    name: "Donners plats", coordinate: Coordinate(latitude: 57.6394, longitude: 18.2925))
  let almedalen = Venue(
    name: "Almedalen", coordinate: Coordinate(latitude: 57.6404, longitude: 18.2881))
  let hans = Venue(
    name: "S:t Hans plats", coordinate: Coordinate(latitude: 57.6382, longitude: 18.2919))
  let domkyrkan = Venue(
    name: "Visby domkyrka", coordinate: Coordinate(latitude: 57.6413, longitude: 18.2963))
  let strand = Venue(
    name: "Wisby Strand", coordinate: Coordinate(latitude: 57.6437, longitude: 18.2880))
  let ostercentrum = Venue(
    name: "Östercentrum", coordinate: Coordinate(latitude: 57.6357, longitude: 18.3023))
  /// A tent somewhere without a map position.
  let tent = Venue(name: "Tält utan adress")

  let johan = UUID()
  let henrietta = UUID()

  var all: [Venue] { [donners, almedalen, hans, domkyrkan, strand, ostercentrum, tent] }
  var venues: [UUID: Venue] { Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) }) }

  /// 23 June 2026 in Visby.
  func at(_ hour: Int, _ minute: Int = 0, day: Int = 23) -> Date {
    FestivalTime.date(LocalDay(year: 2026, month: 6, day: day)!, hour: hour, minute: minute)
  }

  func event(
    _ title: String, at venue: Venue?, _ start: Date, _ end: Date, people: [UUID] = [],
    status: EventStatus = .published, panels: [Panel] = [], participants: [Participation] = []
  ) -> Event {
    let names = [johan: "Johan Jonsson", henrietta: "Henrietta Stein"]
    let details = EventDetails(
      title: title, startsAt: start, endsAt: end, venueID: venue?.id, organiserID: UUID(),
      panels: panels,
      participants: people.map {
        Participation(personID: $0, role: .panelist, personName: names[$0])
      } + participants)
    return Event(
      id: UUID(), editionID: UUID(), details: details, status: status, revision: 0, version: 1,
      createdAt: start, updatedAt: start, revisedAt: start)
  }

  /// The formula, written out again: metres × 1.3 at 5 km/h, plus five minutes.
  func expectedWalk(_ from: Venue, _ to: Venue) -> TimeInterval {
    from.coordinate!.distance(to: to.coordinate!) * 1.3 / (5_000.0 / 3_600) + 300
  }

  /// Johan at `from` 10:00–11:00 and then at `to`, `gap` seconds after.
  func walk(from: Venue, to: Venue, gap: TimeInterval, pace: WalkingPace = .init()) -> [Conflict] {
    let first = event("Välfärdens framtid", at: from, at(10), at(11), people: [johan])
    let second = event(
      "Skolan och AI", at: to, at(11).addingTimeInterval(gap), at(12, 30), people: [johan])
    return ConflictFinder.find(events: [first, second], venues: venues, pace: pace)
  }

  // MARK: Walking time

  @Test func walkingTimeIsTheDetouredDistanceAtFiveKilometresAnHourPlusFiveMinutes() throws {
    let pace = WalkingPace()
    #expect(pace.kilometresPerHour == 5 && pace.detourFactor == 1.3 && pace.allowance == 300)
    for (from, to) in [(donners, almedalen), (domkyrkan, hans), (strand, ostercentrum)] {
      let walk = pace.walkingTime(from: from.coordinate!, to: to.coordinate!)
      #expect(abs(walk - expectedWalk(from, to)) < 1e-9)
      #expect(abs(walk - pace.walkingTime(from: to.coordinate!, to: from.coordinate!)) < 1e-9)
      #expect(pace.walkingTime(from: from, to: to) == walk)
    }
    // The haversine distance agrees with a flat-earth estimate over so short a distance.
    let a = donners.coordinate!
    let b = almedalen.coordinate!
    let north = (b.latitude - a.latitude) * 111_195
    let east = (b.longitude - a.longitude) * 111_195 * cos(a.latitude * .pi / 180)
    let flat = (north * north + east * east).squareRoot()
    #expect(abs(a.distance(to: b) - flat) < 1)
    #expect((280...290).contains(a.distance(to: b)))  // about 284 m
    #expect((9.4...9.5).contains(expectedWalk(donners, almedalen) / 60))  // about 9.44 min
    #expect((24.1...24.3).contains(expectedWalk(strand, ostercentrum) / 60))  // about 24.21 min
    // Within one venue there is nothing to walk; without a coordinate nothing is known.
    #expect(pace.walkingTime(from: donners, to: donners) == 0)
    #expect(pace.walkingTime(from: donners, to: tent) == nil)
    #expect(WalkingPace(kilometresPerHour: 0).walkingTime(metres: 10) == .infinity)
  }

  // MARK: Walking conflicts

  @Test(arguments: [
    // 284 m, 9.44 min; 333 m, 10.20 min; 433 m, 11.75 min; 1,231 m, 24.21 min.
    ("donners", "almedalen", 9), ("almedalen", "hans", 10), ("domkyrkan", "hans", 11),
    ("strand", "ostercentrum", 24),
  ])
  func aGapJustShorterThanTheWalkIsAConflictAndJustLongerIsNot(
    from: String, to: String, wholeMinutes: Int
  ) throws {
    let named = [
      "donners": donners, "almedalen": almedalen, "hans": hans, "domkyrkan": domkyrkan,
      "strand": strand, "ostercentrum": ostercentrum,
    ]
    let (start, end) = (named[from]!, named[to]!)
    let needed = expectedWalk(start, end)
    #expect(Int(needed / 60) == wholeMinutes)
    // Whole minutes, as programmes are written: one short, one enough.
    #expect(walk(from: start, to: end, gap: Double(wholeMinutes) * 60).count == 1)
    #expect(walk(from: start, to: end, gap: Double(wholeMinutes + 1) * 60).isEmpty)
    // And to the second.
    #expect(walk(from: start, to: end, gap: needed.rounded(.down) - 1).count == 1)
    #expect(walk(from: start, to: end, gap: needed.rounded(.up) + 1).isEmpty)
    // Either way round.
    #expect(walk(from: end, to: start, gap: needed.rounded(.down) - 1).count == 1)
    #expect(walk(from: end, to: start, gap: needed.rounded(.up) + 1).isEmpty)
  }

  @Test func aWalkingConflictSaysWhoWhereAndHowLong() throws {
    let first = event("Välfärdens framtid", at: donners, at(10), at(11), people: [johan])
    let second = event("Skolan och AI", at: almedalen, at(11, 9), at(12), people: [johan])
    // Given in reverse order: the earlier event still comes first.
    let conflicts = ConflictFinder.find(events: [second, first], venues: venues)
    let conflict = try #require(conflicts.first)
    #expect(conflicts.count == 1)
    #expect(conflict.kind == .personCannotWalk)
    #expect(conflict.firstEventID == first.id)
    #expect(conflict.secondEventID == second.id)
    #expect(conflict.personID == johan)
    #expect(conflict.venueID == nil)
    #expect(conflict.gap == 540)
    let distance = donners.coordinate!.distance(to: almedalen.coordinate!)
    #expect(abs(try #require(conflict.distanceMetres) - distance) < 1e-9)
    #expect(abs(try #require(conflict.walkingTime) - expectedWalk(donners, almedalen)) < 1e-9)
    #expect(
      conflict.summary
        == "Johan Jonsson has 9 min between “Välfärdens framtid” (Donners plats) and “Skolan och AI” (Almedalen), needs 10 min on foot"
    )
  }

  @Test func theSameVenueBackToBackIsFineButAnotherVenueNeedsTheAllowance() {
    // No gap at all within one venue: no walk, no allowance.
    #expect(walk(from: donners, to: donners, gap: 0).isEmpty)
    // No gap between two venues: a conflict, even a few metres apart.
    let conflicts = walk(from: donners, to: hans, gap: 0)
    #expect(conflicts.map(\.kind) == [.personCannotWalk])
    #expect(conflicts.first?.gap == 0)
    // Two venues at the same coordinate still need the allowance.
    let twin = Venue(name: "Donners plats, tält 2", coordinate: donners.coordinate)
    let first = event("A", at: donners, at(10), at(11), people: [johan])
    let second = event("B", at: twin, at(11, 4), at(12), people: [johan])
    var known = venues
    known[twin.id] = twin
    let near = ConflictFinder.find(events: [first, second], venues: known)
    #expect(near.map(\.kind) == [.personCannotWalk])
    #expect(near.first?.walkingTime == 300)
    #expect(near.first?.distanceMetres == 0)
  }

  @Test func aConfigurablePaceChangesTheVerdict() {
    // Wisby Strand to Östercentrum, 1,231 m: 24.2 min at the default pace, 14.7 min
    // briskly; 20 minutes between is too little for one and enough for the other.
    let brisk = WalkingPace(kilometresPerHour: 7, detourFactor: 1.2, allowance: 120)
    #expect(walk(from: strand, to: ostercentrum, gap: 20 * 60).count == 1)
    #expect(walk(from: strand, to: ostercentrum, gap: 20 * 60, pace: brisk).isEmpty)
    // Donners plats to the cathedral, 310 m: 9.8 min by default, 13.1 min at 3 km/h.
    let slow = WalkingPace(kilometresPerHour: 3)
    #expect(walk(from: donners, to: domkyrkan, gap: 11 * 60).isEmpty)
    let conflicts = walk(from: donners, to: domkyrkan, gap: 11 * 60, pace: slow)
    #expect(conflicts.count == 1)
    #expect(conflicts.first?.summary.hasSuffix("needs 14 min on foot") == true)
    // No allowance at all makes Donners plats to Almedalen, 284 m, a 4.4-minute walk.
    #expect(walk(from: donners, to: almedalen, gap: 5 * 60, pace: .init(allowance: 0)).isEmpty)
  }

  @Test func theWalkGoesThroughAnAppearanceInBetween() {
    // Johan at Donners plats 10–11, again there 11:00–11:10, then at Östercentrum (16.1 min
    // away) at 11:14. Both walks to Östercentrum are too short, but he walks from the
    // second event, so only that leg is reported.
    let first = event("A", at: donners, at(10), at(11), people: [johan])
    let between = event("B", at: donners, at(11), at(11, 10), people: [johan])
    let last = event("C", at: ostercentrum, at(11, 14), at(12), people: [johan])
    let conflicts = ConflictFinder.find(events: [first, between, last], venues: venues)
    #expect(conflicts.map(\.kind) == [.personCannotWalk])
    #expect(conflicts.first?.firstEventID == between.id)
    #expect(conflicts.first?.secondEventID == last.id)
    #expect(conflicts.first?.gap == 240)
    // Without the event in between, the long leg is the conflict.
    let direct = ConflictFinder.find(events: [first, last], venues: venues)
    #expect(direct.map(\.firstEventID) == [first.id])
  }

  // MARK: Overlaps

  @Test func overlappingTimesAreADoubleBooking() throws {
    let first = event("Välfärdens framtid", at: donners, at(12), at(13), people: [johan])
    let second = event("Skolan och AI", at: almedalen, at(12, 30), at(13, 30), people: [johan])
    let conflicts = ConflictFinder.find(events: [first, second], venues: venues)
    let conflict = try #require(conflicts.first)
    #expect(conflicts.count == 1)
    #expect(conflict.kind == .personDoubleBooked)
    #expect(conflict.firstEventID == first.id && conflict.secondEventID == second.id)
    #expect(conflict.personID == johan)
    #expect(conflict.gap == nil && conflict.walkingTime == nil)
    #expect(
      conflict.summary
        == "Johan Jonsson is booked at overlapping times: “Välfärdens framtid” (Donners plats, 12:00–13:00) and “Skolan och AI” (Almedalen, 12:30–13:30)"
    )
    // One event inside another, at the same venue, is a double booking of both the person
    // and the venue.
    let inner = event("Inuti", at: donners, at(12, 15), at(12, 45), people: [johan])
    let kinds = ConflictFinder.find(events: [first, inner], venues: venues).map(\.kind)
    #expect(kinds == [.personDoubleBooked, .venueDoubleBooked])
    // Touching is not overlapping.
    let after = event("Efteråt", at: donners, at(13), at(14), people: [johan])
    #expect(ConflictFinder.find(events: [first, after], venues: venues).isEmpty)
  }

  @Test func oneEventTwiceIsNotAConflict() {
    // Johan moderates and sits on the panel of one event.
    let both = event(
      "Samverkan", at: donners, at(12), at(13), people: [johan],
      participants: [Participation(personID: johan, role: .moderator)])
    #expect(both.details.participants.count == 2)
    #expect(ConflictFinder.find(events: [both], venues: venues).isEmpty)
    // The same event given twice is still one event.
    #expect(ConflictFinder.find(events: [both, both], venues: venues).isEmpty)
    let later = event("Senare", at: almedalen, at(13, 30), at(14), people: [johan])
    #expect(ConflictFinder.find(events: [both, later], venues: venues).isEmpty)
  }

  @Test func cancelledEventsNeverConflict() {
    let held = event("Hålls", at: donners, at(12), at(13), people: [johan])
    let cancelled = event(
      "Inställt", at: donners, at(12), at(13), people: [johan], status: .cancelled)
    let tooClose = event(
      "Också inställt", at: ostercentrum, at(13), at(14), people: [johan], status: .cancelled)
    #expect(ConflictFinder.find(events: [held, cancelled, tooClose], venues: venues).isEmpty)
    #expect(ConflictFinder.conflicts(for: cancelled, among: [held], venues: venues).isEmpty)
    var draft = cancelled
    draft.status = .draft
    #expect(ConflictFinder.find(events: [held, draft], venues: venues).count == 2)
  }

  @Test func withoutCoordinatesOnlyOverlapsCount() {
    // The tent has no coordinate, and the third event no venue at all: no walk is known.
    let first = event("A", at: donners, at(10), at(11), people: [johan])
    let inTent = event("B", at: tent, at(11), at(12), people: [johan])
    let nowhere = event("C", at: nil, at(12), at(13), people: [johan])
    let unknown = Venue(name: "Okänd", coordinate: hans.coordinate)  // not among `venues`
    let unlisted = event("D", at: unknown, at(13), at(14), people: [johan])
    let last = event("E", at: donners, at(14), at(15), people: [johan])
    #expect(
      ConflictFinder.find(events: [first, inTent, nowhere, unlisted, last], venues: venues)
        .isEmpty)
    // Overlaps still count.
    let clash = event("F", at: nil, at(14, 30), at(15, 30), people: [johan])
    let conflicts = ConflictFinder.find(events: [last, clash], venues: venues)
    #expect(conflicts.map(\.kind) == [.personDoubleBooked])
    #expect(conflicts.first?.summary.contains("“F” (no venue, 14:30–15:30)") == true)
    #expect(ConflictFinder.find(events: [last, clash], venues: [:]).count == 1)
  }

  @Test func aPanelistIsHeldOnlyForTheirPanel() {
    // Henrietta sits on the first panel, 12:00–12:30, of an event until 13:00; Johan
    // moderates all of it.
    let panels = [
      Panel(title: "Del 1", startsAt: at(12), endsAt: at(12, 30)),
      Panel(title: "Del 2", startsAt: at(12, 30), endsAt: at(13)),
    ]
    let long = event(
      "Två paneler", at: donners, at(12), at(13), panels: panels,
      participants: [
        Participation(personID: henrietta, role: .panelist, panel: 0),
        Participation(personID: johan, role: .moderator),
      ])
    let next = event("Nästa", at: almedalen, at(12, 45), at(14), people: [henrietta, johan])
    let conflicts = ConflictFinder.find(events: [long, next], venues: venues)
    #expect(conflicts.map(\.personID) == [johan])
    #expect(conflicts.map(\.kind) == [.personDoubleBooked])
    // On both panels she is held for the whole event.
    var both = long
    both.details.participants.append(Participation(personID: henrietta, role: .panelist, panel: 1))
    let persons = ConflictFinder.find(events: [both, next], venues: venues).compactMap(\.personID)
    #expect(Set(persons) == [johan, henrietta])
  }

  @Test func twoEventsAtOnceAtOneVenueAreReportedEvenAsDrafts() throws {
    let published = event("Publicerat", at: hans, at(9), at(10))
    let draft = event("Utkast", at: hans, at(9, 30), at(10, 30), status: .draft)
    let elsewhere = event("Annanstans", at: donners, at(9), at(10))
    let adjacent = event("Direkt efter", at: hans, at(10, 30), at(11), status: .draft)
    let conflicts = ConflictFinder.find(
      events: [published, draft, elsewhere, adjacent], venues: venues)
    let conflict = try #require(conflicts.first)
    #expect(conflicts.count == 1)
    #expect(conflict.kind == .venueDoubleBooked)
    #expect(conflict.venueID == hans.id && conflict.personID == nil)
    #expect(conflict.firstEventID == published.id && conflict.secondEventID == draft.id)
    #expect(
      conflict.summary
        == "S:t Hans plats holds two events at once: “Publicerat” (09:00–10:00) and “Utkast” (09:30–10:30)"
    )
  }

  @Test func conflictsOfOneEventAreThoseItTakesPartIn() {
    let planned = event("Planeras", at: donners, at(12), at(13), people: [johan], status: .draft)
    let overlapping = event("Samtidigt", at: almedalen, at(12, 30), at(14), people: [johan])
    let tooFar = event("För långt", at: ostercentrum, at(13, 5), at(14), people: [henrietta])
    let sameVenue = event("Samma plats", at: donners, at(12, 50), at(13, 30))
    // Johan and Henrietta clash here with the other events, and the venue too: not this
    // event's affair.
    let unrelated = event(
      "Annat", at: almedalen, at(13, 30), at(14, 30), people: [henrietta, johan])
    let others = [overlapping, tooFar, sameVenue, unrelated]
    let conflicts = ConflictFinder.conflicts(for: planned, among: others, venues: venues)
    #expect(conflicts.map(\.kind) == [.personDoubleBooked, .venueDoubleBooked])
    #expect(conflicts.allSatisfy { $0.involves(planned.id) })
    #expect(
      conflicts.map(\.secondEventID) == [overlapping.id, sameVenue.id])
    // The same as finding all and keeping this event's.
    let everything = ConflictFinder.find(events: [planned] + others, venues: venues)
    #expect(conflicts == everything.filter { $0.involves(planned.id) })
    #expect(everything.count > conflicts.count)
    // Henrietta joins and the event moves an hour earlier: the edited event replaces its
    // stored self, and the walk to Östercentrum is now too short.
    var moved = planned
    moved.details.startsAt = at(11)
    moved.details.endsAt = at(12, 55)
    moved.details.participants = [Participation(personID: henrietta, role: .moderator)]
    let after = ConflictFinder.conflicts(for: moved, among: others + [planned], venues: venues)
    #expect(after.map(\.kind) == [.venueDoubleBooked, .personCannotWalk])
    #expect(after.last?.personID == henrietta)
    #expect(after.last?.secondEventID == tooFar.id)
    #expect(after.last?.gap == 600)
  }

  // MARK: A whole programme

  @Test func aGeneratedFestivalAgreesWithCheckingEveryPair() {
    var random = SplitMix(seed: 2026)
    // The six places above and 34 more within about a kilometre, three without coordinates.
    var places = Array(all.prefix(6))
    for index in 0..<34 {
      let coordinate =
        index < 3
        ? nil
        : Coordinate(
          latitude: 57.634 + random.unit() * 0.012, longitude: 18.284 + random.unit() * 0.022)
      places.append(Venue(name: "Plats \(index)", coordinate: coordinate))
    }
    let known = Dictionary(uniqueKeysWithValues: places.map { ($0.id, $0) })
    let people = (0..<1_200).map { _ in UUID() }
    var events: [Event] = []
    for index in 0..<5_000 {
      let start = at(8 + random.below(12), 15 * random.below(4), day: 21 + random.below(8))
      let minutes = [30, 45, 60, 90][random.below(4)]
      // A few busy people appear everywhere; most now and then.
      let count = 2 + random.below(5)
      let cast = (0..<count).map { _ in
        random.below(10) == 0 ? people[random.below(40)] : people[random.below(people.count)]
      }
      let status: EventStatus = [.published, .published, .draft, .cancelled][random.below(4)]
      events.append(
        event(
          "Seminarium \(index)", at: places[random.below(places.count)], start,
          start.addingTimeInterval(Double(minutes) * 60), people: cast, status: status))
    }
    let participations = events.map(\.details.participants.count).reduce(0, +)
    #expect(participations > 18_000)
    let found = ConflictFinder.find(events: events, venues: known)
    let expected = everyPair(events, known, WalkingPace())
    #expect(found.count == expected.count)
    // Counts and one example each, not two sets of thousands.
    let got = Set(found.map(Key.init))
    let missed = expected.subtracting(got)
    let extra = got.subtracting(expected)
    #expect(
      missed.count == 0, "\(missed.count) missed, such as \(String(describing: missed.first))")
    #expect(extra.count == 0, "\(extra.count) too many, such as \(String(describing: extra.first))")
    let kinds = Dictionary(grouping: found, by: \.kind).mapValues(\.count)
    #expect(kinds.count == 3)
    // Programme order.
    let starts = Dictionary(events.map { ($0.id, $0.details.startsAt) }) { a, _ in a }
    #expect(
      zip(found, found.dropFirst()).allSatisfy {
        starts[$0.firstEventID]! <= starts[$1.firstEventID]!
      })
  }

  /// What a conflict is about, to compare with the slow reference.
  struct Key: Hashable {
    var kind: Conflict.Kind
    var first: UUID
    var second: UUID
    var subject: UUID?
    var gap: TimeInterval?

    init(
      kind: Conflict.Kind, first: UUID, second: UUID, subject: UUID?, gap: TimeInterval? = nil
    ) {
      self.kind = kind
      self.first = first
      self.second = second
      self.subject = subject
      self.gap = gap
    }

    init(_ conflict: Conflict) {
      self.init(
        kind: conflict.kind, first: conflict.firstEventID, second: conflict.secondEventID,
        subject: conflict.personID ?? conflict.venueID, gap: conflict.gap)
    }
  }

  /// The rules checked the slow way: every pair of every person's events, and of every
  /// venue's (no panels in the generated programme).
  func everyPair(_ events: [Event], _ venues: [UUID: Venue], _ pace: WalkingPace) -> Set<Key> {
    let live = events.filter { $0.status != .cancelled }
    func before(_ a: Event, _ b: Event) -> Bool {
      if (a.details.startsAt, a.details.endsAt) != (b.details.startsAt, b.details.endsAt) {
        return (a.details.startsAt, a.details.endsAt) < (b.details.startsAt, b.details.endsAt)
      }
      return a.id.uuidString < b.id.uuidString
    }
    func overlap(_ a: Event, _ b: Event) -> Bool {
      a.details.startsAt < b.details.endsAt && b.details.startsAt < a.details.endsAt
    }
    var result = Set<Key>()
    var byPerson: [UUID: [Event]] = [:]
    var byVenue: [UUID: [Event]] = [:]
    for event in live {
      for person in Set(event.details.participants.map(\.personID)) {
        byPerson[person, default: []].append(event)
      }
      if let venue = event.details.venueID { byVenue[venue, default: []].append(event) }
    }
    for (person, attended) in byPerson {
      for a in attended {
        for b in attended where before(a, b) {
          if overlap(a, b) {
            result.insert(
              Key(kind: .personDoubleBooked, first: a.id, second: b.id, subject: person))
            continue
          }
          guard let from = venues[a.details.venueID!], let to = venues[b.details.venueID!],
            let walk = pace.walkingTime(from: from, to: to)
          else { continue }
          let gap = b.details.startsAt.timeIntervalSince(a.details.endsAt)
          // Only the walk to the next appearance counts: none may fit in between.
          if gap < walk,
            !attended.contains(where: {
              $0.details.startsAt >= a.details.endsAt && $0.details.endsAt <= b.details.startsAt
            })
          {
            result.insert(
              Key(kind: .personCannotWalk, first: a.id, second: b.id, subject: person, gap: gap))
          }
        }
      }
    }
    for (venue, held) in byVenue {
      for a in held {
        for b in held where before(a, b) && overlap(a, b) {
          result.insert(Key(kind: .venueDoubleBooked, first: a.id, second: b.id, subject: venue))
        }
      }
    }
    return result
  }
}

/// A small seeded generator, so the generated festival is the same on every run.
struct SplitMix {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

  mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
