"""The public HTML pages, against the real database, checked with real parsers.

Every page is parsed three ways: lxml's HTML parser (what the checks read), lxml's XML parser
with nothing forgiven (the pages are meant to be polyglot XHTML: well-formed XML), and, for
one page of each kind, html5lib in strict mode (the HTML5 parsing algorithm, failing on any
parse error).

- A crawler starts at the programme, a filtered view, seminars, a person and an organiser, and
  follows every same-site link breadth-first (`/…` and `https://almedalen.test/…`, mapped to
  the servers; a `webcal://` link must have its https twin on the same page): every page
  answers 200 with the right content type and passes the page checks (lang, title, one h1,
  CSP without 'unsafe-inline', nosniff, no script, unique ids, every field labelled, every
  POST form carrying `form_token`, every `#fragment` found); every other link is http(s).
- Filters narrow correctly: each filter alone and in combination lists exactly the events of
  the admin API that match it, and the same events as the feed its own "Prenumerera" link
  names; the links carry the page's filter.
- The sign-up form signs up only with the SameSite cookie's token from our own origin, and
  no attendee's name or email appears on any public page or feed.
- A sign-up by the form is a request ("Titta i din e-post", the same whatever the address);
  the `confirm` message's link opens the registration page with a confirm button (a GET
  never confirms), whose POST confirms; the `signup` message then brings the registration
  page with its cancel button, the calendar and the attendee's page `/attendees/{token}`,
  whose cookie makes the next sign-up from that browser one step.
"""

from __future__ import annotations

import collections
import datetime as dt
import re
import secrets
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import html5lib
import lxml.html
import pytest
from lxml import etree

from conftest import api_events, patch_event
from support import PUBLIC_URL, STOCKHOLM, Reply, events_by_uid, parse_rfc3339
from test_registration_load import rows, sign_up_event

XHTML = "{http://www.w3.org/1999/xhtml}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
HTML_TYPE = "text/html; charset=utf-8"
COOKIE = "almedalen_form"
WEBCAL = "webcal://" + PUBLIC_URL.split("://", 1)[1]
SECRET_NAME = "Hemlig Hemligsson"
CRAWL_LIMIT = 600  # pages and feeds, spread over the kinds; the whole site is ~2000
CRAWL_WORKERS = 8
HOSTILE_TITLE = 'Sidtest <b>fet</b> & "citat" <script>alert(1)</script> \u00e5\u00e4\u00f6'


# --------------------------------------------------------------------------------------------
# Fetching and parsing pages


def strict_xml(raw: bytes):
    parser = etree.XMLParser(recover=False, resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(raw, parser)


@dataclass
class Page:
    path: str
    reply: Reply
    doc: lxml.html.HtmlElement
    xml: etree._Element

    def text(self) -> str:
        return " ".join(self.doc.text_content().split())

    def css(self, selector: str) -> list:
        return self.doc.cssselect(selector)

    def one(self, selector: str):
        found = self.css(selector)
        assert len(found) == 1, f"{self.path}: {len(found)} elements match {selector!r}"
        return found[0]

    def hrefs(self) -> list[str]:
        return [a.get("href") for a in self.doc.iter("a") if a.get("href") is not None]

    def seminar_ids(self) -> list[str]:
        """The events the page lists, in order (the programme, person and organiser lists)."""
        return [event_id_of(a.get("href")) for a in self.css("article.seminar h3 a")]


def event_id_of(href: str) -> str:
    path = urllib.parse.urlsplit(href).path
    match = re.fullmatch(r"/events/([0-9a-f-]{36})", path)
    assert match, f"not an event page link: {href}"
    return match.group(1)


def parse(path: str, reply: Reply) -> Page:
    """An HTML answer parsed both ways; fails if it is not well-formed XML."""
    try:
        xml = strict_xml(reply.body)
    except etree.XMLSyntaxError as error:
        pytest.fail(f"{path} is not well-formed XML: {error}\n{reply.body[:300]!r}", pytrace=False)
    doc = lxml.html.document_fromstring(reply.body, parser=lxml.html.HTMLParser(encoding="utf-8"))
    return Page(path, reply, doc, xml)


def fetch(client, path: str, status: int = 200, headers=None) -> Page:
    reply = client.get(path, headers=headers)
    assert reply.status == status, f"GET {path} on {client.name}: want {status}\n{reply.describe()}"
    assert reply.header("Content-Type") == HTML_TYPE, f"GET {path}:\n{reply.describe()}"
    page = parse(path, reply)
    problems = page_problems(page)
    assert not problems, f"{path}:\n" + "\n".join(problems)
    return page


def site_path(href: str) -> str | None:
    """Our own path (with query) for a same-site link, None for anything else."""
    if href.startswith("/") and not href.startswith("//"):
        return href
    if href.startswith(PUBLIC_URL + "/"):
        return href[len(PUBLIC_URL):]
    return None


def query_items(url: str) -> list[tuple[str, str]]:
    return sorted(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True))


# --------------------------------------------------------------------------------------------
# What every page must be


FIELD_TAGS = ("input", "select", "textarea")


def page_problems(page: Page) -> list[str]:
    """Everything wrong with one HTML page; empty when it is fine."""
    problems: list[str] = []
    reply, doc, xml = page.reply, page.doc, page.xml
    add = problems.append

    # Headers.
    csp = reply.header("Content-Security-Policy")
    if not csp:
        add("no Content-Security-Policy header")
    else:
        if "unsafe-inline" in csp or "unsafe-eval" in csp:
            add(f"CSP allows unsafe code: {csp}")
        directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
        if "default-src 'none'" not in directives.get("default-src", "") and "script-src" not in directives:
            add(f"CSP leaves scripts unrestricted: {csp}")
        if "frame-ancestors" not in directives:
            add(f"CSP without frame-ancestors: {csp}")
    if reply.header("X-Content-Type-Options") != "nosniff":
        add(f"X-Content-Type-Options is {reply.header('X-Content-Type-Options')!r}")

    # The XML view: XHTML namespace, lang and xml:lang.
    if xml.tag != XHTML + "html":
        add(f"the XML root is {xml.tag}, not XHTML's html")
    if xml.get("lang") != "sv" or xml.get(XML_LANG) != "sv":
        add(f"lang={xml.get('lang')!r} xml:lang={xml.get(XML_LANG)!r}, want sv")
    if list(xml.iter(XHTML + "script")):
        add("a <script> element (XML view)")

    # The HTML view.
    if doc.get("lang") != "sv":
        add(f'<html lang="{doc.get("lang")}">, want sv')
    if not doc.cssselect('head > meta[charset="utf-8"]'):
        add('no <meta charset="utf-8">')
    titles = doc.cssselect("head > title")
    if len(titles) != 1 or not (titles[0].text or "").strip():
        add(f"{len(titles)} <title> elements, or an empty one")
    if len(doc.cssselect("h1")) != 1:
        add(f"{len(doc.cssselect('h1'))} <h1> elements, want 1")
    if not doc.cssselect('meta[name="viewport"]'):
        add("no viewport meta")
    if doc.cssselect("script"):
        add("a <script> element")
    body = doc.find("body")
    first = body[0] if body is not None and len(body) else None
    if first is None or first.tag != "a" or first.get("href") != "#innehall":
        add("the body does not start with the skip link to #innehall")
    if len(doc.cssselect("main#innehall")) != 1 or len(doc.cssselect("main")) != 1:
        add("not exactly one <main id=\"innehall\">")
    for image in doc.iter("img"):
        if image.get("alt") is None:
            add(f"<img src={image.get('src')!r}> without alt")
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        for name in element.attrib:
            if name.lower().startswith("on"):
                add(f"event handler attribute {name} on <{element.tag}>")
            if name.lower() == "style":
                add(f"inline style on <{element.tag}> (the CSP blocks it)")
        if element.tag == "style":
            add("a <style> element (the CSP blocks it)")

    ids = collections.Counter(e.get("id") for e in doc.iter() if isinstance(e.tag, str) and e.get("id"))
    for dup, count in ids.items():
        if count > 1:
            add(f'id "{dup}" appears {count} times')
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in ("aria-labelledby", "aria-describedby"):
            for ref in (element.get(attribute) or "").split():
                if ref not in ids:
                    add(f'{attribute}="{ref}" on <{element.tag}> names no element')
    for label in doc.iter("label"):
        target = label.get("for")
        if target is not None and target not in ids:
            add(f'<label for="{target}"> names no element')
    for href in page.hrefs():
        if href.startswith("#") and href[1:] not in ids:
            add(f'link to "{href}" but no such id')
        if not href.strip():
            add("an empty href")

    # Forms: every field labelled, every POST form carrying its token.
    labelled = {label.get("for") for label in doc.iter("label") if label.get("for")}
    for form in doc.iter("form"):
        method = (form.get("method") or "get").lower()
        action = form.get("action") or ""
        if site_path(action) is None:
            add(f'a form posting to "{action}", not to this site')
        for fieldnode in form.iter(*FIELD_TAGS):
            kind = (fieldnode.get("type") or "").lower()
            if fieldnode.tag == "input" and kind in ("hidden", "submit", "button", "reset"):
                continue
            if not (
                (fieldnode.get("id") and fieldnode.get("id") in labelled)
                or fieldnode.get("aria-label")
                or fieldnode.get("aria-labelledby")
                or any(a.tag == "label" for a in fieldnode.iterancestors())
            ):
                add(f'<{fieldnode.tag} name="{fieldnode.get("name")}"> has no label')
        if method == "post":
            tokens = [i for i in form.iter("input") if i.get("name") == "form_token"]
            if len(tokens) != 1 or tokens[0].get("type") != "hidden" or not tokens[0].get("value"):
                add(f'POST form to "{action}" without one hidden, non-empty form_token')
        elif method != "get":
            add(f"a form with method {method}")
        if not form.cssselect('button[type="submit"], input[type="submit"]'):
            add(f'form to "{action}" has no submit button')
    return problems


