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
  - request: per address and event, one `confirm` message per request (at least one per
    202, at most one per request that may have been applied; one fewer allowed per hold
    that expired, whose confirm message is dropped if not rendered by then), and one
    `already` per request again for a confirmed address; neither with a calendar;
  - sign-up: every confirmed (verified) registration has exactly one, a hold none; for one
    whose confirmation was answered its subject says what the answer said (confirmed, or
    waitlisted with the same position);
  - the registration link of a sample of 200 messages (confirm, already, sign-up: secrets
    minted when each was rendered) opens its registration: GET /api/v1/registrations/SECRET
    on A or B answers its event and its status in the database (pending for a hold);
  - promotion: a message only for a place won after confirming (holds are promoted without
    one). None for a registration confirmed into a seat (its sign-up message says which) or
    still waitlisted; exactly one for one waitlisted when confirmed and confirmed now; for
    one cancelled since, the registration's revision tells (RegistrationStore raises it by
    one for a promotion and by one for a cancellation, and waitlisted when confirmed it had
    no promotion before); else it may have had one message or none;
  - cancellation: exactly one for every confirmed registration cancelled in the database
    (so for every acknowledged cancellation), none for any other nor for an expired hold;
  - nothing else: no message to an address whose sign-ups were all refused (4xx) or never
    completed (stalled clients), no message of another kind, none to an unknown address.
- The outbox agrees with the sink: every row marked sent has its Message-ID at the sink
  (else it was lost), every Message-ID at the sink is a row; no row failed.
- Privacy: neither `almedalen mail list` nor any server log shows a secret of the messages'
  links, and `mail list` shows no full address.
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

