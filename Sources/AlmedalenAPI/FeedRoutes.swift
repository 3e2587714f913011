import AlmedalenCore
import AlmedalenFeeds
import AlmedalenStore
import Foundation
import HTTPServer

/// Where the service lives and what feeds it has rendered: shared by every request.
public struct FeedSettings: Sendable {
  /// `https://almedalen.example`, no trailing slash: every absolute link starts with it.
  public let baseURL: String
  let cache: FeedCache
  /// The newest changes the RSS feed carries by default, and at most.
  static let rssItems = 100
  static let rssItemsMax = 500

  public init(baseURL: String) {
    var base = baseURL
    while base.hasSuffix("/") { base.removeLast() }
    self.baseURL = base
    self.cache = FeedCache()
  }

  /// The same link for calendar apps: `webcal://` instead of `https://` or `http://`.
  func webcal(_ url: String) -> String {
    guard let colon = url.firstIndex(of: ":") else { return url }
    return "webcal" + url[colon...]
  }

  func pageURL(of event: UUID) -> String {
    baseURL + "/events/" + event.uuidString.lowercased()
  }
}

/// The public feeds: iCalendar, RSS and frab schedules, rendered once per programme change
/// and selection, then answered from memory (304 when the client's ETag matches).
enum FeedRoutes {
  static let routes: [Route] = [
    .feed(
      .get, "/feeds/program.ics",
      Operation(
        id: "programmeCalendar", summary: "The public programme as iCalendar", tag: .feeds,
        description: """
          Published and cancelled events (cancelled ones as STATUS:CANCELLED), narrowed by \
          any combination of the filters. Unknown parameters are ignored.
          """, access: .open, parameters: FeedQuery.parameters, success: .feed(calendarType),
        errors: [400, 404, 422, 503])
    ) { try programme($0) },
    .feed(
      .get, "/feeds/program.rss",
      Operation(
        id: "programmeChanges",
        summary: "What was published, moved, changed or cancelled, as RSS 2.0", tag: .feeds,
        access: .open,
        parameters: FeedQuery.parameters + [
          .query(
            "limit",
            Schema.integer(
              minimum: 1, maximum: FeedSettings.rssItemsMax, default: FeedSettings.rssItems),
            "How many of the newest changes.")
        ], success: .feed("application/rss+xml; charset=utf-8"), errors: [400, 404, 422, 503])
    ) { try changes($0) },
    .feed(
      .get, "/feeds/events/{id}.ics",
      Operation(
        id: "eventCalendar", summary: "One public event as iCalendar", tag: .feeds,
        access: .open, parameters: [.id], success: .feed(calendarType),
        errors: [400, 404, 503])
    ) { try event($0) },
    .feed(
      .get, "/feeds/people/{id}.ics",
      Operation(
        id: "personCalendar",
        summary: "The public events one person takes part in, as iCalendar", tag: .feeds,
        access: .open, parameters: [.id], success: .feed(calendarType),
        errors: [400, 404, 503])
    ) { try person($0) },
    .feed(
      .get, "/feeds/schedule.xml",
      Operation(
        id: "frabScheduleXML", summary: "One edition in frab's schedule.xml, for conference apps",
        tag: .feeds, access: .open, parameters: [FeedQuery.yearParameter],
        success: .feed("application/xml; charset=utf-8"), errors: [400, 404, 422, 503])
    ) { try schedule($0, json: false) },
    .feed(
      .get, "/feeds/schedule.json",
      Operation(
        id: "frabScheduleJSON", summary: "One edition in frab's schedule.json, for conference apps",
        tag: .feeds, access: .open, parameters: [FeedQuery.yearParameter],
        success: .feed("application/json; charset=utf-8"), errors: [400, 404, 422, 503])
    ) { try schedule($0, json: true) },
    .api(
      .get, "/api/v1/feeds",
      Operation(
        id: "feedLinks", summary: "The feeds of a selection, as https and webcal links",
        tag: .feeds, access: .open, parameters: FeedQuery.parameters,
        success: .ok("Links to subscribe to", RegistrationOutputs.feedLinks.component),
        errors: [400, 404, 422])
    ) { try links($0) },
  ]

  static let calendarType = "text/calendar; charset=utf-8"

  // MARK: Handlers

  static func programme(_ c: RequestContext) throws -> Response {
    let query = try FeedQuery(c.request)
    let path = "/feeds/program.ics"
    return try cached(c, key: path + "?" + query.canonical) {
      let editionID = try query.year.map { try edition(c, year: $0).id }
      let snapshot = try c.store.feeds.snapshot(query.filter(editionID: editionID))
      let info = try programmeInfo(c, query, path: path)
      return FeedCache.Entry(
        body: ICalendarWriter.calendar(info, events: feedEvents(snapshot, c.feeds)),
        lastModified: snapshot.events.map(\.updatedAt).max(), contentType: calendarType,
        filename: "almedalen.ics")
    }
  }

