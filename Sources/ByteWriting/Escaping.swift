/// How text is made safe for one place in one format.
///
/// Each case writes the text as it goes between the delimiters the caller writes (the
/// quotes of an attribute or a JSON string), except where quoting depends on the text
/// itself (`contentLineParameter`, `csvCell`): there the case decides and writes the quotes.
/// Every case drops what its format cannot carry or no one means to write, rather than fail:
/// one stray control character in one value must not cost a reader the whole document.
package enum Escaping: Sendable {
  /// XML 1.0 element content: `&`, `<`, `>` as entities (so `]]>` can never appear); C0
  /// controls other than tab and LF, DEL, C1 controls, U+FFFE and U+FFFF dropped (XML 1.0
  /// cannot carry them, and a strict parser gives up on the whole document); CRLF and a
  /// lone CR written as LF, as parsers would read them anyway.
  case xmlText
  /// XML 1.0 in a double-quoted attribute value: as `xmlText`, and `"` as `&quot;`, tab and
  /// line breaks as character references, which attribute-value normalisation would
  /// otherwise turn into spaces.
  case xmlAttribute
  /// Polyglot HTML (HTML5 that is also well-formed XML) content: as `xmlText`, and `"` and
  /// `'` as references, so that the same bytes are safe in content and in attributes; bidi
  /// embeddings and isolates left open are closed at the end, so that a right-to-left
  /// override in one value cannot reverse the text after it.
  case htmlText
  /// Polyglot HTML in a double-quoted attribute value: as `htmlText`, with tab and line
  /// breaks as references, as in `xmlAttribute`.
  case htmlAttribute
  /// The inside of a JSON string (RFC 8259): every character kept; `"`, `\` and C0
  /// controls escaped, and U+2028 and U+2029 as well, which end a line in JavaScript.
  case jsonString
  /// One cell of a semicolon-separated CSV file for spreadsheets: a cell whose first
  /// character after any spaces (ASCII or Unicode) is `=` `+` `-` `@`, tab or CR, or a
  /// full-width or small form of those four, gets a leading `'`, so that no spreadsheet
  /// runs it as a formula; a cell holding `;` `,` `"` or a line break is quoted, with `"`
  /// doubled.
  case csvCell
  /// An RFC 5545 TEXT value (§3.3.11): `\` `;` `,` escaped with a backslash, each newline
  /// (LF, CR or CRLF) as `\n`, other control characters (C0 but tab, DEL, C1) dropped.
  case contentLineText
  /// An RFC 5545 parameter value with RFC 6868's escapes: `^` as `^^`, `"` as `^'`, each
  /// newline as `^n`, controls dropped, and the whole value in double quotes when it holds
  /// `:` `;` or `,`, which would otherwise end the parameter.
  case contentLineParameter
  /// An RFC 5545 URI value, which is not escaped: only control characters are dropped, line
  /// breaks among them.
  case contentLineURI
}
