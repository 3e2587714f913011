public import AlmedalenCore
import Foundation
public import Postgres

/// Generates a whole festival of made-up but realistic programme data — venues, organisers,
/// people, events with co-organisers, panels and participations — and bulk-loads it with COPY,
/// for benchmarks, load tests and demos at scale.
///
/// Everything is deterministic: the same `(year, seed, events)` gives the same rows and the
/// same ids on every machine. Ids of different batches do not collide, because year, seed and
/// size are all mixed into the generator's seed.
///
/// Published events never overlap at a venue (the schema's `events_venue_double_booked`) and
/// always lie inside the edition's days in Visby (`events_inside_edition`).
public struct FestivalGenerator: Sendable {
  /// How many events to generate.
  public let events: Int
  public let seed: UInt64
  /// The edition's year. An edition already stored for the year is used as it is.
  public let year: Int
  /// First day of a new edition; `nil` means `assumedFirstDay(year:)`.
  public let firstDay: LocalDay?

  /// Days of an edition this generator creates.
  public static let assumedDayCount = 8

  /// The advisory lock (`pg_advisory_xact_lock`) held while a batch loads, so two runs at
  /// once cannot both load it: the second waits, then finds the batch recorded. Every
  /// generated batch takes the same key, so batches load one at a time.
  public static let advisoryLockKey: Int64 = 0x616c_6d2d_7365_6564  // "alm-seed"

  public init(events: Int, seed: UInt64, year: Int = 2026, firstDay: LocalDay? = nil) {
    self.events = events
    self.seed = seed
    self.year = year
    self.firstDay = firstDay
  }

  /// The name under which the batch is recorded in `seed_batches`.
  public var batchName: String { "generate:\(year):\(seed):\(events)" }

  /// The first day assumed for a year's festival: the first Sunday on or after 20 June, so
  /// 2026-06-21 for 2026, and the edition runs `assumedDayCount` (8) days, to 2026-06-28.
  ///
  /// These dates are *assumed*, not known: Almedalsveckan is usually held in week 26 or 27, and
  /// its real dates for a year are announced by Region Gotland. Pass `firstDay`, or create the
  /// edition first, to use the real ones.
  public static func assumedFirstDay(year: Int) -> LocalDay? {
    guard let june20 = LocalDay(year: year, month: 6, day: 20),
      let knownSunday = LocalDay(year: 2026, month: 6, day: 21)
    else { return nil }
    let weekday = ((knownSunday.days(to: june20) % 7) + 7) % 7  // 0 = Sunday
    return june20.adding(days: (7 - weekday) % 7)
  }

  /// What one `load` did.
  public struct Summary: Sendable {
    /// Rows loaded by this call; all zero when the batch was already loaded.
    public let events: Int
    public let venues: Int
    public let people: Int
    public let organisers: Int
    public let panels: Int
    public let participations: Int
    /// Wall-clock time of the load, transaction included.
    public let seconds: Double
    /// True when the batch was found in `seed_batches` and nothing was loaded.
    public let alreadyLoaded: Bool
  }

  /// Loads the batch in one transaction, unless `seed_batches` says it is already loaded.
  /// A failure rolls everything back. `progress` receives a few lines per phase.
  public func load(on connection: Connection, progress: (String) -> Void) throws -> Summary {
    guard events >= 0 else {
      throw FestivalGeneratorError("the number of events must not be negative (got \(events))")
    }
    let started = ContinuousClock.now
    let counts = try withoutActuallyEscaping(progress) { progress in
      try connection.withTransaction { connection -> Counts? in
        try connection.query("SELECT pg_advisory_xact_lock($1)", [Self.advisoryLockKey])
        let loaded = try connection.query(
          "SELECT summary FROM seed_batches WHERE name = $1", [batchName])
        if let row = loaded.first {
          let summary: String = try row.decode("summary")
          progress("\(batchName) is already loaded: \(summary)")
          return nil
        }
        var load = try Load(generator: self, connection: connection, progress: progress)
        return try load.run()
      }
    }
    let elapsed = ContinuousClock.now - started
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    guard let counts else {
      return Summary(
        events: 0, venues: 0, people: 0, organisers: 0, panels: 0, participations: 0,
        seconds: seconds, alreadyLoaded: true)
    }
    progress("loaded \(batchName) in \(String(format: "%.2f", seconds)) s")
    return Summary(
      events: counts.events, venues: counts.venues, people: counts.people,
      organisers: counts.organisers, panels: counts.panels,
      participations: counts.participations, seconds: seconds, alreadyLoaded: false)
  }

  /// The seed every stream of this batch derives from.
  var batchSeed: UInt64 {
    SeededRandom.mix([UInt64(bitPattern: Int64(year)), seed, UInt64(bitPattern: Int64(events))])
  }
}

/// The generator was asked for something it cannot make.
public struct FestivalGeneratorError: Error, Sendable, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}

private struct Counts {
  var events = 0
  var venues = 0
  var people = 0
  var organisers = 0
  var coOrganisers = 0
  var panels = 0
  var participations = 0
}

// MARK: - Scheduling

/// One event's place in the programme, decided before anything is written.
private struct Slot {
  var venue: Int
  var day: Int
  /// Minutes after local midnight.
  var start: Int
  var end: Int
  var kind: EventKind
}

/// Who is booked where: per venue and day, the booked minute ranges.
private struct VenueBook {
  let days: Int
  /// 15 minutes between events at one venue, for the changeover.
  let gap = 15
  private var bookings: [[(start: Int, end: Int)]] = []

