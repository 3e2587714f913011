"""The soak's audit: the database against every answer the driver logged, once the load has
stopped and both servers are up; then the figures and the verdict.

Checked (each failure is a finding; any finding fails the soak):

- Answers: no timeout (a request must never hang), no 5xx but 503, every 503 with
  Retry-After, and each kind of request answered only as it may be (a sign-up request 202, a
  confirm 200 or, once its hold ran out, 409, a cancellation 200, a PATCH 200 or 412, a
  PATCH without If-Match 428, a stale one 412, ...; 503 and broken connections allowed
  everywhere while faults are injected); every 202 of an event byte-identical (the driver).
- Requests (the open events): every acknowledged request (202) is a row of `registrations`
  on its event (a hold: unverified, with the status of the place it holds), at most one per
  request that may have been applied; none whose request was refused, not sent, or stalled;
  none that no request asked for. Every acknowledged confirmation (200) verified its row,
  with the answered status or a later consistent one (waitlisted may become confirmed;
  confirmed is never demoted); no row verified without a confirmation that was sent; an
  attendee exactly for the confirmed addresses, and no hold linked to one. Holds never
  confirmed: let go (cancelled) only once expired, and not still holding over a minute after.
- Cancellations: every acknowledged one is cancelled; a confirmed registration cancelled
  only after a cancellation that was acknowledged or whose outcome is unknown.
- Seats: no event has more confirmed than its capacity, and for each event the confirmed are
  exactly the earliest arrivals among the registrations not cancelled, holds counted as the
  place they hold, as RegistrationStore.request does (the waitlist held its order through
  every promotion and expiry).
- Edits: every acknowledged PATCH's version is in the event's history (`event_changes`) with
  the value it wrote; no refused or unsent PATCH is there; every change there comes from a
  PATCH that was sent; each event row agrees with its history (version, title, description).
- The organiser's list of each open event (statuses, `pending` for holds, waitlist
  positions, headcounts) and a sample of confirm links (GET /api/v1/registrations/SECRET)
  agree with the database.
- Feeds equal a fresh render of the database: the same selections from A and B (twice each:
  a cache miss and a hit) and from a third server started with ALMEDALEN_FEED_CACHE=off are
  byte-identical, with equal ETags; each edited event's feed shows its title in the database.
- Mail (mail_audit.py, whose header lists its checks): once the outbox has drained, every
  acknowledged request got exactly one confirm (or already) message, every confirmation one
  sign-up message, every promotion and cancellation one of its kind at the SMTP sink, and
  nothing was sent for what was refused.
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
    "signup": {202},
    "signup-known": {202},
    "signup-refused": {409, 422},
    "probe-signup": {202},
    "confirm": {200, 409},
    "late-confirm": {200, 409},
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
    hold_seconds: int = 60
    abandon: int = 0
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


# What the soak asked for, per email: the requests, the confirmations, the cancellations.
REQUEST_KINDS = ("signup", "probe-signup", "signup-known", "signup-refused")


def shown(status: str, verified: bool) -> str:
    """A registration's status as every answer and list shows it (RegistrationStore.decode):
    a request not confirmed yet is `pending`, whatever place it holds."""
    return "pending" if not verified and status != "cancelled" else status


def registration_rows(ctx: Context) -> list[dict]:
    open_events = [e["id"] for e in ctx.setup["open_events"]]
    return [
        {"event": r[0], "email": r[1].lower(), "status": r[2], "arrival": int(r[3]), "id": r[4],
         "verified": r[5] == "t", "expires": float(r[6]) if r[6] else None, "updated": float(r[7]),
         "revision": int(r[8])}
        for r in psql_rows(
            ctx.psql,
            ctx.database_url,
            "SELECT event_id, coalesce(email, ''), status, arrival, id, verified_at IS NOT NULL, "
            "coalesce(extract(epoch FROM expires_at)::text, ''), extract(epoch FROM updated_at), revision "
            f"FROM registrations WHERE event_id = ANY ({uuid_array(open_events)}) OR email LIKE 'soak-%' "
            "OR email LIKE 'stall-%' ORDER BY arrival",
        )
    ]


def check_registrations(ctx: Context, records: list[dict]) -> dict:
    """Requests (202), confirmations (200), cancellations (200) against `registrations`.

    A request is a row at once (a hold: verified_at NULL, status confirmed or waitlisted as
    the seat it holds, expires_at); its confirmation sets verified_at on that same row; a
    hold not confirmed in time is cancelled by the server (expireHolds) and the waitlist
    moves on. So per email: at least one row per acknowledged request and at most one per
    request that may have been applied; a verified row exactly when a confirmation was sent
    (and always when one was acknowledged); unverified rows only cancelled once expired."""
    open_events = {e["id"]: e["capacity"] for e in ctx.setup["open_events"]}
    rows = registration_rows(ctx)
    audit_epoch = time.time()
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

    requests: dict[str, list[dict]] = defaultdict(list)
    confirms: dict[str, list[dict]] = defaultdict(list)
    cancels: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        if "signup" in r:
            requests[r["signup"]["email"].lower()].append(r)
        if "confirm" in r:
            confirms[r["confirm"]["email"].lower()].append(r)
        if "cancel" in r:
            cancels[r["cancel"]["email"].lower()].append(r)

    by_email: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_email[row["email"]].append(row)

    lost, too_many, wrong_event, duplicate, refused_applied, demoted = [], [], [], [], [], []
    confirm_lost, confirm_unasked, early_409 = [], [], []
    holds_overdue, holds_early = [], []
    cancel_lost, cancel_unasked, bad_answer = [], [], []
    acked = maybe = refused = 0
    confirmed_acked = confirm_expired = abandoned = 0
    promoted = 0
    for email, attempts in requests.items():
        ack = [r for r in attempts if r.get("status") == 202]
        unsure = [r for r in attempts if r["outcome"] in MAYBE]
        present = by_email.get(email, [])
        if ack:
            acked += len(ack)
        elif unsure:
            maybe += 1
        else:
            refused += 1
            if present:
                refused_applied.append(describe(attempts[0]) + f" — yet in the database as {present[0]['status']}")
                continue
        if len(present) < len(ack):
            lost.append(f"{email}: {len(ack)} requests answered 202, {len(present)} rows: " + describe(ack[0]))
        if len(present) > len(ack) + len(unsure):
            too_many.append(f"{email}: {len(present)} rows for {len(ack)} requests answered 202 and "
                            f"{len(unsure)} with unknown outcome")
        events = {r["signup"]["event"] for r in attempts}
        for row in present:
            if row["event"] not in events:
                wrong_event.append((email, row["event"], sorted(events)))
        verified = [row for row in present if row["verified"]]
        if sum(1 for row in verified if row["status"] != "cancelled") > 1 or len(verified) > 1:
            duplicate.append((email, [(row["status"], row["verified"]) for row in present]))
        # Confirmations.
        tries = confirms.get(email, [])
        ok = [r for r in tries if r.get("status") == 200]
        unsure_confirm = [r for r in tries if r["outcome"] in MAYBE]
        for r in tries:
            if r.get("status") == 409:
                confirm_expired += 1
                if r["t"] - r["confirm"]["asked"] < ctx.hold_seconds - 1:
                    early_409.append(describe(r))
        if ok:
            confirmed_acked += 1
            said = (ok[0].get("answer") or {})
            if said.get("status") not in ("confirmed", "waitlisted") or (
                    (said.get("status") == "confirmed") != (said.get("waitlist_position") is None)):
                bad_answer.append(describe(ok[0]) + f" answer={said}")
            if not verified:
                confirm_lost.append(describe(ok[0]))
            else:
                if said.get("status") == "confirmed" and verified[0]["status"] == "waitlisted":
                    demoted.append((email, verified[0]["arrival"]))
                if said.get("status") == "waitlisted" and verified[0]["status"] == "confirmed":
                    promoted += 1
        elif ack and not tries:
            abandoned += 1
        if verified and not ok and not unsure_confirm:
            confirm_unasked.append(f"{email}: verified, {[describe(r) for r in tries]}")
        # Holds never confirmed: they hold their place until they expire, then let go.
        for row in present:
            if row["verified"] or row["expires"] is None:
                continue
            if row["status"] != "cancelled" and row["expires"] < audit_epoch - 65:
                holds_overdue.append(f"{email}: {row['status']}, expired {audit_epoch - row['expires']:.0f} s ago")
            if row["status"] == "cancelled" and row["updated"] < row["expires"] - 0.5:
                holds_early.append(f"{email}: let go {row['expires'] - row['updated']:.1f} s before its expiry")
        # Cancellations (of confirmed registrations only: the driver cancels after confirming).
        tries = cancels.get(email, [])
        acked_cancel = [r for r in tries if r.get("status") == 200]
        unsure_cancel = [r for r in tries if r["outcome"] in MAYBE]
        for r in acked_cancel:
            if (r.get("answer") or {}).get("status") != "cancelled":
                bad_answer.append(describe(r) + f" answer={r.get('answer')}")
        if verified and verified[0]["status"] == "cancelled" and not acked_cancel and not unsure_cancel:
            cancel_unasked.append((email, [describe(r) for r in tries]))
        if acked_cancel and not (verified and verified[0]["status"] == "cancelled"):
            cancel_lost.append((email, [(row["status"], row["verified"]) for row in present],
                                describe(acked_cancel[0])))
    unasked = [(email, rs[0]["status"]) for email, rs in by_email.items() if email not in requests]

    # Seats: capacity and arrival order, per event, holds counted as the place they hold
    # (RegistrationStore.request: a hold is a row with the status of its seat).
    over, disorder = [], []
    counts: dict[str, Counter] = {}
    by_event: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_event[row["event"]].append(row)
    for event, capacity in open_events.items():
        regs = sorted(by_event.get(event, []), key=lambda r: r["arrival"])
        counts[event] = Counter(shown(r["status"], r["verified"]) for r in regs)
        counts[event]["held seats"] += sum(1 for r in regs if not r["verified"] and r["status"] == "confirmed")
        live = [r for r in regs if r["status"] != "cancelled"]
        confirmed = sum(1 for r in live if r["status"] == "confirmed")
        if confirmed > capacity:
            over.append((event, confirmed, capacity))
        seats = min(capacity, len(live))
        expected = ["confirmed"] * seats + ["waitlisted"] * (len(live) - seats)
        actual = [r["status"] for r in live]
        if actual != expected:
            first = next(i for i, (a, b) in enumerate(zip(actual, expected)) if a != b)
            disorder.append((event, capacity, f"arrival #{first + 1} of {len(live)} live is {actual[first]}, "
                             f"expected {expected[first]} (confirmed {confirmed})"))

    def report(items, text):
        if items:
            ctx.find(f"{text}: {len(items)}: " + "; ".join(str(i) for i in items[:5]))

    # The attendee: made when an address is proven (a confirmation), never for a hold, so a
    # request with someone's address ties nothing to them.
    attendees = {
        row[0] for row in psql_rows(
            ctx.psql, ctx.database_url,
            "SELECT lower(email) FROM attendees WHERE email LIKE 'soak-%' OR email LIKE 'stall-%'")
    }
    proven = {row["email"] for row in rows if row["verified"]}
    partial = [f"{e}: confirmed, no attendee" for e in sorted(proven - attendees)]
    partial += [f"{e}: an attendee, never confirmed" for e in sorted(attendees - proven)]
    linked_holds = psql_rows(
        ctx.psql, ctx.database_url,
        "SELECT count(*) FROM registrations WHERE verified_at IS NULL AND attendee_id IS NOT NULL")[0][0]
    if linked_holds != "0":
        partial.append(f"{linked_holds} unconfirmed requests linked to an attendee")
    report(partial, "attendees that do not follow the confirmations")

    report(lost, "LOST: acknowledged requests (202) not in the database")
    report(too_many, "more registrations than requests that may have been applied")
    report(wrong_event, "registrations on another event than requested (email, in db, requested)")
    report(duplicate, "emails confirmed more than once on an event")
    report(refused_applied, "requests refused or never sent, yet present (half-applied)")
    report(unasked, "registrations no request asked for")
    report(confirm_lost, "LOST: acknowledged confirmations (200) whose registration is not confirmed")
    report(confirm_unasked, "registrations confirmed without a confirmation that may have been applied")
    report(early_409, "confirmations answered 409 (expired) before the hold ran out")
    report(holds_overdue, "holds still holding their place over a minute after they expired")
    report(holds_early, "holds let go before they expired, with no cancellation")
    report(demoted, "answered confirmed, now waitlisted")
    report(cancel_lost, "LOST: acknowledged cancellations not cancelled (email, rows, request)")
    report(cancel_unasked, "cancelled without an acknowledged or unknown-outcome cancellation")
    report(bad_answer, "answers that contradict themselves")
    report(over, "events over capacity (event, confirmed, capacity)")
    report(disorder, "waitlist order broken (confirmed are not the earliest live arrivals)")

    cancel_acked = sum(1 for tries in cancels.values() if any(r.get("status") == 200 for r in tries))
    cancel_maybe = sum(
        1 for tries in cancels.values()
        if not any(r.get("status") == 200 for r in tries) and any(r["outcome"] in MAYBE for r in tries)
    )
    via = Counter((r.get("cancel") or {}).get("via") for tries in cancels.values() for r in tries
                  if r.get("status") == 200)
    totals = Counter()
    for c in counts.values():
        totals.update(c)
    expired_holds = sum(1 for row in rows if not row["verified"] and row["status"] == "cancelled")
    ctx.checks.append(
        f"requests: {acked} acknowledged (202), all present: {'yes' if not lost else 'NO'}; "
        f"{maybe} addresses with unknown outcome only; {refused} refused or not sent, none applied: "
        f"{'yes' if not refused_applied else 'NO'}; attendees only for confirmed addresses: "
        f"{'yes' if not partial else 'NO'}"
    )
    ctx.checks.append(
        f"confirmations: {confirmed_acked} acknowledged (200), all confirmed: {'yes' if not confirm_lost else 'NO'}; "
        f"{confirm_expired} answered 409 (expired), none early: {'yes' if not early_409 else 'NO'}; "
        f"{abandoned} requests left unconfirmed on purpose (SOAK_ABANDON {ctx.abandon}%, and the probes'); "
        f"{expired_holds} holds expired, none early: {'yes' if not holds_early else 'NO'}, none overdue: "
        f"{'yes' if not holds_overdue else 'NO'} (hold {ctx.hold_seconds} s)"
    )
    ctx.checks.append(
        f"cancellations: {cancel_acked} acknowledged ({via.get('signup-mail', 0)} with the sign-up mail's link, "
        f"{via.get('confirm-link', 0)} with the confirm link), all cancelled: {'yes' if not cancel_lost else 'NO'}; "
        f"{cancel_maybe} with unknown outcome; {promoted} confirmed as waitlisted were promoted"
    )
    ctx.checks.append(
        f"seats: {len(open_events)} events, {totals['confirmed']} confirmed, {totals['waitlisted']} waitlisted, "
        f"{totals['pending']} pending ({totals['held seats']} of them holding a seat), {totals['cancelled']} "
        f"cancelled; over capacity: {len(over)}; waitlist order broken: {len(disorder)}"
    )
    return {"rows": rows, "by_email": by_email, "requests": requests, "confirms": confirms}


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
    by_event: dict[str, list[dict]] = defaultdict(list)
    for row in regs["rows"]:
        by_event[row["event"]].append(row)
    wrong = []
    for index, event in enumerate(ctx.setup["open_events"]):
        server = ctx.servers[index % 2]
        answer = client.send(server, "audit", "GET", f"/api/v1/events/{event['id']}/registrations", headers=auth,
                             worker="audit")
        if answer.status != 200:
            wrong.append(f"{describe(answer.record)}")
            continue
        listing = json.loads(answer.body)
        rows = sorted(by_event.get(event["id"], []), key=lambda r: r["arrival"])
        listed = [(i["email"].lower(), i["status"]) for i in listing["items"]]
        if listed != [(r["email"], shown(r["status"], r["verified"])) for r in rows]:
            wrong.append(f"organiser's list of {event['id']} differs from the database")
        # Waitlist positions count every place on the waitlist, holds included.
        rank, want = 0, []
        for r in rows:
            if r["status"] == "waitlisted":
                rank += 1
            want.append(rank if r["status"] == "waitlisted" and r["verified"] else None)
        got = [i.get("waitlist_position") if i["status"] == "waitlisted" else None for i in listing["items"]]
        if len(got) == len(want) and got != want:
            wrong.append(f"organiser's list of {event['id']}: waitlist positions {got[:10]}..., expected {want[:10]}...")
        counts = listing.get("counts", {})
        expect = Counter(shown(r["status"], r["verified"]) for r in rows)
        if any(counts.get(k, 0) != expect.get(k, 0) for k in ("confirmed", "waitlisted", "cancelled", "pending")):
            wrong.append(f"headcounts of {event['id']}: {counts}, the database {dict(expect)}")
    # The registration pages' API (the confirm link opens the registration), a sample.
    acked = [r for r in records if r.get("kind") in ("confirm", "late-confirm") and r.get("status") == 200]
    sample = random.Random(7).sample(acked, min(150, len(acked)))
    status_of = {row["email"]: shown(row["status"], row["verified"]) for row in regs["rows"] if row["verified"]}
    looked = 0
    for index, r in enumerate(sample):
        secret = r["path"].split("/")[-2]
        email = r["confirm"]["email"].lower()
        answer = client.send(ctx.servers[index % 2], "audit", "GET", f"/api/v1/registrations/{secret}",
                             headers={"Accept": "application/json"}, worker="audit")
        looked += 1
        said = answer.json() or {}
        if answer.status != 200 or said.get("status") != status_of.get(email):
            wrong.append(f"confirm link of {email}: {answer.status} {said} vs database {status_of.get(email)}")
    if wrong:
        ctx.find(f"API views disagree with the database: {len(wrong)}: " + "; ".join(wrong[:5]))
    ctx.checks.append(
        f"views: {len(ctx.setup['open_events'])} organiser lists (statuses, pending apart, positions, headcounts) "
        f"and {looked} confirm links agree with the database: {'yes' if not wrong else 'NO'}"
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
