"""What the soak's driver and audit share: the HTTP client that logs every request and
answer, the server processes, and psql.

Python's standard library only (scripts/soak runs it with the system python3).

Every answer is classified by what it tells about a write:

  ok           2xx or 304: acknowledged; a write must be in the database
  refused      4xx: refused; a write must have changed nothing
  unavailable  503: refused for now; a write may or may not have been applied (a commit
               whose outcome the server could not learn is 503 too), and it must carry
               Retry-After
  error        any other 5xx: a finding; outcome unknown
  not_sent     the connection could not be opened: nothing was sent, nothing applied
  unknown      the connection broke after the request went out (a server killed, a reset):
               may or may not have been applied
  timeout      no answer within the client's timeout: a finding (requests must not hang);
               outcome unknown
"""

from __future__ import annotations

import email
import email.policy
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# Outcomes after which a write may have been applied, or not.
MAYBE = {"unavailable", "error", "unknown", "timeout"}

# What the log keeps of a JSON answer (a sign-up's, an event's, a problem's).
ANSWER_KEYS = ("status", "waitlist_position", "existing", "detail", "event_id", "version", "title")

# The registration page link of a message: PUBLIC_URL/registrations/SECRET.
REGISTRATION_LINK = re.compile(r"/registrations/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])")


def now_iso() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


class RequestLog:
    """requests.jsonl: one line per request with its answer, written as it ends."""

    def __init__(self, path: Path, started: float):
        self.path = path
        self.started = started
        self._lock = threading.Lock()
        self._file = open(path, "a", encoding="utf-8")
        self._next = 0

    def next_id(self) -> int:
        with self._lock:
            self._next += 1
            return self._next

    def write(self, record: dict) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self._file.write(line + "\n")

    def flush(self) -> None:
        with self._lock:
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


@dataclass
class Answer:
    record: dict
    status: int | None
    headers: dict[str, str]
    body: bytes

    @property
    def outcome(self) -> str:
        return self.record["outcome"]

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def classify(status: int) -> str:
    if 200 <= status < 400:
        return "ok"
    if status == 503:
        return "unavailable"
    if 400 <= status < 500:
        return "refused"
    return "error"


class Client:
    """Sends one request per connection (Connection: close), so that what a broken connection
    may have carried is always exactly one request. Logs request and answer."""

    def __init__(self, log: RequestLog, timeout: float):
        self.log = log
        self.timeout = timeout

    def send(
        self,
        server: "Server",
        kind: str,
        method: str,
        path: str,
        body: dict | bytes | None = None,
        headers: dict[str, str] | None = None,
        note: dict | None = None,
        worker: str = "",
        keep_body: bool = False,
    ) -> Answer:
        headers = dict(headers or {})
        headers.setdefault("Connection", "close")
        data = None
        if isinstance(body, dict):
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        elif body is not None:
            data = body
        record = {
            "id": self.log.next_id(),
            "t": round(time.monotonic() - self.log.started, 4),
            "at": now_iso(),
            "worker": worker,
            "server": server.name,
            "port": server.port,
            "kind": kind,
            "method": method,
            "path": path,
        }
        if note:
            record.update(note)
        if "If-None-Match" in headers:
            record["if_none_match"] = headers["If-None-Match"]
        if "If-Match" in headers:
            record["if_match"] = headers["If-Match"]
        status = None
        answer_headers: dict[str, str] = {}
        payload = b""
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=self.timeout)
        try:
            try:
                connection.connect()
            except TimeoutError as error:
                record.update(outcome="timeout", error=f"connect: {error!r}", sent=False)
                return Answer(record, None, {}, b"")
            except OSError as error:
                record.update(outcome="not_sent", error=f"connect: {error!r}")
                return Answer(record, None, {}, b"")
            try:
                connection.request(method, path, body=data, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                status = response.status
                answer_headers = {k.lower(): v for k, v in response.getheaders()}
            except TimeoutError as error:
                record.update(outcome="timeout", error=repr(error))
                return Answer(record, None, {}, b"")
            except (OSError, http.client.HTTPException) as error:
                record.update(outcome="unknown", error=repr(error))
                return Answer(record, None, {}, b"")
            record["status"] = status
            record["outcome"] = classify(status)
            record["bytes"] = len(payload)
            for name in ("etag", "retry-after", "x-feed-cache", "x-page-cache", "content-type"):
                if name in answer_headers:
                    record[name.replace("-", "_")] = answer_headers[name]
            if status >= 400 or keep_body:
                record["body"] = payload[:300].decode("utf-8", "replace")
            if "json" in answer_headers.get("content-type", "") and len(payload) < 200_000:
                try:
                    parsed = json.loads(payload)
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict):
                    picked = {k: parsed[k] for k in ANSWER_KEYS if k in parsed}
                    if picked:
                        record["answer"] = picked
            return Answer(record, status, answer_headers, payload)
        finally:
            connection.close()
            record["ms"] = round((time.monotonic() - started) * 1000, 1)
            record["t_end"] = round(time.monotonic() - self.log.started, 4)
            self.log.write(record)


