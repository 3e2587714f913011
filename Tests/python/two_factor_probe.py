"""The Swift side of test_qr_code.py and test_one_time_password.py: the test-only executable
`two-factor-probe` (Sources/two-factor-probe), which answers one request per line on stdin
with one line on stdout. Requests go in batches, one process per batch.

Environment:
  ALMEDALEN_PROBE_BIN  the executable (default: .build/debug/two-factor-probe in the checkout,
                       which `swift build` and scripts/test's `swift build --build-tests` make)
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def probe_binary() -> Path:
    default = ROOT / ".build" / "debug" / "two-factor-probe"
    path = Path(os.environ.get("ALMEDALEN_PROBE_BIN") or default)
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"{path} is missing: run `swift build` first (or set ALMEDALEN_PROBE_BIN)",
            pytrace=False,
        )
    return path


def ask(requests: list[str], timeout: float = 300) -> list[str]:
    """The probe's answers to `requests`, in order; a failed run fails the test."""
    for request in requests:
        assert "\n" not in request
    result = subprocess.run(
        [str(probe_binary())],
        input="".join(request + "\n" for request in requests).encode(),
        capture_output=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        stderr = result.stderr.decode()[-2000:]
        pytest.fail(f"two-factor-probe exited {result.returncode}: {stderr}")
    answers = result.stdout.decode("utf-8").split("\n")
    assert answers[-1] == "", "the probe's output does not end with a line break"
    answers = answers[:-1]
    assert len(answers) == len(requests), f"{len(requests)} requests, {len(answers)} answers"
    return answers


def hexed(data: bytes) -> str:
    return data.hex()
