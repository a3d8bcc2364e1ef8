"""The consumer process: kombu's ConsumerMixin around the EventProcessor.

Acks only after the handler's transaction committed; a failing message is
retried with back-off a bounded number of times, then parked in the service's
dead-letter queue with the reason. Periodic sweeps run between messages.
"""
from __future__ import annotations

import logging
import time
import traceback
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from kombu import Producer
from kombu.mixins import ConsumerMixin
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import Counter
from sqlalchemy import text

from salesloop.messaging.bus import DEFAULT_EXCHANGE, Bus
from salesloop.messaging.processor import EventProcessor, PermanentFailure

log = logging.getLogger(__name__)

ATTEMPTS = "x-salesloop-attempts"
REASON = "x-salesloop-reason"
ORIGINAL_KEY = "x-salesloop-routing-key"
PARKED_AT = "x-salesloop-parked-at"


def consumed_counter(registry):
    return Counter("salesloop_events_consumed", "Events consumed, by type and outcome",
                   ["service", "type", "outcome"], registry=registry)


@dataclass
class Sweep:
    """A periodic job run by the worker between messages (overdue leads, SLA breaches…)."""

    name: str
    every_seconds: float
    run: Callable  # run(uow, now) -> None
    last_run: float = field(default=0.0)

    def due(self, clock: float) -> bool:
        return clock - self.last_run >= self.every_seconds


def _attempts(headers: dict) -> int:
    """Untrusted: an outside producer may send anything in this header."""
    try:
        return max(0, int(headers.get(ATTEMPTS, 0)))
    except (TypeError, ValueError):
        return 0


def _sweep_lock(uow, name: str) -> bool:
    """On PostgreSQL one replica at a time runs a sweep (a transaction-scoped
    advisory lock); sweeps stay idempotent by their own unique keys as well."""
    session = uow.session
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(name.encode())
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}).scalar())


def backoff_ms(attempt: int, base_seconds: float) -> int:
    return int(base_seconds * 1000 * (4 ** (attempt - 1)))


class Worker(ConsumerMixin):
    def __init__(self, bus: Bus, processor: EventProcessor, routing_keys: list[str], settings,
                 sweeps: list[Sweep] = (), uow_factory=None, metrics=None):
        self.bus = bus
        self.processor = processor
        self.routing_keys = routing_keys
        self.settings = settings
        self.sweeps = list(sweeps)
        self.uow_factory = uow_factory
        self.metrics = metrics
        self.connection = bus.connect()
        self.tracer = trace.get_tracer("salesloop.worker")
        self.queue = None
        self._publisher = None
        self._publisher_producer = None
        self._returned = None

    # -- kombu wiring ----------------------------------------------------------
    def get_consumers(self, Consumer, channel):
        self.queue = self.bus.declare(self.connection, self.routing_keys)
        consumer = Consumer(queues=[self.queue], on_message=self.on_message, accept=None,
                            prefetch_count=self.settings.prefetch)
        return [consumer]

    def on_connection_revived(self):
        log.info("worker connected", extra={"queue": self.bus.queue_name, "broker": self.bus.kind})

    def on_iteration(self):
        self.run_due_sweeps()

    # -- one message -------------------------------------------------------------
    def on_message(self, message) -> None:
        headers = dict(message.headers or {})
        parent = propagate.extract(headers)
        routing_key = message.delivery_info.get("routing_key") or headers.get(ORIGINAL_KEY, "")
        attributes = {
            "messaging.system": "rabbitmq",
            "messaging.operation.type": "process",
            "messaging.destination.name": self.bus.exchange.name,
            "messaging.rabbitmq.destination.routing_key": headers.get(ORIGINAL_KEY, routing_key),
            "messaging.consumer.group.name": self.bus.queue_name,
        }
        with self.tracer.start_as_current_span(
            f"{self.bus.queue_name} process", context=parent, kind=SpanKind.CONSUMER, attributes=attributes
        ) as span:
            try:
                self._process(message, headers, span)
            except Exception:
                # Last resort: never let one message stop the consumer loop.
                log.exception("unexpected error around a message; returning it to the queue")
                if not message.acknowledged:
                    message.requeue()

    def _process(self, message, headers, span) -> None:
        try:
            outcome = self.processor.process(message.body)
        except PermanentFailure as exc:
            span.set_status(Status(StatusCode.ERROR, str(exc)))
            self.park(message, headers, str(exc))
            return
        except Exception as exc:  # a handler failure: maybe transient, retry with back-off
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, str(exc)))
            self.retry_or_park(message, headers, exc)
            return
        message.ack()
        self._count(message, outcome.value)

    def _count(self, message, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.labels(self.settings.service, message.delivery_info.get("routing_key", ""), outcome).inc()

    # -- retries and dead letters -----------------------------------------------------
    def retry_or_park(self, message, headers, exc: Exception) -> None:
        attempts = _attempts(headers) + 1
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

    def park(self, message, headers, reason: str, detail: str | None = None) -> None:
        log.error("event parked in dead-letter queue", extra={"reason": reason, "queue": self.bus.dead_letter_queue_name})
        extra = {REASON: reason[:2000], PARKED_AT: datetime.now(timezone.utc).isoformat()}
        if detail:
            extra["x-salesloop-traceback"] = detail
        if self._forward(message, headers, extra, self.bus.dead_letter_queue_name):
            self._count(message, "parked")

    def _forward(self, message, headers, extra: dict, queue: str, **properties) -> bool:
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
        return self._publisher_producer

    def _reset_producer(self) -> None:
        if self._publisher is not None:
            try:
                self._publisher.release()
            except Exception:
                pass
        self._publisher = None

    @staticmethod
    def _original_key(message, headers) -> str:
        return headers.get(ORIGINAL_KEY) or message.delivery_info.get("routing_key", "")

    # -- sweeps -----------------------------------------------------------------------
    def run_due_sweeps(self) -> None:
        clock = time.monotonic()
        for sweep in self.sweeps:
            if sweep.due(clock):
                sweep.last_run = clock
                self.run_sweep(sweep)

    def run_sweep(self, sweep: Sweep) -> None:
        with self.tracer.start_as_current_span(f"sweep {sweep.name}"):
            uow = self.uow_factory()
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
