"""The reference of `scripts/bench feeds`: Python's icalendar builds the calendar we serve.

usage: python icalendar_build.py FEED.ics OUT.ics

1. Untimed: parses FEED.ics (our own /feeds/program.ics answer) with icalendar and keeps
   every event's values as plain Python data (str, int, float, datetime with
   ZoneInfo("Europe/Stockholm") or UTC), then prints `ready EVENTS` on stdout.
2. For each line `build` read on stdin: builds a fresh icalendar.Calendar with the same
   calendar properties, a VTIMEZONE for Europe/Stockholm (Timezone.from_tzinfo, as the
   pinned version has it) and one Event per event with the same properties, serialises it
   with to_ical(), and prints the milliseconds that took (time.perf_counter) on stdout.
   The database read that our server does is not part of this: the data is already in
   memory.
3. At the end of stdin: writes the last calendar to OUT.ics, parses it back and checks
   that it holds the same events with the same values (untimed), then prints
   `done VEVENTS BYTES`.

Messages for people go to stderr; stdout carries only the lines above, for the script.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
from icalendar import Calendar, Event, Timezone, vCalAddress, vText

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# Calendar properties copied as text, in our order (the VTIMEZONE follows them).
TEXT_HEAD = ("NAME", "X-WR-CALNAME", "DESCRIPTION", "X-WR-CALDESC", "X-WR-TIMEZONE")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def utc(component, name: str) -> datetime:
    value = component.decoded(name)
    return value.astimezone(timezone.utc)


def local(component, name: str) -> datetime:
    """The wall-clock time, attached to zoneinfo's Europe/Stockholm."""
    value = component.decoded(name)
    if value.tzinfo is not None and getattr(value.tzinfo, "key", None) != "Europe/Stockholm":
        value = value.astimezone(STOCKHOLM)
    return value.replace(tzinfo=STOCKHOLM)


def categories(component) -> list[str]:
    found = component.get("CATEGORIES")
    if found is None:
        return []
    parts = found if isinstance(found, list) else [found]
    return [str(category) for part in parts for category in part.cats]


def load(path: str) -> tuple[dict, list[dict]]:
    with open(path, "rb") as file:
        calendar = Calendar.from_ical(file.read())
    head = {name: str(calendar[name]) for name in TEXT_HEAD if name in calendar}
    head["SOURCE"] = str(calendar["SOURCE"])
    head["URL"] = str(calendar["URL"])
    events = []
    for component in calendar.walk("VEVENT"):
        organizer = component["ORGANIZER"]
        event = {
            "uid": str(component["UID"]),
            "dtstamp": utc(component, "DTSTAMP"),
            "created": utc(component, "CREATED"),
            "last-modified": utc(component, "LAST-MODIFIED"),
            "sequence": int(component.decoded("SEQUENCE")),
            "dtstart": local(component, "DTSTART"),
            "dtend": local(component, "DTEND"),
            "summary": str(component["SUMMARY"]),
            "status": str(component["STATUS"]),
            "location": str(component["LOCATION"]) if "LOCATION" in component else None,
            "geo": tuple(component.decoded("GEO")) if "GEO" in component else None,
            "url": str(component["URL"]),
            "organizer": str(organizer),
            "organizer_cn": str(organizer.params["CN"]) if "CN" in organizer.params else None,
            "categories": categories(component),
            "conference": str(component["CONFERENCE"]) if "CONFERENCE" in component else None,
            "description": str(component["DESCRIPTION"]),
        }
        events.append(event)
    return head, events


def build(head: dict, events: list[dict]) -> bytes:
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//Almedalen//Programme//SV")
    calendar.add("calscale", "GREGORIAN")
    for name in TEXT_HEAD:
        if name in head:
            calendar.add(name, head[name])
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    calendar.add("source", head["SOURCE"], parameters={"VALUE": "URI"})
    calendar.add("url", head["URL"])
    calendar.add_component(Timezone.from_tzinfo(STOCKHOLM))
    for values in events:
        event = Event()
        event.add("uid", values["uid"])
        event.add("dtstamp", values["dtstamp"])
        event.add("created", values["created"])
        event.add("last-modified", values["last-modified"])
        event.add("sequence", values["sequence"])
        event.add("dtstart", values["dtstart"])
        event.add("dtend", values["dtend"])
        event.add("summary", values["summary"])
        event.add("status", values["status"])
        event.add("transp", "OPAQUE")
        event.add("class", "PUBLIC")
        if values["location"] is not None:
            event.add("location", values["location"])
        if values["geo"] is not None:
            event.add("geo", values["geo"])
        event.add("url", values["url"])
        organizer = vCalAddress(values["organizer"])
        if values["organizer_cn"] is not None:
            organizer.params["CN"] = vText(values["organizer_cn"])
        event.add("organizer", organizer)
        if values["categories"]:
            event.add("categories", values["categories"])
        if values["conference"] is not None:
            event.add(
                "conference", values["conference"], parameters={"VALUE": "URI", "FEATURE": "VIDEO"}
            )
        event.add("description", values["description"])
        calendar.add_component(event)
    return calendar.to_ical()


def check(ours: list[dict], path: str) -> None:
    """Parses what Python wrote and compares every event with ours."""
    _, theirs = load(path)
    if len(theirs) != len(ours):
        raise SystemExit(f"python wrote {len(theirs)} events, ours has {len(ours)}")
    by_uid = {event["uid"]: event for event in theirs}
    for event in ours:
        other = by_uid.get(event["uid"])
        if other is None:
            raise SystemExit(f"python's calendar lacks {event['uid']}")
        for key, value in event.items():
            if other[key] != value:
                raise SystemExit(f"{event['uid']} {key}: ours {value!r}, python {other[key]!r}")


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit("usage: icalendar_build.py FEED.ics OUT.ics")
    feed, out = sys.argv[1], sys.argv[2]
    started = time.perf_counter()
    head, events = load(feed)
    say(
        f"icalendar {icalendar.__version__}: loaded {len(events)} events from {feed} "
        f"in {time.perf_counter() - started:.2f} s (untimed)"
    )
    started = time.perf_counter()
    Timezone.from_tzinfo(STOCKHOLM)
    say(
        f"icalendar: one Timezone.from_tzinfo takes {(time.perf_counter() - started) * 1000:.1f} ms"
        " (part of every timed build)"
    )
    print("ready", len(events), flush=True)
    body = b""
    for line in sys.stdin:
        if line.strip() != "build":
            raise SystemExit(f"unexpected command {line.strip()!r}")
        started = time.perf_counter()
        body = build(head, events)
        elapsed = time.perf_counter() - started
        print(f"{elapsed * 1000:.3f}", flush=True)
    if not body:
        body = build(head, events)
    with open(out, "wb") as file:
        file.write(body)
    check(events, out)
    say(f"icalendar: {out} holds the same {len(events)} events with the same values")
    print("done", body.count(b"BEGIN:VEVENT"), len(body), flush=True)


if __name__ == "__main__":
    main()
