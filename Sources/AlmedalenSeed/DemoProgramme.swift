import AlmedalenCore
public import AlmedalenStore
public import Foundation

/// The demo programme: the two seminars of the seed reports (Almedalsveckan 2012), entered
/// as faithfully as the reports allow, plus a generated week around them.
///
/// Every person carries the title and organisation the report gives *at that event*; Ola
/// Andersson and Johan Jonsson, who appear in both, are one person each. What the reports do
/// not say (clock times, venues, the first seminar's organiser, the edition's days) is chosen
/// plausibly and written down in each event's `source_note` as assumed.
///
/// Ids are fixed, so loading is safe to repeat, and a run cut short is completed by the next.
public struct DemoProgramme: Sendable {
  public let store: FestivalStore
  /// Generated events added around the two seminars.
  public let generatedEvents: Int

  public init(store: FestivalStore, generatedEvents: Int = 300) {
    self.store = store
    self.generatedEvents = generatedEvents
  }

  /// Fixed ids of the demo's own rows.
  public enum IDs {
    public static let edition = id(1)
    public static let finsamGotland = id(10)
    public static let delta = id(11)
    public static let nationellaRadet = id(12)
    public static let nationellaNatverket = id(13)
    public static let almedalenTent = id(20)
    public static let donnersPlats = id(21)
    public static let johanJonsson = id(30)
    public static let olaAndersson = id(31)
    public static let karlHenrikNanning = id(32)
    public static let henriettaStein = id(33)
    public static let perArneAndersson = id(34)
    public static let hansFolkesson = id(35)
    public static let tuesdayLunch = id(40)
    public static let deltaBreakfast = id(41)

    static func id(_ n: Int) -> UUID {
      UUID(uuidString: "a1da1e00-2012-4000-8000-" + String(format: "%012d", n))!
    }
  }

  /// Loads what is missing and publishes the two seminars; returns a line per step taken.
  @discardableResult
  public func load(log: (String) -> Void = { _ in }) throws -> Int {
    var created = 0
    func ensure<T>(_ what: String, _ exists: () throws -> T, _ create: () throws -> T) throws {
      do {
        _ = try exists()
      } catch StoreError.notFound {
        _ = try create()
        created += 1
        log("created \(what)")
      }
    }

    if try store.editions.find(year: 2012) == nil {
      _ = try store.editions.create(
        Edition(
          id: IDs.edition, year: 2012, name: "Almedalsveckan 2012",
          firstDay: LocalDay("2012-07-01")!, lastDay: LocalDay("2012-07-08")!))
      created += 1
      log("created edition 2012")
    }

    for organiser in Self.organisers {
      try ensure(
        "organiser \(organiser.name)", { try store.organisers.get(organiser.id) },
        { try store.organisers.create(organiser) })
    }
    for venue in Self.venues {
      try ensure(
        "venue \(venue.name)", { try store.venues.get(venue.id) },
        { try store.venues.create(venue) })
    }
    for person in Self.people {
      try ensure(
        "person \(person.name)", { try store.people.get(person.id) },
        { try store.people.create(person) })
    }
    for (id, details) in [
      (IDs.tuesdayLunch, Self.tuesdayLunch), (IDs.deltaBreakfast, Self.deltaBreakfast),
    ] {
      try ensure(
        "event \(details.title)", { try store.events.get(id) },
        { try store.events.create(details, id: id) })
      _ = try store.events.publish(id)
    }
    return created
  }

  // MARK: The data

  static let organisers = [
    Organiser(
      id: IDs.finsamGotland, name: "Finsam på Gotland", website: "http://finsamgotland.se"),
    Organiser(id: IDs.delta, name: "Samordningsförbundet DELTA Göteborg Hisingen"),
    Organiser(id: IDs.nationellaRadet, name: "Nationella Rådet"),
    Organiser(id: IDs.nationellaNatverket, name: "Nationella Nätverket NNS"),
  ]

  static let venues = [
    Venue(
      id: IDs.almedalenTent, name: "Almedalen, Finsams tält",
      address: "Almedalen, Visby",
      description: "Antagen plats: rapporten anger inte var seminariet hölls.",
      coordinate: Coordinate(latitude: 57.6404, longitude: 18.2881), capacity: 80,
      accessibility: [.wheelchair]),
    Venue(
      id: IDs.donnersPlats, name: "Donners plats", address: "Donners plats, Visby",
      description: "Antagen plats: rapporten anger inte var seminariet hölls.",
      coordinate: Coordinate(latitude: 57.6394, longitude: 18.2925), capacity: 60,
      accessibility: [.wheelchair, .hearingLoop]),
  ]

