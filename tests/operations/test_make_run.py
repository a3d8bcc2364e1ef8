"""`make run` as a person runs it: the ready line once every /readyz answers, a loud stop otherwise."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def free_base_port() -> int:
    """A base whose +1 (leads) is free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return port - 1


def start(tmp_path: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("DATABASE_URL", "BUS_URL"))}
    env.update(SALESLOOP_DATA_DIR=str(tmp_path), BUS_NAMESPACE="", OTEL_TRACES_EXPORTER="none")
    return subprocess.Popen([sys.executable, "-m", "salesloop.stack", "--only", "leads", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def read_until(process: subprocess.Popen, marker: str, timeout: float = 120) -> list[str]:
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if marker in line:
            return seen
    raise AssertionError(f"{marker!r} never printed:\n{''.join(seen[-40:])}")


def stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    try:
        return process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.wait(10)


def test_the_stack_says_when_every_service_is_ready(tmp_path):
    base = free_base_port()
    process = start(tmp_path, "--base-port", str(base))
    try:
        output = read_until(process, "all 1 services ready")
        assert any("leads-api" in line for line in output)  # honcho's prefixed logs
        assert (tmp_path / "Procfile").read_text().count(f"--port {base + 1}") == 1
    finally:
        stop(process)


def test_a_process_that_dies_at_start_stops_the_stack_with_a_clear_message(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        base = taken.getsockname()[1] - 1  # leads' API port is already in use
        process = start(tmp_path, "--base-port", str(base))
        output = read_until(process, "every process was stopped")
        assert process.wait(30) == 1
    assert not any("all 1 services ready" in line for line in output)
