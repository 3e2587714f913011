"""The soak's mail audit: what reached the SMTP sink against what the soak caused.

Run by audit.py once the load and the faults have stopped. First `drain`: polls the last
line of `almedalen mail list --pending` (`pending=N failed=N sent=N oldest_pending_age_s=N|-`)
until pending=0 (SOAK_MAIL_DRAIN seconds at most, default 180), and notes how long that
took after the load stopped. Then `check`, on every message the sink wrote (each start of
the sink has a folder of its own), each parsed with Python's email package
(policy=default):

- Every message is well formed: no defects in any part or header, Date, Message-ID, From,
  To, Subject, MIME-Version and `Auto-Submitted: auto-generated`, no line over 998 octets.
- Duplicates: messages are deduplicated by Message-ID. A Message-ID seen again with the same
  bytes is allowed (a server killed after the sink's 250 and before it marked the message
  sent) and counted; with other bytes it is a finding. And there may be no more of them
  than the faults explain: one per SIGKILL of a server (the message between its 250 and its
  mark), two per outage of the sink (a message on each server's session that the sink wrote
  before it died, unanswered) and two per restart or stop of PostgreSQL (each server's
  message whose mark failed); more would mean two senders sent one message.
- Messages are matched to registrations by the To address, X-Almedalen-Event and
  X-Almedalen-Kind:
  - sign-up: every registration of the soak in the database (so every acknowledged sign-up,
    201, and every one whose answer was lost but which was applied) has exactly one; for an
    acknowledged one its subject says what the answer said (confirmed, or waitlisted with
    the same position); and the cancel link in its text (a secret minted when the message
    was rendered, not the answer's) opens that registration: GET /api/v1/registrations/SECRET
    on A or B answers its event and its status in the database (a sample of 150);
  - promotion: exactly one for every registration answered "waitlisted" that is confirmed
    now, none for one answered "confirmed" or still waitlisted; for one cancelled since, the
    registration's revision tells (RegistrationStore raises it by one for a promotion and by
    one for a cancellation), as long as that rule holds for every registration whose history
    is known; else such a one may have had one message or none;
  - cancellation: exactly one for every registration cancelled in the database (so for
    every acknowledged cancellation), none for any other;
  - nothing else: no message to an address whose sign-ups were all refused (4xx) or never
    completed (stalled clients), no message of another kind, none to an unknown address.
- The outbox agrees with the sink: every row marked sent has its Message-ID at the sink
  (else it was lost), every Message-ID at the sink is a row; no row failed.
- Privacy: neither `almedalen mail list` nor any server log shows a cancel secret (those the
  sign-ups answered, and those in the messages), and `mail list` shows no full address.
- Each outage of the sink: how many messages were queued while it was down, and when the
  last of them was delivered after it came back (from mail_outbox's created_at and sent_at).
"""

from __future__ import annotations

import email
import email.policy
import os
import random
import re
import statistics
import subprocess
import time
from collections import Counter, defaultdict
from pathlib import Path

from soaklib import psql_rows

SUMMARY = re.compile(r"^pending=(\d+) failed=(\d+) sent=(\d+) oldest_pending_age_s=(\S+)\s*$")
RESULT = re.compile(r"\bresult=(\w+)")
DURATION = re.compile(r"\bduration_ms=([0-9.]+)")
SECRET = re.compile(r"[A-Za-z0-9_-]{43}")
CANCEL_LINK = re.compile(r"/registrations/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])")
KINDS = ("signup", "promotion", "cancellation")
REQUIRED_HEADERS = ("Date", "Message-ID", "From", "To", "Subject", "MIME-Version")


def mail_list(ctx, *flags: str) -> tuple[list[str], dict[str, str] | None, str]:
    """`almedalen mail list FLAGS`: its lines, the last line's figures (None when it is not
    the summary line) and stderr."""
    env = {**ctx.env, "DATABASE_URL": ctx.database_url}
    result = subprocess.run(
        [ctx.binary, "mail", "list", *flags], env=env, cwd=ctx.root, capture_output=True, text=True, timeout=120
    )
    lines = result.stdout.splitlines()
    if result.returncode != 0 or not lines:
        return lines, None, f"exit {result.returncode}: {result.stderr.strip()[-300:]}"
    match = SUMMARY.match(lines[-1])
    if not match:
        return lines, None, f"last line is not the summary: {lines[-1][:200]!r}"
    keys = ("pending", "failed", "sent", "oldest_pending_age_s")
    return lines, dict(zip(keys, match.groups())), result.stderr


