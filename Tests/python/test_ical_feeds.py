"""iCalendar feeds (FEEDS.md 1-12) through icalendar, vobject and ics, and on the raw bytes."""

from __future__ import annotations

import datetime as dt

import icalendar
import ics
import pytest
import vobject

from conftest import api_events, create_event, public_events
from support import (
    PUBLIC_URL,
    STOCKHOLM,
    TimezoneRules,
    calendar_of,
    check_wire,
    decode_param_value,
    events_by_uid,
    local_value,
    parse_rfc3339,
    physical_lines,
    query,
    unescape_text,
    unfold,
    uid_of,
    utc_value,
    zoneinfo_offset,
)

TEXT_PROPERTIES = ("SUMMARY", "DESCRIPTION", "LOCATION")

FEEDS = ["program", "day", "year-2031", "year-2032", "event", "person", "filtered"]


def feed_path(name: str, world) -> str:
    return {
        "program": "/feeds/program.ics",
        "day": "/feeds/program.ics?day=2012-07-03",
        "year-2031": "/feeds/program.ics?year=2031",
        "year-2032": "/feeds/program.ics?year=2032",
        "event": f"/feeds/events/{world.rich_event['id']}.ics",
        "person": f"/feeds/people/{world.people[0]['id']}.ics",
        "filtered": query(
            "/feeds/program.ics", year=2012, organiser=world.organiser["id"], language="en"
        ),
    }[name]


@pytest.fixture(params=FEEDS)
def feed(request, service, world):
    path = feed_path(request.param, world)
    return path, service.public.feed(path)


def venues_by_id(admin) -> dict[str, dict]:
    out, cursor = {}, None
    while True:
        page = admin.ok("GET", query("/api/v1/venues", limit=500, cursor=cursor)).json()
        out.update({v["id"]: v for v in page["items"]})
        cursor = page.get("next_cursor")
        if not cursor:
            return out


# --------------------------------------------------------------------------------------------
# Wire format and structure, every feed


def test_wire_format(feed):
    path, raw = feed
    lines = check_wire(raw)
    assert len(lines) > 20, f"{path}: suspiciously short calendar"
    raw.decode("utf-8")  # the whole stream too


def test_calendar_structure(feed):
    path, raw = feed
    calendar = calendar_of(raw)
    names = [line.name for line in calendar.lines]
    assert calendar.one("VERSION").value == "2.0"
    assert calendar.one("PRODID").value
    assert "METHOD" not in names, f"{path}: a feed must not carry METHOD"
    assert calendar.text("NAME") == calendar.text("X-WR-CALNAME")
    refresh = calendar.one("REFRESH-INTERVAL")
    assert (refresh.param("VALUE"), refresh.value) == ("DURATION", "PT1H")
    assert calendar.one("X-PUBLISHED-TTL").value == "PT1H"

    zones = calendar.walk("VTIMEZONE")
    assert [z.one("TZID").value for z in zones] == ["Europe/Stockholm"], f"{path}: VTIMEZONE"
    rules = sorted(child.one("RRULE").value for child in zones[0].children)
    assert rules == ["FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"], rules

    events = calendar.walk("VEVENT")
    assert events, f"{path}: no VEVENT"
    uids = set()
    for event in events:
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE", "URL"):
            event.one(name)
        uid = event.one("UID").value
        assert uid not in uids, f"{path}: UID {uid} twice"
        uids.add(uid)
        for name in ("DTSTAMP", "LAST-MODIFIED", "CREATED"):
            for line in event.props(name):
                assert line.value.endswith("Z"), f"{path} {uid}: {name}:{line.value} is not UTC"
                assert not line.params, f"{path} {uid}: {name} has parameters {line.params}"
                utc_value(line.value)
        for name in ("DTSTART", "DTEND"):
            # TZID=Europe/Stockholm with a local time, or UTC (FEEDS.md 8); never floating,
            # never a numeric offset.
            line = event.one(name)
            if line.value.endswith("Z"):
                assert not line.params, f"{path} {uid}: {name} {line.params}:{line.value}"
                utc_value(line.value)
            else:
                assert line.param("TZID") == "Europe/Stockholm", f"{path} {uid}: {name} {line.params} (floating?)"
                local_value(line.value)
        assert int(event.one("SEQUENCE").value) >= 0
        assert event.one("URL").value.startswith(PUBLIC_URL + "/events/")
        status = event.one("STATUS").value
        assert status in ("CONFIRMED", "CANCELLED", "TENTATIVE"), status
        if status == "CANCELLED":
            assert event.text("SUMMARY").startswith("INSTÄLLT: "), event.text("SUMMARY")
        for geo in event.props("GEO"):
            lat, lon = geo.value.split(";")
            assert -90 <= float(lat) <= 90 and -180 <= float(lon) <= 180


