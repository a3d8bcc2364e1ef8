"""On the real PostgreSQL and RabbitMQ: one survey per delivered order however often the
event comes, and an answered survey reaches the KPI service's queue."""
import json

import pytest
from sqlalchemy import text

from salesloop.config import load_settings
from salesloop.messaging.bus import Bus
from salesloop.testing.broker import cleanup_bus, consume_until, declare_queues, publish_outbox, publish_raw
from service_desk.app import create_app
from service_desk.bootstrap import spec
from service_desk_client import delivered_order

pytestmark = pytest.mark.integration

DELIVERED = delivered_order(order_id="O-777", order_number="SO-777")


@pytest.fixture
def desk(service_harness, postgres_url, rabbitmq_url, bus_namespace):
    harness = service_harness(spec(), create_app, database_url=postgres_url, bus_url=rabbitmq_url,
                              namespace=bus_namespace, migrate=True, retry_base_seconds=0.05, max_attempts=3,
                              extra={"survey_url": "https://desk.test/surveys"})
    declare_queues(harness.runtime)
    yield harness
    cleanup_bus(harness.runtime)


@pytest.fixture
def kpi_queue(desk, rabbitmq_url, bus_namespace):
    """The KPI service's queue as the KPI service declares it: bound to every event."""
    bus = Bus(load_settings("kpi", bus_url=rabbitmq_url, bus_namespace=bus_namespace))
    with bus.connect() as connection:
        bus.declare(connection, ["#"])
    yield bus
    with bus.connect() as connection:
        bus.delete_all(connection)


def scalar(harness, sql):
    with harness.runtime.database.session() as session:
        return session.execute(text(sql)).scalar()


def test_a_delivered_order_yields_one_survey_even_when_delivered_twice(desk):
    envelope = desk.envelope("orders.order.delivered", DELIVERED, source="/salesloop/orders")
    publish_raw(desk.runtime, "orders.order.delivered", envelope)
    publish_raw(desk.runtime, "orders.order.delivered", envelope)  # the same event again
    retry = desk.envelope("orders.order.delivered", DELIVERED, source="/salesloop/orders")
    publish_raw(desk.runtime, "orders.order.delivered", retry)  # a producer's retry under a new id
    assert consume_until(desk.runtime, lambda: scalar(desk, "select count(*) from inbox") == 2, timeout=20)
    assert scalar(desk, "select count(*) from surveys where order_id = 'O-777'") == 1
    assert len(desk.published("service.survey.sent")) == 1
    assert scalar(desk, "select count(*) from outbox") == 1


def test_an_answered_survey_reaches_the_kpi_queue(desk, kpi_queue):
    publish_raw(desk.runtime, "orders.order.delivered",
                desk.envelope("orders.order.delivered", DELIVERED, source="/salesloop/orders"))
    assert consume_until(desk.runtime, lambda: scalar(desk, "select count(*) from surveys") == 1, timeout=20)
    token = desk.published("service.survey.sent")[0]["data"]["answer_url"].rsplit("/", 1)[1]
    answered = desk.post(f"/surveys/{token}", json={"csat": 5, "nps": 10, "comment": "非常满意"}, role=None)
    assert answered.status_code == 200, answered.json
    assert publish_outbox(desk.runtime) == 2  # survey.sent and survey.answered
    with kpi_queue.connect() as connection:
        queue = kpi_queue.service_queue(["#"])(connection.default_channel)
        messages = []
        while (message := queue.get(no_ack=True, accept=None)) is not None:
            messages.append(json.loads(message.body))
    by_type = {m["type"]: m for m in messages}
    # KPI takes every event: the order event this test published too, and ours.
    assert set(by_type) == {"orders.order.delivered", "service.survey.sent", "service.survey.answered"}
    answer = by_type["service.survey.answered"]
    assert answer["source"] == "/salesloop/service-desk"
    assert answer["dataschema"] == "urn:salesloop:event:service.survey.answered:v1"
    assert {k: answer["data"][k] for k in ("order_id", "customer_id", "rep_id", "csat", "nps", "comment")} == {
        "order_id": "O-777", "customer_id": "C-7", "rep_id": "rep-3", "csat": 5, "nps": 10, "comment": "非常满意"}
    assert scalar(desk, "select count(*) from outbox where sent_at is null") == 0


def test_a_malformed_delivery_is_parked_and_the_queue_flows(desk):
    from salesloop.testing.broker import dead_letters

    publish_raw(desk.runtime, "orders.order.delivered",
                desk.envelope("orders.order.delivered", {"customer_id": "C-7"}))
    publish_raw(desk.runtime, "orders.order.delivered", desk.envelope("orders.order.delivered", DELIVERED))
    assert consume_until(desk.runtime, lambda: scalar(desk, "select count(*) from surveys") == 1, timeout=20)
    [letter] = dead_letters(desk.runtime)
    assert letter.reason.startswith("invalid orders.order.delivered data") and "order_id" in letter.reason