  init(venues: Int, days: Int) {
    self.days = days
    bookings = Array(repeating: [], count: venues * days)
  }

  var venueCount: Int { bookings.count / days }

  mutating func addVenue() -> Int {
    bookings.append(contentsOf: Array(repeating: [], count: days))
    return venueCount - 1
  }

  func isFree(venue: Int, day: Int, start: Int, end: Int) -> Bool {
    for booked in bookings[venue * days + day]
    where start < booked.end + gap && booked.start < end + gap {
      return false
    }
    return true
  }

  mutating func book(venue: Int, day: Int, start: Int, end: Int) {
    bookings[venue * days + day].append((start, end))
  }
}

// MARK: - Generated rows kept for later tables

private struct PersonInfo {
  var name: String
  var title: String?
  var organisation: String?
  var isJournalist: Bool
}

private struct OrganiserInfo {
  var name: String
  /// Index into `SwedishWords.parties` when the organiser is a party.
  var party: Int?
}

private struct VenueInfo {
  var capacity: Int
  var accessibility: [Accessibility]
}

// MARK: - One load

/// The state of one load: what has been generated so far, for the tables that refer to it.
private struct Load {
  let generator: FestivalGenerator
  let connection: Connection
  let progress: (String) -> Void
  let seed: UInt64
  let now: Date

  var editionID = UUID()
  var days: [LocalDay] = []
  /// The instant of 07:00 local time on each day; event times are minutes after it.
  var sevenOClock: [Date] = []

  var slots: [Slot] = []
  var venueIDs: [UUID] = []
  var venues: [VenueInfo] = []
  var organiserIDs: [UUID] = []
  var organisers: [OrganiserInfo] = []
  /// How many organisers after the parties are real, named bodies (the rest are invented).
  var namedOrganisers = 0
  var personIDs: [UUID] = []
  var people: [PersonInfo] = []
  var moderators: [Int] = []
  var politicians: [Int] = []
  var partyMembers: [[Int]] = Array(repeating: [], count: SwedishWords.parties.count)
  var counts = Counts()
  var statusCounts = (published: 0, cancelled: 0, draft: 0)

  init(generator: FestivalGenerator, connection: Connection, progress: @escaping (String) -> Void)
    throws
  {
    self.generator = generator
    self.connection = connection
    self.progress = progress
    seed = generator.batchSeed
    now = try connection.query("SELECT now() AS now")[0].decode("now")
  }

  func random(_ stream: String) -> SeededRandom { SeededRandom(seed: seed, stream: stream) }

  mutating func run() throws -> Counts {
    try resolveEdition()
    schedule()
    try loadVenues()
    try loadOrganisers()
    try loadPeople()
    try loadEvents()
    let summary =
      "\(counts.events) events (\(statusCounts.published) published, "
      + "\(statusCounts.cancelled) cancelled, \(statusCounts.draft) drafts), "
      + "\(counts.venues) venues, \(counts.organisers) organisers, \(counts.people) people, "
      + "\(counts.coOrganisers) co-organisers, \(counts.panels) panels, "
      + "\(counts.participations) participations; edition \(generator.year) "
      + "(\(days.first!) to \(days.last!)); seed \(generator.seed)"
    try connection.execute(
      "INSERT INTO seed_batches (name, summary) VALUES ($1, $2)", [generator.batchName, summary])
    return counts
  }

  // MARK: Edition

  mutating func resolveEdition() throws {
    let year = generator.year
    let select: PostgresQuery = """
      SELECT id, first_day::text AS first_day, last_day::text AS last_day FROM editions
      WHERE year = \(year)
      """
    var rows = try connection.query(select)
    var created = false
    if rows.isEmpty {
      guard let first = generator.firstDay ?? FestivalGenerator.assumedFirstDay(year: year) else {
        throw FestivalGeneratorError("no festival days can be assumed for year \(year)")
      }
      guard first.year == year else {
        throw FestivalGeneratorError("the first day \(first) is not in the year \(year)")
      }
      let last = first.adding(days: FestivalGenerator.assumedDayCount - 1)
      var ids = random("ids.edition")
      let id = ids.uuid()
      // Another loader (the demo programme, say) may be creating the same edition right
      // now: ON CONFLICT waits for it and then leaves its row alone.
      try connection.execute(
        """
        INSERT INTO editions (id, year, name, first_day, last_day)
        VALUES ($1, $2, $3, $4::date, $5::date) ON CONFLICT (year) DO NOTHING
        """,
        [id, year, "Almedalsveckan \(year)", first.description, last.description])
      rows = try connection.query(select)
      created = try rows.first?.decode("id", as: UUID.self) == id
    }
    guard let row = rows.first,
      let first = try LocalDay(row.decode("first_day", as: String.self)),
      let last = try LocalDay(row.decode("last_day", as: String.self))
    else { throw FestivalGeneratorError("cannot read the edition of \(year)") }
    if !created {
      progress("edition \(year) exists: \(first) to \(last)")
    } else if generator.firstDay == nil {
      progress("edition \(year) created: \(first) to \(last) (days assumed)")
    } else {
      progress("edition \(year) created: \(first) to \(last)")
    }
    editionID = try row.decode("id")
    days = (0...first.days(to: last)).map { first.adding(days: $0) }
    // No daylight-saving change happens between 07:00 and midnight in Sweden, so minutes
    // after 07:00 are exact for the rest of the day.
    sevenOClock = days.map { FestivalTime.date($0, hour: 7) }
  }

