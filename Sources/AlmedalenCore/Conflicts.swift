public import Foundation

/// How fast people get from one venue to another on foot.
///
/// The walking time is the straight-line distance stretched by `detourFactor` (Visby's
/// streets are not straight), walked at `kilometresPerHour`, plus `allowance` for leaving
/// one event and finding the next.
public struct WalkingPace: Sendable, Hashable {
  public var kilometresPerHour: Double
  public var detourFactor: Double
  /// Fixed time on top of the walk, in seconds.
  public var allowance: TimeInterval

  public init(
    kilometresPerHour: Double = 5, detourFactor: Double = 1.3, allowance: TimeInterval = 300
  ) {
    self.kilometresPerHour = kilometresPerHour
    self.detourFactor = detourFactor
    self.allowance = allowance
  }

  /// Seconds to walk `metres` of straight-line distance, allowance included. A pace of
  /// zero or less walks nowhere in time (infinity).
  public func walkingTime(metres: Double) -> TimeInterval {
    guard kilometresPerHour > 0 else { return .infinity }
    return metres * detourFactor / (kilometresPerHour / 3.6) + allowance
  }

  /// Seconds to walk between two points, allowance included (even when the points are the
  /// same: two tents at one coordinate are still two places to find).
  public func walkingTime(from: Coordinate, to: Coordinate) -> TimeInterval {
    walkingTime(metres: from.distance(to: to))
  }

  /// Seconds to walk between two venues: nothing within one venue, nil when either has no
  /// coordinate.
  public func walkingTime(from: Venue, to: Venue) -> TimeInterval? {
    if from.id == to.id { return 0 }
    guard let start = from.coordinate, let end = to.coordinate else { return nil }
    return walkingTime(from: start, to: end)
  }
}

/// A clash in the programme: a person in two places at once or unable to walk between
/// them in time, or a venue holding two events at once.
public struct Conflict: Sendable, Hashable {
  public enum Kind: String, CaseIterable, Sendable, Hashable, Codable {
    /// One person at two events whose times overlap.
    case personDoubleBooked = "person_double_booked"
    /// One person at two events at different venues, with less time between the end of
    /// the first and the start of the next than the walk takes.
    case personCannotWalk = "person_cannot_walk"
    /// One venue holding two events whose times overlap. The database forbids it among
    /// published events; drafts may still clash.
    case venueDoubleBooked = "venue_double_booked"
  }

  public var kind: Kind
  /// The earlier event: it starts first (or, starting together, ends first).
  public var firstEventID: UUID
  public var secondEventID: UUID
  /// For person conflicts.
  public var personID: UUID?
  /// For venue conflicts.
  public var venueID: UUID?
  /// For walking conflicts: straight-line metres between the venues.
  public var distanceMetres: Double?
  /// For walking conflicts: seconds the walk takes at the pace asked for.
  public var walkingTime: TimeInterval?
  /// For walking conflicts: seconds between the end of the first and the start of the next.
  public var gap: TimeInterval?
  /// One English sentence for people: "Johan Jonsson has 9 min between “X” (Donners plats)
  /// and “Y” (Almedalen), needs 10 min on foot".
  public var summary: String

  public init(
    kind: Kind, firstEventID: UUID, secondEventID: UUID, personID: UUID? = nil,
    venueID: UUID? = nil, distanceMetres: Double? = nil, walkingTime: TimeInterval? = nil,
    gap: TimeInterval? = nil, summary: String
  ) {
    self.kind = kind
    self.firstEventID = firstEventID
    self.secondEventID = secondEventID
    self.personID = personID
    self.venueID = venueID
    self.distanceMetres = distanceMetres
    self.walkingTime = walkingTime
    self.gap = gap
    self.summary = summary
  }

  /// Whether `eventID` is one of the two events.
  public func involves(_ eventID: UUID) -> Bool {
    firstEventID == eventID || secondEventID == eventID
  }

