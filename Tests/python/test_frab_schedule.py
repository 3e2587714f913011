"""frab schedule.xml and schedule.json: lxml, json, and the events the API lists."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from conftest import public_events
from support import PUBLIC_URL, STOCKHOLM, json_events, parse_rfc3339, strict_xml, xml_char_problems, xml_events

UNKNOWN_ROOM = "Plats meddelas senare"


def media_type(reply) -> tuple[str, str | None]:
    value = reply.header("Content-Type") or ""
    parts = [p.strip() for p in value.split(";")]
    charset = next((p.split("=", 1)[1].lower() for p in parts[1:] if p.lower().startswith("charset=")), None)
    return parts[0], charset


def xml_views(text: str) -> tuple[str, ...]:
    """What XML can carry of a JSON string: no control characters but tab and line breaks;
    line breaks either kept (a CR as `&#13;`) or as LF (a parser's end-of-line handling)."""
    kept = "".join(c for c in text if c in "\t\n\r" or not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F))
    return (kept, kept.replace("\r\n", "\n").replace("\r", "\n"))


@pytest.fixture(scope="module")
def schedules(service, world):
    out = {}
    for year in (2012, 2032):
        xml_reply = service.public.get(f"/feeds/schedule.xml?year={year}")
        json_reply = service.public.get(f"/feeds/schedule.json?year={year}")
        assert xml_reply.status == 200, xml_reply.describe()
        assert json_reply.status == 200, json_reply.describe()
        out[year] = (xml_reply, json_reply)
    return out


