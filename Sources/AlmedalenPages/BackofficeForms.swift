import AlmedalenCore
import AlmedalenFeeds

/// Labelled inputs with their problems beside them, for every backoffice form.
struct BackofficeForm {
  let problems: ProblemPlacement

  /// The paths a form renders fields for, so that problems find their place.
  init(_ problems: [FieldProblem], anchors: Set<String>, prefix: String = "") {
    self.problems = ProblemPlacement(problems, anchors: anchors, prefix: prefix)
  }

  struct Options {
    var name: String?
    var required = false
    var maxLength: Int?
    var minimum: Int?
    var autocomplete: StaticString?
    var inputMode: StaticString?
    var spellcheckOff = false
    var hint: String?
  }

  /// `<div class="field"><label/>[hint][problem]<input/></div>` for the field at `path`
  /// (its id `problems.id(path)`, its name `options.name ?? path`).
  func input(
    _ path: String, label: String, type: StaticString, value: String, _ options: Options = .init(),
    into out: inout HTMLWriter
  ) {
    let id = problems.id(path)
    open(path, label: label, hint: options.hint, into: &out)
    out.raw("<input type=\"")
    out.raw(type)
    out.raw("\" id=\"")
    out.attribute(id)
    out.raw("\" name=\"")
    out.attribute(options.name ?? path)
    out.raw("\"")
    attributes(options, into: &out)
    problems.writeDescribedBy(path, hint: options.hint.map { _ in id + "-hint" }, into: &out)
    out.raw(" value=\"")
    out.attribute(value)
    out.raw("\" />\n</div>\n")
  }

  /// A textarea, like `input`.
  func textarea(
    _ path: String, label: String, value: String, rows: Int = 6, _ options: Options = .init(),
    into out: inout HTMLWriter
  ) {
    let id = problems.id(path)
    open(path, label: label, hint: options.hint, into: &out)
    out.raw("<textarea id=\"")
    out.attribute(id)
    out.raw("\" name=\"")
    out.attribute(options.name ?? path)
    out.raw("\" rows=\"")
    out.number(rows)
    out.raw("\"")
    attributes(options, into: &out)
    problems.writeDescribedBy(path, hint: options.hint.map { _ in id + "-hint" }, into: &out)
    out.raw(">")
    // A newline right after the start tag is dropped by HTML parsers: write one so that a
    // value starting with a newline keeps it.
    out.raw("\n")
    out.text(value)
    out.raw("</textarea>\n</div>\n")
  }

  /// A select of `choices` (value, label) with `selected` chosen.
  func select(
    _ path: String, label: String, choices: [(value: String, label: String)], selected: String,
    _ options: Options = .init(), into out: inout HTMLWriter
  ) {
    let id = problems.id(path)
    open(path, label: label, hint: options.hint, into: &out)
    out.raw("<select id=\"")
    out.attribute(id)
    out.raw("\" name=\"")
    out.attribute(options.name ?? path)
    out.raw("\"")
    if options.required { out.raw(" required=\"required\"") }
    problems.writeDescribedBy(path, hint: options.hint.map { _ in id + "-hint" }, into: &out)
    out.raw(">\n")
    for choice in choices {
      out.raw("<option value=\"")
      out.attribute(choice.value)
      out.raw(choice.value == selected ? "\" selected=\"selected\">" : "\">")
      out.text(choice.label)
      out.raw("</option>\n")
    }
    out.raw("</select>\n</div>\n")
  }

  /// A fieldset of checkboxes (or radio buttons) named `name`, each `(value, label,
  /// checked)`; the problems of `path` under the legend.
  func choices(
    _ path: String, legend: String, name: String, radio: Bool = false,
    items: [(value: String, label: String, checked: Bool)], hint: String? = nil,
    into out: inout HTMLWriter
  ) {
    let id = problems.id(path)
    out.raw(
      problems.messages(path).isEmpty
        ? "<fieldset class=\"checks\"" : "<fieldset class=\"checks invalid\"")
    out.raw(" id=\"")
    out.attribute(id + "-group")
    out.raw("\"")
    problems.writeDescribedBy(path, hint: hint.map { _ in id + "-hint" }, into: &out)
    out.raw(">\n<legend>")
    out.text(legend)
    out.raw("</legend>\n")
    if let hint {
      out.raw("<p class=\"hint\" id=\"")
      out.attribute(id + "-hint")
      out.raw("\">")
      out.text(hint)
      out.raw("</p>\n")
    }
    problems.writeMessages(path, into: &out)
    for (index, item) in items.enumerated() {
      // The first choice carries the field's own id: the summary's link lands there.
      let itemID = index == 0 ? id : id + "-" + String(index)
      out.raw("<div class=\"check\"><input type=\"")
      out.raw(radio ? "radio" : "checkbox")
      out.raw("\" id=\"")
      out.attribute(itemID)
      out.raw("\" name=\"")
      out.attribute(name)
      out.raw("\" value=\"")
      out.attribute(item.value)
      out.raw(item.checked ? "\" checked=\"checked\" />" : "\" />")
      out.raw("<label for=\"")
      out.attribute(itemID)
      out.raw("\">")
      out.text(item.label)
      out.raw("</label></div>\n")
    }
    out.raw("</fieldset>\n")
  }

  /// One checkbox on its own (`food_served`), in a fieldset with its legend.
  func checkbox(
    _ path: String, legend: String, label: String, checked: Bool, into out: inout HTMLWriter
  ) {
    choices(
      path, legend: legend, name: path, items: [("on", label, checked)], into: &out)
  }

  private func open(_ path: String, label: String, hint: String?, into out: inout HTMLWriter) {
    let id = problems.id(path)
    out.raw(
      problems.messages(path).isEmpty
        ? "<div class=\"field\">\n" : "<div class=\"field invalid\">\n")
    out.raw("<label for=\"")
    out.attribute(id)
    out.raw("\">")
    out.text(label)
    out.raw("</label>\n")
    if let hint {
      out.raw("<p class=\"hint\" id=\"")
      out.attribute(id + "-hint")
      out.raw("\">")
      out.text(hint)
      out.raw("</p>\n")
    }
    problems.writeMessages(path, into: &out)
  }

  private func attributes(_ options: Options, into out: inout HTMLWriter) {
    if options.required { out.raw(" required=\"required\"") }
    if let maxLength = options.maxLength {
      out.raw(" maxlength=\"")
      out.number(maxLength)
      out.raw("\"")
    }
    if let minimum = options.minimum {
      out.raw(" min=\"")
      out.number(minimum)
      out.raw("\"")
    }
    if let autocomplete = options.autocomplete {
      out.raw(" autocomplete=\"")
      out.raw(autocomplete)
      out.raw("\"")
    }
    if let inputMode = options.inputMode {
      out.raw(" inputmode=\"")
      out.raw(inputMode)
      out.raw("\"")
    }
    if options.spellcheckOff { out.raw(" spellcheck=\"false\"") }
  }
}
