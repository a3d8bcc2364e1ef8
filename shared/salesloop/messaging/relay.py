"""The outbox relay: publishes committed outbox rows in order, with publisher
confirms and mandatory routing, and marks them sent in batches — on RabbitMQ a
whole batch is published before its confirms are awaited (messaging/confirms.py),
and an idle relay wakes on the next commit (messaging/wakeup.py).

Every pass reads *all* unsent rows, old ones included, so a web worker that died
between its commit and the first publish attempt loses nothing.
"""
from __future__ import annotations

import json
import logging
import threading
import zlib
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Literal

from amqp.exceptions import MessageNacked
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from sqlalchemy import Row, bindparam, or_, select, text, update
from sqlalchemy.exc import DBAPIError

from salesloop.messaging.bus import CONTENT_TYPE, Bus
from salesloop.messaging.confirms import Confirms, Unroutable
from salesloop.messaging.health import Heartbeat
from salesloop.messaging.kombu_typed import Connection, Producer
from salesloop.messaging.tables import OUTBOX
from salesloop.messaging.wakeup import OutboxWakeup

if TYPE_CHECKING:
    from sqlalchemy import Connection as DbConnection
    from sqlalchemy import MetaData

    from salesloop.config import Settings
    from salesloop.db import Database

log = logging.getLogger(__name__)
PUBLISH_SPAN = "salesloop.events publish"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Outlet:
    producer: Producer
    confirms: Confirms | None   # None on transports without publisher confirms


class Backoff:
    def __init__(self, base: float = 0.5, cap: float = 10.0) -> None:
        self.base, self.cap, self.attempt = base, cap, 0

    def next(self) -> float:
        delay: float = min(self.cap, self.base * (2 ** self.attempt))
        self.attempt += 1
        return delay

    def reset(self) -> None:
        self.attempt = 0


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 2 ** min(attempts, 8)))


