"""The part of the loop the event benchmarks drive: the orders and KPI services as
their own processes (worker and relay each, no API), on a PostgreSQL database per
service and RabbitMQ, and a storefront publishing ``storefront.order.placed`` as an
outside AMQP client with publisher confirms.

The processes are started the way the end-to-end tests and operations start them
(``salesloop-<service> worker|relay``, configured by the environment only), through
the same Stack those tests use.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Iterator

from sqlalchemy import create_engine, text

from common import POSTGRES, RABBITMQ, ROOT

ORDER_CREATED = "orders.order.created"
STOREFRONT_ORDER_PLACED = "storefront.order.placed"
DRIVEN = ("orders", "kpi")
# Storefront orders carry no rep: they belong to the web shop's account (as in `make run`).
ORDERS_ENV = {"ORDERS_STOREFRONT_REP_ID": "storefront", "ORDERS_STOREFRONT_TEAM": "online",
              "ORDERS_STOREFRONT_REGION": "online"}


def e2e_stack():
    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    import stack

    return stack


@contextmanager
def running_loop(name: str, extra_env: dict[str, str] | None = None) -> Iterator[Loop]:
    """Orders and KPI workers and relays on fresh databases, until the block ends."""
    from salesloop.testing.servers import throwaway_database

    e2e = e2e_stack()
    with ExitStack() as resources:
        workdir = Path(resources.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-{name}-")))
        databases = {service: resources.enter_context(throwaway_database(POSTGRES, f"bench_{service[:5]}"))
                     for service in e2e.SERVICES}
        stack = e2e.Stack(workdir, databases, RABBITMQ, f"bench{uuid.uuid4().hex[:6]}.",
                                   extra_env=extra_env, service_env={"orders": ORDERS_ENV}, name=name)
        stack.migrate()
        resources.callback(stack.stop_all)
        for service in DRIVEN:
            stack.start(service, "worker")
        stack.wait_for_queues(list(DRIVEN))
        for service in DRIVEN:
            stack.start(service, "relay")
        loop = Loop(stack)
        resources.callback(loop.close)
        resources.callback(delete_queues, stack, DRIVEN)
        yield loop


def delete_queues(stack, services) -> None:
    """The benchmark's namespace leaves nothing behind on the shared broker."""
    from kombu import Connection

    with Connection(RABBITMQ) as connection:
        channel = connection.default_channel
        for service in services:
            for suffix in ("", ".retry", ".dlq"):
                channel.queue_delete(f"{stack.queue(service)}{suffix}")


class Loop:
    def __init__(self, stack) -> None:
        self.stack = stack
        self.engines = {service: create_engine(stack.database_urls[service]) for service in DRIVEN}
        self.storefront = Storefront(stack.exchange)

    def close(self) -> None:
        self.storefront.close()
        for engine in self.engines.values():
            engine.dispose()

    def scalar(self, service: str, sql: str, **params):
        with self.engines[service].connect() as connection:
            return connection.execute(text(sql), params).scalar()

    def orders_in_kpi(self) -> int:
        """Orders whose creation the KPI service has taken in (its inbox row is its commit)."""
        return self.scalar("kpi", "select count(*) from inbox where event_type = :type", type=ORDER_CREATED)

    def facts(self) -> int:
        return self.scalar("kpi", "select count(*) from facts")

    def wait_for_orders(self, count: int, timeout: float) -> float:
        """Seconds until ``count`` orders have reached the KPI service (raises past ``timeout``)."""
        started = time.perf_counter()
        deadline = time.monotonic() + timeout
        while (seen := self.orders_in_kpi()) < count:
            self.stack.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {seen} of {count} orders reached the KPI service in {timeout:.0f}s\n"
                                   + self.stack.log_tail("orders", "worker") + "\n" + self.stack.log_tail("kpi", "worker"))
            time.sleep(0.05)
        return time.perf_counter() - started


class Storefront:
    """The web shop's publisher: one connection, persistent messages, a confirm each."""

    def __init__(self, exchange_name: str) -> None:
        from kombu import Connection, Exchange, Producer

        self.exchange = Exchange(exchange_name, type="topic", durable=True)
        self.connection = Connection(RABBITMQ, transport_options={"confirm_publish": True})
        self.producer = Producer(self.connection.default_channel, exchange=self.exchange, auto_declare=False)
        self.tag = uuid.uuid4().hex[:6]

    def place(self, n: int) -> None:
        event = storefront_order(f"SF-{self.tag}-{n}")
        self.producer.publish(json.dumps(event, ensure_ascii=False).encode(), routing_key=STOREFRONT_ORDER_PLACED,
                              delivery_mode=2, mandatory=True, message_id=event["id"],
                              content_type="application/cloudevents+json", content_encoding="utf-8", retry=False)

    def close(self) -> None:
        self.connection.release()


def storefront_order(storefront_order_id: str) -> dict:
    placed_at = datetime.now(timezone.utc)
    data = {
        "storefront_order_id": storefront_order_id,
        "customer": {"id": f"shopper-{storefront_order_id}", "name": "陈晨", "phone": "+86 138 0013 8000",
                     "email": "chen@example.com"},
        "items": [{"sku": "TEA-250", "name": "Longjing 250 g", "qty": "2", "unit_price": "88.80"}],
        "currency": "CNY",
        "placed_at": placed_at.isoformat(),
        "shipping_address": {"line1": "文三路 90 号", "city": "杭州", "region": "浙江", "postal_code": "310012",
                             "country": "CN", "recipient": "陈晨"},
        "payment_terms": "prepaid",
    }
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "/storefront", "type": STOREFRONT_ORDER_PLACED,
            "time": placed_at.isoformat(), "subject": storefront_order_id, "datacontenttype": "application/json",
            "dataschema": f"urn:salesloop:event:{STOREFRONT_ORDER_PLACED}:v1", "data": data}