# --------------------------------------------------------------------------------------------
# Server processes


@dataclass
class Server:
    """One `almedalen serve` on a fixed port of 127.0.0.1 (the same port after a restart)."""

    name: str
    port: int
    binary: str
    env: dict[str, str]
    log_path: Path
    pid_file: Path
    cwd: str
    process: subprocess.Popen | None = None
    starts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> float:
        """Starts it and waits until GET /healthz is 200; returns the seconds that took."""
        started = time.monotonic()
        with self.lock:
            self.starts += 1
            with open(self.log_path, "ab") as log:
                log.write(f"\n### soak: start #{self.starts} at {now_iso()}\n".encode())
                log.flush()
                self.process = subprocess.Popen(
                    [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                    cwd=self.cwd,
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                )
            with open(self.pid_file, "a", encoding="utf-8") as pids:
                pids.write(f"{self.process.pid} {self.name}\n")
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server {self.name} exited {self.process.returncode} while starting; see {self.log_path}"
                )
            try:
                status = health(self.port, 2.0)
                if status == 200:
                    return time.monotonic() - started
                last = f"GET /healthz answered {status}"
            except OSError as error:
                last = repr(error)
            time.sleep(0.05)
        raise RuntimeError(f"server {self.name} did not become healthy in {timeout} s: {last}")

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        with self.lock:
            if self.process and self.process.poll() is None:
                self.process.send_signal(signal.SIGKILL)
                self.process.wait(timeout=10)
            with open(self.log_path, "ab") as log:
                log.write(f"\n### soak: SIGKILL at {now_iso()}\n".encode())

    def stop(self) -> int | None:
        """SIGTERM (graceful), then SIGKILL after 15 s; returns the exit code."""
        with self.lock:
            process = self.process
            if process is None:
                return None
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
            return process.returncode

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Sink:
    """The SMTP sink (Tests/python/smtp_sink.py, aiosmtpd) on a fixed port of 127.0.0.1: the
    same port after every restart, and a new folder of messages per start (sink-1/, sink-2/,
    ...), so that a restarted sink, which numbers its files from 1 again, overwrites nothing."""

    python: str
    script: str
    port: int
    out_root: Path
    log_path: Path
    pid_file: Path
    cwd: str
    process: subprocess.Popen | None = None
    starts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def folders(self) -> list[Path]:
        return [self.out_root / f"sink-{n}" for n in range(1, self.starts + 1)]

    def start(self, timeout: float = 30.0) -> float:
        """Starts it and waits until it greets (220); returns the seconds that took."""
        started = time.monotonic()
        with self.lock:
            self.starts += 1
            out = self.out_root / f"sink-{self.starts}"
            out.mkdir(parents=True, exist_ok=True)
            with open(self.log_path, "ab") as log:
                log.write(f"\n### soak: sink start #{self.starts} at {now_iso()}\n".encode())
                log.flush()
                self.process = subprocess.Popen(
                    [self.python, self.script, "--port", str(self.port), "--out", str(out)],
                    cwd=self.cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                )
            with open(self.pid_file, "a", encoding="utf-8") as pids:
                pids.write(f"{self.process.pid} sink\n")
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the SMTP sink exited {self.process.returncode} while starting; see {self.log_path}")
            try:
                if smtp_greeting(self.port, 2.0).startswith(b"220"):
                    return time.monotonic() - started
                last = "no 220 greeting"
            except OSError as error:
                last = repr(error)
            time.sleep(0.05)
        raise RuntimeError(f"the SMTP sink did not greet within {timeout} s: {last}")

    def stop(self, kill: bool = False) -> int | None:
        """SIGKILL (an outage that cuts sessions mid-message) or SIGTERM, then waits."""
        with self.lock:
            process = self.process
            if process is None or process.poll() is not None:
                return None if process is None else process.returncode
            process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            with open(self.log_path, "ab") as log:
                log.write(f"\n### soak: sink {'SIGKILL' if kill else 'SIGTERM'} at {now_iso()}\n".encode())
            return process.returncode

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def smtp_greeting(port: int, timeout: float) -> bytes:
    """The first line an SMTP server on 127.0.0.1:port sends; then QUIT."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        data = b""
        while b"\r\n" not in data and len(data) < 4096:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        try:
            sock.sendall(b"QUIT\r\n")
            sock.recv(4096)
        except OSError:
            pass
        return data


def health(port: int, timeout: float) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/healthz", headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------------------------
# psql


def psql_rows(psql: str, url: str, sql: str, timeout: float = 120) -> list[list[str]]:
    """Rows of `sql`, fields split; NULL comes out as the empty string."""
    result = subprocess.run(
        [psql, "-X", "-q", "-A", "-t", "-F", "\x1f", "-R", "\x1e", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql failed ({result.returncode}) on {sql[:200]!r}: {result.stderr.strip()}")
    text = result.stdout.removesuffix("\n")
    return [row.split("\x1f") for row in text.split("\x1e") if row]


def uuid_array(ids) -> str:
    """A uuid[] literal for SQL; only hex and dashes get through."""
    clean = []
    for value in ids:
        if not all(c in "0123456789abcdef-" for c in value.lower()):
            raise ValueError(f"not a uuid: {value!r}")
        clean.append(value.lower())
    return "'{" + ",".join(clean) + "}'::uuid[]"


def env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    return int(text) if text else default


# --------------------------------------------------------------------------------------------
# The mailbox: what the SMTP sink wrote, as the addresses would read it


class Mailbox:
    """Reads the messages the sink writes (each start of it a folder of its own; every file
    is renamed into place once whole, so a *.eml is always complete) and indexes them by
    (To address, X-Almedalen-Kind), so that the driver can wait for the mail a request
    causes, as its address would, and take the link out of it. Deduplicated by Message-ID
    (a message may arrive twice after a fault)."""

    def __init__(self, sink: "Sink"):
        self.sink = sink
        self._seen: set[Path] = set()
        self._ids: set[str] = set()
        self._index: dict[tuple[str, str], list[dict]] = {}
        self._cond = threading.Condition()
        self._scan_lock = threading.Lock()

    def scan(self) -> None:
        """Reads the files not read yet."""
        with self._scan_lock:
            new = []
            for folder in self.sink.folders():
                if not folder.is_dir():
                    continue
                names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(".eml"))
                for name in names:
                    path = folder / name
                    if path in self._seen:
                        continue
                    self._seen.add(path)
                    try:
                        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                        mid = str(message.get("Message-ID", "")).strip()
                        to = message["To"].addresses[0].addr_spec.lower()
                        body = message.get_body(preferencelist=("plain",))
                        text = body.get_content() if body is not None else ""
                    except Exception:  # noqa: BLE001 - the audit judges malformed mail
                        continue
                    if mid in self._ids:
                        continue
                    self._ids.add(mid)
                    new.append(((to, str(message.get("X-Almedalen-Kind", "")).strip()), {
                        "event": str(message.get("X-Almedalen-Event", "")).strip().lower(),
                        "secrets": REGISTRATION_LINK.findall(text),
                        "file": f"{path.parent.name}/{path.name}",
                        "message_id": mid,
                        "seen": time.monotonic(),
                    }))
        if new:
            with self._cond:
                for key, info in new:
                    self._index.setdefault(key, []).append(info)
                self._cond.notify_all()

    def find(self, to: str, kind: str, event: str) -> dict | None:
        """The first message of `kind` to `to` about `event` read so far, or None."""
        with self._cond:
            for info in self._index.get((to.lower(), kind), []):
                if info["event"] == event.lower():
                    return info
        return None

    def run(self, stop: threading.Event) -> None:
        """The one thread that reads the sink's folders: every 0.1 s until `stop`."""
        while not stop.is_set():
            try:
                self.scan()
            except OSError:
                pass
            stop.wait(0.1)

    def wait(self, to: str, kind: str, event: str, timeout: float):
        """The message, once `run` has read it; None after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for info in self._index.get((to.lower(), kind), []):
                    if info["event"] == event.lower():
                        return info
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(timeout=min(0.5, left))