  /// The one Swedish sentence for this conflict, from the finder's own figures (metres, the
  /// walk and the gap; minutes of the walk rounded up and of the gap down, as `summary`
  /// rounds them). `who` names the person ("Agnes Andersson", or "Du" on a visitor's own
  /// programme), `venueName` the venue:
  ///
  /// - "Agnes Andersson hinner inte: 714 m, 16 min till fots, 10 min mellan"
  /// - "Agnes Andersson är bokad samtidigt"
  /// - "Donners plats har två evenemang samtidigt"
  public func swedish(who: String?, venueName: String?) -> String {
    let who = who ?? "En medverkande"
    switch kind {
    case .personCannotWalk:
      var parts: [String] = []
      if let metres = distanceMetres, metres.isFinite {
        parts.append(String(Int(metres.rounded())) + " m")
      }
      if let walk = walkingTime {
        parts.append(Self.minutesUp(walk) + " min till fots")
      }
      if let gap, gap.isFinite {
        parts.append(String(Int((max(gap, 0) / 60).rounded(.down))) + " min mellan")
      }
      return parts.isEmpty
        ? who + " hinner inte" : who + " hinner inte: " + parts.joined(separator: ", ")
    case .personDoubleBooked:
      return who + " är bokad samtidigt"
    case .venueDoubleBooked:
      return (venueName ?? "Platsen") + " har två evenemang samtidigt"
    }
  }

  /// Whole minutes, rounded up: a walk of 9 min 10 s needs 10 min.
  static func minutesUp(_ seconds: TimeInterval) -> String {
    seconds.isFinite ? String(Int((seconds / 60).rounded(.up))) : "∞"
  }
}

/// Finds conflicts in a programme.
///
/// Rules:
/// - Cancelled events never conflict.
/// - A person's appearance at an event lasts the event, or only their panel when every one
///   of their participations there belongs to a panel with its own times. Appearing twice
///   in one event (moderator and panelist) is one appearance, not a conflict.
/// - Times are half-open: an event ending at 13:00 and one starting at 13:00 do not overlap.
/// - A walking conflict is between an appearance and the *next* one: when another
///   appearance of the person fits wholly between the two, the walk goes through it and
///   any problem shows on one of the two shorter legs instead.
/// - Within one venue the walk takes no time; between venues it is `WalkingPace`'s, and a
///   venue that is unknown or has no coordinate gives no walking conflict (overlaps still
///   count).
///
/// Each person's appearances are sorted once and each is compared only with those that
/// start before its end plus the longest walk in the town, so the work is
/// O(n log n + conflicts) in practice rather than all pairs.
public enum ConflictFinder {
  /// Every conflict among `events`, ordered by the first event's start, then the second's.
  public static func find(
    events: [Event], venues: [UUID: Venue], pace: WalkingPace = .init()
  ) -> [Conflict] {
    var search = Search(events: events, venues: venues, pace: pace)
    search.findPersonConflicts()
    search.findVenueConflicts()
    return search.result()
  }

  /// The conflicts `event` would have among `others`: for warnings while one event is
  /// written. `event` replaces any event with its id in `others`.
  public static func conflicts(
    for event: Event, among others: [Event], venues: [UUID: Venue], pace: WalkingPace = .init()
  ) -> [Conflict] {
    guard event.status != .cancelled else { return [] }
    let people = Set(event.details.participants.map(\.personID))
    // Every event of the same people (the walk may go through any of them) and at the same
    // venue; nothing else can touch this event.
    let relevant =
      [event]
      + others.filter { other in
        other.id != event.id
          && ((event.details.venueID != nil && other.details.venueID == event.details.venueID)
            || other.details.participants.contains { people.contains($0.personID) })
      }
    return find(events: relevant, venues: venues, pace: pace).filter { $0.involves(event.id) }
  }

  /// One run of `find`: the events, and what is found so far.
  private struct Search {
    /// The events that can conflict: not cancelled, each once.
    let events: [Event]
    /// Each event's id as a sort key, start, end and venue, by position in `events`: read
    /// in the loops without copying whole events.
    let order: [IDOrder]
    let starts: [Date]
    let ends: [Date]
    let venueIDs: [UUID?]
    let venues: [UUID: Venue]
    let pace: WalkingPace
    var found: [Conflict] = []
    var keys: [SortKey] = []
    /// `HH:MM` by instant: the calendar is slow and a programme has few distinct times.
    var clocks: [Date: String] = [:]

    init(events: [Event], venues: [UUID: Venue], pace: WalkingPace) {
      var seen = Set<UUID>()
      self.events = events.filter { $0.status != .cancelled && seen.insert($0.id).inserted }
      order = self.events.map { IDOrder($0.id) }
      starts = self.events.map(\.details.startsAt)
      ends = self.events.map(\.details.endsAt)
      venueIDs = self.events.map(\.details.venueID)
      self.venues = venues
      self.pace = pace
    }

