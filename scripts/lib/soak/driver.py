#!/usr/bin/env python3
"""The soak's load driver, fault injector and (through audit.py) its audit.

Run by scripts/soak, which has built `almedalen`, started PostgreSQL, migrated, loaded
`seed generate --events 5000 --seed 42` and made an admin token. This program:

1. starts the SMTP sink (Tests/python/smtp_sink.py, aiosmtpd) on a free port and two
   `almedalen serve` (A and B) on free ports of 127.0.0.1, each sending its mail to the sink
   (ALMEDALEN_MAIL=smtp://127.0.0.1:PORT, short backoff, poll and coalescing window);
2. sets up, through the admin API: an edition 2027 and SOAK_OPEN_EVENTS published events
   open for registration with small capacities (so that waitlists form and cancellations
   promote), and picks SOAK_EDIT_EVENTS published events of the generated 2026 edition for
   admin edits;
3. for SECONDS drives SOAK_WORKERS threads of mixed load at A and B (feed polls with and
   without If-None-Match, programme and event pages, admin PATCHes with If-Match, sign-ups
   with unique emails through the double opt-in: the request (202, byte-identical for
   every address), the confirm mail read from the sink's folder (Mailbox: To and
   X-Almedalen-Kind: confirm, waited for SOAK_CONFIRM_WAIT s), the confirm by POST of its
   link (200; SOAK_ABANDON percent never confirmed, so their holds must expire), requests
   again for confirmed addresses (an "already" mail), sign-ups that must be refused (a
   closed event: 409; a name too long or an email SMTP cannot carry: 422), cancellations
   of confirmed sign-ups with the sign-up mail's link, or the confirm link before that
   mail has come), every
   request and answer in requests.jsonl, while a fault thread injects, on a schedule:
   stalled clients (half a head, a trickled head, half a body), PostgreSQL restarted
   (pg_ctl restart -m fast), the SMTP sink stopped (SIGKILL) for SOAK_SINK_DOWN seconds and
   started again on its port, server A or B killed with SIGKILL and started again on its
   port, PostgreSQL stopped for SOAK_PG_DOWN seconds; after each, it measures the time
   until GET /healthz on both servers and a sign-up request (202) on each succeed again; a
   confirm mail that a fault delayed past the wait is confirmed once the load has stopped;
4. runs the audit (audit.py, and mail_audit.py for the mail: it first waits for the outbox
   to drain) once both servers are up and the load has stopped, prints the figures, and
   exits 1 on any finding (0 when none, 2 when it could not run at all).

Settings (environment): SOAK_WORKERS (16), SOAK_THINK_MS (60, mean pause between one
worker's requests), SOAK_TIMEOUT (15, client timeout in seconds), SOAK_OPEN_EVENTS
(SECONDS/9, from 4 to 20), SOAK_EDIT_EVENTS (30), SOAK_PG_DOWN (4), SOAK_FAULT_INTERVAL
(seconds between faults; default from the duration), SOAK_STALLS (12 stalled sockets per
stall fault), SOAK_SEED, SOAK_SINK_DOWN (6, seconds the SMTP sink is down), SOAK_MAIL_BACKOFF
("2,5": ALMEDALEN_MAIL_BACKOFF of the servers), SOAK_MAIL_LEASE (15: ALMEDALEN_MAIL_LEASE_SECONDS,
how long a claim of a killed server keeps others off its messages), SOAK_MAIL_DRAIN (180, seconds the outbox may
take to drain after the load), SOAK_HOLD_SECONDS (60: ALMEDALEN_SIGNUP_HOLD_SECONDS), SOAK_ABANDON (10,
percent of the load's requests never confirmed), SOAK_CONFIRM_WAIT (10, seconds a worker waits for a confirm mail).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import select
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import audit  # noqa: E402
from soaklib import MAYBE, Client, Mailbox, RequestLog, Server, Sink, env_int, free_port, now_iso  # noqa: E402

GENERATED_YEAR = 2026
OPEN_YEAR = 2027
OPEN_FIRST_DAY, OPEN_LAST_DAY = "2027-06-27", "2027-07-04"
# The server's limits (HTTPServer Configuration defaults): a head must arrive within 10 s,
# a body within 30 s.
HEAD_TIMEOUT, BODY_TIMEOUT = 10.0, 30.0
STALL_SLACK = 5.0

# The load mix: weights of operations (about percent).
# "refused": sign-ups that must be refused (4xx), for which no mail may go out.
# "known": a request again for an address confirmed on that event (it must get an "already"
# mail and change nothing it sees).
MIX = [("feed", 40), ("page", 15), ("edit", 10), ("signup", 23), ("cancel", 10), ("refused", 3), ("known", 2)]


def log(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


class Driver:
    def __init__(self, args):
        self.args = args
        self.started = time.monotonic()
        self.logdir = Path(args.log_dir)
        self.reqlog = RequestLog(self.logdir / "requests.jsonl", self.started)
        self.client = Client(self.reqlog, float(env_int("SOAK_TIMEOUT", 15)))
        self.probe_client = Client(self.reqlog, 5.0)
        self.token = args.token
        self.seed = env_int("SOAK_SEED", int(time.time()) % 1_000_000)
        self.run_id = f"{self.seed:06d}"
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.findings: list[str] = []
        self.counter = 0
        # Confirmed sign-ups that may be cancelled or asked for again: email -> (event, the
        # confirm secret).
        self.cancellable: dict[str, tuple[str, str]] = {}
        # Acknowledged requests whose confirm mail did not come while a fault was in the way:
        # (email, event, t of the request), confirmed once the load has stopped.
        self.confirm_later: list[tuple[str, str, float]] = []
        # The 202 answer of each event: every request to it must get the same bytes.
        self.requested_body: dict[str, bytes] = {}
        # [injected, recovered or None] of each fault, for judging a mail that is late.
        self.fault_windows: list[list] = []
        self.cancelling: set[str] = set()
        self.etags: dict[str, str] = {}
        self.faults: list[dict] = []
        self.fault_now: dict | None = None
        self.stall_threads: list[threading.Thread] = []
        self.kills: dict[str, list[float]] = {"A": [], "B": []}
        env = dict(os.environ)
        env["DATABASE_URL"] = args.database_url
        env["ALMEDALEN_PUBLIC_URL"] = "https://almedalen.test"
        env["ALMEDALEN_SIGNUPS_PER_CLIENT"] = "1000000000"
        # How long a request holds its place unconfirmed (the server's minimum is 60 s): in a
        # long soak the abandoned ones expire under load and the waitlists move on.
        self.hold_seconds = env_int("SOAK_HOLD_SECONDS", 60)
        env["ALMEDALEN_SIGNUP_HOLD_SECONDS"] = str(self.hold_seconds)
        env.pop("ALMEDALEN_SIGNUPS_PER_EMAIL", None)
        # Percent of the load's requests never confirmed (their holds must expire), and how
        # long a worker waits for the confirm mail.
        self.abandon = env_int("SOAK_ABANDON", 10)
        self.confirm_wait = float(env_int("SOAK_CONFIRM_WAIT", 10))
        env.pop("ALMEDALEN_FEED_CACHE", None)
        pid_file = self.logdir / "pids"
        # The mail: every server sends to the sink, retries quickly, and coalesces briefly.
        self.sink = Sink(args.sink_python, args.sink_script, free_port(), self.logdir / "mail",
                         self.logdir / "sink.log", pid_file, args.root)
        self.sink_outages: list[dict] = []
        self.mailbox = Mailbox(self.sink)
        self.mailbox_stop = threading.Event()
        env["ALMEDALEN_MAIL"] = f"smtp://127.0.0.1:{self.sink.port}"
        env["ALMEDALEN_MAIL_BACKOFF"] = os.environ.get("SOAK_MAIL_BACKOFF", "").strip() or "2,5"
        env["ALMEDALEN_MAIL_POLL_MS"] = "200"
        env["ALMEDALEN_MAIL_COALESCE_SECONDS"] = "2"
        env["ALMEDALEN_MAILS_PER_ADDRESS"] = "1000000000"
        env["ALMEDALEN_MAILS_PER_ADDRESS_TOTAL"] = "1000000000"
        # A server SIGKILLed mid-batch leaves its claims leased: short, so the drain is too.
        env["ALMEDALEN_MAIL_LEASE_SECONDS"] = os.environ.get("SOAK_MAIL_LEASE", "").strip() or "15"
        env.pop("ALMEDALEN_MAIL_FROM", None)
        self.env = env
        self.servers = [
            Server(name, free_port(), args.binary, env, self.logdir / f"serve-{name}.log", pid_file, args.root)
            for name in ("A", "B")
        ]
        self.setup: dict = {}

    # ---------------------------------------------------------------------------------------
    # Helpers

    def t(self) -> float:
        return round(time.monotonic() - self.started, 3)

    def finding(self, text: str) -> None:
        with self.lock:
            self.findings.append(text)
        log(f"finding: {text}")

    def next_number(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}

    def admin(self, method: str, path: str, body=None, expect=(200,), headers=None):
        """An admin call of the setup: must succeed."""
        answer = self.client.send(
            self.servers[0], "setup", method, path, body, {**self.auth(), **(headers or {})}, worker="setup"
        )
        if answer.status not in expect:
            raise RuntimeError(f"setup: {method} {path} answered {answer.status}: {answer.body[:500]!r}")
        return answer

    # ---------------------------------------------------------------------------------------
    # Setup through the admin API

    def set_up(self) -> None:
        editions = {e["year"]: e for e in self.admin("GET", "/api/v1/editions").json()["items"]}
        if GENERATED_YEAR not in editions:
            raise RuntimeError(f"no edition {GENERATED_YEAR}: did seed generate run?")
        generated = editions[GENERATED_YEAR]
        if OPEN_YEAR not in editions:
            editions[OPEN_YEAR] = self.admin(
                "POST",
                "/api/v1/editions",
                {"year": OPEN_YEAR, "name": "Soak 2027", "first_day": OPEN_FIRST_DAY, "last_day": OPEN_LAST_DAY},
                expect=(201,),
            ).json()
        rng = random.Random(self.seed)
        organiser = self.admin("GET", "/api/v1/organisers?limit=1").json()["items"][0]
        venue = self.admin("GET", "/api/v1/venues?limit=1").json()["items"][0]

        open_events = []
        # Fewer events in a short soak, so that waitlists form there too.
        count = env_int("SOAK_OPEN_EVENTS", max(4, min(20, int(self.args.seconds) // 9)))
        for index in range(count):
            capacity = rng.randint(10, 30)
            day = 28 + index // 8
            hour = 9 + index % 8
            event = self.admin(
                "POST",
                "/api/v1/events",
                {
                    "title": f"Soak {self.run_id}: öppet seminarium {index + 1}",
                    "starts_at": f"2027-06-{day:02d}T{hour:02d}:00:00+02:00",
                    "ends_at": f"2027-06-{day:02d}T{hour:02d}:45:00+02:00",
                    "organiser_id": organiser["id"],
                    "venue_id": venue["id"],
                    "capacity": capacity,
                    "registration_open": True,
                },
                expect=(201,),
            ).json()
            event = self.admin("POST", f"/api/v1/events/{event['id']}/publish").json()
            if event["status"] != "published":
                raise RuntimeError(f"setup: event {event['id']} was not published: {event}")
            open_events.append({"id": event["id"], "capacity": capacity})

        # A published event closed for registration: sign-ups to it are refused (409), and
        # must send no mail.
        closed = self.admin(
            "POST",
            "/api/v1/events",
            {
                "title": f"Soak {self.run_id}: stängd anmälan",
                "starts_at": "2027-07-03T09:00:00+02:00",
                "ends_at": "2027-07-03T09:45:00+02:00",
                "organiser_id": organiser["id"],
                "venue_id": venue["id"],
                "capacity": 10,
                "registration_open": False,
            },
            expect=(201,),
        ).json()
        closed = self.admin("POST", f"/api/v1/events/{closed['id']}/publish").json()

        # Published events of the generated edition: some to edit, more to read.
        published = []
        cursor = None
        while len(published) < 1500:
            path = f"/api/v1/events?edition_id={generated['id']}&status=published&limit=500"
            if cursor:
                path += "&cursor=" + urllib.parse.quote(cursor)
            page = self.admin("GET", path).json()
            published += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                break
        if len(published) < 100:
            raise RuntimeError(f"only {len(published)} published events in edition {GENERATED_YEAR}")
        rng.shuffle(published)
        edit_events = [
            {"id": e["id"], "title": e["title"], "description": e["description"]}
            for e in published[: env_int("SOAK_EDIT_EVENTS", 30)]
        ]
        read_events = [e["id"] for e in published[:400]]
        organisers = sorted({e["organiser_id"] for e in published})
        venues = sorted({e["venue_id"] for e in published if e.get("venue_id")})
        topics = sorted({t for e in published for t in e.get("topics", [])})
        days = [f"2026-06-{d}" for d in range(21, 29)]

        # Feed selections, weighted: the whole edition (heavy: ~7 MB, seconds to render in a
        # debug build) seldom, small selections often.
        feeds: list[tuple[str, int]] = [(f"/feeds/program.ics?year={GENERATED_YEAR}", 3)]
        feeds += [(f"/feeds/program.ics?day={d}", 2) for d in days]
        feeds += [(f"/feeds/program.ics?organiser={o}", 1) for o in rng.sample(organisers, min(20, len(organisers)))]
        feeds += [(f"/feeds/program.ics?venue={v}", 1) for v in rng.sample(venues, min(15, len(venues)))]
        feeds += [(f"/feeds/program.ics?topic={urllib.parse.quote(t)}", 1) for t in topics[:10]]
        feeds += [(f"/feeds/program.ics?year={OPEN_YEAR}", 3)]
        feeds += [("/feeds/program.rss", 6), ("/feeds/program.rss?limit=500", 3)]
        feeds += [(f"/feeds/program.rss?year={GENERATED_YEAR}&language=sv", 3)]
        feeds += [(f"/feeds/events/{e['id']}.ics", 1) for e in edit_events]
        feeds += [(f"/feeds/events/{e}.ics", 1) for e in read_events[:20]]
        pages: list[tuple[str, int]] = [("/", 3)]
        pages += [(f"/?day={d}", 1) for d in days]
        pages += [(f"/events/{e}", 1) for e in read_events[:60]]
        pages += [(f"/events/{e['id']}", 2) for e in open_events]
        pages += [(f"/events/{e['id']}", 1) for e in edit_events]

        self.setup = {
            "run_id": self.run_id,
            "seed": self.seed,
            "generated_edition": generated,
            "open_edition": editions[OPEN_YEAR],
            "open_events": open_events,
            "closed_event": closed["id"],
            "edit_events": edit_events,
            "read_events": read_events,
            "organisers": organisers[:50],
            "venues": venues[:50],
            "feeds": feeds,
            "pages": pages,
            "servers": {s.name: s.port for s in self.servers},
            "sink_port": self.sink.port,
        }
        (self.logdir / "setup.json").write_text(json.dumps(self.setup, ensure_ascii=False, indent=1))
        log(
            f"setup: edition {OPEN_YEAR} with {len(open_events)} events open for registration "
            f"(capacities {sorted(e['capacity'] for e in open_events)}); {len(edit_events)} events "
            f"of {GENERATED_YEAR} to edit; {len(feeds)} feed selections, {len(pages)} pages"
        )

    # ---------------------------------------------------------------------------------------
    # The load

    def worker(self, number: int) -> None:
        rng = random.Random(self.seed * 1000 + number)
        name = f"w{number}"
        kinds = [k for k, _ in MIX]
        weights = [w for _, w in MIX]
        think = env_int("SOAK_THINK_MS", 60) / 1000
        while not self.stop.is_set():
            kind = rng.choices(kinds, weights)[0]
            server = rng.choice(self.servers)
            try:
                answer = getattr(self, f"op_{kind}")(rng, server, name)
            except Exception:  # a bug in the driver: say so, keep going
                self.finding(f"driver error in {kind}: {traceback.format_exc(limit=3)}")
                answer = None
            pause = rng.uniform(0, 2 * think)
            if answer is not None and answer.status == 503:
                # As a client should: wait as Retry-After says (here at most a second).
                try:
                    pause = max(pause, min(1.0, float(answer.headers.get("retry-after", "1"))))
                except ValueError:
                    pause = max(pause, 1.0)
            if pause:
                time.sleep(pause)

    def op_feed(self, rng: random.Random, server: Server, worker: str) -> None:
        paths, weights = zip(*self.setup["feeds"])
        path = rng.choices(paths, weights)[0]
        headers = {}
        with self.lock:
            etag = self.etags.get(path)
        conditional = etag is not None and rng.random() < 0.5
        if conditional:
            headers["If-None-Match"] = etag
        answer = self.client.send(server, "feed", "GET", path, headers=headers, worker=worker)
        if answer.status == 200:
            tag = answer.headers.get("etag")
            body = answer.body
            if not tag:
                self.finding(f"request {answer.record['id']}: GET {path} answered 200 without ETag")
            elif ".rss" in path:
                if not body.rstrip().endswith(b"</rss>"):
                    self.finding(f"request {answer.record['id']}: GET {path}: the RSS does not end with </rss>")
            elif not (body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")):
                self.finding(f"request {answer.record['id']}: GET {path}: not a whole iCalendar object")
            if tag:
                with self.lock:
                    self.etags[path] = tag
        elif answer.status == 304:
            if not conditional:
                self.finding(f"request {answer.record['id']}: GET {path} without If-None-Match answered 304")
            elif answer.headers.get("etag") != etag:
                self.finding(
                    f"request {answer.record['id']}: GET {path} answered 304 with ETag "
                    f"{answer.headers.get('etag')} to If-None-Match {etag}"
                )
        return answer

    def op_page(self, rng: random.Random, server: Server, worker: str) -> None:
        paths, weights = zip(*self.setup["pages"])
        path = rng.choices(paths, weights)[0]
        answer = self.client.send(server, "page", "GET", path, headers={"Accept": "text/html"}, worker=worker)
        if answer.status == 200 and b"</html>" not in answer.body[-200:]:
            self.finding(f"request {answer.record['id']}: GET {path}: the page does not end with </html>")
        return answer

    def op_edit(self, rng: random.Random, server: Server, worker: str) -> None:
        event = rng.choice(self.setup["edit_events"])
        path = f"/api/v1/events/{event['id']}"
        roll = rng.random()
        for attempt in range(4):
            read = self.client.send(server, "edit-read", "GET", path, headers=self.auth(), worker=worker)
            if read.status != 200:
                return read
            etag = read.headers.get("etag", "")
            number = self.next_number()
            tag = f"{self.run_id}-{number}"
            if rng.random() < 0.7:
                field, value = "title", f"Soak-ändring {tag}: {event['title']}"[:300]
            else:
                field, value = "description", f"Soak-beskrivning {tag}. {event['description']}"[:20000]
            headers = dict(self.auth())
            kind = "edit-patch"
            if attempt == 0 and roll < 0.03:
                kind = "edit-no-if-match"  # must be 428, and change nothing
            elif attempt == 0 and roll < 0.06:
                kind = "edit-stale"  # a version long gone: must be 412, and change nothing
                headers["If-Match"] = '"v1"'
            else:
                headers["If-Match"] = etag
            note = {"edit": {"event": event["id"], "field": field, "value": value, "attempt": attempt}}
            patch = self.client.send(server, kind, "PATCH", path, {field: value}, headers, note=note, worker=worker)
            if kind == "edit-no-if-match" and patch.status not in (428,) and patch.outcome not in MAYBE | {"not_sent"}:
                self.finding(f"request {patch.record['id']}: PATCH {path} without If-Match answered {patch.status}, not 428")
            if kind == "edit-stale" and patch.status not in (412,) and patch.outcome not in MAYBE | {"not_sent"}:
                self.finding(f"request {patch.record['id']}: PATCH {path} with If-Match \"v1\" answered {patch.status}, not 412")
            if patch.status == 412:
                continue  # someone else was first: read again and retry
            return patch
        return None

    def op_signup(self, rng: random.Random, server: Server, worker: str):
        return self.sign_up(rng, server, worker)[1]

    def op_refused(self, rng: random.Random, server: Server, worker: str):
        """A sign-up with a new email that must be refused: to the closed event (409), with a
        name over 200 characters (422 name), or with an email SMTP cannot carry (422 email:
        a domain without a dot). The audit checks that it left no registration and no mail."""
        number = self.next_number()
        email = f"soak-{self.run_id}-{number}@example.org"
        name = f"Soak Nekad {number}"
        event = rng.choice(self.setup["open_events"])["id"]
        how = rng.choice(["closed", "name", "email"])
        if how == "closed":
            event = self.setup["closed_event"]
        elif how == "name":
            name = "Å" * 201
        else:
            email = f"soak-{self.run_id}-{number}@example"
        note = {"signup": {"event": event, "email": email, "refused": how}}
        return self.client.send(
            server, "signup-refused", "POST", f"/api/v1/events/{event}/registrations",
            {"name": name, "email": email}, {"Accept": "application/json"}, note=note, worker=worker,
        )

    def request(self, server: Server, worker: str, kind: str, event: str, email: str, name: str):
        """POST /api/v1/events/{event}/registrations; a 202 must carry the same bytes for every
        address (new or known): the first one of each event is the reference."""
        note = {"signup": {"event": event, "email": email}}
        if kind == "signup-known":
            note["signup"]["known"] = True
        answer = self.client.send(
            server, kind, "POST", f"/api/v1/events/{event}/registrations", {"name": name, "email": email},
            {"Accept": "application/json"}, note=note, worker=worker,
        )
        if answer.status == 202:
            with self.lock:
                reference = self.requested_body.setdefault(event, answer.body)
            data = answer.json() or {}
            if answer.body != reference or data.get("event_id") != event or set(data) != {"event_id", "detail"}:
                self.finding(f"request {answer.record['id']}: the 202 of a request differs from the first one of "
                             f"its event: {answer.body[:200]!r} vs {reference[:200]!r}")
        return answer

    def fault_near(self, start: float, end: float) -> bool:
        """Whether a fault was in progress, or recovered within 10 s (a backoff of the mail),
        between `start` and `end`."""
        with self.lock:
            windows = [list(w) for w in self.fault_windows]
        return any(w[0] <= end and (w[1] is None or w[1] + 10 >= start) for w in windows)

    def sign_up(self, rng: random.Random, server: Server, worker: str, kind: str = "signup",
                confirm: bool = True):
        """One request with a new email, then, as its address would: the confirm mail from the
        sink, and the confirm (POST) of its link. (acknowledged with 202, the answer)."""
        event = rng.choice(self.setup["open_events"])
        number = self.next_number()
        email = f"soak-{self.run_id}-{number}@example.org"
        answer = self.request(server, worker, kind, event["id"], email, f"Soak Deltagare {number}")
        if answer.status != 202:
            return False, answer
        if not confirm or rng.randrange(100) < self.abandon:
            return True, answer  # never confirmed: the hold must expire
        asked = self.t()
        mail = self.mailbox.wait(email, "confirm", event["id"], self.confirm_wait)
        if mail is None:
            if self.fault_near(asked, self.t()) or self.stop.is_set():
                with self.lock:
                    self.confirm_later.append((email, event["id"], asked))
            else:
                self.finding(f"request {answer.record['id']}: no confirm mail to {email} at the sink within "
                             f"{self.confirm_wait:.0f} s, with no fault in the way")
            return True, answer
        self.confirm(rng, email, event["id"], mail, asked, worker, "confirm")
        return True, answer

    def confirm(self, rng: random.Random, email: str, event: str, mail: dict, asked: float, worker: str,
                kind: str):
        """POST /api/v1/registrations/{secret}/confirm with the confirm mail's link, retried
        as a client would while the answer is 503 or lost (confirming again is harmless)."""
        if len(mail["secrets"]) != 1:
            self.finding(f"confirm mail {mail['file']} to {email}: {len(mail['secrets'])} registration links, not 1")
            if not mail["secrets"]:
                return None
        secret = mail["secrets"][0]
        note = {"confirm": {"event": event, "email": email, "asked": asked}}
        answer = None
        for attempt in range(6):
            server = rng.choice(self.servers)
            answer = self.client.send(server, kind, "POST", f"/api/v1/registrations/{secret}/confirm",
                                      headers={"Accept": "application/json"}, note=note, worker=worker)
            if answer.status is not None and answer.status != 503:
                break
            time.sleep(0.5 + attempt * 0.5)
        if answer.status == 200:
            said = (answer.json() or {}).get("status")
            if said not in ("confirmed", "waitlisted"):
                self.finding(f"request {answer.record['id']}: confirm answered 200 with status {said}")
            with self.lock:
                self.cancellable[email] = (event, secret)
        elif answer.status == 409 and answer.record["t"] - asked < self.hold_seconds - 1:
            self.finding(f"request {answer.record['id']}: confirm answered 409 {answer.record['t'] - asked:.1f} s "
                         f"after the request, before its hold of {self.hold_seconds} s ran out")
        return answer

    def confirm_deferred(self) -> None:
        """After the load: the requests whose confirm mail was late (a fault), confirmed now if
        the mail has come (waiting for it as long as the outbox may take to drain)."""
        with self.lock:
            pending = list(self.confirm_later)
            self.confirm_later.clear()
        if not pending:
            return
        limit = float(os.environ.get("SOAK_MAIL_DRAIN", "").strip() or 180)
        deadline = time.monotonic() + limit
        rng = random.Random(self.seed + 1)
        done = 0
        for email, event, asked in pending:
            mail = self.mailbox.wait(email, "confirm", event, max(0.0, deadline - time.monotonic()))
            if mail is not None:
                self.confirm(rng, email, event, mail, asked, "late", "late-confirm")
                done += 1
        log(f"confirmed {done} of {len(pending)} requests whose confirm mail came late (a fault in the way)")

    def op_known(self, rng: random.Random, server: Server, worker: str):
        """A request again for an address confirmed on that event: 202, the same bytes; the
        address gets an "already" mail and nothing else changes."""
        with self.lock:
            candidates = [e for e in self.cancellable if e not in self.cancelling]
            email = rng.choice(candidates) if candidates else None
            if email:
                self.cancelling.add(email)  # not cancelled meanwhile: it must stay "known"
                event, _ = self.cancellable[email]
        if not email:
            return self.op_signup(rng, server, worker)
        try:
            return self.request(server, worker, "signup-known", event, email, "Soak Deltagare igen")
        finally:
            with self.lock:
                self.cancelling.discard(email)

    def op_cancel(self, rng: random.Random, server: Server, worker: str) -> None:
        with self.lock:
            candidates = [e for e in self.cancellable if e not in self.cancelling]
            email = rng.choice(candidates) if candidates else None
            if email:
                self.cancelling.add(email)
                event, secret = self.cancellable[email]
        if not email:
            return self.op_signup(rng, server, worker)
        # The cancel link of the sign-up mail when it has come; else the confirm link, which
        # opens the same registration.
        mail = self.mailbox.find(email, "signup", event)
        via = "confirm-link"
        if mail is not None and mail["secrets"]:
            secret, via = mail["secrets"][0], "signup-mail"
        note = {"cancel": {"event": event, "email": email, "via": via}}
        answer = self.client.send(
            server, "cancel", "DELETE", f"/api/v1/registrations/{secret}", headers={"Accept": "application/json"},
            note=note, worker=worker,
        )
        with self.lock:
            self.cancelling.discard(email)
            if answer.outcome in ("ok", "refused"):
                # Done with it (a refusal is for the audit to judge); anything else: try again
                # later, as a client would.
                self.cancellable.pop(email, None)
        return answer

    # ---------------------------------------------------------------------------------------
    # Faults

    def schedule(self) -> list[tuple[float, str]]:
        duration = self.args.seconds
        kinds = ["stall", "pg_restart", "sink_down", "kill_A", "pg_stop", "kill_B"]
        interval = os.environ.get("SOAK_FAULT_INTERVAL", "").strip()
        gap = float(interval) if interval else min(20.0, max(4.0, duration * 0.8 / len(kinds)))
        first = min(10.0, duration * 0.1)
        plan, at, index = [], first, 0
        while at < duration - min(10.0, duration * 0.15):
            plan.append((at, kinds[index % len(kinds)]))
            at += gap
            index += 1
        return plan

    def fault_thread(self) -> None:
        for at, kind in self.schedule():
            while self.t() < at and not self.stop.is_set():
                time.sleep(0.05)
            if self.stop.is_set():
                return
            try:
                self.inject(kind)
            except Exception:
                self.finding(f"fault {kind} failed: {traceback.format_exc(limit=4)}")

    def pg(self, action: str) -> float:
        started = time.monotonic()
        with open(self.logdir / "pg-faults.log", "ab") as out:
            out.write(f"\n### {now_iso()} pg {action}\n".encode())
            out.flush()
            result = subprocess.run([self.args.pg_helper, action], stdout=out, stderr=out, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{self.args.pg_helper} {action} exited {result.returncode} (see pg-faults.log)")
        return time.monotonic() - started

    def inject(self, kind: str) -> None:
        fault = {"kind": kind, "injected": self.t(), "at": now_iso()}
        window = [fault["injected"], None]
        with self.lock:
            self.fault_now = fault
            self.fault_windows.append(window)
        log(f"fault at {fault['injected']:.1f} s: {kind}")
        if kind == "pg_restart":
            fault["pg_ctl_s"] = round(self.pg("restart"), 2)
        elif kind == "pg_stop":
            self.pg("stop")
            fault["stopped"] = self.t()
            down = env_int("SOAK_PG_DOWN", 4)
            fault["outage"] = self.watch_outage(down)
            self.pg("start")
        elif kind.startswith("kill_"):
            server = next(s for s in self.servers if s.name == kind[-1])
            with self.lock:
                self.kills[server.name].append(self.t())
            server.kill()
            time.sleep(1.0)
            fault["restart_s"] = round(server.start(), 2)
        elif kind == "stall":
            fault["stall"] = self.start_stalls()
        elif kind == "sink_down":
            fault["sink"] = self.sink_outage(env_int("SOAK_SINK_DOWN", 6))
        fault["lifted"] = self.t()
        recovered = self.probe_recovery()
        fault["recovered"] = recovered
        if recovered is None:
            self.finding(f"fault {kind} at {fault['injected']} s: no recovery within 60 s")
        else:
            fault["recovery_s"] = round(recovered - fault["injected"], 2)
            fault["after_lift_s"] = round(recovered - fault["lifted"], 2)
        with self.lock:
            self.fault_now = None
            self.faults.append(fault)
            window[1] = self.t()
        log(
            f"fault {kind}: lifted at {fault['lifted']:.1f} s, recovered "
            + (f"{fault['recovery_s']} s after injection" if recovered is not None else "never")
        )

    def watch_outage(self, seconds: float) -> dict:
        """While PostgreSQL is down: GET /healthz on both servers every 0.25 s; each must
        answer 503 with Retry-After, quickly."""
        statuses: dict[str, int] = {}
        slowest = 0.0
        without_retry_after = 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for server in self.servers:
                answer = self.probe_client.send(server, "outage-health", "GET", "/healthz", worker="faults")
                key = str(answer.status if answer.status is not None else answer.outcome)
                statuses[key] = statuses.get(key, 0) + 1
                slowest = max(slowest, answer.record["ms"])
                if answer.status == 503 and "retry-after" not in answer.headers:
                    without_retry_after += 1
            time.sleep(0.25)
        return {"healthz": statuses, "slowest_ms": slowest, "503_without_retry_after": without_retry_after}

    def sink_outage(self, seconds: float) -> dict:
        """The SMTP sink SIGKILLed (sessions cut mid-message), down for `seconds`, started
        again on its port. Mail is no part of a sign-up's answer nor of /healthz: meanwhile
        both must succeed on both servers."""
        outage = {"down_epoch": time.time()}
        self.sink.stop(kill=True)
        rng = random.Random()
        healthz: dict[str, int] = {}
        signups: dict[str, int] = {}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for server in self.servers:
                answer = self.probe_client.send(server, "outage-health", "GET", "/healthz", worker="faults")
                key = str(answer.status if answer.status is not None else answer.outcome)
                healthz[key] = healthz.get(key, 0) + 1
                ok, answer = self.sign_up(rng, server, "faults", kind="probe-signup", confirm=False)
                key = str(answer.status if answer.status is not None else answer.outcome)
                signups[key] = signups.get(key, 0) + 1
            time.sleep(0.5)
        outage["up_epoch"] = time.time()
        outage["restart_s"] = round(self.sink.start(), 2)
        outage.update(healthz=healthz, signups=signups, seconds=seconds)
        if set(healthz) != {"200"} or set(signups) != {"202"}:
            self.finding(f"while the SMTP sink was down: GET /healthz answered {healthz}, sign-ups {signups} "
                         "(mail must not matter to either)")
        with self.lock:
            self.sink_outages.append(outage)
        return outage

    def probe_recovery(self, limit: float = 60.0):
        """Until GET /healthz is 200 on both servers and a sign-up succeeds on each: the
        time that happened (seconds since start), or None."""
        deadline = time.monotonic() + limit
        rng = random.Random()
        while time.monotonic() < deadline:
            healthy = all(
                self.probe_client.send(s, "probe-health", "GET", "/healthz", worker="probe").status == 200
                for s in self.servers
            )
            if healthy and all(self.sign_up(rng, s, "probe", kind="probe-signup", confirm=False)[0]
                               for s in self.servers):
                return self.t()
            time.sleep(0.1)
        return None

    # Stalled clients: sockets that send part of a request and then wait. The servers must
    # keep serving everyone else, and close each stalled socket once its head (10 s) or body
    # (30 s) is overdue.

    def start_stalls(self) -> dict:
        count = env_int("SOAK_STALLS", 12)
        modes = ["head", "trickle", "body"]
        results: list[dict] = []
        event = self.setup["open_events"][0]["id"]
        for index in range(count):
            server = self.servers[index % 2]
            mode = modes[index % 3]
            result = {"server": server.name, "mode": mode}
            results.append(result)
            thread = threading.Thread(
                target=self.stall_one, args=(server, mode, event, index, result), name=f"stall-{index}", daemon=True
            )
            thread.start()
            self.stall_threads.append(thread)
        time.sleep(0.3)  # let them all send their first bytes
        return {"sockets": count, "results": results}

    def stall_one(self, server: Server, mode: str, event: str, index: int, result: dict) -> None:
        email = f"stall-{self.run_id}-{index}-{self.next_number()}@example.org"
        body = json.dumps({"name": "Stalled Client", "email": email}).encode()
        head = (
            f"POST /api/v1/events/{event}/registrations HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Content-Type: application/json\r\nX-Soak: stalled client {index}, sending slowly\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        limit = (BODY_TIMEOUT if mode == "body" else HEAD_TIMEOUT) + STALL_SLACK
        record = {
            "id": self.reqlog.next_id(), "t": self.t(), "at": now_iso(), "worker": "stall",
            "server": server.name, "port": server.port, "kind": f"stall-{mode}", "method": "POST",
            "path": f"/api/v1/events/{event}/registrations", "signup": {"event": event, "email": email},
            "outcome": "stall",
        }
        started = time.monotonic()
        answer = b""
        try:
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        except OSError as error:
            record.update(error=f"connect: {error!r}", outcome="not_sent")
            result.update(closed_after=None, error=repr(error))
            self.reqlog.write(record)
            return
        try:
            if mode == "head":
                sock.sendall(head[: len(head) // 2])
            elif mode == "body":
                sock.sendall(head + body[: len(body) // 2])
            position = 1 if mode == "trickle" else None
            if mode == "trickle":
                sock.sendall(head[:1])
            deadline = started + limit + 30
            while time.monotonic() < deadline:
                readable, _, _ = select.select([sock], [], [], 0.5)
                if readable:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
                    continue
                if position is not None and position < len(head) - 4:
                    try:
                        sock.sendall(head[position : position + 1])  # one byte every 0.5 s
                        position += 1
                    except OSError:
                        break
        except OSError as error:
            record["error"] = repr(error)
        finally:
            closed_after = time.monotonic() - started
            sock.close()
        status_line = answer.split(b"\r\n", 1)[0].decode("latin-1") if answer else ""
        with self.lock:
            killed = any(record["t"] <= k <= self.t() for k in self.kills[server.name])
        if killed and not status_line:
            status_line = "cut by SIGKILL of its server"
        result.update(closed_after=round(closed_after, 2), answer=status_line)
        record.update(ms=round(closed_after * 1000, 1), stall_answer=status_line, closed_after=round(closed_after, 2))
        if status_line.startswith("HTTP/1.1 "):
            record["status"] = int(status_line.split()[1])
        self.reqlog.write(record)
        if closed_after > limit:
            self.finding(
                f"stalled client ({mode}) on {server.name}: the server kept the socket open "
                f"{closed_after:.1f} s (limit {limit - STALL_SLACK:.0f} s + {STALL_SLACK:.0f} s)"
            )

    # ---------------------------------------------------------------------------------------
    # Watching the servers

    def monitor(self) -> None:
        """A server that dies without being killed by a fault is a finding; start it again."""
        while not self.stop.is_set():
            for server in self.servers:
                with self.lock:
                    fault = self.fault_now
                killing = fault is not None and fault["kind"] == f"kill_{server.name}"
                if not killing and server.process is not None and server.process.poll() is not None:
                    if server.lock.acquire(blocking=False):
                        dead = server.process.poll() is not None
                        server.lock.release()
                        if dead:
                            self.finding(
                                f"server {server.name} exited by itself with {server.process.returncode} "
                                f"at {self.t()} s (see {server.log_path.name}); restarting it"
                            )
                            try:
                                server.start()
                            except Exception as error:
                                self.finding(f"server {server.name} cannot be restarted: {error}")
            time.sleep(0.5)

    # ---------------------------------------------------------------------------------------

    def run(self) -> int:
        self.sink.start()
        threading.Thread(target=self.mailbox.run, args=(self.mailbox_stop,), name="mailbox", daemon=True).start()
        for server in self.servers:
            server.start()
        log(
            f"servers: A on 127.0.0.1:{self.servers[0].port}, B on 127.0.0.1:{self.servers[1].port}; "
            f"SMTP sink on 127.0.0.1:{self.sink.port}; seed {self.seed}"
        )
        self.set_up()
        workers = env_int("SOAK_WORKERS", 16)
        plan = self.schedule()
        log(
            f"load: {workers} workers for {self.args.seconds} s; faults planned: "
            + ", ".join(f"{kind} at {at:.0f} s" for at, kind in plan)
        )
        load_started = self.t()
        threads = [threading.Thread(target=self.worker, args=(i,), name=f"w{i}", daemon=True) for i in range(workers)]
        threads.append(threading.Thread(target=self.fault_thread, name="faults", daemon=True))
        threads.append(threading.Thread(target=self.monitor, name="monitor", daemon=True))
        for thread in threads:
            thread.start()
        end = self.started + load_started + self.args.seconds
        while time.monotonic() < end:
            time.sleep(0.2)
        log("load: stopping (waiting for requests under way and the fault in progress)")
        # The fault thread finishes the fault it is in (a server must be up again).
        while True:
            with self.lock:
                busy = self.fault_now is not None
            if not busy:
                break
            time.sleep(0.1)
        self.stop.set()
        for thread in threads:
            thread.join(timeout=60)
            if thread.is_alive():
                self.finding(f"thread {thread.name} still busy 60 s after the load stopped")
        load_ended = self.t()
        for thread in self.stall_threads:
            thread.join(timeout=BODY_TIMEOUT + STALL_SLACK + 40)
        self.reqlog.flush()
        (self.logdir / "faults.json").write_text(json.dumps(self.faults, indent=1))
        for server in self.servers:
            if not server.alive():
                self.finding(f"server {server.name} was down at the end of the load; starting it for the audit")
                server.start()
        if not self.sink.alive():
            self.finding("the SMTP sink was down at the end of the load; starting it for the audit")
            self.sink.start()
        self.confirm_deferred()
        self.reqlog.flush()
        return audit.run(
            audit.Context(
                logdir=self.logdir,
                setup=self.setup,
                faults=self.faults,
                driver_findings=list(self.findings),
                servers=self.servers,
                env=self.env,
                binary=self.args.binary,
                root=self.args.root,
                psql=self.args.psql,
                database_url=self.args.database_url,
                token=self.token,
                reqlog=self.reqlog,
                load_seconds=round(load_ended - load_started, 1),
                load_ended_monotonic=self.started + load_ended,
                sink=self.sink,
                sink_outages=self.sink_outages,
                workers=workers,
                command=self.args.command,
                hold_seconds=self.hold_seconds,
                abandon=self.abandon,
            )
        )

    def shutdown(self) -> dict[str, int | None]:
        self.stop.set()
        self.mailbox_stop.set()
        codes = {}
        for server in self.servers:
            codes[server.name] = server.stop()
        self.sink.stop()
        self.reqlog.close()
        return codes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--log-dir", required=True)
    parser.add_argument("--psql", required=True)
    parser.add_argument("--pg-helper", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--command", default="scripts/soak")
    parser.add_argument("--sink-python", required=True, help="the python that has aiosmtpd")
    parser.add_argument("--sink-script", required=True, help="Tests/python/smtp_sink.py")
    args = parser.parse_args()
    driver = Driver(args)
    status = 2
    try:
        status = driver.run()
    except KeyboardInterrupt:
        log("interrupted")
        status = 130
    except Exception:
        traceback.print_exc()
        log("the soak could not run to its end (see above)")
        status = 2
    finally:
        codes = driver.shutdown()
        bad = {name: code for name, code in codes.items() if code not in (0, None)}
        if bad:
            print(f"warning: servers' exit codes on SIGTERM: {bad}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
