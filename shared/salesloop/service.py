"""A service's composition root: what it is (ServiceSpec) and what it runs (Runtime).

Each service declares one ServiceSpec in its ``bootstrap.py``; the API, the
worker, the relay, the CLI and the test harness are all built from it here, so
every service is wired the same way and nothing is built at import time.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import MetaData

from salesloop.config import Settings, load_settings
from salesloop.db import Database
from salesloop.messaging.bus import Bus
from salesloop.messaging.catalog import EventCatalog, Subscriptions
from salesloop.messaging.processor import EventProcessor
from salesloop.messaging.relay import Relay
from salesloop.messaging.worker import Sweep, Worker
from salesloop.uow import UnitOfWork


READINESS_TTL_SECONDS = 5.0


@dataclass
class ServiceSpec:
    name: str                      # folder, OTEL_SERVICE_NAME and queue name: "service-desk"
    package: str                   # python package: "service_desk"
    title: str
    metadata: MetaData
    catalog: Callable[[], EventCatalog]
    blueprints: Callable[[], list]
    subscriptions: Callable[["Runtime"], Subscriptions] = lambda runtime: Subscriptions()
    sweeps: Callable[["Runtime"], list[Sweep]] = lambda runtime: []
    domain_errors: dict[type, int] = field(default_factory=dict)
    migrations: Path | None = None
    port: int = 8000
    description: str = ""


class Runtime:
    """The built service: settings, database, bus and event catalog."""

    def __init__(self, spec: ServiceSpec, settings: Settings | None = None):
        self.spec = spec
        self.settings = settings or load_settings(spec.name)
        self.database = Database(self.settings.database_url)
        self.bus = Bus(self.settings)
        self.catalog = spec.catalog()
        self._subscriptions = None
        self._readiness = None
        self._dlq_depth = (0.0, None)

    @property
    def subscriptions(self) -> Subscriptions:
        if self._subscriptions is None:
            self._subscriptions = self.spec.subscriptions(self)
        return self._subscriptions

    def uow(self, *, writes: bool = True) -> UnitOfWork:
        return UnitOfWork(self.database.session(writes=writes), self.catalog, self.spec.metadata, self.settings)

    def processor(self) -> EventProcessor:
        return EventProcessor(self.subscriptions, self.uow)

    def worker(self, metrics=None) -> Worker:
        return Worker(self.bus, self.processor(), self.subscriptions.bindings, self.settings,
                      sweeps=self.spec.sweeps(self), uow_factory=self.uow, metrics=metrics)

    def relay(self) -> Relay:
        return Relay(self.database, self.bus, self.spec.metadata, self.settings)

    def create_schema(self) -> None:
        """For tests on a throwaway database; real databases use the migrations."""
        self.spec.metadata.create_all(self.database.engine)

    # -- readiness ------------------------------------------------------------------
    def readiness(self) -> dict:
        # Cached briefly: probes and scrapes are unauthenticated and must not be
        # a way to open broker connections at will.
        now = time.monotonic()
        if self._readiness is None or now - self._readiness[0] > READINESS_TTL_SECONDS:
            self._readiness = (now, {"database": self._check(self.database.ping),
                                     "broker": self._check(self._ping_broker)})
        return self._readiness[1]

    def _ping_broker(self) -> None:
        with self.bus.connect() as connection:
            connection.ensure_connection(max_retries=1, timeout=3)

    @staticmethod
    def _check(probe) -> dict:
        try:
            probe()
            return {"ok": True}
        except Exception as exc:
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}

    def dead_letter_depth(self) -> int | None:
        if not self.bus.is_amqp:
            return None
        checked_at, depth = self._dlq_depth
        if time.monotonic() - checked_at < READINESS_TTL_SECONDS:
            return depth
        depth = self._read_dead_letter_depth()
        self._dlq_depth = (time.monotonic(), depth)
        return depth

    def _read_dead_letter_depth(self) -> int | None:
        try:
            with self.bus.connect() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
                return self.bus.queue_depth(connection, self.bus.dead_letter_queue_name)
        except Exception:
            return None


def run_until_stopped(target: Callable[[threading.Event], None]) -> None:
    """Run a loop until SIGTERM/SIGINT, then let it finish its current step."""
    import signal

    stop = threading.Event()

    def request_stop(*_):
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    target(stop)
