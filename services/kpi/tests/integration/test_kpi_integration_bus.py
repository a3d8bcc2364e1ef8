"""The KPI service against the real RabbitMQ and PostgreSQL (DESIGN.md §4).

- the same event delivered twice counts once;
- a rebuild gives the same figures as the live rollups (events arriving out of order);
- a changed ABC class reaches the leads and service-desk queues;
- a malformed event is parked with its reason while the queue flows on.
"""
import json
import random
from datetime import datetime, timezone

import pytest
from kombu import Queue
from sqlalchemy import func, select

from salesloop.messaging.bus import Bus
from salesloop.testing.broker import (
    cleanup_bus,
    consume_until,
    dead_letters,
    declare_queues,
    publish_outbox,
    publish_raw,
)

from salesloop.testing.identities import DIRECTOR

from kpi.app import create_app
from kpi.bootstrap import spec
from kpi.config import load_config
from kpi.domain import projection as pj
from kpi.models import FactRow
from kpi.commands.rebuild import rebuild
from kpi.repository import stored_totals
from kpi.readers import to_fact
from kpi_client import R1, SHANGHAI, KpiClient, dataset, item, order

pytestmark = pytest.mark.integration


@pytest.fixture
def kpi_live(service_harness, postgres_url, rabbitmq_url, bus_namespace):
    harness = service_harness(spec(), create_app, database_url=postgres_url, bus_url=rabbitmq_url,
                              namespace=bus_namespace, migrate=True, retry_base_seconds=0.05, max_attempts=2)
    declare_queues(harness.runtime)
    yield KpiClient(harness)
    cleanup_bus(harness.runtime)


def facts_in_log(harness) -> int:
    with harness.runtime.database.session() as session:
        return session.execute(select(func.count()).select_from(FactRow)).scalar()


def envelope(harness, event_id, event_type, data):
    return harness.envelope(event_type, data, event_id=event_id, source="/salesloop/test")


def test_the_same_event_delivered_twice_counts_once(kpi_live):
    created = envelope(kpi_live, "dup-1", *order("created", "2026-11-03 10:00", "O1", "C1", R1,
                                                [item("P1", "10000.00", "6000.00")]))
    marker = envelope(kpi_live, "marker", *order("created", "2026-11-04 10:00", "O2", "C2", R1,
                                                [item("P1", "1.00", None)]))
    for message in (created, created, marker):
        publish_raw(kpi_live.runtime, message.type, message)
    assert consume_until(kpi_live.runtime, lambda: facts_in_log(kpi_live) == 2)
    body = kpi_live.get("/kpis?period=2026-11", who=DIRECTOR).get_json()
    assert (body["metrics"]["revenue"]["value"], body["metrics"]["orders"]["value"]) == ("10001.00", "2")


def test_a_rebuild_gives_the_same_figures_as_the_live_rollups(kpi_live):
    events = dataset()
    random.Random(5).shuffle(events)  # out of order, as a broker with retries may deliver them
    for event_id, event_type, data in events:
        publish_raw(kpi_live.runtime, event_type, envelope(kpi_live, event_id, event_type, data))
    assert consume_until(kpi_live.runtime, lambda: facts_in_log(kpi_live) == len(events), timeout=60)
    config = load_config(kpi_live.settings)
    with kpi_live.runtime.database.session() as session:
        live, live_months = stored_totals(session), stored_totals(session, monthly=True)
        result = rebuild(session, config, now=datetime.now(timezone.utc))
        session.commit()
    with kpi_live.runtime.database.session() as session:
        assert stored_totals(session) == live and stored_totals(session, monthly=True) == live_months
    reference = pj.recompute_all([to_fact(t, d, event_id=i, fallback_time=datetime.now(timezone.utc),
                                          company_currency="CNY") for i, t, d in dataset()], SHANGHAI, "CNY")
    assert live == reference and result.rows == len(reference)
    body = kpi_live.get("/kpis?period=2026-11", who=DIRECTOR).get_json()
    assert (body["metrics"]["revenue"]["value"], body["metrics"]["new_customers"]["value"]) == ("34423.40", "2")


