"""Issue 14's "Done when", walked in headless Chromium at phone (390×844) and desktop
(1280×900) width, as the people would:

the office (made with `almedalen user create --office`) takes its invitation, sets a
password, enrols TOTP and invites an organisation from /backoffice/office/organisations;
the organisation's first user takes that invitation from the mail, sets a password, signs in
and enrols TOTP (QR code shown, the secret read from the page's text fallback); creates an
event with a panel and a moderator with a per-event title, and is warned of the walking time
to the moderator's other event at a far venue (made first through the admin API); submits;
the office approves; the public page and /feeds/program.ics show it; an attendee signs up
and confirms; the organiser moves the event and the attendee's notice goes out; the
organiser cancels it and the public page says "inställt".

Every page on the way passes axe-core, is styled, logs nothing in the console and does not
scroll sideways; a screenshot of each step lands in Tests/python/screenshots/walk/.

`test_walk_from_a_self_registered_organisation` walks the same path with the organisation
made through /account/register instead of the office's invitation (which needs the office's
organisations page).
"""

from __future__ import annotations

import re
import time
import urllib.request

import icalendar
import pyotp
import pytest

from conftest import create, create_event, free_port, run_tool, start_server, stop_server
from support import uid_of
from test_browser import (  # noqa: F401
    SHOTS,
    SIZES,
    browser,
    check_axe,
    check_page,
    fresh_visitor,
    use_size,
    wait_for,
)
from test_browser import shoot as shoot_page

PASSWORD = "kalkstensmur vid Almedalen 1862"
WALK = SHOTS / "walk"
DAY = "2034-06-28"  # a day of an edition to come (attendees cannot sign up for past ones)
YEAR = 2034


