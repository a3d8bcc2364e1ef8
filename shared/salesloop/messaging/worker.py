"""The consumer process: kombu's ConsumerMixin around the EventProcessor.

Acks only after the handler's transaction committed; a failing message is
retried with back-off a bounded number of times, then parked in the service's
dead-letter queue with the reason. Periodic sweeps run between messages.
"""
from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from kombu import Producer
from kombu.mixins import ConsumerMixin
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import Counter

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
            self._process(message, headers, span)

    def _process(self, message, headers, span) -> None:
        try:
            outcome = self.processor.process(message.body)
        except PermanentFailure as exc:
            span.set_status(Status(StatusCode.ERROR, str(exc)))
            self.park(message, headers, str(exc))
            self._count(message, "parked")
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
        attempts = int(headers.get(ATTEMPTS, 0)) + 1
        reason = f"{type(exc).__name__}: {exc}"
        if attempts >= self.settings.max_attempts:
            self.park(message, headers, f"failed {attempts} times; last error {reason}",
                      detail="".join(traceback.format_exception(exc))[-4000:])
            self._count(message, "parked")
            return
        log.warning("handler failed, will retry", extra={"attempt": attempts, "error": reason})
        delay = backoff_ms(attempts, self.settings.retry_base_seconds)
        self._republish(message, headers, {ATTEMPTS: attempts, REASON: reason[:1000]}, delay_ms=delay)
        message.ack()
        self._count(message, "retried")

    def park(self, message, headers, reason: str, detail: str | None = None) -> None:
        log.error("event parked in dead-letter queue", extra={"reason": reason, "queue": self.bus.dead_letter_queue_name})
        extra = {REASON: reason[:2000], PARKED_AT: datetime.now(timezone.utc).isoformat()}
        if detail:
            extra["x-salesloop-traceback"] = detail
        producer = Producer(self.connection.default_channel)
        producer.publish(message.body, exchange=DEFAULT_EXCHANGE, routing_key=self.bus.dead_letter_queue_name,
                         headers={**headers, **extra, ORIGINAL_KEY: self._original_key(message, headers)},
                         content_type=message.content_type, content_encoding=message.content_encoding,
                         delivery_mode=2, retry=True)
        message.ack()

    def _republish(self, message, headers, extra: dict, delay_ms: int) -> None:
        producer = Producer(self.connection.default_channel)
        properties = {}
        if self.bus.is_amqp:
            target = self.bus.retry_queue_name
            properties["expiration"] = delay_ms / 1000
        else:
            # Transports without per-message TTL: wait here, briefly, then requeue.
            time.sleep(min(delay_ms, 2000) / 1000)
            target = self.bus.queue_name
        producer.publish(message.body, exchange=DEFAULT_EXCHANGE, routing_key=target,
                         headers={**headers, **extra, ORIGINAL_KEY: self._original_key(message, headers)},
                         content_type=message.content_type, content_encoding=message.content_encoding,
                         delivery_mode=2, retry=True, **properties)

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
                sweep.run(uow, datetime.now(timezone.utc))
                uow.commit()
            except Exception:
                uow.rollback()
                log.exception("sweep failed", extra={"sweep": sweep.name})
            finally:
                uow.close()
