/// The public HTML pages: values in, bytes out.
///
/// Every page is a complete UTF-8 document in Swedish, HTML5 that is also well-formed XML,
/// without scripts or inline styles (the content security policy forbids both), and with
/// everything anyone else wrote escaped. Nothing here reads a clock, a database or a locale.
public enum Pages {
  /// A page telling why a request failed, with the way back to the programme.
  public static func error(status: Int, title: String, message: String, _ context: PageContext)
    -> [UInt8]
  {
    Layout.page(title: title) { out in
      out.raw("<h1>")
      out.text(title)
      out.raw("</h1>\n<p class=\"status\">Felkod ")
      out.number(status)
      out.raw("</p>\n<p>")
      out.text(message)
      out.raw("</p>\n<p><a href=\"/\">Till programmet</a></p>\n")
    }
  }
}
