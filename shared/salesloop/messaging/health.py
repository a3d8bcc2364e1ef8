"""Liveness and readiness of a worker or a relay, for probes that cannot speak AMQP.

The loop calls ``beat()`` on every turn (a worker between messages, a relay on
every pass or back-off). ``/healthz`` answers 503 once no beat came for
``stale_after`` seconds: a handler stuck on a lock, a relay hung on a lost
confirm — a process that is running but doing nothing, which only a restart
cures. ``/readyz`` answers 503 while the loop has no broker connection (it is
alive, retrying, and must not be restarted for it). ``/metrics`` serves the
process's Prometheus registry, so one port does all three.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest

DEFAULT_STALE_AFTER = 60.0


class Heartbeat:
    def __init__(self, stale_after: float = DEFAULT_STALE_AFTER, clock: Callable[[], float] = time.monotonic) -> None:
        self.stale_after = stale_after
        self._clock = clock
        self._last = clock()
        self._ready = False
        self._why = "starting"
        self._lock = threading.Lock()

    def beat(self, *, ready: bool | None = None, why: str = "") -> None:
        with self._lock:
            self._last = self._clock()
            if ready is not None:
                self._ready, self._why = ready, why or ("" if ready else "not connected")

    def not_ready(self, why: str) -> None:
        self.beat(ready=False, why=why)

    def state(self) -> dict[str, Any]:
        with self._lock:
            age = self._clock() - self._last
            return {"alive": age <= self.stale_after, "ready": self._ready and age <= self.stale_after,
                    "seconds_since_beat": round(age, 3), "stale_after": self.stale_after, "why": self._why}


def serve_health(heartbeat: Heartbeat, port: int, *, service: str, process: str,
                 registry: CollectorRegistry | None = None, host: str = "0.0.0.0") -> ThreadingHTTPServer:
    """Serve /healthz, /readyz and /metrics on ``port`` in a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state = {**heartbeat.state(), "service": service, "process": process}
            if self.path == "/healthz":
                self._json(200 if state["alive"] else 503, state)
            elif self.path == "/readyz":
                self._json(200 if state["ready"] else 503, state)
            elif self.path == "/metrics" and registry is not None:
                self._send(200, "text/plain; version=0.0.4; charset=utf-8", generate_latest(registry))
            else:
                self._json(404, {"error": "not found"})

        def _json(self, status: int, body: dict[str, Any]) -> None:
            self._send(status, "application/json", json.dumps(body).encode())

        def _send(self, status: int, content_type: str, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:  # probes every few seconds: not worth a log line each
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name=f"{process}-health", daemon=True).start()
    return server
