"""The backoffice pages in headless Chromium, without a server of ours: the Swift test
`BackofficePageTests.everyPageIsWrittenForTheBrowserChecks` writes every page kind (plain
and with a hostile title in every field) to .build/backoffice-pages/ with the stylesheet;
this serves that folder over loopback (python's http.server, with the service's
Content-Security-Policy) and, for each page:

- runs axe-core (the copy axe-selenium-python carries) at 320 px and 1280 px: no violation;
- checks that nothing scrolls sideways at 320 px and at 640 px (1280 px at 200 % zoom);
- checks the stylesheet applied and the console is quiet (the CSP blocked nothing);
- saves a screenshot per width in Tests/python/screenshots/backoffice-*.png.

Fails (never skips) when the pages are missing: run `swift test --filter BackofficePageTests`
first; scripts/test runs the Swift tests before Tests/python.
"""

from __future__ import annotations

import base64
import functools
import http.server
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / ".build" / "backoffice-pages"
SHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# The policy PageRoutes sends with every page.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
MAX_SHOT_HEIGHT = 6000


def page_names() -> list[str]:
    return sorted(p.stem for p in PAGES.glob("*.html")) if PAGES.is_dir() else ["(none written)"]


class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def site():
    if not (PAGES / "overview.html").is_file():
        pytest.fail(f"{PAGES} has no pages: run `swift test --filter BackofficePageTests` first",
                    pytrace=False)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(PAGES)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def driver():
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: apt-get install chromium chromium-driver",
                    pytrace=False)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="almedalen-backoffice-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--hide-scrollbars", "--lang=sv-SE",
                     "--no-first-run", "--disable-extensions", "--disable-background-networking",
                     f"--user-data-dir={profile}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        chrome = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    except Exception as error:  # noqa: BLE001 - whatever chromedriver says, the test fails
        shutil.rmtree(profile, ignore_errors=True)
        pytest.fail(f"could not start {CHROMIUM}: {error}", pytrace=False)
    chrome.set_page_load_timeout(15)
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield chrome
    finally:
        chrome.quit()
        shutil.rmtree(profile, ignore_errors=True)


def set_width(driver, width: int, height: int = 900) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})


def sideways(driver) -> tuple[int, int]:
    return tuple(driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]"))


def axe(driver) -> list[str]:
    import axe_selenium_python

    script = Path(axe_selenium_python.__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
    driver.execute_script(script.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(r), e => done({error: String(e)}));")
    assert "error" not in result, f"axe failed: {result['error']}"
    assert result.get("passes"), "axe checked nothing"
    return [
        f"{v['id']} ({v['impact']}): {v['help']}; " + "; ".join(n["html"][:160] for n in v["nodes"][:3])
        for v in result["violations"]
    ]


def shoot(driver, name: str) -> None:
    width, height = driver.execute_script(
        "return [document.documentElement.clientWidth, document.documentElement.scrollHeight]")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": min(height, MAX_SHOT_HEIGHT), "scale": 1}})
    path = SHOTS / f"backoffice-{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    assert path.stat().st_size > 1000, f"{path} is nearly empty"


@pytest.mark.parametrize("name", page_names())
def test_backoffice_page_in_chromium(site, driver, name):
    driver.get_log("browser")  # drop what earlier pages logged
    for width in (320, 640, 1280):
        set_width(driver, width)
        driver.get(f"{site}/{name}.html")
        assert driver.find_element("tag name", "html").get_attribute("lang") == "sv"
        background = driver.execute_script(
            "return getComputedStyle(document.querySelector('header.site')).backgroundColor")
        assert background == "rgb(18, 58, 92)", f"{name}: the stylesheet did not apply"
        scroll, inner = sideways(driver)
        assert scroll <= inner, f"{name} at {width} px scrolls sideways ({scroll} px in {inner})"
        if width in (320, 1280):
            found = axe(driver)
            assert not found, f"axe on {name} at {width} px:\n" + "\n".join(found)
            shoot(driver, f"{name}-{width}")
    problems = [e["message"] for e in driver.get_log("browser")
                if e["level"] in ("SEVERE", "WARNING") and "favicon.ico" not in e["message"]]
    assert not problems, f"{name}: the console says:\n" + "\n".join(problems)
