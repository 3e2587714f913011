"""Session fixtures: a database of its own on the server that `scripts/test` started (from
DATABASE_URL), migrated and seeded with the demo programme; an admin token; two
`almedalen serve` processes on free ports, both delivering their mail into one Maildir
(`service.mailbox`, where support.sign_up reads the confirm and sign-up links); and the test
data every module shares, created through the admin API before any feed is read.

Environment:
  DATABASE_URL   libpq URI (or key=value conninfo) of a superuser connection to `postgres`
  ALMEDALEN_BIN  the binary (default: .build/debug/almedalen in the checkout)
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support import PUBLIC_URL, Client, Maildir, query

ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------------------------
# Processes and the database


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        pytest.fail(
            "DATABASE_URL is not set: run these tests through scripts/test, or point it at a "
            "superuser connection to database postgres (libpq URI)",
            pytrace=False,
        )
    return url


def with_database(conninfo: str, name: str) -> str:
    """`conninfo` naming database `name` instead (a URI's path is replaced; a key=value
    conninfo gets `dbname=` appended, which libpq lets win)."""
    text = conninfo.strip()
    match = re.match(r"^(postgres(?:ql)?://[^/?#]*)(/[^?#]*)?(.*)$", text)
    if not match:
        return f"{text} dbname={name}"
    return match.group(1) + "/" + name + match.group(3)


def find_psql() -> str:
    found = shutil.which("psql")
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"), reverse=True):
        return str(candidate)
    pytest.fail("psql not found in PATH nor in /usr/lib/postgresql/*/bin", pytrace=False)


def psql(conninfo: str, sql: str) -> None:
    result = subprocess.run(
        [find_psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        pytest.fail(f"psql {sql!r} failed: {result.stderr}", pytrace=False)


def binary() -> Path:
    path = Path(os.environ.get("ALMEDALEN_BIN") or ROOT / ".build" / "debug" / "almedalen")
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"{path} is missing: build it first (swift build), as scripts/test does",
            pytrace=False,
        )
    return path


def run_tool(env: dict[str, str], *arguments: str, log: Path) -> str:
    """Runs `almedalen ARGUMENTS` from the checkout's root; returns stdout, fails on error."""
    with open(log, "ab") as err:
        err.write(f"\n$ almedalen {' '.join(arguments)}\n".encode())
        err.flush()
        result = subprocess.run(
            [str(binary()), *arguments],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            timeout=120,
        )
    if result.returncode != 0:
        pytest.fail(
            f"almedalen {' '.join(arguments)} exited {result.returncode}; see {log}:\n"
            + log.read_text(errors="replace")[-2000:],
            pytrace=False,
        )
    return result.stdout.decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log: Path
    mailbox: Maildir | None = None  # where it delivers mail (ALMEDALEN_MAIL=maildir:…)

    def client(self, token: str | None = None) -> Client:
        return Client("127.0.0.1", self.port, token, name=self.name, mailbox=self.mailbox)

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""