    func result() -> [Conflict] {
      found.indices.sorted { keys[$0] < keys[$1] }.map { found[$0] }
    }

    mutating func add(_ conflict: Conflict, _ first: Int, _ second: Int, _ subject: UUID) {
      found.append(conflict)
      keys.append(
        SortKey(
          firstStart: starts[first], secondStart: starts[second],
          kind: Conflict.Kind.allCases.firstIndex(of: conflict.kind)!, first: order[first],
          second: order[second], subject: IDOrder(subject)))
    }

    // MARK: People

    /// One person at one event: the hull of their participations there.
    struct Appearance {
      var event: Int
      var start: Date
      var end: Date
    }

    mutating func findPersonConflicts() {
      var byPerson: [UUID: [Appearance]] = [:]
      // An event has a handful of participations: a list beats a dictionary.
      var here: [(person: UUID, start: Date, end: Date)] = []
      for index in events.indices {
        here.removeAll(keepingCapacity: true)
        for participation in events[index].details.participants {
          let span = span(of: participation, at: index)
          if let known = here.firstIndex(where: { $0.person == participation.personID }) {
            here[known].start = min(here[known].start, span.start)
            here[known].end = max(here[known].end, span.end)
          } else {
            here.append((participation.personID, span.start, span.end))
          }
        }
        for (person, start, end) in here {
          byPerson[person, default: []].append(Appearance(event: index, start: start, end: end))
        }
      }
      let horizon = longestWalk()
      for (person, unsorted) in byPerson where unsorted.count > 1 {
        let appearances = unsorted.sorted {
          ($0.start, $0.end, order[$0.event]) < ($1.start, $1.end, order[$1.event])
        }
        for i in appearances.indices {
          let a = appearances[i]
          let latestStart = a.end.addingTimeInterval(horizon)
          // The earliest end among the appearances after `a` ends, seen so far: whether one
          // fits wholly between `a` and the next candidate.
          var earliestEndAfter = Date.distantFuture
          var j = i + 1
          while j < appearances.count, appearances[j].start < latestStart {
            let b = appearances[j]
            j += 1
            if b.start < a.end && a.start < b.end {
              let summary =
                "\(name(of: person, at: appearances)) is booked at overlapping times: "
                + describe(a.event, a.start, a.end) + " and " + describe(b.event, b.start, b.end)
              add(
                Conflict(
                  kind: .personDoubleBooked, firstEventID: events[a.event].id,
                  secondEventID: events[b.event].id, personID: person, summary: summary),
                a.event, b.event, person)
              continue
            }
            guard b.start >= a.end else { continue }
            defer { earliestEndAfter = min(earliestEndAfter, b.end) }
            guard earliestEndAfter > b.start else { continue }
            walk(person, appearances, from: a, to: b)
          }
        }
      }
    }

    /// Records a walking conflict from `a` to `b`, if there is one, among the person's
    /// `appearances`.
    mutating func walk(
      _ person: UUID, _ appearances: [Appearance], from a: Appearance, to b: Appearance
    ) {
      guard let from = venueIDs[a.event].flatMap({ venues[$0] }),
        let to = venueIDs[b.event].flatMap({ venues[$0] }),
        let walk = pace.walkingTime(from: from, to: to)
      else { return }
      let gap = b.start.timeIntervalSince(a.end)
      guard gap < walk else { return }
      let first = events[a.event]
      let second = events[b.event]
      let distance = from.coordinate.flatMap { start in to.coordinate.map(start.distance) }
      let summary =
        "\(name(of: person, at: appearances)) has \(Int((gap / 60).rounded(.down))) min between "
        + "“\(first.details.title)” (\(from.name)) and “\(second.details.title)” "
        + "(\(to.name)), needs \(Conflict.minutesUp(walk)) min on foot"
      add(
        Conflict(
          kind: .personCannotWalk, firstEventID: first.id, secondEventID: second.id,
          personID: person, distanceMetres: distance, walkingTime: walk, gap: gap,
          summary: summary),
        a.event, b.event, person)
    }

