"""The soak's audit: the database against every answer the driver logged, once the load has
stopped and both servers are up; then the figures and the verdict.

Checked (each failure is a finding; any finding fails the soak):

- Answers: no timeout (a request must never hang), no 5xx but 503, every 503 with
  Retry-After, and each kind of request answered only as it may be (a sign-up 201, a
  cancellation 200, a PATCH 200 or 412, a PATCH without If-Match 428, a stale one 412, ...;
  503 and broken connections allowed everywhere while faults are injected).
- Sign-ups (the open events): every acknowledged sign-up (201) is in `registrations`, once,
  on its event, with the answered status or a later consistent one (waitlisted may become
  confirmed; confirmed is never demoted; cancelled only after a cancellation that was
  acknowledged or whose outcome is unknown); no registration whose request was refused, not
  sent, or stalled; none that no request asked for.
- Cancellations: every acknowledged one is cancelled.
- Seats: no event has more confirmed than its capacity, and for each event the confirmed are
  exactly the earliest arrivals among the registrations not cancelled (the waitlist held its
  order through every promotion).
- Edits: every acknowledged PATCH's version is in the event's history (`event_changes`) with
  the value it wrote; no refused or unsent PATCH is there; every change there comes from a
  PATCH that was sent; each event row agrees with its history (version, title, description).
- The organiser's list of each open event and a sample of attendees' own links agree with
  the database.
- Feeds equal a fresh render of the database: the same selections from A and B (twice each:
  a cache miss and a hit) and from a third server started with ALMEDALEN_FEED_CACHE=off are
  byte-identical, with equal ETags; each edited event's feed shows its title in the database.
- Mail (mail_audit.py, whose header lists its checks): once the outbox has drained, every
  sign-up, promotion and cancellation got exactly one message of its kind at the SMTP sink,
  and nothing was sent for what was refused.
"""

from __future__ import annotations

import hashlib
import json
import random
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import mail_audit
from soaklib import MAYBE, Client, RequestLog, Server, Sink, free_port, psql_rows, uuid_array

# What each kind of request may be answered, besides 503 and broken connections.
EXPECTED = {
    "setup": {200, 201},
    "feed": {200, 304},
    "page": {200},
    "edit-read": {200},
    "edit-patch": {200, 412},
    "edit-no-if-match": {428},
    "edit-stale": {412},
    "signup": {201},
    "signup-refused": {409, 422},
    "probe-signup": {201},
    "cancel": {200},
    "probe-health": {200},
    "outage-health": {200},
    "audit": {200},
    "audit-feed": {200},
}


@dataclass
class Context:
    logdir: Path
    setup: dict
    faults: list[dict]
    driver_findings: list[str]
    servers: list[Server]
    env: dict[str, str]
    binary: str
    root: str
    psql: str
    database_url: str
    token: str
    reqlog: RequestLog
    load_seconds: float
    workers: int
    command: str
    load_ended_monotonic: float
    sink: Sink
    sink_outages: list[dict]
    findings: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def find(self, text: str) -> None:
        self.findings.append(text)

    def out(self, text: str = "") -> None:
        self.lines.append(text)


def load_records(path: Path) -> list[dict]:
    records = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                records.append(json.loads(line))
    return records


def describe(r: dict) -> str:
    what = f"#{r['id']} t={r['t']}s {r['server']} {r['method']} {r['path']}"
    if r.get("status") is not None:
        what += f" -> {r['status']}"
    else:
        what += f" -> {r['outcome']}: {r.get('error', '')}"
    if r.get("body"):
        what += f" {r['body'][:160]!r}"
    return what


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


# ------------------------------------------------------------------------------------------
# Answers