def strict_values(event) -> dict[str, object]:
    """Every TEXT value of a VEVENT as this module's strict reader decodes it."""
    values: dict[str, object] = {name: event.text(name) for name in TEXT_PROPERTIES if event.props(name)}
    categories = []
    for line in event.props("CATEGORIES"):
        categories += unescape_text(line.value, multiple=True)
    values["CATEGORIES"] = categories
    organizer = event.props("ORGANIZER")
    if organizer and organizer[0].param("CN") is not None:
        values["CN"] = organizer[0].param("CN")
    return values


def icalendar_values(component) -> dict[str, object]:
    values: dict[str, object] = {
        name: str(component[name]) for name in TEXT_PROPERTIES if name in component
    }
    categories = component.get("CATEGORIES")
    if categories is None:
        values["CATEGORIES"] = []
    else:
        groups = categories if isinstance(categories, list) else [categories]
        values["CATEGORIES"] = [str(c) for group in groups for c in group.cats]
    if "ORGANIZER" in component and "CN" in component["ORGANIZER"].params:
        values["CN"] = str(component["ORGANIZER"].params["CN"])
    return values


def test_icalendar_round_trip(feed):
    """icalendar reads every text value as the strict reader does, and writing the calendar
    back and reading it again changes none of them."""
    path, raw = feed
    strict = {uid: strict_values(event) for uid, event in events_by_uid(raw).items()}
    parsed = icalendar.Calendar.from_ical(raw)
    again = icalendar.Calendar.from_ical(parsed.to_ical())
    for calendar in (parsed, again):
        components = calendar.walk("VEVENT")
        assert len(components) == len(strict), f"{path}: icalendar sees {len(components)} VEVENTs, the bytes hold {len(strict)}"
        for component in components:
            uid = str(component["UID"])
            assert icalendar_values(component) == strict[uid], f"{path} {uid}"
        # icalendar leaves NAME and X-WR-CALNAME (types it does not know) escaped; the
        # calendar's DESCRIPTION is TEXT to it.
        assert str(calendar["DESCRIPTION"]) == calendar_of(raw).text("DESCRIPTION")


def test_vobject_validates(feed):
    path, raw = feed
    strict = events_by_uid(raw)
    components = list(vobject.readComponents(raw.decode("utf-8"), validate=True))
    assert len(components) == 1, f"{path}: vobject reads {len(components)} top-level components"
    calendar = components[0]
    assert calendar.validate(raiseException=True)
    vevents = calendar.contents.get("vevent", [])
    assert len(vevents) == len(strict), f"{path}: vobject sees {len(vevents)} VEVENTs of {len(strict)}"
    for vevent in vevents:
        uid = vevent.uid.value
        event = strict[uid]
        for name in TEXT_PROPERTIES:
            if event.props(name):
                assert getattr(vevent, name.lower()).value == event.text(name), f"{path} {uid} {name}"
        if "organizer" in vevent.contents and "CN" in vevent.organizer.params:
            # vobject does not decode RFC 6868; the raw parameter must decode to the name.
            assert decode_param_value(vevent.organizer.params["CN"][0]) == event.one("ORGANIZER").param("CN")
        assert vevent.dtstart.value.tzinfo is not None, f"{path} {uid}: vobject sees a floating DTSTART"


