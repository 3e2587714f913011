"""Helpers shared by the feed tests: a small HTTP client, a strict reader of iCalendar wire
format (so that the raw bytes are judged, not only what lenient parsers make of them), the
offset a VTIMEZONE's rules give for a local time, and XML 1.0 character checks.

Nothing here knows the service's internals: everything is derived from RFC 5545, RFC 6868,
XML 1.0 and the answers of the public API.
"""

from __future__ import annotations

import datetime as dt
import gzip
import http.client
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from dateutil import rrule
from lxml import etree

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PUBLIC_URL = "https://almedalen.test"


# --------------------------------------------------------------------------------------------
# HTTP


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    elapsed: float = 0.0

    def header(self, name: str) -> str | None:
        """The value of a header given once (case-insensitive); fails if it is repeated."""
        values = self.all(name)
        assert len(values) <= 1, f"header {name} repeated: {values}"
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        lower = name.lower()
        return [value for key, value in self.headers if key.lower() == lower]

    def json(self):
        return json.loads(self.body)

    def text(self) -> str:
        return self.body.decode("utf-8")

    def describe(self) -> str:
        """For assertion messages: status, headers and the start of the body."""
        head = "\n".join(f"{k}: {v}" for k, v in self.headers)
        return f"HTTP {self.status}\n{head}\n\n{self.body[:600]!r}"


