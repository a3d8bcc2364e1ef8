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
"""
from __future__ import annotations

import argparse
import json
import secrets
import sys
import uuid
from datetime import date, datetime, timedelta, timezone

import pika
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


def new_traceparent() -> str:
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def publish(url: str, exchange: str, event: dict, traceparent: str) -> None:
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
            headers={"traceparent": traceparent},
        )
        channel.basic_publish(exchange, EVENT_TYPE, json.dumps(event, ensure_ascii=False).encode("utf-8"),
                              properties, mandatory=True)
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="amqp://guest:guest@localhost:5672/%2F")
    parser.add_argument("--exchange", default="salesloop.events")
    parser.add_argument("--order-id", default=None, help="storefront order id (default: a new one)")
    parser.add_argument("--event-id", default=None, help="CloudEvent id (default: a new one; reuse it to resend)")
    parser.add_argument("--currency", default="CNY")
    args = parser.parse_args(argv)

    placed_at = datetime.now(timezone.utc).astimezone(timezone(timedelta(hours=8)))
    storefront_order_id = args.order_id or f"SF-{date.today():%Y%m%d}-{secrets.token_hex(4).upper()}"
    event = cloud_event(order(storefront_order_id, args.currency, placed_at), args.event_id or str(uuid.uuid4()),
                        placed_at)
    traceparent = new_traceparent()
    try:
        publish(args.url, args.exchange, event, traceparent)
    except UnroutableError:
        print("no queue is bound to storefront.order.placed: is the orders worker running?", file=sys.stderr)
        return 2
    except NackError:
        print("the broker refused the message; send it again (the same order id makes one order)", file=sys.stderr)
        return 3
    print(json.dumps({"event_id": event["id"], "storefront_order_id": storefront_order_id,
                      "traceparent": traceparent}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
