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
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast
from collections.abc import Callable, Mapping

from opentelemetry.instrumentation.utils import suppress_instrumentation
from sqlalchemy import MetaData

from salesloop.config import Settings, load_settings
from salesloop.db import Database
from salesloop.messaging.bus import Bus
from salesloop.messaging.catalog import EventCatalog, Subscriptions
from salesloop.messaging.health import Heartbeat
from salesloop.messaging.processor import EventProcessor
from salesloop.messaging.relay import Relay
from salesloop.messaging.worker import Sweep, Worker
from salesloop.uow import UnitOfWork

if TYPE_CHECKING:
    import flask_smorest
    from flask import Flask
    from flask.typing import ErrorHandlerCallable
    from prometheus_client import Counter


READINESS_TTL_SECONDS = 5.0


@dataclass(frozen=True)
class QueueStats:
    """None where the broker (or the embedded transport) cannot tell."""

    ready: int | None = None
    consumers: int | None = None
    dead_letters: int | None = None


@dataclass
class ServiceSpec:
    name: str                      # folder, OTEL_SERVICE_NAME and queue name: "service-desk"
    package: str                   # python package: "service_desk"
    title: str
    metadata: MetaData
    catalog: Callable[[], EventCatalog]
    blueprints: Callable[[], list[flask_smorest.Blueprint]]
    subscriptions: Callable[[Runtime], Subscriptions] = lambda runtime: Subscriptions()
    sweeps: Callable[[Runtime], list[Sweep]] = lambda runtime: []
    domain_errors: dict[type, int] = field(default_factory=dict)
    migrations: Path | None = None
    port: int = 8000
    description: str = ""
    # The service's own settings (``<SERVICE>_*``), read once at app start so a bad
    # value fails the start, not a request; views find it in app.extensions[package].
    load_config: Callable[[Settings], Any] | None = None
    # Richer answers for a few domain errors than DOMAIN_ERRORS' status alone.
    error_handlers: Mapping[type, ErrorHandlerCallable] = field(default_factory=dict)
    # What a service serves besides its API (the desk's survey page), added to the app last.
    extend_app: Callable[[Flask, Runtime], None] | None = None

    @classmethod
    def assemble(cls, *, name: str, title: str, description: str, port: int, models: ModuleType,
                 events: ModuleType, api: ModuleType, handlers: ModuleType, config: ModuleType | None = None,
                 error_handlers: Mapping[type, ErrorHandlerCallable] | None = None,
                 extend_app: Callable[[Flask, Runtime], None] | None = None) -> ServiceSpec:
        """A spec from the service's modules, laid out as every service is.

        models.metadata, events.catalog, api.blueprints, api.DOMAIN_ERRORS,
        handlers.subscriptions, handlers.sweeps, config.load_config; the
        migrations folder sits beside models.py.
        """
        return cls(name=name, package=models.__name__.rpartition(".")[0], title=title, description=description,
                   metadata=models.metadata, catalog=events.catalog, blueprints=api.blueprints,
                   subscriptions=handlers.subscriptions, sweeps=handlers.sweeps,
                   domain_errors=dict(api.DOMAIN_ERRORS),
                   migrations=Path(cast(str, models.__file__)).parent / "migrations",  # a package's module has one
                   port=port, load_config=config.load_config if config else None,
                   error_handlers=dict(error_handlers or {}), extend_app=extend_app)


class Runtime:
    """The built service: settings, database, bus and event catalog."""

    def __init__(self, spec: ServiceSpec, settings: Settings | None = None) -> None:
        self.spec = spec
        self.settings = settings or load_settings(spec.name)
        self.database = Database(self.settings.database_url)
        self.bus = Bus(self.settings)
        self.catalog = spec.catalog()
        self._subscriptions: Subscriptions | None = None
        self._readiness: tuple[float, dict[str, dict[str, Any]]] | None = None
        self._queue_stats: tuple[float, QueueStats | None] = (0.0, None)

    @property
    def subscriptions(self) -> Subscriptions:
        if self._subscriptions is None:
            self._subscriptions = self.spec.subscriptions(self)
        return self._subscriptions

    def uow(self, *, writes: bool = True) -> UnitOfWork:
        return UnitOfWork(self.database.session(writes=writes), self.catalog, self.spec.metadata, self.settings)

    def processor(self) -> EventProcessor:
        return EventProcessor(self.subscriptions, self.uow, max_body_bytes=self.settings.max_message_bytes)

    def worker(self, metrics: Counter | None = None, heartbeat: Heartbeat | None = None) -> Worker:
        return Worker(self.bus, self.processor(), self.subscriptions.bindings, self.settings,
                      sweeps=self.spec.sweeps(self), uow_factory=self.uow, metrics=metrics, heartbeat=heartbeat)

    def relay(self, heartbeat: Heartbeat | None = None) -> Relay:
        return Relay(self.database, self.bus, self.spec.metadata, self.settings, heartbeat=heartbeat)

    def create_schema(self) -> None:
        """For tests on a throwaway database; real databases use the migrations."""
        self.spec.metadata.create_all(self.database.engine)

    # -- readiness ------------------------------------------------------------------
    def readiness(self) -> dict[str, dict[str, Any]]:
        # Cached briefly: probes and scrapes are unauthenticated and must not be
        # a way to open broker connections at will.
        now = time.monotonic()
        if self._readiness is None or now - self._readiness[0] > READINESS_TTL_SECONDS:
            # A probe every few seconds is no one's trace: no connect/SELECT 1 spans from it.
            with suppress_instrumentation():
                self._readiness = (now, {"database": self._check(self.database.ping),
                                         "broker": self._check(self._ping_broker)})
        return self._readiness[1]

    def _ping_broker(self) -> None:
        with self.bus.connect() as connection:
            connection.ensure_connection(max_retries=1, timeout=3)

    @staticmethod
    def _check(probe: Callable[[], None]) -> dict[str, Any]:
        try:
            probe()
            return {"ok": True}
        except Exception as exc:
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}

    def queue_stats(self) -> QueueStats:
        """The service's queue and dead-letter queue as the broker sees them (cached briefly)."""
        if not self.bus.is_amqp:
            return QueueStats()
        checked_at, stats = self._queue_stats
        if stats is None or time.monotonic() - checked_at >= READINESS_TTL_SECONDS:
            stats = self._read_queue_stats()
            self._queue_stats = (time.monotonic(), stats)
        return stats

    def dead_letter_depth(self) -> int | None:
        return self.queue_stats().dead_letters

    def _read_queue_stats(self) -> QueueStats:
        try:
            with suppress_instrumentation(), self.bus.connect() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
                ready, consumers = self.bus.queue_stats(connection, self.bus.queue_name) or (None, None)
                parked = self.bus.queue_stats(connection, self.bus.dead_letter_queue_name)
                return QueueStats(ready, consumers, parked[0] if parked else None)
        except Exception:
            return QueueStats()


def run_until_stopped(target: Callable[[threading.Event], None]) -> None:
    """Run a loop until SIGTERM/SIGINT, then let it finish its current step."""
    import signal

    stop = threading.Event()

    def request_stop(*_: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    target(stop)