def check_answers(ctx: Context, records: list[dict]) -> None:
    timeouts = [r for r in records if r["outcome"] == "timeout"]
    if timeouts:
        ctx.find(f"{len(timeouts)} requests got no answer within the client's timeout (hangs): "
                 + "; ".join(describe(r) for r in timeouts[:5]))
    no_retry = [r for r in records if r.get("status") == 503 and "retry_after" not in r]
    if no_retry:
        ctx.find(f"{len(no_retry)} answers 503 without Retry-After: " + "; ".join(describe(r) for r in no_retry[:5]))
    errors = [r for r in records if r["outcome"] == "error"]
    if errors:
        ctx.find(f"{len(errors)} answers 5xx other than 503: " + "; ".join(describe(r) for r in errors[:5]))
    odd = []
    for r in records:
        kind = r["kind"]
        if kind.startswith("stall-"):
            if r.get("status") not in (None, 408):
                odd.append(r)
            continue
        status = r.get("status")
        if status is None or status == 503 or status >= 500:
            continue
        if status not in EXPECTED.get(kind, set()):
            odd.append(r)
    if odd:
        by = Counter(f"{r['kind']} {r.get('status')}" for r in odd)
        ctx.find(f"{len(odd)} unexpected answers ({dict(by)}): " + "; ".join(describe(r) for r in odd[:6]))
    ctx.checks.append(
        f"answers: {len(timeouts)} timeouts, {len(no_retry)} 503s without Retry-After, "
        f"{len(errors)} other 5xx, {len(odd)} unexpected statuses"
    )


def check_server_logs(ctx: Context) -> None:
    """What only the servers saw: answers the client had given up on, crashes, 500s."""
    counts: Counter = Counter()
    examples: dict[str, str] = {}
    for path in sorted(ctx.logdir.glob("serve-*.log")):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                for key, marker in (
                    ("handler timeouts (a handler ran past 30 s; HTTPServer answered 503 without Retry-After)",
                     "event=handler_timeout"),
                    ("503 'the server is busy' (no Retry-After)", 'reason="the server is busy"'),
                    ("503 'too many connections' (no Retry-After)", "too many connections"),
                    ("handler failures (500)", "event=handler_failed"),
                    ("crashes", "Fatal error"),
                ):
                    if marker in line:
                        counts[key] += 1
                        examples.setdefault(key, f"{path.name}: {line.strip()[:200]}")
    for key, n in counts.items():
        ctx.find(f"server logs: {n} {key}; e.g. {examples[key]}")
    ctx.checks.append("server logs: " + (", ".join(f"{n} {k.split(' (')[0]}" for k, n in counts.items())
                                         if counts else "no handler timeouts, 500s or crashes"))


# ------------------------------------------------------------------------------------------
# Sign-ups, cancellations, seats


