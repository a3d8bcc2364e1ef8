#!/usr/bin/env python3
"""Publish one ``storefront.order.placed`` to Salesloop, as the storefront does.

This is not Salesloop code: it uses pika (not the platform's kombu) and only
what the storefront contract documents —

  exchange      salesloop.events (topic, durable; it belongs to the platform: declared passively)
  routing key   storefront.order.placed
  body          a CloudEvent 1.0 in structured JSON mode, the order in ``data``;
                decimals as strings, times RFC 3339 with an offset
  properties    content_type application/cloudevents+json, delivery_mode 2 (persistent),
                message_id = the CloudEvent id (the same id is processed once),
                headers.traceparent = W3C trace context
  publishing    mandatory, with publisher confirms: a message no queue takes is an error

Each storefront_order_id makes exactly one order, so re-sending an order after a
lost confirm is safe. An order the platform cannot accept is parked in its
dead-letter queue with the field-level reason.

    pip install pika
    python storefront_publisher.py --url amqp://guest:guest@localhost:5672/%2F --order-id SF-2025-000123

It prints the event id, order id and traceparent it sent as one JSON line.

The trace header comes from OpenTelemetry: ``opentelemetry-instrumentation-pika``
wraps the publish in a PRODUCER span and injects its W3C ``traceparent`` into the
message headers, so the order, its events and the KPI update continue the
storefront's own trace. Spans go where the standard ``OTEL_*`` variables say
(``OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:6006`` for `make traces`).

Publish, then check — the order exists exactly once, however often it was sent:

    pip install pika opentelemetry-sdk opentelemetry-instrumentation-pika opentelemetry-exporter-otlp-proto-http
    TOKEN=$(make -s token ROLE=ops)
    python storefront_publisher.py --url amqp://guest:guest@localhost:5672/%2F \
        --check http://127.0.0.1:8003 --token "$TOKEN"

``--check`` polls the orders API until the order appears (exit 4 if it does not
within ``--wait`` seconds) and adds its order id and status to the JSON line.
On a stack with ``BUS_NAMESPACE=acme.`` pass ``--exchange acme.salesloop.events``.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone

import pika
import requests
from opentelemetry import trace
from opentelemetry.instrumentation.pika import PikaInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from pika.exceptions import NackError, UnroutableError

EVENT_TYPE = "storefront.order.placed"
SOURCE = "/storefront"


def order(storefront_order_id: str, currency: str, placed_at: datetime) -> dict:
    """The order as the contract describes it (the ``data`` of the CloudEvent)."""
    return {
        "storefront_order_id": storefront_order_id,
        "customer": {"id": "shopper-88", "name": "陈晨", "phone": "+86 138 0013 8000", "email": "chen@example.com"},
        "items": [
            {"sku": "TEA-01", "name": "Longjing 250 g", "qty": "2", "unit_price": "88.80"},
            {"sku": "CUP-06", "name": "Cups (6)", "qty": "1", "unit_price": "45.00"},
        ],
        "currency": currency,
        "placed_at": placed_at.isoformat(),
        "shipping_address": {"line1": "文三路 90 号", "city": "杭州", "region": "浙江", "postal_code": "310012",
                             "country": "CN", "recipient": "陈晨"},
        "requested_delivery_date": (placed_at.date() + timedelta(days=10)).isoformat(),
        "payment_terms": "prepaid",
    }


def cloud_event(data: dict, event_id: str, placed_at: datetime) -> dict:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": SOURCE,
        "type": EVENT_TYPE,
        "time": placed_at.isoformat(),
        "subject": data["storefront_order_id"],
        "datacontenttype": "application/json",
        "dataschema": f"urn:salesloop:event:{EVENT_TYPE}:v1",
        "data": data,
    }


def publish(url: str, exchange: str, event: dict, traceparent: str | None = None) -> None:
    """Publish one event. Without ``traceparent`` the pika instrumentation writes the header."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()  # basic_publish now waits for the broker's ack
        channel.exchange_declare(exchange, exchange_type="topic", durable=True, passive=True)
        properties = pika.BasicProperties(
            content_type="application/cloudevents+json",
            content_encoding="utf-8",
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=event["id"],
            type=EVENT_TYPE,
            app_id="storefront",
            timestamp=int(datetime.now(timezone.utc).timestamp()),
            headers={"traceparent": traceparent} if traceparent else {},
        )
        channel.basic_publish(exchange, EVENT_TYPE, json.dumps(event, ensure_ascii=False).encode("utf-8"),
                              properties, mandatory=True)
    finally:
        connection.close()


def start_tracing() -> TracerProvider:
    """The SDK from the OTEL_* variables; spans exported only when an endpoint is set."""
    provider = TracerProvider()
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    PikaInstrumentor().instrument()
    return provider


def current_traceparent() -> str:
    context = trace.get_current_span().get_span_context()
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


def check(orders_url: str, token: str, storefront_order_id: str, wait_seconds: float) -> dict | None:
    """The order the platform made of it, once it exists (None if it does not in time)."""
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        answer = requests.get(f"{orders_url.rstrip('/')}/orders", params={"storefront_order_id": storefront_order_id},
                              headers={"Authorization": f"Bearer {token}"}, timeout=10)
        answer.raise_for_status()
        body = answer.json()
        found = body["items"] if isinstance(body, dict) else body
        if found:
            return found[0]
        time.sleep(0.5)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="amqp://guest:guest@localhost:5672/%2F")
    parser.add_argument("--exchange", default="salesloop.events")
    parser.add_argument("--order-id", default=None, help="storefront order id (default: a new one)")
    parser.add_argument("--event-id", default=None, help="CloudEvent id (default: a new one; reuse it to resend)")
    parser.add_argument("--currency", default="CNY")
    parser.add_argument("--check", metavar="ORDERS_URL", help="then wait for the order on the orders API")
    parser.add_argument("--token", default=os.environ.get("TOKEN"), help="bearer token for --check (or $TOKEN)")
    parser.add_argument("--wait", type=float, default=30.0, help="seconds --check waits (default 30)")
    args = parser.parse_args(argv)
    if args.check and not args.token:
        parser.error("--check needs --token (or TOKEN in the environment)")
    provider = start_tracing()

    placed_at = datetime.now(timezone.utc).astimezone(timezone(timedelta(hours=8)))
    storefront_order_id = args.order_id or f"SF-{date.today():%Y%m%d}-{secrets.token_hex(4).upper()}"
    event = cloud_event(order(storefront_order_id, args.currency, placed_at), args.event_id or str(uuid.uuid4()),
                        placed_at)
    tracer = trace.get_tracer("storefront")
    try:
        with tracer.start_as_current_span("storefront checkout", attributes={"storefront.order_id": storefront_order_id}):
            traceparent = current_traceparent()
            publish(args.url, args.exchange, event)  # the instrumentation adds the traceparent header
    except UnroutableError:
        print("no queue is bound to storefront.order.placed: is the orders worker running?", file=sys.stderr)
        return 2
    except NackError:
        print("the broker refused the message; send it again (the same order id makes one order)", file=sys.stderr)
        return 3
    finally:
        provider.shutdown()
    result = {"event_id": event["id"], "storefront_order_id": storefront_order_id, "traceparent": traceparent}
    if args.check:
        made = check(args.check, args.token, storefront_order_id, args.wait)
        if made is None:
            print(json.dumps(result))
            print(f"no order for {storefront_order_id} after {args.wait:.0f} s: is the orders worker running? "
                  "Look in its dead-letter queue (salesloop-orders dlq list).", file=sys.stderr)
            return 4
        result.update(order_id=made["id"], status=made["status"])
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
