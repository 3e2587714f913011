"""The RSS 2.0 change feed (FEEDS.md 17-21) through lxml and feedparser."""

from __future__ import annotations

import email.utils
import re

import feedparser
import pytest

from conftest import public_events
from support import ATOM, CHANGE_DOMAIN, PUBLIC_URL, STOCKHOLM, items_of, query, strict_xml, xml_char_problems

RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d\d:\d\d:\d\d [+-]\d{4}$"
)


def canonical_paths(world) -> list[str]:
    """Requests already in the service's canonical form (parameters in its order)."""
    return [
        "/feeds/program.rss",
        "/feeds/program.rss?day=2012-07-03",
        "/feeds/program.rss?limit=500",
        f"/feeds/program.rss?organiser={world.organiser['id']}",
        query("/feeds/program.rss", year=2012, day="2012-07-04", topic="Hälsa", limit=20),
        query("/feeds/program.rss", accessibility="captions,hearing_loop", language="en"),
    ]


@pytest.fixture(params=range(6), ids=["all", "day", "limit", "organiser", "combined", "accessibility"])
def rss(request, service, world):
    path = canonical_paths(world)[request.param]
    reply = service.public.get(path)
    assert reply.status == 200, reply.describe()
    return path, reply


def test_well_formed_xml_1_0(rss):
    path, reply = rss
    raw = reply.body
    assert reply.header("Content-Type") == "application/rss+xml; charset=utf-8"
    assert raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = strict_xml(raw)
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert xml_char_problems(raw) == [], f"{path}: characters outside XML 1.0"
    # `]]>` may not appear raw in content; `&` and `<` only as markup or escapes.
    assert b"]]>" not in raw


def test_channel(rss):
    path, reply = rss
    root = strict_xml(reply.body)
    channels = root.findall("channel")
    assert len(channels) == 1
    channel = channels[0]
    for name in ("title", "link", "description"):
        element = channel.findall(name)
        assert len(element) == 1 and element[0].text, f"{path}: channel {name}"
    assert channel.findtext("link").startswith(PUBLIC_URL + "/")
    selves = [link for link in channel.findall(ATOM + "link") if link.get("rel") == "self"]
    assert len(selves) == 1
    assert selves[0].get("href") == PUBLIC_URL + path, "atom:link rel=self must be the URL requested"
    assert selves[0].get("type") == "application/rss+xml"
    if channel.find("lastBuildDate") is not None:
        assert RFC822.match(channel.findtext("lastBuildDate")), channel.findtext("lastBuildDate")


def test_items(rss):
    path, reply = rss
    items = items_of(reply.body)
    limit = int(re.search(r"limit=(\d+)", path).group(1)) if "limit=" in path else 100
    assert 0 < len(items) <= limit, f"{path}: {len(items)} items"
    guids = set()
    dates = []
    for item in items:
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "false" and guid.text
        assert guid.text not in guids, f"{path}: guid {guid.text} twice"
        guids.add(guid.text)
        assert item.findtext("title")
        assert re.fullmatch(re.escape(PUBLIC_URL) + r"/events/[0-9a-f-]{36}", item.findtext("link")), item.findtext("link")
        pub = item.findtext("pubDate")
        assert RFC822.match(pub), f"{path}: pubDate {pub!r} is not RFC 822 in English"
        when = email.utils.parsedate_to_datetime(pub)
        # The weekday name is the right one, and the offset is Visby's at that moment.
        assert ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][when.weekday()] == pub[:3], pub
        assert when.utcoffset() == when.astimezone(STOCKHOLM).utcoffset(), pub
        dates.append(when)
        kinds = [c.text for c in item.findall("category") if c.get("domain") == CHANGE_DOMAIN]
        assert len(kinds) == 1 and kinds[0] in ("nytt", "flyttat", "ändrat", "inställt"), kinds
        assert item.findtext("description")
    assert dates == sorted(dates, reverse=True), f"{path}: items are not newest first"


def test_feedparser_agrees(rss):
    path, reply = rss
    parsed = feedparser.parse(reply.body)
    assert not parsed.bozo, f"{path}: feedparser: {parsed.get('bozo_exception')!r}"
    assert parsed.version == "rss20"
    items = items_of(reply.body)
    assert len(parsed.entries) == len(items)
    for entry, item in zip(parsed.entries, items):
        assert entry.title == item.findtext("title")
        assert entry.id == item.findtext("guid")
        assert entry.link == item.findtext("link")
        assert entry.published_parsed is not None, entry.get("published")


def event_ids(raw: bytes) -> set[str]:
    return {item.findtext("link").rsplit("/", 1)[1] for item in items_of(raw)}


def test_filters_narrow(service, world):
    admin = service.admin
    cases = [
        ({"day": "2012-07-03"}, {"day": "2012-07-03"}),
        ({"organiser": world.organiser["id"]}, {"organiser_id": world.organiser["id"]}),
        ({"topic": "Hälsa"}, {"topic": "Hälsa"}),
        ({"day": "2012-07-05", "q": "vård"}, {"day": "2012-07-05", "q": "vård"}),
    ]
    for feed_params, api_params in cases:
        got = event_ids(service.public.feed(query("/feeds/program.rss", limit=500, **feed_params)))
        expected = {e["id"] for e in public_events(admin, **api_params)}
        assert got, f"{feed_params}: empty"
        # Every public event has at least its publication as a change, and none of these
        # selections has more than 500 changes: the sets are equal.
        assert got == expected, f"{feed_params}: only in RSS {sorted(got - expected)[:5]}, only in API {sorted(expected - got)[:5]}"
    features = {"captions", "hearing_loop"}
    got = event_ids(service.public.feed("/feeds/program.rss?accessibility=captions,hearing_loop&limit=500"))
    expected = {e["id"] for e in public_events(admin) if features <= set(e["accessibility"])}
    assert got == expected and world.rich_event["id"] in got


def test_limit(service):
    assert len(items_of(service.public.feed("/feeds/program.rss?limit=5"))) == 5
    assert len(items_of(service.public.feed("/feeds/program.rss"))) == 100
    for bad in ("0", "501", "x"):
        reply = service.public.get(f"/feeds/program.rss?limit={bad}")
        assert reply.status == 422, reply.describe()
        assert reply.header("Content-Type").startswith("application/problem+json")
        assert [e["field"] for e in reply.json()["errors"]] == ["limit"]


def test_moved_item_says_flyttad(service, world, moved_event):
    raw = service.public.feed(f"/feeds/program.rss?organiser={world.organiser['id']}&limit=500")
    mine = [i for i in items_of(raw) if i.findtext("link") == f"{PUBLIC_URL}/events/{moved_event.id}"]
    titles = [i.findtext("title") for i in mine]
    assert titles == [f"Flyttad till 14:30: {moved_event.title}", f"Nytt: {moved_event.title}"], titles
    moved = mine[0]
    kinds = [c.text for c in moved.findall("category") if c.get("domain") == CHANGE_DOMAIN]
    assert kinds == ["flyttat"]
    assert [c.text for c in moved.findall("category") if c.get("domain") is None] == ["Flytt"]
    assert "onsdag 4 juli 14:30–15:30" in moved.findtext("description")
    assert "starttid" in moved.findtext("description")
    parsed = feedparser.parse(raw)
    assert not parsed.bozo
    entry = next(e for e in parsed.entries if e.id == moved.findtext("guid"))
    assert entry.title.startswith("Flyttad till 14:30")
    assert {t.term for t in entry.tags} == {"flyttat", "Flytt"}
