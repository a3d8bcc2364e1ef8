"""Faults in the running loop, on PostgreSQL + RabbitMQ (DESIGN.md §4):

- the broker cut and restored mid-loop: nothing lost, nothing doubled;
- the orders worker killed with SIGKILL while contracts and storefront orders
  are queued, and restarted: nothing lost, nothing doubled;
- poison on a service's queue: parked in its dead-letter queue with the reason,
  and the messages behind it go through.

The broker "goes away" for the services only: they reach RabbitMQ through a
TCP proxy that is cut (every connection closed, new ones refused) and
restored; the shared RabbitMQ itself keeps running for other test runs.
"""
from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
import requests

from e2e_bus import Mailbox, Storefront, publish_raw
from e2e_client import items
from e2e_journey import (
    capture_lead,
    deal_ready_to_sign,
    facts,
    hire_rep,
    log_call,
    new_people,
    orders_where,
    qualify_and_convert,
    sign,
    surveys_of_order,
    wait,
    wait_for_deal,
    wait_for_order,
)
from stack import PG_RABBITMQ

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("stack", [PG_RABBITMQ], indirect=True)]

RECOVERY_TIMEOUT = 60.0  # reconnection back-off (relay ≤ 10 s) plus the queued work


def tea(people, n: int) -> list[dict]:
    return [{"sku": f"TEA-{people.tag}", "name": "Longjing 250 g", "qty": str(n), "unit_price": "88.80"}]


def ready(stack, service: str) -> int:
    return requests.get(f"{stack.url(service)}/readyz", timeout=10).status_code


def test_the_broker_cut_mid_loop_loses_nothing_and_doubles_nothing(stack, request):
    people = new_people(stack)
    hire_rep(people)
    mailbox = Mailbox(stack, ["service.survey.sent"])
    deal = deal_ready_to_sign(people)
    storefront = Storefront(stack)
    shop_order = storefront.order(f"SF-{people.tag}", f"shopper-{people.tag}", tea(people, 2))  # 177.60
    storefront.place(shop_order)
    shop = wait_for_order(people, storefront_order_id=shop_order["storefront_order_id"])
    people.ops.post("orders", f"/orders/{shop['id']}/confirm")
    second_lead = capture_lead(people)
    log_call(people, second_lead["id"])

    stack.proxy.cut()
    request.addfinalizer(stack.proxy.restore)  # whatever happens below, the next test gets its broker
    try:
        # The broker is gone for every service process; the APIs keep taking work.
        assert wait(stack, lambda: ready(stack, "deals") == 503, "deals /readyz to report the broker down")
        contract = sign(people, deal["id"])
        assert contract["status"] == "signed"
        for stage in ("purchasing", "production", "packing"):
            people.ops.post("orders", f"/orders/{shop['id']}/plan/stages/{stage}/complete")
        people.ops.post("orders", f"/orders/{shop['id']}/ship", {"carrier": "SF Express", "tracking_number": "SF99"})
        assert people.ops.post("orders", f"/orders/{shop['id']}/deliver")["status"] == "delivered"
        conversion = qualify_and_convert(people, second_lead["id"], expected_amount="5000")
        time.sleep(1)
        # Nothing crossed: the changes wait in their services' outboxes.
        assert orders_where(people, contract_id=contract["id"]) == []
        assert surveys_of_order(people, shop["id"]) == []
        assert items(people.rep.get("deals", "/deals", params={"lead_id": second_lead["id"]})) == []
    finally:
        stack.proxy.restore()

    # Everything arrives, once.
    order = wait_for_order(people, contract_id=contract["id"])
    assert (order["total_amount"], order["rep_id"]) == ("3600.00", people.rep_id)
    [survey] = wait(stack, lambda: surveys_of_order(people, shop["id"]), "the storefront order's survey",
                    timeout=RECOVERY_TIMEOUT)
    second_deal = wait_for_deal(people, second_lead["id"])
    assert (second_deal["customer_id"], second_deal["amount"]) == (conversion["customer_id"], "5000.00")
    wait(stack, lambda: len(facts(people, event_type="service.survey.sent", order_id=shop["id"])) == 1,
         "the KPIs to record the survey", timeout=RECOVERY_TIMEOUT)
    assert wait(stack, lambda: ready(stack, "deals") == 200, "deals /readyz to see the broker again")

    time.sleep(2)  # a duplicate (a publish retried after its confirm was lost) would land now
    assert len(orders_where(people, contract_id=contract["id"])) == 1
    assert len(surveys_of_order(people, shop["id"])) == 1
    assert len(items(people.rep.get("deals", "/deals", params={"lead_id": second_lead["id"]}))) == 1
    assert len(mailbox.events("service.survey.sent", order_id=shop["id"])) >= 1  # at least once on the bus…
    for event_type, key in (("deals.contract.signed", {"deal_id": deal["id"]}),
                            ("orders.order.created", {"order_id": order["id"]}),
                            ("orders.order.delivered", {"order_id": shop["id"]}),
                            ("service.survey.sent", {"order_id": shop["id"]}),
                            ("leads.lead.converted", {"lead_id": second_lead["id"]})):
        recorded = facts(people, event_type=event_type, **key)
        assert len(recorded) == 1, f"{event_type} {key} recorded {len(recorded)} times in the KPI fact log"
    mailbox.delete()