# --------------------------------------------------------------------------------------------
# The crawler


def kind_of(path: str) -> str:
    bare = urllib.parse.urlsplit(path).path
    if bare == "/":
        return "programme"
    for prefix, kind in (("/events/", "event"), ("/people/", "person"), ("/organisers/", "organiser"),
                         ("/feeds/", "feed"), ("/registrations/", "registration")):
        if bare.startswith(prefix):
            return kind
    return "other"


FEED_TYPES = {
    ".ics": "text/calendar",
    ".rss": "application/rss+xml",
    ".json": "application/json",
    ".xml": "application/xml",
    ".css": "text/css",
}


@dataclass
class Crawl:
    visited: dict[str, int] = field(default_factory=dict)  # path -> status
    kinds: collections.Counter = field(default_factory=collections.Counter)
    problems: list[str] = field(default_factory=list)
    external: set[str] = field(default_factory=set)
    fragments: dict[str, set[str]] = field(default_factory=dict)  # path -> ids it must have
    ids: dict[str, set[str]] = field(default_factory=dict)  # HTML path -> its ids
    secrets_seen: list[str] = field(default_factory=list)
    html_pages: int = 0
    unvisited: int = 0  # links found but left for lack of budget


def crawl(service, starts: list[str], secrets_to_hide: list[str], limit: int = CRAWL_LIMIT) -> Crawl:
    """Breadth-first over same-site links from `starts`, spread over servers A and B; each
    round takes the frontier's links kind by kind (programme, events, people, organisers,
    feeds) so that a budget smaller than the site still samples every kind."""
    result = Crawl()
    clients = [service.public, service.public_b]
    hidden = [s.lower().encode() for s in secrets_to_hide]
    frontier: list[str] = []
    seen: set[str] = set()

    def enqueue(path: str) -> None:
        path = urllib.parse.urldefrag(path)[0] or "/"
        if path not in seen:
            seen.add(path)
            frontier.append(path)

    for start in starts:
        enqueue(start)

    def visit(index_path: tuple[int, str]):
        index, path = index_path
        reply = clients[index % 2].get(path)
        return path, reply

    with ThreadPoolExecutor(max_workers=CRAWL_WORKERS, thread_name_prefix="crawl") as pool:
        while frontier and len(result.visited) < limit:
            by_kind: dict[str, collections.deque] = collections.defaultdict(collections.deque)
            for path in frontier:
                by_kind[kind_of(path)].append(path)
            batch: list[str] = []
            room = limit - len(result.visited)
            while len(batch) < room and any(by_kind.values()):
                for queue in by_kind.values():
                    if queue and len(batch) < room:
                        batch.append(queue.popleft())
            left = [p for q in by_kind.values() for p in q]
            frontier = []
            for path, reply in pool.map(visit, enumerate(batch, len(result.visited))):
                found = check_answer(result, path, reply, hidden)
                for link in found:
                    enqueue(link)
            frontier = left + frontier
    result.unvisited = len(frontier)

    for path, wanted in result.fragments.items():
        if path in result.ids:
            for fragment in sorted(wanted - result.ids[path]):
                result.problems.append(f'a link to "{path}#{fragment}", but {path} has no such id')
    return result


def check_answer(result: Crawl, path: str, reply: Reply, hidden: list[bytes]) -> list[str]:
    """Records the answer's problems; returns the same-site links of an HTML page."""
    result.visited[path] = reply.status
    kind = kind_of(path)
    result.kinds[kind] += 1
    problems = result.problems
    if reply.status != 200:
        problems.append(f"GET {path} -> {reply.status}: {reply.body[:200]!r}")
        return []
    # Folded iCalendar lines could split a name: search the unfolded text, case-insensitively.
    haystack = reply.body.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").lower()
    for secret in hidden:
        if secret in haystack:
            result.secrets_seen.append(f"{path} contains {secret!r}")
    content_type = reply.header("Content-Type") or ""
    bare = urllib.parse.urlsplit(path).path
    suffix = bare[bare.rfind("."):] if "." in bare.rsplit("/", 1)[-1] else ""
    if suffix in FEED_TYPES:
        if not content_type.startswith(FEED_TYPES[suffix]):
            problems.append(f"GET {path}: Content-Type {content_type!r}, want {FEED_TYPES[suffix]}")
        return []
    if content_type != HTML_TYPE:
        problems.append(f"GET {path}: Content-Type {content_type!r}, want {HTML_TYPE}")
        return []
    try:
        page = parse(path, reply)
    except BaseException as error:  # pytest.fail inside parse: record and go on
        problems.append(f"{path}: {error}")
        return []
    result.html_pages += 1
    problems.extend(f"{path}: {p}" for p in page_problems(page))
    result.ids[path] = {e.get("id") for e in page.doc.iter() if isinstance(e.tag, str) and e.get("id")}

    links: list[str] = []
    hrefs = [e.get("href") for e in page.doc.iter("a", "link") if e.get("href") is not None]
    hrefs += [f.get("action") for f in page.doc.iter("form") if (f.get("method") or "get").lower() == "get"]
    for href in hrefs:
        if href.startswith("#"):
            continue
        own = site_path(href)
        if own is not None:
            target, fragment = urllib.parse.urldefrag(own)
            target = target or "/"
            if kind_of(target) == "registration" or target.startswith("/feeds/attendee/"):
                problems.append(f"{path} links to an attendee's private page {href}")
                continue
            if fragment:
                result.fragments.setdefault(target, set()).add(fragment)
            links.append(target)
        elif href.startswith("webcal://"):
            twin = "https://" + href[len("webcal://"):]
            if not href.startswith(WEBCAL + "/"):
                problems.append(f"{path}: webcal link to another site: {href}")
            elif twin not in hrefs:
                problems.append(f"{path}: {href} without its https twin on the page")
        elif href.startswith(("https://", "http://")):
            host = urllib.parse.urlsplit(href).hostname or ""
            if host == urllib.parse.urlsplit(PUBLIC_URL).hostname:
                problems.append(f"{path}: our own site over plain http: {href}")
            result.external.add(href)
        else:
            problems.append(f"{path}: a link that is neither ours nor http(s): {href!r}")
    return links