def test_ics_parses(feed):
    path, raw = feed
    strict = events_by_uid(raw)
    calendar = ics.Calendar(raw.decode("utf-8"))
    assert len(calendar.events) == len(strict), f"{path}: ics sees {len(calendar.events)} events of {len(strict)}"
    for event in calendar.events:
        assert event.uid in strict, event.uid
        assert event.name == strict[event.uid].text("SUMMARY")
        assert event.begin < event.end, f"{path} {event.uid}: DTEND not after DTSTART"


def test_every_event_matches_the_api(feed, service, world):
    """UID, SEQUENCE, times, title, place, link and categories of every VEVENT are the API's,
    and the offset the VTIMEZONE's rules give each local time is zoneinfo's for the instant."""
    path, raw = feed
    calendar = calendar_of(raw)
    rules = TimezoneRules(calendar.walk("VTIMEZONE")[0])
    venues = venues_by_id(service.admin)
    known = {e["id"]: e for e in public_events(service.admin)}
    checked = 0
    for uid, event in events_by_uid(raw).items():
        assert uid.endswith("@almedalen"), uid
        api = known.get(uid.removesuffix("@almedalen"))
        assert api is not None, f"{path}: {uid} is not a published or cancelled event"
        assert int(event.one("SEQUENCE").value) == api["revision"], f"{path} {uid}"
        prefix = "INSTÄLLT: " if api["status"] == "cancelled" else ""
        assert event.text("SUMMARY") == prefix + api["title"]
        assert (event.one("STATUS").value == "CANCELLED") == (api["status"] == "cancelled")
        link = f"{PUBLIC_URL}/events/{api['id']}"
        assert event.one("URL").value == link
        assert event.text("DESCRIPTION").split("\n")[0] == link
        assert [c for line in event.props("CATEGORIES") for c in unescape_text(line.value, multiple=True)] == api["topics"]
        if api["venue_id"]:
            venue = venues[api["venue_id"]]
            expected = venue["name"] + (", " + venue["address"] if venue["address"] and venue["address"] != venue["name"] else "")
            assert event.text("LOCATION") == expected
            if venue["latitude"] is not None:
                lat, lon = map(float, event.one("GEO").value.split(";"))
                assert abs(lat - venue["latitude"]) < 1e-6 and abs(lon - venue["longitude"]) < 1e-6
        else:
            assert not event.props("LOCATION"), f"{path} {uid}: LOCATION without a venue"
        for name, key in (("DTSTART", "starts_at"), ("DTEND", "ends_at")):
            instant = parse_rfc3339(api[key])
            if event.one(name).value.endswith("Z"):  # UTC is allowed too (FEEDS.md 8)
                assert utc_value(event.one(name).value) == instant, f"{path} {uid} {name}"
                continue
            local = local_value(event.one(name).value)
            assert local == instant.astimezone(STOCKHOLM).replace(tzinfo=None), (
                f"{path} {uid} {name}: feed says {local}, API {api[key]}"
            )
            client_offset = rules.offset_for_local(local)
            assert client_offset == zoneinfo_offset(instant), (
                f"{path} {uid} {name}: {event.one(name).value} with the feed's VTIMEZONE is "
                f"UTC{client_offset}, but the event is at {api[key]} (zoneinfo: "
                f"UTC{zoneinfo_offset(instant)}): a client shows it an hour off"
            )
        checked += 1
    assert checked > 0


# --------------------------------------------------------------------------------------------
# Particular rules


def test_feed_holds_what_the_api_lists(service, world):
    raw = service.public.feed("/feeds/program.ics?day=2012-07-03")
    expected = {uid_of(e["id"]) for e in public_events(service.admin, day="2012-07-03")}
    assert set(events_by_uid(raw)) == expected
    assert len(expected) > 40, "the demo programme's 3 July has ~48 events"


