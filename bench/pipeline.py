"""Storefront orders end to end: published by an outside AMQP client, turned into
one order each by the orders worker, relayed, and taken in by the KPI worker as
facts — events per second from the first publish to the last order's KPI commit,
against the raw confirmed-publish rate of a bare kombu publisher in the same run.
The clock starts once both relays are connected: the workers are awaited before it
too, and a relay still booting would add its start-up to every quick run.
BENCH_ORDERS sets the count (3,000; 500 with --quick)."""
from __future__ import annotations

import os
import time

from common import raw_confirmed_publish, report
from loop import DRIVEN, running_loop

ORDERS = int(os.environ.get("BENCH_ORDERS", 3000))
RELAY_CONNECTED = "relay connected"  # what a relay logs once it holds its lock and the broker


def wait_for_relays(stack, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not all(RELAY_CONNECTED in stack.logs(service, "relay") for service in DRIVEN):
        stack.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"the relays were not connected within {timeout:.0f}s\n"
                               + "\n".join(stack.log_tail(service, "relay") for service in DRIVEN))
        time.sleep(0.05)


def _pipeline(count: int) -> dict:
    with running_loop("pipeline") as loop:
        wait_for_relays(loop.stack)
        started = time.perf_counter()
        for n in range(count):
            loop.storefront.place(n)
        published = time.perf_counter() - started
        loop.wait_for_orders(count, timeout=max(120.0, count / 5))
        elapsed = time.perf_counter() - started
        return {"orders": count, "seconds": elapsed, "per_second": count / elapsed,
                "storefront_publish_per_second": count / published, "kpi_facts": loop.facts(),
                "orders_created": loop.scalar("orders", "select count(*) from orders")}


def run(quick: bool = False) -> dict:
    count = min(ORDERS, 500) if quick else ORDERS
    candidate = _pipeline(count)
    baseline = raw_confirmed_publish(count)
    return report("pipeline", f"{count:,} storefront orders → orders → KPI facts on PostgreSQL + RabbitMQ, against a "
                  "bare kombu publisher awaiting each confirm", candidate, baseline, "per_second", "events/s")


if __name__ == "__main__":
    run()
