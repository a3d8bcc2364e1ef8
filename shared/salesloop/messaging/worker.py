"""The consumer process: kombu's ConsumerMixin around the EventProcessor.

Messages are handled in small batches, one transaction per batch, and acked
only after it committed; when a batch fails it is handled again message by
message, so a poison message never takes its neighbours with it. A failing
message is retried with back-off a bounded number of times, then parked in
the service's dead-letter queue with the reason. Periodic sweeps run between
batches.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
import traceback
import zlib
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

from opentelemetry import propagate, trace
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode
from prometheus_client import CollectorRegistry, Counter
from sqlalchemy import text

from salesloop.messaging.bus import DEFAULT_EXCHANGE, Bus
from salesloop.messaging.health import Heartbeat
from salesloop.messaging.kombu_typed import Connection, ConsumerMixin, Message, Producer, Queue
from salesloop.messaging.processor import EventProcessor, PermanentFailure, Ready

if TYPE_CHECKING:
    from kombu.messaging import Consumer as KombuConsumer

    from salesloop.config import Settings
    from salesloop.uow import UnitOfWork

log = logging.getLogger(__name__)

ATTEMPTS = "x-salesloop-attempts"
REASON = "x-salesloop-reason"
ORIGINAL_KEY = "x-salesloop-routing-key"
PARKED_AT = "x-salesloop-parked-at"
LETTER_ID = "x-salesloop-letter-id"
REPLAY_ID = "x-salesloop-replayed"  # set by a replay: one id per replay
TRACEBACK = "x-salesloop-traceback"


def consumed_counter(registry: CollectorRegistry) -> Counter:
    return Counter("salesloop_events_consumed", "Events consumed, by type and outcome",
                   ["service", "type", "outcome"], registry=registry)


@dataclass
class Sweep:
    """A periodic job run by the worker between messages (overdue leads, SLA breaches…)."""

    name: str
    every_seconds: float
    run: Callable[[UnitOfWork, datetime], None]
    last_run: float = field(default=0.0)

    def due(self, clock: float) -> bool:
        return clock - self.last_run >= self.every_seconds


def _attempts(headers: dict[str, Any]) -> int:
    try:
        return max(0, int(headers.get(ATTEMPTS, 0)))
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class Arrival:
    """Where a message comes from: the routing key it was published with and the
    attempts already made, counted from our own header only when it came back
    through our retry path (the default exchange); a producer publishing on the
    events exchange can't set either for us."""

    routing_key: str
    attempts: int

    @classmethod
    def of(cls, message: Message, headers: dict[str, Any], events_exchange: str) -> Arrival:
        info = message.delivery_info or {}
        if info.get("exchange") == events_exchange:
            return cls(info.get("routing_key") or "", 0)
        return cls(headers.get(ORIGINAL_KEY) or info.get("routing_key") or "", _attempts(headers))


# A message of a batch, its headers, where it came from, and the event read from it.
_Gathered = tuple[Message, dict[str, Any], Arrival, Ready]


def _sweep_lock(uow: UnitOfWork, name: str) -> bool:
    """On PostgreSQL one replica at a time runs a sweep (a transaction-scoped
    advisory lock); sweeps stay idempotent by their own unique keys as well."""
    session = uow.session
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(name.encode())
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}).scalar())


def letter_id_of(queue: str, message: Message, headers: dict[str, Any]) -> str:
    """The same for every delivery of one message to one queue: its queue, its
    body, its AMQP message id and the replay that sent it back, if any."""
    body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
    message_id = (message.properties or {}).get("message_id") or ""
    seed = json.dumps([queue, str(message_id), str(headers.get(REPLAY_ID) or "")]).encode()
    return hashlib.sha256(seed + b"\0" + body).hexdigest()[:32]


def backoff_ms(attempt: int, base_seconds: float) -> int:
    return int(base_seconds * 1000 * (4 ** (attempt - 1)))


