"""The attendee's own calendar (one secret link for all their sign-ups) in the same quality as
the programme feeds: through icalendar, vobject and ics, and on the raw bytes. Waitlisted
seats are TENTATIVE, confirmed ones CONFIRMED; a promotion raises SEQUENCE; a cancelled
seminar stays, CANCELLED; no one's name or email is in it."""

from __future__ import annotations

import secrets
import urllib.parse

import icalendar
import ics
import vobject

from support import PUBLIC_URL, check_wire, events_by_uid, sign_up, uid_of
from test_registration_load import secret_path, sign_up_event


def calendar_path(url: str) -> str:
    assert url.startswith(PUBLIC_URL + "/feeds/attendee/") and url.endswith(".ics"), url
    return urllib.parse.urlsplit(url).path


def statuses(raw: bytes) -> dict[str, tuple[str, int]]:
    """UID -> (STATUS, SEQUENCE), read by the strict reader of support.py."""
    found = {}
    for uid, event in events_by_uid(raw).items():
        found[uid] = (event.one("STATUS").value, int(event.one("SEQUENCE").value))
    return found


def test_attendee_calendar_through_every_parser(service):
    tag = secrets.token_hex(3)
    one_seat = sign_up_event(service, 1, f"Frukost med en plats {tag}")
    roomy = sign_up_event(service, 50, f"Lunch med gott om plats {tag}")
    public = service.public
    # Someone takes the only seat first; our attendee is then waitlisted there.
    first = sign_up(public, one_seat["id"], "Först Påplats", f"forst-{tag}@example.org")
    name, email = "Ängla Övertid-Åsberg", f"angla-{tag}@example.org"
    waiting = sign_up(public, one_seat["id"], name, email)
    seated = sign_up(service.public_b, roomy["id"], name, email.upper())
    assert waiting["status"] == "waitlisted" and waiting["waitlist_position"] == 1, waiting
    assert seated["status"] == "confirmed", seated

    # Either of the attendee's calendar links (each sign-up mail brings one) shows both.
    raws = [public.feed(calendar_path(s["calendar_url"])) for s in (waiting, seated)]
    # The same events; only the self link (SOURCE) differs.
    assert statuses(raws[0]) == statuses(raws[1]), "two calendar links of one attendee differ"
    raw = raws[0]
    check_wire(raw)
    assert name.encode() not in raw and email.encode() not in raw and email.upper().encode() not in raw
    found = statuses(raw)
    assert set(found) == {uid_of(one_seat["id"]), uid_of(roomy["id"])}, found
    assert found[uid_of(one_seat["id"])][0] == "TENTATIVE"
    assert found[uid_of(roomy["id"])][0] == "CONFIRMED"

    calendar = icalendar.Calendar.from_ical(raw)
    summaries = sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    assert summaries == sorted([one_seat["title"], roomy["title"]])
    assert {str(e["STATUS"]) for e in calendar.walk("VEVENT")} == {"TENTATIVE", "CONFIRMED"}
    components = list(vobject.readComponents(raw.decode("utf-8"), validate=True))
    assert len(components) == 1 and len(components[0].vevent_list) == 2
    assert len(ics.Calendar(raw.decode("utf-8")).events) == 2

    # The first one cancels: our attendee is promoted, and SEQUENCE rises with the status.
    before = found[uid_of(one_seat["id"])][1]
    public.ok("DELETE", secret_path(first["cancel_url"]))
    after = statuses(public.feed(calendar_path(waiting["calendar_url"])))
    assert after[uid_of(one_seat["id"])] == ("CONFIRMED", before + 1), after

    # The organiser cancels the roomy one: it stays in the calendar, marked so.
    service.admin.ok("POST", f"/api/v1/events/{roomy['id']}/cancel")
    raw = public.feed(calendar_path(seated["calendar_url"]))
    event = events_by_uid(raw)[uid_of(roomy["id"])]
    assert event.one("STATUS").value == "CANCELLED"
    assert event.text("SUMMARY").startswith("INSTÄLLT: ")

    # Revoking stops every link of this attendee; an unknown link is 404.
    assert public.request("DELETE", calendar_path(waiting["calendar_url"])).status == 204
    for s in (waiting, seated):
        assert public.get(calendar_path(s["calendar_url"])).status == 404
