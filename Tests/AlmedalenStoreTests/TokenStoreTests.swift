import AlmedalenCore
import AlmedalenStore
import AlmedalenTesting
import Foundation
import Postgres
import Testing

@Suite struct TokenStoreTests {
  @Test func tokenAuthenticatesUntilRevokedAndIsNeverStoredInClear() throws {
    let fixture = try StoreFixture(prefix: "tokens")
    defer { fixture.close() }
    let tokens = fixture.store.tokens
    let (admin, secret) = try tokens.create(name: "staff", role: .admin)
    #expect(secret.hasPrefix("alm_"))
    #expect(admin.lastUsedAt == nil)
    let seen = try #require(try tokens.authenticate(secret: secret))
    #expect(seen.id == admin.id)
    #expect(seen.lastUsedAt != nil)
    #expect(try tokens.authenticate(secret: secret + "x") == nil)
    let stored: String = try fixture.store.pool.withConnection {
      try $0.query("SELECT string_agg(t::text, '|') AS d FROM api_tokens t")[0].decode("d")
    }
    #expect(!stored.contains(secret))
    #expect(try tokens.revoke(name: "staff"))
    #expect(try tokens.authenticate(secret: secret) == nil)
    #expect(try tokens.revoke(name: "staff") == false)
  }

  @Test func organiserTokensBelongToAnOrganiser() throws {
    let fixture = try StoreFixture(prefix: "tokens_org")
    defer { fixture.close() }
    let tokens = fixture.store.tokens
    let (token, secret) = try tokens.create(
      name: "gotland", role: .organiser, organiserID: fixture.organiser.id)
    #expect(try tokens.authenticate(secret: secret)?.organiserID == fixture.organiser.id)
    #expect(token.role == .organiser)
    #expect(throws: StoreError.self) { try tokens.create(name: "x", role: .organiser) }
    #expect(throws: StoreError.self) {
      try tokens.create(name: "y", role: .organiser, organiserID: UUID())
    }
    #expect(throws: StoreError.self) { try tokens.create(name: "gotland", role: .admin) }
    #expect(try tokens.list().map(\.name) == ["gotland"])
  }
}