  // MARK: Schedule

  /// Decides every event's kind, day, time and venue, so that no two events at one venue
  /// overlap (with a 15-minute changeover). Busy venues are tried first; when a venue is
  /// taken another is tried, and when all are, a venue is added.
  mutating func schedule() {
    var rng = random("schedule")
    let n = generator.events
    let byRatio = Int((Double(n) / 12.5).rounded())
    // Room for everything even in a short edition: about six events per venue and day.
    let byRoom = (n + days.count * 6 - 1) / (days.count * 6)
    var book = VenueBook(venues: max(1, byRatio, byRoom), days: days.count)
    let dayWeights = days.indices.map { day in
      days.count >= 3 && (day == 0 || day == days.count - 1) ? 6 : 10
    }
    // seminar, panel_debate, breakfast_seminar, lunch_seminar, mingle, other
    let kinds: [EventKind] = [
      .seminar, .panelDebate, .breakfastSeminar, .lunchSeminar, .mingle, .other,
    ]
    let kindWeights = [44, 24, 10, 9, 7, 6]
    slots.reserveCapacity(n)
    for _ in 0..<n {
      let kind = kinds[rng.weighted(kindWeights)]
      var time = Self.time(for: kind, &rng)
      var placed: Slot?
      for attempt in 0..<16 {
        if attempt > 0 && attempt % 4 == 0 { time = Self.time(for: kind, &rng) }
        let venue = rng.skewed(book.venueCount, power: 1.5)
        let day = rng.weighted(dayWeights)
        if book.isFree(venue: venue, day: day, start: time.start, end: time.end) {
          placed = Slot(venue: venue, day: day, start: time.start, end: time.end, kind: kind)
          break
        }
      }
      if placed == nil {
        let total = book.venueCount * days.count
        let offset = rng.below(total)
        for step in 0..<total {
          let index = (offset + step) % total
          let (venue, day) = (index / days.count, index % days.count)
          if book.isFree(venue: venue, day: day, start: time.start, end: time.end) {
            placed = Slot(venue: venue, day: day, start: time.start, end: time.end, kind: kind)
            break
          }
        }
      }
      let slot =
        placed
        ?? Slot(
          venue: book.addVenue(), day: rng.weighted(dayWeights), start: time.start,
          end: time.end, kind: kind)
      book.book(venue: slot.venue, day: slot.day, start: slot.start, end: slot.end)
      slots.append(slot)
    }
    counts.venues = book.venueCount
    progress("scheduled \(n) events at \(book.venueCount) venues over \(days.count) days")
  }

  /// A start and end (minutes after midnight) for an event of a kind: breakfasts 07:30–09:00,
  /// lunches 12:00–13:00, mingles in the evening, the rest 08:00–21:00, mostly 45–60 minutes.
  static func time(for kind: EventKind, _ rng: inout SeededRandom) -> (start: Int, end: Int) {
    func duration(_ options: [Int], _ weights: [Int], until latest: Int, from start: Int) -> Int {
      var choice = options[rng.weighted(weights)]
      while start + choice > latest, let shorter = options.last(where: { $0 < choice }) {
        choice = shorter
      }
      return choice
    }
    switch kind {
    case .breakfastSeminar:
      let start = rng.pick([450, 450, 465, 480])
      return (start, start + duration([45, 60, 90], [3, 4, 1], until: 540, from: start))
    case .lunchSeminar:
      let start = rng.pick([720, 720, 735])
      return (start, start + duration([45, 60], [1, 2], until: 780, from: start))
    case .mingle:
      let start = 990 + 15 * rng.below(13)
      return (start, start + duration([60, 90, 120], [3, 3, 2], until: 1260, from: start))
    case .seminar, .panelDebate, .other:
      // Starting hours 08–19, busiest mid-morning and early afternoon.
      let hour = 8 + rng.weighted([10, 14, 16, 15, 6, 15, 16, 15, 12, 8, 5, 3])
      let start = hour * 60 + 15 * rng.below(4)
      return (
        start,
        start + duration([30, 45, 60, 90, 120], [8, 30, 36, 17, 9], until: 1260, from: start)
      )
    }
  }

  // MARK: Venues