def start_server(env: dict[str, str], name: str, logdir: Path, port: int | None = None) -> Server:
    """`port`: a fixed port (for a server whose ALMEDALEN_PUBLIC_URL names it); else a free one."""
    fixed = port
    last_error = ""
    for _attempt in range(3):  # a port found free may be taken before the server binds it
        port = fixed or free_port()
        log = logdir / f"serve-{name}-{port}.log"
        with open(log, "wb") as err:
            process = subprocess.Popen(
                [str(binary()), "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
            )
        mail = env.get("ALMEDALEN_MAIL", "")
        server = Server(name, process, port, log, Maildir.at(mail[len("maildir:"):]) if mail.startswith("maildir:") else None)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if process.poll() is not None:
                last_error = f"exited {process.returncode}: {server.log_tail()}"
                break
            try:
                reply = server.client().get("/healthz")
                if reply.status == 200:
                    return server
                last_error = reply.describe()
            except OSError as error:
                last_error = str(error)
            time.sleep(0.05)
        else:
            stop_server(server)
            pytest.fail(f"server {name} did not become healthy in 20 s: {last_error}", pytrace=False)
    pytest.fail(f"server {name} did not start: {last_error}", pytrace=False)


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


@dataclass
class Service:
    a: Server
    b: Server
    token: str
    logdir: Path
    database: str
    env: dict[str, str]
    mailbox: Maildir | None = None  # both processes deliver here

    @property
    def admin(self) -> Client:
        """Admin API on process A."""
        return self.a.client(self.token)

    @property
    def admin_b(self) -> Client:
        return self.b.client(self.token)

    @property
    def public(self) -> Client:
        """Feeds on process A, no token."""
        return self.a.client()

    @property
    def public_b(self) -> Client:
        return self.b.client()


@pytest.fixture(scope="session")
def service():
    admin_url = database_url()
    logdir = Path(tempfile.mkdtemp(prefix="almedalen-pytest-"))
    name = "pyfeeds_" + secrets.token_hex(6)
    psql(admin_url, f'CREATE DATABASE "{name}"')
    servers: list[Server] = []
    try:
        env = dict(os.environ)
        env["DATABASE_URL"] = with_database(admin_url, name)
        env["ALMEDALEN_PUBLIC_URL"] = PUBLIC_URL
        # All test traffic comes from 127.0.0.1: the sign-up limit per client, and the cap on
        # mail per address, would stop the load tests (test_registration_load.py) long before
        # they finish.
        env["ALMEDALEN_SIGNUPS_PER_CLIENT"] = "1000000"
        env["ALMEDALEN_MAILS_PER_ADDRESS"] = "1000000"
        env["ALMEDALEN_MAILS_PER_ADDRESS_TOTAL"] = "1000000"
        # Both processes deliver into one Maildir (each sender claims with SKIP LOCKED), which
        # support.sign_up reads the confirm and sign-up links from.
        maildir = logdir / "mail"
        env["ALMEDALEN_MAIL"] = f"maildir:{maildir}"
        env["ALMEDALEN_MAIL_POLL_MS"] = "100"
        env.pop("ALMEDALEN_SIGNUPS_PER_EMAIL", None)
        tool_log = logdir / "almedalen.log"
        run_tool(env, "migrate", log=tool_log)
        run_tool(env, "seed", "demo", log=tool_log)
        output = run_tool(env, "token", "create", "--role", "admin", "--name", "pytest", log=tool_log)
        lines = [line for line in output.splitlines() if line.strip()]
        if not lines:
            pytest.fail("token create printed nothing on stdout", pytrace=False)
        token = lines[-1].strip()
        servers.append(start_server(env, "A", logdir))
        servers.append(start_server(env, "B", logdir))
        print(f"\nalmedalen: database {name}, A on :{servers[0].port}, B on :{servers[1].port}, logs in {logdir}")
        yield Service(servers[0], servers[1], token, logdir, name, env, Maildir.at(maildir))
    finally:
        for server in servers:
            stop_server(server)
        psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    # Logs are kept only when something needs looking at (test_two_processes.py checks the
    # shutdown itself).
    if all(server.process.returncode == 0 for server in servers):
        shutil.rmtree(logdir, ignore_errors=True)
    else:
        codes = {server.name: server.process.returncode for server in servers}
        print(f"\nservers' exit codes on SIGTERM: {codes}; logs kept in {logdir}")


# --------------------------------------------------------------------------------------------
# Test data, created through the admin API


@dataclass
class World:
    """Everything the tests created, by role. Ids are the API's."""

    edition_2012: dict
    organiser: dict  # `"` `:` `;` `,` `^` in the name (RFC 6868)
    venue: dict
    people: list[dict]
    rich_event: dict  # published, with panel, moderator, topics, accessibility, language en
    fold_events: list[dict]  # titles that put multi-byte characters on the fold
    dst_events: list[dict]  # on the daylight-saving change days of 2031 and 2032
    editions: dict[int, dict] = field(default_factory=dict)


def create(admin: Client, path: str, body: dict) -> dict:
    return admin.ok("POST", path, body, expect=(201,)).json()


def create_event(admin: Client, body: dict, publish: bool = True) -> dict:
    event = create(admin, "/api/v1/events", body)
    if publish:
        event = admin.ok("POST", f"/api/v1/events/{event['id']}/publish", expect=(200,)).json()
        assert event["status"] == "published", event
    return event


def get_event(admin: Client, event_id: str) -> tuple[dict, str]:
    reply = admin.ok("GET", f"/api/v1/events/{event_id}", expect=(200,))
    etag = reply.header("ETag")
    assert etag, f"GET /api/v1/events/{event_id} has no ETag"
    return reply.json(), etag


def patch_event(admin: Client, event_id: str, body: dict) -> dict:
    _event, etag = get_event(admin, event_id)
    return admin.ok(
        "PATCH", f"/api/v1/events/{event_id}", body, headers={"If-Match": etag}, expect=(200,)
    ).json()


@pytest.fixture(scope="session")
def world(service) -> World:
    admin = service.admin
    editions = {e["year"]: e for e in admin.ok("GET", "/api/v1/editions").json()["items"]}
    assert 2012 in editions, f"seed demo made no 2012 edition: {editions}"
    edition = editions[2012]
    assert (edition["first_day"], edition["last_day"]) == ("2012-07-01", "2012-07-08"), edition

    organiser = create(
        admin, "/api/v1/organisers", {"name": 'Föreningen "Klartext": Visby; Gotland, ^ och ^n'}
    )
    co_organiser = create(admin, "/api/v1/organisers", {"name": "Medarrangör, med komma"})
    venue = create(
        admin,
        "/api/v1/venues",
        {
            "name": "Pytest-scenen; Strandgatan",
            "address": "Strandgatan 1, Visby",
            "latitude": 57.6393,
            "longitude": 18.2887,
            "capacity": 120,
        },
    )
    people = [
        create(
            admin,
            "/api/v1/people",
            {"name": "Åsa Öberg-Ärlig", "title": "ordförande", "organisation": "Förbundet; A, B", "party": "S"},
        ),
        create(admin, "/api/v1/people", {"name": "Zlatan Ëmojisson 🎉", "title": "chef"}),
        create(admin, "/api/v1/people", {"name": "Backslash \\ Person"}),
    ]
    rich = create_event(
        admin,
        {
            "title": "Rik; test, med \\ backslash och kolon: här",
            "description": "Rad ett, med komma; och semikolon.\nRad två \\ med backslash.\n\nStycke tre: kolon.",
            "kind": "panel_debate",
            "starts_at": "2012-07-03T14:00:00+02:00",
            "ends_at": "2012-07-03T15:00:00+02:00",
            "venue_id": venue["id"],
            "organiser_id": organiser["id"],
            "co_organiser_ids": [co_organiser["id"]],
            "topics": ["Pytestämne", "Hälsa, och vård", "Semi;kolon"],
            "language": "en",
            "capacity": 80,
            "registration_open": True,
            "accessibility": ["wheelchair", "hearing_loop", "captions"],
            "panels": [
                {"title": "Panelen: fråga, svar", "moderator_ids": [people[0]["id"]], "panelist_ids": [people[1]["id"], people[2]["id"]]}
            ],
            "participants": [
                {"person_id": people[0]["id"], "role": "moderator", "title": "moderator idag", "organisation": "Visby, Gotland"},
            ],
        },
    )

    # Multi-byte characters where a 75-octet fold falls: `SUMMARY:` is 8 octets, so a title
    # of k ASCII letters puts the next character's first octet at octet 8 + k + 1.
    fold_titles = [
        "A" * 64 + "å" * 60,  # å on octets 73-74, then every pair again across the folds
        "A" * 65 + "å" * 60,  # å on octets 74-75
        "A" * 66 + "å" * 60,  # å on octets 75-76: across the limit
        "B" * 64 + "€" * 40,  # three octets
        "C" * 65 + "🎉" * 30,  # four octets
        "D" * 66 + "🎉" * 30,
    ]
    fold_events = []
    for index, title in enumerate(fold_titles):
        fold_events.append(
            create_event(
                admin,
                {
                    "title": title,
                    "description": "Å" * 200 + " " + "ä" * 151,
                    "starts_at": f"2012-07-02T{9 + index:02d}:00:00+02:00",
                    "ends_at": f"2012-07-02T{9 + index:02d}:30:00+02:00",
                    "organiser_id": organiser["id"],
                    "topics": ["Folding"],
                    "language": "sv",
                },
            )
        )

    # Daylight-saving change days: 2031-03-30 (02:00 CET -> 03:00 CEST) and 2032-10-31
    # (03:00 CEST -> 02:00 CET; 02:00-02:59 happens twice).
    editions[2031] = create(
        admin,
        "/api/v1/editions",
        {"year": 2031, "name": "Vårtest 2031", "first_day": "2031-03-29", "last_day": "2031-04-01"},
    )
    editions[2032] = create(
        admin,
        "/api/v1/editions",
        {"year": 2032, "name": "Hösttest 2032", "first_day": "2032-10-30", "last_day": "2032-11-02"},
    )
    dst_times = [
        ("2031-03-30T01:30:00+01:00", "2031-03-30T01:50:00+01:00"),  # before the change
        ("2031-03-30T01:55:00+01:00", "2031-03-30T03:20:00+02:00"),  # across it
        ("2031-03-30T03:30:00+02:00", "2031-03-30T03:50:00+02:00"),  # after
        ("2031-03-29T12:00:00+01:00", "2031-03-29T13:00:00+01:00"),  # the day before (winter)
        ("2031-03-31T12:00:00+02:00", "2031-03-31T13:00:00+02:00"),  # the day after (summer)
        ("2032-10-31T01:30:00+02:00", "2032-10-31T01:50:00+02:00"),  # before
        ("2032-10-31T02:30:00+02:00", "2032-10-31T02:50:00+02:00"),  # 02:30, first time
        ("2032-10-31T02:30:00+01:00", "2032-10-31T02:50:00+01:00"),  # 02:30, second time
        ("2032-10-31T03:30:00+01:00", "2032-10-31T03:50:00+01:00"),  # after
        ("2032-10-30T12:00:00+02:00", "2032-10-30T13:00:00+02:00"),  # the day before (summer)
        ("2032-11-01T12:00:00+01:00", "2032-11-01T13:00:00+01:00"),  # the day after (winter)
    ]
    dst_events = []
    for starts_at, ends_at in dst_times:
        dst_events.append(
            create_event(
                admin,
                {
                    "title": f"Sommartid {starts_at}",
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                    "venue_id": venue["id"],
                    "organiser_id": organiser["id"],
                    "language": "sv",
                },
            )
        )
    editions[2012] = edition
    return World(
        edition_2012=edition,
        organiser=organiser,
        venue=venue,
        people=people,
        rich_event=rich,
        fold_events=fold_events,
        dst_events=dst_events,
        editions=editions,
    )


def api_events(admin: Client, **params) -> list[dict]:
    """Every event the admin API lists for these parameters, all pages."""
    out: list[dict] = []
    cursor = None
    while True:
        reply = admin.ok("GET", query("/api/v1/events", limit=500, cursor=cursor, **params))
        page = reply.json()
        out += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return out


def public_events(admin: Client, **params) -> list[dict]:
    """What a feed should show for these parameters: published and cancelled events."""
    return api_events(admin, status="published", **params) + api_events(admin, status="cancelled", **params)


@dataclass
class MovedEvent:
    id: str
    uid: str
    title: str
    ics_before: bytes
    ics_after: bytes
    api_after: dict


@pytest.fixture(scope="session")
def moved_event(service, world) -> MovedEvent:
    """A published event moved from 10:00 to 14:30 on 4 July by PATCH of starts_at/ends_at,
    with its calendar before and after."""
    admin = service.admin
    title = "Flyttas under veckan"
    event = create_event(
        admin,
        {
            "title": title,
            "starts_at": "2012-07-04T10:00:00+02:00",
            "ends_at": "2012-07-04T11:00:00+02:00",
            "organiser_id": world.organiser["id"],
            "venue_id": world.venue["id"],
            "topics": ["Flytt"],
            "language": "sv",
        },
    )
    path = f"/feeds/events/{event['id']}.ics"
    before = service.public.feed(path)
    after_api = patch_event(
        admin,
        event["id"],
        {"starts_at": "2012-07-04T14:30:00+02:00", "ends_at": "2012-07-04T15:30:00+02:00"},
    )
    assert after_api["starts_at"] == "2012-07-04T14:30:00+02:00", after_api
    return MovedEvent(event["id"], event["id"] + "@almedalen", title, before, service.public.feed(path), after_api)


# --------------------------------------------------------------------------------------------
# Mail (test_mail.py): a database, an SMTP sink and `serve` processes of their own


@dataclass
class MailService:
    """A service whose mail goes to `sink` (aiosmtpd, smtp_sink.py). `web` answers HTTP and
    sends nothing (ALMEDALEN_MAIL unset: it only queues); senders are `serve` processes with
    ALMEDALEN_MAIL=smtp://127.0.0.1:SINK, started and stopped (or SIGKILLed) by the tests.
    `env` is the environment without ALMEDALEN_MAIL, `mail_env` with it."""

    web: Server
    sink: object  # smtp_sink.SMTPSink
    token: str
    logdir: Path
    database: str
    env: dict[str, str]
    mail_env: dict[str, str]
    senders: dict[str, Server] = field(default_factory=dict)
    extra: list[Server] = field(default_factory=list)

    @property
    def admin(self) -> Client:
        return self.web.client(self.token)

    @property
    def public(self) -> Client:
        return self.web.client()

    def start_sender(self, name: str = "A", **overrides: str) -> Server:
        """A `serve` process that sends mail (replacing a stopped one of that name)."""
        old = self.senders.get(name)
        if old is not None and old.process.poll() is None:
            return old
        env = {**self.mail_env, **overrides}
        server = start_server(env, f"sender{name}", self.logdir)
        self.senders[name] = server
        return server

    def stop_sender(self, name: str = "A") -> None:
        """SIGTERM, waiting for it to finish: it sends nothing more."""
        server = self.senders.get(name)
        if server is not None:
            stop_server(server)

    def kill_sender(self, name: str) -> None:
        server = self.senders[name]
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(timeout=10)

    def start_web(self, name: str, **overrides: str) -> Server:
        """Another process that sends nothing, with other settings (stopped at the end)."""
        server = start_server({**self.env, **overrides}, name, self.logdir)
        self.extra.append(server)
        return server

    def tool(self, *arguments: str, mail: bool = False, env: dict[str, str] | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess:
        """`almedalen ARGUMENTS` (with ALMEDALEN_MAIL when `mail`), whatever its exit status;
        stderr is appended to the tool log."""
        environment = env if env is not None else (self.mail_env if mail else self.env)
        result = subprocess.run(
            [str(binary()), *arguments], cwd=ROOT, env=environment, capture_output=True,
            text=True, timeout=timeout,
        )
        with open(self.logdir / "almedalen.log", "a") as log:
            log.write(f"\n$ almedalen {' '.join(arguments)} -> {result.returncode}\n{result.stderr}")
        return result

    def logs(self) -> str:
        """Every log of this service so far (servers and tools)."""
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logdir.glob("*.log")))


