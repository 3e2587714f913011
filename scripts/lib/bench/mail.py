"""Helpers of `scripts/bench mail` (Python's standard library only).

  mail.py queue --port P --event ID --count N [--threads T] [--prefix S]
      N sign-up requests (POST /api/v1/events/ID/registrations, a new email each:
      S-<n>@example.org) from T threads over keep-alive connections to `almedalen serve` on
      127.0.0.1:P; every answer must be 202 (a hold, and a confirm message queued). Prints
      "created N seconds S".
  mail.py smtplib --port P --dir DIR --count N
      The reference: reads N messages that the sink wrote (DIR/*.eml, the very bytes our
      sender delivered) into memory, then, timed, sends them with smtplib over ONE connection
      to the sink on 127.0.0.1:P (EHLO, then MAIL/RCPT/DATA per message, QUIT), each to the
      address of its To header, with BODY=8BITMIME when it has 8-bit bytes, as ours does.
      Prints "sent N seconds S bytes B".
  mail.py count DIR...
      Prints "files F unique U" (U: distinct Message-IDs) of the sink's files in the DIRs.
  mail.py wait-smtp --port P [--timeout S]
      Until an SMTP server on 127.0.0.1:P greets with 220 (exit 1 after S seconds, 30).
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import http.client
import json
import re
import smtplib
import socket
import sys
import threading
import time
from pathlib import Path


def queue(args) -> int:
    lock = threading.Lock()
    state = {"next": 0, "created": 0, "bad": []}

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
        while True:
            with lock:
                if state["next"] >= args.count or state["bad"]:
                    break
                state["next"] += 1
                number = state["next"]
            body = json.dumps({"name": f"Bench Mottagare {number}", "email": f"{args.prefix}-{number}@example.org"})
            for attempt in range(3):
                try:
                    connection.request(
                        "POST", f"/api/v1/events/{args.event}/registrations", body=body,
                        headers={"Content-Type": "application/json", "Accept": "application/json"},
                    )
                    response = connection.getresponse()
                    payload = response.read()
                    break
                except (OSError, http.client.HTTPException):
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
                    if attempt == 2:
                        raise
            with lock:
                if response.status == 202:
                    state["created"] += 1
                else:
                    state["bad"].append(f"{response.status} {payload[:300]!r}")
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if state["bad"]:
        print(f"sign-up requests not answered 202: {state['bad'][:3]}", file=sys.stderr)
        return 1
    print(f"created {state['created']} seconds {time.monotonic() - started:.3f}")
    return 0


TO = re.compile(rb"^To:.*?<([^>\r\n]+)>", re.MULTILINE | re.IGNORECASE)


def reference(args) -> int:
    files = sorted(Path(args.dir).glob("*.eml"))[: args.count]
    if len(files) < args.count:
        print(f"only {len(files)} messages in {args.dir}, {args.count} wanted", file=sys.stderr)
        return 1
    messages = []
    for path in files:
        raw = path.read_bytes()
        head = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ")
        match = TO.search(head)
        if not match:
            print(f"{path}: no To address", file=sys.stderr)
            return 1
        options = ["BODY=8BITMIME"] if any(b > 127 for b in raw) else []
        messages.append((match.group(1).decode("utf-8"), raw, options))
    size = sum(len(m[1]) for m in messages)
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", args.port, local_hostname="bench.almedalen.test", timeout=60) as smtp:
        smtp.ehlo()
        for to, raw, options in messages:
            refused = smtp.sendmail("noreply@almedalen.test", [to], raw, mail_options=options)
            if refused:
                print(f"refused: {refused}", file=sys.stderr)
                return 1
    print(f"sent {len(messages)} seconds {time.monotonic() - started:.3f} bytes {size}")
    return 0


def count(args) -> int:
    parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
    files = 0
    ids = set()
    for folder in args.dirs:
        for path in Path(folder).glob("*.eml"):
            files += 1
            with open(path, "rb") as f:
                ids.add((parser.parse(f).get("Message-ID") or "").strip())
    print(f"files {files} unique {len(ids - {''})}")
    return 0


def wait_smtp(args) -> int:
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", args.port), timeout=2) as sock:
                if sock.recv(512).startswith(b"220"):
                    sock.sendall(b"QUIT\r\n")
                    return 0
        except OSError:
            pass
        time.sleep(0.05)
    print(f"no SMTP greeting on 127.0.0.1:{args.port} within {args.timeout} s", file=sys.stderr)
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("queue")
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--event", required=True)
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--threads", type=int, default=8)
    q.add_argument("--prefix", default="mail-bench")
    r = sub.add_parser("smtplib")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--dir", required=True)
    r.add_argument("--count", type=int, required=True)
    c = sub.add_parser("count")
    c.add_argument("dirs", nargs="+")
    w = sub.add_parser("wait-smtp")
    w.add_argument("--port", type=int, required=True)
    w.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    return {"queue": queue, "smtplib": reference, "count": count, "wait-smtp": wait_smtp}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