  mutating func loadVenues() throws {
    var rng = random("venues")
    var ids = random("ids.venues")
    let count = counts.venues
    let tents = max(1, count / 12)
    let halls = min(6, max(0, count - tents) / 20)
    var names = Set<String>()
    let unnumbered: Set<String> = [
      "Almedalen", "Wisby Strand", "S:t Hans plats", "Stora torget", "Klinten", "Specksrum",
    ]
    venueIDs.reserveCapacity(count)
    venues.reserveCapacity(count)
    try connection.copyIn(
      "COPY venues (id, name, address, description, latitude, longitude, capacity, accessibility) FROM STDIN"
    ) { writer in
      for index in 0..<count {
        let name: String
        let address: String
        var place: (name: String, latitude: Double, longitude: Double)
        let capacity: Int
        var descriptions = SwedishWords.venueDescriptions
        if index < tents {
          descriptions = SwedishWords.tentDescriptions
          place = ("Almedalen", 57.6400, 18.2878)
          name = "Almedalen, tält \(index + 1)"
          address = "Almedalen"
          capacity = 10 * rng.int(in: 8...40)
        } else if index < tents + halls {
          descriptions = SwedishWords.hallDescriptions
          place = ("Wisby Strand", 57.6352, 18.2868)
          name = "Wisby Strand, sal \(["A", "B", "C", "D", "E", "F"][index - tents])"
          address = "Wisby Strand"
          capacity = 10 * rng.int(in: 6...40)
        } else {
          var candidate = ""
          var candidateAddress = ""
          place = SwedishWords.streets[0]
          for attempt in 0..<8 {
            place = rng.pick(SwedishWords.streets)
            let numbered =
              unnumbered.contains(place.name)
              ? place.name
              : "\(place.name) \(rng.int(in: 1...(place.name.hasSuffix("plats") ? 9 : 45)))"
            candidateAddress = numbered
            if rng.chance(0.3) && numbered != place.name {
              candidate = numbered
            } else {
              let pattern = rng.pick(SwedishWords.venuePatterns)
              candidate = Self.fill(pattern, place: place.name, numbered: numbered)
            }
            if !names.contains(candidate) { break }
            if attempt == 7 { candidate += " \(index + 1)" }
          }
          name = candidate
          address = candidateAddress
          // Mostly small rooms and gardens, a few larger halls.
          capacity = 10 * (2 + Int(Double(rng.int(in: 0...28)) * rng.unit()))
        }
        names.insert(name)
        let latitude = Self.clamp(
          place.latitude + (rng.unit() - 0.5) * 0.0012, 57.6332, 57.6458)
        let longitude = Self.clamp(
          place.longitude + (rng.unit() - 0.5) * 0.0024, 18.2832, 18.3048)
        var features: [Accessibility] = []
        if rng.chance(0.68) { features.append(.wheelchair) }
        if rng.chance(0.35) { features.append(.hearingLoop) }
        if rng.chance(0.05) { features.append(.signLanguage) }
        if rng.chance(0.10) { features.append(.captions) }
        if rng.chance(0.03) { features.append(.audioDescription) }
        let description: String? =
          rng.chance(0.6)
          ? rng.pick(descriptions) + " Plats för \(capacity) personer." : nil
        let id = ids.uuid()
        venueIDs.append(id)
        venues.append(VenueInfo(capacity: capacity, accessibility: features))
        try writer.append([
          id, name, address, description, Self.round6(latitude), Self.round6(longitude), capacity,
          features.map(\.rawValue),
        ])
      }
    }
    progress("venues \(count)")
  }

  static func fill(_ pattern: String, place: String, numbered: String) -> String {
    var out = ""
    for character in pattern {
      switch character {
      case "#": out += place
      case "§": out += numbered
      default: out.append(character)
      }
    }
    return out
  }

  static func clamp(_ value: Double, _ low: Double, _ high: Double) -> Double {
    min(high, max(low, value))
  }

  static func round6(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }

  // MARK: Organisers

  mutating func loadOrganisers() throws {
    var rng = random("organisers")
    var ids = random("ids.organisers")
    let count = max(1, Int((Double(generator.events) / 2.5).rounded()))
    // Parties first (they host the most events), then named bodies in a seeded order, then
    // invented companies and networks.
    var named =
      SwedishWords.agencies + SwedishWords.unionsAndEmployers + SwedishWords.associations
      + SwedishWords.youthLeagues
    for index in stride(from: named.count - 1, to: 0, by: -1) {
      named.swapAt(index, rng.below(index + 1))
    }
    namedOrganisers = named.count
    var names = Set<String>()
    var domains = Set<String>()
    organiserIDs.reserveCapacity(count)
    organisers.reserveCapacity(count)
    try connection.copyIn("COPY organisers (id, name, contact_email, website) FROM STDIN") {
      writer in
      for index in 0..<count {
        var party: Int?
        var name: String
        if index < SwedishWords.parties.count {
          party = index
          name = SwedishWords.parties[index].name
        } else if index - SwedishWords.parties.count < named.count {
          name = named[index - SwedishWords.parties.count]
        } else {
          name = ""
          for attempt in 0..<8 {
            switch rng.weighted([60, 27, 9, 4]) {
            case 0:
              name =
                rng.pick(SwedishWords.companyHeads) + rng.pick(SwedishWords.companyTails) + " "
                + rng.pick(SwedishWords.companyForms)
            case 1:
              name = rng.pick(SwedishWords.networkPatterns).replacingOccurrences(
                of: "#", with: rng.pick(SwedishWords.networkNouns))
            case 2:
              name =
                rng.pick(SwedishWords.regionalPlaces) + " " + rng.pick(SwedishWords.regionalKinds)
            default:
              name = "Tankesmedjan " + rng.pick(SwedishWords.thinkTankNames)
            }
            if !names.contains(name) { break }
            if attempt == 7 { name += " \(index + 1)" }
          }
        }
        names.insert(name)
        var domain = Self.slug(name)
        if domains.contains(domain) { domain += "-\(index + 1)" }
        domains.insert(domain)
        let email: String? =
          rng.chance(0.95) ? "\(rng.pick(SwedishWords.mailboxes))@\(domain).example" : nil
        let website: String? =
          rng.chance(0.9)
          ? (rng.chance(0.7)
            ? "https://www.\(domain).example" : "https://\(domain).example/almedalen")
          : nil
        let id = ids.uuid()
        organiserIDs.append(id)
        organisers.append(OrganiserInfo(name: name, party: party))
        try writer.append([id, name, email, website])
      }
    }
    counts.organisers = count
    progress("organisers \(count)")
  }

