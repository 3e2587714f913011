/// One field of an account form.
public struct AccountField: Hashable, Sendable {
  /// The form field's name; its element id is `f-` and the name.
  public var name: String
  public var label: String
  /// `email`, `password`, `text`.
  public var type: String
  /// The `autocomplete` token: `email`, `current-password`, `new-password`, `one-time-code`…
  public var autocomplete: String
  public var value: String
  /// What is wrong with it, shown beside it (and in the form's summary).
  public var problem: String?
  /// A hint under the label, tied to the input with `aria-describedby`.
  public var hint: String?
  public var maxLength: Int
  /// `numeric` for TOTP codes.
  public var inputMode: String?

  public init(
    name: String, label: String, type: String = "text", autocomplete: String = "off",
    value: String = "", problem: String? = nil, hint: String? = nil, maxLength: Int = 200,
    inputMode: String? = nil
  ) {
    self.name = name
    self.label = label
    self.type = type
    self.autocomplete = autocomplete
    self.value = value
    self.problem = problem
    self.hint = hint
    self.maxLength = maxLength
    self.inputMode = inputMode
  }
}

/// A form of the account pages; it always carries the visitor's form token.
public struct AccountForm: Hashable, Sendable {
  public var action: String
  public var submit: String
  public var fields: [AccountField]
  /// Hidden fields besides the form token (which session to end, say).
  public var hidden: [String: String]
  /// A problem of the whole form (wrong password, too many attempts), at its top.
  public var problem: String?
  /// The button is a quiet secondary one (sign out, end a session).
  public var secondary: Bool

  public init(
    action: String, submit: String, fields: [AccountField] = [], hidden: [String: String] = [:],
    problem: String? = nil, secondary: Bool = false
  ) {
    self.action = action
    self.submit = submit
    self.fields = fields
    self.hidden = hidden
    self.problem = problem
    self.secondary = secondary
  }
}

/// One of one's sessions, as the sessions page lists it.
public struct AccountSessionRow: Hashable, Sendable {
  public var created: String
  public var lastSeen: String
  public var userAgent: String
  public var isCurrent: Bool
  /// The form that ends it.
  public var end: AccountForm

  public init(
    created: String, lastSeen: String, userAgent: String, isCurrent: Bool, end: AccountForm
  ) {
    self.created = created
    self.lastSeen = lastSeen
    self.userAgent = userAgent
    self.isCurrent = isCurrent
    self.end = end
  }
}

/// A part of an account page, in order.
public enum AccountBlock: Hashable, Sendable {
  case heading(String)
  case paragraph(String)
  case form(AccountForm)
  case links([AccountLink])
  /// The TOTP enrolment: the QR code (inline SVG written by our own QRCode module, which
  /// carries its accessible name) and the secret as text for typing in by hand.
  case qrCode(svg: String, secret: String)
  /// Recovery codes, shown once.
  case codes([String])
  case sessions([AccountSessionRow])
}

/// A link on an account page.
public struct AccountLink: Hashable, Sendable {
  public var href: String
  public var text: String

  public init(_ href: String, _ text: String) {
    self.href = href
    self.text = text
  }
}

/// An account page: sign-in, registration, the link pages, security, sessions.
public struct AccountPageModel: Hashable, Sendable {
  public var title: String
  /// An outcome to announce (`role="status"`): "Titta i din e-post".
  public var notice: String?
  public var blocks: [AccountBlock]

  public init(title: String, notice: String? = nil, blocks: [AccountBlock]) {
    self.title = title
    self.notice = notice
    self.blocks = blocks
  }
}

extension Pages {
  /// An account page. Every account page is private: no index, no referrer.
  public static func account(_ model: AccountPageModel, _ context: PageContext) -> [UInt8] {
    Layout.page(title: model.title, isPrivate: true) { out in
      out.raw("<h1>")
      out.text(model.title)
      out.raw("</h1>\n")
      if let notice = model.notice {
        out.raw("<p class=\"notice outcome\" role=\"status\">")
        out.text(notice)
        out.raw("</p>\n")
      }
      var formIndex = 0
      for block in model.blocks {
        switch block {
        case .heading(let text):
          out.raw("<h2>")
          out.text(text)
          out.raw("</h2>\n")
        case .paragraph(let text):
          out.raw("<p>")
          out.text(text)
          out.raw("</p>\n")
        case .form(let form):
          formIndex += 1
          AccountPages.form(form, index: formIndex, context, into: &out)
        case .links(let links):
          if links.isEmpty { continue }
          out.raw("<ul class=\"account-links\">\n")
          for link in links {
            out.raw("<li>")
            out.link(link.href, link.text)
            out.raw("</li>\n")
          }
          out.raw("</ul>\n")
        case .qrCode(let svg, let secret):
          out.raw("<figure class=\"qr-code\">\n")
          // Our own QRCode module's SVG: it escapes its accessible name itself.
          out.plain(svg)
          out.raw(
            "\n<figcaption>Kan du inte skanna koden? Skriv in nyckeln för hand: <code class=\"secret\">"
          )
          out.text(secret)
          out.raw("</code></figcaption>\n</figure>\n")
        case .codes(let codes):
          out.raw("<ol class=\"recovery-codes\">\n")
          for code in codes {
            out.raw("<li><code>")
            out.text(code)
            out.raw("</code></li>\n")
          }
          out.raw("</ol>\n")
        case .sessions(let rows):
          // A list rather than a table: on a phone each session and its button stay in view.
          out.raw("<ul class=\"sessions\">\n")
          for row in rows {
            formIndex += 1
            out.raw("<li>\n<p><strong>")
            out.text(row.userAgent)
            out.raw("</strong>")
            if row.isCurrent { out.raw(" (den här)") }
            out.raw("</p>\n<p>Inloggad ")
            out.text(row.created)
            out.raw(", senast använd ")
            out.text(row.lastSeen)
            out.raw("</p>\n")
            AccountPages.form(row.end, index: formIndex, context, into: &out)
            out.raw("</li>\n")
          }
          out.raw("</ul>\n")
        }
      }
    }
  }
}