@pytest.fixture(scope="module")
def site(service):
    """A server whose public URL is its loopback address (so cookies and Origin match). It
    sends mail into the service's Maildir too, and coalesces a move's notice for 3 s only
    (the sender decides when a notice is due: A and B wait the default 10 minutes)."""
    port = free_port()
    env = dict(service.env)
    env["ALMEDALEN_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    env["ALMEDALEN_MAIL_COALESCE_SECONDS"] = "3"
    server = start_server(env, "walk", service.logdir, port=port)
    yield f"http://127.0.0.1:{port}"
    stop_server(server)


class Walk:
    """One walk at one size: the driver, numbered screenshots, TOTP codes never reused."""

    def __init__(self, driver, site: str, service, size: str, name: str):
        self.driver, self.site, self.service, self.size = driver, site, service, size
        self.name = name
        self.steps = iter(range(1, 100))
        self.used: dict[str, int] = {}
        WALK.mkdir(parents=True, exist_ok=True)

    def look(self, what: str, title: str | None = None) -> None:
        driver = self.driver
        if title is not None:
            headings = [e.text for e in driver.find_elements("tag name", "h1")]
            assert headings == [title], (
                f"{what}: headings {headings} at {driver.current_url}:\n"
                + driver.find_element("tag name", "body").text[:500])
        check_page(driver, self.size)
        check_axe(driver, what)
        shoot_page(driver, f"walk/{self.name}-{self.size}-{next(self.steps):02d}-{what.replace(' ', '-')}")

    def go(self, path: str) -> None:
        self.driver.get(path if path.startswith("http") else self.site + path)

    def fill(self, values: dict[str, str]) -> None:
        """Fields by name, in the first form that has them; dates and times set as values
        (typing into them depends on the browser's locale)."""
        for name, value in values.items():
            field = self.driver.find_element("css selector", f"main [name='{name}']")
            kind = field.get_attribute("type")
            if kind in ("date", "time", "number") or field.tag_name == "select":
                self.driver.execute_script(
                    "arguments[0].value = arguments[1];"
                    "arguments[0].dispatchEvent(new Event('change'));", field, value)
            elif kind in ("radio", "checkbox"):
                if field.is_selected() != (value == "on"):
                    field.click()
            else:
                field.clear()
                field.send_keys(value)

    def press(self, selector: str = "main form button[type=submit]", label: str | None = None) -> None:
        """The first button matching `selector` (and saying `label`); waits for the next page."""
        driver = self.driver
        before = driver.find_element("tag name", "main").id
        buttons = [b for b in driver.find_elements("css selector", selector)
                   if label is None or b.text.strip() == label]
        assert buttons, f"no button {selector} {label!r} at {driver.current_url}"
        button = buttons[0]
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
        button.click()
        wait_for(driver, lambda d: d.find_element("tag name", "main").id != before, "the next page")

    def intent(self, value: str) -> None:
        self.press(f"main form button[name=intent][value={value}]")

    def secret(self, kind: str, to: str, path: str) -> str:
        mail = self.service.mailbox.wait(1, kind=kind, to=to)[-1]
        found = re.findall(re.escape(path) + r"([A-Za-z0-9_-]{43})", mail.text)
        assert len(found) == 1, mail.text
        return found[0]

    def code(self, email: str, totp: pyotp.TOTP) -> str:
        """A code of a time step after the last one used (the service refuses a replay)."""
        step = max(int(time.time() // 30), self.used.get(email, -1) + 1)
        while step > int(time.time() // 30) + 1:
            time.sleep(1)
        self.used[email] = step
        return totp.at(step * 30)

    def take_invitation(self, email: str, what: str) -> None:
        invitation = self.secret("invitation", email, "/account/invitation/")
        self.go("/account/invitation/" + invitation)
        self.look(f"{what} invitation", "Inbjudan")
        self.fill({"password": PASSWORD})
        self.press()
        self.look(f"{what} password set", "Logga in")

    def sign_in(self, email: str, totp: pyotp.TOTP | None) -> None:
        fresh_visitor(self.driver)
        self.go("/account/sign-in")
        self.fill({"email": email, "password": PASSWORD})
        self.press()
        if totp is not None:
            assert self.driver.current_url.endswith("/account/sign-in/code"), self.driver.current_url
            self.fill({"code": self.code(email, totp)})
            self.press()

    def enrol(self, email: str, what: str) -> pyotp.TOTP:
        """From the security page (where an office account's first sign-in lands; an
        organiser goes there from the account page): QR code, text secret, code."""
        if not self.driver.current_url.endswith("/account/security"):
            assert self.driver.current_url.endswith("/account"), self.driver.current_url
            self.look(f"{what} account", "Ditt konto")
            self.go("/account/security")
        self.look(f"{what} security", "Säkerhet")
        self.press(label="Slå på tvåstegsverifiering")
        self.look(f"{what} QR code", "Säkerhet")
        qr = self.driver.find_element("css selector", "figure.qr-code svg")
        assert qr.get_attribute("role") == "img"
        key = self.driver.find_element("css selector", "code.secret").text.replace(" ", "")
        totp = pyotp.TOTP(key)
        self.fill({"code": self.code(email, totp)})
        self.press(label="Slå på")
        self.look(f"{what} recovery codes", "Tvåstegsverifiering är på")
        return totp

    def text(self) -> str:
        return self.driver.find_element("tag name", "main").text


def clash(service, size: str) -> dict:
    """Through the admin API: a near venue, a far one (Slite, ~30 km), a moderator, and their
    published event at the far venue just before the walk's event."""
    admin = service.admin
    years = {e["year"] for e in admin.ok("GET", "/api/v1/editions").json()["items"]}
    if YEAR not in years:
        create(admin, "/api/v1/editions", {"year": YEAR, "name": f"Gåtest {YEAR}",
                                           "first_day": f"{YEAR}-06-25", "last_day": f"{YEAR}-07-01"})
    near = create(admin, "/api/v1/venues", {
        "name": f"Walkscenen {size}", "address": "Strandgatan 9, Visby",
        "latitude": 57.6401, "longitude": 18.2890, "capacity": 80})
    far = create(admin, "/api/v1/venues", {
        "name": f"Slite hamn {size}", "address": "Hamnen, Slite",
        "latitude": 57.7061, "longitude": 18.8096, "capacity": 40})
    person = create(admin, "/api/v1/people", {"name": f"Moa Moderatorsson {size}"})
    organiser = create(admin, "/api/v1/organisers", {"name": f"Slite kulturförening {size}"})
    other = create_event(admin, {
        "title": f"Hamnsamtal i Slite {size}", "kind": "seminar",
        "starts_at": f"{DAY}T09:00:00+02:00", "ends_at": f"{DAY}T09:50:00+02:00",
        "venue_id": far["id"], "organiser_id": organiser["id"],
        "participants": [{"person_id": person["id"], "role": "panelist"}]})
    return {"near": near, "far": far, "person": person, "other": other}


def organisation_by_office(walk: Walk, office_email: str, office_totp, organiser_email: str,
                           name: str) -> None:
    walk.sign_in(office_email, office_totp)
    walk.go("/backoffice/office/organisations")
    walk.look("office organisations", "Organisationer")
    walk.fill({"organisation_name": name, "name": "Olga Organisatör", "email": organiser_email})
    walk.press("main form[action$='/backoffice/office/organisations'] button[type=submit]")
    walk.look("organisation invited")
    assert name in walk.text()


def organisation_by_registration(walk: Walk, organiser_email: str, name: str) -> None:
    fresh_visitor(walk.driver)
    walk.go("/account/register")
    walk.look("register", "Skapa arrangörskonto")
    walk.fill({"organisation_name": name, "name": "Olga Organisatör", "email": organiser_email,
               "password": PASSWORD})
    walk.press()
    walk.look("registered")
    verify = walk.secret("verification", organiser_email, "/account/verify/")
    walk.go("/account/verify/" + verify)
    walk.look("verify")
    walk.press()
    walk.look("verified")


def office_account(walk: Walk, email: str) -> pyotp.TOTP:
    run_tool(walk.service.env, "user", "create", "--office", "--email", email, "--name",
             f"Kansliet {walk.size}", log=walk.service.logdir / "almedalen.log")
    fresh_visitor(walk.driver)
    walk.take_invitation(email, "office")
    walk.sign_in(email, None)
    return walk.enrol(email, "office")


def walk_on(walk: Walk, office_email: str, office_totp, organiser_email: str, invited: bool,
            name: str) -> None:
    """From the organiser's first sign-in to the cancelled event on the public page."""
    driver, service, size = walk.driver, walk.service, walk.size
    scene = clash(service, size)
    if invited:
        fresh_visitor(driver)
        walk.take_invitation(organiser_email, "organiser")
    walk.sign_in(organiser_email, None)
    organiser_totp = walk.enrol(organiser_email, "organiser")

    # The overview, then a new event with the basics.
    walk.go("/backoffice")
    assert "/backoffice/organisations/" in driver.current_url, driver.current_url
    walk.look("overview")
    overview = driver.current_url.split("?")[0]
    walk.go(overview.removesuffix("/events") + "/events/new")
    walk.look("new event")
    title = f"Vandringsseminariet {size}"
    walk.fill({"title": title, "description": "Ett samtal om att gå mellan scenerna.",
               "kind": "seminar", "start_date": DAY, "start_time": "10:00", "end_date": DAY,
               "end_time": "11:00"})
    walk.intent("save")
    match = re.search(r"/backoffice/events/([0-9a-f-]{36})", driver.current_url)
    assert match, driver.current_url
    event_id = match.group(1)
    walk.look("draft created")

    # The venue, a panel, the moderator with a per-event title, a capacity.
    walk.fill({"venue_q": "Walkscenen " + size})
    walk.intent("search_venue")
    walk.driver.find_element(
        "css selector", f"main input[name=venue_id][value='{scene['near']['id']}']").click()
    walk.intent("add_panel")
    walk.fill({"panels[0].title": "Att gå i Visby"})
    walk.fill({"person_q": "Moderatorsson " + size})
    walk.intent("search_person")
    walk.look("person found")
    walk.fill({"add_role": "moderator", "add_panel": "0", "add_title": "samtalsledare för dagen"})
    walk.intent("add_person")
    walk.fill({"capacity": "30", "registration_open": "on"})
    walk.intent("save")
    walk.look("event with panel and moderator")
    assert "samtalsledare för dagen" in driver.page_source
    walk.go(overview)
    walk.look("overview with walking warning")
    assert "hinner inte" in walk.text() and "till fots" in walk.text(), walk.text()
    assert f"Hamnsamtal i Slite {size}" in walk.text()

    # Submit.
    walk.go(f"/backoffice/events/{event_id}")
    walk.intent("submit")
    walk.look("submitted")
    event = service.admin.ok("GET", f"/api/v1/events/{event_id}").json()
    assert event["status"] == "submitted", event["status"]
    assert any(p.get("title") == "samtalsledare för dagen" and p["role"] == "moderator"
               for p in event["participants"]), event["participants"]

    # The office approves.
    walk.sign_in(office_email, office_totp)
    walk.go("/backoffice/office/review")
    walk.look("review queue", "Granskning")
    assert title in walk.text()
    walk.press(f"main form[action$='/review/{event_id}/approve'] button")
    walk.look("approved")
    assert service.admin.ok("GET", f"/api/v1/events/{event_id}").json()["status"] == "published"

    # Public: the page and the calendar feed.
    fresh_visitor(driver)
    walk.go(f"/events/{event_id}")
    walk.look("public page", title)
    with urllib.request.urlopen(walk.site + "/feeds/program.ics", timeout=30) as reply:
        calendar = icalendar.Calendar.from_ical(reply.read())
    found = [c for c in calendar.walk("VEVENT") if str(c.get("UID")) == uid_of(event_id)]
    assert len(found) == 1 and str(found[0].get("SUMMARY")) == title, found

    # An attendee signs up on the public page and confirms through the mail's link.
    attendee = f"deltagare-{size}-{int(time.time())}@example.test"
    walk.fill({"name": "Dora Deltagare", "email": attendee})
    walk.press(label="Anmäl mig")
    walk.look("signed up, check your mail")
    confirm = walk.secret("confirm", attendee, "/registrations/")
    walk.go("/registrations/" + confirm)
    walk.look("confirm sign-up")
    walk.press(label="Bekräfta min anmälan")
    walk.look("sign-up confirmed")
    service.mailbox.wait(1, kind="signup", to=attendee)

    # The organiser moves it: the attendee is told.
    walk.sign_in(organiser_email, organiser_totp)
    walk.go(f"/backoffice/events/{event_id}")
    walk.fill({"start_time": "13:00", "end_time": "14:00"})
    walk.intent("save")
    walk.look("moved")
    change = service.mailbox.wait(1, kind="change", to=attendee)[-1]
    assert "13:00" in change.text, change.text

    # And cancels it: the public page says so.
    walk.go(f"/backoffice/events/{event_id}")
    walk.press(f"main form[action$='/events/{event_id}/cancel'] button")
    walk.look("cancelled")
    service.mailbox.wait(1, kind="event-cancelled", to=attendee)
    fresh_visitor(driver)
    walk.go(f"/events/{event_id}")
    walk.look("public page cancelled")
    assert "inställt" in walk.text().lower(), walk.text()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_whole_walk_from_the_office_invitation(browser, site, service, size):
    driver = browser
    use_size(driver, size)
    walk = Walk(driver, site, service, size, "office")
    stamp = int(time.time())
    office_email = f"kansliet-walk-{size}-{stamp}@almedalen.test"
    organiser_email = f"olga-walk-{size}-{stamp}@forening.test"
    office_totp = office_account(walk, office_email)
    name = f"Gåföreningen {size} {stamp}"
    organisation_by_office(walk, office_email, office_totp, organiser_email, name)
    walk_on(walk, office_email, office_totp, organiser_email, True, name)


@pytest.mark.parametrize("size", list(SIZES))
def test_walk_from_a_self_registered_organisation(browser, site, service, size):
    driver = browser
    use_size(driver, size)
    walk = Walk(driver, site, service, size, "registered")
    stamp = int(time.time())
    office_email = f"kansliet-reg-{size}-{stamp}@almedalen.test"
    organiser_email = f"olga-reg-{size}-{stamp}@forening.test"
    office_totp = office_account(walk, office_email)
    name = f"Registrerade gåföreningen {size} {stamp}"
    organisation_by_registration(walk, organiser_email, name)
    walk_on(walk, office_email, office_totp, organiser_email, False, name)
