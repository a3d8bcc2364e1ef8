"""Events per second ingested by the KPI worker from RabbitMQ into its fact log
and rollups (inbox, fact, rollup changes, ack after commit), against a bare
kombu consumer that inserts each message as one row, on the same broker and
database in the same run (the baseline). BENCH_EVENTS sets the count (3,000)."""
from __future__ import annotations

import json
import os
import threading
import time
import uuid

from common import RABBITMQ, database, report

EVENTS = int(os.environ.get("BENCH_EVENTS", 3000))


def _publish(runtime, events) -> None:
    from kombu import Producer

    from salesloop.messaging.envelope import Envelope

    with runtime.bus.connect() as connection:
        producer = Producer(connection.default_channel, exchange=runtime.bus.exchange, auto_declare=False)
        for event_id, event_type, data, when in events:
            envelope = Envelope(type=event_type, source="/bench", data=data, id=event_id, time=when.isoformat())
            producer.publish(envelope.to_json().encode(), routing_key=event_type,
                             content_type="application/cloudevents+json", delivery_mode=2)


def _drain(worker_run, stop_when, timeout=900.0) -> float:
    started = time.perf_counter()
    thread = threading.Thread(target=worker_run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not stop_when() and time.monotonic() < deadline:
        time.sleep(0.05)
    return time.perf_counter() - started


def _kpi(url: str, namespace: str, events) -> dict:
    from kpi.bootstrap import spec
    from salesloop.config import load_settings
    from salesloop.migrations import upgrade
    from salesloop.service import Runtime
    from salesloop.testing.broker import cleanup_bus, declare_queues
    from sqlalchemy import text

    service = spec()
    upgrade(service.migrations, url)
    runtime = Runtime(service, load_settings("kpi", database_url=url, bus_url=RABBITMQ, bus_namespace=namespace))
    declare_queues(runtime)
    _publish(runtime, events)
    worker = runtime.worker()

    def done() -> bool:
        with runtime.database.session(writes=False) as session:
            return session.execute(text("select count(*) from inbox")).scalar() >= len(events)

    elapsed = _drain(worker.run, done)
    worker.should_stop = True
    cleanup_bus(runtime)
    runtime.database.dispose()
    return {"events": len(events), "seconds": elapsed, "per_second": len(events) / elapsed}


def _baseline(url: str, namespace: str, events) -> dict:
    from kombu import Connection, Consumer, Exchange, Producer, Queue
    from sqlalchemy import JSON, Column, MetaData, String, Table, create_engine, func, insert, select

    engine = create_engine(url)
    rows = Table("raw_events", MetaData(), Column("id", String(64), primary_key=True), Column("body", JSON))
    rows.metadata.create_all(engine)
    exchange = Exchange(f"{namespace}baseline", type="topic", durable=True)
    queue = Queue(f"{namespace}baseline", exchange=exchange, routing_key="#", durable=True)
    with Connection(RABBITMQ) as connection:
        queue(connection.default_channel).declare()
        producer = Producer(connection.default_channel, exchange=exchange)
        for event_id, event_type, data, _ in events:
            producer.publish(json.dumps({"id": event_id, "data": data}).encode(), routing_key=event_type,
                             content_type="application/json", delivery_mode=2)

    def handle(message):
        body = json.loads(message.body)
        with engine.begin() as db:
            db.execute(insert(rows).values(id=body["id"], body=body["data"]))
        message.ack()

    stop, stopped = threading.Event(), threading.Event()

    def consume():
        try:
            with Connection(RABBITMQ) as connection:
                with Consumer(connection, queues=[queue], on_message=handle, prefetch_count=10, accept=None):
                    while not stop.is_set():
                        try:
                            connection.drain_events(timeout=0.5)
                        except TimeoutError:
                            pass
        finally:
            stopped.set()

    def done() -> bool:
        with engine.connect() as db:
            return db.execute(select(func.count()).select_from(rows)).scalar() >= len(events)

    elapsed = _drain(consume, done)
    stop.set()
    stopped.wait(10)  # its consumer gone before its queue is
    with Connection(RABBITMQ) as connection:
        connection.default_channel.queue_delete(queue.name)
        connection.default_channel.exchange_delete(exchange.name)
    engine.dispose()
    return {"events": len(events), "seconds": elapsed, "per_second": len(events) / elapsed}


def run(quick: bool = False) -> dict:
    from kpi_data import synthetic_events

    events = list(synthetic_events(min(EVENTS, 600) if quick else EVENTS, seed=11))
    namespace = f"bench{uuid.uuid4().hex[:6]}."
    with database("bench_ingest") as kpi_url, database("bench_raw") as raw_url:
        kpi = _kpi(kpi_url, namespace, events)
        baseline = _baseline(raw_url, namespace, events)
    return report("kpi_ingest", f"KPI worker ingesting {len(events):,} events from RabbitMQ into PostgreSQL, "
                  "against a bare consumer inserting one row per message", kpi, baseline, "per_second", "events/s")


if __name__ == "__main__":
    run()
