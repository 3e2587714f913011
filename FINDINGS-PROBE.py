"""Issue 19's outside probe, for the findings whose tests on optin go through the new sign-up
flow (request 202, confirm by mail) and so cannot run against old main as they are: each
probe repeats, against whatever `almedalen` ALMEDALEN_BIN names, the request of the finding
and checks the assertion that optin's test makes (see FINDINGS-TESTS.md). It prints
`REPRODUCED` when the server shows the finding, `held` when it does not, and exits 1 when
any finding is reproduced. For the lead's closing note only: delete it with
FINDINGS-TESTS.md.

  cd /work/wt-findings
  DATABASE_URL=... ALMEDALEN_BIN=/work/wt-oldmain/.build/debug/almedalen \
    ALMEDALEN_SCHEMA_DIR=/work/wt-oldmain/Schema /work/wt-optin-py/.venv/bin/python FINDINGS-PROBE.py
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "Tests" / "python"))

import pytest  # noqa: E402  (conftest's helpers report with pytest.fail)

from conftest import create, create_event, database_url, psql, run_tool, start_server, stop_server, with_database  # noqa: E402
from support import PUBLIC_URL  # noqa: E402

results: list[tuple[str, bool, str]] = []


def report(finding: str, reproduced: bool, seen: str) -> None:
    results.append((finding, reproduced, seen))
    print(f"{'REPRODUCED' if reproduced else 'held':10} {finding}: {seen}", flush=True)


def main() -> int:
    admin_url = database_url()
    logdir = Path(tempfile.mkdtemp(prefix="almedalen-probe-"))
    name = "probe_" + secrets.token_hex(6)
    psql(admin_url, f'CREATE DATABASE "{name}"')
    server = None
    try:
        env = dict(os.environ)
        for key in ("ALMEDALEN_SIGNUPS_PER_CLIENT", "ALMEDALEN_SIGNUPS_PER_EMAIL", "ALMEDALEN_MAIL",
                    "ALMEDALEN_MAILS_PER_ADDRESS", "ALMEDALEN_MAILS_PER_ADDRESS_TOTAL"):
            env.pop(key, None)  # every limit at its default
        env.update({
            "DATABASE_URL": with_database(admin_url, name),
            "ALMEDALEN_PUBLIC_URL": PUBLIC_URL,
            "ALMEDALEN_TRUST_FORWARDED_FOR": "1",
        })
        log = logdir / "almedalen.log"
        run_tool(env, "migrate", log=log)
        token = run_tool(env, "token", "create", "--role", "admin", "--name", "probe", log=log).split()[-1]
        server = start_server(env, "probe", logdir)
        admin = server.client(token)
        public = server.client()
        create(admin, "/api/v1/editions",
               {"year": 2030, "name": "Probe 2030", "first_day": "2030-06-30", "last_day": "2030-07-07"})
        org_a = create(admin, "/api/v1/organisers", {"name": "Organisatör A"})
        org_b = create(admin, "/api/v1/organisers", {"name": "Organisatör B Probesson"})
        venue = create(admin, "/api/v1/venues", {"name": "Probescenen", "address": "Strandgatan 3, Visby",
                                                 "latitude": 57.64, "longitude": 18.29, "capacity": 200})
        hours = iter(range(8, 20))

        def seminar(title: str, capacity: int = 20) -> dict:
            hour = next(hours)
            return create_event(admin, {
                "title": title, "starts_at": f"2030-07-01T{hour:02d}:00:00+02:00",
                "ends_at": f"2030-07-01T{hour:02d}:45:00+02:00", "organiser_id": org_a["id"],
                "venue_id": venue["id"], "language": "sv", "capacity": capacity, "registration_open": True,
            })

        def sign_up(event: dict, person: str, email: str, client: str):
            return public.request("POST", f"/api/v1/events/{event['id']}/registrations",
                                  {"name": person, "email": email}, headers={"X-Forwarded-For": client})

        def calendar_path(reply) -> str | None:
            try:
                url = reply.json().get("calendar_url")
            except (ValueError, AttributeError):
                return None
            return url[len(PUBLIC_URL):] if isinstance(url, str) and url.startswith(PUBLIC_URL) else url

        # Also seen: headers. optin: test_http_hardening.py
        # test_every_answer_says_nosniff_and_token_answers_no_store and HardeningTests
        # everyAnswerSaysNosniffAndAuthenticatedOrSecretOnesNoStore.
        missing = [(who, path) for who, client, path in [
            ("admin", admin, "/api/v1/events"), ("admin", admin, "/api/v1/people"),
            ("admin", admin, "/feeds/program.ics"), ("anonymous", public, "/api/v1/events")]
            if client.get(path).header("Cache-Control") != "no-store"]
        report("also: Cache-Control no-store on authenticated answers", bool(missing),
               f"without Cache-Control: no-store: {missing}")
        missing = [path for path in ["/api/v1/events", "/api/v1/openapi.json", "/feeds/program.ics",
                                     "/feeds/program.rss", "/healthz"]
                   if (admin if path == "/api/v1/events" else public).get(path).header("X-Content-Type-Options") != "nosniff"]
        report("also: X-Content-Type-Options nosniff on API and feed answers", bool(missing),
               f"without nosniff: {missing}")

        # Finding 7: finding 7's own cursor on the lists other than events (optin:
        # test_a_made_up_cursor_is_422_on_every_list_and_the_server_survives, HardeningTests
        # aCursorTheServerDidNotGiveOutIs422OnEveryList).
        cursor = base64.urlsafe_b64encode(b"a\x1fnot-a-uuid").decode().rstrip("=")
        answers = {path: admin.get(f"{path}?cursor={cursor}").status
                   for path in ["/api/v1/people", "/api/v1/venues", "/api/v1/organisers", "/api/v1/events"]}
        report("7 a made-up cursor is 500", any(status != 422 for status in answers.values()), f"{answers}")

        # Findings 1-3: the victim signs up for two seminars; an outsider then signs up with
        # the victim's address for a third.
        mine, other, target = seminar("Offrets seminarium"), seminar("Offrets andra"), seminar("Angriparens mål")
        victim = "offer@example.se"
        first = sign_up(mine, "Offer Offersson", victim, "203.0.113.1")
        sign_up(other, "Offer Offersson", victim, "203.0.113.1")
        victim_calendar = calendar_path(first)
        attack = sign_up(target, "Angripare", victim, "198.51.100.7")
        attacker_calendar = calendar_path(attack)
        seen = f"POST with the victim's address -> {attack.status} {attack.body[:160]!r}"
        leaked = ""
        if attacker_calendar:
            ics = public.get(attacker_calendar).body
            leaked = f"; its calendar lists the victim's seminars: {mine['id'] in ics.decode() and other['id'] in ics.decode()}, STATUS:CONFIRMED {ics.count(b'STATUS:CONFIRMED')}x"
        # optin: test_another_persons_address_reveals_nothing asserts 202 and no
        # /feeds/ /registrations/ /attendees/ link in the answer.
        report("1 calendar_url for someone else's address", attack.status != 202 or b"/feeds/" in attack.body,
               seen + leaked)

        if attacker_calendar and victim_calendar:
            before = public.get(victim_calendar).status
            revoke = public.request("DELETE", attacker_calendar)
            after = public.get(victim_calendar).status
            # optin: the victim's calendar link still answers 200 after the outsider's request.
            report("2 the outsider's link revokes the victim's", after != 200,
                   f"victim's calendar {before}; DELETE outsider's link -> {revoke.status}; victim's calendar -> {after}")
        else:
            report("2 the outsider's link revokes the victim's", False,
                   f"the outsider got no calendar link (answer {attack.status})")

        repeat = sign_up(mine, "Angripare", victim.upper(), "198.51.100.8")
        new = sign_up(mine, "Angripare", "ny-adress@example.se", "198.51.100.9")
        # optin: the answers for a new and a signed-up address are byte-identical (headers but
        # Date and X-Request-Id too).
        report("3 a repeat sign-up tells the address is signed up",
               (repeat.status, repeat.body) != (new.status, new.body),
               f"signed-up address (upper case) -> {repeat.status} {repeat.body[:120]!r}; new -> {new.status} {new.body[:60]!r}")

        # Finding 4 and the per-address mail cap: six requests in the victim's name from one
        # client, then the victim's own request from another client to another seminar.
        locked = "utestangd@example.se"
        statuses = [sign_up(seminar("Låsningsförsök") if i == 0 else target, "Angripare", locked, "192.0.2.66").status
                    for i in range(6)]
        own = sign_up(other, "Utestängd Själv", locked, "203.0.113.200")
        # optin: test_nobody_can_keep_an_owners_own_request_from_being_mailed (the owner's
        # request is answered 202, mailed and confirmed) and RegistrationAPITests
        # mailToOneAddressIsCappedAndTheAddressIsNeverRefused (never 429 for an address).
        report("4 an address can be locked out (429)", 429 in statuses or own.status == 429,
               f"six requests from one client -> {statuses}; the owner's own from another client -> {own.status}")

        # Finding 5: organiser A names organiser B as co-organiser of a published event.
        out = run_tool(env, "token", "create", "--role", "organiser", "--organiser", org_a["id"], "--name", "probe-a", log=log)
        as_a = server.client(out.split()[-1])
        title = "Samarbete som B aldrig godkänt"
        # The event is A's and published (by an admin); A then names B, as A may edit it.
        made = create_event(admin, {
            "title": title, "starts_at": "2030-07-02T10:00:00+02:00", "ends_at": "2030-07-02T11:00:00+02:00",
            "organiser_id": org_a["id"], "venue_id": venue["id"], "language": "sv"})
        etag = as_a.request("GET", f"/api/v1/events/{made['id']}").header("ETag")
        named = as_a.request("PATCH", f"/api/v1/events/{made['id']}", {"co_organiser_ids": [org_b["id"]]},
                             headers={"If-Match": etag or ""})
        page = public.get(f"/organisers/{org_b['id']}")
        ics = public.get(f"/feeds/program.ics?organiser={org_b['id']}")
        shown = title.encode() in page.body or title.encode() in ics.body
        # optin: CoOrganiserConsentTests aNamedCoOrganiserShowsOnlyOnceItAccepts (none of
        # B's page, feeds, listing, the event's page or calendar names B before B accepts).
        report("5 a co-organiser shows without consent", shown,
               f"A names B on its published event -> {named.status}; /organisers/B {page.status} shows it: "
               f"{title.encode() in page.body}; program.ics?organiser=B shows it: {title.encode() in ics.body}")

        # Also seen: capacity filled with invented addresses.
        full = seminar("Fylls med påhittade", capacity=3)
        answers = [sign_up(full, f"Påhittad {i}", f"pahittad-{i}@example.org", f"198.51.100.{50 + i}") for i in range(3)]
        counts = admin.request("GET", f"/api/v1/events/{full['id']}/registrations").json().get("counts")
        # optin: test_invented_addresses_hold_seats_only_until_they_expire asserts counts
        # {confirmed: 0, pending: N} after the requests, and the holds let go after expiry.
        report("also: capacity filled with invented addresses", bool(counts) and counts.get("confirmed", 0) == 3,
               f"three invented addresses -> {[a.status for a in answers]} "
               f"{[json.loads(a.body).get('status') for a in answers if a.body.startswith(b'{')]}; counts {counts}")
    finally:
        if server is not None:
            stop_server(server)
        psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(logdir, ignore_errors=True)
    return 1 if any(reproduced for _, reproduced, _ in results) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except pytest.fail.Exception as failure:
        print(f"probe setup failed: {failure}", file=sys.stderr)
        sys.exit(2)
