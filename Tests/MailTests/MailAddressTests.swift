import Foundation
import Testing

@testable import Mail

/// Addresses SMTP can carry, and the reasons for those it cannot.
@Suite struct MailAddressTests {
  @Test func plainAddressKeepsItsParts() throws {
    let address = try MailAddress("Anna.Berg@Example.SE")
    #expect(address.localPart == "Anna.Berg")
    #expect(address.domain == "example.se")
    #expect(address.asciiDomain == "example.se")
    #expect(address.smtpForm == "Anna.Berg@example.se")
    #expect(address.description == "Anna.Berg@example.se")
    #expect(address.redacted == "A…@example.se")
    #expect(!address.needsSMTPUTF8)
  }

  @Test(arguments: [
    "a@b.se", "anna+almedalen@example.se", "o'brien@example.ie", "x!#$%&'*+-/=?^_`{|}~@a.b",
    "first.last@sub.domain.example", "1@2.3", "a@xn--bcher-kva.example",
  ])
  func accepted(_ text: String) throws {
    let address = try MailAddress(text)
    let at = try #require(text.firstIndex(of: "@"))
    #expect(address.localPart == String(text[..<at]))
    #expect(address.domain == String(text[text.index(after: at)...]).lowercased())
  }

  @Test(arguments: [
    ("anna", "the address has no @"),
    ("@example.se", "the local part is empty"),
    ("anna@", "the domain is empty"),
    ("anna@localhost", "the domain has no dot"),
    ("a@b@example.se", "the address has more than one @"),
    ("a b@example.se", "the local part contains a space"),
    (" anna@example.se", "the local part contains a space"),
    ("an\r\nna@example.se", "the local part contains a control character"),
    ("an\u{0}na@example.se", "the local part contains a control character"),
    ("\"anna\"@example.se", "the local part contains \"\"\", which needs quoting"),
    ("a(b)@example.se", "the local part contains \"(\", which needs quoting"),
    ("a,b@example.se", "the local part contains \",\", which needs quoting"),
    ("a;b@example.se", "the local part contains \";\", which needs quoting"),
    ("a:b@example.se", "the local part contains \":\", which needs quoting"),
    ("a<b@example.se", "the local part contains \"<\", which needs quoting"),
    ("a\\b@example.se", "the local part contains \"\\\", which needs quoting"),
    ("a[b@example.se", "the local part contains \"[\", which needs quoting"),
    ("a..b@example.se", "the local part has two dots in a row"),
    (".anna@example.se", "the local part starts or ends with a dot"),
    ("anna.@example.se", "the local part starts or ends with a dot"),
    ("an\u{2028}na@example.se", "the local part contains a control, space or unassigned character"),
    ("an\u{00A0}na@example.se", "the local part contains a control, space or unassigned character"),
    ("anna@[192.0.2.1]", "address literals are not accepted"),
    ("anna@-example.se", "a domain label starts or ends with a hyphen"),
    ("anna@example-.se", "a domain label starts or ends with a hyphen"),
    ("anna@exa_mple.se", "a domain label may hold only letters, digits and hyphens"),
    ("anna@exa mple.se", "a domain label may hold only letters, digits and hyphens"),
    ("anna@example.se ", "a domain label may hold only letters, digits and hyphens"),
    ("anna@example..se", "the domain has an empty label"),
    ("anna@example.se.", "the domain has an empty label"),
    ("anna@.example.se", "the domain has an empty label"),
    ("anna@räksmörgås\u{3002}se", "the domain contains a dot that is not ASCII"),
    ("anna@exa\u{2028}mple.se", "the domain contains a control, space or unassigned character"),
    ("anna@exa\u{200B}mple.se", "the domain contains a control, space or unassigned character"),
  ])
  func refused(_ text: String, _ reason: String) {
    #expect(throws: MailAddressError(reason: reason)) { try MailAddress(text) }
  }

