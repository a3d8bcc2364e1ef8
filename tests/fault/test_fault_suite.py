"""Nothing lost, nothing doubled, nothing silently dropped — under faults, on
PostgreSQL + RabbitMQ (DESIGN.md §4), Jepsen-style.

The clients (storefront, sales team, operations) send FAULT_EVENTS events while
the nemesis (faults.py) cuts the broker, SIGKILLs workers, kills a relay
between publish and mark and cuts a database; 1 % of the storefront's messages
are poison of every kind. After the last fault the stack drains, then every
effect is counted once per source event, every poison message is looked for
in the dead-letter queues, and one parked order is fixed and replayed with the
service's own ``dlq`` command. The table printed is the verdict.
"""
from __future__ import annotations

import json
from collections import Counter
import random
import threading
import time

import pytest

import reconcile
from settings import DB_CUT_SERVICE
from e2e_bus import Storefront
from faults import Nemesis
from poison import good_items
from stack import SERVICES
from workload import Workload

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def parked(stack) -> dict[str, list]:
    """Every service's dead letters, bodies included (the letters stay parked)."""
    from salesloop.config import load_settings
    from salesloop.messaging.bus import Bus
    from salesloop.messaging.deadletters import DeadLetterQueue

    return {service: DeadLetterQueue(Bus(load_settings(service, bus_url=stack.broker_url,
                                                       bus_namespace=stack.namespace))).list()
            for service in SERVICES}


def letters_of(tag: str, letters: dict[str, list]) -> dict[str, list]:
    """A poison message's letters per service: its tag is in its body, whatever its shape."""
    found = {service: [letter for letter in queue if tag.encode() in letter.body]
             for service, queue in letters.items()}
    return {service: hits for service, hits in found.items() if hits}


def expected_effects(stack, sent, replayed_storefront_id: str | None) -> list[reconcile.Effect]:
    storefront_ids = list(sent.storefront_order_ids)
    order_ids = reconcile.order_ids_of(stack, storefront_ids + [replayed_storefront_id] * bool(replayed_storefront_id))
    contract_orders = {contract_id: order_id for order_id, contract_id in reconcile.query(
        stack, "orders", "select id, contract_id from orders where contract_id is not null")}
    all_orders = list(order_ids.values()) + [contract_orders[c] for c in sent.contracts if c in contract_orders]
    effects = [
        reconcile.count_effect("order per storefront order id", storefront_ids, reconcile.orders_by(
            stack, "storefront_order_id")),
        reconcile.count_effect("order per signed contract", sent.contracts, reconcile.orders_by(stack, "contract_id")),
        reconcile.count_effect("survey per delivered order", sent.delivered_order_ids,
                               reconcile.surveys_by_order(stack)),
        reconcile.count_effect("KPI fact orders.order.created", all_orders,
                               reconcile.facts_by(stack, "orders.order.created", "order_id")),
        reconcile.count_effect("KPI fact deals.contract.signed", sent.contracts.values(),
                               reconcile.facts_by(stack, "deals.contract.signed", "deal_id")),
        reconcile.count_effect("KPI fact orders.order.delivered", sent.delivered_order_ids,
                               reconcile.facts_by(stack, "orders.order.delivered", "order_id")),
        reconcile.count_effect("KPI fact service.survey.sent", sent.delivered_order_ids,
                               reconcile.facts_by(stack, "service.survey.sent", "order_id")),
    ]
    if replayed_storefront_id:
        effects.append(reconcile.count_effect("order from the replayed letter", [replayed_storefront_id],
                                              reconcile.orders_by(stack, "storefront_order_id")))
    return effects


def poison_effect(stack, sent, letters: dict[str, list]) -> reconcile.Effect:
    """Each poison message parked, with a reason, and not twice in the same queue —
    or, for a well-formed event of a type no service publishes, kept once in the KPI
    service's fact log, which by design records every event type it is sent (its
    routing key reaches only the KPI service's catch-all binding)."""
    per_tag = {p.tag: letters_of(p.tag, letters) for p in sent.poison}
    counts = parked_counts(per_tag)
    for poison in sent.poison:
        if poison.kind == "unknown-type" and not counts[poison.tag]:
            counts[poison.tag] = len(reconcile.query(stack, "kpi", "select 1 from facts where event_id = :id",
                                                     id=poison.tag))
    return reconcile.count_effect("poison message dead-lettered or logged", per_tag, counts)


def parked_counts(per_tag: dict[str, dict[str, list]]) -> Counter:
    counts: Counter = Counter()
    for tag, by_service in per_tag.items():
        reasoned = {service: [letter for letter in hits if letter.reason] for service, hits in by_service.items()}
        # Parked in one queue or several (the KPI service takes every key): counted once,
        # doubled only if one queue holds it twice.
        counts[tag] = (1 if any(reasoned.values()) else 0) + (1 if any(len(h) > 1 for h in reasoned.values()) else 0)
    return counts


