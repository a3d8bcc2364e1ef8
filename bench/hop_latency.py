"""One hop's latency, outbox commit → consumer commit: the orders service commits a
storefront order with its ``orders.order.created`` row in the outbox, the relay
publishes it, and the KPI worker commits it (its inbox row's time). Paced at half
of the pipeline's measured maximum (var/bench/results.json; BENCH_HOP_RATE, or 50/s
when the pipeline has not been measured), p50 and p99 — against a bare hop in the
same run: a kombu publisher with a confirm and a bare consumer committing one row
per message on PostgreSQL, at the same rate. BENCH_HOP_EVENTS sets the count
(1,000; 300 with --quick)."""
from __future__ import annotations

import json
import os
import statistics
import threading
import time
import uuid
from datetime import datetime, timezone

from sqlalchemy import create_engine, text

from common import RABBITMQ, RESULTS, database, report
from loop import ORDER_CREATED, running_loop

EVENTS = int(os.environ.get("BENCH_HOP_EVENTS", 1000))
WARM_UP = 30  # events sent and taken in before the measured ones


def pace() -> float:
    """Events per second: half of what the pipeline carried at most, when measured."""
    if os.environ.get("BENCH_HOP_RATE"):
        return float(os.environ["BENCH_HOP_RATE"])
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    measured = results.get("pipeline", {}).get("candidate")
    return measured / 2 if measured else 50.0


def paced(count: int, rate: float, send) -> None:
    started = time.perf_counter()
    for n in range(count):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        send(n)


def figures(latencies_ms: list[float], rate: float) -> dict:
    latencies_ms.sort()
    return {"events": len(latencies_ms), "rate_per_second": rate, "p50_ms": statistics.median(latencies_ms),
            "p99_ms": latencies_ms[int(0.99 * (len(latencies_ms) - 1))], "max_ms": latencies_ms[-1]}


def _loop_hop(count: int, rate: float) -> dict:
    with running_loop("hop") as loop:
        # Warm up first (connections, the relay's LISTEN, the workers' first batch), so
        # the figures are the steady state's and not the start's.
        paced(WARM_UP, rate, loop.storefront.place)
        loop.wait_for_orders(WARM_UP, timeout=120.0)
        measured_from = datetime.now(timezone.utc)
        paced(count, rate, lambda n: loop.storefront.place(WARM_UP + n))
        loop.wait_for_orders(WARM_UP + count, timeout=max(120.0, 3 * count / rate))
        with loop.engines["orders"].connect() as connection:
            committed = dict(connection.execute(text(
                "select event_id, created_at from outbox where event_type = :type and created_at >= :since"),
                {"type": ORDER_CREATED, "since": measured_from}).all())
        with loop.engines["kpi"].connect() as connection:
            taken = connection.execute(text(
                "select event_id, processed_at from inbox where event_type = :type"), {"type": ORDER_CREATED}).all()
    latencies = [(processed - committed[event_id]).total_seconds() * 1000 for event_id, processed in taken
                 if event_id in committed]
    return figures(latencies, rate)


def _bare_hop(count: int, rate: float) -> dict:
    """The same hop with nothing but kombu and one INSERT … COMMIT per message."""
    from kombu import Connection, Exchange, Producer, Queue

    name = f"bench{uuid.uuid4().hex[:6]}.hop"
    exchange = Exchange(name, type="topic", durable=True)
    queue = Queue(name, exchange=exchange, routing_key="#", durable=True)
    latencies: list[float] = []
    with database("bench_hop") as url, Connection(RABBITMQ) as consuming:
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("create table hops (id text primary key, sent double precision)"))

        def handle(body, message):
            with engine.begin() as connection:
                connection.execute(text("insert into hops values (:id, :sent)"), body)
            latencies.append((time.time() - body["sent"]) * 1000)
            message.ack()

        queue(consuming.default_channel).declare()
        stop = threading.Event()

        def consume():
            with consuming.Consumer(queue, callbacks=[handle], accept=["json"]):
                while not stop.is_set() and len(latencies) < count:
                    try:
                        consuming.drain_events(timeout=0.2)
                    except TimeoutError:
                        pass

        consumer = threading.Thread(target=consume, daemon=True)
        consumer.start()
        with Connection(RABBITMQ, transport_options={"confirm_publish": True}) as publishing:
            producer = Producer(publishing.default_channel, exchange=exchange, auto_declare=False)
            paced(count, rate, lambda n: producer.publish({"id": str(n), "sent": time.time()}, serializer="json",
                                                         routing_key="hop", delivery_mode=2, retry=False))
            consumer.join(max(60.0, 3 * count / rate))
            stop.set()
            publishing.default_channel.queue_delete(queue.name)
            publishing.default_channel.exchange_delete(exchange.name)
        engine.dispose()
    return figures(latencies, rate)


def run(quick: bool = False) -> dict:
    count = min(EVENTS, 300) if quick else EVENTS
    rate = pace()
    candidate = _loop_hop(count, rate)
    baseline = _bare_hop(count, rate)
    return report("hop_latency", f"outbox commit → KPI consumer commit at {rate:.0f} events/s ({count:,} storefront "
                  "orders), against a bare kombu publish → consumer commit", candidate, baseline, "p99_ms", "ms p99",
                  higher_is_better=False)


if __name__ == "__main__":
    run()