  @Test func lengthLimits() throws {
    let local64 = String(repeating: "a", count: 64)
    #expect(try MailAddress(local64 + "@example.se").localPart == local64)
    #expect(throws: MailAddressError(reason: "the local part is longer than 64 octets")) {
      try MailAddress(local64 + "a@example.se")
    }
    // Octets, not characters: 33 × "å" is 66 octets.
    #expect(throws: MailAddressError(reason: "the local part is longer than 64 octets")) {
      try MailAddress(String(repeating: "å", count: 33) + "@example.se")
    }
    let label63 = String(repeating: "b", count: 63)
    #expect(try MailAddress("a@" + label63 + ".se").domain == label63 + ".se")
    #expect(throws: MailAddressError(reason: "a domain label is longer than 63 octets")) {
      try MailAddress("a@" + label63 + "b.se")
    }
    // 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 octets; one more is too many.
    let domain = [label63, label63, String(repeating: "c", count: 61)].joined(separator: ".")
    #expect(try MailAddress(local64 + "@" + domain).smtpForm.utf8.count == 254)
    #expect(throws: MailAddressError(reason: "the address is longer than 254 octets")) {
      try MailAddress(local64 + "@" + domain + "c")
    }
    // The A-label counts: 60 "ö" are 60 characters but a far longer Punycode label.
    #expect(throws: MailAddressError(reason: "a domain label is longer than 63 octets")) {
      try MailAddress("a@" + String(repeating: "ö", count: 60) + ".se")
    }
  }

  @Test func unicodeDomainsBecomeALabels() throws {
    let swedish = try MailAddress("Anna@Räksmörgås.SE")
    #expect(swedish.domain == "räksmörgås.se")
    #expect(swedish.asciiDomain == "xn--rksmrgs-5wao1o.se")
    #expect(swedish.smtpForm == "Anna@xn--rksmrgs-5wao1o.se")
    #expect(!swedish.needsSMTPUTF8)
    #expect(swedish.redacted == "A…@räksmörgås.se")
    #expect(try MailAddress("x@bücher.example").asciiDomain == "xn--bcher-kva.example")
    #expect(try MailAddress("x@BÜCHER.example").asciiDomain == "xn--bcher-kva.example")
  }

  @Test func unicodeLocalPartNeedsSMTPUTF8() throws {
    let address = try MailAddress("åsa.öberg@exempel.se")
    #expect(address.needsSMTPUTF8)
    #expect(address.smtpForm == "åsa.öberg@exempel.se")
    #expect(address.redacted == "å…@exempel.se")
  }

  /// RFC 3492 §7.1's sample strings, as code points, with their Punycode (checked also
  /// against Python's own "punycode" codec).
  @Test(arguments: [
    (
      "0644 064A 0647 0645 0627 0628 062A 0643 0644 0645 0648 0634 0639 0631 0628 064A 061F",
      "egbpdaj6bu4bxfgehfvwxn"
    ),
    ("4ED6 4EEC 4E3A 4EC0 4E48 4E0D 8BF4 4E2D 6587", "ihqwcrb4cv8a8dqg056pqjye"),
    ("4ED6 5011 7232 4EC0 9EBD 4E0D 8AAA 4E2D 6587", "ihqwctvzc91f659drss3x8bo0yb"),
    (
      "0050 0072 006F 010D 0070 0072 006F 0073 0074 011B 006E 0065 006D 006C 0075 0076 00ED "
        + "010D 0065 0073 006B 0079",
      "Proprostnemluvesky-uyb24dma41a"
    ),
    (
      "05DC 05DE 05D4 05D4 05DD 05E4 05E9 05D5 05D8 05DC 05D0 05DE 05D3 05D1 05E8 05D9 05DD "
        + "05E2 05D1 05E8 05D9 05EA",
      "4dbcagdahymbxekheh6e0a7fei0b"
    ),
    (
      "306A 305C 307F 3093 306A 65E5 672C 8A9E 3092 8A71 3057 3066 304F 308C 306A 3044 306E "
        + "304B",
      "n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa"
    ),
    ("0033 5E74 0042 7D44 91D1 516B 5148 751F", "3B-ww4c5e180e575a65lsy2b"),
    (
      "5B89 5BA4 5948 7F8E 6075 002D 0077 0069 0074 0068 002D 0053 0055 0050 0045 0052 002D "
        + "004D 004F 004E 004B 0045 0059 0053",
      "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n"
    ),
    (
      "0048 0065 006C 006C 006F 002D 0041 006E 006F 0074 0068 0065 0072 002D 0057 0061 0079 "
        + "002D 305D 308C 305E 308C 306E 5834 6240",
      "Hello-Another-Way--fc4qua05auwb3674vfr0b"
    ),
    ("3072 3068 3064 5C4B 6839 306E 4E0B 0032", "2-u9tlzr9756bt3uc0v"),
    (
      "004D 0061 006A 0069 3067 004B 006F 0069 3059 308B 0035 79D2 524D",
      "MajiKoi5-783gue6qz075azm5e"
    ),
    ("30D1 30D5 30A3 30FC 0064 0065 30EB 30F3 30D0", "de-jg4avhby1noc0d"),
    ("305D 306E 30B9 30D4 30FC 30C9 3067", "d9juau41awczczp"),
    ("002D 003E 0020 0024 0031 002E 0030 0030 0020 003C 002D", "-> $1.00 <--"),
    ("0072 00E4 006B 0073 006D 00F6 0072 0067 00E5 0073", "rksmrgs-5wao1o"),
    ("0062 00FC 0063 0068 0065 0072", "bcher-kva"),
  ])
  func punycodeSamples(_ codePoints: String, _ expected: String) throws {
    var scalars = String.UnicodeScalarView()
    for hex in codePoints.split(separator: " ") {
      scalars.append(try #require(UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init)))
    }
    #expect(Punycode.encode(String(scalars)) == expected)
  }

  @Test func codableAsOneString() throws {
    let address = try MailAddress("anna@räksmörgås.se")
    let json = try JSONEncoder().encode(["to": address])
    #expect(String(decoding: json, as: UTF8.self) == #"{"to":"anna@räksmörgås.se"}"#)
    #expect(try JSONDecoder().decode([String: MailAddress].self, from: json) == ["to": address])
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode(MailAddress.self, from: Data(#""a b@example.se""#.utf8))
    }
  }

  @Test(arguments: [
    ("Anna Berg <anna@example.se>", "Anna Berg", "anna@example.se"),
    ("  Anna Berg   <anna@example.se>  ", "Anna Berg", "anna@example.se"),
    (#""Berg, Anna" <anna@example.se>"#, "Berg, Anna", "anna@example.se"),
    (#""Anna \"A\" Berg" <anna@example.se>"#, #"Anna "A" Berg"#, "anna@example.se"),
    ("<anna@example.se>", nil, "anna@example.se"),
    ("anna@example.se", nil, "anna@example.se"),
    ("Åsa Öberg <åsa@räksmörgås.se>", "Åsa Öberg", "åsa@räksmörgås.se"),
  ])
  func mailboxParsing(_ text: String, _ name: String?, _ address: String) throws {
    let mailbox = try Mailbox(parsing: text)
    #expect(mailbox.name == name)
    #expect(mailbox.address.description == address)
  }

  @Test func mailboxParsingRefusesBadAddresses() {
    #expect(throws: MailAddressError(reason: "the domain has no dot")) {
      try Mailbox(parsing: "Anna <anna@localhost>")
    }
    #expect(throws: MailAddressError.self) { try Mailbox(parsing: "Anna <anna@example.se> x") }
    #expect(throws: MailAddressError.self) { try Mailbox(parsing: "Anna anna@example.se>") }
  }
}