def test_a_changed_abc_class_reaches_the_leads_and_service_desk_queues(kpi_live):
    listeners = {name: Bus(kpi_live.settings.with_overrides(service=name)) for name in ("leads", "service-desk")}
    with kpi_live.runtime.bus.connect() as connection:
        for bus in listeners.values():
            bus.declare(connection, ["kpi.customer.classified"])
    try:
        kpi_live.deliver(*order("created", "2026-11-03 10:00", "O1", "C1", R1, [item("P1", "900.00", None)]))
        kpi_live.deliver(*order("created", "2026-11-04 10:00", "O2", "C2", R1, [item("P1", "100.00", None)]))
        kpi_live.run_sweep("abc-classification", datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc))
        assert publish_outbox(kpi_live.runtime) == 2
        for name, bus in listeners.items():
            received = _drain(kpi_live, bus)
            # C1 900 starts at 0 % → A; C2 100 starts at 90 % of 1 000 → B.
            assert sorted((e["data"]["customer_id"], e["data"]["abc_class"]) for e in received) == [
                ("C1", "A"), ("C2", "B")], name
            assert received[0]["type"] == "kpi.customer.classified" and received[0]["source"] == "/salesloop/kpi"
    finally:
        with kpi_live.runtime.bus.connect() as connection:
            for bus in listeners.values():
                bus.delete_all(connection)


def _drain(harness, bus) -> list[dict]:
    messages = []
    with harness.runtime.bus.connect() as connection:
        queue = Queue(bus.queue_name, channel=connection.default_channel)
        while (message := queue.get(no_ack=True, accept=None)) is not None:
            messages.append(json.loads(message.body))
    return messages


def test_a_malformed_event_is_parked_with_its_reason_and_the_queue_flows(kpi_live):
    bad = envelope(kpi_live, "bad-1", "orders.order.created", {"order_id": "O9", "currency": "USD",
                                                               "total_amount": "5.00"})
    good = envelope(kpi_live, "good-1", *order("created", "2026-11-03 10:00", "O1", "C1", R1,
                                              [item("P1", "10.00", None)]))
    publish_raw(kpi_live.runtime, bad.type, bad)
    publish_raw(kpi_live.runtime, good.type, good)
    assert consume_until(kpi_live.runtime, lambda: facts_in_log(kpi_live) == 1 and dead_letters(kpi_live.runtime))
    [letter] = dead_letters(kpi_live.runtime)
    assert letter.event_id == "bad-1"
    assert letter.reason == "unreadable orders.order.created: a USD amount needs fx_rate to CNY"


def test_competing_workers_on_one_database_count_every_event_once(service_harness, postgres_url):
    """Four consumers at once (as with competing workers on one queue): entity locks keep the
    counters of an order, a ticket or a customer from being summed apart."""
    from concurrent.futures import ThreadPoolExecutor

    harness = service_harness(spec(), create_app, database_url=postgres_url, migrate=True)
    events = dataset() + dataset()[:10]  # ten redeliveries among them
    random.Random(9).shuffle(events)

    def deliver(event):
        for _ in range(5):  # a lost race on a new counter row is retried, as the worker would
            try:
                return harness.deliver(event[1], event[2], event_id=event[0]).value
            except Exception:  # noqa: BLE001 - IntegrityError or deadlock: the worker retries
                continue
        raise AssertionError(f"{event[0]} never went through")

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(deliver, events))
    assert outcomes.count("handled") == len(dataset()) and outcomes.count("duplicate") == 10
    reference = pj.recompute_all([to_fact(t, d, event_id=i, fallback_time=datetime.now(timezone.utc),
                                          company_currency="CNY") for i, t, d in dataset()], SHANGHAI, "CNY")
    with harness.runtime.database.session() as session:
        assert stored_totals(session) == reference