class Relay:
    def __init__(self, database: Database, bus: Bus, metadata: MetaData, settings: Settings,
                 heartbeat: Heartbeat | None = None) -> None:
        self.database = database
        self.bus = bus
        self.outbox = metadata.tables[OUTBOX]
        self.settings = settings
        self.heartbeat = heartbeat or Heartbeat()
        self.tracer = trace.get_tracer("salesloop.relay")
        self.last_read = 0  # rows the last pass read
        self._autocommit = database.engine.execution_options(isolation_level="AUTOCOMMIT")
        # Built once: the statements of every pass, whose cache keys are then computed once too.
        outbox = self.outbox
        self._pending = (select(outbox)
                         .where(outbox.c.sent_at.is_(None))
                         .where(or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= bindparam("now")))
                         .order_by(outbox.c.id)
                         .limit(bindparam("limit")))
        self._mark = (update(outbox).where(outbox.c.id.in_(bindparam("ids", expanding=True)))
                      .values(sent_at=bindparam("now"), last_error=None))

    # -- the loop -------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        backoff = Backoff()
        with self._single_active_relay(stop) as lock:
            while not stop.is_set():
                if not lock.acquire():
                    continue  # stopped while waiting
                try:
                    self._run_connected(stop, backoff, lock)
                except LockLost:
                    # Another relay may hold the lock now: publish nothing more until we hold it again.
                    self.heartbeat.not_ready("relay lock lost; waiting for it again")
                    log.warning("the relay lost its single-relay lock; stepping down until it holds it again")
                except self._connection_errors() + (OSError,) as exc:  # mypy can't read (OSError, *errors)
                    self.heartbeat.not_ready(f"broker unavailable: {type(exc).__name__}")
                    delay = backoff.next()
                    log.warning("broker unavailable, retrying", extra={"error": str(exc), "retry_in": delay})
                    stop.wait(delay)
                except Exception as exc:
                    # A nack, a locked SQLite file, a database restart: the relay is
                    # the only way events leave, so it backs off and carries on.
                    self.heartbeat.not_ready(f"relay pass failed: {type(exc).__name__}")
                    delay = backoff.next()
                    log.exception("relay pass failed, retrying", extra={"error": str(exc), "retry_in": delay})
                    stop.wait(delay)

    def _run_connected(self, stop: threading.Event, backoff: Backoff, lock: _AdvisoryLock) -> None:
        # Pipelined confirms on AMQP: the connection does not wait after each publish,
        # the relay waits once per batch (see Confirms).
        with self.connect() as connection, OutboxWakeup(
                self.database, self.settings.relay_poll_seconds, self.settings.relay_listen_seconds) as wakeup:
            connection.ensure_connection(max_retries=1)
            outlet = self.outlet(connection)
            backoff.reset()
            log.info("relay connected", extra={"broker": self.bus.kind, "wakes_on_commit": wakeup.listening})
            while not stop.is_set():
                # Each pass first makes sure the single-relay lock is still ours: its session
                # gone (a restart, a cut connection, a terminated backend) frees the lock
                # for a standby, and two active relays would publish out of order.
                if not lock.held():
                    raise LockLost("the single-relay lock's session is gone")
                sent = self.relay_once(outlet)
                self.heartbeat.beat(ready=True)
                # A short batch took every row that was due. Listening, the next commit's
                # notification wakes the relay (one that came during this pass is queued, so
                # the wait returns at once): no empty pass after each batch. Polling, it looks again.
                if sent == 0 or (wakeup.listening and self.last_read < self.settings.relay_batch_size):
                    wakeup.wait(stop)

    def connect(self) -> Connection:
        # Pipelined confirms: the connection does not wait after each publish; the
        # relay waits once per batch (Confirms).
        return self.bus.connect(confirm=True, wait_each=False)

    def outlet(self, connection: Connection) -> Outlet:
        """Where a connection's publishes go: the exchange, declared once per connection."""
        self.bus.declare_exchange(connection)
        producer = Producer(connection.default_channel, exchange=self.bus.exchange, auto_declare=False)
        return Outlet(producer, Confirms(producer.channel) if self.bus.is_amqp else None)

    def _connection_errors(self) -> tuple[type[BaseException], ...]:
        connection = self.bus.connect()
        return tuple(connection.connection_errors) + tuple(connection.channel_errors)

    # -- one pass ---------------------------------------------------------------
    def pending(self, connection: DbConnection, limit: int) -> Sequence[Row[Any]]:
        return connection.execute(self._pending, {"now": utcnow(), "limit": limit}).all()

    def relay_once(self, outlet: Outlet) -> int:
        """Publish one batch; return how many rows were confirmed and marked sent."""
        # The poll and the bookkeeping are the relay's own business: without this every
        # idle poll would be a trace of its own (a connect and a SELECT five times a second).
        with suppress_instrumentation(), self._one_statement(writes=False) as connection:
            rows = self.pending(connection, self.settings.relay_batch_size)
        self.last_read = len(rows)
        if not rows:
            return 0
        if outlet.confirms is not None:
            return self._publish_pipelined(outlet.producer, outlet.confirms, rows)
        return self._publish_one_by_one(outlet.producer, rows)

    def _publish_pipelined(self, producer: Producer, confirms: Confirms, rows: Sequence[Row[Any]]) -> int:
        """Publish the whole batch, then wait once for all its confirms."""
        spans: dict[int, Span] = {}
        try:
            for row in rows:
                span, headers = self._publish_span(row)
                spans[row.id] = span
                confirms.expect(row)
                producer.publish(row.envelope.encode("utf-8"), routing_key=row.event_type, headers=headers,
                                 mandatory=True, content_type=CONTENT_TYPE, content_encoding="utf-8",
                                 message_id=row.event_id, delivery_mode=2, retry=False,
                                 timeout=self.settings.confirm_timeout)
            confirms.wait(self.settings.confirm_timeout)
        finally:
            # Whatever happened, settle what we know: confirmed rows are sent, refused
            # ones wait for their retry, and a row with no confirm stays unsent — we don't
            # know whether it reached the broker, so it goes again (inboxes absorb the copy).
            settled = confirms.settle()
            self._mark_sent([row.id for row in settled.confirmed])
            for row, exc in settled.refused:
                self._record_failure(row, exc)
            self._record_unconfirmed(settled.unconfirmed)
            for row_id, span in spans.items():
                failure = settled.failure_of(row_id)
                if failure:
                    span.set_status(Status(StatusCode.ERROR, failure))
                span.end()
        return len(settled.confirmed)

    def _publish_one_by_one(self, producer: Producer, rows: Sequence[Row[Any]]) -> int:
        """Transports without confirms publish synchronously, one row at a time."""
        sent: list[int] = []
        try:
            for row in rows:
                try:
                    self.publish_row(producer, row)
                except Unroutable as exc:  # no queue for this one; go on with the rest
                    self._record_failure(row, exc)
                    continue
                sent.append(row.id)
        except Exception as exc:
            self._record_failure(row, exc)
            raise
        finally:
            self._mark_sent(sent)
        return len(sent)

    def _publish_span(self, row: Row[Any]) -> tuple[Span, dict[str, str]]:
        """The row's publish span, a child of the trace that wrote the row, and the
        headers that carry it on to the consumers."""
        parent = propagate.extract(json.loads(row.trace_headers or "{}"))
        attributes = {
            "messaging.system": "rabbitmq",
            "messaging.operation.type": "send",
            "messaging.operation.name": "publish",
            "messaging.destination.name": self.bus.exchange.name,
            "messaging.rabbitmq.destination.routing_key": row.event_type,
            "messaging.message.id": row.event_id,
            "cloudevents.event_id": row.event_id,
            "cloudevents.event_type": row.event_type,
        }
        # A stable name whatever the namespace: the exchange's real name is in the attributes.
        span = self.tracer.start_span(PUBLISH_SPAN, context=parent, kind=SpanKind.PRODUCER, attributes=attributes)
        headers: dict[str, str] = {}
        propagate.inject(headers, context=trace.set_span_in_context(span))
        return span, headers

    def publish_row(self, producer: Producer, row: Row[Any]) -> None:
        span, headers = self._publish_span(row)
        try:
            self._check_routable(producer, row.event_type)
            producer.publish(row.envelope.encode("utf-8"), routing_key=row.event_type, headers=headers,
                             content_type=CONTENT_TYPE, content_encoding="utf-8", message_id=row.event_id,
                             delivery_mode=2, retry=False)
        except Exception as exc:
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        finally:
            span.end()

    def _check_routable(self, producer: Producer, routing_key: str) -> None:
        """Virtual transports (the embedded filesystem bus) silently drop a message
        no queue is bound for; ask their routing table first. RabbitMQ tells us
        itself, through mandatory publishing and basic.return."""
        if self.bus.is_amqp:
            return
        channel = producer.channel
        exchange = self.bus.exchange.name
        queues = channel.typeof(exchange).lookup(channel.get_table(exchange), exchange, routing_key, None)
        if not queues:
            raise Unroutable(f"no queue is bound to {routing_key}")

    # -- bookkeeping --------------------------------------------------------------
    def _one_statement(self, *, writes: bool) -> AbstractContextManager[DbConnection]:
        """A connection for one of the relay's reads or marks, each a single statement.

        On PostgreSQL it runs in autocommit: a lone statement is atomic by itself, and
        a pass then costs one round trip per statement instead of three (BEGIN, the
        statement, COMMIT) — on a loaded machine each round trip is a wait for the CPU.
        SQLite keeps its explicit BEGIN (IMMEDIATE for a write; see db.py)."""
        if self.database.is_sqlite:
            return self.database.engine.execution_options(salesloop_writes=writes).begin()
        return self._autocommit.connect()

    def _mark_sent(self, ids: list[int]) -> None:
        if not ids:
            return
        with suppress_instrumentation(), self._one_statement(writes=True) as connection:
            connection.execute(self._mark, {"ids": ids, "now": utcnow()})

    def _record_unconfirmed(self, rows: Sequence[Row[Any]]) -> None:
        if not rows:
            return
        with suppress_instrumentation(), self._one_statement(writes=True) as connection:
            connection.execute(
                update(self.outbox).where(self.outbox.c.id.in_([row.id for row in rows]))
                .values(attempts=self.outbox.c.attempts + 1, last_error="no publisher confirm")
            )
        log.warning("outbox rows not confirmed; they stay unsent", extra={"rows": len(rows)})

    def _record_failure(self, row: Row[Any], exc: Exception) -> None:
        attempts = (row.attempts or 0) + 1
        with suppress_instrumentation(), self._one_statement(writes=True) as connection:
            connection.execute(
                update(self.outbox)
                .where(self.outbox.c.id == row.id)
                .values(attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000],
                        next_attempt_at=utcnow() + retry_delay(attempts) if isinstance(exc, (Unroutable, MessageNacked)) else None)
            )
        log.warning("outbox row not published", extra={"event_id": row.event_id, "error": str(exc)})

    # -- one active relay per database ------------------------------------------------
    def _single_active_relay(self, stop: threading.Event) -> _AdvisoryLock:
        return _AdvisoryLock(self.database, self.settings.service, stop, self.heartbeat)


