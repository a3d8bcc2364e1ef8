"""Against the real PostgreSQL and RabbitMQ: one deal per conversion, and the
signing request's trace carried onto deals.contract.signed."""
import json

import pytest
from kombu import Queue
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from deals.app import create_app
from deals.bootstrap import spec
from salesloop.testing.broker import cleanup_bus, consume_until, dead_letters, declare_queues, publish_outbox, publish_raw

pytestmark = pytest.mark.integration

CONVERTED = {
    "lead_id": "lead-77", "customer_id": "cust-77", "customer_name": "宁波海天精工", "rep_id": "rep-1",
    "team": "team-1", "region": "east", "source": "referral", "product_lines": ["MES"], "needs": "traceability",
    "expected_amount": "88000.00", "currency": "CNY", "fx_rate": "1",
    "captured_at": "2025-02-01T01:00:00+00:00", "converted_at": "2025-02-10T01:00:00+00:00",
}


@pytest.fixture
def deals(service_harness, postgres_url, rabbitmq_url, bus_namespace):
    harness = service_harness(spec(), create_app, database_url=postgres_url, bus_url=rabbitmq_url,
                              namespace=bus_namespace, migrate=True, retry_base_seconds=0.05, max_attempts=3)
    declare_queues(harness.runtime)
    yield harness
    cleanup_bus(harness.runtime)


def count(harness, table):
    from sqlalchemy import func, select

    with harness.runtime.database.session() as session:
        return session.execute(select(func.count()).select_from(harness.spec.metadata.tables[table])).scalar()


def test_a_conversion_delivered_twice_opens_one_deal(deals):
    envelope = deals.envelope("leads.lead.converted", CONVERTED, source="/salesloop/leads")
    republished = deals.envelope("leads.lead.converted", CONVERTED, source="/salesloop/leads")  # a new id
    for body in (envelope, envelope, republished):
        publish_raw(deals.runtime, "leads.lead.converted", body)
    assert consume_until(deals.runtime, lambda: count(deals, "inbox") == 2)
    assert count(deals, "deals") == 1
    [opened] = deals.published("deals.deal.opened")
    assert opened["data"]["lead_id"] == "lead-77" and opened["data"]["amount"] == "88000.00"
    assert dead_letters(deals.runtime) == []


def test_a_malformed_conversion_is_parked_and_the_queue_keeps_flowing(deals):
    publish_raw(deals.runtime, "leads.lead.converted",
                deals.envelope("leads.lead.converted", {**CONVERTED, "rep_id": None}))
    publish_raw(deals.runtime, "leads.lead.converted", deals.envelope("leads.lead.converted", CONVERTED))
    assert consume_until(deals.runtime, lambda: count(deals, "deals") == 1 and len(dead_letters(deals.runtime)) == 1)
    [letter] = dead_letters(deals.runtime)
    assert letter.reason.startswith("invalid leads.lead.converted data") and "rep_id" in letter.reason


@pytest.fixture
def spans():
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        pytest.skip("the OpenTelemetry SDK is disabled in this process")
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


@pytest.fixture
def probe(deals, bus_namespace):
    """A queue standing in for the orders service: bound to everything deals publishes."""
    queue = Queue(f"{bus_namespace}orders-probe", exchange=deals.runtime.bus.exchange, routing_key="deals.#",
                  durable=True)
    with deals.runtime.bus.connect() as connection:
        queue(connection.default_channel).declare()
    yield queue
    with deals.runtime.bus.connect() as connection:
        connection.default_channel.queue_delete(queue.name)


def drain(harness, queue) -> list:
    messages = []
    with harness.runtime.bus.connect() as connection:
        bound = queue(connection.default_channel)
        while (message := bound.get(no_ack=True)) is not None:
            messages.append((json.loads(message.body), dict(message.headers or {})))
    return messages


def ready_to_sign(harness) -> str:
    rep = {"role": "rep", "user": "rep-1", "team": "team-1", "region": "east"}
    manager = {"role": "manager", "user": "mgr-1", "team": "team-9", "region": "east"}
    deal = harness.post("/deals", json={"customer_id": "cust-77", "customer_name": "宁波海天精工", "amount": "1000",
                                        "currency": "CNY", "expected_close_date": "2031-01-31"}, **rep).json["id"]
    steps = [
        (f"/deals/{deal}/proposals", rep, {"valid_until": "2031-01-01", "items": [
            {"product_code": "MES", "quantity": "2", "unit_price": "450.00", "discount_pct": "5", "tax_rate_pct": "13"}]}),
        (f"/deals/{deal}/proposals/1/send", rep, None),
        (f"/deals/{deal}/proposals/1/accept", rep, None),
        (f"/deals/{deal}/contract", rep, {"delivery_terms": "DAP Ningbo", "payment_terms": "net 30",
                                          "delivery_date": "2031-02-01", "delivery_address": "宁波市北仑区"}),
        (f"/deals/{deal}/contract/submit", rep, None),
        (f"/deals/{deal}/contract/approve", manager, None),
    ]
    for path, who, body in steps:
        response = harness.post(path, json=body, **who) if body else harness.post(path, **who)
        assert response.status_code in (200, 201), response.json
    return deal


def test_signing_publishes_one_contract_signed_that_continues_the_requests_trace(deals, spans, probe):
    deal = ready_to_sign(deals)
    spans.clear()
    signed = deals.post(f"/deals/{deal}/contract/sign", json={"signatory": "李强"},
                        role="rep", user="rep-1", team="team-1", region="east")
    assert signed.status_code == 200, signed.json
    [request_span] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert deals.post(f"/deals/{deal}/contract/sign", json={"signatory": "李强"},
                      role="rep", user="rep-1", team="team-1", region="east").status_code == 409
    publish_outbox(deals.runtime)

    messages = drain(deals, probe)
    contracts = [(body, headers) for body, headers in messages if body["type"] == "deals.contract.signed"]
    assert len(contracts) == 1
    body, headers = contracts[0]
    assert body["data"]["contract_id"] == signed.json["id"] and body["data"]["total_amount"] == "966.15"
    trace_id = format(request_span.context.trace_id, "032x")
    assert headers["traceparent"].split("-")[1] == trace_id
    [producer] = [s for s in spans.get_finished_spans()
                  if s.kind is SpanKind.PRODUCER and s.attributes.get("cloudevents.event_id") == body["id"]]
    assert producer.context.trace_id == request_span.context.trace_id
    assert producer.parent.span_id == request_span.context.span_id
    assert headers["traceparent"].split("-")[2] == format(producer.context.span_id, "016x")
    with deals.runtime.database.session() as session:
        from sqlalchemy import text

        unsent = session.execute(text("select count(*) from outbox where sent_at is null")).scalar()
    assert unsent == 0
