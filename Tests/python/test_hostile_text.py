"""Hostile text in every field that reaches a feed: each parser gives back exactly what the API
holds, and no text can add a VEVENT, an item or an element of its own."""

from __future__ import annotations

import json

import feedparser
import icalendar
import ics
import pytest
import vobject

from conftest import create, create_event, public_events
from support import (
    CHANGE_DOMAIN,
    PUBLIC_URL,
    calendar_of,
    check_wire,
    decode_param_value,
    events_by_uid,
    items_of,
    json_events,
    physical_lines,
    strict_xml,
    uid_of,
    unescape_text,
    xml_char_problems,
    xml_events,
)

# One line of everything that has broken a feed somewhere: markup of all three formats,
# escapes, emoji with a ZWJ sequence and skin tone, right-to-left marks, iCalendar's and
# RFC 6868's special characters.
LINE = (
    'END:VEVENT BEGIN:VEVENT ]]> </item> <![CDATA[ &amp; &#0; 🎉👩🏽‍🏫 \u200f\u202eRTL\u202c '
    '\\ ; , " : ^n ^\''
)
TOPICS = ["END:VEVENT]]></item>;,\\ \u202e", '<![CDATA[&amp;🎉👩🏽‍🏫\u200f"^:']
DESCRIPTION = (
    "Rad 1 " + LINE + "\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil@almedalen\r\nSUMMARY:injected\r\n"
    "</description></item><item><title>injected</title>\n"
    "Rad med\ttabb\r\nsista raden:\n\\n är bokstavligt"
)
CONTROLS = {"CRLF": "\r\nEND:VEVENT\r\nBEGIN:VEVENT", "NUL": "\u0000", "SOH": "\u0001", "DEL": "\u007f", "C1": "\u0085", "LS": "\u2028"}