def test_the_orders_worker_killed_mid_stream_loses_nothing_and_doubles_nothing(stack, request):
    people = new_people(stack)
    hire_rep(people)
    deals = [deal_ready_to_sign(people) for _ in range(2)]
    storefront = Storefront(stack)
    shop_ids = [f"SF-{people.tag}-{n:02d}" for n in range(24)]

    # The worker dies (no ack, no clean-up); work piles up in its queue meanwhile.
    stack.kill("orders", "worker")
    request.addfinalizer(lambda: stack.ensure_running("orders", "worker"))
    contracts = [sign(people, deal["id"]) for deal in deals]
    for n, shop_id in enumerate(shop_ids):
        storefront.place(storefront.order(shop_id, f"shopper-{people.tag}", tea(people, n + 1)))
    queued = len(shop_ids) + len(contracts)
    wait(stack, lambda: stack.ready_messages("orders") >= queued,
         f"{queued} events waiting in the orders queue (the deals relay publishes the contracts)")

    def made() -> int:
        return len(orders_where(people, customer_id=f"shopper-{people.tag}"))

    # Restarted, it gets through a few; killed again mid-stream, with messages taken and not yet acked.
    # Small batches (one commit per two messages, eight prefetched) so the kill lands between commits:
    # with the default batch of 50 the whole backlog is one transaction and nothing is mid-stream.
    stack.start("orders", "worker", env={"CONSUMER_BATCH_SIZE": "2", "CONSUMER_PREFETCH": "8"})
    wait(stack, lambda: made() >= 2, "the restarted worker to make its first orders", every=0.02)
    stack.kill("orders", "worker")
    at_kill = made()
    assert at_kill < len(shop_ids), "the worker finished everything before it could be killed mid-stream"
    stack.start("orders", "worker")
    stack.wait_for_queues(["orders"])

    wait(stack, lambda: made() == len(shop_ids), f"all {len(shop_ids)} storefront orders (had {at_kill} at the kill)",
         timeout=RECOVERY_TIMEOUT)
    for contract in contracts:
        wait_for_order(people, contract_id=contract["id"])
    time.sleep(1.5)  # a doubled order would show now
    shop_orders = orders_where(people, customer_id=f"shopper-{people.tag}")
    assert sorted(o["storefront_order_id"] for o in shop_orders) == shop_ids  # each exactly once
    # Order n has n + 1 packets at 88.80: the orders were not mixed up either.
    assert {o["storefront_order_id"]: o["total_amount"] for o in shop_orders} == {
        shop_id: str(Decimal("88.80") * (n + 1)) for n, shop_id in enumerate(shop_ids)}
    for contract in contracts:
        [order] = orders_where(people, contract_id=contract["id"])
        assert order["total_amount"] == "3600.00"

    def recorded():
        rows = facts(people, event_type="orders.order.created", customer_id=f"shopper-{people.tag}")
        return rows if len(rows) >= len(shop_ids) else None

    created = wait(stack, recorded, f"the KPIs to record the {len(shop_ids)} storefront orders",
                   timeout=RECOVERY_TIMEOUT)
    assert sorted(f["order_id"] for f in created) == sorted(o["id"] for o in shop_orders)
    # Nothing was parked on the way: the kills cost redeliveries, not messages.
    assert [letter for letter in stack.dead_letters("orders")
            if not (letter["event_id"] or "").startswith("poison-")] == []


def test_poison_is_parked_with_its_reason_and_holds_nothing_up(stack):
    people = new_people(stack)
    storefront = Storefront(stack)
    # A storefront order the orders service can never accept (a negative quantity, no currency)…
    bad = storefront.order(f"SF-{people.tag}-bad", f"shopper-{people.tag}",
                           [{"sku": "TEA-01", "name": "Longjing", "qty": "-2", "unit_price": "88.80"}], currency=None)
    storefront.place(bad, event_id=f"poison-data-{people.tag}")
    # …and a message that is not a CloudEvent at all (no specversion, no source), from a broken producer.
    publish_raw(stack, "storefront.order.placed",
                json.dumps({"id": f"poison-envelope-{people.tag}", "type": "storefront.order.placed",
                            "data": "not an order"}).encode())
    # Behind them, a good order.
    good = storefront.order(f"SF-{people.tag}-good", f"shopper-{people.tag}", tea(people, 1))
    storefront.place(good)

    order = wait_for_order(people, storefront_order_id=good["storefront_order_id"])
    assert order["total_amount"] == "88.80"
    assert orders_where(people, storefront_order_id=bad["storefront_order_id"]) == []

    def parked(service: str, event_id: str):
        return [letter for letter in stack.dead_letters(service) if letter["event_id"] == event_id]

    [data_letter] = wait(stack, lambda: parked("orders", f"poison-data-{people.tag}"),
                         "the bad storefront order in the orders dead-letter queue")
    assert data_letter["routing_key"] == "storefront.order.placed"
    assert data_letter["reason"].startswith("invalid storefront.order.placed data:")
    assert "qty" in data_letter["reason"] and "currency" in data_letter["reason"]
    [envelope_letter] = wait(stack, lambda: parked("orders", f"poison-envelope-{people.tag}"),
                             "the malformed envelope in the orders dead-letter queue")
    assert envelope_letter["reason"].startswith("invalid envelope")
    # The KPI service takes every event ("#"): it parks the malformed envelope too, and goes on.
    [kpi_letter] = wait(stack, lambda: parked("kpi", f"poison-envelope-{people.tag}"),
                        "the malformed envelope in the KPI dead-letter queue")
    assert kpi_letter["reason"].startswith("invalid envelope")
    wait(stack, lambda: len(facts(people, event_type="orders.order.created", order_id=order["id"])) == 1,
         "the KPIs to record the good order behind the poison")
    # What operations see with the service's own command line.
    listed = {letter["event_id"]: letter for letter in stack.dead_letters("orders", cli=True)}
    assert listed[f"poison-data-{people.tag}"]["reason"] == data_letter["reason"]
    assert listed[f"poison-envelope-{people.tag}"]["routing_key"] == "storefront.order.placed"