class Client:
    """One server, one fresh connection per request (so no state leaks between requests)."""

    def __init__(self, host: str, port: int, token: str | None = None, name: str = "",
                 mailbox: "Maildir | None" = None):
        self.host = host
        self.port = port
        self.token = token
        self.name = name
        self.mailbox = mailbox  # where its server's mail goes (sign_up reads it)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        body=None,
        headers: dict[str, str] | None = None,
        timeout: float = 30.0,
    ) -> Reply:
        all_headers = {"Connection": "close"}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        started = time.monotonic()
        try:
            connection.request(method, path, body=data, headers=all_headers)
            response = connection.getresponse()
            payload = response.read()
            return Reply(
                response.status,
                list(response.getheaders()),
                payload,
                time.monotonic() - started,
            )
        finally:
            connection.close()

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return self.request("GET", path, headers=headers)

    def head(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return self.request("HEAD", path, headers=headers)

    def ok(self, method: str, path: str, body=None, headers=None, expect=(200, 201)) -> Reply:
        """A request that must succeed: fails the test with the server's answer otherwise."""
        reply = self.request(method, path, body=body, headers=headers)
        assert reply.status in expect, (
            f"{method} {path} {json.dumps(body, ensure_ascii=False)[:800] if body else ''}"
            f" -> expected {expect}, got:\n{reply.describe()}"
        )
        return reply

    def feed(self, path: str, headers: dict[str, str] | None = None) -> bytes:
        """A feed's body; fails unless it is 200. Decompresses gzip if the server sent it."""
        reply = self.get(path, headers=headers)
        assert reply.status == 200, f"GET {path} on {self.name}:\n{reply.describe()}"
        if reply.header("Content-Encoding") == "gzip":
            return gzip.decompress(reply.body)
        return reply.body


def query(path: str, **params) -> str:
    """`path?a=b` with the parameters percent-encoded the way the service's canonical form
    writes them (unreserved characters and `,` stay as they are)."""
    items = [(k, v) for k, v in params.items() if v is not None]
    if not items:
        return path
    return path + "?" + "&".join(
        f"{k}={urllib.parse.quote(str(v), safe='-._~,')}" for k, v in items
    )


# --------------------------------------------------------------------------------------------
# iCalendar wire format (RFC 5545 §3.1, §3.3.11; RFC 6868)


class WireError(AssertionError):
    pass


@dataclass
class ContentLine:
    name: str
    params: dict[str, list[str]]
    value: str  # as on the wire (after unfolding), still escaped
    number: int  # the physical line it started on, 1-based

    def param(self, name: str) -> str | None:
        values = self.params.get(name.upper())
        if values is None:
            return None
        assert len(values) == 1, f"parameter {name} has {len(values)} values: {values}"
        return values[0]


@dataclass
class Component:
    name: str
    lines: list[ContentLine] = field(default_factory=list)
    children: list["Component"] = field(default_factory=list)

    def props(self, name: str) -> list[ContentLine]:
        return [line for line in self.lines if line.name == name.upper()]

    def one(self, name: str) -> ContentLine:
        found = self.props(name)
        assert len(found) == 1, f"{self.name} has {len(found)} {name} properties, wants 1"
        return found[0]

    def text(self, name: str) -> str:
        return unescape_text(self.one(name).value)

    def walk(self, name: str) -> list["Component"]:
        out = [self] if self.name == name.upper() else []
        for child in self.children:
            out += child.walk(name)
        return out


def physical_lines(raw: bytes) -> list[bytes]:
    """The physical lines, each without its CRLF; fails on a bare CR or LF, a missing final
    CRLF, or a byte-order mark."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise WireError("the stream starts with a UTF-8 byte-order mark")
    if not raw.endswith(b"\r\n"):
        raise WireError(f"the stream does not end with CRLF: {raw[-40:]!r}")
    lines = raw[:-2].split(b"\r\n")
    for number, line in enumerate(lines, 1):
        if b"\r" in line or b"\n" in line:
            raise WireError(f"line {number} holds a bare CR or LF: {line!r}")
    return lines


def check_wire(raw: bytes) -> list[bytes]:
    """Every rule of the wire format that parsers forgive: CRLF, 75 octets, folds that never
    split a UTF-8 sequence, no control characters but tab. Returns the physical lines."""
    lines = physical_lines(raw)
    problems = []
    for number, line in enumerate(lines, 1):
        if len(line) > 75:
            problems.append(f"line {number} has {len(line)} octets: {line!r}")
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as error:
            problems.append(f"line {number} is not UTF-8 on its own ({error}): {line!r}")
            continue
        for char in text:
            code = ord(char)
            if (code < 0x20 and char != "\t") or 0x7F <= code <= 0x9F:
                problems.append(f"line {number} holds control character U+{code:04X}: {line!r}")
        if not line:
            problems.append(f"line {number} is empty")
    if problems:
        raise WireError("\n".join(problems[:20]))
    return lines


NAME = re.compile(r"[A-Za-z0-9-]+")


def unfold(raw: bytes) -> list[tuple[int, str]]:
    """Logical lines (RFC 5545 §3.1), with the number of the physical line each starts on."""
    out: list[tuple[int, bytearray]] = []
    for number, line in enumerate(physical_lines(raw), 1):
        if line[:1] in (b" ", b"\t"):
            if not out:
                raise WireError("the stream starts with a continuation line")
            out[-1][1].extend(line[1:])
        else:
            out.append((number, bytearray(line)))
    return [(number, bytes(line).decode("utf-8")) for number, line in out]


def decode_param_value(value: str) -> str:
    """RFC 6868: ^^ -> ^, ^' -> ", ^n -> newline; any other ^ stays as it is."""
    out = []
    i = 0
    while i < len(value):
        char = value[i]
        if char == "^" and i + 1 < len(value) and value[i + 1] in "^'n":
            out.append({"^": "^", "'": '"', "n": "\n"}[value[i + 1]])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def parse_content_line(text: str, number: int) -> ContentLine:
    """name *(";" param) ":" value, strictly as RFC 5545 §3.1 writes the grammar."""
    match = NAME.match(text)
    if not match:
        raise WireError(f"line {number}: no property name: {text!r}")
    name = match.group(0).upper()
    i = match.end()
    params: dict[str, list[str]] = {}
    while i < len(text) and text[i] == ";":
        match = NAME.match(text, i + 1)
        if not match or match.end() >= len(text) or text[match.end()] != "=":
            raise WireError(f"line {number}: bad parameter at {i}: {text!r}")
        pname = match.group(0).upper()
        i = match.end() + 1
        values = []
        while True:
            if i < len(text) and text[i] == '"':
                end = text.find('"', i + 1)
                if end < 0:
                    raise WireError(f"line {number}: unterminated quoted parameter: {text!r}")
                values.append(decode_param_value(text[i + 1 : end]))
                i = end + 1
            else:
                start = i
                while i < len(text) and text[i] not in ';:,"':
                    i += 1
                if i < len(text) and text[i] == '"':
                    raise WireError(f"line {number}: a double quote inside an unquoted parameter: {text!r}")
                values.append(decode_param_value(text[start:i]))
            if i < len(text) and text[i] == ",":
                i += 1
                continue
            break
        if pname in params:
            raise WireError(f"line {number}: parameter {pname} given twice")
        params[pname] = values
    if i >= len(text) or text[i] != ":":
        raise WireError(f"line {number}: no ':' after name and parameters: {text!r}")
    return ContentLine(name, params, text[i + 1 :], number)


def parse_stream(raw: bytes) -> list[Component]:
    """The components of a stream (normally one VCALENDAR), built from unfolded lines."""
    roots: list[Component] = []
    stack: list[Component] = []
    for number, text in unfold(raw):
        line = parse_content_line(text, number)
        if line.name == "BEGIN":
            component = Component(line.value.upper())
            (stack[-1].children if stack else roots).append(component)
            stack.append(component)
        elif line.name == "END":
            if not stack or stack[-1].name != line.value.upper():
                raise WireError(f"line {number}: END:{line.value} does not close {stack[-1].name if stack else 'anything'}")
            stack.pop()
        else:
            if not stack:
                raise WireError(f"line {number}: property outside any component: {text!r}")
            stack[-1].lines.append(line)
    if stack:
        raise WireError(f"unclosed components: {[c.name for c in stack]}")
    return roots


def unescape_text(value: str, *, multiple: bool = False):
    """A TEXT value (RFC 5545 §3.3.11), strictly: only `\\\\` `\\;` `\\,` `\\n` `\\N` are
    escapes, and an unescaped `;` (or `,` in a single value) is an error. With `multiple`, the
    list of comma-separated values."""
    values: list[str] = []
    out: list[str] = []
    i = 0
    while i < len(value):
        char = value[i]
        if char == "\\":
            if i + 1 >= len(value):
                raise WireError(f"TEXT ends with a lone backslash: {value!r}")
            nxt = value[i + 1]
            if nxt in "\\;,":
                out.append(nxt)
            elif nxt in "nN":
                out.append("\n")
            else:
                raise WireError(f"TEXT has an unknown escape \\{nxt}: {value!r}")
            i += 2
            continue
        if char == ";":
            raise WireError(f"TEXT has an unescaped ';': {value!r}")
        if char == ",":
            if not multiple:
                raise WireError(f"TEXT has an unescaped ',': {value!r}")
            values.append("".join(out))
            out = []
            i += 1
            continue
        out.append(char)
        i += 1
    if multiple:
        values.append("".join(out))
        return values
    return "".join(out)


def calendar_of(raw: bytes) -> Component:
    roots = parse_stream(raw)
    assert [c.name for c in roots] == ["VCALENDAR"], f"want one VCALENDAR, got {[c.name for c in roots]}"
    return roots[0]


def events_by_uid(raw: bytes) -> dict[str, Component]:
    events = calendar_of(raw).walk("VEVENT")
    by_uid: dict[str, Component] = {}
    for event in events:
        uid = event.one("UID").value
        assert uid not in by_uid, f"UID {uid} appears in two VEVENTs"
        by_uid[uid] = event
    return by_uid


def uid_of(event_id: str) -> str:
    return f"{event_id}@almedalen"


def local_value(value: str) -> dt.datetime:
    """A DATE-TIME form 3 value (`20120703T120000`): local, no `Z`."""
    match = re.fullmatch(r"(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)", value)
    assert match, f"not a local DATE-TIME: {value!r}"
    return dt.datetime(*map(int, match.groups()))


def utc_value(value: str) -> dt.datetime:
    match = re.fullmatch(r"(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z", value)
    assert match, f"not a UTC DATE-TIME: {value!r}"
    return dt.datetime(*map(int, match.groups()), tzinfo=dt.timezone.utc)


# --------------------------------------------------------------------------------------------
# VTIMEZONE: the offset its rules give a local time (RFC 5545 §3.6.5, §3.3.5)


def _offset(text: str) -> dt.timedelta:
    match = re.fullmatch(r"([+-])(\d\d)(\d\d)(\d\d)?", text)
    assert match, f"bad UTC-OFFSET {text!r}"
    sign = -1 if match.group(1) == "-" else 1
    return sign * dt.timedelta(
        hours=int(match.group(2)), minutes=int(match.group(3)), seconds=int(match.group(4) or 0)
    )


class TimezoneRules:
    """The observances of one VTIMEZONE, evaluated by their DTSTART and RRULE alone (not by
    any zone database), the way a calendar client that trusts the feed would."""

    def __init__(self, vtimezone: Component):
        self.tzid = vtimezone.one("TZID").value
        self._onsets: dict[int, list] = {}
        self.observances = []
        for child in vtimezone.children:
            assert child.name in ("STANDARD", "DAYLIGHT"), f"unexpected {child.name} in VTIMEZONE"
            assert not child.props("RDATE"), "RDATE in VTIMEZONE (FEEDS.md 8 wants RRULEs)"
            start = local_value(child.one("DTSTART").value)
            rules = child.props("RRULE")
            assert len(rules) == 1, f"{child.name} has {len(rules)} RRULEs"
            self.observances.append(
                (
                    child.name,
                    start,
                    rules[0].value,
                    _offset(child.one("TZOFFSETFROM").value),
                    _offset(child.one("TZOFFSETTO").value),
                )
            )

    def onsets(self, year: int):
        """(UTC instant, offset in force from then) for every onset in year-1 .. year+1."""
        if year not in self._onsets:
            self._onsets[year] = self._compute_onsets(year)
        return self._onsets[year]

    def _compute_onsets(self, year: int):
        out = []
        for _name, start, rule, offset_from, offset_to in self.observances:
            recurrence = rrule.rrulestr(rule, dtstart=start)
            for local in recurrence.between(
                dt.datetime(year - 1, 1, 1), dt.datetime(year + 2, 1, 1), inc=True
            ):
                out.append((local - offset_from, offset_to))
        out.sort()
        return out

    def offset_at_utc(self, instant: dt.datetime) -> dt.timedelta:
        naive = instant.astimezone(dt.timezone.utc).replace(tzinfo=None)
        current = None
        for onset, offset in self.onsets(naive.year):
            if onset <= naive:
                current = offset
        assert current is not None, f"no observance in force at {instant}"
        return current

    def offset_for_local(self, local: dt.datetime) -> dt.timedelta:
        """The offset a client applies to `local`: of the instants whose offset under these
        rules maps back to `local`, the earliest (RFC 5545 §3.3.5: a repeated local time
        means its first occurrence). Fails for a local time the rules skip."""
        candidates = []
        for offset in {o for *_rest, o in self.observances}:
            instant = (local - offset).replace(tzinfo=dt.timezone.utc)
            if self.offset_at_utc(instant) == offset:
                candidates.append((instant, offset))
        assert candidates, f"{local} does not exist under the VTIMEZONE {self.tzid}"
        return min(candidates)[1]


def zoneinfo_offset(instant: dt.datetime) -> dt.timedelta:
    return instant.astimezone(STOCKHOLM).utcoffset()


def parse_rfc3339(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert value.tzinfo is not None, f"time without offset from the API: {text}"
    return value


# --------------------------------------------------------------------------------------------
# XML 1.0


XML_CHAR_OUTSIDE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_char_problems(raw: bytes) -> list[str]:
    text = raw.decode("utf-8")
    return [
        f"U+{ord(m.group(0)):04X} at {m.start()}: {text[max(0, m.start() - 40):m.start() + 40]!r}"
        for m in XML_CHAR_OUTSIDE.finditer(text)
    ]


ATOM = "{http://www.w3.org/2005/Atom}"
CHANGE_DOMAIN = "https://almedalen.se/change"


def strict_xml(raw: bytes):
    """lxml with nothing forgiven: no recovery, no entities resolved, no network."""
    parser = etree.XMLParser(recover=False, resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(raw, parser)


def items_of(raw: bytes):
    root = strict_xml(raw)
    return root.findall("./channel/item")



# --------------------------------------------------------------------------------------------
# frab schedules


def xml_events(root) -> list[dict]:
    """Every event of a schedule.xml with its day and room."""
    out = []
    for day in root.findall("day"):
        for room in day.findall("room"):
            for event in room.findall("event"):
                out.append(
                    {
                        "day": day,
                        "room_name": room.get("name"),
                        "guid": event.get("guid"),
                        "id": int(event.get("id")),
                        **{name: event.findtext(name) for name in (
                            "date", "start", "duration", "room", "slug", "url", "title", "track",
                            "type", "language", "abstract", "description")},
                        "persons": [p.text for p in event.findall("persons/person")],
                        "links": [(l.get("href"), l.text) for l in event.findall("links/link")],
                    }
                )
    return out


def json_events(document) -> list[dict]:
    out = []
    for day in document["schedule"]["conference"]["days"]:
        for room_name, events in day["rooms"].items():
            for event in events:
                out.append({"day": day, "room_name": room_name, **event})
    return out


# --------------------------------------------------------------------------------------------
# Mail in a Maildir, and the sign-up by mail (double opt-in)
#
# The servers of conftest's `service` deliver into one Maildir (ALMEDALEN_MAIL=maildir:DIR).
# A sign-up is a request (202, the same for every address), a `confirm` message to the
# address with the link to its registration page, and a POST that confirms it; then a
# `signup` message brings the attendee's links. `sign_up` walks that path as an attendee
# would, reading the links from the messages only.

SECRET = r"[A-Za-z0-9_-]{43}"
PAGE_LINK = re.compile(re.escape(PUBLIC_URL) + r"/registrations/(" + SECRET + r")(?![A-Za-z0-9_-])")
CALENDAR_LINK = re.compile(re.escape(PUBLIC_URL) + r"/feeds/attendee/(" + SECRET + r")\.ics")
WEBCAL_LINK = re.compile(r"webcal://" + re.escape(PUBLIC_URL.split("://", 1)[1]) + r"/feeds/attendee/(" + SECRET + r")\.ics")
ATTENDEE_LINK = re.compile(re.escape(PUBLIC_URL) + r"/attendees/(" + SECRET + r")(?![A-Za-z0-9_-])")


@dataclass
class MaildirMail:
    """One delivered message, read with the email package's default policy."""

    name: str
    raw: bytes
    msg: object  # email.message.EmailMessage
    kind: str
    to: str  # the recipient's address, lower case
    event_id: str | None
    subject: str
    text: str  # the text/plain part, decoded

    def page_secrets(self) -> list[str]:
        return PAGE_LINK.findall(self.text)

    def calendar_secrets(self) -> list[str]:
        return CALENDAR_LINK.findall(self.text)

    def attendee_secrets(self) -> list[str]:
        return ATTENDEE_LINK.findall(self.text)

    def links(self) -> "MailLinks":
        pages = sorted(set(self.page_secrets()))
        calendars = sorted(set(self.calendar_secrets()))
        webcals = sorted(set(WEBCAL_LINK.findall(self.text)))
        attendees = sorted(set(self.attendee_secrets()))
        assert len(pages) <= 1 and len(calendars) <= 1 and len(attendees) <= 1, (
            f"{self.kind} mail has more than one link of a kind:\n{self.text}")
        return MailLinks(
            page=pages[0] if pages else None,
            calendar=calendars[0] if calendars else None,
            webcal=webcals[0] if webcals else None,
            attendee=attendees[0] if attendees else None,
        )


@dataclass
class MailLinks:
    """The secrets of a message's links (None where it has none)."""

    page: str | None  # /registrations/SECRET (the registration page; the API's secret too)
    calendar: str | None  # /feeds/attendee/SECRET.ics
    webcal: str | None  # webcal:// form of the calendar
    attendee: str | None  # /attendees/SECRET


class Maildir:
    """A Maildir that `serve` processes deliver into; messages are parsed once and kept.
    `Maildir.at(path)` gives one reader per folder."""

    _readers: dict[str, "Maildir"] = {}

    def __init__(self, path):
        from pathlib import Path

        self.path = Path(path)
        self._read: dict[str, MaildirMail] = {}
        self._lock = threading.Lock()

    @classmethod
    def at(cls, path) -> "Maildir":
        key = str(path)
        if key not in cls._readers:
            cls._readers[key] = cls(path)
        return cls._readers[key]

    def all(self) -> list[MaildirMail]:
        """Every message delivered so far, in order of delivery (the names start with the time)."""
        import email
        import email.policy

        with self._lock:
            return self._scan()

    def _scan(self) -> list[MaildirMail]:
        import email
        import email.policy

        for folder in ("new", "cur"):
            directory = self.path / folder
            if not directory.is_dir():
                continue
            for entry in directory.iterdir():
                if entry.name in self._read:
                    continue
                raw = entry.read_bytes()
                msg = email.message_from_bytes(raw, policy=email.policy.default)
                texts = [p for p in msg.walk() if p.get_content_type() == "text/plain" and not p.is_attachment()]
                assert len(texts) == 1, f"{entry}: {len(texts)} text/plain parts"
                to = msg["To"].addresses
                assert len(to) == 1, f"{entry}: To {msg['To']!r}"
                self._read[entry.name] = MaildirMail(
                    name=entry.name, raw=raw, msg=msg, kind=str(msg["X-Almedalen-Kind"]),
                    to=to[0].addr_spec.lower(),
                    event_id=str(msg["X-Almedalen-Event"]) if msg["X-Almedalen-Event"] else None,
                    subject=str(msg["Subject"]), text=texts[0].get_content(),
                )
        return sorted(self._read.values(), key=lambda m: _delivery_key(m.name))

    def find(self, kind: str | None = None, to: str | None = None, event_id: str | None = None) -> list[MaildirMail]:
        return [
            m for m in self.all()
            if (kind is None or m.kind == kind)
            and (to is None or m.to == to.lower())
            and (event_id is None or m.event_id == event_id)
        ]

    def names(self, **filters) -> set[str]:
        return {m.name for m in self.find(**filters)}

    def wait(self, count: int = 1, timeout: float = 60, exclude: set[str] | frozenset = frozenset(),
             kinds: tuple[str, ...] | None = None, **filters) -> list[MaildirMail]:
        """At least `count` messages matching `filters` (and, with `kinds`, of one of those
        kinds) that are not in `exclude`; all of them, in order of delivery."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.find(**filters) if m.name not in exclude
                     and (kinds is None or m.kind in kinds)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{len(found)} messages {filters} kinds {kinds} in {self.path} after {timeout} s, "
                    f"wanted {count}; there are {len(self.all())} in all")
            time.sleep(0.05)


def _delivery_key(name: str) -> tuple[int, int, str]:
    match = re.match(r"(\d+)\.M(\d+)", name)
    return (int(match.group(1)), int(match.group(2)), name) if match else (0, 0, name)


REQUESTED_DETAIL_START = "Check your mail"


@dataclass
class SignUp:
    """A sign-up made through the mail, with what the attendee was given. `["key"]` reads an
    attribute, as the old JSON answers were read."""

    event_id: str
    email: str
    status: str  # confirmed or waitlisted (from the confirm answer), or as it was (already)
    waitlist_position: int | None
    existing: bool  # the address was signed up already: an `already` mail, no confirm
    confirm_secret: str | None
    secret: str  # of the registration page in the signup (or already) mail: the API's too
    calendar_secret: str | None
    webcal: str | None
    attendee_secret: str | None
    request_body: bytes  # the 202 answer's bytes
    mails: list[MaildirMail]

    @property
    def registration_page(self) -> str:
        return f"{PUBLIC_URL}/registrations/{self.secret}"

    @property
    def cancel_url(self) -> str:
        """The API's own registration (GET its status, DELETE to cancel)."""
        return f"{PUBLIC_URL}/api/v1/registrations/{self.secret}"

    @property
    def api_path(self) -> str:
        return f"/api/v1/registrations/{self.secret}"

    @property
    def calendar_url(self) -> str | None:
        return f"{PUBLIC_URL}/feeds/attendee/{self.calendar_secret}.ics" if self.calendar_secret else None

    @property
    def calendar_webcal_url(self) -> str | None:
        return f"webcal://{PUBLIC_URL.split('://', 1)[1]}/feeds/attendee/{self.webcal}.ics" if self.webcal else None

    @property
    def attendee_url(self) -> str | None:
        return f"{PUBLIC_URL}/attendees/{self.attendee_secret}" if self.attendee_secret else None

    def __getitem__(self, key: str):
        return getattr(self, key)


def request_sign_up(client: Client, event_id: str, name: str, email: str, headers=None) -> Reply:
    """The public request; must be 202 with the answer that is the same for every address."""
    reply = client.ok("POST", f"/api/v1/events/{event_id}/registrations", {"name": name, "email": email},
                      headers=headers, expect=(202,))
    body = reply.json()
    assert set(body) == {"event_id", "detail"} and body["event_id"] == event_id, reply.describe()
    assert body["detail"].startswith(REQUESTED_DETAIL_START), reply.describe()
    return reply


def confirm_link(mailbox: Maildir, event_id: str, email: str, exclude: set[str], timeout: float = 60) -> tuple[str, MaildirMail]:
    """The secret of the new `confirm` (or `already`) message to `email` about `event_id`."""
    [mail, *_] = mailbox.wait(1, timeout, exclude=exclude, kinds=("confirm", "already"),
                              to=email, event_id=event_id)
    links = mail.links()
    assert links.page, f"{mail.kind} mail without a /registrations/ link:\n{mail.text}"
    return links.page, mail


def sign_up(client: Client, event_id: str, name: str, email: str, mailbox: Maildir | None = None,
            timeout: float = 60) -> SignUp:
    """Requests a seat (202), reads the `confirm` message to `email` from the Maildir, POSTs
    its link's confirmation, and reads the `signup` message's links. An address signed up
    already gets an `already` message instead: its links, and `existing` set."""
    box = mailbox or client.mailbox
    assert box is not None, "sign_up needs the servers' Maildir (conftest's service)"
    seen = box.names(to=email, event_id=event_id)
    reply = request_sign_up(client, event_id, name, email)
    secret, first = confirm_link(box, event_id, email, seen, timeout)
    if first.kind == "already":
        links = first.links()
        status = client.ok("GET", f"/api/v1/registrations/{links.page}").json()
        return SignUp(event_id, email, status["status"], status.get("waitlist_position"), True, None,
                      links.page, links.calendar, links.webcal, links.attendee, reply.body, [first])
    seen = box.names(to=email, event_id=event_id)
    answer = client.ok("POST", f"/api/v1/registrations/{secret}/confirm", expect=(200,)).json()
    assert answer["event_id"] == event_id and answer["status"] in ("confirmed", "waitlisted"), answer
    [mail, *_] = box.wait(1, timeout, exclude=seen, kinds=("signup",), to=email, event_id=event_id)
    links = mail.links()
    assert links.page and links.calendar and links.attendee, f"signup mail lacks a link:\n{mail.text}"
    return SignUp(event_id, email, answer["status"], answer.get("waitlist_position"), False, secret,
                  links.page, links.calendar, links.webcal, links.attendee, reply.body, [first, mail])