  /// An organiser for an event: parties host many events (by their size), named public
  /// bodies and associations more than the invented ones, the best known of them most.
  func pickOrganiser(_ rng: inout SeededRandom) -> Int {
    let parties = min(SwedishWords.parties.count, organisers.count)
    let named = min(organisers.count, parties + namedOrganisers)
    let draw = rng.unit()
    if parties == organisers.count || (draw < 0.08 && parties == SwedishWords.parties.count) {
      return rng.weighted(SwedishWords.parties.prefix(parties).map(\.weight))
    }
    if draw < 0.4 && named > parties {
      return parties + rng.skewed(named - parties, power: 1.6)
    }
    return parties + rng.below(organisers.count - parties)
  }

  /// `Myndigheten för digital förvaltning` → `myndigheten-for-digital-forvaltning`: a DNS
  /// label of ASCII letters, digits and hyphens.
  static func slug(_ text: String) -> String {
    var out = ""
    var pendingHyphen = false
    for scalar in text.lowercased().unicodeScalars {
      let folded: String
      switch scalar {
      case "a"..."z", "0"..."9": folded = String(scalar)
      case "å", "ä", "á", "à": folded = "a"
      case "ö", "ø", "ó": folded = "o"
      case "é", "è", "ë": folded = "e"
      case "ü", "ú": folded = "u"
      case "č", "ć": folded = "c"
      case "&": folded = "och"
      default: folded = ""
      }
      if folded.isEmpty {
        pendingHyphen = !out.isEmpty
        continue
      }
      if pendingHyphen { out += "-" }
      pendingHyphen = false
      out += folded
    }
    if out.utf8.count > 50 {
      out = String(out.prefix(50))
      while out.hasSuffix("-") { out.removeLast() }
    }
    return out.isEmpty ? "arrangor" : out
  }

  // MARK: People

  mutating func loadPeople() throws {
    var rng = random("people")
    var ids = random("ids.people")
    let count = Int((Double(generator.events) * 2.4).rounded())
    let partyWeights = SwedishWords.parties.map(\.weight)
    let firstNonParty = min(SwedishWords.parties.count, organisers.count - 1)
    personIDs.reserveCapacity(count)
    people.reserveCapacity(count)
    try connection.copyIn("COPY people (id, name, title, organisation, party) FROM STDIN") {
      writer in
      for index in 0..<count {
        var name = rng.pick(SwedishWords.firstNames) + " " + rng.pick(SwedishWords.lastNames)
        if rng.chance(0.05) { name += " " + rng.pick(SwedishWords.lastNames) }
        var title: String?
        var organisation: String?
        var party: String?
        var isJournalist = false
        let category = rng.unit()
        if category < 0.2 {
          let partyIndex = rng.weighted(partyWeights)
          party = SwedishWords.parties[partyIndex].abbreviation
          title = rng.pick(SwedishWords.politicianTitles)
          organisation =
            rng.chance(0.5)
            ? SwedishWords.parties[partyIndex].name : rng.pick(SwedishWords.politicianPlaces)
          politicians.append(index)
          partyMembers[partyIndex].append(index)
        } else if category < 0.26 {
          isJournalist = true
          title = rng.pick(SwedishWords.journalistTitles)
          organisation = rng.pick(SwedishWords.media)
          moderators.append(index)
        } else {
          title = rng.chance(0.97) ? rng.pick(SwedishWords.titles) : nil
          if rng.chance(0.95) {
            let namedEnd = min(organisers.count, firstNonParty + namedOrganisers)
            organisation =
              rng.chance(0.5) && namedEnd > firstNonParty
              ? organisers[rng.int(in: firstNonParty...(namedEnd - 1))].name
              : organisers[rng.int(in: firstNonParty...(organisers.count - 1))].name
          }
        }
        let id = ids.uuid()
        personIDs.append(id)
        people.append(
          PersonInfo(
            name: name, title: title, organisation: organisation, isJournalist: isJournalist))
        try writer.append([id, name, title, organisation, party])
      }
    }
    counts.people = count
    progress("people \(count)")
  }

  // MARK: Events

