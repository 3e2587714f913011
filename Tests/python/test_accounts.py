"""The account pages against real `serve` processes and their Maildir (issue 14):

- `almedalen user create --office` mails an invitation, whose link's page (GET) uses nothing
  and whose form (POST) sets the password, once;
- the office signs in, must enrol TOTP first: the QR code on the security page, rasterised by
  cairosvg and decoded by zxing-cpp, is an otpauth URI whose secret (read by PyOTP) makes the
  codes the server accepts, and equals the key shown as text;
- a code already used is refused within its window, on the other server process too; the
  next one is accepted; a session id set before sign-in is not the one after;
- a reset link is mailed whatever the address (the same answer), works once, after GETs.

The HTTP here is plain http.client with a cookie jar of our own, so that every header is seen.
"""

from __future__ import annotations

import html
import io
import re
import time
import urllib.parse

import pytest

from conftest import run_tool

try:
    import cairosvg
except OSError as error:  # Cairo itself missing
    pytest.fail(f"cairosvg cannot load Cairo: {error}", pytrace=False)
import pyotp
import zxingcpp
from PIL import Image

from support import PUBLIC_URL, Client

PASSWORD = "kalkstensmur vid Almedalen 1862"
SESSION = "__Host-almedalen_session"  # the service's public URL is https


class Browser:
    """One browser: its cookies, and a form token from the first page."""

    def __init__(self, client: Client, address: str = "127.0.0.1"):
        self.client = client
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, form: dict[str, str] | None = None, token: bool = True):
        headers = {"User-Agent": "pytest-konto"}
        body = None
        if method == "POST":
            fields = dict(form or {})
            if token:
                if "almedalen_form" not in self.cookies:
                    self.send("GET", "/account/sign-in")
                fields["form_token"] = self.cookies["almedalen_form"]
            body = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = PUBLIC_URL
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in sorted(self.cookies.items()))
        reply = self.client.request(method, path, body=body, headers=headers)
        for value in reply.all("Set-Cookie"):
            pair, *attributes = [part.strip() for part in value.split(";")]
            name, _, cookie = pair.partition("=")
            if "Max-Age=0" in attributes:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = cookie
        return reply

    def get(self, path: str):
        return self.send("GET", path)

    def post(self, path: str, form: dict[str, str] | None = None, token: bool = True):
        return self.send("POST", path, form, token)

    def sign_in(self, email: str, password: str = PASSWORD):
        return self.post("/account/sign-in", {"email": email, "password": password})


def link(service, kind: str, to: str, path: str, exclude=frozenset()) -> tuple[str, str]:
    """The secret of the newest `kind` mail's link to `path` sent to `to`, and the mail's name."""
    mail = service.mailbox.wait(1, kind=kind, to=to, exclude=exclude)[-1]
    found = re.findall(re.escape(PUBLIC_URL + path) + r"([A-Za-z0-9_-]{43})", mail.text)
    assert len(found) == 1, f"{kind} mail to {to} has {len(found)} links:\n{mail.text}"
    return found[0], mail.name


def decode_qr(page: str) -> str:
    svgs = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(svgs) == 1, f"{len(svgs)} SVGs on the security page"
    svg = svgs[0]
    assert 'role="img"' in svg and 'aria-label="QR-kod' in svg, svg[:300]
    png = cairosvg.svg2png(bytestring=svg.encode(), output_width=400, output_height=400)
    image = Image.open(io.BytesIO(png)).convert("L")
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1, f"zxing-cpp found {len(results)} QR codes"
    assert results[0].valid, results[0].error
    return results[0].text