def check_registrations(ctx: Context, records: list[dict]) -> dict:
    open_events = {e["id"]: e["capacity"] for e in ctx.setup["open_events"]}
    rows = psql_rows(
        ctx.psql,
        ctx.database_url,
        "SELECT event_id, coalesce(email, ''), status, arrival, id FROM registrations "
        f"WHERE event_id = ANY ({uuid_array(open_events)}) OR email LIKE 'soak-%' OR email LIKE 'stall-%' "
        "ORDER BY arrival",
    )
    capacities = {
        event: (int(capacity) if capacity else None)
        for event, capacity in psql_rows(
            ctx.psql, ctx.database_url,
            f"SELECT id, capacity FROM events WHERE id = ANY ({uuid_array(open_events)})",
        )
    }
    for event, capacity in open_events.items():
        if capacities.get(event) != capacity:
            ctx.find(f"event {event}: capacity {capacities.get(event)} in the database, {capacity} when created")

    signups: dict[str, list[dict]] = defaultdict(list)
    cancels: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        if "signup" in r:
            signups[r["signup"]["email"].lower()].append(r)
        if "cancel" in r:
            cancels[r["cancel"]["email"].lower()].append(r)

    by_email: dict[str, list[list[str]]] = defaultdict(list)
    for row in rows:
        by_email[row[1].lower()].append(row)

    lost, wrong_event, duplicate, unasked, refused_applied, demoted = [], [], [], [], [], []
    cancel_lost, cancel_unasked, bad_answer = [], [], []
    acked = maybe = refused = 0
    promoted = 0
    for email, attempts in signups.items():
        ack = [r for r in attempts if r.get("status") == 201]
        unsure = [r for r in attempts if r["outcome"] in MAYBE]
        present = by_email.get(email, [])
        if len(present) > 1:
            duplicate.append((email, [p[2] for p in present]))
        if ack:
            acked += 1
            answer = ack[0]
            if not present:
                lost.append(describe(answer))
                continue
            row = present[0]
            if row[0] != answer["signup"]["event"]:
                wrong_event.append((email, row[0], answer["signup"]["event"]))
            said = (answer.get("answer") or {}).get("status")
            position = (answer.get("answer") or {}).get("waitlist_position")
            if said not in ("confirmed", "waitlisted") or (said == "confirmed") != (position is None):
                bad_answer.append(describe(answer) + f" answer={answer.get('answer')}")
            if said == "confirmed" and row[2] == "waitlisted":
                demoted.append((email, row[3]))
            if said == "waitlisted" and row[2] == "confirmed":
                promoted += 1
        elif unsure:
            maybe += 1
        else:
            refused += 1
            if present:
                refused_applied.append(describe(attempts[0]) + f" — yet in the database as {present[0][2]}")
        # Cancellations of this registration.
        tries = cancels.get(email, [])
        acked_cancel = [r for r in tries if r.get("status") == 200]
        unsure_cancel = [r for r in tries if r["outcome"] in MAYBE]
        for r in acked_cancel:
            if (r.get("answer") or {}).get("status") != "cancelled":
                bad_answer.append(describe(r) + f" answer={r.get('answer')}")
        if present and present[0][2] == "cancelled" and not acked_cancel and not unsure_cancel:
            cancel_unasked.append((email, [describe(r) for r in tries]))
        if acked_cancel and present and present[0][2] != "cancelled":
            cancel_lost.append((email, present[0][2], describe(acked_cancel[0])))
    for email in by_email:
        if email not in signups:
            unasked.append((email, by_email[email][0][2]))

    # Seats: capacity and arrival order, per event.
    over, disorder = [], []
    counts: dict[str, Counter] = {}
    by_event: dict[str, list[list[str]]] = defaultdict(list)
    for row in rows:
        by_event[row[0]].append(row)
    for event, capacity in open_events.items():
        regs = sorted(by_event.get(event, []), key=lambda r: int(r[3]))
        counts[event] = Counter(r[2] for r in regs)
        live = [r for r in regs if r[2] != "cancelled"]
        confirmed = sum(1 for r in live if r[2] == "confirmed")
        if confirmed > capacity:
            over.append((event, confirmed, capacity))
        seats = min(capacity, len(live))
        expected = ["confirmed"] * seats + ["waitlisted"] * (len(live) - seats)
        actual = [r[2] for r in live]
        if actual != expected:
            first = next(i for i, (a, b) in enumerate(zip(actual, expected)) if a != b)
            disorder.append((event, capacity, f"arrival #{first + 1} of {len(live)} live is {actual[first]}, "
                             f"expected {expected[first]} (confirmed {confirmed})"))

    def report(items, text):
        if items:
            ctx.find(f"{text}: {len(items)}: " + "; ".join(str(i) for i in items[:5]))

    # A sign-up writes three rows in one transaction: the attendee (one per email), a
    # calendar link, the registration. Each soak email signs up once: one of each, or none.
    # Each sign-up and promotion message mints one more calendar link when it is rendered
    # (OutboxStore), and the audit runs once the outbox has drained: so 1 + those messages.
    partial = [
        f"{email}: {registrations} registrations, attendee {'yes' if attendee else 'no'}, {links} calendar links "
        f"(1 + {minted} minted by messages expected)"
        for email, registrations, attendee, links, minted in (
            (row[0], int(row[1]), row[2] == "t", int(row[3]), int(row[4]))
            for row in psql_rows(
                ctx.psql,
                ctx.database_url,
                "WITH r AS (SELECT lower(email) AS e, count(*) AS n FROM registrations"
                "  WHERE email LIKE 'soak-%' OR email LIKE 'stall-%' GROUP BY 1),"
                " a AS (SELECT lower(a.email) AS e, count(c.token_hash) AS links FROM attendees a"
                "  LEFT JOIN calendar_tokens c ON c.attendee_id = a.id"
                "  WHERE a.email LIKE 'soak-%' OR a.email LIKE 'stall-%' GROUP BY 1),"
                " m AS (SELECT lower(recipient) AS e, count(*) AS n FROM mail_outbox"
                "  WHERE kind IN ('signup', 'promotion') AND message_id IS NOT NULL"
                "  AND (recipient LIKE 'soak-%' OR recipient LIKE 'stall-%') GROUP BY 1)"
                " SELECT coalesce(r.e, a.e), coalesce(r.n, 0), a.e IS NOT NULL, coalesce(a.links, 0),"
                " coalesce(m.n, 0) FROM r FULL JOIN a ON a.e = r.e LEFT JOIN m ON m.e = coalesce(r.e, a.e)",
            )
        )
        if (registrations, attendee, links) != (1, True, 1 + minted)
    ]
    report(partial, "half-applied sign-ups (registration, attendee and calendar link not all there)")

    report(lost, "LOST: acknowledged sign-ups (201) not in the database")
    report(wrong_event, "acknowledged sign-ups on another event (email, in db, answered)")
    report(duplicate, "emails registered more than once")
    report(refused_applied, "sign-ups refused or never sent, yet present (half-applied)")
    report(unasked, "registrations no request asked for")
    report(demoted, "answered confirmed, now waitlisted")
    report(cancel_lost, "LOST: acknowledged cancellations not cancelled (email, status, request)")
    report(cancel_unasked, "cancelled without an acknowledged or unknown-outcome cancellation")
    report(bad_answer, "answers that contradict themselves")
    report(over, "events over capacity (event, confirmed, capacity)")
    report(disorder, "waitlist order broken (confirmed are not the earliest live arrivals)")

    cancel_acked = sum(1 for tries in cancels.values() if any(r.get("status") == 200 for r in tries))
    cancel_maybe = sum(
        1 for tries in cancels.values()
        if not any(r.get("status") == 200 for r in tries) and any(r["outcome"] in MAYBE for r in tries)
    )
    totals = Counter()
    for c in counts.values():
        totals.update(c)
    ctx.checks.append(
        f"sign-ups: {acked} acknowledged, all present: {'yes' if not lost else 'NO'}; "
        f"{maybe} with unknown outcome ({sum(1 for e in signups if e in by_email and not any(r.get('status') == 201 for r in signups[e]))} of them applied); "
        f"{refused} refused or not sent, none applied: {'yes' if not refused_applied else 'NO'}; "
        f"half-applied: {len(partial)}"
    )
    ctx.checks.append(
        f"cancellations: {cancel_acked} acknowledged, all cancelled: {'yes' if not cancel_lost else 'NO'}; "
        f"{cancel_maybe} with unknown outcome; {promoted} acknowledged as waitlisted were promoted"
    )
    ctx.checks.append(
        f"seats: {len(open_events)} events, {totals['confirmed']} confirmed, {totals['waitlisted']} waitlisted, "
        f"{totals['cancelled']} cancelled; over capacity: {len(over)}; waitlist order broken: {len(disorder)}"
    )
    return {"rows": rows, "by_email": by_email, "signups": signups}


