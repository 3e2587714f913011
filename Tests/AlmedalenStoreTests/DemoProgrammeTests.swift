import AlmedalenCore
import AlmedalenSeed
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Postgres
import PostgresTesting
import Testing

/// The demo programme, read back through the store, shows the seed reports' seminars as the
/// reports describe them (../shared/seeds/).
@Suite struct DemoProgrammeTests {
  @Test func bothSeedSeminarsReadBackAsTheReportsDescribeThem() throws {
    let database = try SchemaDatabase.create(prefix: "demo")
    defer { try? database.drop() }
    let store = FestivalStore(pool: ConnectionPool(conninfo: database.conninfo, maxConnections: 2))
    defer { store.pool.shutdown() }
    let demo = DemoProgramme(store: store)
    #expect(try demo.load() > 0)
    // A second run creates nothing.
    #expect(try demo.load() == 0)

    let lunch = try store.events.get(DemoProgramme.IDs.tuesdayLunch)
    #expect(lunch.status == .published)
    #expect(lunch.kind == .lunchSeminar)
    #expect(FestivalTime.day(of: lunch.startsAt) == LocalDay("2012-07-03")!)
    #expect(lunch.sourceNote?.contains("Antaget") == true)
    let moderators = lunch.appearances(as: .moderator)
    #expect(moderators.map(\.personName) == ["Johan Jonsson"])
    #expect(moderators.first?.title == "folkhälsochef")
    #expect(moderators.first?.organisation == "Västra Götalandsregionen")
    let panel = lunch.appearances(as: .panelist)
    #expect(
      panel.map(\.personName) == [
        "Ola Andersson", "Karl-Henrik Nanning", "Henrietta Stein", "Per-Arne Andersson",
      ])
    #expect(panel.allSatisfy { $0.panel == 0 })
    #expect(panel[0].title == "chef")
    #expect(panel[0].organisation == "Samordningsförbundet Göteborg Hisingen")
    #expect(panel[1].personParty == "M")
    #expect(panel[1].title == "ordförande")
    #expect(panel[1].organisation == "Samordningsförbundet Uppsala län")
    #expect(panel[2].organisation == "Arbetsförmedlingen")
    #expect(panel[3].organisation == "SKL")

    let breakfast = try store.events.get(DemoProgramme.IDs.deltaBreakfast)
    #expect(breakfast.kind == .breakfastSeminar)
    #expect(breakfast.title == "Att delta i utvecklingen av välfärden")
    #expect(FestivalTime.day(of: breakfast.startsAt) == LocalDay("2012-07-05")!)
    let organisers = try ([breakfast.organiserID] + breakfast.coOrganiserIDs).map {
      try store.organisers.get($0).name
    }
    #expect(
      organisers == [
        "Samordningsförbundet DELTA Göteborg Hisingen", "Nationella Rådet",
        "Nationella Nätverket NNS",
      ])
    let speakers = breakfast.appearances(as: .speaker)
    #expect(speakers.map(\.personName) == ["Ola Andersson", "Johan Jonsson", "Hans Folkesson"])
    #expect(speakers[0].title == "förbundschef i samordningsförbundet DELTA Göteborg Hisingen")
    #expect(speakers[0].organisation == "Nationella rådet")
    #expect(speakers[2].organisation == "Riksrevisionen")

    // Ola Andersson and Johan Jonsson are one person each, with a title per appearance.
    let ola = DemoProgramme.IDs.olaAndersson
    #expect(lunch.participants.contains { $0.personID == ola })
    #expect(breakfast.participants.contains { $0.personID == ola })
    let both = try store.events.all(EventFilter(personID: DemoProgramme.IDs.johanJonsson))
    #expect(Set(both.map(\.id)) == [lunch.id, breakfast.id])
    let olas: Int = try store.pool.withConnection {
      try $0.query("SELECT count(*)::int AS n FROM people WHERE name = 'Ola Andersson'")[0].decode(
        "n")
    }
    #expect(olas == 1)
  }
}
