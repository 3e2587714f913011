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