def test_dst_change_days_have_their_events(service, world):
    """Both change days: every event there, at the right local time and offset (the
    per-event checks above compare the VTIMEZONE's offsets with zoneinfo's)."""
    raw = service.public.feed("/feeds/program.ics?year=2031") + b""
    raw32 = service.public.feed("/feeds/program.ics?year=2032")
    found = {**events_by_uid(raw), **events_by_uid(raw32)}
    rules = TimezoneRules(calendar_of(raw32).walk("VTIMEZONE")[0])
    for api in world.dst_events:
        event = found.get(uid_of(api["id"]))
        assert event is not None, f"{api['starts_at']} missing from its year's feed"
        start = parse_rfc3339(api["starts_at"])
        if event.one("DTSTART").value.endswith("Z"):  # UTC is allowed too (FEEDS.md 8)
            assert utc_value(event.one("DTSTART").value) == start
            continue
        local = local_value(event.one("DTSTART").value)
        assert local == start.astimezone(STOCKHOLM).replace(tzinfo=None)
        assert rules.offset_for_local(local) == zoneinfo_offset(start), (
            f"event at {api['starts_at']} is written DTSTART;TZID=Europe/Stockholm:"
            f"{event.one('DTSTART').value}, which RFC 5545 (§3.3.5: a repeated local time is "
            f"its first occurrence) reads as UTC{rules.offset_for_local(local)}; the event is "
            f"at UTC{zoneinfo_offset(start)}"
        )


def test_feed_vtimezone_is_the_expected_one(service, world):
    """The VTIMEZONE of a real feed against zoneinfo, hour by hour through 2012, 2031 and
    2032, so that a wrong rule is caught even where no event falls."""
    rules = TimezoneRules(calendar_of(service.public.feed("/feeds/program.ics?year=2031")).walk("VTIMEZONE")[0])
    for year in (2012, 2031, 2032):
        instant = dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc)
        while instant.year == year:
            assert rules.offset_at_utc(instant) == zoneinfo_offset(instant), instant
            instant += dt.timedelta(hours=1)


def raw_property(raw: bytes, uid: str, name: str) -> str:
    """The unfolded wire text of one property of one VEVENT (after the name's colon)."""
    inside = False
    for _number, text in unfold(raw):
        if text == "UID:" + uid:
            inside = True
        elif text == "END:VEVENT":
            inside = False
        elif inside and (text.startswith(name + ":") or text.startswith(name + ";")):
            return text
    raise AssertionError(f"{name} of {uid} not found")


def test_text_escaping_on_the_wire(service, world):
    event = world.rich_event
    raw = service.public.feed(f"/feeds/events/{event['id']}.ics")
    uid = uid_of(event["id"])
    assert raw_property(raw, uid, "SUMMARY") == "SUMMARY:Rik\\; test\\, med \\\\ backslash och kolon: här"
    description = raw_property(raw, uid, "DESCRIPTION")
    assert (
        "Rad ett\\, med komma\\; och semikolon.\\nRad två \\\\ med backslash.\\n\\nStycke tre: kolon."
        in description
    ), description
    assert raw_property(raw, uid, "LOCATION") == "LOCATION:Pytest-scenen\\; Strandgatan\\, Strandgatan 1\\, Visby"
    assert raw_property(raw, uid, "CATEGORIES") == "CATEGORIES:Pytestämne,Hälsa\\, och vård,Semi\\;kolon"
    # Moderator and panel are listed (FEEDS.md 11).
    text = calendar_of(raw).walk("VEVENT")[0].text("DESCRIPTION")
    assert "Moderator: Åsa Öberg-Ärlig (moderator idag, Visby, Gotland)" in text, text
    assert "Panelen: fråga, svar" in text and "Zlatan Ëmojisson 🎉" in text and "Backslash \\ Person" in text


def test_organizer_cn_uses_rfc6868(service, world):
    event = world.rich_event
    raw = service.public.feed(f"/feeds/events/{event['id']}.ics")
    line = raw_property(raw, uid_of(event["id"]), "ORGANIZER")
    assert line == (
        "ORGANIZER;CN=\"Föreningen ^'Klartext^': Visby; Gotland, ^^ och ^^n\""
        f":urn:uuid:{world.organiser['id']}"
    ), line
    component = icalendar.Calendar.from_ical(raw).walk("VEVENT")[0]
    assert str(component["ORGANIZER"].params["CN"]) == world.organiser["name"]


