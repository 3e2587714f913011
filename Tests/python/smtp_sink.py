"""An SMTP server for the mail tests, built on aiosmtpd (nobody here wrote its SMTP).

In the tests:

    sink = SMTPSink()
    port = sink.start()            # port=0: a free port on 127.0.0.1
    ...                            # ALMEDALEN_MAIL=smtp://127.0.0.1:PORT
    messages = sink.wait_for(3, timeout=20)
    envelope_from, rcpt_tos, raw, mail_options = messages[0]
    sink.stop()

Each received message is a `Received`, which unpacks as the 4-tuple
(envelope_from, rcpt_tos, raw bytes, mail_options) and also carries `wire` (the DATA section
exactly as the client sent it: dot-stuffed, with the final `.` line), `connection` (a number
per accepted TCP connection, to see batches share one) and `rcpt_options`.

Switches the tests flip at runtime (taking effect on the next connection for the EHLO
offers, at once for the rest):

    sink.smtputf8 = False          # don't offer SMTPUTF8 (and refuse MAIL ... SMTPUTF8)
    sink.eightbitmime = False      # don't offer 8BITMIME (and refuse BODY=8BITMIME and any
                                   # 8-bit octet in DATA, with 554, noted in sink.violations)
    sink.fail_next("RCPT", 451, count=2)   # the next 2 RCPT commands get 451
    sink.fail_next("DATA", 554)            # the next DATA gets 554 (message not kept)
    sink.data_delay = 0.2          # wait 200 ms after each message's data before the 250
    sink.down(); sink.up()         # stop listening (live connections are dropped) / again,
                                   # on the same port

As a program (scripts/soak and scripts/bench):

    python3 Tests/python/smtp_sink.py --port P --out DIR [--count-file F]

writes each message it accepts to DIR/NNNNNN.eml before answering 250 (numbering goes on
from the files already there, so a restarted sink appends), and after each one writes the
number of files to F (atomically, by rename). It prints `smtp_sink listening on HOST:PORT`
on stdout once it listens, and exits 0 on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from aiosmtpd.smtp import SMTP

FAILABLE = ("MAIL", "RCPT", "DATA")


@dataclass
class Received:
    """One message the sink accepted (answered, or about to answer, 250 to its DATA)."""

    envelope_from: str
    rcpt_tos: list[str]
    raw: bytes  # the message after removing the dot-stuffing, CRLF line ends
    mail_options: list[str]
    rcpt_options: list[str] = field(default_factory=list)
    wire: bytes = b""  # the DATA section as sent: dot-stuffed, ending with b".\r\n"
    connection: int = 0
    smtp_utf8: bool = False
    received_at: float = 0.0

    def __iter__(self):
        return iter((self.envelope_from, self.rcpt_tos, self.raw, self.mail_options))


class _Protocol(SMTP):
    """aiosmtpd's SMTP with a transcript of what the client sent on this connection, so that
    the DATA section can be kept as it was on the wire."""

    def __init__(self, sink: "SMTPSink", number: int, **kwargs):
        super().__init__(sink._handler, **kwargs)
        self.sink = sink
        self.number = number
        self.offer_8bitmime = sink.eightbitmime
        self.wire = bytearray()
        self.data_start = 0

    def data_received(self, data: bytes) -> None:
        self.wire.extend(data)
        super().data_received(data)

    def consumed(self) -> int:
        """Octets of the transcript the SMTP state machine has read so far."""
        pending = getattr(self._reader, "_buffer", b"")
        return len(self.wire) - len(pending)

    def connection_made(self, transport) -> None:
        self.sink._transports.add(transport)
        super().connection_made(transport)

    def connection_lost(self, error) -> None:
        self.sink._transports.discard(self.transport)
        super().connection_lost(error)

    async def smtp_DATA(self, arg: str) -> None:
        self.data_start = self.consumed()
        await super().smtp_DATA(arg)


class _Handler:
    def __init__(self, sink: "SMTPSink"):
        self.sink = sink

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if not server.offer_8bitmime:
            responses = [r for r in responses if r[4:].upper() != "8BITMIME"]
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        failure = self.sink._take_failure("MAIL")
        if failure:
            return failure
        if not server.offer_8bitmime and "BODY=8BITMIME" in mail_options:
            self.sink._violation(f"connection {server.number}: BODY=8BITMIME though not offered")
            return "555 5.5.4 BODY=8BITMIME not offered here"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        failure = self.sink._take_failure("RCPT")
        if failure:
            return failure
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        end = server.consumed()
        wire = bytes(server.wire[server.data_start : end])
        del server.wire[:end]
        server.data_start = 0
        raw = envelope.original_content or b""
        if not server.offer_8bitmime and not envelope.smtp_utf8:
            bad = next((i for i, b in enumerate(raw) if b >= 0x80), None)
            if bad is not None:
                self.sink._violation(
                    f"connection {server.number}: 8-bit octet at {bad} of DATA though 8BITMIME was"
                    f" not offered: {raw[max(0, bad - 40) : bad + 20]!r}"
                )
                return "554 5.6.1 8-bit data without 8BITMIME"
        failure = self.sink._take_failure("DATA")
        if failure:
            self.sink.refused.append((envelope.mail_from, list(envelope.rcpt_tos), raw, failure))
            return failure
        message = Received(
            envelope_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            raw=raw,
            mail_options=list(envelope.mail_options),
            rcpt_options=list(envelope.rcpt_options),
            wire=wire,
            connection=server.number,
            smtp_utf8=bool(envelope.smtp_utf8),
            received_at=time.time(),
        )
        self.sink._accept(message)
        delay = self.sink.data_delay
        if delay > 0:
            await asyncio.sleep(delay)
        return "250 2.0.0 OK queued"


class SMTPSink:
    """aiosmtpd in a thread of its own, with switches for the tests (see the module)."""

    def __init__(self, host: str = "127.0.0.1", on_message: Callable[[Received], None] | None = None):
        self.host = host
        self.port = 0
        self.smtputf8 = True
        self.eightbitmime = True
        self.data_delay = 0.0
        self.messages: list[Received] = []
        self.refused: list[tuple] = []  # (from, rcpt_tos, raw, answer) of DATA refused on purpose
        self.violations: list[str] = []  # protocol rules the client broke
        self.connections = 0
        self._on_message = on_message
        self._failures: dict[str, collections.deque] = {c: collections.deque() for c in FAILABLE}
        self._handler = _Handler(self)
        self._lock = threading.Condition()
        self._transports: set = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None

    # -- switches ----------------------------------------------------------------------

    def fail_next(self, command: str, code: int, count: int = 1, text: str | None = None) -> None:
        """The next `count` `command`s (MAIL, RCPT or DATA) are answered `code` (4xx or 5xx)."""
        command = command.upper()
        if command not in FAILABLE:
            raise ValueError(f"fail_next: {command} is not one of {FAILABLE}")
        if not 400 <= code <= 599:
            raise ValueError(f"fail_next: {code} is not a 4xx or 5xx code")
        if text is None:
            text = f"{code // 100}.{3 if code < 500 else 7}.0 sink told to fail {command}"
        with self._lock:
            for _ in range(count):
                self._failures[command].append(f"{code} {text}")

    def clear_failures(self) -> None:
        with self._lock:
            for queue in self._failures.values():
                queue.clear()

    def pending_failures(self, command: str) -> int:
        with self._lock:
            return len(self._failures[command.upper()])

    def reset(self) -> None:
        """Forgets what was received and every switch (the sink keeps listening)."""
        with self._lock:
            self.messages.clear()
            self.refused.clear()
            self.violations.clear()
            for queue in self._failures.values():
                queue.clear()
            self.smtputf8 = True
            self.eightbitmime = True
            self.data_delay = 0.0

    # -- what arrived ------------------------------------------------------------------

    def wait_for(self, n: int, timeout: float = 30.0) -> list[Received]:
        """At least `n` messages (all received so far, in order); AssertionError after
        `timeout` seconds with fewer."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.messages) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"the SMTP sink received {len(self.messages)} messages in {timeout} s, wanted {n}"
                        + (f"; protocol violations: {self.violations}" if self.violations else "")
                    )
                self._lock.wait(left)
            return list(self.messages)

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.messages)

    # -- life --------------------------------------------------------------------------

    def start(self, port: int = 0) -> int:
        """Listens on host:port (0: a free port); returns the port."""
        if self._thread is None:
            self._loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run():
                asyncio.set_event_loop(self._loop)
                self._loop.call_soon(ready.set)
                self._loop.run_forever()

            self._thread = threading.Thread(target=run, name="smtp-sink", daemon=True)
            self._thread.start()
            ready.wait(10)
        self._call(self._listen(port or self.port))
        return self.port

    def up(self) -> int:
        """Listens again on the same port after `down()`."""
        return self.start(self.port)

    def down(self) -> None:
        """Stops listening and drops every connection (clients see a refused or reset
        connection) until `up()`."""
        if self._loop is not None:
            self._call(self._close())

    def stop(self) -> None:
        if self._loop is None:
            return
        self.down()
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop.close()
        self._loop = None
        self._thread = None

    @property
    def listening(self) -> bool:
        return self._server is not None

    def __enter__(self) -> "SMTPSink":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- inside ------------------------------------------------------------------------

    def _call(self, coroutine):
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(15)

    def _factory(self):
        with self._lock:
            self.connections += 1
            number = self.connections
        return _Protocol(
            self,
            number,
            enable_SMTPUTF8=self.smtputf8,
            decode_data=False,
            hostname="sink.almedalen.test",
            data_size_limit=10 * 1024 * 1024,
            timeout=60,
            loop=self._loop,
        )

    async def _listen(self, port: int) -> None:
        if self._server is not None:
            return
        self._server = await self._loop.create_server(
            self._factory, host=self.host, port=port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()
        if server is not None:
            try:
                await asyncio.wait_for(server.wait_closed(), 5)
            except asyncio.TimeoutError:
                pass

    def _take_failure(self, command: str) -> str | None:
        with self._lock:
            queue = self._failures[command]
            return queue.popleft() if queue else None

    def _violation(self, text: str) -> None:
        with self._lock:
            self.violations.append(text)

    def _accept(self, message: Received) -> None:
        if self._on_message is not None:
            self._on_message(message)  # before the 250: acknowledged means written
        with self._lock:
            self.messages.append(message)
            self._lock.notify_all()


# --------------------------------------------------------------------------------------------
# The program


EML = re.compile(r"^(\d{6,})\.eml$")


class _Writer:
    def __init__(self, out: Path, count_file: Path | None):
        self.out = out
        self.count_file = count_file
        self.lock = threading.Lock()
        numbers = [int(m.group(1)) for p in out.iterdir() if (m := EML.match(p.name))]
        self.next = max(numbers, default=0) + 1
        self.count = len(numbers)
        self._write_count()

    def __call__(self, message: Received) -> None:
        with self.lock:
            number = self.next
            self.next += 1
            final = self.out / f"{number:06d}.eml"
            temporary = self.out / f".{number:06d}.eml.tmp"
            with open(temporary, "wb") as f:
                f.write(message.raw)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, final)
            self.count += 1
            self._write_count()

    def _write_count(self) -> None:
        if self.count_file is None:
            return
        temporary = self.count_file.with_name(f".{self.count_file.name}.tmp")
        temporary.write_text(f"{self.count}\n")
        os.replace(temporary, self.count_file)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="An SMTP sink (aiosmtpd) writing each message to DIR/NNNNNN.eml")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="TCP port (0: a free one, printed)")
    parser.add_argument("--out", type=Path, required=True, help="directory for the .eml files")
    parser.add_argument("--count-file", type=Path, help="file holding the number of messages in DIR")
    parser.add_argument("--delay-ms", type=float, default=0, help="wait this long before each 250 to DATA")
    parser.add_argument("--no-smtputf8", action="store_true", help="do not offer SMTPUTF8")
    parser.add_argument("--no-8bitmime", action="store_true", help="do not offer 8BITMIME")
    args = parser.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    writer = _Writer(args.out, args.count_file)
    sink = SMTPSink(args.host, on_message=writer)
    sink.smtputf8 = not args.no_smtputf8
    sink.eightbitmime = not args.no_8bitmime
    sink.data_delay = args.delay_ms / 1000

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        port = sink.start(args.port)
    except OSError as error:
        print(f"smtp_sink: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    print(f"smtp_sink listening on {args.host}:{port}", flush=True)
    while not stop.wait(0.5):
        pass
    sink.stop()
    print(f"smtp_sink stopped after {len(sink.messages)} messages", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
