"""Sources/OneTimePassword against code nobody here wrote: hashlib and hmac (SHA-1, HMAC-SHA1),
base64 (Base32), PyOTP (HOTP, TOTP, the otpauth URI through pyotp.parse_uri) and urllib's
percent-decoding. The probe (two_factor_probe.py) computes our side in one batch per test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import re
import time
from urllib.parse import parse_qs, unquote, urlparse

import pyotp

from two_factor_probe import ask

RNG_SEED = 6238


def test_sha1_and_hmac_match_hashlib():
    rng = random.Random(RNG_SEED)
    lengths = list(range(0, 140)) + [rng.randrange(140, 5000) for _ in range(20)]
    messages = [rng.randbytes(n) for n in lengths]
    keys = [rng.randbytes(rng.choice([0, 1, 19, 20, 63, 64, 65, 100, 200])) for _ in messages]
    answers = ask(
        [f"sha1 {m.hex()}" for m in messages]
        + [f"hmac {k.hex()} {m.hex()}" for k, m in zip(keys, messages)]
    )
    for message, answer in zip(messages, answers[: len(messages)]):
        assert answer == hashlib.sha1(message).hexdigest(), len(message)
    for key, message, answer in zip(keys, messages, answers[len(messages) :]):
        assert answer == hmac.new(key, message, hashlib.sha1).hexdigest(), (len(key), len(message))


def test_base32_matches_the_standard_library():
    rng = random.Random(RNG_SEED + 1)
    data = [rng.randbytes(n) for n in range(0, 80)]
    answers = ask([f"base32 {d.hex()}" for d in data])
    for item, answer in zip(data, answers):
        assert answer == base64.b32encode(item).decode().rstrip("=")
    # Decoding: what the standard library writes, in random case, with and without padding.
    texts = []
    for item in data:
        text = base64.b32encode(item).decode()
        if rng.random() < 0.5:
            text = text.rstrip("=")
        texts.append("".join(c.lower() if rng.random() < 0.5 else c for c in text) or "")
    texts = [t for t in texts if t]
    answers = ask([f"unbase32 {t}" for t in texts])
    for text, answer in zip(texts, answers):
        assert answer == base64.b32decode(text.upper() + "=" * (-len(text) % 8)).hex(), text
    # What the standard library refuses, ours refuses too, with a reason.
    bad = ["MZXW6YTB0", "MZXW6YT8", "M", "MZX", "MZXW6Y", "MZ=XW6YT", "MZXW6YTB=", "MZXW 6YTB"]
    for text, answer in zip(bad, ask([f"unbase32 {t}" for t in bad])):
        assert answer.startswith("error "), (text, answer)
        try:
            base64.b32decode(text + "=" * (-len(text) % 8))
        except Exception:
            pass
        else:
            raise AssertionError(f"the standard library takes {text!r}")


def test_hotp_and_totp_match_pyotp():
    rng = random.Random(RNG_SEED + 2)
    requests, expected = [], []
    for _ in range(400):
        # PyOTP refuses secrets under 112 bits.
        secret = rng.randbytes(rng.choice([14, 16, 20, 20, 20, 32, 64]))
        b32 = base64.b32encode(secret).decode()
        digits = rng.choice([6, 6, 7, 8])
        counter = rng.choice([0, 1, rng.randrange(2**32), rng.randrange(2**62)])
        requests.append(f"hotp {secret.hex()} {counter} {digits}")
        expected.append(pyotp.HOTP(b32, digits=digits).at(counter))
        period = rng.choice([30, 30, 60])
        moment = rng.choice([0, 29, 30, 59, rng.randrange(2**31), rng.randrange(2**34)])
        requests.append(f"totp {secret.hex()} {moment} {digits} {period}")
        expected.append(pyotp.TOTP(b32, digits=digits, interval=period).at(moment))
    assert ask(requests) == expected


def test_verify_accepts_pyotp_codes_within_one_step_and_refuses_replays():
    rng = random.Random(RNG_SEED + 3)
    requests, expected = [], []
    # A fixed time, so that the seed fixes every code: 6-digit codes of different steps can
    # coincide (about one in a million), and this seed has no such coincidence.
    now = 1_790_000_000
    for _ in range(100):
        secret = rng.randbytes(20)
        totp = pyotp.TOTP(base64.b32encode(secret).decode())
        moment = now + rng.randrange(-10**6, 10**6)
        step = moment // 30
        for offset in (-2, -1, 0, 1, 2):
            code = totp.at(moment + 30 * offset)
            requests.append(f"verify {secret.hex()} {moment} {code} 1")
            expected.append(str(step + offset) if abs(offset) <= 1 else "none")
        code = totp.at(moment)
        # The step just used, given back as `after`, refuses the same code.
        requests.append(f"verify {secret.hex()} {moment} {code} 1 {step}")
        expected.append("none")
        requests.append(f"verify {secret.hex()} {moment} {code} 1 {step - 1}")
        expected.append(str(step))
    answers = ask(requests)
    mismatches = [(r, a, e) for r, a, e in zip(requests, answers, expected) if a != e]
    assert not mismatches


def test_otpauth_uri_is_parsed_by_pyotp():
    rng = random.Random(RNG_SEED + 4)
    accounts = [
        "anna@example.se",
        "Åsa Öberg",
        "programkontoret+test@almedalsveckan.info",
        "a&b=c?d#e/f%g h+i",
        "日本語 🎉",
        "quote\"apostrophe'",
    ]
    issuers = ["Almedalsveckan", "Region Gotland & Co", "Almedalen 2027 (test)"]
    cases = []
    for account in accounts:
        issuer = rng.choice(issuers)
        secret = rng.randbytes(20)
        cases.append((issuer, account, secret))
    answers = ask([f"uri {i.encode().hex()} {a.encode().hex()} {s.hex()}" for i, a, s in cases])
    now = int(time.time())
    for (issuer, account, secret), uri in zip(cases, answers):
        assert re.fullmatch(r"[A-Za-z0-9\-._~%:/?=&]+", uri), uri
        parsed = pyotp.parse_uri(uri)
        assert isinstance(parsed, pyotp.TOTP)
        assert parsed.name == account
        assert parsed.issuer == issuer
        assert parsed.digits == 6 and parsed.interval == 30 and parsed.digest().name == "sha1"
        assert base64.b32decode(parsed.secret) == secret
        assert parsed.at(now) == pyotp.TOTP(base64.b32encode(secret).decode()).at(now)
        # The label and the parameters, read by urllib too.
        pieces = urlparse(uri)
        assert pieces.scheme == "otpauth" and pieces.netloc == "totp"
        label_issuer, label_account = pieces.path[1:].split(":")
        assert unquote(label_issuer) == issuer and unquote(label_account) == account
        query = parse_qs(pieces.query)
        assert query == {
            "secret": [base64.b32encode(secret).decode().rstrip("=")],
            "issuer": [issuer],
            "algorithm": ["SHA1"],
            "digits": ["6"],
            "period": ["30"],
        }
    refused = ask(
        [f"uri {b'a:b'.hex()} {b'c'.hex()} 00", f"uri {b'a'.hex()} {b'c:d'.hex()} 00"]
    )
    assert refused == [
        "error the issuer contains a colon",
        "error the account name contains a colon",
    ]


def test_secrets_and_recovery_codes():
    answers = ask(["secret"] * 20 + ["recovery 10"] * 5)
    secrets = [bytes.fromhex(a) for a in answers[:20]]
    assert all(len(s) == 20 for s in secrets)
    assert len(set(secrets)) == 20
    codes = [code for line in answers[20:] for code in line.split(" ")]
    assert len(codes) == 50 and len(set(codes)) == 50
    for code in codes:
        assert re.fullmatch(r"[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}", code), code
    # What a user might type comes back as the canonical code; anything else as none.
    typed = [
        codes[0].upper(),
        " " + codes[1].replace("-", " ") + " ",
        codes[2].replace("-", ""),
        codes[3][:-1],
        codes[4] + "x",
        codes[5].replace("a", "0"),
    ]
    answers = ask([f"normalise {t.encode().hex()}" for t in typed])
    assert answers[:3] == [code.replace("-", "") for code in codes[:3]]
    assert answers[3] == "none" and answers[4] == "none"
    assert answers[5] == ("none" if "a" in codes[5] else codes[5].replace("-", ""))
