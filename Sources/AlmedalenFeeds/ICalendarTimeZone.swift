/// The VTIMEZONE that every calendar carries for `TZID=Europe/Stockholm`.
///
/// The two yearly RRULEs (last Sunday of March and of October) are what Outlook and the rest
/// handle well; zones described only by RDATEs, or a zone name trusted to mean the right
/// rules, have shifted talks by an hour in other projects. The rules are the EU's since 1996,
/// which is all a festival in 2026 and later needs.
enum ICalendarTimeZone {
  static func write(into out: inout ContentLineWriter) {
    out.line("BEGIN:VTIMEZONE")
    out.line("TZID:Europe/Stockholm")
    out.line("X-LIC-LOCATION:Europe/Stockholm")
    out.line("BEGIN:STANDARD")
    out.line("DTSTART:19701025T030000")
    out.line("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")
    out.line("TZOFFSETFROM:+0200")
    out.line("TZOFFSETTO:+0100")
    out.line("TZNAME:CET")
    out.line("END:STANDARD")
    out.line("BEGIN:DAYLIGHT")
    out.line("DTSTART:19700329T020000")
    out.line("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
    out.line("TZOFFSETFROM:+0100")
    out.line("TZOFFSETTO:+0200")
    out.line("TZNAME:CEST")
    out.line("END:DAYLIGHT")
    out.line("END:VTIMEZONE")
  }
}