# ------------------------------------------------------------------------------------------
# Edits


def check_edits(ctx: Context, records: list[dict]) -> None:
    events = {e["id"]: e for e in ctx.setup["edit_events"]}
    ids = uuid_array(events)
    history = psql_rows(
        ctx.psql,
        ctx.database_url,
        "SELECT event_id, version, action, changes ? 'title', coalesce(changes->'title'->>'to', ''), "
        "changes ? 'description', coalesce(changes->'description'->>'to', ''), "
        "(SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(changes) k) "
        f"FROM event_changes WHERE event_id = ANY ({ids}) ORDER BY id",
    )
    current = {
        r[0]: {"title": r[1], "description": r[2], "version": int(r[3])}
        for r in psql_rows(
            ctx.psql, ctx.database_url, f"SELECT id, title, description, version FROM events WHERE id = ANY ({ids})"
        )
    }
    attempts: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for r in records:
        if "edit" in r:
            e = r["edit"]
            attempts[(e["event"], e["field"], e["value"])].append(r)

    lost, refused_applied, unasked, disagree, wrong_fields, same_version = [], [], [], [], [], []
    seen: dict[tuple[str, int], tuple[str, str]] = {}
    history_by_event: dict[str, list[list[str]]] = defaultdict(list)
    for row in history:
        history_by_event[row[0]].append(row)
    acked = maybe = refused = 0
    for (event, fieldname, value), tries in attempts.items():
        ok = [r for r in tries if r.get("status") == 200]
        unsure = [r for r in tries if r["outcome"] in MAYBE]
        rows = [
            h for h in history_by_event.get(event, [])
            if h[2] == "updated" and ((fieldname == "title" and h[3] == "t" and h[4] == value)
                                      or (fieldname == "description" and h[5] == "t" and h[6] == value))
        ]
        if ok:
            acked += 1
            answer = ok[0]
            etag = answer.get("etag", "")
            version = (answer.get("answer") or {}).get("version")
            if etag != f'"v{version}"':
                wrong_fields.append(f"{describe(answer)}: ETag {etag} but version {version}")
            if not any(int(h[1]) == version for h in rows):
                lost.append(f"{describe(answer)}: version {version} with its {fieldname} not in the history")
            key = (event, version)
            if key in seen:
                same_version.append(f"{event} v{version}: {seen[key]} and {fieldname}")
            seen[key] = (fieldname, value[:40])
        elif unsure:
            maybe += 1
        else:
            refused += 1
            if rows:
                refused_applied.append(f"{describe(tries[0])}: yet in the history as version {rows[0][1]}")
    for event, rows in history_by_event.items():
        for h in rows:
            if h[2] != "updated":
                continue
            keys = set(h[7].split(",")) if h[7] else set()
            if not keys <= {"title", "description"}:
                wrong_fields.append(f"{event} v{h[1]} changed {sorted(keys)}: only title or description were sent")
            for fieldname, flag, value in (("title", h[3], h[4]), ("description", h[5], h[6])):
                if flag == "t" and not attempts.get((event, fieldname, value)):
                    unasked.append(f"{event} v{h[1]}: {fieldname} {value[:60]!r}")
        # The row agrees with its history: the last change's version, title and description.
        row = current.get(event)
        if row is None:
            disagree.append(f"{event}: gone from events")
            continue
        last_version = max(int(h[1]) for h in rows)
        title = events[event]["title"]
        description = events[event]["description"]
        for h in rows:
            if h[3] == "t":
                title = h[4]
            if h[5] == "t":
                description = h[6]
        if row["version"] != last_version:
            disagree.append(f"{event}: version {row['version']} in events, {last_version} last in its history")
        if row["title"] != title:
            disagree.append(f"{event}: title {row['title'][:50]!r} in events, {title[:50]!r} by its history")
        if row["description"] != description:
            disagree.append(f"{event}: description differs from what its history says")

    def report(items, text):
        if items:
            ctx.find(f"{text}: {len(items)}: " + "; ".join(str(i) for i in items[:5]))

    report(lost, "LOST: acknowledged edits not in the history")
    report(refused_applied, "refused or unsent edits applied")
    report(unasked, "changes in the history that no PATCH sent")
    report(disagree, "event rows that disagree with their history (half-applied)")
    report(wrong_fields, "edits with odd fields or validators")
    report(same_version, "two acknowledged edits of one event with the same version (a lost update)")
    ctx.checks.append(
        f"edits: {acked} acknowledged, all in the history: {'yes' if not lost else 'NO'}; {maybe} with unknown "
        f"outcome; {refused} refused (412/428) or not sent, none applied: {'yes' if not refused_applied else 'NO'}; "
        f"rows agree with history: {'yes' if not disagree else 'NO'}"
    )
    ctx.edit_titles = {event: current[event]["title"] for event in current}  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------
