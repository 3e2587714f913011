"""Sign-ups under load, across the two `almedalen serve` processes on one database.

The issue's "done when": 500 concurrent sign-ups for 50 seats give exactly 50 confirmed and
450 waitlisted in arrival order; 100 concurrent cancellations promote exactly as many; no
duplicate and no lost registration. Every answer the clients got is compared with the
database (`registrations`, whose `arrival` identity is the arrival order) and with the
organiser's list.

A sign-up proves its address by mail (issue 19): the storm is 500 concurrent requests (each
202, holding a place in arrival order, `pending`), then 500 concurrent confirmations with the
links of the `confirm` messages the servers delivered into the session's Maildir, whose
answers say confirmed or waitlisted with the position; each `signup` message then brings the
attendee's own link, with which they cancel.

Each request is one attendee: a fresh `http.client` connection of its own, sent by one of
~100 worker threads released together by a barrier, to process A or B by the request's index
(even: A, odd: B). The figures (time, requests per second, latencies) are printed; nothing
here asserts on timing.

The servers run with ALMEDALEN_SIGNUPS_PER_CLIENT and ALMEDALEN_MAILS_PER_ADDRESS set high
(conftest.py): all of this traffic comes from 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import queue
import secrets
import statistics
import subprocess
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from conftest import Server, create, create_event, find_psql
from support import PUBLIC_URL, REQUESTED_DETAIL_START

WORKERS = 100
YEAR = 2027
FIRST_DAY, LAST_DAY = "2027-06-27", "2027-07-04"


# --------------------------------------------------------------------------------------------
# Firing many requests at once


@dataclass
class Call:
    index: int
    server: Server
    method: str
    path: str
    body: dict | None = None
    token: str | None = None


@dataclass
class Answer:
    call: Call
    status: int | None  # None: no HTTP answer at all (see `error`)
    body: bytes
    error: str | None
    elapsed: float

    def json(self):
        return json.loads(self.body)

    def describe(self) -> str:
        what = f"#{self.call.index} {self.call.method} {self.call.path} on {self.call.server.name}"
        if self.call.body is not None:
            what += f" {json.dumps(self.call.body, ensure_ascii=False)}"
        if self.status is None:
            return f"{what} -> no answer: {self.error} (after {self.elapsed:.2f} s)"
        return f"{what} -> HTTP {self.status} after {self.elapsed:.2f} s: {self.body[:400]!r}"


def send(call: Call) -> Answer:
    headers = {"Connection": "close", "Accept": "application/json"}
    data = None
    if call.body is not None:
        data = json.dumps(call.body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    if call.token:
        headers["Authorization"] = f"Bearer {call.token}"
    connection = http.client.HTTPConnection("127.0.0.1", call.server.port, timeout=120)
    started = time.monotonic()
    try:
        connection.request(call.method, call.path, body=data, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        return Answer(call, response.status, payload, None, time.monotonic() - started)
    except (OSError, http.client.HTTPException) as error:
        return Answer(call, None, b"", repr(error), time.monotonic() - started)
    finally:
        connection.close()


@dataclass
class Volley:
    name: str
    answers: list[Answer]
    elapsed: float

    def figures(self) -> str:
        times = sorted(a.elapsed for a in self.answers)
        per_server = {}
        for answer in self.answers:
            per_server[answer.call.server.name] = per_server.get(answer.call.server.name, 0) + 1
        statuses = {}
        for answer in self.answers:
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        return (
            f"{self.name}: {len(self.answers)} requests "
            f"({', '.join(f'{k} {v}' for k, v in sorted(per_server.items()))}) "
            f"in {self.elapsed:.2f} s = {len(self.answers) / self.elapsed:.0f} requests/s; "
            f"latency median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {times[-1] * 1000:.0f} ms; statuses {statuses}"
        )


def fire(name: str, calls: list[Call], workers: int = WORKERS) -> Volley:
    """Sends every call from `workers` threads that a barrier releases together; returns the
    answers in the calls' order."""
    workers = max(1, min(workers, len(calls)))
    pending: queue.SimpleQueue[Call] = queue.SimpleQueue()
    for call in calls:
        pending.put(call)
    answers: list[Answer | None] = [None] * len(calls)
    barrier = threading.Barrier(workers + 1)

    def worker() -> None:
        barrier.wait(timeout=60)
        while True:
            try:
                call = pending.get_nowait()
            except queue.Empty:
                return
            answers[call.index] = send(call)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="load") as pool:
        futures = [pool.submit(worker) for _ in range(workers)]
        barrier.wait(timeout=60)
        started = time.monotonic()
        for future in futures:
            future.result()
        elapsed = time.monotonic() - started
    assert all(answer is not None for answer in answers)
    return Volley(name, answers, elapsed)  # type: ignore[arg-type]


