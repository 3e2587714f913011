"""The public pages in a real browser: Debian's headless Chromium driven by Selenium through
chromedriver, at a phone's width (390×844, mobile emulation) and a desktop's (1280×900).

It opens the programme, filters it by topic with the form, opens a seminar from the list, and
signs up with the form: the answer says to look in the mail ("Titta i din e-post"); the
confirm link of the message the servers delivered into the session's Maildir opens the
confirm page, whose button confirms; the signup message's link opens the attendee's page,
whose cookie makes that browser's next sign-up one step. axe-core (the copy that the pinned
axe-selenium-python carries) runs on each of those page kinds and must find no violation.
Then it checks that Tab from the top of a page reaches the skip link first. Screenshots (PNG, the whole page up to a few screens) go to Tests/python/screenshots/
(git ignores it), named `phone-1-programme.png` and so on.

The browser talks to a third `almedalen serve` on loopback whose ALMEDALEN_PUBLIC_URL is its
own `http://127.0.0.1:PORT`: the pages link seminars by their absolute public URL, and the
form check compares the browser's Origin with that URL, so servers A and B (public URL
https://almedalen.test) cannot be browsed over loopback. That third server sends no mail
(A and B do, with links to https://almedalen.test): the browser opens a mailed link's path
on the loopback server, as if it had followed it.

Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian's chromium and chromium-driver;
scripts/test installs them): without them the tests fail, they are not skipped.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import create, create_event, free_port, start_server, stop_server
from support import PUBLIC_URL, STOCKHOLM
from test_registration_load import FIRST_DAY, LAST_DAY, YEAR, _setup_lock, rows

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SHOTS = Path(__file__).resolve().parent / "screenshots"
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
MAX_SHOT_HEIGHT = 4000  # px: a long page is cut there
TOPIC = "Digital demokrati"
WAIT = 15  # seconds for a page to load after a click


def need_browser():
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} missing: install Debian's chromium and chromium-driver "
            "(apt-get install chromium chromium-driver; scripts/test does it)",
            pytrace=False,
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.fail("selenium is not installed: pip install -r Tests/python/requirements.txt", pytrace=False)


# --------------------------------------------------------------------------------------------
# Fixtures: a programme worth looking at, a loopback server, a browser


@dataclass
class Programme:
    day: str  # the day `/` opens on
    edition: dict
    signup: dict  # registration open, topic TOPIC
    with_topic: list[dict]  # every event of the edition with TOPIC
    others: list[dict]


def opening_day(edition: dict) -> str:
    today = dt.datetime.now(STOCKHOLM).date()
    first, last = dt.date.fromisoformat(edition["first_day"]), dt.date.fromisoformat(edition["last_day"])
    return (today if first <= today <= last else first).isoformat()


def at(day: str, hour: int, minute: int = 0) -> str:
    date = dt.date.fromisoformat(day)
    return dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=STOCKHOLM).isoformat()


@pytest.fixture(scope="module")
def programme(service) -> Programme:
    """A few seminars on the day `/` opens on (the newest edition's first day): two with
    TOPIC, one of them taking sign-ups; one cancelled; one on another topic."""
    admin = service.admin
    with _setup_lock:  # the same lock and edition as test_registration_load's sign_up_event
        editions = {e["year"]: e for e in admin.ok("GET", "/api/v1/editions").json()["items"]}
        if max(editions) < YEAR:
            editions[YEAR] = create(admin, "/api/v1/editions", {
                "year": YEAR, "name": "Lasttest 2027", "first_day": FIRST_DAY, "last_day": LAST_DAY})
    edition = editions[max(editions)]
    day = opening_day(edition)
    tag = secrets.token_hex(2)
    venue = create(admin, "/api/v1/venues", {
        "name": f"Donners plats, scen {tag}", "address": "Donners plats 1, Visby",
        "latitude": 57.6397, "longitude": 18.2925, "capacity": 60})
    organisers = admin.ok("GET", "/api/v1/organisers?limit=5").json()["items"]
    people = admin.ok("GET", "/api/v1/people?limit=4").json()["items"]
    base = {"organiser_id": organisers[0]["id"], "languages": ["sv"]}
    signup = create_event(admin, {
        **base,
        "title": "Hur stärker vi den digitala demokratin på Gotland?",
        "description": "Ett samtal om e-förslag, öppna data och medborgardialog.\n\n"
                       "Kaffe och fralla serveras från 09.30.",
        "kind": "panel_debate",
        "starts_at": at(day, 10), "ends_at": at(day, 11),
        "venue_id": venue["id"], "co_organiser_ids": [organisers[1]["id"]],
        "topics": [TOPIC, "Demokrati"], "accessibility": ["wheelchair", "hearing_loop"],
        "food_served": True, "capacity": 40, "registration_open": True,
        "panels": [{"title": "Samtalet", "moderator_ids": [people[0]["id"]],
                    "panelist_ids": [people[1]["id"], people[2]["id"]]}],
        "participants": [{"person_id": people[0]["id"], "role": "moderator", "title": "moderator"}],
    })
    breakfast = create_event(admin, {
        **base, "organiser_id": organisers[2]["id"],
        "title": "Frukostmöte: öppna data i kommunerna", "kind": "breakfast_seminar",
        "starts_at": at(day, 8), "ends_at": at(day, 9), "topics": [TOPIC],
        "languages": ["sv", "en"], "food_served": True,
    })
    cancelled = create_event(admin, {
        **base, "organiser_id": organisers[3]["id"],
        "title": "Valrörelsen i sociala medier", "starts_at": at(day, 13), "ends_at": at(day, 14),
        "venue_id": venue["id"], "topics": ["Demokrati"],
    })
    admin.ok("POST", f"/api/v1/events/{cancelled['id']}/cancel", expect=(200,))
    lunch = create_event(admin, {
        **base, "organiser_id": organisers[4]["id"],
        "title": "Lunchsamtal om kollektivtrafiken på Gotland", "starts_at": at(day, 12),
        "ends_at": at(day, 12, 45), "topics": ["Transporter"], "accessibility": ["captions"],
    })
    events = [
        e for status in ("published", "cancelled")
        for e in admin.ok("GET", f"/api/v1/events?limit=500&status={status}&edition_id={edition['id']}").json()["items"]
    ]
    with_topic = [e for e in events if TOPIC in e["topics"]]
    return Programme(day, edition, signup, with_topic, [breakfast, cancelled, lunch])


@pytest.fixture(scope="module")
def loopback(service, programme):
    """`almedalen serve` whose public URL is its own loopback address."""
    port = free_port()
    env = dict(service.env)
    env["ALMEDALEN_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    env.pop("ALMEDALEN_MAIL", None)  # A and B send the mail, with links to PUBLIC_URL
    server = start_server(env, "browser", service.logdir, port=port)
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def browser():
    need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as DriverService

    profile = tempfile.mkdtemp(prefix="almedalen-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--hide-scrollbars", "--lang=sv-SE",
                     "--no-first-run", "--disable-extensions", "--disable-background-networking",
                     f"--user-data-dir={profile}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(options=options, service=DriverService(executable_path=str(CHROMEDRIVER)))
    except Exception as error:  # noqa: BLE001 - whatever chromedriver says, the test fails
        shutil.rmtree(profile, ignore_errors=True)
        pytest.fail(f"could not start {CHROMIUM} through {CHROMEDRIVER}: {error}", pytrace=False)
    driver.set_page_load_timeout(WAIT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Helpers


def use_size(driver, size: str) -> None:
    width, height = SIZES[size]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": size == "phone"})
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": size == "phone"})


def fresh_visitor(driver) -> None:
    """No cookies: a visitor's first time on the site."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.get_log("browser")  # drop what earlier pages logged


def shoot(driver, name: str, whole_page: bool = True) -> Path:
    """A PNG of the page (from the top, up to MAX_SHOT_HEIGHT px) or of the viewport."""
    path = SHOTS / f"{name}.png"
    if whole_page:
        width, height = driver.execute_script(
            "return [document.documentElement.clientWidth, document.documentElement.scrollHeight]")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(height, MAX_SHOT_HEIGHT), "scale": 1}})
        path.write_bytes(base64.b64decode(shot["data"]))
    else:
        driver.save_screenshot(str(path))
    assert path.stat().st_size > 1000, f"{path} is nearly empty"
    return path