  static func changes(_ c: RequestContext) throws -> Response {
    let query = try FeedQuery(c.request)
    var limit = FeedSettings.rssItems
    if let text = c.request.queryValue("limit") {
      guard let value = Int(text), (1...FeedSettings.rssItemsMax).contains(value) else {
        throw Problem.invalid([
          FieldProblem(field: "limit", message: "must be between 1 and \(FeedSettings.rssItemsMax)")
        ])
      }
      limit = value
    }
    let path = "/feeds/program.rss"
    var canonical = query.canonical
    if limit != FeedSettings.rssItems {
      canonical += (canonical.isEmpty ? "" : "&") + "limit=\(limit)"
    }
    return try cached(c, key: path + "?" + canonical) {
      let editionID = try query.year.map { try edition(c, year: $0).id }
      let (changes, snapshot) = try c.store.feeds.changes(
        query.filter(editionID: editionID), limit: limit)
      let events = Dictionary(
        uniqueKeysWithValues: feedEvents(snapshot, c.feeds).map { ($0.event.id, $0) })
      let items = changes.compactMap { change -> FeedChange? in
        guard let event = events[change.eventID] else { return nil }
        return FeedChange(
          id: change.id, changedAt: change.changedAt, kind: kind(of: change),
          newStart: change.fields.contains("starts_at") ? change.newStart : nil,
          newVenue: change.venueChanged ? (change.newVenueName ?? "") : nil,
          changedFields: change.fields.filter {
            !["starts_at", "venue_id", "status", "revision"].contains($0)
          }, event: event)
      }
      var info = try programmeInfo(c, query, path: path)
      info.selfURL = c.feeds.baseURL + path + (canonical.isEmpty ? "" : "?" + canonical)
      info.description = "Nya, ändrade och inställda seminarier. " + info.description
      return FeedCache.Entry(
        body: RSSWriter.feed(info, changes: items), lastModified: changes.first?.changedAt,
        contentType: "application/rss+xml; charset=utf-8", filename: "almedalen.rss")
    }
  }

  static func event(_ c: RequestContext) throws -> Response {
    let id = try c.id("id")
    let path = "/feeds/events/\(id.uuidString.lowercased()).ics"
    return try cached(c, key: path) {
      let snapshot = try c.store.feeds.event(id)
      let events = feedEvents(snapshot, c.feeds)
      let info = FeedInfo(
        name: events[0].event.title, description: "Ett seminarium under Almedalsveckan",
        selfURL: c.feeds.baseURL + path, pageURL: events[0].pageURL, baseURL: c.feeds.baseURL)
      return FeedCache.Entry(
        body: ICalendarWriter.calendar(info, events: events),
        lastModified: events[0].event.updatedAt, contentType: calendarType,
        filename: "seminarium.ics")
    }
  }

  static func person(_ c: RequestContext) throws -> Response {
    let id = try c.id("id")
    let path = "/feeds/people/\(id.uuidString.lowercased()).ics"
    return try cached(c, key: path) {
      let person = try c.store.people.publicPerson(id)
      let snapshot = try c.store.feeds.schedule(of: id)
      let info = FeedInfo(
        name: "Almedalsveckan – \(person.name)",
        description: "Seminarier där \(person.name) medverkar under Almedalsveckan",
        selfURL: c.feeds.baseURL + path,
        pageURL: c.feeds.baseURL + "/people/" + id.uuidString.lowercased(),
        baseURL: c.feeds.baseURL)
      return FeedCache.Entry(
        body: ICalendarWriter.calendar(info, events: feedEvents(snapshot, c.feeds)),
        lastModified: snapshot.events.map(\.updatedAt).max(), contentType: calendarType,
        filename: "medverkande.ics")
    }
  }

