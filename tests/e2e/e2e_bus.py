"""The test's own parties on the bus — not Salesloop code:

- the storefront, publishing ``storefront.order.placed`` with pika exactly as
  services/orders/examples/storefront_publisher.py does (on the embedded
  default's filesystem transport, which pika cannot speak, with kombu);
- a mailbox, the e-mail/SMS gateway that receives what the services send to
  customers (the survey link travels only in ``service.survey.sent``);
- a broken producer, publishing poison.
"""
from __future__ import annotations

import importlib.util
import json
import secrets
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from kombu import Connection, Exchange, Producer, Queue, binding

from salesloop.messaging.bus import filesystem_connection

EXAMPLE = Path(__file__).resolve().parents[2] / "services" / "orders" / "examples" / "storefront_publisher.py"
STOREFRONT_ORDER_PLACED = "storefront.order.placed"
CLOUDEVENTS_JSON = "application/cloudevents+json"


def _storefront_example():
    spec = importlib.util.spec_from_file_location("storefront_publisher_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def connect(stack) -> Connection:
    """A connection to the stack's real broker (never through a test's proxy)."""
    url = stack.broker_url
    if url.startswith("filesystem://"):
        return filesystem_connection(url)
    return Connection(url, connect_timeout=5)


def exchange(stack) -> Exchange:
    return Exchange(stack.exchange, type="topic", durable=True)


def pika_url(amqp_url: str) -> str:
    """kombu's ``amqp://…//`` spelling of the default vhost is pika's ``/%2F``."""
    parsed = urlparse(amqp_url)
    vhost = parsed.path[1:] if parsed.path not in ("", "/") else "/"
    netloc = parsed.netloc or "guest:guest@localhost:5672"
    return f"{parsed.scheme}://{netloc}/{quote(unquote(vhost), safe='')}"


def new_traceparent() -> str:
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


class Storefront:
    """The web shop: a different team, a different AMQP client."""

    def __init__(self, stack):
        self.stack = stack
        self.example = _storefront_example() if stack.is_amqp else None

    @staticmethod
    def order(storefront_order_id: str, customer_id: str, items: list[dict], **fields) -> dict:
        placed_at = datetime.now(timezone(timedelta(hours=8)))
        return {
            "storefront_order_id": storefront_order_id,
            "customer": {"id": customer_id, "name": "陈晨", "phone": "+86 138 0013 8000", "email": "chen@example.com"},
            "items": items,
            "currency": "CNY",
            "placed_at": placed_at.isoformat(),
            "shipping_address": {"line1": "文三路 90 号", "city": "杭州", "region": "浙江", "postal_code": "310012",
                                 "country": "CN", "recipient": "陈晨"},
            "requested_delivery_date": (placed_at.date() + timedelta(days=40)).isoformat(),
            "payment_terms": "prepaid",
            **fields,
        }

    def cloud_event(self, data: dict, event_id: str | None = None) -> dict:
        placed_at = datetime.fromisoformat(data["placed_at"]) if isinstance(data.get("placed_at"), str) \
            else datetime.now(timezone.utc)
        return {
            "specversion": "1.0", "id": event_id or str(uuid.uuid4()), "source": "/storefront",
            "type": STOREFRONT_ORDER_PLACED, "time": placed_at.isoformat(),
            "subject": str(data.get("storefront_order_id")), "datacontenttype": "application/json",
            "dataschema": f"urn:salesloop:event:{STOREFRONT_ORDER_PLACED}:v1", "data": data,
        }

    def place(self, data: dict, event_id: str | None = None) -> dict:
        """Publish one order; return the CloudEvent sent."""
        event = self.cloud_event(data, event_id)
        traceparent = new_traceparent()
        if self.example is not None:
            # The storefront's own code: pika, publisher confirms, mandatory routing.
            self.example.publish(pika_url(self.stack.broker_url), self.stack.exchange, event, traceparent)
        else:
            publish_raw(self.stack, STOREFRONT_ORDER_PLACED, json.dumps(event, ensure_ascii=False).encode(),
                        headers={"traceparent": traceparent}, message_id=event["id"])
        return event


def publish_raw(stack, routing_key: str, body: bytes, *, headers: dict | None = None,
                content_type: str = CLOUDEVENTS_JSON, message_id: str | None = None) -> None:
    """Publish bytes to the stack's exchange as an outside producer (or a broken one) would."""
    with connect(stack) as connection:
        channel = connection.default_channel
        Producer(channel).publish(body, exchange=exchange(stack), routing_key=routing_key, headers=headers or {},
                                  content_type=content_type, content_encoding="utf-8", delivery_mode=2,
                                  message_id=message_id, declare=[exchange(stack)])


class Mailbox:
    """A queue of the test's own, bound to the events customers would be sent."""

    def __init__(self, stack, routing_keys: list[str]):
        self.stack = stack
        self.queue = Queue(f"{stack.namespace}e2e-mailbox-{uuid.uuid4().hex[:8]}", durable=False,
                           bindings=[binding(exchange(stack), routing_key=key) for key in routing_keys])
        self.routing_keys = routing_keys
        self.received: list[dict] = []
        with connect(stack) as connection:
            self.queue(connection.default_channel).declare()

    def fetch(self) -> list[dict]:
        """Everything that arrived since the last fetch (CloudEvents, decoded), kept in ``received``."""
        with connect(self.stack) as connection:
            bound = self.queue(connection.default_channel)
            while (message := bound.get(no_ack=True, accept=None)) is not None:
                body = message.body
                self.received.append(json.loads(body if isinstance(body, (str, bytes)) else json.dumps(body)))
        return self.received

    def events(self, event_type: str, **data_equal) -> list[dict]:
        self.fetch()
        return [event for event in self.received if event.get("type") == event_type
                and all(event.get("data", {}).get(key) == value for key, value in data_equal.items())]

    def delete(self) -> None:
        if not self.stack.broker_url.startswith("filesystem://"):
            with connect(self.stack) as connection:
                self.queue(connection.default_channel).delete()
