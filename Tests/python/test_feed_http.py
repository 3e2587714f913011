"""HTTP around the feeds (FEEDS.md 13-15, 21): types, validators, 304, gzip, HEAD, errors."""

from __future__ import annotations

import email.utils
import gzip
import re
import time

import pytest

from conftest import create_event, patch_event
from support import PUBLIC_URL, events_by_uid, query, strict_xml, uid_of

ETAG = re.compile(r'^"[0-9a-f]{16}"$')
ETAG_GZ = re.compile(r'^"[0-9a-f]{16}-gz"$')
IMF_FIXDATE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$"
)
CALENDAR = "text/calendar; charset=utf-8"


def feeds(world) -> list[tuple[str, str]]:
    return [
        ("/feeds/program.ics", CALENDAR),
        ("/feeds/program.ics?day=2012-07-03", CALENDAR),
        (f"/feeds/events/{world.rich_event['id']}.ics", CALENDAR),
        (f"/feeds/people/{world.people[0]['id']}.ics", CALENDAR),
        ("/feeds/program.rss", "application/rss+xml; charset=utf-8"),
        ("/feeds/program.rss?day=2012-07-03", "application/rss+xml; charset=utf-8"),
        ("/feeds/schedule.xml?year=2012", "application/xml; charset=utf-8"),
        ("/feeds/schedule.json?year=2012", "application/json; charset=utf-8"),
    ]


FEED_IDS = ["ics", "ics-day", "ics-event", "ics-person", "rss", "rss-day", "frab-xml", "frab-json"]


@pytest.fixture(params=range(8), ids=FEED_IDS)
def feed(request, world):
    return feeds(world)[request.param]


def test_headers(service, feed):
    path, content_type = feed
    reply = service.public.get(path)
    assert reply.status == 200, reply.describe()
    assert reply.header("Content-Type") == content_type
    assert ETAG.match(reply.header("ETag") or ""), reply.header("ETag")
    last_modified = reply.header("Last-Modified")
    assert last_modified and IMF_FIXDATE.match(last_modified), last_modified
    email.utils.parsedate_to_datetime(last_modified)
    assert re.search(r"max-age=\d+", reply.header("Cache-Control") or ""), reply.header("Cache-Control")
    assert "accept-encoding" in [v.strip().lower() for h in reply.all("Vary") for v in h.split(",")]
    assert reply.header("X-Feed-Cache") in ("hit", "miss")
    assert reply.header("Content-Encoding") is None
    assert int(reply.header("Content-Length")) == len(reply.body)


def test_calendar_type_whatever_the_accept(service, world):
    path = "/feeds/program.ics?day=2012-07-03"
    for accept in (None, "application/json", "text/html", "*/*", "text/calendar"):
        reply = service.public.get(path, headers={"Accept": accept} if accept else {})
        assert reply.status == 200 and reply.header("Content-Type") == CALENDAR, (accept, reply.describe())


def test_identical_bytes_and_etags_across_requests_and_processes(service, feed):
    path, _ = feed
    first = service.public.get(path)
    second = service.public.get(path)
    other = service.public_b.get(path)
    for reply in (first, second, other):
        assert reply.status == 200, reply.describe()
    assert first.body == second.body, f"{path}: two answers of process A differ"
    assert first.body == other.body, f"{path}: processes A and B answer different bytes"
    assert first.header("ETag") == second.header("ETag") == other.header("ETag")
    assert first.header("Last-Modified") == other.header("Last-Modified")


def test_if_none_match(service, feed):
    path, content_type = feed
    reply = service.public.get(path)
    etag = reply.header("ETag")
    for client in (service.public, service.public_b):
        for tag in (etag, f'"zzz", {etag}', "*"):
            again = client.get(path, headers={"If-None-Match": tag})
            assert again.status == 304, f"If-None-Match: {tag} on {client.name}:\n{again.describe()}"
            assert again.body == b""
            assert again.header("ETag") == etag
        assert client.get(path, headers={"If-None-Match": '"0000000000000000"'}).status == 200
    zipped = service.public.get(path, headers={"Accept-Encoding": "gzip"})
    gz_tag = zipped.header("ETag")
    assert ETAG_GZ.match(gz_tag), gz_tag
    assert gz_tag == etag[:-1] + '-gz"'
    for headers in ({"If-None-Match": gz_tag, "Accept-Encoding": "gzip"}, {"If-None-Match": gz_tag}):
        again = service.public.get(path, headers=headers)
        assert again.status == 304, f"{headers}:\n{again.describe()}"
        assert again.body == b""


def test_gzip(service, feed):
    path, content_type = feed
    plain = service.public.get(path)
    zipped = service.public.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.status == 200
    assert zipped.header("Content-Encoding") == "gzip", zipped.describe()
    assert zipped.header("Content-Type") == content_type
    assert gzip.decompress(zipped.body) == plain.body
    assert len(zipped.body) < len(plain.body)
    assert "accept-encoding" in (zipped.header("Vary") or "").lower()
    refused = service.public.get(path, headers={"Accept-Encoding": "gzip;q=0"})
    assert refused.header("Content-Encoding") is None and refused.body == plain.body


def test_head(service, feed):
    path, content_type = feed
    got = service.public.get(path)
    head = service.public.head(path)
    assert head.status == 200
    assert head.body == b""
    assert head.header("Content-Type") == content_type
    assert head.header("ETag") == got.header("ETag")
    if head.header("Content-Length") is not None:
        assert int(head.header("Content-Length")) == len(got.body)
    conditional = service.public.head(path, headers={"If-None-Match": got.header("ETag")})
    assert conditional.status == 304 and conditional.body == b""