def test_office_invitation_totp_enrolment_and_replay(service):
    email = "kansliet@almedalen.test"
    out = run_tool(service.env, "user", "create", "--office", "--email", email, "--name",
                   "Kansliet Visby", log=service.logdir / "almedalen.log")
    assert re.fullmatch(r"[0-9a-f-]{36}\n", out), out
    secret, _ = link(service, "invitation", email, "/account/invitation/")
    path = "/account/invitation/" + secret

    a = Browser(service.a.client())
    # The page a scanner fetches, twice: it uses nothing, says no-store, no-referrer.
    for _ in range(2):
        shown = a.get(path)
        assert shown.status == 200, shown.describe()
        assert shown.header("Cache-Control") == "no-store"
        assert shown.header("Referrer-Policy") == "no-referrer"
        assert shown.header("X-Robots-Tag") == "noindex"
    assert a.post(path, {"password": PASSWORD}).status == 200
    assert a.post(path, {"password": PASSWORD}).status == 404, "an invitation worked twice"

    # A session id planted before sign-in is not the one after.
    a.cookies[SESSION] = "planted0000000000000000000000000000000000000"
    signed = a.sign_in(email)
    assert signed.status == 303 and signed.header("Location") == "/account/security", signed.describe()
    assert a.cookies[SESSION] != "planted0000000000000000000000000000000000000"
    cookie = next(v for v in signed.all("Set-Cookie") if v.startswith(SESSION + "="))
    for attribute in ("Path=/", "HttpOnly", "SameSite=Lax", "Secure"):
        assert attribute in cookie, cookie
    assert "Domain" not in cookie
    # Nothing else until TOTP is on.
    assert a.get("/account").header("Location") == "/account/security"

    assert a.post("/account/security/totp").header("Location") == "/account/security"
    page = a.get("/account/security")
    assert page.status == 200 and page.header("Cache-Control") == "no-store"
    uri = decode_qr(page.text())
    totp = pyotp.parse_uri(uri)
    assert isinstance(totp, pyotp.TOTP)
    assert uri.startswith("otpauth://totp/Almedalsveckan:"), uri
    assert totp.issuer == "Almedalsveckan" and totp.name == email
    shown_key = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text())
    assert shown_key and shown_key.group(1).replace(" ", "") == totp.secret

    now = time.time()
    code = totp.at(now)
    before = a.cookies[SESSION]
    enabled = a.post("/account/security/totp/confirm", {"code": code})
    assert enabled.status == 200, enabled.describe()
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", enabled.text())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert a.cookies[SESSION] != before, "the second factor did not renew the session id"
    assert a.get("/account").status == 200

    # On the other process: the code used at enrolment is refused (replay), the next one is not.
    b = Browser(service.b.client())
    assert b.sign_in(email).header("Location") == "/account/sign-in/code"
    replay = b.post("/account/sign-in/code", {"code": code})
    assert replay.status == 422, replay.describe()
    following = totp.at(now + 30)
    passed = b.post("/account/sign-in/code", {"code": following})
    assert passed.status == 303 and passed.header("Location") == "/account", passed.describe()
    assert b.get("/account").status == 200
    # That code once more, from a third browser, within its window: refused.
    c = Browser(service.a.client())
    c.sign_in(email)
    assert c.post("/account/sign-in/code", {"code": following}).status == 422

    # Both sessions are listed, this one marked; ending one from the list ends it.
    listed = b.get("/account/sessions")
    assert listed.status == 200 and listed.text().count("pytest-konto") >= 2
    assert "(den här)" in listed.text()
    rows = [row for row in listed.text().split("<li>") if "/end\"" in row]
    own = [re.search(r"/account/sessions/([0-9a-f-]{36})/end", row).group(1)
           for row in rows if "(den här)" in row]
    others = [re.search(r"/account/sessions/([0-9a-f-]{36})/end", row).group(1)
              for row in rows if "(den här)" not in row]
    assert len(own) == 1 and len(others) >= 2, rows
    for session_id in others:
        ended = b.post(f"/account/sessions/{session_id}/end")
        assert ended.status == 303 and ended.header("Location") == "/account/sessions"
    assert a.get("/account").header("Location") == "/account/sign-in"
    assert b.get("/account").status == 200
    ended = b.post(f"/account/sessions/{own[0]}/end")
    assert ended.header("Location") == "/account/sign-in" and SESSION not in b.cookies
    assert b.get("/account").header("Location") == "/account/sign-in"


def test_reset_link_answers_alike_and_works_once_after_prefetch(service):
    email = "arrangor@almedalen.test"
    run_tool(service.env, "user", "create", "--office", "--email", email, "--name", "Arrangör",
             log=service.logdir / "almedalen.log")
    secret, _ = link(service, "invitation", email, "/account/invitation/")
    browser = Browser(service.a.client())
    assert browser.post("/account/invitation/" + secret, {"password": PASSWORD}).status == 200

    known = browser.post("/account/forgot", {"email": email})
    unknown = browser.post("/account/forgot", {"email": "ingen.alls@almedalen.test"})
    assert known.status == unknown.status == 200
    assert known.body == unknown.body
    secret, _ = link(service, "password-reset", email, "/account/reset/")
    path = "/account/reset/" + secret
    for _ in range(3):  # a mail scanner, a preview, the user
        assert Browser(service.b.client()).get(path).status == 200
    new = "ett helt nytt lösenord på Gotland"
    assert browser.post(path, {"password": new}).status == 200
    second = Browser(service.b.client()).post(path, {"password": "ännu ett lösenord 2"})
    assert second.status == 404
    assert "Länken gäller inte" in html.unescape(second.text())
    assert Browser(service.a.client()).sign_in(email, new).status == 303
    assert Browser(service.a.client()).sign_in(email, "ännu ett lösenord 2").status == 422


def test_forms_need_the_token_and_our_origin_and_secrets_stay_out_of_the_log(service):
    email = "loggen@almedalen.test"
    run_tool(service.env, "user", "create", "--office", "--email", email, "--name", "Loggen",
             log=service.logdir / "almedalen.log")
    secret, _ = link(service, "invitation", email, "/account/invitation/")
    path = "/account/invitation/" + secret
    browser = Browser(service.a.client())
    assert browser.get(path).status == 200
    # Without the form token, from another site, or as a cross-site fetch: 403, and the
    # link stays unused.
    assert browser.post(path, {"password": PASSWORD}, token=False).status == 403
    forged = browser.client.request(
        "POST", path,
        body=urllib.parse.urlencode({"password": PASSWORD,
                                     "form_token": browser.cookies["almedalen_form"]}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example",
                 "Cookie": f"almedalen_form={browser.cookies['almedalen_form']}"})
    assert forged.status == 403
    fetched = browser.client.request(
        "POST", path,
        body=urllib.parse.urlencode({"password": PASSWORD,
                                     "form_token": browser.cookies["almedalen_form"]}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site",
                 "Cookie": f"almedalen_form={browser.cookies['almedalen_form']}"})
    assert fetched.status == 403
    assert browser.get(path).status == 200, "a refused form used the link"
    assert browser.post(path, {"password": PASSWORD}).status == 200
    # The access log names the route's pattern, never the secret.
    logs = "".join(p.read_text(errors="replace") for p in service.logdir.glob("serve-*.log"))
    assert "path=/account/invitation/{token}" in logs
    assert secret not in logs
