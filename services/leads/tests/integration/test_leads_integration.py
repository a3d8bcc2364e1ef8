"""The Leads service on the real PostgreSQL and RabbitMQ: its events reach a consumer, its handlers consume.

A stand-in consumer (what the deals and service-desk services are to leads) is
bound to the events leads publishes and keeps each one it receives.
"""
import json
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import EXCLUDE, Schema, fields
from sqlalchemy import JSON, Column, MetaData, String, Table, func, insert, select, update

from leads.app import create_app
from leads.bootstrap import spec
from salesloop.messaging.catalog import EventCatalog, Subscriptions
from salesloop.messaging.tables import add_messaging_tables
from salesloop.service import ServiceSpec
from salesloop.testing.broker import (cleanup_bus, consume_until, dead_letters, declare_queues, publish_outbox,
                                      publish_raw)
from salesloop.web.app import create_service_app

pytestmark = pytest.mark.integration

LISTENED = ("leads.lead.followup_overdue", "leads.lead.converted", "leads.customer.upserted")
REP = {"role": "rep", "user": "rep-1", "team": "team-1", "region": "east"}


class Anything(Schema):
    class Meta:
        unknown = EXCLUDE

    lead_id = fields.String()
    customer_id = fields.String()


def _listener_spec() -> ServiceSpec:
    metadata = MetaData()
    add_messaging_tables(metadata)
    Table("received", metadata, Column("event_id", String(64), primary_key=True), Column("type", String(120)),
          Column("data", JSON))

    def keep(event, uow):
        uow.session.execute(insert(metadata.tables["received"]).values(
            event_id=event.id, type=event.type, data=event.envelope.data))

    def subscriptions(runtime):
        listening = Subscriptions()
        for event_type in LISTENED:
            listening.add(event_type, Anything, keep)
        return listening

    return ServiceSpec(name="leads-listener", package="listener", title="Listener", metadata=metadata,
                       catalog=lambda: EventCatalog("/salesloop/test"), blueprints=lambda: [],
                       subscriptions=subscriptions)


def received(listener, event_type=None) -> list[dict]:
    table = listener.spec.metadata.tables["received"]
    query = select(table.c.type, table.c.data)
    if event_type:
        query = query.where(table.c.type == event_type)
    with listener.runtime.database.session() as session:
        return [{"type": row.type, **row.data} for row in session.execute(query)]


def outbox_count(harness, event_type) -> int:
    outbox = harness.spec.metadata.tables["outbox"]
    with harness.runtime.database.session() as session:
        return session.execute(select(func.count()).select_from(outbox)
                               .where(outbox.c.event_type == event_type)).scalar()


@pytest.fixture
def stack(service_harness, postgres_url, rabbitmq_url, bus_namespace, tmp_path):
    common = {"bus_url": rabbitmq_url, "namespace": bus_namespace, "retry_base_seconds": 0.05, "max_attempts": 2}
    leads = service_harness(spec(), create_app, database_url=postgres_url, migrate=True, **common)
    listener = service_harness(_listener_spec(), lambda runtime: create_service_app(runtime, [], title="Listener"),
                               database_url=f"sqlite:///{tmp_path / 'listener.sqlite3'}", **common)
    declare_queues(leads.runtime)
    declare_queues(listener.runtime)
    try:
        yield leads, listener
    finally:
        cleanup_bus(listener.runtime)
        cleanup_bus(leads.runtime)


def _rep_and_lead(leads):
    assert leads.post("/reps", role="admin", json={"id": "rep-1", "name": "Li", "team": "team-1", "region": "east",
                                                   "capacity": 5}).status_code == 201
    response = leads.post("/leads", role="supervisor", json={
        "company": "深圳市腾飞科技有限公司", "region": "east", "contact": {"name": "王伟", "phone": "13800138000"},
        "needs": "需要报价", "product_lines": ["crm"], "budget": {"amount": "300000", "currency": "CNY"},
        "source": "referral"})
    assert response.status_code == 201, response.json
    return response.json