def show(config, line: str) -> None:
    """Writes a line where the reader of `pytest -q` sees it, captured or not."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    if capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        print(f"\n{line}", end="", flush=True)


def require_all(volley: Volley, expect: tuple[int, ...], service) -> None:
    """Every request acknowledged with one of `expect`; otherwise fails with every odd answer
    and the ends of both servers' logs."""
    odd = [a for a in volley.answers if a.status not in expect]
    if not odd:
        return
    by_status = {}
    for answer in odd:
        by_status[answer.status] = by_status.get(answer.status, 0) + 1
    details = "\n".join(a.describe() for a in odd[:15])
    pytest.fail(
        f"{volley.name}: {len(odd)} of {len(volley.answers)} requests were not answered "
        f"{expect} (by status: {by_status}):\n{details}\n\n"
        f"--- log of A ---\n{service.a.log_tail()}\n--- log of B ---\n{service.b.log_tail()}",
        pytrace=False,
    )


# --------------------------------------------------------------------------------------------
# The database, read directly


def rows(service, sql: str) -> list[list[str]]:
    result = subprocess.run(
        [find_psql(), "-X", "-q", "-At", "-F", "\x1f", "-v", "ON_ERROR_STOP=1",
         "-d", service.env["DATABASE_URL"], "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"psql {sql!r} failed: {result.stderr}"
    return [line.split("\x1f") for line in result.stdout.splitlines() if line]


@dataclass
class Row:
    email: str
    status: str  # as stored: a request holds `confirmed` (a seat) or `waitlisted` unverified
    arrival: int
    attendee_id: str
    created_at: float  # epoch seconds
    verified: bool  # the address confirmed it (false: a request, `pending` in every answer)

    @property
    def shown(self) -> str:
        """The status every answer and list gives."""
        return self.status if self.verified or self.status == "cancelled" else "pending"


def registrations(service, event_id: str) -> list[Row]:
    """The event's registrations in arrival order."""
    return [
        Row(email, status, int(arrival), attendee, float(created), verified == "t")
        for email, status, arrival, attendee, created, verified in rows(
            service,
            "SELECT email, status, arrival, coalesce(attendee_id::text, ''), "
            "extract(epoch FROM created_at), verified_at IS NOT NULL FROM registrations "
            f"WHERE event_id = '{event_id}' ORDER BY arrival",
        )
    ]


# --------------------------------------------------------------------------------------------
# Events that take sign-ups


_slots = iter(range(1000))
_setup_lock = threading.Lock()


def sign_up_event(service, capacity: int, title: str) -> dict:
    """A published event of the 2027 edition (in the future) with `capacity` seats and
    registration open, at a time of its own so that the venue is never double-booked."""
    admin = service.admin
    with _setup_lock:
        editions = {e["year"]: e for e in admin.ok("GET", "/api/v1/editions").json()["items"]}
        if YEAR not in editions:
            create(
                admin,
                "/api/v1/editions",
                {"year": YEAR, "name": "Lasttest 2027", "first_day": FIRST_DAY, "last_day": LAST_DAY},
            )
        slot = next(_slots)
    organisers = admin.ok("GET", "/api/v1/organisers").json()["items"]
    venues = admin.ok("GET", "/api/v1/venues").json()["items"]
    assert organisers and venues, "seed demo made no organisers or venues"
    day = 28 + slot // 8
    hour = 9 + slot % 8
    event = create_event(
        admin,
        {
            "title": title,
            "starts_at": f"2027-06-{day:02d}T{hour:02d}:00:00+02:00",
            "ends_at": f"2027-06-{day:02d}T{hour:02d}:45:00+02:00",
            "organiser_id": organisers[0]["id"],
            "venue_id": venues[0]["id"],
            "language": "sv",
            "capacity": capacity,
            "registration_open": True,
        },
    )
    assert event["capacity"] == capacity and event["registration_open"] is True, event
    return event


def sign_up_calls(service, event_id: str, emails: list[str]) -> list[Call]:
    path = f"/api/v1/events/{event_id}/registrations"
    return [
        Call(i, service.a if i % 2 == 0 else service.b, "POST", path,
             {"name": f"Lastdeltagare {i}", "email": email})
        for i, email in enumerate(emails)
    ]


def secret_path(url: str) -> str:
    assert url.startswith(PUBLIC_URL + "/api/v1/registrations/"), url
    return urllib.parse.urlsplit(url).path


def mailed_secrets(service, event_id: str, emails: list[str], kind: str, timeout: float = 120) -> dict[str, str]:
    """email -> the secret of the /registrations/ link of the one `kind` message to it about
    the event; waits until each of `emails` has one."""
    wanted = {e.lower(): e for e in emails}
    deadline = time.monotonic() + timeout
    while True:
        found: dict[str, list[str]] = {}
        for mail in service.mailbox.find(kind=kind, event_id=event_id):
            if mail.to in wanted:
                found.setdefault(mail.to, []).append(mail.links().page)
        if len(found) == len(wanted) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    missing = sorted(set(wanted) - set(found))
    assert not missing, f"{len(missing)} of {len(wanted)} addresses got no {kind} mail in {timeout} s: {missing[:10]}"
    twice = {e: s for e, s in found.items() if len(s) != 1}
    assert not twice, f"addresses with more than one {kind} mail: {list(twice.items())[:5]}"
    return {wanted[e]: s[0] for e, s in found.items()}


@dataclass
class Storm:
    """A sign-up storm on one event, and what it left behind just after."""

    event: dict
    capacity: int
    emails: list[str]
    volley: Volley  # the confirmations
    answers: dict[str, dict]  # email -> the JSON answer to the confirmation
    paths: dict[str, str]  # email -> path of the cancel link (from the signup mail)
    rows: list[Row]  # the database right after, in arrival order
    listing: dict  # the organiser's list right after
    requests: Volley  # the requests (202)
    held: list[Row]  # the database after the requests, before any confirmation
    held_listing: dict  # the organiser's list then


def storm(service, pytestconfig, capacity: int, count: int, title: str) -> Storm:
    event = sign_up_event(service, capacity, title)
    tag = secrets.token_hex(3)
    emails = [f"last-{tag}-{i:04d}@example.org" for i in range(count)]
    requests = fire(f"{count} sign-up requests for {capacity} seats", sign_up_calls(service, event["id"], emails))
    show(pytestconfig, requests.figures())
    require_all(requests, (202,), service)
    bodies = {a.body for a in requests.answers}
    assert len(bodies) == 1, f"the 202 answers differ: {sorted(bodies)[:3]}"
    answer = json.loads(bodies.pop())
    assert set(answer) == {"event_id", "detail"} and answer["event_id"] == event["id"], answer
    assert answer["detail"].startswith(REQUESTED_DETAIL_START), answer
    held = registrations(service, event["id"])
    held_listing = service.admin.ok("GET", f"/api/v1/events/{event['id']}/registrations").json()

    started = time.monotonic()
    confirm_secrets = mailed_secrets(service, event["id"], emails, "confirm")
    show(pytestconfig, f"  {count} confirm mails delivered within {time.monotonic() - started:.1f} s of the last request")
    calls = [
        Call(i, service.a if i % 2 == 0 else service.b, "POST", f"/api/v1/registrations/{confirm_secrets[e]}/confirm")
        for i, e in enumerate(emails)
    ]
    volley = fire(f"{count} confirmations", calls)
    show(pytestconfig, volley.figures())
    require_all(volley, (200,), service)
    answers = {emails[a.call.index]: a.json() for a in volley.answers}
    listing = service.admin.ok("GET", f"/api/v1/events/{event['id']}/registrations").json()
    db = registrations(service, event["id"])
    page_secrets = mailed_secrets(service, event["id"], emails, "signup")
    paths = {email: f"/api/v1/registrations/{secret}" for email, secret in page_secrets.items()}
    # Not asserted: created_at (the organiser's `registered_at`) is the transaction's start,
    # taken before the wait for the event's lock, so it need not follow the arrival order.
    latest, behind = float("-inf"), 0
    for row in db:
        behind += row.created_at < latest
        latest = max(latest, row.created_at)
    last_confirmed = max((r.created_at for r in db if r.status == "confirmed"), default=0.0)
    queued_earlier = sum(1 for r in db if r.status == "waitlisted" and r.created_at < last_confirmed)
    show(
        pytestconfig,
        f"  registered_at vs arrival: {behind} of {len(db)} rows have a registered_at earlier "
        f"than an earlier arrival's; {queued_earlier} waitlisted have one earlier than the "
        "latest confirmed's",
    )
    return Storm(event, capacity, emails, volley, answers, paths, db, listing, requests, held, held_listing)


def check_storm(s: Storm) -> None:
    """Everything the issue asks of a storm of distinct sign-ups."""
    count, capacity = len(s.emails), s.capacity
    waitlisted = count - capacity

    # The requests: each holds a place in arrival order, unverified, linked to nobody.
    held = s.held
    assert len(held) == count and {r.email for r in held} == set(s.emails), (
        f"{len(held)} rows after {count} acknowledged requests")
    assert [r.status for r in held] == ["confirmed"] * capacity + ["waitlisted"] * waitlisted, (
        "the held seats are not the earliest arrivals'")
    assert not [r for r in held if r.verified or r.attendee_id], "a request was verified or linked to an attendee"
    assert s.held_listing["counts"] == {"confirmed": 0, "waitlisted": 0, "cancelled": 0, "pending": count}, (
        s.held_listing["counts"])
    assert {i["status"] for i in s.held_listing["items"]} == {"pending"}

    answers = s.answers
    for email, answer in answers.items():
        assert answer["event_id"] == s.event["id"], answer
        assert not {"cancel_url", "calendar_url", "calendar_webcal_url"} & set(answer), f"{email}: links in {answer}"
    statuses = [a["status"] for a in answers.values()]
    assert statuses.count("confirmed") == capacity, f"confirmed answers: {statuses.count('confirmed')}"
    assert statuses.count("waitlisted") == waitlisted, f"waitlisted answers: {statuses.count('waitlisted')}"
    for answer in answers.values():
        if answer["status"] == "confirmed":
            assert answer.get("waitlist_position") is None, answer
    positions = sorted(a["waitlist_position"] for a in answers.values() if a["status"] == "waitlisted")
    assert positions == list(range(1, waitlisted + 1)), (
        f"waitlist positions answered are not 1..{waitlisted} once each: "
        f"duplicates {sorted({p for p in positions if positions.count(p) > 1})[:20]}, "
        f"missing {sorted(set(range(1, waitlisted + 1)) - set(positions))[:20]}"
    )
    assert len(set(s.paths.values())) == count, "two attendees got the same cancel link"

    # The database against every acknowledged answer: no lost, no duplicate, same status.
    db = s.rows
    db_emails = [row.email for row in db]
    assert len(db) == count, f"{len(db)} rows in the database for {count} acknowledged sign-ups"
    assert len(set(db_emails)) == count, (
        f"duplicate rows: {sorted({e for e in db_emails if db_emails.count(e) > 1})[:10]}"
    )
    assert set(db_emails) == set(s.emails), (
        f"lost: {sorted(set(s.emails) - set(db_emails))[:10]}, "
        f"unknown: {sorted(set(db_emails) - set(s.emails))[:10]}"
    )
    assert len({row.attendee_id for row in db}) == count and "" not in {row.attendee_id for row in db}
    assert all(row.verified for row in db), "a confirmed request is not verified"
    mismatched = [(r.email, r.status, answers[r.email]["status"]) for r in db if r.status != answers[r.email]["status"]]
    assert not mismatched, f"database status differs from the acknowledged one: {mismatched[:10]}"

    # Arrival order: the first `capacity` arrivals have the seats, the rest queue behind them.
    assert [r.status for r in db] == ["confirmed"] * capacity + ["waitlisted"] * waitlisted, (
        "the confirmed are not the earliest arrivals: arrivals of the confirmed "
        f"{[r.arrival for r in db if r.status == 'confirmed']}"
    )
    wrong = [
        (r.email, r.arrival, rank, answers[r.email]["waitlist_position"])
        for rank, r in enumerate((r for r in db if r.status == "waitlisted"), 1)
        if answers[r.email].get("waitlist_position") != rank
    ]
    assert not wrong, f"answered waitlist positions differ from arrival rank (email, arrival, rank, answered): {wrong[:10]}"

    # The organiser's list agrees.
    listing = s.listing
    assert listing["counts"] == {"confirmed": capacity, "waitlisted": waitlisted, "cancelled": 0, "pending": 0}, listing["counts"]
    assert listing["capacity"] == capacity
    listed = [(i["email"], i["status"], i.get("waitlist_position")) for i in listing["items"]]
    expected = [
        (r.email, r.status, answers[r.email].get("waitlist_position")) for r in db
    ]
    assert listed == expected, "the organiser's list differs from the database in arrival order"


# --------------------------------------------------------------------------------------------
# 500 sign-ups for 50 seats, then 100 cancellations


@pytest.fixture(scope="module")
def fifty_seats(service, pytestconfig) -> Storm:
    return storm(service, pytestconfig, capacity=50, count=500, title="Lasttest: 50 platser")


def test_500_sign_ups_for_50_seats(fifty_seats):
    check_storm(fifty_seats)


def cancel_and_check(service, pytestconfig, s: Storm, cancel: list[str], name: str) -> None:
    """Cancels the registrations of `cancel` (emails) all at once, then checks that exactly as
    many seats as were freed went to the earliest of those still waiting, and that every
    attendee's own link and the organiser's list say so."""
    event_id = s.event["id"]
    before = {r.email: r for r in registrations(service, event_id)}
    assert all(before[e].status != "cancelled" for e in cancel)
    calls = [
        Call(i, service.a if i % 2 == 0 else service.b, "DELETE", s.paths[email])
        for i, email in enumerate(cancel)
    ]
    volley = fire(name, calls)
    show(pytestconfig, volley.figures())
    require_all(volley, (200,), service)
    for answer in volley.answers:
        body = answer.json()
        assert body == {"event_id": event_id, "status": "cancelled"}, answer.describe()

    cancelled = set(cancel)
    db = registrations(service, event_id)
    assert len(db) == len(before) and {r.email for r in db} == set(before), (
        "registrations appeared or vanished while cancelling"
    )
    live = [r for r in db if r.email not in cancelled]  # arrival order
    expect_confirmed = {r.email for r in live[: s.capacity]}
    got = {r.email: r.status for r in db}
    wrong_cancel = sorted(e for e in cancelled if got[e] != "cancelled")
    assert not wrong_cancel, f"cancelled and acknowledged, but not cancelled in the database: {wrong_cancel[:10]}"
    confirmed = {e for e, status in got.items() if status == "confirmed"}
    freed = sum(1 for e in cancel if before[e].status == "confirmed")
    was_confirmed = {e for e, r in before.items() if r.status == "confirmed"}
    promoted = confirmed - was_confirmed
    show(
        pytestconfig,
        f"{name}: {freed} seats freed, {len(promoted)} promoted; now {len(confirmed)} confirmed",
    )
    assert confirmed == expect_confirmed, (
        f"{len(confirmed)} confirmed; not the {s.capacity} earliest live arrivals: "
        f"confirmed but should not be {sorted(confirmed - expect_confirmed)[:10]}, "
        f"should be but are not {sorted(expect_confirmed - confirmed)[:10]}"
    )
    assert len(promoted) == freed, f"{freed} seats were freed but {len(promoted)} promoted"
    still_waiting = [r for r in live if r.status == "waitlisted"]
    assert len(still_waiting) == len(live) - s.capacity
    counts = {
        "confirmed": s.capacity,
        "waitlisted": len(still_waiting),
        "cancelled": len(cancelled),
    }
    assert {status: list(got.values()).count(status) for status in counts} == counts
    counts["pending"] = 0

    # Every attendee's own link (GET of the cancel link) tells their status and position.
    emails = [r.email for r in db]  # arrival order
    rank = {r.email: i for i, r in enumerate(still_waiting, 1)}
    looks = fire(
        f"{name}: status of {len(emails)} attendees",
        [Call(i, service.a if i % 2 == 0 else service.b, "GET", s.paths[e]) for i, e in enumerate(emails)],
    )
    require_all(looks, (200,), service)
    wrong = []
    for answer, email in zip(looks.answers, emails):
        body = answer.json()
        expected = (got[email], rank.get(email))
        if (body["status"], body.get("waitlist_position")) != expected or body["event_id"] != event_id:
            wrong.append((email, expected, body))
    assert not wrong, f"GET of the cancel link disagrees (email, expected, got): {wrong[:10]}"

    listing = service.admin_b.ok("GET", f"/api/v1/events/{event_id}/registrations").json()
    assert listing["counts"] == counts, listing["counts"]
    listed = [(i["email"], i["status"], i.get("waitlist_position")) for i in listing["items"]]
    assert listed == [(r.email, r.status, rank.get(r.email)) for r in db], (
        "the organiser's list differs from the database after the cancellations"
    )


def test_100_cancellations_promote_as_many(service, pytestconfig, fifty_seats):
    """All 50 confirmed and the last 50 in the queue (positions 401-450) cancel at once: the
    50 freed seats go to positions 1-50, whoever cancelled first; 350 keep waiting."""
    s = fifty_seats
    by_arrival = [r.email for r in s.rows]
    confirmed = by_arrival[:50]
    back_of_queue = by_arrival[-50:]
    assert [s.answers[e]["waitlist_position"] for e in back_of_queue] == list(range(401, 451))
    cancel = [e for pair in zip(confirmed, back_of_queue) for e in pair]  # A and B get both kinds
    cancel_and_check(service, pytestconfig, s, cancel, "100 cancellations (50 confirmed, 50 waitlisted)")


def test_100_freed_seats_go_to_the_first_100_waiting(service, pytestconfig):
    """300 sign-ups for 100 seats; all 100 confirmed cancel at once: the earliest 100 of the
    waitlist take exactly those seats."""
    s = storm(service, pytestconfig, capacity=100, count=300, title="Lasttest: 100 platser")
    check_storm(s)
    confirmed = [r.email for r in s.rows[:100]]
    assert all(s.answers[e]["status"] == "confirmed" for e in confirmed)
    cancel_and_check(service, pytestconfig, s, confirmed, "100 cancellations of confirmed")


# --------------------------------------------------------------------------------------------
# The same person, many times at once


def case_variant(email: str, n: int) -> str:
    """The n-th upper/lower-case variant of `email`'s letters (bit i of n: letter i upper)."""
    out, bit = [], 0
    for char in email:
        if char.isalpha():
            out.append(char.upper() if (n >> bit) & 1 else char.lower())
            bit += 1
        else:
            out.append(char)
    return "".join(out)


def test_duplicate_storm_makes_one_registration(service, pytestconfig):
    """50 requests at once with case variants of one address hold 50 places and mail 50
    confirm links; all 50 confirmed at once make one registration: the first confirmation
    takes it, the others answer with it and let go of their places."""
    event = sign_up_event(service, 50, "Lasttest: samma person")
    email = f"dubbel.{secrets.token_hex(3)}@example.org"
    variants = [case_variant(email, n) for n in range(50)]
    assert len(set(variants)) == 50
    volley = fire("50 sign-up requests with one email", sign_up_calls(service, event["id"], variants))
    show(pytestconfig, volley.figures())
    require_all(volley, (202,), service)
    assert len({a.body for a in volley.answers}) == 1, "the 202 answers differ"
    held = registrations(service, event["id"])
    assert len(held) == 50 and not [r for r in held if r.verified], held[:3]

    deadline = time.monotonic() + 60
    while len(service.mailbox.find(kind="confirm", to=email, event_id=event["id"])) < 50:
        assert time.monotonic() < deadline, (
            f"{len(service.mailbox.find(kind='confirm', to=email, event_id=event['id']))} confirm mails of 50")
        time.sleep(0.2)
    confirms = service.mailbox.find(kind="confirm", to=email, event_id=event["id"])
    assert len(confirms) == 50, f"{len(confirms)} confirm mails for 50 requests"
    secrets_mailed = [m.links().page for m in confirms]
    assert len(set(secrets_mailed)) == 50, "two confirm mails share a link"
    calls = [
        Call(i, service.a if i % 2 == 0 else service.b, "POST", f"/api/v1/registrations/{secret}/confirm")
        for i, secret in enumerate(secrets_mailed)
    ]
    confirmed = fire("50 confirmations of one email", calls)
    show(pytestconfig, confirmed.figures())
    require_all(confirmed, (200,), service)
    for answer in confirmed.answers:
        body = answer.json()
        assert body["event_id"] == event["id"] and body["status"] == "confirmed", answer.describe()
        assert body.get("waitlist_position") is None, answer.describe()
        assert not {"cancel_url", "calendar_url"} & set(body), f"links in an answer: {answer.describe()}"

    db = registrations(service, event["id"])
    live = [r for r in db if r.status != "cancelled"]
    assert len(db) == 50 and len(live) == 1, f"{len(live)} live registrations for one email: {live}"
    assert live[0].email.lower() == email and live[0].status == "confirmed" and live[0].verified, live[0]
    assert {r.status for r in db if r is not live[0]} == {"cancelled"}
    attendees = rows(service, f"SELECT count(*) FROM attendees WHERE lower(email) = '{email}'")
    assert attendees == [["1"]], f"attendees for {email}: {attendees}"
    listing = service.admin.ok("GET", f"/api/v1/events/{event['id']}/registrations").json()
    assert listing["counts"] == {"confirmed": 1, "waitlisted": 0, "cancelled": 49, "pending": 0}, listing["counts"]
    # One sign-up message, with the links; none for the confirmations that found it made.
    time.sleep(1.5)
    signups = service.mailbox.find(kind="signup", to=email, event_id=event["id"])
    assert len(signups) == 1, f"{len(signups)} signup mails for one registration"
    links = signups[0].links()
    assert links.page and links.calendar and links.attendee, signups[0].text
    status = service.public.ok("GET", f"/api/v1/registrations/{links.page}").json()
    assert status["status"] == "confirmed", status
