"""The Done-when of the orders issue, against the real PostgreSQL and RabbitMQ:
one order per contract whatever the redeliveries or crashes, the pika
storefront example's order exactly once, an invalid storefront order parked
with its reason then fixed and replayed, and the delivery's trace carried
onto orders.order.delivered."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from kombu import Queue, binding
from sqlalchemy import func, select, text

from salesloop.messaging.deadletters import DeadLetterQueue, Selection
from salesloop.testing.browser import serve
from salesloop.testing.broker import (
    cleanup_bus,
    consume_until,
    dead_letters,
    declare_queues,
    publish_outbox,
    publish_raw,
)

from orders.app import create_app
from orders.bootstrap import spec
from orders.models import OrderRecord
from orders_client import OPS, contract_signed, phone_order, storefront_order, walk

pytestmark = pytest.mark.integration

PUBLISHER = Path(__file__).parents[2] / "examples" / "storefront_publisher.py"


@pytest.fixture
def live(service_harness, postgres_url, rabbitmq_url, bus_namespace):
    """The orders service on a migrated PostgreSQL database and its own names on RabbitMQ."""
    harness = service_harness(spec(), create_app, database_url=postgres_url, bus_url=rabbitmq_url,
                              namespace=bus_namespace, migrate=True, retry_base_seconds=0.05, max_attempts=3)
    declare_queues(harness.runtime)
    yield harness
    cleanup_bus(harness.runtime)


def scalar(harness, sql: str, **params):
    with harness.runtime.database.session() as session:
        return session.execute(text(sql), params).scalar()


def orders_for(harness, **key) -> int:
    (column, value), = key.items()
    with harness.runtime.database.session() as session:
        return session.scalar(select(func.count()).select_from(OrderRecord)
                              .where(getattr(OrderRecord, column) == value))


def queue_empty(harness) -> bool:
    with harness.runtime.bus.connect() as connection:
        return harness.runtime.bus.queue_depth(connection, harness.runtime.bus.queue_name) == 0


def test_a_signed_contract_delivered_twice_makes_exactly_one_order(live):
    contract = contract_signed()
    envelope = live.envelope("deals.contract.signed", contract, source="/salesloop/deals")
    publish_raw(live.runtime, "deals.contract.signed", envelope)
    publish_raw(live.runtime, "deals.contract.signed", envelope)
    # the deals relay re-publishing after a lost confirm sends the same id; a replay may send a new one
    publish_raw(live.runtime, "deals.contract.signed", live.envelope("deals.contract.signed", contract))

    assert consume_until(live.runtime, lambda: scalar(live, "select count(*) from inbox") == 2 and queue_empty(live))

    assert orders_for(live, contract_id=contract["contract_id"]) == 1
    assert len(live.published("orders.order.created")) == 1
    assert dead_letters(live.runtime) == []


CRASHING_WORKER = textwrap.dedent('''
    import os, sys
    sys.path.insert(0, {tests_dir!r})
    from salesloop.config import load_settings
    from salesloop.service import Runtime
    from orders import handlers
    from orders.bootstrap import spec

    settings = load_settings("orders", database_url={db!r}, bus_url={bus!r}, bus_namespace={ns!r})
    if {mode!r} == "before-commit":
        create = handlers.create_order_from_contract

        def create_then_die(uow, config, data):
            create(uow, config, data)      # the order is written in the open transaction...
            uow.flush()
            os._exit(17)                   # ...and the worker dies before it commits
        handlers.create_order_from_contract = create_then_die
    worker = Runtime(spec(), settings).worker()
    if {mode!r} == "after-commit":
        process = worker.processor.process

        def process_then_die(*message):
            process(*message)                  # the order and the inbox row are committed...
            os._exit(17)                   # ...and the worker dies before it acks
        worker.processor.process = process_then_die
    worker.run()
''')


@pytest.mark.parametrize("mode", ["before-commit", "after-commit"])
def test_a_worker_killed_mid_way_still_makes_exactly_one_order(live, mode):
    settings = live.runtime.settings
    contract = contract_signed()
    publish_raw(live.runtime, "deals.contract.signed", live.envelope("deals.contract.signed", contract))
    script = CRASHING_WORKER.format(tests_dir=str(Path(__file__).parents[1]), db=settings.database_url,
                                    bus=settings.bus_url, ns=settings.bus_namespace, mode=mode)

    child = subprocess.run([sys.executable, "-c", script], timeout=60, capture_output=True, text=True)

    assert child.returncode == 17, child.stderr[-2000:]
    assert orders_for(live, contract_id=contract["contract_id"]) == (0 if mode == "before-commit" else 1)
    # the broker redelivers the unacked message to the next worker
    assert consume_until(live.runtime, lambda: scalar(live, "select count(*) from inbox") == 1 and queue_empty(live),
                         timeout=20)
    assert orders_for(live, contract_id=contract["contract_id"]) == 1
    assert len(live.published("orders.order.created")) == 1


def pika_url(kombu_url: str) -> str:
    """kombu writes the default vhost as ``//``; pika (and the AMQP URI spec) as ``/%2F``."""
    parsed = urlsplit(kombu_url)
    vhost = parsed.path[1:] or "/"
    return urlunsplit((parsed.scheme, parsed.netloc, "/" + quote(vhost, safe=""), "", ""))