  /// Defaults in the registry; each appearance below carries its own title.
  static let people = [
    Person(
      id: IDs.johanJonsson, name: "Johan Jonsson", title: "folkhälsochef",
      organisation: "Västra Götalandsregionen"),
    Person(
      id: IDs.olaAndersson, name: "Ola Andersson", title: "förbundschef",
      organisation: "Samordningsförbundet DELTA Göteborg Hisingen"),
    Person(
      id: IDs.karlHenrikNanning, name: "Karl-Henrik Nanning", title: "ordförande",
      organisation: "Samordningsförbundet Uppsala län", party: "M"),
    Person(id: IDs.henriettaStein, name: "Henrietta Stein", organisation: "Arbetsförmedlingen"),
    Person(id: IDs.perArneAndersson, name: "Per-Arne Andersson", organisation: "SKL"),
    Person(
      id: IDs.hansFolkesson, name: "Hans Folkesson", title: "utvärderare",
      organisation: "Riksrevisionen"),
  ]

  /// "Tisdag lunchseminarium", Tuesday 3 July 2012: a moderator and a four-person panel.
  static let tuesdayLunch = EventDetails(
    title: "Samverkan – har det blivit mindre aktuellt?",
    description: """
      Behovet av samverkan mellan myndigheter är fortfarande stort, men effekterna måste \
      utvärderas bättre. En panel av inbjudna gäster beskriver hur Finsam fungerar och vad \
      som är syftet, och vad socialförsäkringsministern kan göra för att ge Finsam en skjuts \
      framåt.
      """,
    kind: .lunchSeminar,
    startsAt: FestivalTime.date(LocalDay("2012-07-03")!, hour: 12),
    endsAt: FestivalTime.date(LocalDay("2012-07-03")!, hour: 13),
    venueID: IDs.almedalenTent, organiserID: IDs.finsamGotland,
    topics: ["Arbetsmarknad", "Hälsa"], languages: ["sv"], accessibility: [.wheelchair],
    foodServed: true, capacity: 80, registrationOpen: true,
    panels: [Panel(title: "Hur fungerar Finsam?")],
    participants: [
      Participation(
        personID: IDs.johanJonsson, role: .moderator, title: "folkhälsochef",
        organisation: "Västra Götalandsregionen"),
      Participation(
        personID: IDs.olaAndersson, role: .panelist, title: "chef",
        organisation: "Samordningsförbundet Göteborg Hisingen", panel: 0),
      Participation(
        personID: IDs.karlHenrikNanning, role: .panelist, title: "ordförande",
        organisation: "Samordningsförbundet Uppsala län", panel: 0),
      Participation(
        personID: IDs.henriettaStein, role: .panelist, organisation: "Arbetsförmedlingen",
        panel: 0),
      Participation(
        personID: IDs.perArneAndersson, role: .panelist, organisation: "SKL", panel: 0),
    ],
    sourceNote: """
      Källa: rapporten "Tisdag lunchseminarium", http://finsamgotland.se/1633. \
      Antaget: klockslag 12.00–13.00 (rapporten säger bara tisdagens lunchseminarium), \
      plats, arrangör (rapporten är publicerad av Finsam på Gotland), platsantal och \
      panelens rubrik.
      """)

  /// DELTA's breakfast seminar, Thursday 5 July 2012: three speakers, three organising bodies.
  static let deltaBreakfast = EventDetails(
    title: "Att delta i utvecklingen av välfärden",
    description: """
      Hur lyckas vi med att få myndigheter att samverka för att utveckla välfärden? Hur får \
      vi lokala erfarenheter att bli nationellt intressanta? Om finansiell samordning, \
      social hållbarhet och Finsam som struktur för folkhälsa.
      """,
    kind: .breakfastSeminar,
    startsAt: FestivalTime.date(LocalDay("2012-07-05")!, hour: 8),
    endsAt: FestivalTime.date(LocalDay("2012-07-05")!, hour: 9),
    venueID: IDs.donnersPlats, organiserID: IDs.delta,
    coOrganiserIDs: [IDs.nationellaRadet, IDs.nationellaNatverket],
    topics: ["Välfärd", "Hälsa", "Samverkan"], languages: ["sv"],
    accessibility: [.wheelchair, .hearingLoop], foodServed: true, capacity: 60,
    registrationOpen: true,
    participants: [
      Participation(
        personID: IDs.olaAndersson, role: .speaker,
        title: "förbundschef i samordningsförbundet DELTA Göteborg Hisingen",
        organisation: "Nationella rådet"),
      Participation(
        personID: IDs.johanJonsson, role: .speaker, title: "folkhälsochef",
        organisation: "Västra Götalandsregionen"),
      Participation(
        personID: IDs.hansFolkesson, role: .speaker, title: "utvärderare",
        organisation: "Riksrevisionen"),
    ],
    sourceNote: """
      Källa: rapporten "Att delta i utvecklingen av välfärden", http://finsamgotland.se/DELTA. \
      Arrangörer enligt rapporten: Samordningsförbundet DELTA Göteborg Hisingen, Nationella \
      Rådet och Nationella Nätverket NNS. Antaget: klockslag 08.00–09.00 (rapporten säger \
      frukostseminarium den 5 juli), plats och platsantal.
      """)
}