def drain(ctx) -> None:
    """Waits until the outbox has nothing pending; notes the time in ctx.mail_drain."""
    limit = float(os.environ.get("SOAK_MAIL_DRAIN", "").strip() or 180)
    started = time.monotonic()
    polls, last, error = 0, None, ""
    drained = None
    while time.monotonic() - started < limit:
        polls += 1
        _, summary, error = mail_list(ctx, "--pending")
        if summary is None:
            ctx.find(f"mail: `almedalen mail list --pending` failed while waiting for the outbox to drain: {error}")
            break
        last = summary
        if summary["pending"] == "0":
            drained = time.monotonic()
            break
        time.sleep(0.5)
    info = {"polls": polls, "last": last, "limit": limit,
            "waited_s": round(time.monotonic() - started, 1)}
    if drained is not None:
        info["after_load_s"] = round(drained - ctx.load_ended_monotonic, 1)
    elif last is not None:
        ctx.find(f"mail: the outbox did not drain within {limit:.0f} s after the audit began: {last}")
    ctx.mail_drain = info
    time.sleep(1.0)  # the sink writes each message as it answers 250: let the last land


def parse_message(raw: bytes):
    """(message, problems) for one message as the sink wrote it."""
    problems = []
    message = email.message_from_bytes(raw, policy=email.policy.default)
    for part in message.walk():
        for defect in part.defects:
            problems.append(f"defect {type(defect).__name__}")
        for name, value in part.items():
            for defect in getattr(value, "defects", ()):
                problems.append(f"header {name}: defect {type(defect).__name__}")
    for name in REQUIRED_HEADERS:
        if message[name] is None:
            problems.append(f"no {name} header")
    if str(message.get("Auto-Submitted", "")).strip() != "auto-generated":
        problems.append(f"Auto-Submitted is {message.get('Auto-Submitted')!r}")
    long_lines = [len(line) for line in raw.split(b"\n") if len(line.rstrip(b"\r")) > 998]
    if long_lines:
        problems.append(f"{len(long_lines)} lines over 998 octets")
    return message, problems


def text_of(message) -> str:
    try:
        body = message.get_body(preferencelist=("plain",))
        return body.get_content() if body is not None else ""
    except (KeyError, LookupError, ValueError):
        return ""


def calendar_method(message) -> str | None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return (part.get_param("method") or "").upper() or "(none)"
    return None


def read_sink(ctx):
    """Every message the sink wrote: {Message-ID: info}, duplicates, problems."""
    unique: dict[str, dict] = {}
    files = same = 0
    different, malformed = [], []
    for folder in ctx.sink.folders():
        for path in sorted(folder.glob("*.eml")):
            files += 1
            raw = path.read_bytes()
            try:
                message, problems = parse_message(raw)
            except Exception as error:  # noqa: BLE001 - any parser failure is a finding
                malformed.append(f"{path.parent.name}/{path.name}: {error!r}")
                continue
            mid = str(message.get("Message-ID", "")).strip()
            if problems:
                malformed.append(f"{path.parent.name}/{path.name} ({mid}): " + ", ".join(problems[:4]))
            if mid in unique:
                if unique[mid]["raw"] == raw:
                    same += 1
                else:
                    different.append(f"{mid}: {unique[mid]['file']} and {path.parent.name}/{path.name}")
                unique[mid]["copies"] += 1
                continue
            try:
                to = message["To"].addresses[0].addr_spec.lower()
            except (AttributeError, IndexError, TypeError):
                to = ""
            unique[mid] = {
                "raw": raw,
                "file": f"{path.parent.name}/{path.name}",
                "copies": 1,
                "to": to,
                "kind": str(message.get("X-Almedalen-Kind", "")).strip(),
                "event": str(message.get("X-Almedalen-Event", "")).strip().lower(),
                "subject": str(message.get("Subject", "")),
                "text": text_of(message),
                "method": calendar_method(message),
            }
    return unique, files, same, different, malformed