from soaklib import MAYBE, psql_rows

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
        "SELECT event_id, lower(email), status, revision, verified_at IS NOT NULL, "
        "expires_at IS NOT NULL AND status = 'cancelled' AND verified_at IS NULL FROM registrations "
        "WHERE email LIKE 'soak-%' OR email LIKE 'stall-%'",
    )
    attempted: dict[tuple[str, str], list[dict]] = defaultdict(list)
    confirmed_answer: dict[str, dict] = {}
    for r in records:
        if "signup" in r:
            attempted[(r["signup"]["email"].lower(), r["signup"]["event"])].append(r)
        if "confirm" in r and r.get("status") == 200:
            confirmed_answer[r["confirm"]["email"].lower()] = r.get("answer") or {}
    by_key: dict[tuple[str, str], list[list[str]]] = defaultdict(list)
    for row in rows:
        by_key[(row[1], row[0])].append(row)
    registered = {row[1] for row in rows}

    expected_keys: set[tuple[str, str, str]] = set()
    request_wrong, signup_wrong, subject_wrong, links = [], [], [], []
    promotion_wrong, cancel_wrong = [], []
    requests_acked = confirm_mails = already_mails = 0
    promotions = promotions_maybe = promotions_maybe_sent = cancellations = signups = 0
    for (address, event), present in by_key.items():
        tries = attempted.get((address, event), [])
        first = [r for r in tries if not r["signup"].get("known")]
        again = [r for r in tries if r["signup"].get("known")]
        expired = sum(1 for row in present if row[5] == "t")
        # Each request: one mail, `confirm` (to confirm it) or `already` (signed up before:
        # its links). At least one per 202, at most one per request that may have been
        # applied; one fewer per hold that expired (a confirm not yet rendered is dropped).
        n_confirm = len(got.get((address, event, "confirm"), []))
        n_already = len(got.get((address, event, "already"), []))
        for kind, n, asked in (("confirm", n_confirm, first), ("already", n_already, again)):
            ack = sum(1 for r in asked if r.get("status") == 202)
            may = sum(1 for r in asked if r["outcome"] in MAYBE)
            low = max(0, ack - (expired if kind == "confirm" else 0))
            if not low <= n <= ack + may:
                request_wrong.append(f"{address} on {event}: {n} {kind} messages for {ack} requests answered 202 "
                                     f"({may} with unknown outcome, {expired} holds expired)")
            if n:
                expected_keys.add((address, event, kind))
            requests_acked += ack
        confirm_mails += n_confirm
        already_mails += n_already
        for kind in ("confirm", "already"):
            for mid in got.get((address, event, kind), []):
                found = CANCEL_LINK.findall(unique[mid]["text"])
                links.append((address, event, kind, found[0] if found else None, unique[mid]["file"]))
                if unique[mid]["method"] is not None:
                    request_wrong.append(f"{address}: a {kind} message with a calendar attachment")
        # The sign-up: the confirmed registration (one per address and event, or none).
        verified = [row for row in present if row[4] == "t"]
        key = (address, event, "signup")
        n = len(got.get(key, []))
        if n != len(verified[:1]) or len(verified) > 1:
            signup_wrong.append(f"{address} on {event}: {n} sign-up messages, {len(verified)} confirmed")
        if n:
            expected_keys.add(key)
        if not verified:
            continue
        signups += 1
        _, _, status, revision, _, _ = verified[0]
        said = confirmed_answer.get(address)
        at_confirm = None  # the status when it was confirmed, as its sign-up message says
        if n >= 1:
            info = unique[got[key][0]]
            at_confirm = "waitlisted" if info["subject"].startswith("Du står på väntelistan") else "confirmed"
            if said:
                if said.get("status") == "confirmed":
                    want = "Anmälan bekräftad: "
                else:
                    want = f"Du står på väntelistan (plats {said.get('waitlist_position')}): "
                if not info["subject"].startswith(want):
                    subject_wrong.append(f"{address}: confirm answered {said.get('status')} "
                                         f"{said.get('waitlist_position')}, subject {info['subject'][:80]!r}")
            found = CANCEL_LINK.findall(info["text"])
            links.append((address, event, "signup", found[0] if found else None, info["file"]))
            if info["method"] != "REQUEST":
                signup_wrong.append(f"{address}: sign-up message with calendar method {info['method']}")
        elif said:
            at_confirm = said.get("status")
        # Promotion: a message only for a place won after confirming (a hold promoted before
        # is told so by its sign-up message). Waitlisted when confirmed, it was never promoted
        # before (no one is demoted), so its revision counts the promotions after, plus one
        # for a cancellation.
        key = (address, event, "promotion")
        n = len(got.get(key, []))
        after = int(revision) - (1 if status == "cancelled" else 0)
        if at_confirm == "confirmed" or status == "waitlisted":
            want_n = {0}
        elif at_confirm == "waitlisted" and after in (0, 1):
            want_n = {after}
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
            promotion_wrong.append(f"{address} on {event} ({status}, {at_confirm} when confirmed, "
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

    refused = {a for (a, _), tries in attempted.items() if a not in registered}
    to_refused, unexplained = [], []
    for key, mids in got.items():
        if key in expected_keys:
            continue
        (to_refused if key[0] in refused else unexplained).append(f"{key[2]} to {key[0]} about {key[1]} ({len(mids)})")
    refused_4xx = sum(1 for a in refused
                      if all(400 <= (r.get("status") or 0) < 500 for (b, _), rs in attempted.items() if b == a
                             for r in rs))

    # The registration link of a sample of messages opens their registration: a confirm
    # message's the request (pending, or cancelled once expired, or the registration once
    # confirmed), the others' the confirmed registration.
    status_of: dict[tuple[str, str], str] = {}
    for (address, event), present in by_key.items():
        verified = [row for row in present if row[4] == "t"]
        if verified:
            status_of[(address, event)] = verified[0][2]
        elif len(present) == 1:
            status_of[(address, event)] = "pending" if present[0][2] != "cancelled" else "cancelled"
    link_wrong = []
    checkable = [link for link in links if (link[0], link[1]) in status_of
                 and (link[2] != "confirm" or len(by_key[(link[0], link[1])]) == 1)]
    sample = random.Random(11).sample(checkable, min(200, len(checkable)))
    for index, (address, event, kind, secret, file) in enumerate(sample):
        if secret is None:
            link_wrong.append(f"{address} ({file}): no registration link in the {kind} message")
            continue
        answer = client.send(ctx.servers[index % 2], "audit", "GET", f"/api/v1/registrations/{secret}",
                             headers={"Accept": "application/json"}, worker="audit")
        said = answer.json() or {}
        want = status_of[(address, event)]
        if answer.status != 200 or said.get("event_id") != event or said.get("status") != want:
            link_wrong.append(f"{address} ({kind}, {file}): the link answers {answer.status} {said.get('event_id')} "
                              f"{said.get('status')}; the database {event} {want}")
    mail_secrets = {secret for _, _, _, secret, _ in links if secret}

    report(request_wrong, "requests without exactly one confirm or already message")
    report(signup_wrong, "confirmed registrations without exactly one sign-up message")
    report(subject_wrong, "sign-up messages whose subject is not what the confirmation answered")
    report(link_wrong, "messages whose registration link does not open their registration")
    report(promotion_wrong, "promotions without exactly the expected messages")
    report(cancel_wrong, "cancellations without exactly one cancellation message (or one too many)")
    report(to_refused, "messages for requests that were refused or never completed")
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
    secrets = mail_secrets - {""}
    lines, _, error = mail_list(ctx)
    listing = "\n".join(lines)
    if not lines:
        ctx.find(f"mail: `almedalen mail list` failed: {error}")
    leaked = [s for s in SECRET.findall(listing) if s in secrets]
    full = sorted(set(re.findall(r"[^\s=<>,]+@[^\s<>,]+", listing.lower())) & registered)
    report(leaked, "link secrets shown by `almedalen mail list`")
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
    report(in_logs, "link secrets in the servers' logs")
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
    ctx.checks.append(
        f"mail: requests: {requests_acked} acknowledged (202), each with exactly one message "
        f"({confirm_mails} confirm, {already_mails} already): {'yes' if not request_wrong else 'NO'}"
    )
    ctx.checks.append(
        f"mail: sign-ups: {signups} confirmed registrations, each with exactly one sign-up message: "
        f"{'yes' if not signup_wrong else 'NO'}; subjects as the confirmations answered: "
        f"{'yes' if not subject_wrong else 'NO'}; the registration link of {len(sample)} messages opens their "
        f"registration: {'yes' if not link_wrong else 'NO'}"
    )
    ctx.checks.append(
        f"mail: promotions: {promotions} expected exactly once (waitlisted when confirmed, confirmed now or "
        f"promoted before a cancellation, by the revision), {promotions_maybe} that may or may not have been "
        f"promoted after confirming "
        f"({promotions_maybe_sent} messages); all as expected: {'yes' if not promotion_wrong else 'NO'}"
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
        f"mail: privacy: no secret of the messages' links in `mail list` ({len(lines)} lines) nor the servers' logs, no full "
        f"address in `mail list`: {'yes' if not leaked and not full and not in_logs else 'NO'}"
    )
