import Testing

@testable import Mail

@Suite struct MailAddressTests {
  @Test(arguments: [
    ("räksmörgås.se", "xn--rksmrgs-5wao1o.se"),
    ("bücher.example", "xn--bcher-kva.example"),
    ("exempel.se", "exempel.se"),
    ("例え.テスト", "xn--r8jz45g.xn--zckzah"),
  ])
  func idnDomainsBecomeALabels(domain: String, ascii: String) throws {
    let address = try MailAddress("anna@" + domain)
    #expect(address.asciiDomain == ascii)
    #expect(address.smtpForm == "anna@" + ascii)
    #expect(!address.needsSMTPUTF8)
  }

  @Test func rfc3492SampleEncodes() {
    // RFC 3492 §7.1 (A) Arabic (Egyptian) and (L) the Japanese sample.
    let arabic =
      "\u{0644}\u{064A}\u{0647}\u{0645}\u{0627}\u{0628}\u{062A}\u{0643}\u{0644}"
      + "\u{0645}\u{0648}\u{0634}\u{0639}\u{0631}\u{0628}\u{064A}\u{061F}"
    #expect(Punycode.encode(arabic) == "egbpdaj6bu4bxfgehfvwxn")
    #expect(Punycode.encode("3年B組金八先生") == "3B-ww4c5e180e575a65lsy2b")
  }

  @Test(arguments: [
    "", "anna", "@exempel.se", "anna@", "anna@localhost", "an na@exempel.se", "anna@exe mple.se",
    "anna\r\nBcc: x@y.se@exempel.se", "\"anna\"@exempel.se", "anna@[127.0.0.1]",
    ".anna@exempel.se", "an..na@exempel.se", "anna@-exempel.se", "anna@exempel..se",
    "anna@exem_pel.se", String(repeating: "a", count: 65) + "@exempel.se",
  ])
  func refusesWhatSMTPCannotCarry(text: String) {
    #expect(throws: MailAddressError.self) { try MailAddress(text) }
  }

  @Test func unicodeLocalPartNeedsSMTPUTF8() throws {
    let address = try MailAddress("åsa@exempel.se")
    #expect(address.needsSMTPUTF8)
    #expect(address.redacted == "å…@exempel.se")
  }

  @Test func mailboxParses() throws {
    let box = try Mailbox(parsing: "Almedalsveckan <noreply@almedalen.example>")
    #expect(box.name == "Almedalsveckan")
    #expect(box.address.smtpForm == "noreply@almedalen.example")
    #expect(try Mailbox(parsing: "noreply@almedalen.example").name == nil)
  }
}