MAIL_SETTINGS = {
    "ALMEDALEN_MAIL_BACKOFF": "1",
    "ALMEDALEN_MAIL_POLL_MS": "100",
    "ALMEDALEN_MAIL_COALESCE_SECONDS": "3",
    "ALMEDALEN_MAIL_LEASE_SECONDS": "10",
    "ALMEDALEN_MAILS_PER_ADDRESS": "3",
    "ALMEDALEN_MAIL_FROM": "Almedalsveckan på Gotland <noreply@almedalen.test>",
}


@pytest.fixture(scope="module")
def mail_service():
    """A database of its own (migrated, no demo), an admin token, the SMTP sink, `web` and
    one sender `A` running. Settings: MAIL_SETTINGS (backoff 1 s, poll 100 ms, coalescing
    3 s, lease 10 s, 3 link messages per address and hour)."""
    from smtp_sink import SMTPSink  # aiosmtpd: only the mail tests need it

    admin_url = database_url()
    logdir = Path(tempfile.mkdtemp(prefix="almedalen-pymail-"))
    name = "pymail_" + secrets.token_hex(6)
    psql(admin_url, f'CREATE DATABASE "{name}"')
    sink = SMTPSink()
    port = sink.start()
    servers: list[Server] = []
    service = None
    try:
        env = dict(os.environ)
        env.pop("ALMEDALEN_MAIL", None)
        env["DATABASE_URL"] = with_database(admin_url, name)
        env["ALMEDALEN_PUBLIC_URL"] = PUBLIC_URL
        env["ALMEDALEN_SIGNUPS_PER_CLIENT"] = "1000000"
        env.pop("ALMEDALEN_SIGNUPS_PER_EMAIL", None)
        env.update(MAIL_SETTINGS)
        mail_env = {**env, "ALMEDALEN_MAIL": f"smtp://127.0.0.1:{port}"}
        tool_log = logdir / "almedalen.log"
        run_tool(env, "migrate", log=tool_log)
        output = run_tool(env, "token", "create", "--role", "admin", "--name", "pymail", log=tool_log)
        token = [line for line in output.splitlines() if line.strip()][-1].strip()
        web = start_server(env, "web", logdir)
        servers.append(web)
        service = MailService(web, sink, token, logdir, name, env, mail_env)
        service.start_sender("A")
        print(f"\nalmedalen mail: database {name}, web on :{web.port}, sink on :{port}, logs in {logdir}")
        yield service
    finally:
        if service is not None:
            servers += list(service.senders.values()) + service.extra
        for server in servers:
            stop_server(server)
        sink.stop()
        # What the sink received, for whoever reads a failure: LOGDIR/mail/NNNNNN.eml.
        (logdir / "mail").mkdir(exist_ok=True)
        for number, received in enumerate(sink.messages, 1):
            (logdir / "mail" / f"{number:06d}.eml").write_bytes(received.raw)
        psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"\nmail logs and the messages received kept in {logdir}")