def line_breaks_as_lf(text: str) -> str:
    """A text's line breaks (CRLF, CR, LF) as LF: what iCalendar's `\\n` gives back."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@pytest.fixture(scope="module")
def hostile(service, world):
    admin = service.admin
    organiser = create(admin, "/api/v1/organisers", {"name": "Org " + LINE})
    venue = create(admin, "/api/v1/venues", {"name": "Scen " + LINE, "address": "Gata " + LINE, "latitude": 57.64, "longitude": 18.29})
    person = create(admin, "/api/v1/people", {"name": "Person " + LINE, "title": "Titel " + LINE, "organisation": "Org " + LINE, "party": "S"})
    panelist = create(admin, "/api/v1/people", {"name": "Panelist " + LINE})
    event = create_event(
        admin,
        {
            "title": "Titel " + LINE,
            "description": DESCRIPTION,
            "starts_at": "2012-07-06T12:00:00+02:00",
            "ends_at": "2012-07-06T13:00:00+02:00",
            "venue_id": venue["id"],
            "organiser_id": organiser["id"],
            "topics": TOPICS,
            "language": "sv",
            "panels": [{"title": "Panel " + LINE, "panelist_ids": [panelist["id"]]}],
            "participants": [
                {"person_id": person["id"], "role": "moderator", "title": "Roll " + LINE, "organisation": "Part " + LINE}
            ],
        },
    )
    stored = admin.ok("GET", f"/api/v1/events/{event['id']}").json()
    # A line break written as a lone CR (old Mac text pasted into a form): the API keeps it.
    lone_cr = create_event(
        admin,
        {
            "title": "Ensam CR i beskrivningen",
            "description": "Första raden\rAndra raden\r\nTredje raden",
            "starts_at": "2012-07-06T14:00:00+02:00",
            "ends_at": "2012-07-06T15:00:00+02:00",
            "organiser_id": world.organiser["id"],
            "language": "sv",
        },
    )
    return {"organiser": organiser, "venue": venue, "person": person, "panelist": panelist, "event": stored, "lone_cr": lone_cr}


def test_the_api_keeps_the_text(service, hostile):
    event = hostile["event"]
    assert event["title"] == "Titel " + LINE
    assert event["topics"] == TOPICS
    assert line_breaks_as_lf(event["description"]) == line_breaks_as_lf(DESCRIPTION)
    assert hostile["organiser"]["name"] == "Org " + LINE
    person = service.admin.ok("GET", f"/api/v1/people/{hostile['person']['id']}").json()
    assert (person["name"], person["title"], person["organisation"]) == ("Person " + LINE, "Titel " + LINE, "Org " + LINE)


REFUSALS = [
    ("/api/v1/organisers", {}, "name"),
    ("/api/v1/venues", {}, "name"),
    ("/api/v1/venues", {"name": "V"}, "address"),
    ("/api/v1/people", {}, "name"),
    ("/api/v1/people", {"name": "P"}, "title"),
    ("/api/v1/people", {"name": "P"}, "organisation"),
]


@pytest.mark.parametrize("control", list(CONTROLS), ids=list(CONTROLS))
def test_control_characters_are_refused_in_names(service, world, control):
    """Single-line fields refuse line breaks and control characters with 422 naming the
    field; the description refuses control characters but keeps line breaks and tabs."""
    admin = service.admin
    bad = "Före" + CONTROLS[control] + "efter"
    for path, base, field in REFUSALS:
        reply = admin.request("POST", path, {**base, field: bad})
        assert reply.status == 422, f"POST {path} with {field}={bad!r}:\n{reply.describe()}"
        assert [e["field"] for e in reply.json()["errors"]] == [field]
    event = {
        "title": "Kontroll",
        "starts_at": "2012-07-06T08:00:00+02:00",
        "ends_at": "2012-07-06T09:00:00+02:00",
        "organiser_id": world.organiser["id"],
        "language": "sv",
    }
    person = world.people[0]["id"]
    cases = [
        ({"title": bad}, "title"),
        ({"topics": ["ok", bad]}, "topics[1]"),
        ({"panels": [{"title": bad}]}, "panels[0].title"),
        ({"participants": [{"person_id": person, "role": "speaker", "title": bad}]}, "participants[0].title"),
        ({"participants": [{"person_id": person, "role": "speaker", "organisation": bad}]}, "participants[0].organisation"),
    ]
    if control != "CRLF":
        cases.append(({"description": bad}, "description"))
    for change, field in cases:
        reply = admin.request("POST", "/api/v1/events", {**event, **change})
        assert reply.status == 422, f"event with {change!r}:\n{reply.describe()}"
        assert [e["field"] for e in reply.json()["errors"]] == [field], reply.json()


def ics_paths(hostile) -> list[str]:
    return [
        f"/feeds/events/{hostile['event']['id']}.ics",
        f"/feeds/program.ics?organiser={hostile['organiser']['id']}",
        f"/feeds/program.ics?venue={hostile['venue']['id']}",
        f"/feeds/people/{hostile['person']['id']}.ics",
        f"/feeds/people/{hostile['panelist']['id']}.ics",
        "/feeds/program.ics?day=2012-07-06",
        "/feeds/program.ics",
    ]


@pytest.mark.parametrize("index", range(7), ids=["event", "organiser", "venue", "person", "panelist", "day", "all"])
def test_ical_gives_back_the_text(service, hostile, index):
    path = ics_paths(hostile)[index]
    api = hostile["event"]
    raw = service.public.feed(path)
    check_wire(raw)
    uid = uid_of(api["id"])

    # Exactly the VEVENTs the API lists for the selection: none injected.
    by_uid = events_by_uid(raw)
    assert "evil@almedalen" not in by_uid
    begins = [line for line in physical_lines(raw) if line == b"BEGIN:VEVENT"]
    assert len(begins) == len(by_uid), f"{path}: {len(begins)} BEGIN:VEVENT lines, {len(by_uid)} VEVENTs"
    if index <= 4:
        assert list(by_uid) == [uid], f"{path}: {list(by_uid)}"
    else:
        params = {} if index == 6 else {"day": "2012-07-06"}
        assert set(by_uid) == {uid_of(e["id"]) for e in public_events(service.admin, **params)}

    description = line_breaks_as_lf(api["description"])
    location = hostile["venue"]["name"] + ", " + hostile["venue"]["address"]
    moderator = f"Moderator: {hostile['person']['name']} (Roll {LINE}, Part {LINE})"
    panel = f"Panel {LINE}\nPanel: {hostile['panelist']['name']}"

    event = by_uid[uid]
    assert event.text("SUMMARY") == api["title"]
    assert event.text("LOCATION") == location
    assert unescape_text(event.one("CATEGORIES").value, multiple=True) == TOPICS
    assert event.one("ORGANIZER").param("CN") == hostile["organiser"]["name"]
    text = event.text("DESCRIPTION")
    assert text.endswith("\n\n" + description), text
    assert moderator in text and panel in text

    component = next(c for c in icalendar.Calendar.from_ical(raw).walk("VEVENT") if str(c["UID"]) == uid)
    assert str(component["SUMMARY"]) == api["title"]
    assert str(component["LOCATION"]) == location
    assert str(component["DESCRIPTION"]) == text
    assert [str(c) for c in component["CATEGORIES"].cats] == TOPICS
    assert str(component["ORGANIZER"].params["CN"]) == hostile["organiser"]["name"]

    calendar = vobject.readOne(raw.decode("utf-8"), validate=True)
    vevent = next(v for v in calendar.vevent_list if v.uid.value == uid)
    assert vevent.summary.value == api["title"]
    assert vevent.location.value == location
    assert vevent.description.value == text
    assert vevent.categories.value == TOPICS
    assert decode_param_value(vevent.organizer.params["CN"][0]) == hostile["organiser"]["name"]

    parsed = next(e for e in ics.Calendar(raw.decode("utf-8")).events if e.uid == uid)
    assert parsed.name == api["title"]
    assert parsed.location == location
    # ics 0.7.3 reads `\\n` (an escaped backslash, then n) as a backslash and a line break;
    # the wire is right (the strict reader, icalendar and vobject above agree).
    assert parsed.description == text.replace("\\n", "\\\n")
    assert set(parsed.categories) == set(TOPICS)


def xml_text(text: str) -> tuple[str, ...]:
    """What an XML parser may give back of `text`: all of it (a CR written as `&#13;`), or
    every line break as LF (a parser's end-of-line handling). Never a line break lost."""
    return (text, line_breaks_as_lf(text))


def test_rss_gives_back_the_text(service, hostile):
    api = hostile["event"]
    raw = service.public.feed(f"/feeds/program.rss?organiser={hostile['organiser']['id']}")
    assert xml_char_problems(raw) == []
    items = items_of(raw)
    assert len(items) == 1, f"{len(items)} items: {[i.findtext('title') for i in items]}"
    item = items[0]
    assert item.findtext("title") == "Nytt: " + api["title"]
    assert item.findtext("link") == f"{PUBLIC_URL}/events/{api['id']}"
    assert [c.text for c in item.findall("category") if c.get("domain") is None] == TOPICS
    assert [c.text for c in item.findall("category") if c.get("domain") == CHANGE_DOMAIN] == ["nytt"]
    text = item.findtext("description")
    assert f"{hostile['venue']['name']} ({hostile['venue']['address']})" in text
    assert "Arrangör: " + hostile["organiser"]["name"] in text
    assert any(text.endswith("\n\n" + expected) for expected in xml_text(api["description"])), (
        f"RSS description ends {text[-120:]!r}; the API holds {api['description'][-120:]!r}"
    )

    parsed = feedparser.parse(raw)
    assert not parsed.bozo, repr(parsed.get("bozo_exception"))
    assert len(parsed.entries) == 1
    entry = parsed.entries[0]
    assert entry.link == f"{PUBLIC_URL}/events/{api['id']}"
    assert entry.id == item.findtext("guid")
    assert [t.term for t in entry.tags if t.get("scheme") is None] == TOPICS
    if entry.title_detail.type == "text/plain":
        assert entry.title == item.findtext("title")

    # The whole change feed still parses, with one item per change.
    everything = service.public.feed("/feeds/program.rss?limit=500")
    assert xml_char_problems(everything) == []
    assert len([i for i in items_of(everything) if i.findtext("link").endswith(api["id"])]) == 1
    assert not feedparser.parse(everything).bozo


def test_frab_gives_back_the_text(service, hostile):
    api = hostile["event"]
    xml_raw = service.public.feed("/feeds/schedule.xml?year=2012")
    assert xml_char_problems(xml_raw) == []
    xml = [e for e in xml_events(strict_xml(xml_raw)) if e["guid"] == api["id"]]
    assert len(xml) == 1
    document = json.loads(service.public.feed("/feeds/schedule.json?year=2012"))
    from_json = [e for e in json_events(document) if e["guid"] == api["id"]]
    assert len(from_json) == 1
    names = [hostile["person"]["name"], hostile["panelist"]["name"]]
    body = api["description"].strip()
    assert len(body) < 280, "keep the description whole in frab's abstract"

    event = xml[0]
    assert event["title"] == api["title"]
    assert event["room"] == event["room_name"] == hostile["venue"]["name"]
    assert event["track"] == TOPICS[0]
    assert sorted(event["persons"]) == sorted(names)
    assert "Arrangör: " + hostile["organiser"]["name"] in event["description"]
    assert f"Panel 1: Panel {LINE}" in event["description"]
    assert any(event["description"].endswith("\n\n" + t) for t in xml_text(body)), event["description"][-150:]
    assert event["abstract"] in xml_text(body), event["abstract"]

    event = from_json[0]
    assert event["title"] == api["title"]
    assert event["room"] == event["room_name"] == hostile["venue"]["name"]
    assert event["track"] == TOPICS[0]
    assert sorted(p["public_name"] for p in event["persons"]) == sorted(names)
    assert "Arrangör: " + hostile["organiser"]["name"] in event["description"]
    assert event["description"].endswith("\n\n" + body)
    assert event["abstract"] == body
    assert hostile["venue"]["name"] in {r["name"] for r in document["schedule"]["conference"]["rooms"]}


def test_a_lone_cr_stays_a_line_break(service, world, hostile):
    """The API keeps a lone CR in a description; every feed must keep it as a line break
    (iCalendar as `\\n`; XML as LF, or as `&#13;`), never drop it and join two lines."""
    api = service.admin.ok("GET", f"/api/v1/events/{hostile['lone_cr']['id']}").json()
    assert api["description"] == "Första raden\rAndra raden\r\nTredje raden"
    lines = "Första raden\nAndra raden\nTredje raden"
    problems = []

    raw = service.public.feed(f"/feeds/events/{api['id']}.ics")
    text = calendar_of(raw).walk("VEVENT")[0].text("DESCRIPTION")
    if not text.endswith("\n\n" + lines):
        problems.append(f"iCalendar DESCRIPTION ends {text[-60:]!r}")

    rss = service.public.feed(f"/feeds/program.rss?organiser={world.organiser['id']}&limit=500")
    item = next(i for i in items_of(rss) if i.findtext("link").endswith(api["id"]))
    text = item.findtext("description")
    if not any(text.endswith("\n\n" + t) for t in xml_text(api["description"])):
        problems.append(f"RSS description ends {text[-60:]!r}")

    event = next(e for e in xml_events(strict_xml(service.public.feed("/feeds/schedule.xml?year=2012"))) if e["guid"] == api["id"])
    if event["abstract"] not in xml_text(api["description"]):
        problems.append(f"frab XML abstract is {event['abstract']!r}")
    if not any(event["description"].endswith("\n\n" + t) for t in xml_text(api["description"])):
        problems.append(f"frab XML description ends {event['description'][-60:]!r}")

    document = json.loads(service.public.feed("/feeds/schedule.json?year=2012"))
    event = next(e for e in json_events(document) if e["guid"] == api["id"])
    if event["abstract"] != api["description"]:
        problems.append(f"frab JSON abstract is {event['abstract']!r}")
    assert not problems, f"description {api['description']!r} comes back as:\n" + "\n".join(problems)
