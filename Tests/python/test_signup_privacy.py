"""A sign-up proves its address before it is tied to anything (issue 19), tried as an outsider
would, on a service of its own: one `serve` with ALMEDALEN_SIGNUP_HOLD_SECONDS=60 (the
minimum), ALMEDALEN_TRUST_FORWARDED_FOR=1 (so that clients are told apart by
X-Forwarded-For), the default limits (30 requests per client and 10 minutes, 5 mails per
address and hour) and its mail delivered into a Maildir.

- Someone who signs up with another person's address learns nothing of that person's
  sign-ups: the 202 answers for a new, a known, an already signed-up and an erased address
  are byte-identical (headers too, but Date and X-Request-Id), the seats shown drop by one
  for each alike, the victim's calendar and attendee page stay as they were, and the victim
  gets exactly one mail per request.
- 100 requests with invented addresses from 20 clients hold 100 places (10 seats and 90 on
  the waitlist) only until they expire, unconfirmed; then the waitlist moves on to the one
  request behind them that was confirmed, with nobody else signing up for that seminar (the
  server's own round lets the holds go).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import Server, create, create_event, database_url, psql, run_tool, start_server, stop_server, with_database
from support import PUBLIC_URL, Maildir, confirm_link, events_by_uid, request_sign_up, sign_up

HOLD_SECONDS = 60
YEAR = 2030
VOLATILE = {"date", "x-request-id"}


@dataclass
class PrivacyService:
    server: Server
    token: str
    env: dict[str, str]
    logdir: Path
    mailbox: Maildir
    organiser: dict
    venue: dict

    def admin(self):
        return self.server.client(self.token)

    def public(self):
        return self.server.client()


@pytest.fixture(scope="module")
def privacy():
    admin_url = database_url()
    logdir = Path(tempfile.mkdtemp(prefix="almedalen-pyprivacy-"))
    name = "pyprivacy_" + secrets.token_hex(6)
    psql(admin_url, f'CREATE DATABASE "{name}"')
    server = None
    try:
        env = dict(os.environ)
        for key in ("ALMEDALEN_SIGNUPS_PER_CLIENT", "ALMEDALEN_MAILS_PER_ADDRESS",
                    "ALMEDALEN_MAILS_PER_ADDRESS_TOTAL", "ALMEDALEN_SIGNUPS_PER_EMAIL"):
            env.pop(key, None)
        env.update({
            "DATABASE_URL": with_database(admin_url, name),
            "ALMEDALEN_PUBLIC_URL": PUBLIC_URL,
            "ALMEDALEN_SIGNUP_HOLD_SECONDS": str(HOLD_SECONDS),
            "ALMEDALEN_TRUST_FORWARDED_FOR": "1",
            "ALMEDALEN_MAIL": f"maildir:{logdir / 'mail'}",
            "ALMEDALEN_MAIL_POLL_MS": "100",
        })
        log = logdir / "almedalen.log"
        run_tool(env, "migrate", log=log)
        output = run_tool(env, "token", "create", "--role", "admin", "--name", "pyprivacy", log=log)
        token = [line for line in output.splitlines() if line.strip()][-1].strip()
        server = start_server(env, "privacy", logdir)
        admin = server.client(token)
        create(admin, "/api/v1/editions",
               {"year": YEAR, "name": "Integritetstest 2030", "first_day": "2030-06-30", "last_day": "2030-07-07"})
        organiser = create(admin, "/api/v1/organisers", {"name": "Integritetsföreningen"})
        venue = create(admin, "/api/v1/venues", {"name": "Integritetsscenen", "address": "Strandgatan 2, Visby",
                                                 "latitude": 57.64, "longitude": 18.29, "capacity": 200})
        yield PrivacyService(server, token, env, logdir, Maildir.at(logdir / "mail"), organiser, venue)
    finally:
        if server is not None:
            stop_server(server)
        psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if server is not None and server.process.returncode == 0:
        shutil.rmtree(logdir, ignore_errors=True)
    else:
        print(f"\nprivacy service logs kept in {logdir}")


_hours = iter(range(9, 18))


def seminar(p: PrivacyService, title: str, capacity: int) -> dict:
    hour = next(_hours)
    return create_event(p.admin(), {
        "title": title, "starts_at": f"2030-07-01T{hour:02d}:00:00+02:00",
        "ends_at": f"2030-07-01T{hour:02d}:45:00+02:00", "organiser_id": p.organiser["id"],
        "venue_id": p.venue["id"], "language": "sv", "capacity": capacity, "registration_open": True,
    })


def client_from(p: PrivacyService, address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def seats_left(p: PrivacyService, event_id: str) -> tuple[int, ...]:
    """The figures the seminar's public page shows about its seats: (left, capacity), or
    (waitlisted,) when it is full ("Fullbokat – N på väntelistan")."""
    reply = p.public().get(f"/events/{event_id}")
    assert reply.status == 200, reply.describe()
    match = re.search(rb'<p class="seats">(.*?)</p>', reply.body, re.S)
    assert match, "no seats shown"
    return tuple(int(n) for n in re.findall(rb"\d+", match.group(1)))


def calendar_view(p: PrivacyService, calendar_secret: str) -> dict[str, tuple[str, str, str]]:
    raw = p.public().feed(f"/feeds/attendee/{calendar_secret}.ics")
    return {uid: (e.one("STATUS").value, e.one("SEQUENCE").value, e.one("DTSTART").value)
            for uid, e in events_by_uid(raw).items()}


def attendee_view(p: PrivacyService, attendee_secret: str) -> list[str]:
    reply = p.public().get(f"/attendees/{attendee_secret}")
    assert reply.status == 200, reply.describe()
    # Each visit without a cookie gets a form token of its own: not what is compared.
    body = re.sub(rb'(name="form_token" value=")[^"]*', rb"\1", reply.body)
    return re.findall(rb'<section class="own-registration">.*?</section>', body, re.S)


def stable(reply) -> tuple[int, list[tuple[str, str]], bytes]:
    return (reply.status, [(k.lower(), v) for k, v in reply.headers if k.lower() not in VOLATILE], reply.body)


def test_another_persons_address_reveals_nothing(privacy):
    p = privacy
    tag = secrets.token_hex(3)
    target = seminar(p, f"Seminariet som prövas {tag}", 20)
    elsewhere = seminar(p, f"Offrets andra seminarium {tag}", 20)
    victim = f"offer-{tag}@example.se"
    known = f"kand-{tag}@example.se"
    erased = f"raderad-{tag}@example.se"
    new = f"ny-{tag}@example.se"

    # The victim is signed up for the seminar and for another; `known` only for the other;
    # `erased` was, and is erased.
    mine = sign_up(p.public(), target["id"], "Offer Offersson", victim, mailbox=p.mailbox)
    other = sign_up(p.public(), elsewhere["id"], "Offer Offersson", victim, mailbox=p.mailbox)
    sign_up(p.public(), elsewhere["id"], "Känd Kändsson", known, mailbox=p.mailbox)
    sign_up(p.public(), elsewhere["id"], "Raderad Raderadsson", erased, mailbox=p.mailbox)
    run_tool(p.env, "privacy", "erase", "--email", erased, log=p.logdir / "privacy.log")
    assert mine.status == "confirmed" and other.status == "confirmed"
    calendar_before = calendar_view(p, other.calendar_secret)
    assert set(calendar_before) == {f"{target['id']}@almedalen", f"{elsewhere['id']}@almedalen"}
    page_before = attendee_view(p, other.attendee_secret)
    assert len(page_before) == 2
    status_before = p.public().ok("GET", mine.api_path).json()

    answers = {}
    seats = [seats_left(p, target["id"])]
    time.sleep(1.5)  # every mail of the sign-ups above is delivered
    for case, address in (("new", new), ("known", known), ("already", victim.upper()), ("erased", erased)):
        before = p.mailbox.names(to=address)
        reply = p.public().request("POST", f"/api/v1/events/{target['id']}/registrations",
                                   {"name": "Angripare", "email": address},
                                   headers=client_from(p, f"203.0.113.{len(answers) + 1}"))
        answers[case] = reply
        seats.append(seats_left(p, target["id"]))
        # Exactly one mail to that address: the link to confirm, or (signed up already) its
        # links again.
        time.sleep(1.5)
        mails = [m for m in p.mailbox.find(to=address) if m.name not in before]
        assert [m.kind for m in mails] == (["already"] if case == "already" else ["confirm"]), (
            case, [(m.kind, m.subject) for m in mails])

    first = stable(answers["new"])
    assert first[0] == 202, answers["new"].describe()
    for case, reply in answers.items():
        assert stable(reply) == first, f"the answer for a {case} address differs from a new one's:\n{reply.describe()}"
    assert not re.search(rb"/registrations/|/feeds/|/attendees/", first[2]), first[2]
    # Every request holds a seat alike: the page counts down by one each time.
    left = [s[0] for s in seats]
    assert left == [left[0] - i for i in range(5)], f"seats left after each request: {seats}"

    # What the victim sees is unchanged: the calendar, the page, the registration.
    assert calendar_view(p, other.calendar_secret) == calendar_before
    assert calendar_view(p, mine.calendar_secret) == calendar_before
    assert attendee_view(p, other.attendee_secret) == page_before
    assert p.public().ok("GET", mine.api_path).json() == status_before
    # The attacker holds no link: the old one-link takeover has nothing to start from, and
    # the victim's links all still work.
    assert p.public().get(f"/feeds/attendee/{mine.calendar_secret}.ics").status == 200


def test_invented_addresses_hold_seats_only_until_they_expire(privacy):
    p = privacy
    tag = secrets.token_hex(3)
    capacity, invented = 10, 100
    event = seminar(p, f"Fyllt med påhittade adresser {tag}", capacity)
    addresses = [f"pahittad-{tag}-{i:03d}@example.org" for i in range(invented)]
    started = time.monotonic()
    for i, address in enumerate(addresses):
        # 20 clients, 5 requests each: under the limit per client (30 per 10 minutes).
        request_sign_up(p.public(), event["id"], f"Påhittad {i}", address,
                        headers=client_from(p, f"198.51.100.{i % 20 + 1}"))
    admin = p.admin()
    listing = admin.ok("GET", f"/api/v1/events/{event['id']}/registrations").json()
    assert listing["counts"] == {"confirmed": 0, "waitlisted": 0, "cancelled": 0, "pending": invented}, listing["counts"]
    # The seminar's page says it is full, the 90 held waitlist places counted.
    assert seats_left(p, event["id"]) == (invented - capacity,), seats_left(p, event["id"])

    # One real attendee behind them confirms at once: waitlisted behind the 90 held places.
    real = f"verklig-{tag}@example.org"
    mine = sign_up(p.public(), event["id"], "Verklig Väntesson", real, mailbox=p.mailbox)
    assert (mine.status, mine.waitlist_position) == ("waitlisted", invented - capacity + 1), mine
    held_for = time.monotonic() - started

    # Nothing else happens to the seminar; the holds expire and the waitlist moves on.
    deadline = started + HOLD_SECONDS + 60
    while True:
        status = p.public().ok("GET", mine.api_path).json()
        if status["status"] == "confirmed" or time.monotonic() > deadline:
            break
        time.sleep(1)
    waited = time.monotonic() - started
    assert status["status"] == "confirmed", f"still {status} {waited:.0f} s after the requests"
    assert waited >= HOLD_SECONDS - 1, f"promoted after {waited:.0f} s: the holds went before they expired"
    listing = admin.ok("GET", f"/api/v1/events/{event['id']}/registrations").json()
    assert listing["counts"] == {"confirmed": 1, "waitlisted": 0, "cancelled": invented, "pending": 0}, listing["counts"]
    assert seats_left(p, event["id"])[:2] == (capacity - 1, capacity), seats_left(p, event["id"])
    [promotion] = p.mailbox.wait(1, 30, kinds=("promotion",), to=real, event_id=event["id"])
    assert promotion.links().page

    # An invented address's link, opened late, confirms nothing.
    confirms = p.mailbox.find(kind="confirm", event_id=event["id"])
    late = [m for m in confirms if m.to.startswith(f"pahittad-{tag}-")]
    assert len(late) == invented, f"{len(late)} confirm mails for {invented} requests"
    reply = p.public().request("POST", f"/api/v1/registrations/{late[0].links().page}/confirm")
    assert reply.status == 409, reply.describe()
    assert reply.header("Content-Type").startswith("application/problem+json"), reply.describe()
    listing = admin.ok("GET", f"/api/v1/events/{event['id']}/registrations").json()
    assert listing["counts"]["confirmed"] == 1 and listing["counts"]["pending"] == 0
    print(f"\n{invented} holds from 20 clients let go {waited:.0f} s after the first request "
          f"(hold {HOLD_SECONDS} s; the real attendee confirmed {held_for:.0f} s in)")


def test_nobody_can_keep_an_owners_own_request_from_being_mailed(privacy):
    """Finding 4 in its quieter form: requests in someone's name from one client use up only
    that client's share of mail to the address (5 an hour), so the owner's own request from
    elsewhere is still mailed and confirmed; many clients together stay under the address's
    cap (20 an hour), so the mailbox cannot be flooded either."""
    p = privacy
    tag = secrets.token_hex(3)
    event = seminar(p, f"Någon annans namn {tag}", 200)
    victim = f"lasning-{tag}@example.se"
    for _ in range(8):
        request_sign_up(p.public(), event["id"], "Angripare", victim,
                        headers=client_from(p, "192.0.2.66"))
    time.sleep(1.5)  # what was queued is delivered
    assert len(p.mailbox.find(kind="confirm", to=victim)) == 5
    logs = "\n".join(f.read_text(errors="replace") for f in sorted(p.logdir.glob("*.log")))
    assert victim not in logs.lower(), "the address is in a log"
    assert len(re.findall(r"event=mail_capped kind=signup", logs)) >= 3, logs[-2000:]

    seen = p.mailbox.names(to=victim)
    request_sign_up(p.public(), event["id"], "Offer Offersson", victim,
                    headers=client_from(p, "203.0.113.200"))
    secret, mail = confirm_link(p.mailbox, event["id"], victim, seen, timeout=30)
    assert mail.kind == "confirm"
    answer = p.public().ok("POST", f"/api/v1/registrations/{secret}/confirm", expect=(200,)).json()
    assert answer["status"] == "confirmed", answer

    # 30 more requests from 30 clients: the address gets 20 mails this hour in all.
    for i in range(30):
        request_sign_up(p.public(), event["id"], "Angripare", victim,
                        headers=client_from(p, f"192.0.2.{100 + i}"))
    time.sleep(2)
    mails = [m for m in p.mailbox.find(to=victim) if m.kind in ("confirm", "already")]
    assert len(mails) == 20, [(m.kind, m.subject) for m in mails]
