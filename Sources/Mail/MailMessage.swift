/// One extra header field of a message (`Auto-Submitted: auto-generated`).
///
/// The name is reduced to `[A-Za-z0-9-]` when written; a header whose name is empty after
/// that, or that names a field the message writes itself (Date, From, Content-Type…), is
/// left out. The value is unstructured text: control characters become spaces, and non-ASCII
/// text is written as RFC 2047 encoded-words.
public struct MailHeader: Sendable, Hashable, Codable {
  /// The field name.
  public var name: String
  /// The field value, unfolded.
  public var value: String

  /// A header from its name and value.
  public init(name: String, value: String) {
    self.name = name
    self.value = value
  }
}

/// A text attachment: an iCalendar invitation, for instance.
public struct MailPart: Sendable, Hashable, Codable {
  /// The media type with its parameters: `text/calendar; charset=utf-8; method=REQUEST`.
  public var contentType: String
  /// The file name offered by `Content-Disposition: attachment`; nil for no file name.
  public var filename: String?
  /// The part's text; written as UTF-8 with CRLF line ends.
  public var text: String

  /// A part from its media type, optional file name and text.
  public init(contentType: String, filename: String?, text: String) {
    self.contentType = contentType
    self.filename = filename
    self.text = text
  }
}

/// A message to one recipient: headers, a plain-text body and text attachments, written as
/// RFC 5322 with MIME (RFC 2045–2049) by `bytes(eightBit:)`.
public struct MailMessage: Sendable, Hashable, Codable {
  /// The author, written in From and used as the envelope sender.
  public var from: Mailbox
  /// The recipient, written in To and used as the envelope recipient.
  public var to: Mailbox
  /// The subject, as plain text.
  public var subject: String
  /// Seconds since 1970-01-01T00:00:00Z, written in Date as UTC (`+0000`).
  public var date: Int64
  /// The Message-ID with its angle brackets: `<uuid@host>`.
  public var messageID: String
  /// Further header fields, written after the ones the message writes itself.
  public var extraHeaders: [MailHeader]
  /// The plain-text body.
  public var text: String
  /// Text attachments; with any, the message is multipart/mixed.
  public var attachments: [MailPart]

  /// A message from all its fields.
  public init(
    from: Mailbox, to: Mailbox, subject: String, date: Int64, messageID: String,
    extraHeaders: [MailHeader] = [], text: String, attachments: [MailPart] = []
  ) {
    self.from = from
    self.to = to
    self.subject = subject
    self.date = date
    self.messageID = messageID
    self.extraHeaders = extraHeaders
    self.text = text
    self.attachments = attachments
  }

  /// The envelope sender (MAIL FROM): the From address.
  public var envelopeFrom: MailAddress { from.address }
  /// The envelope recipient (RCPT TO): the To address.
  public var envelopeTo: MailAddress { to.address }

  /// True when an address has a non-ASCII local part, so the message can travel only through
  /// a relay offering SMTPUTF8; its headers then carry the addresses in UTF-8 (RFC 6532).
  public var needsSMTPUTF8: Bool { from.address.needsSMTPUTF8 || to.address.needsSMTPUTF8 }

  /// The whole message, every line ending in CRLF.
  ///
  /// With `eightBit` (the relay offered 8BITMIME, or a Maildir) non-ASCII text whose lines
  /// all fit in 998 octets goes as `8bit`; otherwise as quoted-printable. Pure ASCII text with
  /// short lines goes as `7bit`.
  public func bytes(eightBit: Bool) -> [UInt8] {
    MessageWriter(message: self, eightBit: eightBit).write()
  }
}