  mutating func loadEvents() throws {
    var rng = random("events")
    var eventIDs = random("ids.events")
    var panelIDs = random("ids.panels")
    var participationIDs = random("ids.participations")
    let total = slots.count
    let every = max(1000, total / 10)
    let sourceNote = "Genererad testdata (seed \(generator.seed))"
    let editionID = self.editionID
    var coOrganiserRows: [(UUID, UUID, Int)] = []
    var panelRows: [(UUID, UUID, Int, String?, Date?, Date?)] = []
    var participationRows: [(UUID, UUID, UUID, UUID?, String, String?, String?, Int)] = []
    coOrganiserRows.reserveCapacity(total)
    panelRows.reserveCapacity(total / 2)
    participationRows.reserveCapacity(total * 4)

    try connection.copyIn(
      """
      COPY events (id, edition_id, organiser_id, venue_id, title, description, kind, starts_at,
        ends_at, topics, languages, accessibility, food_served, livestream_url, capacity,
        registration_open, status, revision, version, source_note, created_at, updated_at,
        revised_at, published_at, cancelled_at) FROM STDIN
      """
    ) { writer in
      for (number, slot) in slots.enumerated() {
        let id = eventIDs.uuid()
        let startsAt = sevenOClock[slot.day].addingTimeInterval(Double((slot.start - 420) * 60))
        let endsAt = sevenOClock[slot.day].addingTimeInterval(Double((slot.end - 420) * 60))

        // Who arranges it.
        let organiser = pickOrganiser(&rng)
        let coCount = rng.weighted([55, 25, 13, 7])
        let coOrganisers = rng.distinct(coCount, from: organisers.count, excluding: organiser)
        for (position, co) in coOrganisers.enumerated() {
          coOrganiserRows.append((id, organiserIDs[co], position))
        }

        // What it is about, and in which language.
        let topicIndexes = rng.distinct(
          1 + rng.weighted([45, 40, 15]), from: SwedishWords.topics.count)
        let topics = topicIndexes.map { SwedishWords.topics[$0] }
        let languages = [["sv"], ["sv", "en"], ["en"]][rng.weighted([85, 10, 5])]
        let english = languages == ["en"]
        let title = makeTitle(
          kind: slot.kind, topics: topics, organiser: organisers[organiser].name,
          english: english, &rng)

        // Practicalities.
        let venue = venues[slot.venue]
        let food: Bool
        switch slot.kind {
        case .breakfastSeminar, .lunchSeminar: food = true
        case .mingle: food = rng.chance(0.7)
        case .seminar, .panelDebate, .other: food = rng.chance(0.05)
        }
        let livestream: String? =
          rng.chance(0.1)
          ? "https://play.example/almedalen/\(generator.year)/\(Self.slug(title))-\(id.uuidString.prefix(8).lowercased())"
          : nil
        var capacity: Int?
        var registrationOpen = false
        if rng.chance(0.3) {
          capacity = max(10, min(venue.capacity, 10 * rng.int(in: 2...30)))
          registrationOpen = true
        }
        var accessibility: [Accessibility] = []
        for feature in Accessibility.allCases {
          let has: Bool
          switch feature {
          case .wheelchair: has = venue.accessibility.contains(.wheelchair)
          case .hearingLoop: has = venue.accessibility.contains(.hearingLoop) && rng.chance(0.8)
          case .captions: has = livestream != nil ? rng.chance(0.5) : rng.chance(0.04)
          case .signLanguage: has = rng.chance(0.04)
          case .audioDescription: has = rng.chance(0.01)
          }
          if has { accessibility.append(feature) }
        }

        // Who takes part.
        let (panels, participants) = makeParticipants(
          kind: slot.kind, organiser: organiser, startsAt: startsAt, endsAt: endsAt,
          english: english, &rng)
        var panelRowIDs: [UUID] = []
        for (position, panel) in panels.enumerated() {
          let panelID = panelIDs.uuid()
          panelRowIDs.append(panelID)
          panelRows.append((panelID, id, position, panel.title, panel.startsAt, panel.endsAt))
        }
        var moderatorName: String?
        for (position, participant) in participants.enumerated() {
          if participant.role == .moderator { moderatorName = people[participant.person].name }
          participationRows.append(
            (
              participationIDs.uuid(), id, personIDs[participant.person],
              participant.panel.map { panelRowIDs[$0] }, participant.role.rawValue,
              participant.title, participant.organisation, position
            ))
        }

        let description = makeDescription(
          slot: slot, topics: topics, organiser: organisers[organiser].name,
          coOrganisers: coOrganisers.map { organisers[$0].name }, moderator: moderatorName,
          capacity: registrationOpen ? capacity : nil, livestream: livestream != nil,
          english: english, &rng)

        // Where it is in its life, with timestamps as if organisers had worked on it over the
        // past weeks: created as a draft, published, maybe edited, maybe cancelled.
        let status = [EventStatus.published, .cancelled, .draft][rng.weighted([95, 3, 2])]
        let created = now.addingTimeInterval(-Double(rng.int(in: 14 * 86_400...70 * 86_400)))
        var revision = 0
        var version = 1
        var revised = created
        var updated = created
        var published: Date?
        var cancelled: Date?
        if status != .draft {
          let publishedAt = created.addingTimeInterval(Double(rng.int(in: 600...5 * 86_400)))
          published = publishedAt
          revision = 1
          version = 2
          revised = publishedAt
          if rng.chance(0.15) {
            let edits = rng.int(in: 1...2)
            revision += edits
            version += edits
            revised = Self.between(publishedAt, now.addingTimeInterval(-86_400), &rng)
          }
          updated = revised
          if status == .cancelled {
            let cancelledAt = Self.between(revised, now.addingTimeInterval(-3_600), &rng)
            cancelled = cancelledAt
            revision += 1
            version += 1
            revised = cancelledAt
            updated = cancelledAt
          }
        } else {
          version += rng.int(in: 0...2)
          updated = Self.between(created, now.addingTimeInterval(-3_600), &rng)
        }
        switch status {
        case .published: statusCounts.published += 1
        case .cancelled: statusCounts.cancelled += 1
        case .draft, .submitted, .returned: statusCounts.draft += 1
        }

        try writer.append([
          id, editionID, organiserIDs[organiser], venueIDs[slot.venue], title, description,
          slot.kind.rawValue, startsAt, endsAt, topics.map(\.name), languages,
          accessibility.map(\.rawValue), food, livestream, capacity, registrationOpen,
          status.rawValue, revision, version, sourceNote, created, updated, revised, published,
          cancelled,
        ])
        if (number + 1) % every == 0 && number + 1 < total {
          progress("events \(number + 1)/\(total)")
        }
      }
    }
    counts.events = total
    progress("events \(total)/\(total)")

    // The generated festival stands for the staff's own programme: its co-organisers have
    // accepted.
    counts.coOrganisers = try connection.copyIn(
      "COPY event_organisers (event_id, organiser_id, position, status) FROM STDIN"
    ) { writer in
      for row in coOrganiserRows { try writer.append([row.0, row.1, row.2, "accepted"]) }
    }
    progress("co-organisers \(counts.coOrganisers)")
    counts.panels = try connection.copyIn(
      "COPY panels (id, event_id, position, title, starts_at, ends_at) FROM STDIN"
    ) { writer in
      for row in panelRows { try writer.append([row.0, row.1, row.2, row.3, row.4, row.5]) }
    }
    progress("panels \(counts.panels)")
    counts.participations = try connection.copyIn(
      """
      COPY participations (id, event_id, person_id, panel_id, role, title, organisation,
        position) FROM STDIN
      """
    ) { writer in
      for row in participationRows {
        try writer.append([row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7])
      }
    }
    progress("participations \(counts.participations)")
  }

