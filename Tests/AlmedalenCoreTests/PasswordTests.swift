import AlmedalenCore
import Foundation
import Testing

/// The password rules of OWASP ASVS level 2, as `Password` states them.
@Suite struct PasswordTests {
  func messages(_ password: String, email: String? = nil, name: String? = nil) -> [String] {
    Password.problems(password, email: email, name: name).map(\.message)
  }

  @Test func lengthCountsUnicodeScalarsFrom8To128() {
    #expect(!messages("seven77").isEmpty)
    #expect(messages("gotländsk").isEmpty)
    // Four letters with a combining accent: 4 Characters but 8 scalars, as PostgreSQL counts.
    #expect(messages(String(repeating: "e\u{301}", count: 4)).isEmpty)
    #expect(!messages(String(repeating: "é", count: 7)).isEmpty)
    let long = String(repeating: "visbyringmur", count: 11)
    #expect(TextRules.length(long) == 132)
    #expect(messages(String(long.prefix(128))).isEmpty)
    #expect(messages(String(long.prefix(129))) == ["must have at most 128 characters"])
  }

  @Test func noCompositionRulesAndEveryPrintableCharacter() {
    // Lower case only, spaces, emoji, other scripts: all fine.
    #expect(messages("korrekt häst batteri häftklammer").isEmpty)
    #expect(messages("🐑🐑🐑 på gotland").isEmpty)
    #expect(messages("αβγδεζηθ").isEmpty)
    // Control characters are not printable (and a NUL could not reach PostgreSQL).
    #expect(messages("abc\u{0}defghij") == ["must not contain control characters"])
  }

  @Test func commonPasswordsAreRefusedWhateverTheirCase() {
    #expect(Password.commonCount == 10_000)
    for common in ["password", "12345678", "iloveyou", "Password1", "QWERTYUIOP", "baseball"] {
      #expect(Password.isCommon(common), "\(common)")
      if TextRules.length(common) >= 8 {
        #expect(
          messages(common) == ["is one of the most common passwords: choose another"], "\(common)")
      }
    }
    #expect(!Password.isCommon("almedalsveckan i visby"))
  }

  @Test func notTheAddressNorTheName() {
    #expect(messages("anna.berg@example.se", email: "Anna.Berg@example.se").count == 1)
    #expect(messages("anna.berg", email: "anna.berg@example.se").count == 1)
    #expect(messages("Anna Bergström", name: "anna bergström").count == 1)
    #expect(messages("anna bergström i visby", email: "anna@example.se", name: "Anna").isEmpty)
  }
}
