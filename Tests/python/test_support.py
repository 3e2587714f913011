"""The raw-byte checks of support.py catch what they are meant to catch: each is shown a
broken stream (no server needed), so that a feed test passing means something."""

from __future__ import annotations

import datetime as dt

import pytest

from support import (
    TimezoneRules,
    WireError,
    check_wire,
    decode_param_value,
    parse_content_line,
    parse_stream,
    unescape_text,
    xml_char_problems,
    zoneinfo_offset,
)

GOOD = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


@pytest.mark.parametrize(
    "raw,why",
    [
        (GOOD.replace(b"\r\n", b"\n"), "LF-only lines"),
        (GOOD[:-2], "no final CRLF"),
        (GOOD.replace(b"VERSION:2.0\r\n", b"VERSION:2.0\rX:1\r\n"), "a bare CR"),
        (b"\xef\xbb\xbf" + GOOD, "a byte-order mark"),
        (GOOD.replace(b"VERSION:2.0", b"X:" + b"a" * 74), "76 octets"),
        (GOOD.replace(b"VERSION:2.0", b"X:" + b"a" * 71 + "å".encode()[:1] + b"\r\n " + "å".encode()[1:]), "a fold inside å"),
        (GOOD.replace(b"VERSION:2.0", b"X:a\x01b"), "a control character"),
        (GOOD.replace(b"VERSION:2.0", "X:a\u0085b".encode()), "a C1 control"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_check_wire_refuses(raw, why):
    with pytest.raises(WireError):
        check_wire(raw)


def test_check_wire_accepts_good_folding():
    line = b"SUMMARY:" + b"A" * 65 + "å".encode() + b"\r\n " + "å".encode() * 3
    check_wire(GOOD.replace(b"VERSION:2.0", line))


@pytest.mark.parametrize("value", ["a,b", "a;b", "a\\x", "a\\"])
def test_unescape_text_is_strict(value):
    with pytest.raises(WireError):
        unescape_text(value)


def test_unescape_text():
    assert unescape_text("a\\,b\\;c\\\\n\\nd") == "a,b;c\\n\nd"
    assert unescape_text("a\\,b,c", multiple=True) == ["a,b", "c"]


def test_parameters():
    line = parse_content_line("ORGANIZER;CN=\"A ^'B^': C; D, ^^ ^n\":urn:uuid:x", 1)
    assert line.param("CN") == 'A "B": C; D, ^ \n' and line.value == "urn:uuid:x"
    assert decode_param_value("^x^") == "^x^"
    with pytest.raises(WireError):
        parse_content_line('ORGANIZER;CN=a"b:urn:x', 1)
    with pytest.raises(WireError):
        parse_content_line("SUMMARY", 1)
    with pytest.raises(WireError):
        parse_content_line('ORGANIZER;CN="a:urn:x', 1)


VTIMEZONE = (
    b"BEGIN:VTIMEZONE\r\nTZID:Europe/Stockholm\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
    b"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
    b"END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\n"
    b"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
    b"END:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
)


def test_timezone_rules():
    rules = TimezoneRules(parse_stream(VTIMEZONE)[0])
    hour = dt.timedelta(hours=1)
    assert rules.offset_for_local(dt.datetime(2032, 10, 31, 1, 30)) == 2 * hour
    assert rules.offset_for_local(dt.datetime(2032, 10, 31, 2, 30)) == 2 * hour  # first of two
    assert rules.offset_for_local(dt.datetime(2032, 10, 31, 3, 30)) == hour
    assert rules.offset_for_local(dt.datetime(2031, 3, 30, 1, 30)) == hour
    assert rules.offset_for_local(dt.datetime(2031, 3, 30, 3, 30)) == 2 * hour
    with pytest.raises(AssertionError):
        rules.offset_for_local(dt.datetime(2031, 3, 30, 2, 30))  # skipped
    instant = dt.datetime(2031, 1, 1, tzinfo=dt.timezone.utc)
    while instant.year == 2031:
        assert rules.offset_at_utc(instant) == zoneinfo_offset(instant), instant
        instant += dt.timedelta(hours=1)


def test_timezone_rules_notice_a_wrong_rule():
    wrong = TimezoneRules(parse_stream(VTIMEZONE.replace(b"BYMONTH=3;BYDAY=-1SU", b"BYMONTH=4;BYDAY=1SU"))[0])
    instant = dt.datetime(2031, 3, 31, 12, tzinfo=dt.timezone.utc)
    assert wrong.offset_at_utc(instant) != zoneinfo_offset(instant)


def test_xml_char_problems():
    assert xml_char_problems("<a>é🎉\t\n</a>".encode()) == []
    assert len(xml_char_problems("<a>\x01\x0b\ufffe</a>".encode())) == 3


# --------------------------------------------------------------------------------------------
# The Maildir reader that support.sign_up reads its links from


def _deliver(folder, name: str, kind: str, to: str, event: str | None, text: str) -> None:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["To"] = f"Någon Person <{to}>"
    msg["From"] = "Almedalsveckan <noreply@almedalen.test>"
    msg["Subject"] = f"Ämne {kind}"
    msg["X-Almedalen-Kind"] = kind
    if event:
        msg["X-Almedalen-Event"] = event
    msg.set_content(text, cte="quoted-printable")
    (folder / "new").mkdir(parents=True, exist_ok=True)
    (folder / "new" / name).write_bytes(msg.as_bytes())


def test_maildir_reader_finds_by_kind_recipient_and_event(tmp_path):
    import support

    page, calendar, attendee = "P" * 43, "C" * 43, "A" * 43
    url = support.PUBLIC_URL
    _deliver(tmp_path, "1700000000.M1P1Q1.host", "confirm", "Ett@Example.org", "e1",
             f"Bekräfta:\n{url}/registrations/{page}\n")
    _deliver(tmp_path, "1700000001.M1P1Q2.host", "signup", "ett@example.org", "e1",
             f"{url}/registrations/{page[:-1]}Q\nwebcal://{url.split('://')[1]}/feeds/attendee/{calendar}.ics\n"
             f"{url}/feeds/attendee/{calendar}.ics\n{url}/attendees/{attendee}\n")
    _deliver(tmp_path, "1700000002.M1P1Q3.host", "confirm", "tva@example.org", "e2", "inget")
    box = support.Maildir(tmp_path)
    assert [m.kind for m in box.all()] == ["confirm", "signup", "confirm"]
    [confirm] = box.find(kind="confirm", to="ETT@example.org")
    assert confirm.links() == support.MailLinks(page, None, None, None)
    [signup] = box.find(to="ett@example.org", event_id="e1", kind="signup")
    assert signup.links() == support.MailLinks(page[:-1] + "Q", calendar, calendar, attendee)
    assert box.find(event_id="e2")[0].links() == support.MailLinks(None, None, None, None)
    # A secret one character short or long is no link.
    _deliver(tmp_path, "1700000003.M1P1Q4.host", "links", "tre@example.org", None,
             f"{url}/registrations/{'x' * 42}\n{url}/registrations/{'y' * 44}\n")
    assert box.find(kind="links")[0].page_secrets() == []
    with pytest.raises(AssertionError, match="wanted 2"):
        box.wait(2, timeout=0.2, kind="confirm", to="ett@example.org")
    assert box.wait(1, timeout=0.2, exclude={confirm.name}, kinds=("signup",), to="ett@example.org") == [signup]


def test_maildir_reader_refuses_two_links_of_a_kind(tmp_path):
    import support

    url = support.PUBLIC_URL
    _deliver(tmp_path, "1700000000.M1P1Q1.host", "signup", "a@example.org", "e",
             f"{url}/registrations/{'a' * 43}\n{url}/registrations/{'b' * 43}\n")
    [mail] = support.Maildir(tmp_path).all()
    with pytest.raises(AssertionError, match="more than one link"):
        mail.links()
