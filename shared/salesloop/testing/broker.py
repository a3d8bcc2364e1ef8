"""Drive a service's relay and worker from a test, against a real broker."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from salesloop.messaging.bus import CONTENT_TYPE
from salesloop.messaging.envelope import Envelope
from salesloop.messaging.kombu_typed import Producer

if TYPE_CHECKING:
    from salesloop.messaging.deadletters import DeadLetter
    from salesloop.messaging.worker import Worker
    from salesloop.service import Runtime
    from salesloop.testing.harness import ServiceHarness


def declare_queues(runtime: Runtime) -> None:
    """Create the service's queue and bindings before anything is published to it."""
    with runtime.bus.connect() as connection:
        runtime.bus.declare(connection, runtime.subscriptions.bindings)


def publish_outbox(runtime: Runtime, rounds: int = 20) -> int:
    """Run the relay until its outbox has nothing left it can publish now."""
    relay = runtime.relay()
    total = 0
    with relay.connect() as connection:
        outlet = relay.outlet(connection)
        for _ in range(rounds):
            sent = relay.relay_once(outlet)
            total += sent
            if sent == 0:
                break
    return total


def publish_raw(runtime: Runtime, routing_key: str, body: Envelope | dict[str, Any] | str | bytes, *,
                headers: dict[str, Any] | None = None, content_type: str = CONTENT_TYPE) -> None:
    """Publish as an outside producer would (the storefront, or a broken one)."""
    if isinstance(body, Envelope):
        body = body.to_json()
    if isinstance(body, dict):
        body = json.dumps(body, ensure_ascii=False)
    if isinstance(body, str):
        body = body.encode("utf-8")
    with runtime.bus.connect() as connection:
        runtime.bus.declare_exchange(connection)
        Producer(connection.default_channel).publish(
            body, exchange=runtime.bus.exchange, routing_key=routing_key, headers=headers or {},
            content_type=content_type, content_encoding="utf-8", delivery_mode=2)


def consume_until(runtime: Runtime, done: Callable[[], bool], timeout: float = 15.0,
                  worker: Worker | None = None) -> bool:
    """Run the service's worker in a thread until ``done()`` or the timeout; say which."""
    worker = worker or runtime.worker()
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if done():
                return True
            time.sleep(0.05)
        return done()
    finally:
        worker.should_stop = True
        thread.join(10)
        worker.connection.release()


def dead_letters(runtime: Runtime) -> list[DeadLetter]:
    from salesloop.messaging.deadletters import DeadLetterQueue

    return DeadLetterQueue(runtime.bus).list()


def cleanup_bus(runtime: Runtime) -> None:
    with runtime.bus.connect() as connection:
        runtime.bus.delete_all(connection)
        try:
            connection.default_channel.exchange_delete(runtime.bus.exchange.name)
        except Exception:
            pass


def queues_empty(harness_or_runtime: ServiceHarness | Runtime) -> bool:
    """Nothing ready in the service queue or waiting in its retry queue."""
    runtime = cast("Runtime", getattr(harness_or_runtime, "runtime", harness_or_runtime))
    bus = runtime.bus
    with bus.connect() as connection:
        depths = [bus.queue_depth(connection, name) for name in (bus.queue_name, bus.retry_queue_name)]
    return all(depth == 0 for depth in depths)
