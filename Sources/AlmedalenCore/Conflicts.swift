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
    var seen = Set<UUID>()
    let live = events.filter { $0.status != .cancelled && seen.insert($0.id).inserted }
    var found: [(conflict: Conflict, key: SortKey)] = []
    findPersonConflicts(live, venues: venues, pace: pace, into: &found)
    findVenueConflicts(live, venues: venues, into: &found)
    found.sort { $0.key < $1.key }
    return found.map(\.conflict)
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

  // MARK: People

  /// One person at one event: the hull of their participations there.
  private struct Appearance {
    var event: Int
    var start: Date
    var end: Date
  }

  private static func findPersonConflicts(
    _ events: [Event], venues: [UUID: Venue], pace: WalkingPace,
    into found: inout [(conflict: Conflict, key: SortKey)]
  ) {
    var byPerson: [UUID: [Appearance]] = [:]
    var names: [UUID: String] = [:]
    for (index, event) in events.enumerated() {
      var here: [UUID: (start: Date, end: Date)] = [:]
      for participation in event.details.participants {
        let span = span(of: participation, in: event)
        if let known = here[participation.personID] {
          here[participation.personID] = (min(known.start, span.start), max(known.end, span.end))
        } else {
          here[participation.personID] = span
        }
        if let name = participation.personName, names[participation.personID] == nil {
          names[participation.personID] = name
        }
      }
      for (person, span) in here {
        byPerson[person, default: []].append(
          Appearance(event: index, start: span.start, end: span.end))
      }
    }
    let horizon = longestWalk(venues: venues, pace: pace)
    let ids = events.map(\.id.uuidString)
    for (person, unsorted) in byPerson where unsorted.count > 1 {
      let appearances = unsorted.sorted {
        ($0.start, $0.end, ids[$0.event]) < ($1.start, $1.end, ids[$1.event])
      }
      let name = names[person] ?? "Person \(person.uuidString.lowercased())"
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
            let first = events[a.event]
            let second = events[b.event]
            found.append(
              (
                Conflict(
                  kind: .personDoubleBooked, firstEventID: first.id, secondEventID: second.id,
                  personID: person,
                  summary: "\(name) is booked at overlapping times: "
                    + describe(first, a.start, a.end, venues) + " and "
                    + describe(second, b.start, b.end, venues)),
                SortKey(first, second, .personDoubleBooked, person)
              ))
            continue
          }
          guard b.start >= a.end else { continue }
          defer { earliestEndAfter = min(earliestEndAfter, b.end) }
          guard earliestEndAfter > b.start else { continue }
          let first = events[a.event]
          let second = events[b.event]
          guard let from = first.details.venueID.flatMap({ venues[$0] }),
            let to = second.details.venueID.flatMap({ venues[$0] }),
            let walk = pace.walkingTime(from: from, to: to)
          else { continue }
          let gap = b.start.timeIntervalSince(a.end)
          guard gap < walk else { continue }
          let distance = from.coordinate.flatMap { start in to.coordinate.map(start.distance) }
          found.append(
            (
              Conflict(
                kind: .personCannotWalk, firstEventID: first.id, secondEventID: second.id,
                personID: person, distanceMetres: distance, walkingTime: walk, gap: gap,
                summary: "\(name) has \(Int((gap / 60).rounded(.down))) min between "
                  + "“\(first.details.title)” (\(from.name)) and “\(second.details.title)” "
                  + "(\(to.name)), needs \(minutesUp(walk)) min on foot"),
              SortKey(first, second, .personCannotWalk, person)
            ))
        }
      }
    }
  }

  /// When a participation holds the person: their panel's times if it has them, else the
  /// event's.
  private static func span(of participation: Participation, in event: Event) -> (
    start: Date, end: Date
  ) {
    if let index = participation.panel, event.details.panels.indices.contains(index),
      let start = event.details.panels[index].startsAt,
      let end = event.details.panels[index].endsAt
    {
      return (start, end)
    }
    return (event.details.startsAt, event.details.endsAt)
  }

  /// An upper bound on any walk between two venues with coordinates, plus a second for
  /// rounding: no pair of appearances further apart than this can conflict. Any two venues
  /// lie within twice the farthest venue's distance from one of them.
  private static func longestWalk(venues: [UUID: Venue], pace: WalkingPace) -> TimeInterval {
    let coordinates = venues.values.compactMap(\.coordinate)
    guard let centre = coordinates.first else { return 1 }
    let radius = coordinates.reduce(0) { max($0, centre.distance(to: $1)) }
    let bound = pace.walkingTime(metres: 2 * radius) + 1
    return bound.isNaN ? .infinity : max(bound, 1)
  }

  // MARK: Venues

  private static func findVenueConflicts(
    _ events: [Event], venues: [UUID: Venue],
    into found: inout [(conflict: Conflict, key: SortKey)]
  ) {
    var byVenue: [UUID: [Event]] = [:]
    for event in events {
      if let venueID = event.details.venueID { byVenue[venueID, default: []].append(event) }
    }
    for (venueID, unsorted) in byVenue where unsorted.count > 1 {
      let held = unsorted.map { (event: $0, id: $0.id.uuidString) }.sorted {
        ($0.event.details.startsAt, $0.event.details.endsAt, $0.id)
          < ($1.event.details.startsAt, $1.event.details.endsAt, $1.id)
      }.map(\.event)
      let venueName = venues[venueID]?.name ?? "Venue \(venueID.uuidString.lowercased())"
      for i in held.indices {
        let a = held[i]
        var j = i + 1
        while j < held.count, held[j].details.startsAt < a.details.endsAt {
          let b = held[j]
          j += 1
          guard a.details.startsAt < b.details.endsAt else { continue }
          found.append(
            (
              Conflict(
                kind: .venueDoubleBooked, firstEventID: a.id, secondEventID: b.id,
                venueID: venueID,
                summary: "\(venueName) holds two events at once: “\(a.details.title)” "
                  + "(\(clock(a.details.startsAt, a.details.endsAt))) and “\(b.details.title)” "
                  + "(\(clock(b.details.startsAt, b.details.endsAt)))"),
              SortKey(a, b, .venueDoubleBooked, venueID)
            ))
        }
      }
    }
  }

  // MARK: Words and order

  /// `“Title” (Venue, 12:00–13:00)`.
  private static func describe(_ event: Event, _ start: Date, _ end: Date, _ venues: [UUID: Venue])
    -> String
  {
    let place = event.details.venueID.map { venues[$0]?.name ?? "unknown venue" } ?? "no venue"
    return "“\(event.details.title)” (\(place), \(clock(start, end)))"
  }

  private static func clock(_ start: Date, _ end: Date) -> String {
    FestivalTime.clock(start) + "–" + FestivalTime.clock(end)
  }

  private static func minutesUp(_ seconds: TimeInterval) -> String {
    seconds.isFinite ? String(Int((seconds / 60).rounded(.up))) : "∞"
  }

  /// Programme order: by the first event's start, then the second's, then kind and who.
  private struct SortKey: Comparable {
    var firstStart: Date
    var secondStart: Date
    var kind: Int
    var first: String
    var second: String
    var subject: String

    init(_ first: Event, _ second: Event, _ kind: Conflict.Kind, _ subject: UUID) {
      firstStart = first.details.startsAt
      secondStart = second.details.startsAt
      self.kind = Conflict.Kind.allCases.firstIndex(of: kind)!
      self.first = first.id.uuidString
      self.second = second.id.uuidString
      self.subject = subject.uuidString
    }

    static func < (lhs: SortKey, rhs: SortKey) -> Bool {
      (lhs.firstStart, lhs.secondStart, lhs.kind, lhs.first, lhs.second, lhs.subject)
        < (rhs.firstStart, rhs.secondStart, rhs.kind, rhs.first, rhs.second, rhs.subject)
    }
  }
}
