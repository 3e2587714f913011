"""The account pages in headless Chromium, at phone and desktop width: every kind of account
page (sign-in with and without an error, registration with errors, forgotten password, the
invitation and reset link pages, a link used up, TOTP enrolment with its QR code, the
recovery codes, the second step of sign-in, the landing page, the sessions) must pass
axe-core with no violation, be styled, log nothing in the console and not scroll sideways;
a screenshot of each lands in Tests/python/screenshots/ (`account-SIZE-NN-what.png`).

The form fields are typed into and the buttons clicked, as a person would; the focus order
is the document order (no tabindex but the skip link's target).
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from conftest import run_tool, start_server, stop_server, free_port
from test_browser import SIZES, browser, check_axe, check_page, fresh_visitor, h1, shoot, use_size, wait_for  # noqa: F401

PASSWORD = "kalkstensmur vid Almedalen 1862"


@pytest.fixture(scope="module")
def site(service):
    """A server whose public URL is its loopback address (so cookies and Origin match)."""
    port = free_port()
    env = dict(service.env)
    env["ALMEDALEN_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    env.pop("ALMEDALEN_MAIL", None)  # A and B send the mail
    server = start_server(env, "accounts", service.logdir, port=port)
    yield f"http://127.0.0.1:{port}"
    stop_server(server)


def secret_of(service, kind: str, to: str, path: str) -> str:
    mail = service.mailbox.wait(1, kind=kind, to=to)[-1]
    found = re.findall(re.escape(path) + r"([A-Za-z0-9_-]{43})", mail.text)
    assert len(found) == 1, mail.text
    return found[0]


def fill(driver, values: dict[str, str]) -> None:
    for element_id, value in values.items():
        field = driver.find_element("id", element_id)
        field.clear()
        field.send_keys(value)


def submit(driver, index: int = 0) -> None:
    before = driver.current_url, driver.find_element("tag name", "main").id
    driver.find_elements("css selector", "main form button[type=submit]")[index].click()
    wait_for(driver, lambda d: d.find_element("tag name", "main").id != before[1], "the next page")


@pytest.mark.parametrize("size", list(SIZES))
def test_every_account_page_kind_passes_axe(browser, site, service, size):
    driver = browser
    use_size(driver, size)
    fresh_visitor(driver)
    shots = iter(range(1, 100))

    def look(what: str, title: str | None = None, status: int | None = None) -> None:
        if status is not None:
            # The page's own status (422, 404) is all the console may say.
            logged = [entry["message"] for entry in driver.get_log("browser")]
            expected = f"the server responded with a status of {status}"
            assert all(expected in m and driver.current_url in m for m in logged), logged
            assert logged, f"{what}: no {status} logged"
        if title is not None:
            assert h1(driver) == title, f"{what}: {h1(driver)!r}"
        check_page(driver, size)
        check_axe(driver, what)
        shoot(driver, f"account-{size}-{next(shots):02d}-{what.replace(' ', '-')}")

    driver.get(site + "/account/sign-in")
    look("sign-in", "Logga in")
    fill(driver, {"f1-email": "ingen@example.se", "f1-password": "fel lösenord"})
    submit(driver)
    look("sign-in refused", "Logga in", status=422)
    summary = driver.find_element("css selector", ".error-summary")
    assert "stämmer inte" in summary.text

    driver.get(site + "/account/register")
    look("register", "Skapa arrangörskonto")
    fill(driver, {"f1-organisation_name": "Föreningen Test", "f1-name": "Test Testsson",
                  "f1-email": "inte-en-adress", "f1-password": "kort"})
    driver.execute_script("document.querySelectorAll('input').forEach(i => i.removeAttribute('required'));"
                          "document.querySelector('#f1-email').type = 'text';")
    submit(driver)
    look("register with errors", "Skapa arrangörskonto", status=422)
    email_field = driver.find_element("id", "f1-email")
    assert email_field.get_attribute("aria-invalid") == "true"
    assert "f1-email-problem" in email_field.get_attribute("aria-describedby")

    driver.get(site + "/account/forgot")
    look("forgot", "Glömt lösenordet")

    email = f"office-{size}@almedalen.test"
    run_tool(service.env, "user", "create", "--office", "--email", email, "--name",
             f"Kansliet {size}", log=service.logdir / "almedalen.log")
    invitation = secret_of(service, "invitation", email, "/account/invitation/")
    driver.get(site + "/account/invitation/" + invitation)
    look("invitation", "Inbjudan")
    fill(driver, {"f1-password": PASSWORD})
    submit(driver)
    look("signed up, sign in now", "Logga in")
    driver.get(site + "/account/invitation/" + invitation)
    look("link used up", "Länken gäller inte", status=404)

    driver.get(site + "/account/sign-in")
    fill(driver, {"f1-email": email, "f1-password": PASSWORD})
    submit(driver)
    assert driver.current_url.endswith("/account/security"), driver.current_url
    look("security before enrolment", "Säkerhet")
    submit(driver)  # "Slå på tvåstegsverifiering"
    look("security with QR code", "Säkerhet")
    qr = driver.find_element("css selector", "figure.qr-code svg")
    assert qr.get_attribute("role") == "img" and qr.get_attribute("aria-label").startswith("QR-kod")
    key = driver.find_element("css selector", "code.secret").text.replace(" ", "")
    totp = pyotp.TOTP(key)
    now = time.time()
    fill(driver, {"f1-code": totp.at(now)})
    submit(driver)
    look("recovery codes", "Tvåstegsverifiering är på")
    assert len(driver.find_elements("css selector", "ol.recovery-codes li")) == 10

    driver.get(site + "/account")
    look("landing", "Ditt konto")
    driver.get(site + "/account/sessions")
    look("sessions", "Dina inloggningar")
    submit(driver)  # "Logga ut" on its own row: the only session
    assert driver.current_url.endswith("/account/sign-in")

    fill(driver, {"f1-email": email, "f1-password": PASSWORD})
    submit(driver)
    assert driver.current_url.endswith("/account/sign-in/code"), driver.current_url
    look("second step", "Tvåstegsverifiering")
    fill(driver, {"f1-code": totp.at(now + 30)})
    submit(driver)
    assert driver.current_url.endswith("/account"), driver.current_url

    driver.get(site + "/account/forgot")
    fill(driver, {"f1-email": email})
    submit(driver)
    look("forgot sent", "Glömt lösenordet")
    reset = secret_of(service, "password-reset", email, "/account/reset/")
    driver.get(site + "/account/reset/" + reset)
    look("reset", "Välj ett nytt lösenord")