  /// A whole second between `low` and `high` (or `low` when `high` is not later).
  static func between(_ low: Date, _ high: Date, _ rng: inout SeededRandom) -> Date {
    let span = Int(high.timeIntervalSince(low))
    return span > 0 ? low.addingTimeInterval(Double(rng.int(in: 0...span))) : low
  }

  // MARK: Titles and descriptions

  func makeTitle(
    kind: EventKind, topics: [SwedishWords.Topic], organiser: String, english: Bool,
    _ rng: inout SeededRandom
  ) -> String {
    let main = topics[0]
    let second =
      topics.count > 1 ? topics[1] : SwedishWords.topics[rng.below(SwedishWords.topics.count)]
    if english {
      return Self.fill(
        rng.pick(SwedishWords.englishTemplates), phrase: main.english, second: second.english,
        future: main.english, organiser: organiser)
    }
    let templates: [String]
    switch kind {
    case .breakfastSeminar:
      templates = rng.chance(0.5) ? SwedishWords.breakfastTemplates : SwedishWords.titleTemplates
    case .lunchSeminar:
      templates = rng.chance(0.5) ? SwedishWords.lunchTemplates : SwedishWords.titleTemplates
    case .panelDebate:
      templates = rng.chance(0.4) ? SwedishWords.debateTemplates : SwedishWords.titleTemplates
    case .mingle: templates = SwedishWords.mingleTemplates
    case .other:
      templates = rng.chance(0.6) ? SwedishWords.otherTemplates : SwedishWords.titleTemplates
    case .seminar: templates = SwedishWords.titleTemplates
    }
    return Self.fill(
      rng.pick(templates), phrase: rng.pick(main.phrases), second: rng.pick(second.phrases),
      future: rng.pick(main.futures), organiser: organiser)
  }

  func makeDescription(
    slot: Slot, topics: [SwedishWords.Topic], organiser: String, coOrganisers: [String],
    moderator: String?, capacity: Int?, livestream: Bool, english: Bool,
    _ rng: inout SeededRandom
  ) -> String {
    let main = topics[0]
    let second = topics.count > 1 ? topics[1] : main
    if english {
      var text = "\(organiser) invites you to a conversation about \(main.english). "
      text +=
        "How does it affect Gotland and the rest of Sweden, and what needs to be decided next?"
      if !coOrganisers.isEmpty { text += " In cooperation with \(Self.list(coOrganisers, "and"))." }
      if let moderator { text += " Moderator: \(moderator)." }
      if livestream { text += " The event is also streamed." }
      return text + " Questions from the audience are welcome."
    }
    let phrase = rng.pick(main.phrases)
    func fill(_ template: String) -> String {
      Self.fill(
        template, phrase: phrase, second: rng.pick(second.phrases), future: rng.pick(main.futures),
        organiser: organiser)
    }
    var sentences = [
      fill(rng.pick(SwedishWords.openings)), rng.pick(SwedishWords.middles),
    ]
    if !coOrganisers.isEmpty {
      sentences.append("I samarbete med \(Self.list(coOrganisers, "och")).")
    }
    switch slot.kind {
    case .breakfastSeminar:
      sentences.append("Frukost serveras från kl. \(Self.clock(slot.start - 15)).")
    case .lunchSeminar: sentences.append("Enklare lunch serveras.")
    case .mingle: sentences.append("Dryck och tilltugg serveras.")
    case .seminar, .panelDebate, .other: break
    }
    if let moderator { sentences.append("Moderator: \(moderator).") }
    if let capacity {
      sentences.append("Anmälan krävs; antalet platser är begränsat till \(capacity).")
    } else if rng.chance(0.5) {
      sentences.append("Fri entré, ingen anmälan.")
    }
    if livestream { sentences.append("Seminariet sänds även digitalt.") }
    sentences.append(rng.pick(SwedishWords.closings))
    var text = sentences.joined(separator: " ")
    if rng.chance(0.45) { text += "\n\n" + fill(rng.pick(SwedishWords.secondParagraphs)) }
    return text
  }

  /// Fills a template (see `SwedishWords.titleTemplates` for the marks) in one pass, so that
  /// a mark inside a filled-in name is never read as a mark.
  static func fill(
    _ template: String, phrase: String, second: String, future: String, organiser: String
  ) -> String {
    var out = ""
    for character in template {
      switch character {
      case "#": out += out.isEmpty ? capitalisedFirst(phrase) : phrase
      case "&": out += out.isEmpty ? capitalisedFirst(second) : second
      case "%": out += future
      case "@": out += organiser
      case "$": out += genitive(organiser)
      default: out.append(character)
      }
    }
    return out
  }