class LockLost(RuntimeError):
    """The single-relay lock is no longer held (its database session went away)."""


class _AdvisoryLock:
    """On PostgreSQL a second relay waits as a standby, so rows go out in order.

    The lock is a session-level advisory lock: it lasts as long as the session that
    took it. ``held()`` checks on each pass that the session is still there and still
    holds it; when it does not, the relay steps down and ``acquire()`` waits again."""

    def __init__(self, database: Database, name: str, stop: threading.Event, heartbeat: Heartbeat) -> None:
        self.database, self.key, self.stop = database, zlib.crc32(f"relay:{name}".encode()), stop
        self.heartbeat = heartbeat
        self.connection: DbConnection | None = None

    def __enter__(self) -> _AdvisoryLock:
        return self

    def acquire(self) -> bool:
        """Wait until this relay holds the lock (True) or it is stopped (False)."""
        if self.database.is_sqlite:
            return not self.stop.is_set()
        backoff = Backoff()
        while not self.stop.is_set():
            try:
                if self._try_lock():
                    log.info("relay lock taken: this relay is the active one")
                    return True
                # Alive, and rightly idle: a standby is ready to take over, not to publish.
                self.heartbeat.not_ready("standby: another relay of this service is active")
                self.stop.wait(2.0)
            except DBAPIError as exc:
                # The database is away (a restart, a cut connection): the relay is the only
                # way events leave, so it waits for it instead of exiting.
                self._drop_connection()
                delay = backoff.next()
                self.heartbeat.not_ready(f"database unavailable: {type(exc).__name__}")
                log.warning("cannot take the relay lock, retrying", extra={"error": str(exc), "retry_in": delay})
                self.stop.wait(delay)
        return False

    def held(self) -> bool:
        """Whether the session that took the lock is alive and still holds it."""
        if self.database.is_sqlite:
            return True
        if self.connection is None:
            return False
        try:
            with suppress_instrumentation():
                found = self.connection.execute(text(
                    "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                    " AND classid = 0 AND objid = :k AND objsubid = 1 AND granted"), {"k": self.key}).first()
        except DBAPIError as exc:
            log.warning("the relay lock's database session is gone", extra={"error": str(exc)})
            self._drop_connection()
            return False
        if found is None:
            self._drop_connection()  # a fresh session takes it again
            return False
        return True

    def _try_lock(self) -> bool:
        with suppress_instrumentation():
            if self.connection is None:
                # Autocommit: the lock is the session's, not a transaction's, so checking
                # it on every pass is one round trip with no BEGIN and COMMIT around it.
                self.connection = self.database.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = self.connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        return bool(got)

    def _drop_connection(self) -> None:
        if self.connection is not None:
            try:
                self.connection.invalidate()
            except DBAPIError:
                pass
            self.connection = None

    def __exit__(self, *exc: object) -> Literal[False]:
        if self.connection is not None:
            self.connection.close()
        return False