def unsettled(stack, sent, replayed_storefront_id=None) -> list[str]:
    """What still stands between the stack and a clean drain (empty when drained)."""
    missing = [f"{e.name}: {e.lost} lost" for e in expected_effects(stack, sent, replayed_storefront_id) if e.lost]
    missing += [f"{service} outbox: {n} unsent" for service, n in reconcile.unsent_outbox(stack).items() if n]
    for suffix in ("", ".retry"):
        missing += [f"{service}{suffix or ' queue'}: {n} messages"
                    for service, n in reconcile.queue_depths(stack, suffix).items() if n]
    return missing


def drain(stack, nemesis, sent, timeout: float, stall: float, replayed_storefront_id=None) -> float:
    """Wait until nothing is left to settle. A slow drain is not a failure, a stuck one
    is: it fails when nothing has moved for ``stall`` seconds, or after ``timeout``."""
    started = last_change = last_report = time.monotonic()
    previous: list[str] = []
    while (left := unsettled(stack, sent, replayed_storefront_id)):
        nemesis.restart_crashed()
        moment = time.monotonic()
        if left != previous:
            previous, last_change = left, moment
        if moment - last_report >= 30:
            print(f"[fault] draining {moment - started:.0f}s: {left}", flush=True)
            last_report = moment
        if moment - last_change > stall or moment - started > timeout:
            raise AssertionError(f"not drained after {moment - started:.0f}s ({moment - last_change:.0f}s without "
                                 f"progress): {left}\n" + worker_tails(stack))
        time.sleep(1)
    return time.monotonic() - started


def worker_tails(stack) -> str:
    return "\n".join(stack.log_tail(service, "worker") for service in SERVICES)


def replay_fixed(stack, sent, letters, tmp_path) -> str:
    """An operator fixes one parked storefront order and replays it with ``salesloop-orders dlq``."""
    wrong = next(p for p in sent.poison if p.kind == "wrong-schema")
    [letter] = letters_of(wrong.tag, letters)["orders"]
    fixed = Storefront.order(wrong.storefront_order_id, f"poison-{wrong.tag}", good_items(wrong.tag))
    data_file = tmp_path / "fixed.json"
    data_file.write_text(json.dumps(fixed, ensure_ascii=False))
    result = stack.cli("orders", "dlq", "replay", letter.letter_id, "--data", str(data_file))
    assert result.returncode == 0, result.stderr[-2000:]
    return wrong.storefront_order_id


def test_nothing_is_lost_doubled_or_dropped_under_faults(fault_stack, fault_settings, tmp_path):
    stack, settings = fault_stack, fault_settings
    print(f"\n[fault] seed {settings.seed} (FAULT_SEED={settings.seed} replays the schedule); {settings}")
    rng = random.Random(settings.seed)
    orders_http = threading.Lock()
    workload = Workload(stack, settings, orders_http, random.Random(rng.random()))
    nemesis = Nemesis(stack, settings, orders_http)
    stop = threading.Event()
    began = time.monotonic()
    faults = threading.Thread(target=nemesis.run, args=(rng, settings.fault_spread_seconds, stop), name="nemesis")
    faults.start()
    try:
        clients_took = workload.run()
    finally:
        faults.join()  # every fault happens, also when the clients finish first
        stop.set()
    assert nemesis.error is None, f"the nemesis failed: {nemesis.error!r}"
    assert len(nemesis.log) == (settings.broker_cuts + settings.worker_kills + settings.relay_kills
                                + settings.database_cuts)
    sent = workload.sent

    drain(stack, nemesis, sent, settings.drain_timeout, settings.stall_timeout)
    drained_after = time.monotonic() - nemesis.last_fault_at
    letters = parked(stack)
    dead_lettered = poison_effect(stack, sent, letters)

    replayed = replay_fixed(stack, sent, letters, tmp_path)
    drain(stack, nemesis, sent, 60, settings.stall_timeout, replayed)
    time.sleep(3)  # a late duplicate (a redelivery, a publish repeated after a lost confirm) would land now
    effects = expected_effects(stack, sent, replayed) + [dead_lettered]
    reconcile.print_table(effects)
    leftovers = {"outbox unsent": sum(reconcile.unsent_outbox(stack).values()),
                 "retry queues": sum(reconcile.queue_depths(stack, ".retry").values()),
                 "service queues": sum(reconcile.queue_depths(stack, "").values())}
    print(f"\nafter the drain: {leftovers}")
    for p in sent.poison:
        for service, hits in letters_of(p.tag, letters).items():
            print(f"  parked {p.kind:<15} in {service:<13} {hits[0].reason[:90]}")
    print("\nfaults: " + "; ".join(nemesis.log))
    print("processes that exited on their own and were restarted: " + ("; ".join(nemesis.crashes) or "none"))
    print(f"events {settings.events} (+{len(sent.poison)} poison); clients {clients_took:.1f}s; "
          f"drained {drained_after:.1f}s after the last fault; total {time.monotonic() - began:.1f}s")

    assert [e for e in effects if e.lost or e.doubled] == []
    # Only a lost database connection may end a process (its supervisor starts it again).
    assert [crash for crash in nemesis.crashes if not crash.startswith(DB_CUT_SERVICE)] == []
    assert dead_lettered.got == dead_lettered.expected == len(sent.poison)  # 100 % dead-lettered
    assert leftovers == {"outbox unsent": 0, "retry queues": 0, "service queues": 0}
