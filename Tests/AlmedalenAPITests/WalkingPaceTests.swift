import AlmedalenCore
import AlmedalenStore
import Foundation
import Testing

/// The walking pace of `GET /api/v1/conflicts` is configurable per request.
@Suite struct WalkingPaceTests {
  @Test func aFasterPaceClearsAWalkThatTheDefaultPaceCannotMake() throws {
    try withAPIFixture("api_pace") { fixture in
      let admin = fixture.client(fixture.admin)
      let oster = try admin.post(
        "/api/v1/venues", ["name": "Östercentrum", "latitude": 57.6357, "longitude": 18.3023])
      let person = try fixture.store.people.create(Person(name: "Lena Berg"))
      // Donners plats → Östercentrum is about 714 m: 16 min at 5 km/h × 1.3 + 5 min, 6 min at
      // 15 km/h × 1.0 with no allowance. The gap is 10 min.
      try fixture.storedEvent(
        "Först", hour: 12, venue: fixture.venue.id,
        participants: [Participation(personID: person.id, role: .moderator)])
      try fixture.storedEvent(
        "Sedan", hour: 13, minute: 10, venue: UUID(uuidString: oster.id),
        participants: [Participation(personID: person.id, role: .speaker)])

      let standard = try admin.get("/api/v1/conflicts")
      #expect(standard.items.map { $0["kind"] as? String } == ["person_cannot_walk"])
      let brisk = try admin.get("/api/v1/conflicts?pace_kmh=15&detour=1&allowance_minutes=0")
      #expect(brisk.status == 200)
      #expect(brisk.items.isEmpty, "\(brisk)")
      let slow = try admin.get("/api/v1/conflicts?pace_kmh=3")
      #expect(slow.items.count == 1)

      let wrong = try admin.get("/api/v1/conflicts?pace_kmh=0&detour=abc&allowance_minutes=999")
      expectProblem(wrong, 422)
      #expect(Set(wrong.errorFields) == ["pace_kmh", "detour", "allowance_minutes"])
    }
  }
}
