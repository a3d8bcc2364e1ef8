"""How an idle relay waits for the next committed outbox row.

On PostgreSQL the unit of work sends ``NOTIFY salesloop_outbox`` in each
transaction that wrote outbox rows, delivered at commit; the relay LISTENs and
wakes at once instead of polling. The poll stays as the fallback (a missed
notification, a lost listening connection) and is all there is on SQLite.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, cast

from opentelemetry.instrumentation.utils import suppress_instrumentation

if TYPE_CHECKING:
    import psycopg

    from salesloop.db import Database

log = logging.getLogger(__name__)
CHANNEL = "salesloop_outbox"
STOP_CHECK_SECONDS = 0.25  # a stop asked while listening is heeded within this, not after the whole fallback


class OutboxWakeup:
    def __init__(self, database: Database, poll_seconds: float, listen_seconds: float) -> None:
        self.database = database
        self.poll_seconds = poll_seconds
        self.listen_seconds = listen_seconds
        self.connection: psycopg.Connection[Any] | None = None

    @property
    def listening(self) -> bool:
        return self.connection is not None

    def __enter__(self) -> OutboxWakeup:
        if not self.database.is_sqlite:
            self._listen()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._close()

    def wait(self, stop: threading.Event) -> None:
        """Until a commit wrote outbox rows, the fallback time passed, or stop."""
        if self.connection is None:
            stop.wait(self.poll_seconds)
            return
        try:
            self._until_notified(self.connection, stop)
            # Many commits may have notified meanwhile; one pass serves them all.
            for _ in self.connection.notifies(timeout=0):
                pass
        except Exception as exc:  # the listening connection went away: poll until it is back
            log.warning("outbox notifications lost; polling", extra={"error": str(exc)})
            self._close()
            stop.wait(self.poll_seconds)
            self._listen()

    def _until_notified(self, connection: psycopg.Connection[Any], stop: threading.Event) -> None:
        deadline = time.monotonic() + self.listen_seconds
        while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
            for _ in connection.notifies(timeout=min(left, STOP_CHECK_SECONDS), stop_after=1):
                return

    def _listen(self) -> None:
        try:
            with suppress_instrumentation():
                raw = self.database.engine.raw_connection()
                connection = cast("psycopg.Connection[Any]", raw.driver_connection)  # never SQLite here
                raw.detach()  # ours alone, never back in the pool in autocommit mode
                connection.autocommit = True
                connection.execute(f"LISTEN {CHANNEL}")
            self.connection = connection
        except Exception as exc:
            log.warning("cannot listen for outbox notifications; polling", extra={"error": str(exc)})
            self.connection = None

    def _close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:
                pass
        self.connection = None