def run_publisher(live, *args: str) -> dict:
    settings = live.runtime.settings
    done = subprocess.run([sys.executable, str(PUBLISHER), "--url", pika_url(settings.bus_url),
                           "--exchange", settings.exchange, *args], timeout=30, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_the_pika_storefront_example_makes_its_order_exactly_once(live):
    sent = run_publisher(live)
    run_publisher(live, "--order-id", sent["storefront_order_id"], "--event-id", sent["event_id"])  # a resend
    run_publisher(live, "--order-id", sent["storefront_order_id"])  # the same order under a new event id

    assert consume_until(live.runtime, lambda: scalar(live, "select count(*) from inbox") == 2 and queue_empty(live))

    found = live.get(f"/orders?storefront_order_id={sent['storefront_order_id']}", **OPS).json["items"]
    assert len(found) == 1
    assert (found[0]["origin"], found[0]["total_amount"], found[0]["currency"]) == ("storefront", "222.60", "CNY")
    [created] = live.published("orders.order.created")
    assert created["data"]["storefront_order_id"] == sent["storefront_order_id"]
    # the worker continued the storefront's trace into the order's event
    headers = json.loads(scalar(live, "select trace_headers from outbox where event_id = :id", id=created["id"]))
    assert headers["traceparent"].split("-")[1] == sent["traceparent"].split("-")[1]


def test_the_storefront_recipe_publishes_then_checks_its_order_on_the_api(live):
    """`storefront_publisher.py --check`: the pika instrumentation writes the trace header,
    then the script waits on GET /orders until its order exists."""
    settings = live.runtime.settings
    token = live.token(OPS["role"], OPS["user"], team=OPS.get("team"), region=OPS.get("region"))
    with serve(live.app) as orders_url:
        child = subprocess.Popen([sys.executable, str(PUBLISHER), "--url", pika_url(settings.bus_url),
                                  "--exchange", settings.exchange, "--check", orders_url, "--token", token,
                                  "--wait", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert consume_until(live.runtime, lambda: scalar(live, "select count(*) from inbox") == 1, timeout=30)
        out, err = child.communicate(timeout=40)
    assert child.returncode == 0, err[-2000:]
    result = json.loads(out)
    [order] = live.get(f"/orders?storefront_order_id={result['storefront_order_id']}", **OPS).json["items"]
    assert (result["order_id"], result["status"]) == (order["id"], order["status"])
    # The header the instrumentation wrote carries the script's trace into the order's event.
    [created] = live.published("orders.order.created")
    headers = json.loads(scalar(live, "select trace_headers from outbox where event_id = :id", id=created["id"]))
    assert headers["traceparent"].split("-")[1] == result["traceparent"].split("-")[1]


def test_an_invalid_storefront_order_is_parked_with_its_reason_then_fixed_and_replayed(live):
    good = storefront_order()
    bad = {**good, "items": [{"sku": "TEA-01", "name": "Longjing 250 g", "qty": "-2", "unit_price": "88.80"}]}
    event = live.envelope("storefront.order.placed", bad, source="/storefront")
    publish_raw(live.runtime, "storefront.order.placed", event)

    assert consume_until(live.runtime, lambda: len(dead_letters(live.runtime)) == 1)

    [letter] = dead_letters(live.runtime)
    assert letter.event_id == event.id and letter.routing_key == "storefront.order.placed"
    assert letter.reason == ("invalid storefront.order.placed data: "
                             "{'items.0.qty': ['must be greater than 0']}")
    assert orders_for(live, storefront_order_id=good["storefront_order_id"]) == 0

    fixed = {**bad, "items": [{"sku": "TEA-01", "name": "Longjing 250 g", "qty": "2", "unit_price": "88.80"}]}
    assert DeadLetterQueue(live.runtime.bus).replay(Selection(event_id=event.id), fixed_data=fixed).count == 1

    assert consume_until(live.runtime, lambda: orders_for(live, storefront_order_id=good["storefront_order_id"]) == 1)
    assert dead_letters(live.runtime) == []
    [created] = live.published("orders.order.created")
    assert created["data"]["total_amount"] == "177.60"  # 2 × 88.80


def test_delivery_publishes_orders_order_delivered_with_the_trace_of_the_delivery_request(live):
    order_id = live.post("/orders", json=phone_order(), role="rep", user="rep-1").json["id"]
    walk(live, order_id, "shipped")
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    delivered = live.post(f"/orders/{order_id}/deliver", json={},
                          headers={"traceparent": f"00-{trace_id}-b7ad6b7169203331-01"}, **OPS)
    assert delivered.status_code == 200
    bus = live.runtime.bus
    with bus.connect() as connection:  # a stand-in for the service desk's queue
        listener = Queue(f"{bus.queue_name}.listener", bindings=[binding(bus.exchange, routing_key="orders.order.#")],
                         auto_delete=True)(connection.default_channel)
        listener.declare()

        assert publish_outbox(live.runtime) == 5  # created, confirmed, fulfilment_started, shipped, delivered

        messages = []
        while (message := listener.get(no_ack=True)) is not None:
            messages.append(message)
    *_, last = messages
    body = json.loads(last.body)
    assert body["type"] == "orders.order.delivered" and body["data"]["order_id"] == order_id
    assert last.properties["message_id"] == body["id"]
    assert last.headers["traceparent"].split("-")[1] == trace_id
