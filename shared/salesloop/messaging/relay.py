"""The outbox relay: publishes committed outbox rows in order, with publisher
confirms and mandatory routing, and marks them sent in batches.

Every pass reads *all* unsent rows, old ones included, so a web worker that died
between its commit and the first publish attempt loses nothing.
"""
from __future__ import annotations

import json
import logging
import threading
import zlib
from datetime import datetime, timedelta, timezone

from amqp.exceptions import MessageNacked
from kombu import Producer
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import or_, select, text, update

from salesloop.messaging.bus import CONTENT_TYPE, Bus
from salesloop.messaging.tables import OUTBOX

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Unroutable(RuntimeError):
    """The broker confirmed the message but no queue was bound to its key."""


class Backoff:
    def __init__(self, base: float = 0.5, cap: float = 10.0):
        self.base, self.cap, self.attempt = base, cap, 0

    def next(self) -> float:
        delay = min(self.cap, self.base * (2 ** self.attempt))
        self.attempt += 1
        return delay

    def reset(self) -> None:
        self.attempt = 0


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 2 ** min(attempts, 8)))


class Relay:
    def __init__(self, database, bus: Bus, metadata, settings):
        self.database = database
        self.bus = bus
        self.outbox = metadata.tables[OUTBOX]
        self.settings = settings
        self.tracer = trace.get_tracer("salesloop.relay")
        self._returned: str | None = None

    # -- the loop -------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        backoff = Backoff()
        with self._single_active_relay(stop):
            while not stop.is_set():
                try:
                    self._run_connected(stop, backoff)
                except (OSError, *self._connection_errors()) as exc:
                    delay = backoff.next()
                    log.warning("broker unavailable, retrying", extra={"error": str(exc), "retry_in": delay})
                    stop.wait(delay)
                except Exception as exc:
                    # A nack, a locked SQLite file, a database restart: the relay is
                    # the only way events leave, so it backs off and carries on.
                    delay = backoff.next()
                    log.exception("relay pass failed, retrying", extra={"error": str(exc), "retry_in": delay})
                    stop.wait(delay)

    def _run_connected(self, stop: threading.Event, backoff: Backoff) -> None:
        with self.bus.connect(confirm=True) as connection:
            connection.ensure_connection(max_retries=1)
            self.bus.declare_exchange(connection)
            producer = self.producer(connection)
            backoff.reset()
            log.info("relay connected", extra={"broker": self.bus.kind})
            while not stop.is_set():
                if self.relay_once(producer) == 0:
                    stop.wait(self.settings.relay_poll_seconds)

    def producer(self, connection) -> Producer:
        # The exchange is declared once per connection, not before every message.
        # Only AMQP reports unroutable messages; virtual transports have no returns.
        on_return = self._on_return if self.bus.is_amqp else None
        return Producer(connection.default_channel, exchange=self.bus.exchange, on_return=on_return,
                        auto_declare=False)

    def _connection_errors(self) -> tuple:
        connection = self.bus.connect()
        return tuple(connection.connection_errors) + tuple(connection.channel_errors)

    # -- one pass ---------------------------------------------------------------
    def pending(self, session, limit: int):
        now = utcnow()
        return session.execute(
            select(self.outbox)
            .where(self.outbox.c.sent_at.is_(None))
            .where(or_(self.outbox.c.next_attempt_at.is_(None), self.outbox.c.next_attempt_at <= now))
            .order_by(self.outbox.c.id)
            .limit(limit)
        ).all()

    def relay_once(self, producer: Producer) -> int:
        """Publish one batch; return how many rows were confirmed and marked sent."""
        with self.database.session(writes=False) as session:
            rows = self.pending(session, self.settings.relay_batch_size)
        sent: list[int] = []
        try:
            for row in rows:
                try:
                    self.publish_row(producer, row)
                except (Unroutable, MessageNacked) as exc:  # the broker refused this one; go on with the rest
                    self._record_failure(row, exc)
                    continue
                sent.append(row.id)
        except Exception as exc:
            # A lost confirm or a dropped connection: we don't know whether this row
            # reached the broker, so it stays unsent and will be published again
            # (consumers' inboxes absorb the duplicate).
            self._record_failure(row, exc)
            raise
        finally:
            self._mark_sent(sent)
        return len(sent)

    def publish_row(self, producer: Producer, row) -> None:
        parent = propagate.extract(json.loads(row.trace_headers or "{}"))
        exchange = self.bus.exchange.name
        attributes = {
            "messaging.system": "rabbitmq",
            "messaging.operation.type": "send",
            "messaging.operation.name": "publish",
            "messaging.destination.name": exchange,
            "messaging.rabbitmq.destination.routing_key": row.event_type,
            "messaging.message.id": row.event_id,
            "cloudevents.event_id": row.event_id,
            "cloudevents.event_type": row.event_type,
        }
        with self.tracer.start_as_current_span(
            f"{exchange} publish", context=parent, kind=SpanKind.PRODUCER, attributes=attributes
        ) as span:
            headers: dict[str, str] = {}
            propagate.inject(headers)
            self._returned = None
            self._check_routable(producer, row.event_type)
            producer.publish(
                row.envelope.encode("utf-8"),
                routing_key=row.event_type,
                headers=headers,
                mandatory=True,
                content_type=CONTENT_TYPE,
                content_encoding="utf-8",
                message_id=row.event_id,
                delivery_mode=2,
                retry=False,
                confirm_timeout=self.settings.confirm_timeout,
                timeout=self.settings.confirm_timeout,
            )
            if self._returned:
                span.set_status(Status(StatusCode.ERROR, "unroutable"))
                raise Unroutable(f"no queue is bound to {row.event_type}: {self._returned}")

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

    def _on_return(self, exception, exchange, routing_key, message):
        self._returned = f"{getattr(exception, 'reply_text', exception)}"

    # -- bookkeeping --------------------------------------------------------------
    def _mark_sent(self, ids: list[int]) -> None:
        if not ids:
            return
        with self.database.session() as session, session.begin():
            session.execute(
                update(self.outbox).where(self.outbox.c.id.in_(ids)).values(sent_at=utcnow(), last_error=None)
            )

    def _record_failure(self, row, exc: Exception) -> None:
        attempts = (row.attempts or 0) + 1
        with self.database.session() as session, session.begin():
            session.execute(
                update(self.outbox)
                .where(self.outbox.c.id == row.id)
                .values(attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000],
                        next_attempt_at=utcnow() + retry_delay(attempts) if isinstance(exc, (Unroutable, MessageNacked)) else None)
            )
        log.warning("outbox row not published", extra={"event_id": row.event_id, "error": str(exc)})

    # -- one active relay per database ------------------------------------------------
    def _single_active_relay(self, stop: threading.Event):
        return _AdvisoryLock(self.database, self.settings.service, stop)


class _AdvisoryLock:
    """On PostgreSQL a second relay waits as a standby, so rows go out in order."""

    def __init__(self, database, name: str, stop: threading.Event):
        self.database, self.key, self.stop = database, zlib.crc32(f"relay:{name}".encode()), stop
        self.connection = None

    def __enter__(self):
        if self.database.is_sqlite:
            return self
        self.connection = self.database.engine.connect()
        while not self.stop.is_set():
            got = self.connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
            self.connection.commit()
            if got:
                return self
            self.stop.wait(2.0)
        return self

    def __exit__(self, *exc):
        if self.connection is not None:
            self.connection.close()
        return False
