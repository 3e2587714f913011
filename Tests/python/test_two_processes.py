"""Two `almedalen serve` processes on one database: feed caches are invalidated through
PostgreSQL LISTEN/NOTIFY, so a change made through one is served by the other at once; a
poll that finds nothing new is answered from the cache."""

from __future__ import annotations

import signal
import subprocess
import time

from conftest import create_event, patch_event, start_server
from support import query

POLL = 0.05
# A liveness bound, not a speed target: far below the feeds' max-age (300 s), so a change
# that arrives proves the NOTIFY path rather than an expiring cache, and far above what a
# loaded two-core machine needs. The delays themselves are printed and recorded.
LIMIT = 10.0


def get_until_hit(client, path: str, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while True:
        reply = client.get(path)
        assert reply.status == 200, reply.describe()
        if reply.header("X-Feed-Cache") == "hit" or time.monotonic() > deadline:
            return reply
        time.sleep(POLL)


def test_unchanged_poll_is_a_cache_hit(service, world):
    # Warm up: both processes must be listening (the cache is off until they are).
    for client in (service.public, service.public_b):
        reply = get_until_hit(client, "/feeds/program.ics?day=2012-07-01")
        assert reply.header("X-Feed-Cache") == "hit", f"{client.name} never answers from its cache"
    paths = [
        query("/feeds/program.ics", day="2012-07-08", language="sv"),
        query("/feeds/program.rss", day="2012-07-08", language="sv"),
        f"/feeds/events/{world.rich_event['id']}.ics",
        "/feeds/schedule.json?year=2012",
    ]
    for client in (service.public, service.public_b):
        for path in paths:
            first = client.get(path)
            second = client.get(path)
            assert first.status == second.status == 200
            assert second.header("X-Feed-Cache") == "hit", f"{path} on {client.name}: second poll {second.header('X-Feed-Cache')}"
            assert second.body == first.body and second.header("ETag") == first.header("ETag")
            conditional = client.get(path, headers={"If-None-Match": first.header("ETag")})
            assert conditional.status == 304 and conditional.header("X-Feed-Cache") == "hit"


def wait_for(client, path: str, needle: bytes, since: float) -> float:
    """Polls every 50 ms until the feed holds `needle`; returns the delay since `since`."""
    while True:
        reply = client.get(path)
        assert reply.status == 200, reply.describe()
        if needle in reply.body:
            return time.monotonic() - since
        if time.monotonic() - since > LIMIT:
            raise AssertionError(f"{client.name} still serves the old {path} {time.monotonic() - since:.2f} s after the change")
        time.sleep(POLL)


def test_change_through_one_process_is_served_by_the_other(service, world, record_property):
    event = create_event(
        service.admin,
        {
            "title": "Före bytet",
            "starts_at": "2012-07-01T15:00:00+02:00",
            "ends_at": "2012-07-01T16:00:00+02:00",
            "organiser_id": world.organiser["id"],
            "language": "sv",
        },
    )
    paths = [
        "/feeds/program.ics?day=2012-07-01",
        "/feeds/program.rss?day=2012-07-01",
        f"/feeds/events/{event['id']}.ics",
    ]
    delays = {}
    for round_number, (writer, reader, own) in enumerate(
        [(service.admin, service.public_b, service.public), (service.admin_b, service.public, service.public_b)]
    ):
        old = "Före bytet" if round_number == 0 else "Efter bytet A"
        new = "Efter bytet A" if round_number == 0 else "Efter bytet B"
        for path in paths:
            cached = get_until_hit(reader, path)
            assert cached.header("X-Feed-Cache") == "hit", f"{path} never cached on {reader.name}"
            assert old.encode() in cached.body
        patch_event(writer, event["id"], {"title": new})
        started = time.monotonic()  # the PATCH has answered: the change is committed
        for path in paths:
            delay = wait_for(reader, path, new.encode(), started)
            delays[f"{writer.name}->{reader.name} {path}"] = delay
        # The writer's own process hears of it the same way (NOTIFY), within the same time.
        delays[f"{writer.name}->{own.name} {paths[0]}"] = wait_for(own, paths[0], new.encode(), started)
    for name, delay in delays.items():
        print(f"change visible: {name}: {delay * 1000:.0f} ms")
    record_property("cross_process_delays_ms", {k: round(v * 1000) for k, v in delays.items()})
    assert len(delays) == 8, delays


def test_sigterm_drains_and_exits_0(service):
    """API.md: serve runs until SIGINT/SIGTERM, then drains in-flight requests and exits 0."""
    server = start_server(service.env, "C", service.logdir)
    try:
        assert server.client().get("/feeds/program.ics?day=2012-07-02").status == 200
        time.sleep(0.3)
        server.process.send_signal(signal.SIGTERM)
        try:
            code = server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            raise AssertionError("serve did not exit within 15 s of SIGTERM")
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
    log = server.log.read_text(errors="replace")
    assert code == 0, f"serve exited {code} on SIGTERM (negative: killed by that signal); log:\n{log[-1500:]}"
    assert "event=shutdown signal=SIGTERM" in log
