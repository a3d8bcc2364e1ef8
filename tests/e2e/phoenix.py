"""The trace viewer of `make traces` (Arize Phoenix, from its own virtualenv), started for the
test on free ports: the spans the services export reach it as they would a person's viewer,
and the test reads them back through its REST API."""
from __future__ import annotations

import os
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path

import requests

from salesloop.testing.browser import free_port

ROOT = Path(__file__).resolve().parents[2]
PHOENIX = ROOT / "var" / "traces-venv" / "bin" / "phoenix"


class Phoenix:
    def __init__(self):
        self.port, grpc = free_port(), free_port()
        self.folder = tempfile.TemporaryDirectory(prefix="phoenix-")
        env = {**os.environ, "PHOENIX_HOST": "127.0.0.1", "PHOENIX_PORT": str(self.port),
               "PHOENIX_GRPC_PORT": str(grpc), "PHOENIX_WORKING_DIR": self.folder.name}
        for name in [key for key in env if key.startswith("OTEL_")]:
            env.pop(name)  # the viewer's own telemetry stays off
        self.process = subprocess.Popen([str(PHOENIX), "serve"], env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
        self._wait_until_up()

    @staticmethod
    def installed() -> bool:
        return PHOENIX.exists()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def traces_endpoint(self) -> str:
        return f"{self.url}/v1/traces"

    def _wait_until_up(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"phoenix exited: {self.process.stderr.read()[-2000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError("phoenix did not answer within 90 s")

    def spans(self, *, trace_id: str | None = None, since: datetime | None = None) -> list[dict]:
        """The spans the viewer holds (of one trace, or started since a moment), read through
        its REST API page by page. Filtered by the viewer itself: reading back every span of
        the session on each poll loads its database enough to hold up what it is ingesting."""
        found, cursor = [], None
        filters = {**({"trace_id": trace_id} if trace_id else {}),
                   **({"start_time": since.isoformat()} if since else {})}
        while True:
            params = {"limit": 1000, **filters, **({"cursor": cursor} if cursor else {})}
            page = requests.get(f"{self.url}/v1/projects/default/spans", params=params, timeout=10).json()
            found += page["data"]
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    def trace_page(self, trace_id: str) -> str:
        """The viewer's page of one trace, as a person opens it."""
        projects = requests.get(f"{self.url}/v1/projects", timeout=10).json()["data"]
        project = next(p["id"] for p in projects if p["name"] == "default")
        return f"{self.url}/projects/{project}/traces/{trace_id}"

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.folder.cleanup()