# The API's own views of registrations


def check_views(ctx: Context, client: Client, regs: dict, records: list[dict]) -> None:
    auth = {"Authorization": f"Bearer {ctx.token}", "Accept": "application/json"}
    by_event: dict[str, list[list[str]]] = defaultdict(list)
    for row in regs["rows"]:
        by_event[row[0]].append(row)
    wrong = []
    for index, event in enumerate(ctx.setup["open_events"]):
        server = ctx.servers[index % 2]
        answer = client.send(server, "audit", "GET", f"/api/v1/events/{event['id']}/registrations", headers=auth,
                             worker="audit")
        if answer.status != 200:
            wrong.append(f"{describe(answer.record)}")
            continue
        listing = json.loads(answer.body)
        rows = sorted(by_event.get(event["id"], []), key=lambda r: int(r[3]))
        listed = [(i["email"].lower(), i["status"]) for i in listing["items"]]
        if listed != [(r[1].lower(), r[2]) for r in rows]:
            wrong.append(f"organiser's list of {event['id']} differs from the database")
        waiting = [i["waitlist_position"] for i in listing["items"] if i["status"] == "waitlisted"]
        if waiting != list(range(1, len(waiting) + 1)):
            wrong.append(f"organiser's list of {event['id']}: waitlist positions {waiting[:10]}...")
    # Attendees' own links, a sample.
    acked = [r for r in records if r.get("status") == 201 and (r.get("answer") or {}).get("cancel_url")]
    sample = random.Random(7).sample(acked, min(150, len(acked)))
    status_of = {row[1].lower(): row[2] for row in regs["rows"]}
    looked = 0
    for index, r in enumerate(sample):
        secret = r["answer"]["cancel_url"].rsplit("/", 1)[-1]
        answer = client.send(ctx.servers[index % 2], "audit", "GET", f"/api/v1/registrations/{secret}",
                             headers={"Accept": "application/json"}, worker="audit")
        looked += 1
        said = answer.json() or {}
        if answer.status != 200 or said.get("status") != status_of.get(r["signup"]["email"].lower()):
            wrong.append(f"attendee link of {r['signup']['email']}: {answer.status} {said} vs database "
                         f"{status_of.get(r['signup']['email'].lower())}")
    if wrong:
        ctx.find(f"API views disagree with the database: {len(wrong)}: " + "; ".join(wrong[:5]))
    ctx.checks.append(
        f"views: {len(ctx.setup['open_events'])} organiser lists and {looked} attendee links agree with the "
        f"database: {'yes' if not wrong else 'NO'}"
    )


