"""`almedalen privacy export` and `privacy erase` (GDPR articles 15 and 17) on a running
service: what the command line does is seen at once by the servers."""

from __future__ import annotations

import json
import secrets

from conftest import run_tool
from test_attendee_calendar import calendar_path, sign_up
from test_registration_load import secret_path, sign_up_event


def test_export_then_erase_forgets_the_person_everywhere(service):
    tag = secrets.token_hex(3)
    first = sign_up_event(service, 10, f"Integritet ett {tag}")
    second = sign_up_event(service, 10, f"Integritet två {tag}")
    name, email = "Rut Raderasdotter", f"rut-{tag}@example.org"
    one = sign_up(service.public, first["id"], name, email)
    sign_up(service.public_b, second["id"], name, email)
    bystander = sign_up(service.public, first["id"], "Kvar Kvarsson", f"kvar-{tag}@example.org")
    log = service.logdir / "privacy.log"

    exported = json.loads(run_tool(service.env, "privacy", "export", "--email", email.upper(), log=log))
    assert exported["email"] == email.upper()
    titles = sorted(item["event_title"] for item in exported["registrations"])
    assert titles == sorted([first["title"], second["title"]]), exported
    assert {item["name"] for item in exported["registrations"]} == {name}
    assert {item["email"] for item in exported["registrations"]} == {email}

    run_tool(service.env, "privacy", "erase", "--email", email, log=log)
    again = json.loads(run_tool(service.env, "privacy", "export", "--email", email, log=log))
    assert again["registrations"] == [], again
    # Their calendar and cancel links stop working; the counts stay; others are untouched.
    assert service.public.get(calendar_path(one["calendar_url"])).status == 404
    listing = service.admin.ok("GET", f"/api/v1/events/{first['id']}/registrations").json()
    assert listing["counts"]["confirmed"] == 2, listing["counts"]
    names = [item["name"] for item in listing["items"]]
    assert name not in names and "Kvar Kvarsson" in names and None in names, names
    assert email not in json.dumps(listing)
    assert service.public.get(secret_path(bystander["cancel_url"])).status == 200
