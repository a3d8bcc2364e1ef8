"""A worker stuck in a handler is reported unhealthy by its probe; a connected one is ready."""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from salesloop.messaging.health import Heartbeat, serve_health
from salesloop.testing.broker import publish_outbox
from salesloop.testing.browser import free_port

pytestmark = pytest.mark.integration


def probe(port: int, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.fixture
def stuck_handler(pair, monkeypatch):
    """beta's handler blocks until released, as one waiting on a lock that never comes would."""
    alpha, beta = pair
    entered, release = threading.Event(), threading.Event()
    processor = beta.runtime.processor()
    real_process = processor.process

    def blocking(*args, **kwargs):
        entered.set()
        release.wait(30)
        return real_process(*args, **kwargs)

    monkeypatch.setattr(processor, "process", blocking)
    monkeypatch.setattr(beta.runtime, "processor", lambda: processor)
    yield alpha, beta, entered, release
    release.set()


def test_a_worker_stuck_in_a_handler_fails_its_liveness_probe(stuck_handler):
    alpha, beta, entered, release = stuck_handler
    heartbeat = Heartbeat(stale_after=1.5)
    port = free_port()
    server = serve_health(heartbeat, port, service="beta", process="worker", host="127.0.0.1")
    worker = beta.runtime.worker(heartbeat=heartbeat)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: probe(port, "/readyz")[0] == 200)
        assert probe(port, "/healthz")[0] == 200

        assert alpha.post("/notes", json={"text": "hello"}).status_code == 201
        publish_outbox(alpha.runtime)
        assert entered.wait(20), "the handler never started"
        status, body = wait_for(lambda: (lambda answer: answer if answer[0] == 503 else None)(probe(port, "/healthz")))
        assert status == 503 and body["alive"] is False and body["seconds_since_beat"] > 1.5

        release.set()
        wait_for(lambda: probe(port, "/healthz")[0] == 200)  # the loop turns again: healthy again
    finally:
        release.set()
        worker.should_stop = True
        thread.join(15)
        server.shutdown()