def wait_for(driver, condition, what: str):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, WAIT).until(condition)
    except TimeoutException:
        body = driver.find_element("tag name", "body").text[:1500]
        pytest.fail(f"waited {WAIT} s for {what}; at {driver.current_url}:\n{body}", pytrace=False)


def h1(driver) -> str:
    return driver.find_element("tag name", "h1").text


def check_page(driver, size: str) -> None:
    """What every page must be in the browser: Swedish, styled (the CSP lets the stylesheet
    in), nothing blocked or failing in the console, and no sideways scrolling on a phone."""
    assert driver.find_element("tag name", "html").get_attribute("lang") == "sv"
    assert driver.title.endswith("Almedalsveckan"), driver.title
    background = driver.execute_script(
        "return getComputedStyle(document.querySelector('header.site')).backgroundColor")
    assert background == "rgb(18, 58, 92)", f"{driver.current_url}: the stylesheet did not apply ({background})"
    problems = [
        entry["message"] for entry in driver.get_log("browser")
        if entry["level"] in ("SEVERE", "WARNING") and "favicon.ico" not in entry["message"]
    ]
    assert not problems, f"{driver.current_url}: the console says:\n" + "\n".join(problems)
    scroll, inner = driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{size}: {driver.current_url} scrolls sideways ({scroll} px wide in {inner})"