# ------------------------------------------------------------------------------------------
# Feeds against a fresh render


def unfold(text: str) -> str:
    return text.replace("\r\n ", "").replace("\r\n\t", "")


def ical_unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def check_feeds(ctx: Context, client: Client) -> None:
    setup = ctx.setup
    year = setup["generated_edition"]["year"]
    edited = [e["id"] for e in setup["edit_events"]]
    paths = [
        f"/feeds/program.ics?year={year}",
        f"/feeds/program.ics?year={setup['open_edition']['year']}",
        f"/feeds/program.ics?day={year}-06-23",
        f"/feeds/program.ics?organiser={setup['organisers'][0]}",
        f"/feeds/program.ics?venue={setup['venues'][0]}",
        "/feeds/program.rss",
        "/feeds/program.rss?limit=500",
        f"/feeds/program.rss?year={year}&language=sv",
        f"/feeds/schedule.json?year={year}",
    ] + [f"/feeds/events/{e}.ics" for e in edited[:10]]
    cold = Server("C", free_port(), ctx.binary, {**ctx.env, "ALMEDALEN_FEED_CACHE": "off"},
                  ctx.logdir / "serve-C.log", ctx.logdir / "pids", ctx.root)
    time.sleep(2.0)  # a quiet moment: every change's notification has reached every cache
    mismatched, failed = [], []
    summaries_wrong = []
    hits = 0
    try:
        cold.start()
        for path in paths:
            got = []
            for server, round_ in ((ctx.servers[0], 1), (ctx.servers[1], 1), (ctx.servers[0], 2),
                                   (ctx.servers[1], 2), (cold, 1)):
                answer = client.send(server, "audit-feed", "GET", path, worker="audit")
                if answer.status != 200:
                    failed.append(describe(answer.record))
                    continue
                hits += answer.headers.get("x-feed-cache") == "hit"
                got.append((f"{server.name}{round_}", hashlib.sha256(answer.body).hexdigest()[:16],
                            answer.headers.get("etag"), answer.body))
            if len({g[1] for g in got}) > 1 or len({g[2] for g in got}) > 1:
                mismatched.append(f"{path}: " + ", ".join(f"{g[0]} {g[1]} {g[2]} {len(g[3])} B" for g in got))
                for name, _, _, body in got:
                    (ctx.logdir / f"feed-{name}-{abs(hash(path)) % 10**8}.out").write_bytes(body)
            if path.startswith("/feeds/events/") and got:
                event = path.split("/")[-1][: -len(".ics")]
                text = unfold(got[-1][3].decode("utf-8", "replace"))
                summary = next((ical_unescape(line[len("SUMMARY:"):]) for line in text.split("\r\n")
                                if line.startswith("SUMMARY:")), None)
                want = ctx.edit_titles.get(event)  # type: ignore[attr-defined]
                if summary is not None and want is not None and summary.removeprefix("INSTÄLLT: ") != want:
                    summaries_wrong.append(f"{event}: feed says {summary[:60]!r}, database {want[:60]!r}")
    finally:
        code = cold.stop()
        if code not in (0, None):
            ctx.find(f"the cache-off server C exited {code} on SIGTERM")
    if failed:
        ctx.find(f"feeds that did not answer 200 after the load: {len(failed)}: " + "; ".join(failed[:5]))
    if mismatched:
        ctx.find(f"feeds that differ from a fresh render (sha256 prefix, ETag): {len(mismatched)}: "
                 + "; ".join(mismatched[:4]))
    if summaries_wrong:
        ctx.find("event feeds whose SUMMARY is not the title in the database: " + "; ".join(summaries_wrong[:5]))
    ctx.checks.append(
        f"feeds: {len(paths)} selections from A and B (twice each, {hits} cache hits) and from a fresh server "
        f"with ALMEDALEN_FEED_CACHE=off: byte-identical with equal ETags: {'yes' if not mismatched and not failed else 'NO'}"
    )


