import AlmedalenFeeds

/// What every page shares: the head, the site header with its navigation, the main landmark
/// that the skip link leads to, and the footer.
enum Layout {
  /// The RSS change feed of the whole programme, for pages that have no narrower one.
  static let programmeRSS = "/feeds/program.rss"

  /// A whole page around `body`.
  ///
  /// - Parameters:
  ///   - title: the page's own title; " – Almedalsveckan" is added.
  ///   - feeds: the feeds of what the page shows, announced in the head for discovery.
  ///   - feedName: what those feeds hold, for their titles ("Almedalsveckan 2026").
  ///   - isPrivate: a page holding an attendee's secret links: kept out of search engines and
  ///     out of the `Referer` header of every link followed from it.
  static func page(
    title: String, feeds: FeedLinks? = nil, feedName: String = "", isPrivate: Bool = false,
    capacity: Int = 16 * 1024, _ body: (inout HTMLWriter) -> Void
  ) -> [UInt8] {
    var out = HTMLWriter(.html, capacity: capacity)
    out.raw(
      """
      <!DOCTYPE html>
      <html xmlns="http://www.w3.org/1999/xhtml" lang="sv" xml:lang="sv">
      <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />

      """)
    if isPrivate {
      out.raw(
        """
        <meta name="robots" content="noindex, nofollow" />
        <meta name="referrer" content="no-referrer" />

        """)
    }
    out.raw("<title>")
    out.text(title)
    out.raw(" – Almedalsveckan</title>\n<link rel=\"stylesheet\" href=\"/static/site.css\" />\n")
    if let feeds {
      if HTML.isSafeURL(feeds.calendar) {
        out.raw("<link rel=\"alternate\" type=\"text/calendar\" title=\"Kalender: ")
        out.attribute(feedName.isEmpty ? title : feedName)
        out.raw("\"")
        out.href(feeds.calendar)
        out.raw(" />\n")
      }
      if let rss = feeds.rss, HTML.isSafeURL(rss) {
        out.raw("<link rel=\"alternate\" type=\"application/rss+xml\" title=\"Ändringar (RSS): ")
        out.attribute(feedName.isEmpty ? title : feedName)
        out.raw("\"")
        out.href(rss)
        out.raw(" />\n")
      }
    }
    out.raw(
      """
      </head>
      <body>
      <a class="skip" href="#innehall">Hoppa till innehållet</a>
      <header class="site">
      <div class="wrap">
      <a class="brand" href="/">Almedalsveckan</a>
      <nav aria-label="Huvudmeny">
      <ul>
      <li><a href="/">Programmet</a></li>
      <li><a href="/#prenumerera">Prenumerera</a></li>
      </ul>
      </nav>
      </div>
      </header>
      <main id="innehall" class="wrap" tabindex="-1">

      """)
    body(&out)
    out.raw(
      """
      </main>
      <footer class="site">
      <div class="wrap">
      <ul>
      <li><a href="/api/v1/openapi.json">API-dokumentation (OpenAPI)</a></li>
      <li>
      """)
    if let rss = feeds?.rss, HTML.isSafeURL(rss) {
      out.link(rss, "RSS")
    } else {
      out.link(programmeRSS, "RSS")
    }
    out.raw(
      """
      </li>
      </ul>
      <p>Almedalsveckan i Visby – programmet för hela veckan.</p>
      </div>
      </footer>
      </body>
      </html>

      """)
    return out.bytes
  }
}