def axe_violations(driver) -> list[str]:
    """axe-core's violations on the page as loaded (every rule it runs by default)."""
    import axe_selenium_python

    script = Path(axe_selenium_python.__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
    driver.execute_script(script.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(r), e => done({error: String(e)}));")
    assert "error" not in result, f"axe failed on {driver.current_url}: {result['error']}"
    assert result.get("passes"), f"axe checked nothing on {driver.current_url}"
    return [
        f"{v['id']} ({v['impact']}): {v['help']}; " + "; ".join(n["html"][:120] for n in v["nodes"][:3])
        for v in result["violations"]
    ]


def check_axe(driver, what: str) -> None:
    found = axe_violations(driver)
    assert not found, f"axe on {what} ({driver.current_url}):\n" + "\n".join(found)


def mailed_path(service, kind: str, email: str, event_id: str, link: str = "registrations") -> str:
    """The path of the /registrations/ (or /attendees/) link in the newest `kind` message
    to `email` about the event, waiting for it."""
    mails = service.mailbox.wait(1, 60, kinds=(kind,), to=email, event_id=event_id)
    found = re.findall(re.escape(PUBLIC_URL) + rf"(/{link}/[A-Za-z0-9_-]{{43}})(?![A-Za-z0-9_-])", mails[-1].text)
    assert found, f"no {link} link in the {kind} mail:\n{mails[-1].text}"
    return found[0]


def confirm_by_mail(driver, base: str, service, email: str, event_id: str, size: str) -> None:
    """Opens the confirm message's link and presses its button."""
    driver.get(base + mailed_path(service, "confirm", email, event_id))
    check_page(driver, size)
    button = driver.find_element("css selector", "form.confirm-form button[type=submit]")
    assert button.text == "Bekräfta min anmälan", button.text
    check_axe(driver, "the confirm page")
    shoot(driver, f"{size}-5-confirm")
    button.click()
    wait_for(driver, lambda d: d.current_url.endswith("/confirm"), "the answer to the confirm button")


def listed_titles(driver) -> list[str]:
    return [a.text for a in driver.find_elements("css selector", "article.seminar h3 a")]


# --------------------------------------------------------------------------------------------
# Tests


@pytest.mark.parametrize("size", list(SIZES))
def test_programme_filter_seminar_and_sign_up(browser, loopback, programme, service, size):
    from selenium.webdriver.support.ui import Select

    driver = browser
    base = f"http://127.0.0.1:{loopback.port}"
    use_size(driver, size)
    fresh_visitor(driver)

    # 1. The programme opens on its first day.
    driver.get(base + "/")
    check_page(driver, size)
    titles = listed_titles(driver)
    assert programme.signup["title"] in titles, f"/ lists {titles}"
    assert Select(driver.find_element("id", "filter-day")).first_selected_option.get_attribute("value") == programme.day
    shoot(driver, f"{size}-1-programme")

    # 2. Filter by topic with the form.
    Select(driver.find_element("id", "filter-topic")).select_by_value(TOPIC)
    driver.find_element("css selector", "form.filters button[type=submit]").click()
    wait_for(driver, lambda d: "topic=" in d.current_url, "the filtered programme")
    check_page(driver, size)
    titles = listed_titles(driver)
    assert sorted(titles) == sorted(e["title"] for e in programme.with_topic), titles
    assert TOPIC in h1(driver), h1(driver)
    shoot(driver, f"{size}-2-filtered")

    # 3. Open the seminar from the list.
    driver.find_element("link text", programme.signup["title"]).click()
    wait_for(driver, lambda d: "/events/" in d.current_url, "the seminar's page")
    check_page(driver, size)
    assert h1(driver) == programme.signup["title"]
    text = driver.find_element("css selector", "main").text
    for expected in ("Anmälan", "platser kvar", "Lägg till i kalendern", "Visa på karta"):
        assert expected in text, f"the seminar's page lacks {expected!r}"
    shoot(driver, f"{size}-3-seminar")

    # 4. Sign up.
    email = f"webblasare-{size}-{secrets.token_hex(3)}@example.org"
    driver.find_element("id", "signup-name").send_keys(f"Webb Läsarsson ({size})")
    driver.find_element("id", "signup-email").send_keys(email)
    driver.find_element("css selector", "form.signup-form button[type=submit]").click()
    wait_for(driver, lambda d: "/registrations" in d.current_url, "the answer to the sign-up")
    assert h1(driver) == "Titta i din e-post", f"{size}: after signing up, {driver.current_url} says {h1(driver)!r}"
    check_page(driver, size)
    check_axe(driver, "the page after a sign-up request")
    shoot(driver, f"{size}-4-requested")
    query = ("SELECT status, verified_at IS NOT NULL FROM registrations WHERE event_id = "
             f"'{programme.signup['id']}' AND email = '{email}'")
    assert rows(service, query) == [["confirmed", "f"]], rows(service, query)  # a seat held, unverified

    # 5. The mail's link, the confirm button.
    confirm_by_mail(driver, base, service, email, programme.signup["id"], size)
    status = driver.find_element("css selector", "main").text
    assert "Du har fått en plats" in status and "bekräftad" in status, (
        f"{size}: after confirming, {driver.current_url} says:\n{status}")
    check_page(driver, size)
    check_axe(driver, "the page after confirming")
    shoot(driver, f"{size}-6-confirmed")
    assert rows(service, query) == [["confirmed", "t"]], rows(service, query)

    # 6. The attendee's page, from the signup mail.
    driver.get(base + mailed_path(service, "signup", email, programme.signup["id"], link="attendees"))
    assert h1(driver) == "Mina anmälningar", h1(driver)
    assert programme.signup["title"] in driver.find_element("css selector", "main").text
    check_page(driver, size)
    check_axe(driver, "the attendee page")
    shoot(driver, f"{size}-7-attendee")


def test_tab_from_the_top_reaches_the_skip_link_first(browser, loopback, programme):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver = browser
    use_size(driver, "desktop")
    driver.get(f"http://127.0.0.1:{loopback.port}/events/{programme.signup['id']}")
    ActionChains(driver).send_keys(Keys.TAB).perform()
    focused = driver.switch_to.active_element
    assert focused.tag_name == "a" and "skip" in (focused.get_attribute("class") or ""), (
        f"Tab first focuses <{focused.tag_name} class={focused.get_attribute('class')!r}> "
        f"{focused.text!r}, not the skip link")
    assert focused.text == "Hoppa till innehållet"
    rect = focused.rect
    assert focused.is_displayed() and rect["x"] >= 0 and rect["y"] >= 0, f"the focused skip link is off screen: {rect}"
    shoot(driver, "desktop-5-skip-link", whole_page=False)
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait_for(driver, lambda d: d.current_url.endswith("#innehall"), "the skip link to be followed")
    assert driver.switch_to.active_element.get_attribute("id") == "innehall", "focus did not move to <main>"
    ActionChains(driver).send_keys(Keys.TAB).perform()
    after = driver.switch_to.active_element
    assert after.text == "← Hela programmet", f"after the skip link, Tab goes to {after.text!r}"


def test_sign_up_straight_from_a_shared_link(browser, loopback, programme, service):
    """A first visit that lands on the seminar's page (a link someone shared) and signs up
    at once: the cookie and the form come in the same answer."""
    driver = browser
    use_size(driver, "phone")
    fresh_visitor(driver)
    driver.get(f"http://127.0.0.1:{loopback.port}/events/{programme.signup['id']}")
    email = f"delad-lank-{secrets.token_hex(3)}@example.org"
    driver.find_element("id", "signup-name").send_keys("Delad Länksson")
    driver.find_element("id", "signup-email").send_keys(email)
    driver.find_element("css selector", "form.signup-form button[type=submit]").click()
    wait_for(driver, lambda d: "/registrations" in d.current_url, "the answer to the sign-up")
    text = driver.find_element("css selector", "main").text
    if h1(driver) != "Titta i din e-post":
        shoot(driver, "phone-8-shared-link-refused")
    assert h1(driver) == "Titta i din e-post", (
        f"a first visitor's sign-up from the seminar's page was refused; the page says:\n{text}")


def test_attendee_cookie_makes_the_next_sign_up_one_step(browser, loopback, programme, service):
    """After the attendee page has been opened in a browser, a sign-up from that browser
    with the same address is made at once: no mail to confirm, the seat taken."""
    driver = browser
    base = f"http://127.0.0.1:{loopback.port}"
    use_size(driver, "desktop")
    fresh_visitor(driver)
    admin = service.admin
    second = create_event(admin, {
        "organiser_id": programme.signup["organiser_id"], "languages": ["sv"],
        "title": "Eftermiddagssamtal om landsbygdens skolor", "starts_at": at(programme.day, 15),
        "ends_at": at(programme.day, 16), "topics": ["Skola"], "capacity": 30, "registration_open": True,
    })
    email = f"kaka-{secrets.token_hex(3)}@example.org"
    name = "Kaka Kakesson"

    def sign_up_here(event_id: str) -> None:
        driver.get(f"{base}/events/{event_id}")
        driver.find_element("id", "signup-name").send_keys(name)
        driver.find_element("id", "signup-email").send_keys(email)
        driver.find_element("css selector", "form.signup-form button[type=submit]").click()
        wait_for(driver, lambda d: "/registrations" in d.current_url, "the answer to the sign-up")

    sign_up_here(programme.signup["id"])
    assert h1(driver) == "Titta i din e-post", h1(driver)
    confirm_by_mail(driver, base, service, email, programme.signup["id"], "desktop")
    driver.get(base + mailed_path(service, "signup", email, programme.signup["id"], link="attendees"))
    assert h1(driver) == "Mina anmälningar", h1(driver)
    cookie = driver.get_cookie("almedalen_attendee")
    assert cookie and cookie["httpOnly"], cookie

    sign_up_here(second["id"])
    status = driver.find_element("css selector", "main").text
    assert h1(driver) == "Tack för din anmälan" and "Du har fått en plats" in status, (
        f"the second sign-up with the attendee's cookie was not made at once:\n{status}")
    check_page(driver, "desktop")
    check_axe(driver, "the page after a one-step sign-up")
    shoot(driver, "desktop-9-one-step")
    assert rows(service, "SELECT status, verified_at IS NOT NULL FROM registrations "
                         f"WHERE event_id = '{second['id']}' AND email = '{email}'") == [["confirmed", "t"]]
    service.mailbox.wait(1, 60, kinds=("signup",), to=email, event_id=second["id"])
    assert not service.mailbox.find(kind="confirm", to=email, event_id=second["id"])
    # The attendee page lists both.
    driver.get(base + mailed_path(service, "signup", email, second["id"], link="attendees"))
    text = driver.find_element("css selector", "main").text
    assert programme.signup["title"] in text and second["title"] in text, text