  static func capitalisedFirst(_ text: String) -> String {
    guard let first = text.first else { return text }
    return first.uppercased() + text.dropFirst()
  }

  /// Swedish genitive: `Försäkringskassans`, `LO:s`, `Rädda Barnens`, `Fores` (no extra s).
  static func genitive(_ name: String) -> String {
    guard let last = name.last else { return name }
    if last.isUppercase || last.isNumber { return name + ":s" }
    if "sxz".contains(last) { return name }
    return name + "s"
  }

  /// `A`, `A och B`, `A, B och C`.
  static func list(_ items: [String], _ conjunction: String) -> String {
    guard items.count > 1 else { return items.first ?? "" }
    return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items.last!
  }

  /// `07.15`, as Swedish programmes write times.
  static func clock(_ minutes: Int) -> String {
    let hour = minutes / 60
    let minute = minutes % 60
    return (hour < 10 ? "0" : "") + "\(hour)." + (minute < 10 ? "0" : "") + "\(minute)"
  }

  // MARK: Participants

  struct PanelPlan {
    var title: String?
    var startsAt: Date?
    var endsAt: Date?
  }

  struct ParticipantPlan {
    var person: Int
    var role: ParticipantRole
    var panel: Int?
    var title: String?
    var organisation: String?
  }

  /// One to six people: usually a moderator, then speakers or panelists, sometimes in one or
  /// two panels. Party events feature their own politicians; debates draw on politicians.
  func makeParticipants(
    kind: EventKind, organiser: Int, startsAt: Date, endsAt: Date, english: Bool,
    _ rng: inout SeededRandom
  ) -> ([PanelPlan], [ParticipantPlan]) {
    guard !people.isEmpty else { return ([], []) }
    let count = min(people.count, 1 + rng.weighted([8, 14, 24, 26, 16, 12]))
    let hasModerator = count >= 2 && rng.chance(0.85)
    let others = count - (hasModerator ? 1 : 0)
    var panelCount = others >= 3 ? rng.weighted([55, 33, 12]) : 0
    if panelCount == 2 && others < 4 { panelCount = 1 }

    var chosen: [Int] = []
    func choose(_ candidate: () -> Int) -> Int {
      for _ in 0..<10 {
        let person = candidate()
        if !chosen.contains(person) {
          chosen.append(person)
          return person
        }
      }
      let person = (0..<people.count).first { !chosen.contains($0) }!
      chosen.append(person)
      return person
    }

    var participants: [ParticipantPlan] = []
    if hasModerator {
      let person = choose {
        moderators.isEmpty || rng.chance(0.15)
          ? rng.skewed(people.count, power: 1.3) : moderators[rng.below(moderators.count)]
      }
      participants.append(ParticipantPlan(person: person, role: .moderator))
    }
    let party = organisers[organiser].party
    let keynote = others >= 3 && rng.chance(panelCount > 0 ? 0.25 : 0.3)
    let panelists = others - (keynote ? 1 : 0)
    for index in 0..<others {
      let person = choose {
        if index == 0, let party, !partyMembers[party].isEmpty, rng.chance(0.8) {
          return partyMembers[party][rng.below(partyMembers[party].count)]
        }
        if kind == .panelDebate, !politicians.isEmpty, rng.chance(0.6) {
          return politicians[rng.below(politicians.count)]
        }
        return rng.skewed(people.count, power: 1.3)
      }
      var role: ParticipantRole
      var panel: Int?
      if keynote && index == 0 {
        role = .speaker
      } else if panelCount > 0 {
        role = .panelist
        let place = index - (keynote ? 1 : 0)
        panel = panelCount == 2 && place >= (panelists + 1) / 2 ? 1 : 0
      } else {
        role = kind == .panelDebate || others >= 3 ? .panelist : .speaker
      }
      participants.append(ParticipantPlan(person: person, role: role, panel: panel))
    }

    // What the programme calls them at this event: usually their defaults.
    for index in participants.indices {
      let person = people[participants[index].person]
      if rng.chance(0.85) {
        participants[index].title = person.title
        participants[index].organisation = person.organisation
      } else {
        participants[index].title = rng.pick(
          person.isJournalist || participants[index].role == .moderator
            ? SwedishWords.journalistTitles : SwedishWords.titles)
        participants[index].organisation =
          rng.chance(0.5) ? organisers[organiser].name : person.organisation
      }
    }

    var panels: [PanelPlan] = []
    for index in 0..<panelCount {
      var plan = PanelPlan()
      if rng.chance(0.85) {
        plan.title =
          english ? "Panel \(index + 1)" : rng.pick(SwedishWords.panelTitles)
      }
      if panelCount == 2 {
        // Two panels share the event's time, split at a whole five minutes.
        let minutes = Int(endsAt.timeIntervalSince(startsAt)) / 60
        let middle = startsAt.addingTimeInterval(Double(minutes / 2 / 5 * 5 * 60))
        plan.startsAt = index == 0 ? startsAt : middle
        plan.endsAt = index == 0 ? middle : endsAt
      }
      panels.append(plan)
    }
    if panelCount == 2 && panels[0].title == panels[1].title { panels[1].title = nil }
    return (panels, participants)
  }
}