def check(ctx, client, records: list[dict]) -> None:
    drain_info = getattr(ctx, "mail_drain", {})
    unique, files, same, different, malformed = read_sink(ctx)

    def report(items, text):
        if items:
            ctx.find(f"mail: {text}: {len(items)}: " + "; ".join(str(i) for i in items[:5]))

    report(different, "one Message-ID with different bytes (a message rendered twice)")
    kinds = Counter(f["kind"] for f in ctx.faults)
    explained = (kinds["kill_A"] + kinds["kill_B"] + 2 * kinds["sink_down"]
                 + 2 * (kinds["pg_restart"] + kinds["pg_stop"]))
    if same + len(different) > explained:
        ctx.find(f"mail: {same + len(different)} duplicate messages, more than the faults explain ({explained}): "
                 "two senders sent one message")
    report(malformed, "messages that are not well formed")

    got: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for mid, info in unique.items():
        got[(info["to"], info["event"], info["kind"])].append(mid)

    # What the soak caused, from the database and the answers.
    rows = psql_rows(
        ctx.psql,
        ctx.database_url,
        "SELECT event_id, lower(email), status, revision FROM registrations "
        "WHERE email LIKE 'soak-%' OR email LIKE 'stall-%'",
    )
    answered: dict[str, dict] = {}
    attempted: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        if "signup" in r:
            attempted[r["signup"]["email"].lower()].append(r)
            if r.get("status") == 201:
                answered[r["signup"]["email"].lower()] = r
    registered = {row[1] for row in rows}

    # How many promotions a registration had, by its revision: one for a promotion, one for
    # the cancellation (RegistrationStore). Trusted only if it holds wherever the history is
    # known: answered confirmed (never promoted), answered waitlisted and confirmed now (once).
    def promoted_by_revision(status: str, revision: str) -> int:
        return int(revision) - (1 if status == "cancelled" else 0)

    def said_of(address: str) -> str | None:
        return ((answered.get(address) or {}).get("answer") or {}).get("status")

    revision_tells = all(
        promoted_by_revision(status, revision) in (0, 1)
        and not (said_of(address) == "confirmed" and promoted_by_revision(status, revision) != 0)
        and not (said_of(address) == "waitlisted" and status == "confirmed"
                 and promoted_by_revision(status, revision) != 1)
        and not (status == "waitlisted" and promoted_by_revision(status, revision) != 0)
        for _, address, status, revision in rows
    )

    expected_keys: set[tuple[str, str, str]] = set()
    signup_wrong, subject_wrong, links = [], [], []
    promotion_wrong, cancel_wrong = [], []
    promotions = promotions_maybe = promotions_maybe_sent = cancellations = 0
    for event, address, status, revision in rows:
        key = (address, event, "signup")
        expected_keys.add(key)
        n = len(got.get(key, []))
        if n != 1:
            signup_wrong.append(f"{address} on {event}: {n} sign-up messages")
        answer = answered.get(address)
        said = (answer.get("answer") or {}) if answer else {}
        if answer and n >= 1:
            info = unique[got[key][0]]
            if said.get("status") == "confirmed":
                want = "Anmälan bekräftad: "
            else:
                want = f"Du står på väntelistan (plats {said.get('waitlist_position')}): "
            if not info["subject"].startswith(want):
                subject_wrong.append(f"{address}: answered {said.get('status')} {said.get('waitlist_position')}, "
                                     f"subject {info['subject'][:80]!r}")
            found = CANCEL_LINK.findall(info["text"])
            links.append((address, event, status, found[0] if found else None, info["file"]))
            if info["method"] != "REQUEST":
                signup_wrong.append(f"{address}: sign-up message with calendar method {info['method']}")
        # Promotion.
        key = (address, event, "promotion")
        n = len(got.get(key, []))
        if said.get("status") == "confirmed":
            want_n = {0}
        elif status == "waitlisted":
            want_n = {0}
        elif revision_tells:
            want_n = {promoted_by_revision(status, revision)}
        elif status == "confirmed" and said.get("status") == "waitlisted":
            want_n = {1}
        else:
            want_n = {0, 1}
        if want_n == {0, 1}:
            promotions_maybe += 1
            promotions_maybe_sent += n
        elif 1 in want_n:
            promotions += 1
        if n >= 1 or want_n != {0}:
            expected_keys.add(key)
        if n not in want_n:
            promotion_wrong.append(f"{address} on {event} ({status}, answered {said.get('status')}, "
                                   f"revision {revision}): {n} promotion messages, expected {sorted(want_n)}")
        elif n == 1 and unique[got[key][0]]["method"] != "REQUEST":
            promotion_wrong.append(f"{address}: promotion message with calendar method {unique[got[key][0]]['method']}")
        # Cancellation.
        key = (address, event, "cancellation")
        n = len(got.get(key, []))
        want = 1 if status == "cancelled" else 0
        cancellations += want
        if want:
            expected_keys.add(key)
        if n != want:
            cancel_wrong.append(f"{address} on {event} ({status}): {n} cancellation messages")
        elif n == 1 and unique[got[key][0]]["method"] != "CANCEL":
            cancel_wrong.append(f"{address}: cancellation message with calendar method {unique[got[key][0]]['method']}")

    refused = {a for a, tries in attempted.items() if a not in registered}
    to_refused, unexplained = [], []
    for key, mids in got.items():
        if key in expected_keys:
            continue
        (to_refused if key[0] in refused else unexplained).append(f"{key[2]} to {key[0]} about {key[1]} ({len(mids)})")
    refused_4xx = sum(1 for a in refused if all(400 <= (r.get("status") or 0) < 500 for r in attempted[a]))

    # The cancel link of a sample of sign-up messages opens their registration.
    link_wrong = []
    sample = random.Random(11).sample(links, min(150, len(links)))
    for index, (address, event, status, secret, file) in enumerate(sample):
        if secret is None:
            link_wrong.append(f"{address} ({file}): no cancel link in the text")
            continue
        answer = client.send(ctx.servers[index % 2], "audit", "GET", f"/api/v1/registrations/{secret}",
                             headers={"Accept": "application/json"}, worker="audit")
        said = answer.json() or {}
        if answer.status != 200 or said.get("event_id") != event or said.get("status") != status:
            link_wrong.append(f"{address} ({file}): the link answers {answer.status} {said.get('event_id')} "
                              f"{said.get('status')}; the database {event} {status}")
    mail_secrets = {secret for _, _, _, secret, _ in links if secret}

    report(signup_wrong, "registrations without exactly one sign-up message")
    report(subject_wrong, "sign-up messages whose subject is not what the answer said")
    report(link_wrong, "sign-up messages whose cancel link does not open their registration")
    report(promotion_wrong, "promotions without exactly the expected messages")
    report(cancel_wrong, "cancellations without exactly one cancellation message (or one too many)")
    report(to_refused, "messages for sign-ups that were refused or never completed")
    report(unexplained, "messages that nothing in the soak explains")

    # The outbox against the sink.
    outbox = psql_rows(ctx.psql, ctx.database_url, "SELECT message_id, state, kind, attempts FROM mail_outbox")
    states = Counter((row[2], row[1]) for row in outbox)
    sent_ids = {row[0] for row in outbox if row[1] == "sent"}
    all_ids = {row[0] for row in outbox}
    lost = sorted(sent_ids - set(unique))
    foreign = sorted(set(unique) - all_ids)
    failed = [f"{row[0]} ({row[2]})" for row in outbox if row[1] == "failed"]
    pending = [f"{row[0]} ({row[2]})" for row in outbox if row[1] == "pending"]
    report(lost, "LOST: outbox rows marked sent whose Message-ID never reached the sink")
    report(foreign, "messages at the sink that are no row of the outbox")
    report(failed, "outbox rows failed")
    attempts = [int(row[3]) for row in outbox]

    # Privacy: no cancel secret in `mail list` or the servers' logs; no full address in `mail list`.
    secrets = ({
        ((r.get("answer") or {}).get("cancel_url") or "").rsplit("/", 1)[-1]
        for r in records if r.get("status") == 201
    } | mail_secrets) - {""}
    lines, _, error = mail_list(ctx)
    listing = "\n".join(lines)
    if not lines:
        ctx.find(f"mail: `almedalen mail list` failed: {error}")
    leaked = [s for s in SECRET.findall(listing) if s in secrets]
    full = sorted(set(re.findall(r"[^\s=<>,]+@[^\s<>,]+", listing.lower())) & registered)
    report(leaked, "cancel secrets shown by `almedalen mail list`")
    report(full, "full addresses shown by `almedalen mail list`")
    attempt_results: Counter = Counter()
    durations: list[float] = []
    in_logs = []
    for path in sorted(ctx.logdir.glob("serve-*.log")):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if " event=mail_attempt " in line:
                    result, duration = RESULT.search(line), DURATION.search(line)
                    attempt_results[result.group(1) if result else "(no result)"] += 1
                    if duration:
                        durations.append(float(duration.group(1)))
                if secrets:
                    in_logs += [f"{path.name}: {s[:6]}…" for s in SECRET.findall(line) if s in secrets]
    report(in_logs, "cancel secrets in the servers' logs")
    if attempt_results.get("permanent"):
        ctx.find(f"mail: {attempt_results['permanent']} delivery attempts ended permanent (the sink never refuses)")

    # Each outage of the sink: its backlog, and when the last of it went out.
    for outage in ctx.sink_outages:
        row = psql_rows(
            ctx.psql,
            ctx.database_url,
            "SELECT count(*), count(*) FILTER (WHERE state = 'sent'), "
            "coalesce(extract(epoch FROM max(sent_at))::text, ''), "
            "coalesce((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at)))::text, ''), "
            "coalesce((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at)))::text, '') "
            "FROM mail_outbox "
            f"WHERE created_at >= to_timestamp({outage['down_epoch']:.3f}) "
            f"AND created_at < to_timestamp({outage['up_epoch']:.3f})",
        )[0]
        queued, sent, last, p50, p90 = int(row[0]), int(row[1]), row[2], row[3], row[4]
        text = f"{queued} messages queued while it was down, {sent} of them sent"
        if last:
            up = outage["up_epoch"]
            text += (f", after it was back (its start included): half within {float(p50) - up:.1f} s, 90% within "
                     f"{float(p90) - up:.1f} s, the last {float(last) - up:.1f} s")
        outage["backlog"] = text

    by_kind = Counter(info["kind"] for info in unique.values())
    ctx.out(
        f"soak: mail: {files} messages received at the SMTP sink ({ctx.sink.starts} starts), "
        f"{len(unique)} distinct Message-IDs, {same} duplicates with identical bytes (the faults explain at most "
        f"{explained}), {len(different)} with different bytes; by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items()))
    )
    if "after_load_s" in drain_info:
        ctx.out(f"soak: mail: outbox drained (pending=0) {drain_info['after_load_s']} s after the load stopped "
                f"(`almedalen mail list --pending` polled {drain_info['polls']} times, every 0.5 s)")
    else:
        ctx.out(f"soak: mail: outbox NOT drained: {drain_info}")
    ctx.out(
        "soak: mail: outbox rows: " + ", ".join(f"{k}/{s} {n}" for (k, s), n in sorted(states.items()))
        + (f"; attempts per row: max {max(attempts)}, {sum(1 for a in attempts if a > 1)} rows needed more than one"
           if attempts else "")
    )
    ctx.out(
        "soak: mail: delivery attempts in the servers' logs: "
        + (", ".join(f"{k} {v}" for k, v in sorted(attempt_results.items())) or "none")
        + (f"; duration_ms p50 {statistics.median(durations):.1f}, max {max(durations):.1f}" if durations else "")
    )
    acked = sum(1 for a in answered if a in registered)
    ctx.checks.append(
        f"mail: sign-ups: {len(rows)} registrations of the soak ({acked} acknowledged with 201), each with exactly "
        f"one sign-up message: {'yes' if not signup_wrong else 'NO'}; subjects as answered: "
        f"{'yes' if not subject_wrong else 'NO'}; the cancel link of {len(sample)} of them opens their "
        f"registration: {'yes' if not link_wrong else 'NO'}"
    )
    ctx.checks.append(
        f"mail: promotions: {promotions} expected exactly once, "
        f"{promotions_maybe} waitlisted-then-cancelled that may or may not have been promoted "
        f"({promotions_maybe_sent} messages); all as expected: {'yes' if not promotion_wrong else 'NO'}"
        + ("" if revision_tells else " (revisions do not follow the rule: the lenient one applied)")
    )
    ctx.checks.append(
        f"mail: cancellations: {cancellations} cancelled registrations, each with exactly one cancellation "
        f"message: {'yes' if not cancel_wrong else 'NO'}"
    )
    ctx.checks.append(
        f"mail: refused or never completed sign-ups: {len(refused)} addresses ({refused_4xx} refused 4xx), "
        f"messages to them: {len(to_refused)}; messages nothing explains: {len(unexplained)}"
    )
    ctx.checks.append(
        f"mail: outbox: {len(sent_ids)} rows sent, all at the sink: {'yes' if not lost else 'NO'}; "
        f"{len(pending)} pending, {len(failed)} failed; sink messages that are no outbox row: {len(foreign)}"
    )
    ctx.checks.append(
        f"mail: privacy: no cancel secret in `mail list` ({len(lines)} lines) nor the servers' logs, no full "
        f"address in `mail list`: {'yes' if not leaked and not full and not in_logs else 'NO'}"
    )