  static func schedule(_ c: RequestContext, json: Bool) throws -> Response {
    var year: Int?
    if let text = c.request.queryValue("year") {
      guard let value = Int(text), Edition.years.contains(value) else {
        throw Problem.invalid([FieldProblem(field: "year", message: FeedQuery.yearMessage)])
      }
      year = value
    }
    let path = json ? "/feeds/schedule.json" : "/feeds/schedule.xml"
    let canonical = year.map { "year=\($0)" } ?? ""
    return try cached(c, key: path + "?" + canonical) {
      let edition: Edition
      if let year {
        edition = try Self.edition(c, year: year)
      } else {
        guard let latest = try c.store.editions.list().max(by: { $0.year < $1.year }) else {
          throw Problem.notFound("edition")
        }
        edition = latest
      }
      var filter = EventFilter.publicProgramme
      filter.editionID = edition.id
      let snapshot = try c.store.feeds.snapshot(filter)
      let info = FeedInfo(
        name: edition.name, description: "Programmet för \(edition.name)",
        selfURL: c.feeds.baseURL + path + (canonical.isEmpty ? "" : "?" + canonical),
        pageURL: c.feeds.baseURL + "/", baseURL: c.feeds.baseURL)
      let events = feedEvents(snapshot, c.feeds)
      return FeedCache.Entry(
        body: json
          ? FrabScheduleWriter.json(edition: edition, info: info, events: events)
          : FrabScheduleWriter.xml(edition: edition, info: info, events: events),
        lastModified: snapshot.events.map(\.updatedAt).max(),
        contentType: json ? "application/json; charset=utf-8" : "application/xml; charset=utf-8",
        filename: json ? "schedule.json" : "schedule.xml")
    }
  }

  /// Every feed of a selection, as https and as webcal links.
  static func links(_ c: RequestContext) throws -> Response {
    let query = try FeedQuery(c.request)
    let suffix = query.canonical.isEmpty ? "" : "?" + query.canonical
    let ics = c.feeds.baseURL + "/feeds/program.ics" + suffix
    let rss = c.feeds.baseURL + "/feeds/program.rss" + suffix
    return JSONOutput.response(
      RegistrationOutputs.feedLinks.json(
        .init(
          ics: ics, webcal: c.feeds.webcal(ics), rss: rss,
          scheduleXML: c.feeds.baseURL + "/feeds/schedule.xml",
          scheduleJSON: c.feeds.baseURL + "/feeds/schedule.json")),
      headers: [("Cache-Control", "public, max-age=3600")])
  }

  // MARK: Parts

  /// Answers from the cache, or renders, caches and answers. The generation is read before
  /// the data, so a change committed meanwhile leaves the new entry already stale.
  static func cached(
    _ c: RequestContext, key: String, render: () throws -> FeedCache.Entry
  ) throws -> Response {
    let cache = c.feeds.cache
    let generation = cache.generation
    if var entry = cache.lookup(key) {
      // The first client that wants gzip pays for it, once per programme change.
      if entry.needsGzip(for: c.request) && !entry.notModified(c.request) {
        entry.prepare(for: c.request)
        cache.store(entry, for: key, renderedIn: generation)
      }
      return entry.response(to: c.request, cache: "hit")
    }
    var entry = try cache.render(key, generation: generation, render)
    if !entry.notModified(c.request) { entry.prepare(for: c.request) }
    cache.store(entry, for: key, renderedIn: generation)
    return entry.response(to: c.request, cache: "miss")
  }

  static func edition(_ c: RequestContext, year: Int) throws -> Edition {
    guard let edition = try c.store.editions.find(year: year) else {
      throw Problem.notFound("edition")
    }
    return edition
  }

  static func programmeInfo(_ c: RequestContext, _ query: FeedQuery, path: String) throws
    -> FeedInfo
  {
    let parts = try query.describe(c.store)
    let suffix = query.canonical.isEmpty ? "" : "?" + query.canonical
    return FeedInfo(
      name: (["Almedalsveckan"] + parts).joined(separator: " · "),
      description: parts.isEmpty
        ? "Hela programmet för Almedalsveckan i Visby"
        : "Almedalsveckan i Visby: " + parts.joined(separator: ", "),
      selfURL: c.feeds.baseURL + path + suffix, pageURL: c.feeds.baseURL + "/" + suffix,
      baseURL: c.feeds.baseURL)
  }

  static func feedEvents(_ snapshot: ProgrammeSnapshot, _ settings: FeedSettings) -> [FeedEvent] {
    snapshot.events.map { event in
      FeedEvent(
        event: event, number: snapshot.numbers[event.id] ?? 0,
        venue: event.venueID.flatMap { snapshot.venues[$0] },
        organiser: snapshot.organisers[event.organiserID] ?? "",
        coOrganisers: event.coOrganiserIDs.compactMap { snapshot.organisers[$0] },
        pageURL: settings.pageURL(of: event.id))
    }
  }

  static func kind(of change: ProgrammeChange) -> FeedChange.Kind {
    switch change.action {
    case .published, .created: return .published
    case .cancelled: return .cancelled
    case .updated:
      return change.fields.contains("starts_at") || change.venueChanged ? .moved : .changed
    }
  }
}
