"""Poison of every kind, published as a broken outside producer would. Each
message carries its tag in its body, so its dead letter can be found even when
it has no id or is not JSON at all."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from e2e_bus import STOREFRONT_ORDER_PLACED, Storefront, publish_raw

OVERSIZED = 1024 * 1024 + 4096  # just over the consumers' 1 MiB body limit


@dataclass(frozen=True)
class Poison:
    kind: str
    tag: str
    routing_key: str
    body: bytes
    storefront_order_id: str | None = None  # set for the kind an operator can fix and replay


def _bad_order(storefront: Storefront, tag: str) -> dict:
    """A storefront order no consumer can accept: a negative quantity, no currency."""
    return storefront.order(f"SF-{tag}", f"poison-{tag}",
                            [{"sku": "TEA-01", "name": "Longjing", "qty": "-2", "unit_price": "88.80"}],
                            currency=None)


def _envelope(storefront: Storefront, tag: str, **changes) -> dict:
    event = storefront.cloud_event(storefront.order(f"SF-{tag}", f"poison-{tag}", good_items(tag)), tag)
    event.update(changes)
    return {key: value for key, value in event.items() if value is not None}


def good_items(tag: str) -> list[dict]:
    return [{"sku": f"TEA-{tag[:12]}", "name": "Longjing 250 g", "qty": "1", "unit_price": "88.80"}]


def _encoded(event: dict) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode()


def make(kind: str, storefront: Storefront) -> Poison:
    tag = f"poison-{kind}-{uuid.uuid4().hex[:10]}"
    if kind == "unknown-type":  # a key only the KPI service's "#" binding takes, a type no one handles
        return Poison(kind, tag, "storefront.order.voided", _encoded(_envelope(storefront, tag,
                                                                               type="storefront.order.voided")))
    if kind == "type-mismatch":
        return Poison(kind, tag, STOREFRONT_ORDER_PLACED, _encoded(_envelope(storefront, tag,
                                                                             type="deals.contract.signed")))
    if kind == "missing-id":
        return Poison(kind, tag, STOREFRONT_ORDER_PLACED, _encoded(_envelope(storefront, tag, id=None)))
    if kind == "oversized-id":
        return Poison(kind, tag, STOREFRONT_ORDER_PLACED, _encoded(_envelope(storefront, tag, id=tag + "x" * 200)))
    if kind == "wrong-schema":
        bad = _bad_order(storefront, tag)
        return Poison(kind, tag, STOREFRONT_ORDER_PLACED, _encoded(storefront.cloud_event(bad, tag)),
                      storefront_order_id=bad["storefront_order_id"])
    if kind == "non-json":
        return Poison(kind, tag, STOREFRONT_ORDER_PLACED, f"<order id={tag}> not JSON {{".encode())
    if kind == "oversized-body":
        event = _envelope(storefront, tag)
        event["data"]["note"] = "y" * OVERSIZED
        return Poison(kind, tag, STOREFRONT_ORDER_PLACED, _encoded(event))
    raise ValueError(f"no poison of kind {kind!r}")


KINDS = ("unknown-type", "type-mismatch", "missing-id", "oversized-id", "wrong-schema", "non-json",
         "oversized-body")


def batch(count: int, storefront: Storefront) -> list[Poison]:
    """``count`` messages, every kind at least once, the kinds taken in turn."""
    return [make(KINDS[n % len(KINDS)], storefront) for n in range(max(count, len(KINDS)))]


def publish(stack, poison: Poison) -> None:
    publish_raw(stack, poison.routing_key, poison.body, message_id=None)