    /// When a participation holds the person: their panel's times if it has them, else the
    /// event's.
    func span(of participation: Participation, at index: Int) -> (start: Date, end: Date) {
      if let panel = participation.panel {
        let panels = events[index].details.panels
        if panels.indices.contains(panel), let start = panels[panel].startsAt,
          let end = panels[panel].endsAt
        {
          return (start, end)
        }
      }
      return (starts[index], ends[index])
    }

    /// The name a person goes by in the programme: from the first of their events that gives
    /// one. Looked up only when there is something to say.
    func name(of person: UUID, at appearances: [Appearance]) -> String {
      for appearance in appearances {
        for participation in events[appearance.event].details.participants
        where participation.personID == person {
          if let name = participation.personName { return name }
        }
      }
      return "Person \(person.uuidString.lowercased())"
    }

    /// An upper bound on any walk between two venues with coordinates, plus a second for
    /// rounding: no pair of appearances further apart than this can conflict. Any two
    /// venues lie within twice the farthest venue's distance from one of them.
    func longestWalk() -> TimeInterval {
      let coordinates = venues.values.compactMap(\.coordinate)
      guard let centre = coordinates.first else { return 1 }
      let radius = coordinates.reduce(0) { max($0, centre.distance(to: $1)) }
      let bound = pace.walkingTime(metres: 2 * radius) + 1
      return bound.isNaN ? .infinity : max(bound, 1)
    }

    // MARK: Venues

    mutating func findVenueConflicts() {
      var byVenue: [UUID: [Int]] = [:]
      for (index, venueID) in venueIDs.enumerated() {
        if let venueID { byVenue[venueID, default: []].append(index) }
      }
      for (venueID, unsorted) in byVenue where unsorted.count > 1 {
        let held = unsorted.sorted {
          (starts[$0], ends[$0], order[$0]) < (starts[$1], ends[$1], order[$1])
        }
        let venueName = venues[venueID]?.name ?? "Venue \(venueID.uuidString.lowercased())"
        for i in held.indices {
          let a = held[i]
          var j = i + 1
          while j < held.count, starts[held[j]] < ends[a] {
            let b = held[j]
            j += 1
            guard starts[a] < ends[b] else { continue }
            let summary =
              "\(venueName) holds two events at once: “\(events[a].details.title)” "
              + "(\(clock(starts[a], ends[a]))) and “\(events[b].details.title)” "
              + "(\(clock(starts[b], ends[b])))"
            add(
              Conflict(
                kind: .venueDoubleBooked, firstEventID: events[a].id, secondEventID: events[b].id,
                venueID: venueID, summary: summary),
              a, b, venueID)
          }
        }
      }
    }

    // MARK: Words

    /// `“Title” (Venue, 12:00–13:00)`.
    mutating func describe(_ index: Int, _ start: Date, _ end: Date) -> String {
      let place = venueIDs[index].map { venues[$0]?.name ?? "unknown venue" } ?? "no venue"
      return "“\(events[index].details.title)” (\(place), \(clock(start, end)))"
    }

    mutating func clock(_ start: Date, _ end: Date) -> String {
      clock(start) + "–" + clock(end)
    }

    mutating func clock(_ date: Date) -> String {
      if let known = clocks[date] { return known }
      let text = FestivalTime.clock(date)
      clocks[date] = text
      return text
    }
  }

  /// A UUID ordered as its text is, without making the text.
  private struct IDOrder: Comparable {
    var high: UInt64
    var low: UInt64

    init(_ id: UUID) {
      let b = id.uuid
      high = [b.0, b.1, b.2, b.3, b.4, b.5, b.6, b.7].reduce(0) { $0 << 8 | UInt64($1) }
      low = [b.8, b.9, b.10, b.11, b.12, b.13, b.14, b.15].reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func < (lhs: IDOrder, rhs: IDOrder) -> Bool {
      (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
  }

  /// Programme order: by the first event's start, then the second's, then kind and who.
  private struct SortKey: Comparable {
    var firstStart: Date
    var secondStart: Date
    var kind: Int
    var first: IDOrder
    var second: IDOrder
    var subject: IDOrder

    static func < (lhs: SortKey, rhs: SortKey) -> Bool {
      (lhs.firstStart, lhs.secondStart, lhs.kind, lhs.first, lhs.second, lhs.subject)
        < (rhs.firstStart, rhs.secondStart, rhs.kind, rhs.first, rhs.second, rhs.subject)
    }
  }
}
