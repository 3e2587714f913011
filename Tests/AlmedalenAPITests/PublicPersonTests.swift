import AlmedalenAPI
import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Testing

/// A person becomes public (their page, their calendar, the programme filtered by them) only
/// once they appear in a published or cancelled seminar; before that even their name is
/// nobody's business (issue 19: "a person who appears only in drafts already has a public
/// page").
@Suite struct PublicPersonTests {
  /// Everything that names a person or lists their seminars. (`/api/v1/feeds?person=`
  /// only echoes the id in links, looking nothing up, for any id.)
  static func paths(_ id: UUID) -> [String] {
    let id = id.wire
    return [
      "/people/\(id)", "/feeds/people/\(id).ics", "/feeds/program.ics?person=\(id)",
      "/feeds/program.rss?person=\(id)", "/?person=\(id)",
    ]
  }

  static func expectHidden(_ fixture: APIFixture, _ person: Person, _ when: String) throws {
    let client = fixture.client(nil)
    for path in paths(person.id) {
      let reply = try client.get(path)
      #expect(reply.status == 404, "\(when): \(path) \(reply)")
      #expect(!reply.text.contains(person.name), "\(when): \(path) names the person")
    }
  }

  @Test func aPersonIsPublicOnlyOnceInAPublishedOrCancelledSeminar() throws {
    try withAPIFixture("public_person") { fixture in
      let person = try fixture.store.people.create(
        Person(name: "Hemliga Hanna Utkastsdotter", party: "X"))
      try Self.expectHidden(fixture, person, "in no seminar")
      let draft = try fixture.storedEvent(
        "Utkast med Hanna", venue: nil,
        participants: [Participation(personID: person.id, role: .speaker)])
      try Self.expectHidden(fixture, person, "in a draft only")
      // The admin API, behind a token, still knows the person.
      #expect(try fixture.client(fixture.own).get("/api/v1/people/\(person.id.wire)").status == 200)

      _ = try fixture.store.events.publish(draft.id)
      let client = fixture.client(nil)
      for path in Self.paths(person.id) {
        let reply = try client.get(path)
        #expect(reply.status == 200, "published: \(path) \(reply)")
      }
      #expect(try client.get("/people/\(person.id.wire)").text.contains(person.name))
      #expect(
        try client.get("/feeds/people/\(person.id.wire).ics").text.contains("Utkast med Hanna"))

      _ = try fixture.store.events.cancel(draft.id)
      for path in Self.paths(person.id) {
        #expect(try client.get(path).status == 200, "cancelled: \(path)")
      }
    }
  }

  /// Taken off the only public seminar they were in, a person is private again.
  @Test func removedFromTheirOnlyPublicSeminarAPersonIsHiddenAgain() throws {
    try withAPIFixture("public_person_gone") { fixture in
      let person = try fixture.store.people.create(Person(name: "Tillfälliga Tova"))
      let event = try fixture.storedEvent(
        "Med Tova", venue: nil, participants: [Participation(personID: person.id, role: .panelist)],
        published: true)
      #expect(try fixture.client(nil).get("/people/\(person.id.wire)").status == 200)
      var details = event.details
      details.participants = []
      _ = try fixture.store.events.update(event.id, expectedVersion: event.version, with: details)
      try Self.expectHidden(fixture, person, "taken off the programme")
    }
  }
}