def test_the_overdue_sweep_runs_in_the_worker_and_its_event_reaches_a_consumer(stack):
    leads, listener = stack
    lead = _rep_and_lead(leads)
    due = datetime.now(timezone.utc) - timedelta(hours=1)
    with leads.runtime.database.session() as session:
        table = leads.spec.metadata.tables["leads"]
        session.execute(update(table).where(table.c.id == lead["id"]).values(followup_due_at=due))
        session.commit()
    # The real worker: it runs its sweeps between (here: in the absence of) messages.
    assert consume_until(leads.runtime, lambda: outbox_count(leads, "leads.lead.followup_overdue") == 1)
    assert publish_outbox(leads.runtime) >= 1
    assert consume_until(listener.runtime, lambda: len(received(listener, "leads.lead.followup_overdue")) == 1)
    [event] = received(listener, "leads.lead.followup_overdue")
    assert event["lead_id"] == lead["id"] and event["rep_id"] == "rep-1" and event["team"] == "team-1"
    assert datetime.fromisoformat(event["followup_due_at"]) == due
    # Swept again: the same deadline is not flagged twice.
    assert consume_until(leads.runtime, lambda: False, timeout=2) is False
    assert outbox_count(leads, "leads.lead.followup_overdue") == 1


def test_the_conversion_event_reaches_the_consumer_with_the_customer(stack):
    leads, listener = stack
    lead = _rep_and_lead(leads)
    path = f"/leads/{lead['id']}"
    assert leads.post(f"{path}/activities", **REP, json={"kind": "visit", "outcome": "interested",
                                                         "next_step": "proposal"}).status_code == 201
    assert leads.post(f"{path}/qualify", **REP, json={}).status_code == 200
    converted = leads.post(f"{path}/convert", **REP, json={"category": "key_account"})
    assert converted.status_code == 200, converted.json
    assert publish_outbox(leads.runtime) == 2  # nobody listens to the others: they stay unsent, never lost
    assert consume_until(listener.runtime, lambda: len(received(listener)) == 2)
    event = received(listener, "leads.lead.converted")[0]
    assert event["lead_id"] == lead["id"] and event["customer_id"] == converted.json["customer_id"]
    assert (event["expected_amount"], event["currency"], event["fx_rate"]) == ("300000.0000", "CNY", "1")
    assert (event["rep_id"], event["team"], event["region"]) == ("rep-1", "team-1", "east")
    customer = received(listener, "leads.customer.upserted")[0]
    assert customer["category"] == "key_account" and customer["contact"]["phone"] == "+8613800138000"


def test_deal_and_class_events_from_the_broker_are_applied_once_and_bad_ones_parked(stack):
    leads, listener = stack
    customer = leads.post("/customers", role="admin", json={"name": "华联", "contacts": [
        {"name": "李娜", "email": "li@hualian.com"}]}).json
    won = leads.envelope("deals.deal.won", {"deal_id": "d-1", "customer_id": customer["id"], "amount": "50000.00",
                                            "currency": "CNY", "fx_rate": "1", "won_at": "2024-05-01T00:00:00Z"})
    publish_raw(leads.runtime, "deals.deal.won", won)
    publish_raw(leads.runtime, "deals.deal.won", won)  # a redelivery
    publish_raw(leads.runtime, "deals.deal.won", leads.envelope("deals.deal.won", {"deal_id": "d-2"}))
    publish_raw(leads.runtime, "kpi.customer.classified", leads.envelope("kpi.customer.classified", {
        "customer_id": customer["id"], "abc_class": "A", "as_of": "2024-06-30"}))
    inbox = leads.spec.metadata.tables["inbox"]

    def settled():
        with leads.runtime.database.session() as session:
            handled = session.execute(select(func.count()).select_from(inbox)).scalar()
        return handled == 2 and len(dead_letters(leads.runtime)) == 1

    assert consume_until(leads.runtime, settled)
    detail = leads.get(f"/customers/{customer['id']}", role="admin").json
    assert detail["purchase_history"]["won_count"] == 1 and detail["abc_class"] == "A"
    [letter] = dead_letters(leads.runtime)
    assert letter.reason.startswith("invalid deals.deal.won data") and "customer_id" in letter.reason
    upserted = [json.loads(json.dumps(e["data"])) for e in leads.published("leads.customer.upserted")]
    assert [e["abc_class"] for e in upserted] == [None, "A"]