# --------------------------------------------------------------------------------------------
# Forms, as a browser submits them


BROWSER_POST = {"Origin": PUBLIC_URL, "Sec-Fetch-Site": "same-origin"}


def set_cookie(reply: Reply) -> str | None:
    """The form cookie's value if the answer sets it (checking its attributes)."""
    for header in reply.all("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name.strip() != COOKIE:
            continue
        value, *attributes = [part.strip() for part in rest.split(";")]
        flags = {a.split("=")[0].lower(): (a.split("=", 1)[1] if "=" in a else "") for a in attributes}
        assert flags.get("samesite", "").lower() == "strict", header
        assert "httponly" in flags and flags.get("path") == "/", header
        assert ("secure" in flags) == PUBLIC_URL.startswith("https://"), header
        return value
    return None


def post_form(client, action: str, fields: dict[str, str] | list[tuple[str, str]], cookie: str | None,
              headers: dict[str, str] | None = None) -> Reply:
    path = site_path(action)
    assert path, f"form action {action!r} is not on this site"
    all_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie is not None:
        all_headers["Cookie"] = f"{COOKIE}={cookie}"
    all_headers.update(BROWSER_POST if headers is None else headers)
    body = urllib.parse.urlencode(fields).encode("ascii")
    return client.request("POST", path, body=body, headers=all_headers)


@dataclass
class FormVisit:
    page: Page
    cookie: str
    action: str
    token: str


class Visitor:
    """A browser's view of the site: one client and the form cookie it was given."""

    def __init__(self, client):
        self.client = client
        self.cookie: str | None = None

    def get(self, path: str, status: int = 200) -> Page:
        headers = {"Cookie": f"{COOKIE}={self.cookie}"} if self.cookie else None
        page = fetch(self.client, path, status=status, headers=headers)
        given = set_cookie(page.reply)
        if self.cookie:
            assert given is None, f"GET {path} replaced a valid cookie: {page.reply.describe()}"
        else:
            assert given, f"GET {path} set no {COOKIE} cookie:\n{page.reply.describe()}"
            self.cookie = given
        return page

    def open_form(self, path: str, selector: str) -> FormVisit:
        page = self.get(path)
        form = page.one(selector)
        assert form.get("method") == "post", f"{selector} on {path} is not a POST form"
        token = [i for i in form.iter("input") if i.get("name") == "form_token"][0].get("value")
        assert token == self.cookie, f"{path}: the form's token {token!r} is not the cookie's {self.cookie!r}"
        return FormVisit(page, self.cookie, form.get("action"), token)


def open_form(client, path: str, selector: str) -> FormVisit:
    """The form as a visitor who has already seen a page of the site gets it (the first page
    sets the cookie; see test_first_visit_form_token_is_the_cookie for a first visit)."""
    visitor = Visitor(client)
    visitor.get("/")
    return visitor.open_form(path, selector)


def registrations_of(service, event_id: str, email: str) -> list[str]:
    """The statuses as every answer shows them: `pending` for a request not confirmed yet
    (which holds `confirmed` or `waitlisted` in the table)."""
    return [r[0] for r in rows(
        service,
        "SELECT CASE WHEN verified_at IS NULL AND status <> 'cancelled' THEN 'pending' "
        f"ELSE status::text END FROM registrations WHERE event_id = '{event_id}' "
        f"AND lower(email) = lower('{email}') ORDER BY arrival",
    )]


REQUESTED_HEADING = "Titta i din e-post"
ATTENDEE_COOKIE = "almedalen_attendee"


@dataclass
class FormSignUp:
    """A sign-up through the pages, as a browser without JavaScript makes it."""

    requested: Page  # the answer to the form: look in your mail
    confirm_page: Page  # the confirm mail's link: the registration page with its button
    confirmed: Page  # the answer to the button
    confirm_secret: str
    signup: object  # support.MaildirMail: the signup message
    registration_path: str  # /registrations/SECRET of the signup mail
    calendar_path: str  # /feeds/attendee/SECRET.ics
    attendee_path: str  # /attendees/SECRET


def form_sign_up(service, event_id: str, name: str, email: str, client=None, confirm_client=None) -> FormSignUp:
    """The form on the seminar's page (on `client`), the confirm mail, its page and button
    (on `confirm_client`), then the signup mail."""
    client = client or service.public
    confirm_client = confirm_client or client
    box = service.mailbox
    visit = open_form(client, f"/events/{event_id}", "form.signup-form")
    seen = box.names(to=email, event_id=event_id)
    reply = post_form(client, visit.action, {"form_token": visit.token, "name": name, "email": email}, visit.cookie)
    assert reply.status == 200, f"the form's sign-up:\n{reply.describe()}"
    requested = parse("(requested)", reply)
    assert not page_problems(requested), page_problems(requested)
    assert requested.one("h1").text_content() == REQUESTED_HEADING, requested.text()[:400]
    [mail, *_] = box.wait(1, 60, exclude=seen, kinds=("confirm",), to=email, event_id=event_id)
    secret = mail.links().page
    assert secret, mail.text
    path = f"/registrations/{secret}"
    visitor = Visitor(confirm_client)
    visitor.get("/")
    form = visitor.open_form(path, "form.confirm-form")
    assert form.action == path + "/confirm", form.action
    assert not form.page.css("form.cancel-form"), "a cancel button on a request not confirmed yet"
    seen = box.names(to=email, event_id=event_id)
    answer = post_form(confirm_client, form.action, {"form_token": form.token}, form.cookie)
    assert answer.status == 200, f"the confirm button:\n{answer.describe()}"
    confirmed = parse("(confirmed)", answer)
    assert not page_problems(confirmed), page_problems(confirmed)
    [signup, *_] = box.wait(1, 60, exclude=seen, kinds=("signup",), to=email, event_id=event_id)
    links = signup.links()
    assert links.page and links.calendar and links.attendee, signup.text
    return FormSignUp(requested, form.page, confirmed, secret, signup, f"/registrations/{links.page}",
                      f"/feeds/attendee/{links.calendar}.ics", f"/attendees/{links.attendee}")


# --------------------------------------------------------------------------------------------
# Test data


@dataclass
class Site:
    world: object
    open_event: dict  # 2027, registration open, food, livestream, a hostile title
    cancelled_event: dict  # 2027, had registration open, then cancelled
    secret_email: str
    signed_up: Page  # the page after the secret attendee confirmed
    registration_path: str
    form: FormSignUp  # every page of the secret attendee's sign-up
    events_by_id: dict[str, dict]  # every public event (published and cancelled), by id
    editions: dict[int, dict]


@pytest.fixture(scope="module")
def site(service, world) -> Site:
    admin = service.admin
    tag = secrets.token_hex(3)
    opened = sign_up_event(service, 20, HOSTILE_TITLE + f" {tag}")
    opened = patch_event(admin, opened["id"], {
        "food_served": True,
        "livestream_url": "https://play.example.org/almedalen/sidtest",
        "topics": ["Sidtestämne"],
        "accessibility": ["wheelchair", "sign_language"],
        "co_organiser_ids": [world.organiser["id"]],
    })
    cancelled = sign_up_event(service, 10, f"Sidtest som ställs in {tag}")
    admin.ok("POST", f"/api/v1/events/{cancelled['id']}/cancel", expect=(200,))

    # The secret attendee signs up through the form and the mail, as a browser would.
    email = f"hemlig.{tag}@hemlig-doman.example"
    form = form_sign_up(service, opened["id"], SECRET_NAME, email)

    public = api_events(admin, status="published") + api_events(admin, status="cancelled")
    editions = {e["year"]: e for e in admin.ok("GET", "/api/v1/editions").json()["items"]}
    return Site(world, opened, cancelled, email, form.confirmed, form.registration_path, form,
                {e["id"]: e for e in public}, editions)


@pytest.fixture(scope="module")
def crawled(service, site) -> Crawl:
    world = site.world
    starts = [
        "/",
        "/?year=2012",
        "/?" + urllib.parse.urlencode({"day": "2012-07-03", "topic": "Pytestämne"}),
        f"/events/{world.rich_event['id']}",
        f"/events/{site.open_event['id']}",
        f"/events/{site.cancelled_event['id']}",
        f"/people/{world.people[0]['id']}",
        f"/organisers/{world.organiser['id']}",
    ]
    return crawl(service, starts, [SECRET_NAME, site.secret_email])


# --------------------------------------------------------------------------------------------
# Crawl


def test_every_link_resolves_and_every_page_is_well_formed(crawled):
    c = crawled
    summary = (f"visited {len(c.visited)} ({dict(c.kinds)}), {c.html_pages} HTML pages, "
               f"{c.unvisited} links left over")
    assert not c.problems, f"{len(c.problems)} problems ({summary}):\n" + "\n".join(c.problems[:40])
    # The crawl saw the site, not a corner of it.
    assert c.kinds["event"] >= 100 and c.kinds["person"] >= 20 and c.kinds["organiser"] >= 20, summary
    assert c.kinds["programme"] >= 3 and c.kinds["feed"] >= 5, summary
    assert "/static/site.css" in c.visited and "/api/v1/openapi.json" in c.visited, summary


def test_external_links_are_web_links(crawled):
    assert crawled.external, "no external link at all (the map links to OpenStreetMap)"
    for href in crawled.external:
        assert urllib.parse.urlsplit(href).scheme in ("https", "http"), href
    assert any(h.startswith("https://www.openstreetmap.org/") for h in crawled.external), crawled.external


def test_no_attendee_data_on_any_public_page_or_feed(crawled, site):
    assert not crawled.secrets_seen, "\n".join(crawled.secrets_seen[:20])
    # The event page they signed up for counts them, and that is all.
    assert f"/events/{site.open_event['id']}" in crawled.visited


def test_attendee_pages_hold_no_name_or_email(service, site):
    form = site.form
    for page in (form.requested, form.confirm_page, site.signed_up, fetch(service.public, site.registration_path),
                 fetch(service.public, form.attendee_path)):
        raw = page.reply.body.lower()
        assert SECRET_NAME.lower().encode() not in raw, f"{page.path} shows the attendee's name"
        assert site.secret_email.lower().encode() not in raw, f"{page.path} shows the attendee's email"


# --------------------------------------------------------------------------------------------
# One page of each kind through html5lib, strictly


def test_html5_parser_finds_no_error(service, site):
    world = site.world
    client = service.public
    paths = [
        "/",
        "/?" + urllib.parse.urlencode({"year": "2012", "accessibility": "wheelchair"}),
        f"/events/{world.rich_event['id']}",
        f"/events/{site.open_event['id']}",
        f"/events/{site.cancelled_event['id']}",
        f"/people/{world.people[1]['id']}",
        f"/organisers/{world.organiser['id']}",
        site.registration_path,
        site.form.attendee_path,
        f"/events/{uuid.uuid4()}",
    ]
    bodies = [(path, client.get(path).body) for path in paths]
    bodies.append(("(requested)", site.form.requested.reply.body))
    bodies.append(("(confirm page)", site.form.confirm_page.reply.body))
    bodies.append(("(signed up)", site.signed_up.reply.body))
    for path, body in bodies:
        parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
        try:
            parser.parse(body)
        except html5lib.html5parser.ParseError as error:
            pytest.fail(f"html5lib (strict) on {path}: {error}; errors {parser.errors[:5]}", pytrace=False)


# --------------------------------------------------------------------------------------------
# The programme and its filters


def stockholm_day(event: dict) -> str:
    return parse_rfc3339(event["starts_at"]).astimezone(STOCKHOLM).date().isoformat()


def matches(event: dict, filters: dict[str, str], people: dict[str, str]) -> bool:
    """Whether an event (admin API JSON) matches a filter, by the filter's meaning."""
    for name, value in filters.items():
        if name == "year":
            continue  # by edition, below
        if name == "day" and stockholm_day(event) != value:
            return False
        if name == "topic" and value.lower() not in [t.lower() for t in event["topics"]]:
            return False
        if name == "organiser" and value != event["organiser_id"] and value not in event["co_organiser_ids"]:
            return False
        if name == "venue" and value != event["venue_id"]:
            return False
        if name == "accessibility" and not set(value.split(",")) <= set(event["accessibility"]):
            return False
        if name == "language" and value not in event["languages"]:
            return False
        if name == "q":
            names = " ".join(people.get(p["person_id"], "") for p in event["participants"])
            haystack = f"{event['title']} {event['description']} {names}".lower()
            if value.lower() not in haystack:
                return False
    return True


def filter_cases(world) -> dict[str, dict[str, str]]:
    return {
        "day": {"day": "2012-07-03"},
        "topic": {"topic": "Hälsa"},
        "organiser": {"organiser": world.organiser["id"]},
        "venue": {"venue": world.venue["id"]},
        "accessibility": {"accessibility": "hearing_loop"},
        "language": {"language": "en"},
        "q": {"q": "backslash"},
        "day+accessibility+language": {"day": "2012-07-03", "accessibility": "hearing_loop", "language": "sv"},
        "day+topic+accessibility+language": {
            "day": "2012-07-03", "topic": "Pytestämne", "accessibility": "captions,wheelchair", "language": "en"},
    }


CASES = ["day", "topic", "organiser", "venue", "accessibility", "language", "q",
         "day+accessibility+language", "day+topic+accessibility+language"]


def programme_url(filters: dict[str, str]) -> str:
    return "/?" + urllib.parse.urlencode(filters, quote_via=urllib.parse.quote)


def feed_ids(service, url: str) -> set[str]:
    path = site_path(url)
    assert path and path.startswith("/feeds/program.ics"), url
    reply = service.public.get(path)
    assert reply.status == 200, f"GET {path}:\n{reply.describe()}"
    assert (reply.header("Content-Type") or "").startswith("text/calendar"), reply.describe()
    return {uid.removesuffix("@almedalen") for uid in events_by_uid(reply.body)}


def subscribe_links(page: Page) -> dict[str, str]:
    """The Prenumerera section's links and the head's feed discovery links."""
    section = page.one("section#prenumerera")
    links = {}
    for a in section.cssselect("a"):
        href = a.get("href")
        if href.startswith("webcal://"):
            links["webcal"] = href
        elif ".ics" in href:
            links["ics"] = href
        elif ".rss" in href:
            links["rss"] = href
    for link in page.css('head > link[rel="alternate"]'):
        links["head " + link.get("type")] = link.get("href")
    return links


def check_subscribe_links(page: Page, filters: dict[str, str]) -> dict[str, str]:
    links = subscribe_links(page)
    want = sorted(filters.items())
    # Without a day the page shows one edition, the newest unless `year` says otherwise, and
    # its feed links name it, so that page and feed list the same events.
    if "day" not in filters and "year" not in filters:
        heading_year = re.search(r"\b(\d{4})\b", page.one("h1").text_content())
        assert heading_year, f"{page.path}: the heading names no edition"
        want = sorted(want + [("year", heading_year.group(1))])
    base = {"ics": PUBLIC_URL + "/feeds/program.ics", "webcal": WEBCAL + "/feeds/program.ics",
            "rss": PUBLIC_URL + "/feeds/program.rss", "head text/calendar": PUBLIC_URL + "/feeds/program.ics",
            "head application/rss+xml": PUBLIC_URL + "/feeds/program.rss"}
    for name, prefix in base.items():
        assert name in links, f"{page.path}: no {name} link in {links}"
        assert links[name].split("?")[0] == prefix, f"{page.path}: {name} is {links[name]}"
        assert query_items(links[name]) == want, (
            f"{page.path}: the {name} link {links[name]} does not carry the page's filter {want}")
    assert links["ics"] == links["head text/calendar"] and links["rss"] == links["head application/rss+xml"]
    assert links["webcal"] == "webcal://" + links["ics"].split("://", 1)[1]
    return links


def people_names(service) -> dict[str, str]:
    out = {}
    cursor = None
    while True:
        page = service.admin.ok("GET", "/api/v1/people?limit=500" + (f"&cursor={cursor}" if cursor else "")).json()
        out.update({p["id"]: p["name"] for p in page["items"]})
        cursor = page.get("next_cursor")
        if not cursor:
            return out


@pytest.fixture(scope="module")
def names(service, site) -> dict[str, str]:
    return people_names(service)


@pytest.mark.parametrize("case", CASES)
def test_filter_narrows_the_edition_to_what_matches(service, site, names, case):
    """Within the 2012 edition (`year=2012`, or a day of it): exactly the public events that
    match, in time order; the form shows the choice; Prenumerera and the head's feed links
    carry the same filter, and that feed lists the same events."""
    filters = filter_cases(site.world)[case]
    if "day" not in filters:
        filters = {"year": "2012", **filters}
    page = fetch(service.public, programme_url(filters))
    listed = page.seminar_ids()
    assert len(listed) == len(set(listed)), f"{page.path} lists an event twice"
    edition = site.editions[2012]["id"]
    expected = {
        i for i, e in site.events_by_id.items()
        if e["edition_id"] == edition and matches(e, filters, names)
    }
    whole_edition = {i for i, e in site.events_by_id.items() if e["edition_id"] == edition}
    assert expected, f"no event matches {filters}: the case tests nothing"
    assert len(expected) < len(whole_edition), f"{filters} does not narrow at all"
    wrong = [site.events_by_id.get(i, {"title": f"? {i}"})["title"] for i in set(listed) - expected]
    missing = [site.events_by_id[i]["title"] for i in expected - set(listed)]
    assert not wrong and not missing, (
        f"{page.path}: {len(listed)} listed, {len(expected)} match; "
        f"listed but not matching: {wrong[:5]}; matching but missing: {missing[:5]}")
    count = page.one("p.count").text_content()
    assert re.match(rf"{len(listed)}\s+seminari", count), f"{page.path}: count says {count!r}, lists {len(listed)}"
    starts = [parse_rfc3339(t.get("datetime")) for t in page.css("article.seminar p.when time:first-child")]
    assert starts == sorted(starts), f"{page.path}: seminars not in time order"

    # The form shows what was chosen, so that submitting it again keeps the selection.
    for name, value in filters.items():
        if name in ("day", "topic", "organiser", "venue", "language"):
            chosen = [o.get("value") for o in page.css(f'select[name="{name}"] option[selected]')]
            assert chosen == [value], f"{page.path}: select {name} shows {chosen}, want {value}"
        elif name == "q":
            assert page.one('input[name="q"]').get("value") == value
        elif name == "accessibility":
            checked = sorted(i.get("value") for i in page.css('input[name="accessibility"][checked]'))
            assert checked == sorted(value.split(",")), f"{page.path}: checked {checked}"

    links = check_subscribe_links(page, filters)
    in_feed = feed_ids(service, links["ics"])
    assert in_feed == set(listed), (
        f"{page.path} lists {len(listed)} events, its feed {links['ics']} {len(in_feed)}; "
        f"only on the page: {len(set(listed) - in_feed)}, only in the feed: {len(in_feed - set(listed))}")


@pytest.mark.parametrize("case", CASES)
def test_filter_alone_page_and_its_feed_list_the_same_events(service, site, names, case):
    """The filter exactly as the form sends it (no year): the page and the feed that its own
    Prenumerera link names must list the same events, and every listed event matches."""
    filters = filter_cases(site.world)[case]
    page = fetch(service.public, programme_url(filters))
    listed = set(page.seminar_ids())
    for event_id in listed:
        assert matches(site.events_by_id[event_id], filters, names), (
            f"{page.path} lists {site.events_by_id[event_id]['title']!r}, which does not match")
    links = check_subscribe_links(page, filters)
    in_feed = feed_ids(service, links["ics"])
    h1 = page.one("h1").text_content()
    year_of = {e["id"]: year for year, e in site.editions.items()}

    def years(ids):
        return sorted(collections.Counter(year_of[site.events_by_id[i]["edition_id"]] for i in ids).items())

    if in_feed != listed:
        pytest.fail(
            f"{page.path} (headed {h1!r}) lists {len(listed)} events (by edition year: {years(listed)}); "
            f"the feed of its own Prenumerera link {links['ics']} lists {len(in_feed)} "
            f"(by edition year: {years(in_feed)})", pytrace=False)


def form_submission(page: Page, **chosen: str | list[str]) -> str:
    """The GET URL a browser makes of the filter form with these choices (every other field
    as the page fills it: unchosen selects send an empty value, unchecked boxes nothing)."""
    form = page.one("form.filters")
    values: list[tuple[str, str]] = []
    for element in form.iter("select", "input"):
        name = element.get("name")
        if not name:
            continue
        if element.tag == "select":
            selected = [o.get("value") for o in element.iter("option") if o.get("selected") is not None]
            value = chosen.get(name, selected[0] if selected else "")
            values.append((name, value))
        elif element.get("type") == "checkbox":
            wanted = chosen.get(name)
            ticked = (element.get("value") in wanted) if wanted is not None else element.get("checked") is not None
            if ticked:
                values.append((name, element.get("value")))
        else:
            values.append((name, chosen.get(name, element.get("value") or "")))
    return (form.get("action") or "/") + "?" + urllib.parse.urlencode(values)


def test_filter_form_empty_fields_mean_any(service, site):
    page = fetch(service.public, "/?day=2012-07-03")
    url = form_submission(page, day="2012-07-03", topic="Pytestämne")
    assert "organiser=&" in url or url.endswith("organiser="), url  # empty selects are sent
    submitted = fetch(service.public, url)
    direct = fetch(service.public, programme_url({"day": "2012-07-03", "topic": "Pytestämne"}))
    assert submitted.seminar_ids() == direct.seminar_ids() != []
    assert site.world.rich_event["id"] in submitted.seminar_ids()


def test_filter_form_with_two_accessibility_boxes_ticked(service, site):
    """The form's accessibility checkboxes share one name: ticking two sends the parameter
    twice. That must mean both (as the comma list does), not an error."""
    page = fetch(service.public, "/?day=2012-07-03")
    url = form_submission(page, accessibility=["wheelchair", "captions"])
    assert url.count("accessibility=") == 2, url
    reply = service.public.get(url)
    comma = fetch(service.public, programme_url({"day": "2012-07-03", "accessibility": "captions,wheelchair"}))
    if reply.status != 200:
        said = " ".join(lxml.html.document_fromstring(reply.body).cssselect("main")[0].text_content().split())
        pytest.fail(f"GET {url} (two boxes ticked) -> {reply.status}, want 200 like "
                    f"?accessibility=captions,wheelchair; the page says: {said}", pytrace=False)
    assert parse(url, reply).seminar_ids() == comma.seminar_ids()


def test_unfiltered_programme_opens_on_a_day(service, site):
    page = fetch(service.public, "/")
    days = [o.get("value") for o in page.css('select[name="day"] option') if o.get("value")]
    chosen = [o.get("value") for o in page.css('select[name="day"] option[selected]')]
    today = dt.datetime.now(STOCKHOLM).date().isoformat()
    want = today if today in days else days[0]
    assert chosen == [want], f"/ opens on {chosen}, want {want} (the first day of {days}, or today)"
    for event_id in page.seminar_ids():
        assert stockholm_day(site.events_by_id[event_id]) == want
    assert page.one("title").text_content().strip().endswith("Almedalsveckan")
    links = subscribe_links(page)
    assert query_items(links["ics"]) == [("day", want)], links


def test_year_without_an_edition(service, site):
    """`?year=` of a year with no edition: not another edition's seminars under that year's
    name with a feed link that answers 404."""
    path = "/?year=1999"
    reply = service.public.get(path)
    page = parse(path, reply)
    assert not page_problems(page), page_problems(page)
    if reply.status == 200:
        listed = page.seminar_ids()
        ics = subscribe_links(page)["ics"]
        feed = service.public.get(site_path(ics))
        shown = sorted({site.events_by_id[i]["starts_at"][:4] for i in listed if i in site.events_by_id})
        assert not listed and feed.status == 200, (
            f"GET {path} -> 200 headed {page.one('h1').text_content()!r}, listing {len(listed)} "
            f"seminars of {shown}; its Prenumerera link {ics} -> {feed.status}")
    else:
        assert reply.status in (404, 422), reply.describe()


def test_searched_text_is_escaped(service):
    text = "<script>alert('x')</script> \"&amp; ä"
    path = "/?" + urllib.parse.urlencode({"year": "2012", "q": text})
    page = fetch(service.public, path)
    assert not page.css("script")
    assert text in page.one("h1").text_content(), page.one("h1").text_content()
    assert page.one('input[name="q"]').get("value") == text


def test_bad_filter_is_a_swedish_error_page(service):
    path = "/?day=" + urllib.parse.quote("igår")
    reply = service.public.get(path)
    assert reply.status == 422, reply.describe()
    page = parse(path, reply)
    assert not page_problems(page), page_problems(page)


# --------------------------------------------------------------------------------------------
# Seminar, person and organiser pages


def facts(page: Page, scope: str = "article.event > dl.facts") -> dict[str, list]:
    out: dict[str, list] = {}
    current = None
    for element in page.one(scope):
        if element.tag == "dt":
            current = element.text_content().strip()
            out[current] = []
        elif element.tag == "dd" and current:
            out[current].append(element)
    return out


def test_seminar_page_shows_everything(service, site):
    world = site.world
    rich = world.rich_event
    page = fetch(service.public, f"/events/{rich['id']}")
    assert page.one("h1").text_content() == rich["title"]
    assert page.one("title").text_content() == rich["title"] + " – Almedalsveckan"
    f = facts(page)
    when = f["När"][0]
    times = [t.get("datetime") for t in when.iter("time")]
    assert times == ["2012-07-03T14:00:00+02:00", "2012-07-03T15:00:00+02:00"], times
    assert "tisdag 3 juli" in when.text_content() and "14:00" in when.text_content()
    where = f["Var"][0]
    assert world.venue["name"] in where.text_content() and "Strandgatan 1, Visby" in where.text_content()
    maps = [a.get("href") for a in where.iter("a")]
    assert len(maps) == 1 and maps[0].startswith("https://www.openstreetmap.org/"), maps
    assert "mlat=57.6393" in maps[0] and "mlon=18.2887" in maps[0], maps
    organiser = f["Arrangör"][0].cssselect("a")[0]
    assert organiser.text_content() == world.organiser["name"]
    assert organiser.get("href") == f"/organisers/{world.organiser['id']}"
    co = f.get("Medarrangör") or f.get("Medarrangörer")
    assert co and co[0].text_content() == "Medarrangör, med komma", f.keys()
    assert [a.get("href") for a in co[0].iter("a")] == [f"/organisers/{rich['co_organiser_ids'][0]}"]
    assert f["Språk"][0].text_content().lower() == "engelska"
    topics = f["Ämnen"][0].text_content()
    assert all(t in topics for t in rich["topics"]), topics
    access = f["Tillgänglighet"][0].text_content().lower()
    for word in ("rullstol", "hörslinga", "text"):
        assert word in access, access

    people = page.one("section.people")
    text = " ".join(people.text_content().split())
    assert "Moderator" in text and "Åsa Öberg-Ärlig" in text and "moderator idag" in text, text
    assert "Panelen: fråga, svar" in text, text
    for person in world.people:
        links = [a for a in people.iter("a") if a.get("href") == f"/people/{person['id']}"]
        assert links and links[0].text_content() == person["name"], person["name"]

    # In the past: no form, and it says why.
    signup = page.one("section.signup")
    assert not signup.cssselect("form"), "a sign-up form on a past seminar"
    assert "Anmälan är stängd" in signup.text_content() or "80" in signup.text_content()

    calendar = [a.get("href") for a in page.css("section.subscribe a")]
    ics = f"{PUBLIC_URL}/feeds/events/{rich['id']}.ics"
    assert calendar == [f"{WEBCAL}/feeds/events/{rich['id']}.ics", ics], calendar
    assert [l.get("href") for l in page.css('head > link[rel="alternate"][type="text/calendar"]')] == [ics]


def test_open_seminar_has_a_live_form_seats_food_and_livestream(service, site):
    event = site.open_event
    page = fetch(service.public, f"/events/{event['id']}")
    # A hostile title is text, not markup.
    assert page.one("h1").text_content() == event["title"]
    assert not page.css("h1 b") and not page.css("script")
    f = facts(page)
    assert "Servering" in f["Mat och dryck"][0].text_content()
    live = f["Direktsändning"][0].cssselect("a")
    assert live and live[0].get("href") == "https://play.example.org/almedalen/sidtest"
    assert "teckenspråk" in f["Tillgänglighet"][0].text_content().lower()
    signup = page.one("section.signup")
    seats = signup.cssselect("p.seats")[0].text_content()
    confirmed = len([r for r in rows(service, f"SELECT 1 FROM registrations WHERE event_id = '{event['id']}' AND status = 'confirmed'")])
    assert re.search(rf"\b{20 - confirmed}\b.*\b20\b", seats), f"seats say {seats!r}, {confirmed} confirmed of 20"
    form = signup.cssselect("form.signup-form")[0]
    assert form.get("action") == f"/events/{event['id']}/registrations"
    names = {i.get("name"): i for i in form.iter("input")}
    assert names["name"].get("required") is not None and names["email"].get("type") == "email"
    assert names["form_token"].get("type") == "hidden"


def test_cancelled_seminar_is_unmistakable_and_takes_no_sign_up(service, site):
    event = site.cancelled_event
    page = fetch(service.public, f"/events/{event['id']}")
    assert "INSTÄLLT" in page.one("h1").text_content()
    assert page.one("title").text_content().startswith("INSTÄLLT")
    assert "inställt" in page.one("article.event").text_content().lower()
    assert not page.css("form"), "a form on a cancelled seminar's page"
    assert "Anmäl mig" not in page.text()
    day = stockholm_day(site.events_by_id[event["id"]])
    listing = fetch(service.public, programme_url({"day": day}))
    item = [a for a in listing.css("article.seminar h3 a") if event_id_of(a.get("href")) == event["id"]]
    assert item, f"the cancelled seminar is not on /?day={day}"
    heading = item[0].getparent()
    assert "INSTÄLLT" in heading.text_content(), heading.text_content()
    # Signing up anyway (a form kept open from before) is refused, and nothing is stored.
    visit = open_form(service.public, f"/events/{site.open_event['id']}", "form.signup-form")
    reply = post_form(service.public, f"/events/{event['id']}/registrations",
                      {"form_token": visit.token, "name": "Sen Anmälare", "email": "sen@example.org"},
                      visit.cookie)
    assert reply.status == 409, reply.describe()
    assert registrations_of(service, event["id"], "sen@example.org") == []


def test_person_page(service, site):
    world = site.world
    person = world.people[0]
    page = fetch(service.public, f"/people/{person['id']}")
    assert page.one("h1").text_content() == person["name"]
    subtitle = page.one("p.subtitle").text_content()
    assert "ordförande" in subtitle and "Förbundet; A, B" in subtitle and "(S)" in subtitle, subtitle
    assert world.rich_event["id"] in page.seminar_ids()
    ics = f"{PUBLIC_URL}/feeds/people/{person['id']}.ics"
    hrefs = [a.get("href") for a in page.css("section.subscribe a")]
    assert ics in hrefs and f"{WEBCAL}/feeds/people/{person['id']}.ics" in hrefs, hrefs
    assert [l.get("href") for l in page.css('head > link[rel="alternate"]')] == [ics]


def test_organiser_page(service, site):
    world = site.world
    organiser = world.organiser
    page = fetch(service.public, f"/organisers/{organiser['id']}")
    assert page.one("h1").text_content() == organiser["name"]
    listed = set(page.seminar_ids())
    expected = {i for i, e in site.events_by_id.items()
                if e["organiser_id"] == organiser["id"] or organiser["id"] in e["co_organiser_ids"]}
    assert listed == expected, f"lists {len(listed)}, the API has {len(expected)} by or with the organiser"
    section = page.one("section.subscribe")
    hrefs = [a.get("href") for a in section.cssselect("a")]
    query = f"?organiser={organiser['id']}"
    assert f"{PUBLIC_URL}/feeds/program.ics{query}" in hrefs and f"{WEBCAL}/feeds/program.ics{query}" in hrefs, hrefs
    assert f"{PUBLIC_URL}/feeds/program.rss{query}" in hrefs, hrefs
    assert feed_ids(service, f"{PUBLIC_URL}/feeds/program.ics{query}") == listed


def test_unknown_pages_are_404_pages(service):
    for path in (f"/events/{uuid.uuid4()}", "/events/inte-ett-id", f"/people/{uuid.uuid4()}",
                 f"/organisers/{uuid.uuid4()}", "/registrations/" + "x" * 43):
        page = fetch(service.public, path, status=404)
        assert "404" in page.text(), path


# --------------------------------------------------------------------------------------------
# Forms against cross-site submission; the sign-up, the registration page, the cancellation


FORGERIES = {
    "no cookie": lambda v: ({"form_token": v.token}, None, BROWSER_POST),
    "wrong token": lambda v: ({"form_token": v.token[::-1]}, v.cookie, BROWSER_POST),
    "no token": lambda v: ({}, v.cookie, BROWSER_POST),
    "token of another cookie": lambda v: ({"form_token": "A" * 43}, v.cookie, BROWSER_POST),
    "evil origin": lambda v: ({"form_token": v.token}, v.cookie, {"Origin": "https://evil.example"}),
    "cross-site fetch": lambda v: ({"form_token": v.token}, v.cookie, {"Sec-Fetch-Site": "cross-site"}),
    "http origin": lambda v: ({"form_token": v.token}, v.cookie, {"Origin": "http://almedalen.test"}),
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_forged_sign_up_is_refused(service, site, forgery):
    event = site.open_event
    visit = open_form(service.public, f"/events/{event['id']}", "form.signup-form")
    email = f"forged-{secrets.token_hex(4)}@example.org"
    fields, cookie, headers = FORGERIES[forgery](visit)
    reply = post_form(service.public, visit.action, {**fields, "name": "Förfalskad", "email": email},
                      cookie, headers)
    assert reply.status == 403, f"{forgery}: want 403\n{reply.describe()}"
    assert registrations_of(service, event["id"], email) == [], f"{forgery}: a registration was stored"


def test_sign_up_registration_page_and_cancel(service, site):
    event = site.open_event
    email = f"formular-{secrets.token_hex(4)}@example.org"
    box = service.mailbox
    # Sign up on B; the form works there with A's cookie (one site, two processes).
    visit = open_form(service.public, f"/events/{event['id']}", "form.signup-form")
    wrong_type = service.public_b.request(
        "POST", visit.action, body=b'{"name":"x"}',
        headers={"Content-Type": "application/json", "Cookie": f"{COOKIE}={visit.cookie}", **BROWSER_POST})
    assert wrong_type.status == 415, wrong_type.describe()
    reply = post_form(service.public_b, visit.action,
                      {"form_token": visit.token, "name": "Formulär Fylldsson", "email": email}, visit.cookie)
    assert reply.status == 200, reply.describe()
    assert reply.header("Cache-Control") == "no-store", reply.describe()
    requested = parse("(requested)", reply)
    assert not page_problems(requested), page_problems(requested)
    assert requested.one("h1").text_content() == REQUESTED_HEADING
    assert "brev" in requested.one('[role="status"]').text_content()
    assert not [h for h in requested.hrefs() if "/registrations/" in h or "/feeds/attendee/" in h
                or "/attendees/" in h], requested.hrefs()
    assert ATTENDEE_COOKIE not in " ".join(reply.all("Set-Cookie"))
    assert registrations_of(service, event["id"], email) == ["pending"]

    # The confirm mail's link: the page shows a button; fetching it (as a mail scanner would,
    # twice, on both processes) confirms nothing.
    [mail] = box.wait(1, 60, kinds=("confirm",), to=email, event_id=event["id"])
    assert mail.subject == f"Bekräfta din anmälan: {event['title']}", mail.subject
    path = f"/registrations/{mail.links().page}"
    assert not mail.links().calendar and not mail.links().attendee, mail.text
    for client in (service.public, service.public_b):
        assert client.get(path).status == 200
    assert registrations_of(service, event["id"], email) == ["pending"]
    mine = open_form(service.public, path, "form.confirm-form")
    assert mine.page.reply.header("Cache-Control") == "no-store"
    assert mine.page.reply.header("X-Robots-Tag") == "noindex"
    text = " ".join(mine.page.one("main").text_content().split())
    assert "väntar på att du bekräftar" in text, text
    assert "Fylldsson" not in mine.page.reply.body.decode() and email not in mine.page.reply.body.decode()
    assert mine.action == path + "/confirm"
    # Confirming from another site, or without the cookie, is refused.
    for fields, cookie, headers in (
        ({"form_token": mine.token}, None, BROWSER_POST),
        ({"form_token": mine.token}, mine.cookie, {"Origin": "https://evil.example"}),
    ):
        refused = post_form(service.public, mine.action, fields, cookie, headers)
        assert refused.status == 403, refused.describe()
    assert registrations_of(service, event["id"], email) == ["pending"]
    seen = box.names(to=email, event_id=event["id"])
    confirmed = post_form(service.public_b, mine.action, {"form_token": mine.token}, mine.cookie)
    assert confirmed.status == 200, confirmed.describe()
    assert confirmed.header("Cache-Control") == "no-store" and confirmed.header("Referrer-Policy") == "no-referrer"
    done = parse("(confirmed)", confirmed)
    assert not page_problems(done), page_problems(done)
    assert "Du har fått en plats" in done.one('[role="status"]').text_content()
    assert "bekräftad" in done.text()
    assert registrations_of(service, event["id"], email) == ["confirmed"]
    assert done.css('meta[name="robots"][content*="noindex"]'), "the private page may be indexed"
    assert not [h for h in done.hrefs() if "/registrations/" in h or "/feeds/attendee/" in h], done.hrefs()
    # Pressing it again is harmless: one registration, one signup mail.
    again = post_form(service.public, mine.action, {"form_token": mine.token}, mine.cookie)
    assert again.status == 200, again.describe()
    assert registrations_of(service, event["id"], email) == ["confirmed"]
    [signup] = box.wait(1, 60, exclude=seen, kinds=("signup",), to=email, event_id=event["id"])
    links = signup.links()
    assert links.page and links.calendar and links.attendee, signup.text
    feed = service.public.get(f"/feeds/attendee/{links.calendar}.ics")
    assert feed.status == 200 and feed.header("Content-Type").startswith("text/calendar"), feed.describe()
    assert event["id"] + "@almedalen" in events_by_uid(feed.body)

    # The same email again: the same page, and a mail with the links, nothing else.
    seen = box.names(to=email, event_id=event["id"])
    twice = post_form(service.public, visit.action,
                      {"form_token": visit.token, "name": "Formulär Fylldsson", "email": email}, visit.cookie)
    assert twice.status == 200, twice.describe()
    known = parse("(again)", twice)
    assert known.one("h1").text_content() == REQUESTED_HEADING
    assert known.one('[role="status"]').text_content() == requested.one('[role="status"]').text_content()
    assert not [h for h in known.hrefs() if "/registrations/" in h or "/feeds/attendee/" in h]
    [already] = box.wait(1, 60, exclude=seen, to=email, event_id=event["id"])
    assert already.kind == "already", already.kind
    assert already.links().page, already.text
    assert registrations_of(service, event["id"], email)[0] == "confirmed"

    # The registration page of the signup mail: status and the cancel form, no name or email.
    path = f"/registrations/{links.page}"
    mine = open_form(service.public, path, "form.cancel-form")
    assert mine.page.reply.header("Cache-Control") == "no-store"
    assert mine.page.reply.header("X-Robots-Tag") == "noindex"
    status = " ".join(mine.page.one("main").text_content().split())
    assert "Du har en plats" in status, status
    assert "Fylldsson" not in mine.page.reply.body.decode() and email not in mine.page.reply.body.decode()
    assert mine.action == path + "/cancel"

    # Cancelling from another site, or without the cookie, is refused.
    for fields, cookie, headers in (
        ({"form_token": mine.token}, None, BROWSER_POST),
        ({"form_token": mine.token}, mine.cookie, {"Origin": "https://evil.example"}),
    ):
        refused = post_form(service.public, mine.action, fields, cookie, headers)
        assert refused.status == 403, refused.describe()
    assert registrations_of(service, event["id"], email)[0] == "confirmed"

    cancelled = post_form(service.public_b, mine.action, {"form_token": mine.token}, mine.cookie)
    assert cancelled.status == 200, cancelled.describe()
    gone = parse("(cancelled)", cancelled)
    assert not page_problems(gone), page_problems(gone)
    assert "avbokad" in gone.one('[role="status"]').text_content()
    assert registrations_of(service, event["id"], email)[0] == "cancelled"
    after = fetch(service.public, path)
    assert "Din anmälan är avbokad" in after.text() and not after.css("form")


def test_attendee_page_and_its_cookie_make_the_next_sign_up_one_step(service, site):
    """The attendee page of the signup mail lists the sign-up with a cancel button and the
    calendar, and leaves a cookie; a sign-up from the form with that cookie is made at once
    (no mail to confirm). Someone else's address with that cookie is a request as usual."""
    email = f"sida-{secrets.token_hex(4)}@example.org"
    first = sign_up_event(service, 10, f"Deltagarsidan ett {secrets.token_hex(3)}")
    second = sign_up_event(service, 10, f"Deltagarsidan två {secrets.token_hex(3)}")
    done = form_sign_up(service, first["id"], "Sida Sidesson", email)
    reply = service.public.get(done.attendee_path)
    assert reply.status == 200, reply.describe()
    assert reply.header("Cache-Control") == "no-store" and reply.header("Referrer-Policy") == "no-referrer"
    page = parse(done.attendee_path, reply)
    assert not page_problems(page), page_problems(page)
    assert page.one("h1").text_content() == "Mina anmälningar"
    assert first["title"] in page.text()
    assert [f.get("action").startswith(done.attendee_path + "/registrations/") for f in page.css("section.own-registration form")] == [True]
    hrefs = page.hrefs()
    assert f"{PUBLIC_URL}{done.calendar_path}" in hrefs, hrefs
    attendee_cookie = None
    for header in reply.all("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name.strip() == ATTENDEE_COOKIE:
            attendee_cookie = rest.split(";")[0].strip()
            flags = [p.strip().lower() for p in rest.split(";")[1:]]
            assert "httponly" in flags, header
            assert ("secure" in flags) == PUBLIC_URL.startswith("https://"), header
    assert attendee_cookie == done.attendee_path.rsplit("/", 1)[1], reply.all("Set-Cookie")

    # With the cookie, the same address signs up at once for the second seminar: 201, no mail
    # to confirm, the signup mail follows.
    box = service.mailbox
    visit = open_form(service.public, f"/events/{second['id']}", "form.signup-form")
    both = f"{COOKIE}={visit.cookie}; {ATTENDEE_COOKIE}={attendee_cookie}"
    seen = box.names(to=email, event_id=second["id"])
    answer = service.public.request(
        "POST", visit.action,
        body=urllib.parse.urlencode({"form_token": visit.token, "name": "Sida Sidesson", "email": email}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": both, **BROWSER_POST})
    assert answer.status == 201, answer.describe()
    made = parse("(one step)", answer)
    assert "Du har fått en plats" in made.one('[role="status"]').text_content()
    assert registrations_of(service, second["id"], email) == ["confirmed"]
    [mail] = box.wait(1, 60, exclude=seen, to=email, event_id=second["id"])
    assert mail.kind == "signup", mail.kind
    time.sleep(1)
    assert not box.find(kind="confirm", to=email, event_id=second["id"])
    listed = parse(done.attendee_path, service.public.get(done.attendee_path))
    assert first["title"] in listed.text() and second["title"] in listed.text()

    # Another address with the same cookie proves nothing: a request, as for anyone.
    other = f"annan-{secrets.token_hex(4)}@example.org"
    answer = service.public.request(
        "POST", visit.action,
        body=urllib.parse.urlencode({"form_token": visit.token, "name": "Annan", "email": other}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": both, **BROWSER_POST})
    assert answer.status == 200 and parse("(other)", answer).one("h1").text_content() == REQUESTED_HEADING
    assert registrations_of(service, second["id"], other) == ["pending"]


def test_invalid_sign_up_shows_the_problems_and_keeps_the_values(service, site):
    event = site.open_event
    visit = open_form(service.public, f"/events/{event['id']}", "form.signup-form")
    name = '"><script>alert(1)</script>'
    reply = post_form(service.public, visit.action,
                      {"form_token": visit.token, "name": name, "email": "inte en adress"}, visit.cookie)
    assert reply.status == 422, reply.describe()
    page = parse("(invalid)", reply)
    assert not page_problems(page), page_problems(page)
    summary = page.one('.error-summary[role="alert"]')
    assert [a.get("href") for a in summary.cssselect("a")] == ["#signup-email"]
    email = page.one("#signup-email")
    assert email.get("aria-invalid") == "true" and email.get("aria-describedby") == "signup-email-problem"
    assert page.one("#signup-name").get("value") == name
    assert email.get("value") == "inte en adress"
    assert registrations_of(service, event["id"], "inte en adress") == []


def test_first_visit_form_token_is_the_cookie(service, site):
    """Someone who opens a seminar's page from a shared link, with no cookie yet, gets the
    cookie and a form in one answer: the form's token must be that cookie's value, or their
    first sign-up is refused as forged."""
    path = f"/events/{site.open_event['id']}"
    reply = service.public.get(path)
    assert reply.status == 200, reply.describe()
    cookie = set_cookie(reply)
    token = parse(path, reply).one('form.signup-form input[name="form_token"]').get("value")
    email = f"forsta-besok-{secrets.token_hex(4)}@example.org"
    answer = post_form(service.public, path + "/registrations",
                       {"form_token": token, "name": "Första Besöket", "email": email}, cookie)
    if token != cookie or answer.status != 200:
        pytest.fail(f"GET {path} without a cookie: Set-Cookie {COOKIE}={cookie}, but the form's "
                    f"form_token is {token}; submitting that form -> {answer.status}", pytrace=False)