@pytest.mark.parametrize("year", [2012, 2032])
def test_schedule_xml(service, world, schedules, year):
    reply, _ = schedules[year]
    assert media_type(reply) == ("application/xml", "utf-8")
    raw = reply.body
    assert xml_char_problems(raw) == []
    root = strict_xml(raw)
    assert root.tag == "schedule"
    edition = world.editions[year]
    conference = root.find("conference")
    assert conference.findtext("acronym") == f"almedalen{year}"
    assert conference.findtext("title") == edition["name"]
    assert (conference.findtext("start"), conference.findtext("end")) == (edition["first_day"], edition["last_day"])
    assert conference.findtext("time_zone_name") == "Europe/Stockholm"
    assert conference.findtext("base_url") == PUBLIC_URL
    first = dt.date.fromisoformat(edition["first_day"])
    last = dt.date.fromisoformat(edition["last_day"])
    days = root.findall("day")
    assert int(conference.findtext("days")) == len(days) == (last - first).days + 1
    for index, day in enumerate(days):
        assert int(day.get("index")) == index + 1
        assert day.get("date") == (first + dt.timedelta(days=index)).isoformat()

    api = {e["id"]: e for e in public_events(service.admin, edition_id=edition["id"])}
    events = xml_events(root)
    assert len({e["guid"] for e in events}) == len(events), "a guid twice"
    assert len({e["id"] for e in events}) == len(events), "an id twice"
    assert {e["guid"] for e in events} == set(api)
    venues = {}
    for event in events:
        expected = api[event["guid"]]
        start = parse_rfc3339(expected["starts_at"])
        end = parse_rfc3339(expected["ends_at"])
        local = start.astimezone(STOCKHOLM)
        assert event["date"] == local.isoformat(), f"{event['guid']}: date {event['date']} for {expected['starts_at']}"
        assert event["start"] == local.strftime("%H:%M")
        minutes = int((end - start).total_seconds() // 60)
        assert event["duration"] == f"{minutes // 60:02d}:{minutes % 60:02d}"
        prefix = "INSTÄLLT: " if expected["status"] == "cancelled" else ""
        assert event["title"] == prefix + expected["title"]
        assert event["url"] == f"{PUBLIC_URL}/events/{event['guid']}"
        assert (event["url"], "Programsidan") in event["links"]
        assert re.fullmatch(rf"almedalen{year}-\d+(-[a-z0-9]+)*", event["slug"]), event["slug"]
        assert event["room"] == event["room_name"]
        if expected["venue_id"] is None:
            assert event["room"] == UNKNOWN_ROOM
        else:
            venues.setdefault(expected["venue_id"], event["room"])
            assert venues[expected["venue_id"]] == event["room"]
        names = []
        for participant in expected["participants"]:
            if participant["name"] and participant["name"] not in names:
                names.append(participant["name"])
        assert event["persons"] == names
        assert event["track"] == (expected["topics"][0] if expected["topics"] else "")
        # frab's day runs 04:00 to 03:59 the next morning; events before the first day's
        # 04:00 join the first day.
        day_start = parse_rfc3339(event["day"].get("start"))
        day_end = parse_rfc3339(event["day"].get("end"))
        assert start <= day_end + dt.timedelta(minutes=1), f"{event['guid']} after its day"
        if int(event["day"].get("index")) > 1:
            assert start >= day_start, f"{event['guid']} before its day"


@pytest.mark.parametrize("year", [2012, 2032])
def test_schedule_json_matches_xml(schedules, year):
    xml_reply, json_reply = schedules[year]
    assert media_type(json_reply) == ("application/json", "utf-8")
    document = json.loads(json_reply.body)
    schedule = document["schedule"]
    assert schedule["conference"]["acronym"] == f"almedalen{year}"
    assert schedule["conference"]["time_zone_name"] == "Europe/Stockholm"
    root = strict_xml(xml_reply.body)
    assert schedule["version"] == root.findtext("version")
    assert schedule["conference"]["daysCount"] == len(schedule["conference"]["days"]) == len(root.findall("day"))
    from_xml = {e["guid"]: e for e in xml_events(root)}
    from_json = json_events(document)
    assert len(from_json) == len(from_xml)
    room_names = {r["name"] for r in schedule["conference"]["rooms"]}
    for event in from_json:
        other = from_xml[event["guid"]]
        for key in ("id", "date", "start", "duration", "room", "slug", "url", "type", "language"):
            assert event[key] == other[key], f"{event['guid']} {key}: json {event[key]!r}, xml {other[key]!r}"
        for key in ("title", "abstract", "description", "track"):
            assert (other[key] or "") in xml_views(event[key]), f"{event['guid']} {key}: json {event[key]!r}, xml {other[key]!r}"
        assert [p["public_name"] for p in event["persons"]] == other["persons"]
        assert event["room_name"] == event["room"] and event["room"] in room_names
        assert event["day"]["date"] == other["day"].get("date")


def test_default_is_the_latest_edition(service, world):
    latest = max(world.editions)
    for suffix in ("xml", "json"):
        default = service.public.get(f"/feeds/schedule.{suffix}")
        explicit = service.public.get(f"/feeds/schedule.{suffix}?year={latest}")
        assert default.status == explicit.status == 200
        assert default.body == explicit.body, f"schedule.{suffix} without year is not {latest}'s"


def test_dst_days_in_schedule(schedules, world):
    """Each event's `date` carries the offset in force at its instant, also on the day the
    clocks go back (02:30 happens twice)."""
    _, json_reply = schedules[2032]
    events = {e["guid"]: e for e in json_events(json.loads(json_reply.body))}
    checked = 0
    for api in world.dst_events:
        if not api["starts_at"].startswith("2032"):
            continue
        event = events[api["id"]]
        assert parse_rfc3339(event["date"]) == parse_rfc3339(api["starts_at"]), (event["date"], api["starts_at"])
        assert event["date"] == parse_rfc3339(api["starts_at"]).astimezone(STOCKHOLM).isoformat()
        checked += 1
    assert checked == 6


def test_bad_year(service):
    for suffix in ("xml", "json"):
        reply = service.public.get(f"/feeds/schedule.{suffix}?year=abc")
        assert reply.status == 422, reply.describe()
        assert [e["field"] for e in reply.json()["errors"]] == ["year"]
        reply = service.public.get(f"/feeds/schedule.{suffix}?year=1999")
        assert reply.status == 404, reply.describe()
        assert reply.header("Content-Type").startswith("application/problem+json")
