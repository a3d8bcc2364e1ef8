"""Outbox rows per second the relay publishes from PostgreSQL to RabbitMQ (read a
batch, publish it with mandatory routing, await its confirms, mark it sent),
against a bare kombu publisher that sends the same persistent messages with a
publisher confirm for each, in the same run (the baseline).
BENCH_ROWS sets the count (5,000; 1,000 with --quick)."""
from __future__ import annotations

import json
import os
import threading
import time
import uuid
from datetime import datetime, timezone

from common import RABBITMQ, database, report

ROWS = int(os.environ.get("BENCH_ROWS", 5000))
TYPE = "leads.lead.captured"


def _envelopes(count: int) -> list[tuple[str, str]]:
    now = datetime.now(timezone.utc).isoformat()
    rows = []
    for n in range(count):
        event_id = str(uuid.uuid4())
        envelope = {"specversion": "1.0", "id": event_id, "type": TYPE, "source": "/leads", "time": now,
                    "datacontenttype": "application/json",
                    "data": {"lead_id": f"lead-{n}", "company": f"Bench Co {n}", "grade": "B"}}
        rows.append((event_id, json.dumps(envelope)))
    return rows


def _listener(namespace: str):
    """A queue bound to everything in the namespace, so every message is routable."""
    from kombu import Connection, Exchange, Queue

    exchange = Exchange(f"{namespace}salesloop.events", type="topic", durable=True)
    queue = Queue(f"{namespace}bench", exchange=exchange, routing_key="#", durable=True)
    with Connection(RABBITMQ) as connection:
        queue(connection.default_channel).declare()
    return exchange, queue


def _cleanup(exchange, queue) -> None:
    from kombu import Connection

    with Connection(RABBITMQ) as connection:
        connection.default_channel.queue_delete(queue.name)
        connection.default_channel.exchange_delete(exchange.name)


def _relay(url: str, namespace: str, rows) -> dict:
    from sqlalchemy import func, insert, select

    from leads.bootstrap import spec
    from salesloop.config import load_settings
    from salesloop.messaging.tables import OUTBOX
    from salesloop.migrations import upgrade
    from salesloop.service import Runtime

    service = spec()
    upgrade(service.migrations, url)
    runtime = Runtime(service, load_settings("leads", database_url=url, bus_url=RABBITMQ, bus_namespace=namespace))
    outbox = service.metadata.tables[OUTBOX]
    now = datetime.now(timezone.utc)
    with runtime.database.session() as session, session.begin():
        session.execute(insert(outbox), [{"event_id": event_id, "event_type": TYPE, "envelope": body,
                                          "trace_headers": "{}", "created_at": now, "attempts": 0}
                                         for event_id, body in rows])

    def unsent() -> int:
        with runtime.database.session() as session:
            return session.execute(select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))).scalar()

    stop = threading.Event()
    thread = threading.Thread(target=runtime.relay().run, args=(stop,), daemon=True)
    started = time.perf_counter()
    thread.start()
    while unsent():
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    stop.set()
    thread.join(30)
    runtime.database.dispose()
    return {"rows": len(rows), "seconds": elapsed, "per_second": len(rows) / elapsed,
            "batch_size": runtime.settings.relay_batch_size}


def _baseline(exchange, rows) -> dict:
    from kombu import Connection, Producer

    with Connection(RABBITMQ, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.default_channel, exchange=exchange, auto_declare=False)
        started = time.perf_counter()
        for event_id, body in rows:
            producer.publish(body.encode(), routing_key=TYPE, delivery_mode=2, mandatory=True, message_id=event_id,
                             content_type="application/cloudevents+json", retry=False)
        elapsed = time.perf_counter() - started
    return {"rows": len(rows), "seconds": elapsed, "per_second": len(rows) / elapsed}


def run(quick: bool = False) -> dict:
    rows = _envelopes(min(ROWS, 1000) if quick else ROWS)
    namespace = f"bench{uuid.uuid4().hex[:6]}."
    exchange, queue = _listener(namespace)
    try:
        with database("bench_relay") as url:
            relay = _relay(url, namespace, rows)
        baseline = _baseline(exchange, _envelopes(len(rows)))
    finally:
        _cleanup(exchange, queue)
    return report("relay", f"outbox relay publishing {len(rows):,} rows from PostgreSQL to RabbitMQ, against a bare "
                  "kombu publisher awaiting each confirm", relay, baseline, "per_second", "rows/s")


if __name__ == "__main__":
    run()