@pytest.mark.parametrize("index", range(6))
def test_folds_never_split_utf8(service, world, index):
    event = world.fold_events[index]
    title = event["title"]
    raw = service.public.feed(f"/feeds/events/{event['id']}.ics")
    check_wire(raw)
    lines = physical_lines(raw)
    start = next(i for i, line in enumerate(lines) if line.startswith(b"SUMMARY:"))
    summary = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.startswith(b" "):
            break
        summary.append(line)
    assert len(summary) >= 2, "the title should need folding"
    for line in summary:
        line.decode("utf-8")  # each physical line whole
        assert len(line) <= 75
    ascii_run = len(title) - len(title.lstrip(title[0]))
    multibyte = len(title[ascii_run].encode())
    # The first physical line holds `SUMMARY:`, the ASCII run and as many whole characters
    # as fit in 75 octets.
    fits = (75 - 8 - ascii_run) // multibyte
    assert len(summary[0]) == 8 + ascii_run + fits * multibyte, summary[0]
    component = icalendar.Calendar.from_ical(raw).walk("VEVENT")[0]
    assert str(component["SUMMARY"]) == title
    assert vobject.readOne(raw.decode(), validate=True).vevent.summary.value == title
    assert next(iter(ics.Calendar(raw.decode()).events)).name == title
    assert calendar_of(raw).walk("VEVENT")[0].text("DESCRIPTION").endswith(event["description"])


# --------------------------------------------------------------------------------------------
# Changes: move and cancel


def test_move_raises_sequence_by_exactly_one(moved_event):
    before = events_by_uid(moved_event.ics_before)[moved_event.uid]
    after = events_by_uid(moved_event.ics_after)[moved_event.uid]
    assert int(after.one("SEQUENCE").value) == int(before.one("SEQUENCE").value) + 1
    assert before.one("DTSTART").value == "20120704T100000"
    assert after.one("DTSTART").value == "20120704T143000"
    assert after.one("DTEND").value == "20120704T153000"
    assert utc_value(after.one("LAST-MODIFIED").value) >= utc_value(before.one("LAST-MODIFIED").value)
    assert after.one("DTSTAMP").value == after.one("LAST-MODIFIED").value


def test_cancel_keeps_uid_and_says_installt(service, world):
    admin = service.admin
    event = create_event(
        admin,
        {
            "title": "Ställs in, tyvärr",
            "starts_at": "2012-07-06T10:00:00+02:00",
            "ends_at": "2012-07-06T11:00:00+02:00",
            "organiser_id": world.organiser["id"],
            "language": "sv",
        },
    )
    uid = uid_of(event["id"])
    path = f"/feeds/events/{event['id']}.ics"
    before = events_by_uid(service.public.feed(path))[uid]
    assert before.one("STATUS").value == "CONFIRMED"
    admin.ok("POST", f"/api/v1/events/{event['id']}/cancel", expect=(200,))
    for raw in (service.public.feed(path), service.public.feed("/feeds/program.ics?day=2012-07-06")):
        after = events_by_uid(raw).get(uid)
        assert after is not None, "a cancelled event must stay in the feed with its UID"
        assert after.one("STATUS").value == "CANCELLED"
        assert after.text("SUMMARY") == "INSTÄLLT: Ställs in, tyvärr"
        assert int(after.one("SEQUENCE").value) == int(before.one("SEQUENCE").value) + 1
    # and the other parsers agree
    raw = service.public.feed(path)
    component = icalendar.Calendar.from_ical(raw).walk("VEVENT")[0]
    assert str(component["STATUS"]) == "CANCELLED"
    assert next(iter(ics.Calendar(raw.decode()).events)).status == "CANCELLED"


# --------------------------------------------------------------------------------------------
# Filters


def feed_uids(service, **params) -> set[str]:
    return set(events_by_uid(service.public.feed(query("/feeds/program.ics", **params))))


