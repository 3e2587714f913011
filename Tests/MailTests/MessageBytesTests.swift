import Foundation
import Testing

@testable import Mail

/// `MailMessage.bytes(eightBit:)`: headers, encodings, folding, MIME structure, and text
/// that tries to become headers or parts.
@Suite struct MessageBytesTests {
  /// Every line ends in CRLF, none is longer than 998 octets, no bare CR or LF.
  static func checkLines(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(bytes.last == 10 && bytes.dropLast().last == 13, sourceLocation: sourceLocation)
    var index = 0
    var lineStart = 0
    while index < bytes.count {
      if bytes[index] == 13 {
        #expect(
          index + 1 < bytes.count && bytes[index + 1] == 10, "a bare CR at \(index)",
          sourceLocation: sourceLocation)
        #expect(
          index - lineStart <= 998, "a line of \(index - lineStart) octets",
          sourceLocation: sourceLocation)
        index += 2
        lineStart = index
        continue
      }
      #expect(bytes[index] != 10, "a bare LF at \(index)", sourceLocation: sourceLocation)
      #expect(bytes[index] != 0, "a NUL at \(index)", sourceLocation: sourceLocation)
      index += 1
    }
  }

  /// Header lines are at most 78 octets, and each encoded-word at most 75 characters.
  static func checkHeaderFolding(
    _ parsed: ParsedMessage, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    for line in parsed.rawHeaderLines {
      #expect(
        line.utf8.count <= 78, "header line too long: \(line)", sourceLocation: sourceLocation)
      #expect(
        !line.trimmingCharacters(in: .whitespaces).isEmpty, "a whitespace-only header line",
        sourceLocation: sourceLocation)
      for word in EncodedWords.words(in: line) {
        #expect(word.count <= 75, "encoded-word too long: \(word)", sourceLocation: sourceLocation)
      }
    }
  }

  @Test func headersInOrderWithDateAndSevenBitBody() {
    let message = Fixture.message(
      subject: "Confirmed", text: "Hello Anna\n",
      extraHeaders: [
        MailHeader(name: "Auto-Submitted", value: "auto-generated"),
        MailHeader(name: "X-Almedalen-Kind", value: "signup"),
      ])
    let bytes = message.bytes(eightBit: true)
    Self.checkLines(bytes)
    let parsed = ParsedMessage(bytes)
    #expect(
      parsed.fields.map(\.name) == [
        "Date", "Message-ID", "From", "To", "Subject", "MIME-Version", "Content-Type",
        "Content-Transfer-Encoding", "Auto-Submitted", "X-Almedalen-Kind",
      ])
    #expect(parsed.value("Date") == "Tue, 03 Jul 2012 08:00:00 +0000")
    #expect(
      parsed.value("Message-ID") == "<0f6c1e2a-1111-4a4a-9b9b-123456789abc@almedalen.example>")
    #expect(parsed.value("From") == "Almedalsveckan <noreply@almedalen.example>")
    #expect(parsed.value("To") == "Anna Berg <anna@example.se>")
    #expect(parsed.value("Subject") == "Confirmed")
    #expect(parsed.value("MIME-Version") == "1.0")
    #expect(parsed.value("Content-Type") == "text/plain; charset=utf-8")
    #expect(parsed.value("Content-Transfer-Encoding") == "7bit")
    #expect(parsed.value("Auto-Submitted") == "auto-generated")
    #expect(parsed.body == Array("Hello Anna\r\n".utf8))
  }

  @Test(
    arguments: [
      (Int64(0), "Thu, 01 Jan 1970 00:00:00 +0000"),
      (-1, "Wed, 31 Dec 1969 23:59:59 +0000"),
      (951_782_400, "Tue, 29 Feb 2000 00:00:00 +0000"),
      (1_341_349_199, "Tue, 03 Jul 2012 20:59:59 +0000"),
      (1_798_761_599, "Thu, 31 Dec 2026 23:59:59 +0000"),
      (-31_536_000, "Wed, 01 Jan 1969 00:00:00 +0000"),
    ] as [(Int64, String)])
  func dates(_ seconds: Int64, _ text: String) {
    #expect(MessageWriter.rfc5322Date(seconds) == text)
  }

  @Test func swedishSubjectIsEncodedWords() {
    let subject = "Anmälan bekräftad: Åtgärder för ö"
    let parsed = ParsedMessage(Fixture.message(subject: subject).bytes(eightBit: true))
    Self.checkHeaderFolding(parsed)
    let raw = parsed.value("Subject") ?? ""
    #expect(raw.hasPrefix("=?utf-8?B?"))
    #expect(raw.utf8.allSatisfy { $0 < 0x80 })
    #expect(parsed.decoded("Subject") == subject)
  }

  @Test func longSubjectsFoldAndNeverSplitACharacter() {
    let subjects = [
      String(repeating: "Åtgärder för ö och å. ", count: 30),
      String(repeating: "ö", count: 200),
      String(repeating: "👩‍👩‍👧‍👦", count: 40),
      "e" + String(repeating: "\u{301}", count: 80) + " zalgo",
      String(repeating: "plain ascii words ", count: 30),
      String(repeating: "x", count: 2_000),
    ]
    for subject in subjects {
      let bytes = Fixture.message(subject: subject).bytes(eightBit: true)
      Self.checkLines(bytes)
      let parsed = ParsedMessage(bytes)
      Self.checkHeaderFolding(parsed)
      // Each encoded-word decodes alone to valid UTF-8 (the reader refuses it otherwise).
      #expect(parsed.decoded("Subject") == subject)
    }
  }

  @Test func plainAsciiSubjectFoldsAtSpacesAndUnfoldsBack() {
    let subject = String(repeating: "Registration confirmed for the seminar ", count: 5) + "end"
    let parsed = ParsedMessage(Fixture.message(subject: subject).bytes(eightBit: true))
    Self.checkHeaderFolding(parsed)
    #expect(parsed.rawHeaderLines.filter { $0.hasPrefix(" ") }.count >= 2)
    #expect(parsed.value("Subject") == subject)
    #expect(!(parsed.value("Subject") ?? "").contains("=?"))
  }

  @Test func textThatLooksLikeAnEncodedWordIsEncoded() {
    let subject = "=?utf-8?B?SGVq?= not a word"
    let parsed = ParsedMessage(Fixture.message(subject: subject).bytes(eightBit: true))
    #expect(parsed.value("Subject") != subject)
    #expect(parsed.decoded("Subject") == subject)
  }

  @Test(arguments: [
    ("Anna Berg", true), ("Berg, Anna", false), ("Åsa Öberg", false), ("A. Berg", false),
    ("Anna \"Bee\" Berg", false), ("Anna <x@y.se>", false), ("=?utf-8?B?QQ==?=", false),
  ])
  func displayNames(_ name: String, _ plain: Bool) {
    let parsed = ParsedMessage(Fixture.message(name: name).bytes(eightBit: true))
    let raw = parsed.value("To") ?? ""
    #expect(raw.hasSuffix(" <anna@example.se>"))
    let phrase = String(raw.dropLast(" <anna@example.se>".count))
    #expect((phrase == name) == plain)
    #expect(EncodedWords.decode(phrase) == name)
  }

  @Test func noNameMeansABareAddress() {
    for name in [nil, "", "   ", "\r\n"] as [String?] {
      let parsed = ParsedMessage(Fixture.message(name: name).bytes(eightBit: true))
      #expect(parsed.value("To") == "anna@example.se")
    }
  }

  @Test func controlCharactersNeverInjectHeaders() {
    let hostile = [
      "Eve\r\nBcc: victim@example.com", "Eve\nBcc: victim@example.com",
      "Eve\rBcc: victim@example.com", "Eve\r\n\r\nbody text", "Eve\u{0}\u{1B}[31m\u{7F}",
      "Eve\u{2028}Bcc: x@y.se\u{2029}\u{85}", "Eve\tTab\u{B}\u{C}",
    ]
    for text in hostile {
      let message = Fixture.message(
        name: text, subject: text,
        attachments: [
          MailPart(
            contentType: "text/calendar; method=REQUEST\r\nBcc: x@y.se", filename: text,
            text: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        ],
        extraHeaders: [
          MailHeader(name: "X-Kind\r\nBcc", value: text),
          MailHeader(name: "Content-Type", value: "text/html"),
          MailHeader(name: "Bcc:", value: "x@y.se"),
          MailHeader(name: "\r\n", value: "nothing"),
        ])
      let bytes = message.bytes(eightBit: true)
      Self.checkLines(bytes)
      let parsed = ParsedMessage(bytes)
      let names = parsed.fields.map(\.name)
      #expect(
        names == [
          "Date", "Message-ID", "From", "To", "Subject", "MIME-Version", "Content-Type",
          "X-KindBcc", "Bcc",
        ], "\(text.debugDescription)")
      // The one "Bcc" is the extra header asked for by name (its colon dropped), with its
      // own value: nothing came from the hostile text.
      #expect(parsed.value("Bcc") == "x@y.se")
      let expected = String(
        String.UnicodeScalarView(
          text.unicodeScalars.map {
            $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}"
              ? " " : $0
          }))
      #expect(parsed.decoded("Subject") == expected)
      #expect(parsed.decoded("X-KindBcc") == expected)
      #expect(parsed.value("Content-Type")?.hasPrefix("multipart/mixed; boundary=") == true)
      // The attachment's headers are still only its three.
      let lines = parsed.body.text.components(separatedBy: "\r\n")
      let delimiters = lines.indices.filter { lines[$0].hasPrefix("--=_part_") }
      #expect(delimiters.count == 3)
      if delimiters.count == 3 {
        let head = lines[(delimiters[1] + 1)...].prefix { !$0.isEmpty }
        #expect(
          head.filter { !$0.hasPrefix(" ") }.map { String($0.prefix { $0 != ":" }) } == [
            "Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
          ])
      }
    }
  }

  @Test func bodyLineEndsBecomeCRLF() {
    let bytes = Fixture.message(text: "a\rb\nc\r\nd\n\ne").bytes(eightBit: true)
    Self.checkLines(bytes)
    #expect(ParsedMessage(bytes).body == Array("a\r\nb\r\nc\r\nd\r\n\r\ne\r\n".utf8))
  }

  @Test func eightBitWhenAllowedQuotedPrintableOtherwise() throws {
    let text = "Hej Åsa!\nDin plats på seminariet är bekräftad. \nSlut.\n"
    let eight = ParsedMessage(Fixture.message(text: text).bytes(eightBit: true))
    #expect(eight.value("Content-Transfer-Encoding") == "8bit")
    #expect(eight.body == Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8))

    let bytes = Fixture.message(text: text).bytes(eightBit: false)
    Self.checkLines(bytes)
    #expect(bytes.allSatisfy { $0 < 0x80 })
    let seven = ParsedMessage(bytes)
    #expect(seven.value("Content-Transfer-Encoding") == "quoted-printable")
    #expect(seven.body.text.contains("Hej =C3=85sa!\r\n"))
    #expect(seven.body.text.contains("bekr=C3=A4ftad.=20\r\n"), "a trailing space is encoded")
    let decoded = try #require(QP.decodeBody(seven.body))
    #expect(decoded.text == text.replacingOccurrences(of: "\n", with: "\r\n"))
  }

  @Test func longLinesGoQuotedPrintableEvenWithEightBit() throws {
    let long = String(repeating: "Långa rader = problem. ", count: 100)
    let ascii = String(repeating: "0123456789", count: 150)
    for (text, eightBit) in [(long, true), (long, false), (ascii, true)] {
      let bytes = Fixture.message(text: text).bytes(eightBit: eightBit)
      Self.checkLines(bytes)
      let parsed = ParsedMessage(bytes)
      #expect(parsed.value("Content-Transfer-Encoding") == "quoted-printable")
      for line in QP.lines(parsed.body) { #expect(line.count <= 76) }
      let decoded = try #require(QP.decodeBody(parsed.body))
      #expect(decoded.text == text + "\r\n")
    }
  }

  @Test func nulInTheBodyIsQuotedPrintable() throws {
    let parsed = ParsedMessage(Fixture.message(text: "a\u{0}b\n").bytes(eightBit: true))
    #expect(parsed.value("Content-Transfer-Encoding") == "quoted-printable")
    #expect(parsed.body == Array("a=00b\r\n".utf8))
  }

  @Test func attachmentMakesMultipartMixed() throws {
    let calendar = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Hälsa\r\nEND:VCALENDAR\r\n"
    let message = Fixture.message(
      text: "Välkommen!\n",
      attachments: [
        MailPart(
          contentType: "text/calendar; charset=utf-8; method=REQUEST", filename: "seminarium.ics",
          text: calendar)
      ])
    let bytes = message.bytes(eightBit: true)
    Self.checkLines(bytes)
    let parsed = ParsedMessage(bytes)
    Self.checkHeaderFolding(parsed)
    let contentType = try #require(parsed.value("Content-Type"))
    let prefix = "multipart/mixed; boundary=\""
    #expect(contentType.hasPrefix(prefix) && contentType.hasSuffix("\""))
    let boundary = String(contentType.dropFirst(prefix.count).dropLast())
    #expect(!boundary.isEmpty && boundary.count <= 70)
    #expect(parsed.value("Content-Transfer-Encoding") == nil)
    let body = parsed.body.text
    // Each part keeps its own last line break; the CRLF before a delimiter is the
    // delimiter's (RFC 2046 §5.1.1), so an iCalendar stream still ends with CRLF.
    #expect(
      body == "--\(boundary)\r\n"
        + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "Välkommen!\r\n\r\n"
        + "--\(boundary)\r\n"
        + "Content-Type: text/calendar; charset=utf-8; method=REQUEST\r\n"
        + "Content-Transfer-Encoding: 8bit\r\n"
        + "Content-Disposition: attachment; filename=\"seminarium.ics\"\r\n\r\n"
        + calendar
        + "\r\n--\(boundary)--\r\n")
    // The same Message-ID gives the same boundary; the boundary is in no part.
    #expect(ParsedMessage(message.bytes(eightBit: true)).value("Content-Type") == contentType)
    #expect(body.components(separatedBy: boundary).count == 4)

    let seven = ParsedMessage(message.bytes(eightBit: false))
    #expect(seven.body.allSatisfy { $0 < 0x80 })
    #expect(seven.body.text.contains("SUMMARY:H=C3=A4lsa\r\n"))
  }

  @Test func boundaryThatOccursInAPartIsAltered() throws {
    let messageID = "<collide@almedalen.example>"
    let natural = MessageWriter.boundary(for: messageID, avoiding: [])
    let text = "Look: --\(natural)\nand \(natural)--\n"
    let message = Fixture.message(
      text: text,
      attachments: [MailPart(contentType: "text/plain", filename: nil, text: natural)],
      messageID: messageID)
    let parsed = ParsedMessage(message.bytes(eightBit: true))
    let contentType = try #require(parsed.value("Content-Type"))
    let boundary = String(contentType.dropFirst("multipart/mixed; boundary=\"".count).dropLast())
    #expect(boundary != natural)
    // The delimiter appears exactly three times: two parts and the close.
    #expect(parsed.body.text.components(separatedBy: "--" + boundary).count == 4)
    #expect(parsed.body.text.contains(text.replacingOccurrences(of: "\n", with: "\r\n")))
  }

  @Test func nonASCIIFilenameUsesRFC2231() {
    let header = MessageWriter.disposition(filename: "Inbjudan \"år\".ics")
    #expect(
      header == "Content-Disposition: attachment; filename*=utf-8''Inbjudan%20%22%C3%A5r%22.ics;"
        + "\r\n filename=\"Inbjudan __r_.ics\"")
    #expect(MessageWriter.disposition(filename: nil) == "Content-Disposition: attachment")
  }

  @Test func addressesInHeaders() {
    let idn = ParsedMessage(Fixture.message(to: "anna@räksmörgås.se").bytes(eightBit: true))
    #expect(idn.value("To") == "Anna Berg <anna@xn--rksmrgs-5wao1o.se>")
    let message = Fixture.message(to: "åsa@räksmörgås.se")
    #expect(message.needsSMTPUTF8)
    #expect(message.envelopeTo.smtpForm == "åsa@xn--rksmrgs-5wao1o.se")
    let utf8 = ParsedMessage(message.bytes(eightBit: true))
    #expect(utf8.value("To") == "Anna Berg <åsa@räksmörgås.se>")
    #expect(utf8.value("From") == "Almedalsveckan <noreply@almedalen.example>")
  }

  @Test func longDisplayNameFoldsBeforeTheAddress() {
    let name = String(repeating: "Organisationen ", count: 6) + "AB"
    let parsed = ParsedMessage(Fixture.message(name: name).bytes(eightBit: true))
    Self.checkHeaderFolding(parsed)
    #expect(parsed.value("To") == name + " <anna@example.se>")
  }

  @Test func hugeWordsInNamesAndHeadersAreEncodedToKeepLinesShort() {
    let word = String(repeating: "x", count: 2_000)
    let message = Fixture.message(
      name: word, subject: word, extraHeaders: [MailHeader(name: "X-Word", value: word)])
    let bytes = message.bytes(eightBit: true)
    Self.checkLines(bytes)
    let parsed = ParsedMessage(bytes)
    Self.checkHeaderFolding(parsed)
    #expect(parsed.decoded("Subject") == word)
    #expect(parsed.decoded("X-Word") == word)
    #expect(parsed.decoded("To") == word + " <anna@example.se>")
  }

  @Test func messageIDIsKeptPrintable() {
    let parsed = ParsedMessage(
      Fixture.message(messageID: "<a\r\nBcc: x@y.se@h>").bytes(eightBit: true))
    #expect(parsed.value("Message-ID") == "<a  Bcc: x@y.se@h>")
    #expect(!parsed.fields.contains { $0.name == "Bcc" })
  }

  @Test func codableRoundTrip() throws {
    let message = Fixture.message(
      attachments: [MailPart(contentType: "text/calendar", filename: "a.ics", text: "X")],
      extraHeaders: [MailHeader(name: "Auto-Submitted", value: "auto-generated")])
    let json = try JSONEncoder().encode(message)
    #expect(try JSONDecoder().decode(MailMessage.self, from: json) == message)
  }
}