class Worker(ConsumerMixin):
    def __init__(self, bus: Bus, processor: EventProcessor, routing_keys: list[str], settings: Settings,
                 sweeps: Iterable[Sweep] = (), uow_factory: Callable[[], UnitOfWork] | None = None,
                 metrics: Counter | None = None, heartbeat: Heartbeat | None = None) -> None:
        self.bus = bus
        self.processor = processor
        self.routing_keys = routing_keys
        self.settings = settings
        self.sweeps = list(sweeps)
        self.uow_factory = uow_factory
        self.metrics = metrics
        self.heartbeat = heartbeat or Heartbeat()
        self.connection = bus.connect()
        self.tracer = trace.get_tracer("salesloop.worker")
        self.queue: Queue | None = None
        self._publisher: Connection | None = None
        self._publisher_producer: Producer | None = None
        self._returned: str | None = None

    # -- kombu wiring ----------------------------------------------------------
    def get_consumers(self, Consumer: Callable[..., KombuConsumer], channel: Any) -> list[KombuConsumer]:
        self.queue = self.bus.declare(self.connection, self.routing_keys)
        consumer = Consumer(queues=[self.queue], on_message=self.on_message, accept=None,
                            prefetch_count=max(self.settings.prefetch, self.settings.batch_size))
        return [consumer]

    def on_connection_revived(self) -> None:
        log.info("worker connected", extra={"queue": self.bus.queue_name, "broker": self.bus.kind})

    def on_connection_error(self, exc: Exception, interval: float) -> None:
        self.heartbeat.not_ready(f"broker unavailable: {type(exc).__name__}")
        super().on_connection_error(exc, interval)

    def on_consume_ready(self, connection: Connection, channel: Any, consumers: list[KombuConsumer],
                         **kwargs: Any) -> None:
        self.heartbeat.beat(ready=True)

    def on_iteration(self) -> None:
        # Between batches: a handler that never returns stops these beats, and the probe sees it.
        self.heartbeat.beat()
        self.run_due_sweeps()

    def consume(self, limit: int | None = None, timeout: float | None = None, safety_interval: float = 1,
                **kwargs: Any) -> Iterator[None]:
        """ConsumerMixin's loop, gathering what the broker has already sent into a batch."""
        self._pending: list[Message] = []
        with self.consumer_context(**kwargs) as (connection, channel, consumers):
            while not self.should_stop:
                self.on_iteration()
                try:
                    connection.drain_events(timeout=safety_interval)
                except TimeoutError:
                    connection.heartbeat_check()
                    continue
                except OSError:
                    if self.should_stop:
                        break
                    raise
                self._gather(connection)
                self.flush()
                yield

    def _gather(self, connection: Connection) -> None:
        while len(self._pending) < self.settings.batch_size:
            try:
                connection.drain_events(timeout=self.settings.batch_wait_seconds)
            except TimeoutError:
                return

    # -- messages ------------------------------------------------------------------
    def on_message(self, message: Message) -> None:
        self._pending.append(message)

    def flush(self) -> None:
        batch, self._pending = self._pending, []
        ready: list[_Gathered] = []
        for message in batch:
            headers = dict(message.headers or {})
            arrival = Arrival.of(message, headers, self.bus.exchange.name)
            try:
                ready.append((message, headers, arrival, self.processor.read(message.body, arrival.routing_key)))
            except PermanentFailure as exc:
                with self._span(message, headers, arrival) as span:
                    span.set_status(Status(StatusCode.ERROR, str(exc)))
                    self.park(message, headers, str(exc))
        if len(ready) > 1 and self._handled_together(ready):
            return
        for message, headers, arrival, _ in ready:
            self.handle_alone(message, headers, arrival)

    def _handled_together(self, ready: list[_Gathered]) -> bool:
        spans = {id(item): (message, headers, arrival) for message, headers, arrival, item in ready}

        @contextmanager
        def around(item: Ready) -> Iterator[None]:
            with self._span(*spans[id(item)]) as span:
                span.set_attribute("messaging.message.id", item.event.id)
                yield

        try:
            with self._batch_span(ready):
                outcomes = self.processor.handle_batch([item for *_, item in ready], around=around)
        except Exception as exc:
            log.warning("batch failed; handling its messages one by one",
                        extra={"size": len(ready), "error": f"{type(exc).__name__}: {exc}"})
            return False
        for (message, *_), outcome in zip(ready, outcomes, strict=False):
            message.ack()
            self._count(message, outcome.value)
        return True

    def handle_alone(self, message: Message, headers: dict[str, Any], arrival: Arrival) -> None:
        with self._span(message, headers, arrival) as span:
            try:
                self._process(message, headers, arrival, span)
            except Exception:
                # Last resort: never let one message stop the consumer loop.
                log.exception("unexpected error around a message; returning it to the queue")
                if not message.acknowledged:
                    message.requeue()

    def _batch_span(self, ready: list[_Gathered]) -> AbstractContextManager[Span]:
        """The batch's own work (inbox, gathered writes, commit) in a span linked to every
        message's producer; each message's handler keeps its own span in the producer's trace."""
        links = [Link(context) for _, headers, *_ in ready
                 if (context := trace.get_current_span(propagate.extract(headers)).get_span_context()).is_valid]
        return self.tracer.start_as_current_span(
            f"{self.settings.service} process batch", kind=SpanKind.CONSUMER, links=links,
            attributes={"messaging.system": "rabbitmq", "messaging.operation.type": "process",
                        "messaging.batch.message_count": len(ready),
                        "messaging.consumer.group.name": self.bus.queue_name})

    @contextmanager
    def _span(self, message: Message, headers: dict[str, Any], arrival: Arrival) -> Iterator[Span]:
        attributes = {
            "messaging.system": "rabbitmq",
            "messaging.operation.type": "process",
            "messaging.destination.name": self.bus.exchange.name,
            "messaging.rabbitmq.destination.routing_key": arrival.routing_key,
            "messaging.consumer.group.name": self.bus.queue_name,
        }
        with self.tracer.start_as_current_span(
            f"{self.settings.service} process", context=propagate.extract(headers), kind=SpanKind.CONSUMER,
            attributes=attributes,
        ) as span:
            yield span

    def _process(self, message: Message, headers: dict[str, Any], arrival: Arrival, span: Span) -> None:
        try:
            outcome = self.processor.process(message.body, arrival.routing_key)
        except PermanentFailure as exc:
            span.set_status(Status(StatusCode.ERROR, str(exc)))
            self.park(message, headers, str(exc))
            return
        except Exception as exc:  # a handler failure: maybe transient, retry with back-off
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, str(exc)))
            self.retry_or_park(message, headers, exc, arrival)
            return
        message.ack()
        self._count(message, outcome.value)

    def _count(self, message: Message, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.labels(self.settings.service, message.delivery_info.get("routing_key", ""), outcome).inc()

    # -- retries and dead letters -----------------------------------------------------
    def retry_or_park(self, message: Message, headers: dict[str, Any], exc: Exception, arrival: Arrival) -> None:
        attempts = arrival.attempts + 1
        reason = f"{type(exc).__name__}: {exc}"
        if attempts >= self.settings.max_attempts:
            self.park(message, headers, f"failed {attempts} times; last error {reason}",
                      detail="".join(traceback.format_exception(exc))[-4000:])
            return
        log.warning("handler failed, will retry", extra={"attempt": attempts, "error": reason})
        delay = backoff_ms(attempts, self.settings.retry_base_seconds)
        if self.bus.is_amqp:
            # The retry queue holds it for its expiration, then dead-letters it back to us.
            target, properties = self.bus.retry_queue_name, {"expiration": delay / 1000}
        else:
            # Transports without per-message TTL: wait here, briefly, then requeue.
            time.sleep(min(delay, 2000) / 1000)
            target, properties = self.bus.queue_name, {}
        if self._forward(message, headers, {ATTEMPTS: attempts, REASON: reason[:1000]}, target, **properties):
            self._count(message, "retried")

    def park(self, message: Message, headers: dict[str, Any], reason: str, detail: str | None = None) -> None:
        log.error("event parked in dead-letter queue", extra={"reason": reason, "queue": self.bus.dead_letter_queue_name})
        # A letter id of its own: an operator replays or purges this one letter even
        # when its body has no event id, or is not JSON at all. It is derived from the
        # message, so a redelivery parked again (the ack lost after the confirm) is
        # another copy of the same letter, not a second letter.
        extra = {REASON: reason[:2000], PARKED_AT: datetime.now(timezone.utc).isoformat(),
                 LETTER_ID: letter_id_of(self.bus.queue_name, message, headers)}
        if detail:
            extra[TRACEBACK] = detail
        if self._forward(message, headers, extra, self.bus.dead_letter_queue_name):
            self._count(message, "parked")

    def _forward(self, message: Message, headers: dict[str, Any], extra: dict[str, Any], queue: str,
                 **properties: Any) -> bool:
        """Move the message to another of our queues: confirmed and mandatory first,
        ack after. If that fails the message goes back to its queue, never lost."""
        try:
            producer = self._producer()
            self._returned = None
            producer.publish(message.body, exchange=DEFAULT_EXCHANGE, routing_key=queue,
                             headers={**headers, **extra, ORIGINAL_KEY: self._original_key(message, headers)},
                             content_type=message.content_type, content_encoding=message.content_encoding,
                             delivery_mode=2, mandatory=self.bus.is_amqp, retry=False,
                             confirm_timeout=self.settings.confirm_timeout, **properties)
            if self._returned:
                raise RuntimeError(f"queue {queue} is missing: {self._returned}")
        except Exception:
            log.exception("could not move the message; returning it to the queue", extra={"target": queue})
            self._reset_producer()
            message.requeue()
            return False
        message.ack()
        return True

    def _producer(self) -> Producer:
        if self._publisher is None:
            self._publisher = self.bus.connect(confirm=True)
            on_return = (lambda exc, *_: setattr(self, "_returned", str(exc))) if self.bus.is_amqp else None
            self._publisher_producer = Producer(self._publisher.default_channel, on_return=on_return,
                                                auto_declare=False)
        return cast(Producer, self._publisher_producer)  # made along with self._publisher

    def _reset_producer(self) -> None:
        if self._publisher is not None:
            try:
                self._publisher.release()
            except Exception:
                pass
        self._publisher = None

    def _original_key(self, message: Message, headers: dict[str, Any]) -> str:
        return Arrival.of(message, headers, self.bus.exchange.name).routing_key

    # -- sweeps -----------------------------------------------------------------------
    def run_due_sweeps(self) -> None:
        clock = time.monotonic()
        for sweep in self.sweeps:
            if sweep.due(clock):
                sweep.last_run = clock
                self.run_sweep(sweep)

    def run_sweep(self, sweep: Sweep) -> None:
        with self.tracer.start_as_current_span(f"sweep {sweep.name}"):
            uow = cast("Callable[[], UnitOfWork]", self.uow_factory)()  # Runtime.worker always gives one
            try:
                if not _sweep_lock(uow, f"{self.settings.service}:{sweep.name}"):
                    return  # another worker replica is running this sweep right now
                sweep.run(uow, datetime.now(timezone.utc))
                uow.commit()
            except Exception:
                uow.rollback()
                log.exception("sweep failed", extra={"sweep": sweep.name})
            finally:
                uow.close()
