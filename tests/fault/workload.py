"""The events, from three kinds of client at once: the storefront (an outside
AMQP publisher, pika), a sales team signing contracts and operations delivering
storefront orders (both over HTTP), with poison mixed into the storefront's stream."""
from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field

import poison
from e2e_bus import Storefront
from e2e_journey import (
    SMALL_ITEMS,
    accepted_proposal,
    approved_contract,
    converted_lead,
    deals_of_lead,
    hire_rep,
    new_people,
    orders_where,
    sign,
    wait,
)

FAULTY_HOP = 120.0  # one hop across the bus while the nemesis is at work: a cut, a kill, a restart


@dataclass
class Sent:
    """What the clients did: the expected side of the reconciliation."""

    storefront_order_ids: list[str] = field(default_factory=list)
    contracts: dict[str, str] = field(default_factory=dict)  # contract id -> deal id
    delivered_order_ids: list[str] = field(default_factory=list)
    poison: list[poison.Poison] = field(default_factory=list)


class Workload:
    def __init__(self, stack, settings, orders_http: threading.Lock, rng: random.Random):
        self.stack, self.settings, self.orders_http, self.rng = stack, settings, orders_http, rng
        self.run_tag = uuid.uuid4().hex[:8]
        self.storefront = Storefront(stack)
        self.people = new_people(stack)
        self.sent = Sent()
        self.errors: list[BaseException] = []

    def storefront_id(self, n: int) -> str:
        return f"SF-{self.run_tag}-{n:05d}"

    # -- the storefront and the broken producer ---------------------------------------------------
    def place_storefront_orders(self) -> None:
        count = self.settings.storefront_orders
        poison_count = round(self.settings.events * self.settings.poison_percent / 100)
        mixed = poison.batch(poison_count, self.storefront)
        poison_at = {self.rng.randrange(count): p for p in mixed}
        spare = [p for p in mixed if p not in poison_at.values()]  # two drew the same slot: they go at the end
        for n in range(count):
            if n in poison_at:
                self._publish_poison(poison_at[n])
            data = self.storefront.order(self.storefront_id(n), f"shopper-{self.run_tag}", poison.good_items(self.run_tag))
            self.storefront.place(data)
            self.sent.storefront_order_ids.append(data["storefront_order_id"])
        for p in spare:
            self._publish_poison(p)

    def _publish_poison(self, p: poison.Poison) -> None:
        poison.publish(self.stack, p)
        self.sent.poison.append(p)

    # -- the sales team ----------------------------------------------------------------------------
    def sign_contracts(self) -> None:
        for _ in range(self.settings.contracts):
            lead, _ = converted_lead(self.people, expected_amount="3600")
            deal = wait(self.stack, lambda lead=lead: wait_for_deal_quietly(self.people, lead["id"]),
                        f"the deal of lead {lead['id']}", timeout=FAULTY_HOP)
            accepted_proposal(self.people, deal["id"], SMALL_ITEMS)
            approved_contract(self.people, deal["id"])
            contract = sign(self.people, deal["id"])
            self.sent.contracts[contract["id"]] = deal["id"]

    # -- operations --------------------------------------------------------------------------------
    def deliver_storefront_orders(self) -> None:
        """Deliver a random sample, each as soon as its order exists."""
        chosen = sorted(self.rng.sample(range(self.settings.storefront_orders),
                                        min(self.settings.deliveries, self.settings.storefront_orders)))
        for n in chosen:
            order = wait(self.stack, lambda n=n: self._order_of(self.storefront_id(n)),
                         f"storefront order {self.storefront_id(n)}", timeout=FAULTY_HOP, every=0.25)
            with self.orders_http:
                deliver(self.people, order["id"])
            self.sent.delivered_order_ids.append(order["id"])

    def _order_of(self, storefront_order_id: str) -> dict | None:
        with self.orders_http:
            found = orders_where(self.people, storefront_order_id=storefront_order_id)
        return found[0] if found else None

    # -- all at once -------------------------------------------------------------------------------
    def run(self) -> float:
        """Run the three clients side by side; return how long they took."""
        hire_rep(self.people, capacity=10 * self.settings.contracts + 20)
        started = time.monotonic()
        threads = [threading.Thread(target=self._guarded, args=(step,), name=step.__name__)
                   for step in (self.place_storefront_orders, self.sign_contracts, self.deliver_storefront_orders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self.errors:
            raise self.errors[0]
        return time.monotonic() - started

    def _guarded(self, step) -> None:
        try:
            step()
        except BaseException as error:  # re-raised in the test's thread by run()
            self.errors.append(error)


def wait_for_deal_quietly(people, lead_id: str) -> dict | None:
    """The deal if it is open yet (e2e_journey.wait_for_deal's timeout is for a quiet stack)."""
    deals = deals_of_lead(people, lead_id)
    return deals[0] if deals else None


def deliver(people, order_id: str) -> None:
    """A storefront order belongs to the web shop's account: operations take it all the way."""
    people.ops.post("orders", f"/orders/{order_id}/confirm")
    for stage in ("purchasing", "production", "packing"):
        people.ops.post("orders", f"/orders/{order_id}/plan/stages/{stage}/complete")
    people.ops.post("orders", f"/orders/{order_id}/ship", {"carrier": "SF Express", "tracking_number": "SF1"})
    people.ops.post("orders", f"/orders/{order_id}/deliver")