def test_an_edit_changes_the_etag(service, world):
    event = create_event(
        service.admin,
        {
            "title": "ETag före",
            "starts_at": "2012-07-07T10:00:00+02:00",
            "ends_at": "2012-07-07T11:00:00+02:00",
            "organiser_id": world.organiser["id"],
            "language": "sv",
        },
    )
    paths = ["/feeds/program.ics?day=2012-07-07", f"/feeds/events/{event['id']}.ics", "/feeds/program.rss?day=2012-07-07", "/feeds/schedule.xml?year=2012", "/feeds/schedule.json?year=2012"]
    before = {path: service.public.get(path) for path in paths}
    patch_event(service.admin, event["id"], {"title": "ETag efter"})
    for path in paths:
        old = before[path].header("ETag")
        for client in (service.public, service.public_b):
            # the other process hears of the change through NOTIFY; allow it a moment
            for _attempt in range(40):
                reply = client.get(path, headers={"If-None-Match": old})
                if reply.status == 200:
                    break
                time.sleep(0.05)
            assert reply.status == 200, f"{path} on {client.name}: still 304 for the old ETag after an edit"
            assert reply.header("ETag") != old
            assert "ETag efter".encode() in reply.body, path


PROBLEMS = [
    ("/feeds/program.ics?day=2012-13-45", "day"),
    ("/feeds/program.ics?organiser=x", "organiser"),
    ("/feeds/program.ics?accessibility=teleport", "accessibility"),
    ("/feeds/program.ics?accessibility=wheelchair,teleport", "accessibility"),
    ("/feeds/program.ics?venue=12", "venue"),
    ("/feeds/program.ics?person=nobody", "person"),
    ("/feeds/program.ics?year=twelve", "year"),
    ("/feeds/program.ics?language=svenska", "language"),
    ("/feeds/program.ics?q=%01", "q"),
    ("/feeds/program.rss?day=2012-13-45", "day"),
    ("/feeds/program.rss?organiser=x", "organiser"),
    ("/feeds/program.rss?accessibility=teleport", "accessibility"),
    ("/api/v1/feeds?day=2012-13-45", "day"),
    ("/api/v1/feeds?organiser=x", "organiser"),
    ("/api/v1/feeds?accessibility=teleport", "accessibility"),
]


@pytest.mark.parametrize("path,field", PROBLEMS, ids=[p for p, _ in PROBLEMS])
def test_bad_filters_are_422_naming_the_field(service, path, field):
    reply = service.public.get(path)
    assert reply.status == 422, reply.describe()
    assert reply.header("Content-Type").split(";")[0] == "application/problem+json"
    problem = reply.json()
    assert problem["status"] == 422
    assert [e["field"] for e in problem["errors"]] == [field], problem


def test_several_bad_filters_are_named_together(service):
    reply = service.public.get("/feeds/program.ics?day=2012-13-45&organiser=x&accessibility=teleport")
    assert reply.status == 422
    assert sorted(e["field"] for e in reply.json()["errors"]) == ["accessibility", "day", "organiser"]


def test_unknown_ids_are_404(service):
    for path in (
        "/feeds/events/00000000-0000-4000-8000-000000000000.ics",
        "/feeds/people/00000000-0000-4000-8000-000000000000.ics",
        "/feeds/program.ics?organiser=00000000-0000-4000-8000-000000000000",
    ):
        reply = service.public.get(path)
        assert reply.status == 404, f"{path}:\n{reply.describe()}"
        assert reply.header("Content-Type").split(";")[0] == "application/problem+json"


def test_feed_links(service, world):
    reply = service.public.get("/api/v1/feeds?topic=H%C3%A4lsa&day=2012-07-03")
    assert reply.status == 200, reply.describe()
    links = reply.json()
    canonical = "day=2012-07-03&topic=H%C3%A4lsa"
    assert links["ics"]["https"] == f"{PUBLIC_URL}/feeds/program.ics?{canonical}"
    assert links["ics"]["webcal"] == f"webcal://almedalen.test/feeds/program.ics?{canonical}"
    assert links["rss"]["https"] == f"{PUBLIC_URL}/feeds/program.rss?{canonical}"
    # The links work, and the RSS feed names itself by the same URL.
    path = links["ics"]["https"].removeprefix(PUBLIC_URL)
    assert events_by_uid(service.public.feed(path))
    rss = service.public.feed(links["rss"]["https"].removeprefix(PUBLIC_URL))
    channel = strict_xml(rss).find("channel")
    assert channel.find("{http://www.w3.org/2005/Atom}link").get("href") == links["rss"]["https"]
    everything = service.public.get("/api/v1/feeds").json()
    assert everything["ics"] == {"https": f"{PUBLIC_URL}/feeds/program.ics", "webcal": "webcal://almedalen.test/feeds/program.ics"}


def test_equal_selections_share_one_answer(service, world):
    """Parameter order and unknown parameters (cache-busters) do not change the feed."""
    a = service.public.get(query("/feeds/program.ics", day="2012-07-03", topic="Pytestämne"))
    b = service.public.get(query("/feeds/program.ics", topic="Pytestämne", day="2012-07-03", _="12345"))
    assert a.status == b.status == 200
    assert a.body == b.body and a.header("ETag") == b.header("ETag")
    assert uid_of(world.rich_event["id"]) in events_by_uid(a.body)