# ------------------------------------------------------------------------------------------
# Figures


def figures(ctx: Context, records: list[dict]) -> None:
    load = [r for r in records if r["kind"] not in ("setup", "audit", "audit-feed")]
    statuses = Counter(str(r.get("status", r["outcome"])) for r in load)
    outcomes = Counter(r["outcome"] for r in load)
    kinds = Counter(r["kind"] for r in load)
    span = ctx.load_seconds or 1
    ctx.out(f"soak: {ctx.command}: {ctx.load_seconds} s of load, {ctx.workers} workers, servers A and B, "
            f"seed {ctx.setup.get('seed')}; logs in {ctx.logdir}")
    ctx.out(f"soak: requests: {len(load)} ({len(load) / span:.0f}/s) during the load, "
            f"plus {len(records) - len(load)} for setup and audit")
    ctx.out("soak: by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])))
    ctx.out("soak: by status: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    transport = Counter(r["outcome"] for r in load if r["outcome"] in ("not_sent", "unknown"))
    ctx.out(f"soak: transport errors: {sum(transport.values())} (connection refused, nothing sent: "
            f"{transport['not_sent']}; broken after sending, outcome unknown: {transport['unknown']})")
    with_ra = sum(1 for r in load if r.get("status") == 503 and "retry_after" in r)
    without_ra = sum(1 for r in load if r.get("status") == 503 and "retry_after" not in r)
    ctx.out(f"soak: 503: {with_ra + without_ra} ({with_ra} with Retry-After, {without_ra} without); "
            f"timeouts: {outcomes['timeout']}; other 5xx: {outcomes['error']}")
    lat = defaultdict(list)
    for r in load:
        if r.get("status") is not None and "ms" in r and not r["kind"].startswith("stall"):
            lat[r["kind"]].append(r["ms"])
    ctx.out("soak: latency ms (p50/p95/max): " + ", ".join(
        f"{k} {statistics.median(v):.0f}/{percentile(v, 0.95):.0f}/{max(v):.0f}"
        for k, v in sorted(lat.items()) if k in ("feed", "page", "edit-patch", "signup", "cancel")))
    misses = [r for r in load if r["kind"] == "feed" and r.get("x_feed_cache") == "miss"]
    overlapping = 0
    by_key = defaultdict(list)
    for r in misses:
        by_key[(r["server"], r["path"])].append((r["t"], r.get("t_end", r["t"])))
    for spans in by_key.values():
        for i, (start, end) in enumerate(spans):
            overlapping += any(j != i and s0 < end and start < s1 for j, (s0, s1) in enumerate(spans))
    feeds = [r for r in load if r["kind"] == "feed"]
    hits = sum(1 for r in feeds if r.get("x_feed_cache") == "hit")
    ctx.out(f"soak: feed answers: {hits} from the cache (hit), {len(misses)} not (miss: rendered, or waited for "
            f"a render under way); {overlapping} misses overlapped another miss of the same selection on the "
            f"same server")
    year = ctx.setup.get("generated_edition", {}).get("year")
    whole = [r for r in feeds if r["path"] == f"/feeds/program.ics?year={year}"]
    if whole:
        done = [r["ms"] for r in whole if r.get("status") in (200, 304)]
        ctx.out(f"soak: GET /feeds/program.ics?year={year} (the whole edition): {len(whole)} requests, "
                + ", ".join(f"{k} {v}" for k, v in sorted(Counter(str(r.get("status", r["outcome"])) for r in whole).items()))
                + (f"; answered in {min(done):.0f}–{max(done):.0f} ms" if done else ""))
    ctx.out(f"soak: faults injected: {len(ctx.faults)}")
    for f in ctx.faults:
        detail = ""
        if f["kind"] == "pg_stop" and "outage" in f:
            o = f["outage"]
            detail = (f"; during the outage GET /healthz answered {o['healthz']} (slowest {o['slowest_ms']:.0f} ms, "
                      f"{o['503_without_retry_after']} 503 without Retry-After)")
        if f["kind"] == "pg_restart":
            detail = f"; pg_ctl restart took {f.get('pg_ctl_s')} s"
        if f["kind"].startswith("kill_"):
            detail = f"; SIGKILL, 1 s, started again on its port, healthy in {f.get('restart_s')} s"
        if f["kind"] == "sink_down" and "sink" in f:
            o = f["sink"]
            detail = (f"; SMTP sink SIGKILLed, down {o['seconds']} s, started again on its port in "
                      f"{o['restart_s']} s; meanwhile GET /healthz answered {o['healthz']}, sign-ups {o['signups']}"
                      + (f"; {o['backlog']}" if o.get("backlog") else ""))
        if f["kind"] == "stall" and "stall" in f:
            res = f["stall"]["results"]
            by_mode = defaultdict(list)
            for x in res:
                by_mode[x["mode"]].append(x)
            parts = []
            for mode, xs in sorted(by_mode.items()):
                closed = [x["closed_after"] for x in xs if x.get("closed_after") is not None]
                answers = Counter(x.get("answer") or "closed" for x in xs)
                parts.append(f"{len(xs)} {mode} closed after {min(closed, default=0):.1f}–{max(closed, default=0):.1f} s "
                             f"({', '.join(f'{k} ×{v}' for k, v in answers.items())})")
            closed_at = [f["injected"] + x["closed_after"] for x in res if x.get("closed_after") is not None]
            end = max(closed_at, default=f["injected"])
            served = sum(1 for r in load if f["injected"] <= r.get("t_end", 0) <= end
                         and r["outcome"] == "ok" and r["worker"].startswith("w"))
            detail = (f"; {served} requests of the load answered while they were open "
                      f"({end - f['injected']:.0f} s); stalled sockets: " + "; ".join(parts))
        recovery = (f"recovered {f['recovery_s']} s after injection ({f['after_lift_s']} s after it was lifted)"
                    if f.get("recovered") is not None else "NOT RECOVERED")
        ctx.out(f"soak:   at {f['injected']:6.1f} s {f['kind']:<10} {recovery}{detail}")


def run(ctx: Context) -> int:
    """The audit and the figures; 0 when nothing is wrong, 1 otherwise."""
    client = Client(ctx.reqlog, 60.0)
    for server in ctx.servers:
        if not server.alive():
            server.start()
    ctx.findings.extend(ctx.driver_findings)
    try:
        mail_audit.drain(ctx)  # first: the drain time is measured from the end of the load
        ctx.reqlog.flush()
        records = [r for r in load_records(ctx.logdir / "requests.jsonl")]
        check_answers(ctx, records)
        check_server_logs(ctx)
        regs = check_registrations(ctx, records)
        check_edits(ctx, records)
        check_views(ctx, client, regs, records)
        try:
            mail_audit.check(ctx, client, records)
        except Exception as error:  # the mail audit broke: a finding, and the feeds are still checked
            import traceback

            traceback.print_exc()
            ctx.find(f"the mail audit could not finish: {error!r}")
        check_feeds(ctx, client)
    except Exception as error:  # the audit itself broke: that is no pass
        import traceback

        traceback.print_exc()
        ctx.find(f"the audit could not finish: {error!r}")
        records = load_records(ctx.logdir / "requests.jsonl") if (ctx.logdir / "requests.jsonl").exists() else []
    ctx.reqlog.flush()
    figures(ctx, records)
    for line in ctx.checks:
        ctx.out(f"soak: audit: {line}")
    for text in ctx.findings:
        ctx.out(f"soak: FINDING: {text}")
    verdict = "PASSED: nothing acknowledged was lost" if not ctx.findings else f"FAILED: {len(ctx.findings)} findings"
    ctx.out(f"soak: {verdict}")
    text = "\n".join(ctx.lines) + "\n"
    (ctx.logdir / "summary.txt").write_text(text, encoding="utf-8")
    print(text, end="", flush=True)
    return 0 if not ctx.findings else 1