enum AccountPages {
  /// A form with its problems: a summary at the top (`role="alert"`) linking to each field,
  /// and each problem beside its field, tied to it with `aria-describedby`. Field ids carry
  /// the form's index, so that two forms on a page never share one.
  static func form(
    _ form: AccountForm, index: Int, _ context: PageContext, into out: inout HTMLWriter
  ) {
    let prefix = "f" + String(index) + "-"
    out.raw("<form class=\"account-form\" method=\"post\" action=\"")
    out.attribute(HTML.isSafeURL(form.action) ? form.action : "/")
    out.raw("\">\n")
    let problems = form.fields.filter { $0.problem != nil }
    if form.problem != nil || !problems.isEmpty {
      out.raw("<div class=\"error-summary\" role=\"alert\">\n<ul>\n")
      if let problem = form.problem {
        out.raw("<li>")
        out.text(problem)
        out.raw("</li>\n")
      }
      for field in problems {
        out.raw("<li><a href=\"#")
        out.attribute(prefix + field.name)
        out.raw("\">")
        out.text(field.label)
        out.raw(": ")
        out.text(field.problem ?? "")
        out.raw("</a></li>\n")
      }
      out.raw("</ul>\n</div>\n")
    }
    out.raw("<input type=\"hidden\" name=\"form_token\" value=\"")
    out.attribute(context.formToken)
    out.raw("\" />\n")
    for (name, value) in form.hidden.sorted(by: { $0.key < $1.key }) {
      out.raw("<input type=\"hidden\" name=\"")
      out.attribute(name)
      out.raw("\" value=\"")
      out.attribute(value)
      out.raw("\" />\n")
    }
    for field in form.fields {
      let id = prefix + field.name
      out.raw(field.problem == nil ? "<div class=\"field\">\n" : "<div class=\"field invalid\">\n")
      out.raw("<label for=\"")
      out.attribute(id)
      out.raw("\">")
      out.text(field.label)
      out.raw("</label>\n")
      var described: [String] = []
      if let hint = field.hint {
        out.raw("<p class=\"hint\" id=\"")
        out.attribute(id + "-hint")
        out.raw("\">")
        out.text(hint)
        out.raw("</p>\n")
        described.append(id + "-hint")
      }
      if let problem = field.problem {
        out.raw("<p class=\"problem\" id=\"")
        out.attribute(id + "-problem")
        out.raw("\">")
        out.text(problem)
        out.raw("</p>\n")
        described.append(id + "-problem")
      }
      out.raw("<input type=\"")
      out.attribute(field.type)
      out.raw("\" id=\"")
      out.attribute(id)
      out.raw("\" name=\"")
      out.attribute(field.name)
      out.raw("\" autocomplete=\"")
      out.attribute(field.autocomplete)
      out.raw("\" maxlength=\"")
      out.number(field.maxLength)
      out.raw("\" required=\"required\"")
      if let mode = field.inputMode {
        out.raw(" inputmode=\"")
        out.attribute(mode)
        out.raw("\"")
      }
      if field.type == "email" || field.type == "password" || field.inputMode != nil {
        out.raw(" spellcheck=\"false\" autocapitalize=\"none\"")
      }
      if field.problem != nil { out.raw(" aria-invalid=\"true\"") }
      if !described.isEmpty {
        out.raw(" aria-describedby=\"")
        out.attribute(described.joined(separator: " "))
        out.raw("\"")
      }
      if field.type != "password" {
        out.raw(" value=\"")
        out.attribute(field.value)
        out.raw("\"")
      }
      out.raw(" />\n</div>\n")
    }
    out.raw(
      form.secondary ? "<button type=\"submit\" class=\"secondary\">" : "<button type=\"submit\">")
    out.text(form.submit)
    out.raw("</button>\n</form>\n")
  }
}