def expected_uids(events) -> set[str]:
    return {uid_of(e["id"]) for e in events}


def test_filters_match_the_api(service, world):
    admin = service.admin
    demo = public_events(admin, edition_id=world.edition_2012["id"])
    some = next(e for e in demo if e["venue_id"] and e["participants"] and e["topics"])
    person = some["participants"][0]["person_id"]
    cases = [
        ({"year": 2012}, {"edition_id": world.edition_2012["id"]}),
        ({"day": "2012-07-05"}, {"day": "2012-07-05"}),
        ({"organiser": some["organiser_id"]}, {"organiser_id": some["organiser_id"]}),
        ({"organiser": world.organiser["id"]}, {"organiser_id": world.organiser["id"]}),
        ({"venue": some["venue_id"]}, {"venue_id": some["venue_id"]}),
        ({"person": person}, {"person_id": person}),
        ({"topic": some["topics"][0]}, {"topic": some["topics"][0]}),
        ({"topic": some["topics"][0].upper()}, {"topic": some["topics"][0].upper()}),
        ({"language": "en"}, {"language": "en"}),
        ({"q": "Samverkan"}, {"q": "Samverkan"}),
        ({"q": "Pytestämne"}, {"q": "Pytestämne"}),
        (
            {"year": 2012, "day": "2012-07-03", "topic": "Hälsa", "q": "vård"},
            {"edition_id": world.edition_2012["id"], "day": "2012-07-03", "topic": "Hälsa", "q": "vård"},
        ),
    ]
    for feed_params, api_params in cases:
        expected = expected_uids(public_events(admin, **api_params))
        got = feed_uids(service, **feed_params)
        assert got == expected, (
            f"program.ics {feed_params}: {len(got)} events, API {api_params}: {len(expected)}; "
            f"only in feed {sorted(got - expected)[:5]}, only in API {sorted(expected - got)[:5]}"
        )
    # Non-empty where it matters, so that the comparisons above prove something.
    assert feed_uids(service, person=person) and feed_uids(service, organiser=world.organiser["id"])
    assert uid_of(world.rich_event["id"]) in feed_uids(service, language="en")


def test_person_feed_is_their_schedule(service, world):
    person = world.people[0]["id"]
    raw = service.public.feed(f"/feeds/people/{person}.ics")
    assert set(events_by_uid(raw)) == expected_uids(public_events(service.admin, person_id=person))
    assert uid_of(world.rich_event["id"]) in events_by_uid(raw)


def test_accessibility_filter(service, world):
    """No API filter for it: every event of the feed offers all the features asked for, and
    every public event that offers them is in the feed."""
    demo = public_events(service.admin)
    for features in (["wheelchair"], ["captions", "hearing_loop"], ["audio_description", "sign_language", "wheelchair"]):
        got = feed_uids(service, accessibility=",".join(features))
        expected = expected_uids(e for e in demo if set(features) <= set(e["accessibility"]))
        assert got == expected, f"accessibility={features}: only in feed {sorted(got - expected)[:5]}, only in API {sorted(expected - got)[:5]}"
    assert uid_of(world.rich_event["id"]) in feed_uids(service, accessibility="captions,hearing_loop")
    assert feed_uids(service, accessibility="wheelchair")
    # a combination with other filters
    got = feed_uids(service, day="2012-07-03", accessibility="wheelchair", organiser=world.organiser["id"])
    assert got == {uid_of(world.rich_event["id"])}, got


def test_drafts_never_appear(service, world):
    draft = create_event(
        service.admin,
        {
            "title": "Utkast som inte får synas",
            "starts_at": "2012-07-03T09:00:00+02:00",
            "ends_at": "2012-07-03T09:30:00+02:00",
            "organiser_id": world.organiser["id"],
            "language": "sv",
        },
        publish=False,
    )
    assert uid_of(draft["id"]) not in feed_uids(service, day="2012-07-03")
    assert service.public.get(f"/feeds/events/{draft['id']}.ics").status == 404
    all_ids = {e["id"] for e in api_events(service.admin, status="draft")}
    assert draft["id"] in all_ids
