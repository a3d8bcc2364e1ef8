"""The Orders service's status transitions under gunicorn on PostgreSQL, against the
bare Flask + SQLAlchemy insert (bench/baseline_app.py) in the same run.

Two runs, one after the other, each client walking its own orders:
- early: created → confirmed → in_fulfilment (`POST /orders/{id}/confirm`, `/start-fulfilment`);
- late: in_fulfilment → shipped → delivered → accepted → settled (`/ship`, `/deliver`,
  `/accept`, `/settle`), on orders whose plan stages before shipping are done.
Each transition locks the order, loads its items and plan, applies the domain's move,
writes the history (and a plan stage for shipping and delivery) and publishes the
order's event. The orders (phone orders of two lines) are placed, and the late ones
walked to in_fulfilment, beforehand with the service's own commands. The candidate
figure is all six transitions together; each run's figures are printed too.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from http_load import (CLIENTS, against_baseline, bearer, load, migrated, runtime,
                       seconds_for, serve)

REP = {"user": "rep-1", "roles": ["rep"], "team": "team-1", "region": "east"}
OPS = {"user": "ops-1", "roles": ["ops"], "team": None, "region": None}
PLAN_BEFORE_SHIPPING = ("purchasing", "production", "packing")
EARLY = (("confirm", {}), ("start-fulfilment", {}))
LATE = (("ship", {"carrier": "SF Express", "tracking_number": "SF1234567890"}), ("deliver", {}),
        ("accept", {"comment": "收到，谢谢"}),
        ("settle", {"paid_amount": "71.27", "currency": "CNY", "note": "paid by transfer"}))


def phone_order() -> dict:
    return {
        "customer": {"id": "cust-9", "name": "宁波海曙贸易", "phone": "+86 574 8765 4321",
                     "email": "buyer@haishu.example", "contact_name": "赵敏"},
        "items": [{"product_code": "TEA-01", "description": "Longjing 250 g", "quantity": "3",
                   "unit_price": "19.99", "unit_cost": "12.50"},
                  {"product_code": "CUP-06", "description": "Cups (6)", "quantity": "2", "unit_price": "5.00",
                   "unit_cost": "3.333", "tax_rate_pct": "13"}],
        "currency": "CNY",
        "delivery_date": (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=30)).isoformat(),
        "shipping_address": {"line1": "中山西路 1 号", "city": "宁波", "country": "CN", "postal_code": "315000"},
        "payment_terms": "net_30",
    }


def _principal(who: dict):
    from salesloop.web.auth import Principal

    return Principal(who["user"], frozenset(who["roles"]), who["team"], who["region"])


def prepare(env: dict, created: int, in_fulfilment: int) -> tuple[list[str], list[str]]:
    """``created`` new phone orders, and ``in_fulfilment`` ones confirmed and in
    fulfilment with every plan stage before shipping done (one transaction per order)."""
    from orders import commands
    from orders import schemas as s
    from orders.bootstrap import spec
    from orders.config import orders_config

    rep, ops = _principal(REP), _principal(OPS)
    order_in = s.PhoneOrderIn().load(phone_order())
    early, late = [], []
    with runtime(spec(), env) as built:
        config = orders_config(built.settings)
        for n in range(created + in_fulfilment):
            uow = built.uow()
            try:
                record, _ = commands.place_phone_order(uow, config, rep, dict(order_in))
                if n >= created:
                    commands.confirm_order(uow, config, ops, record.id, {})
                    commands.start_fulfilment(uow, config, ops, record.id, {})
                    for stage in PLAN_BEFORE_SHIPPING:
                        commands.work_on_stage(uow, config, ops, record.id, stage, "complete", {})
                uow.commit()
                (early if n < created else late).append(record.id)
            finally:
                uow.close()
    return early, late


def _walk(pools: list[list[str]], steps):
    """Client ``c`` walks its orders one after the other through ``steps``."""
    def step(c: int, i: int):
        order, position = divmod(i, len(steps))
        if order >= len(pools[c]):
            return None
        action, body = steps[position]
        return "POST", f"/orders/{pools[c][order]}/{action}", body
    return step


def _split(ids: list[str], clients: int) -> list[list[str]]:
    return [ids[c::clients] for c in range(clients)]


def run(quick: bool = False) -> dict:
    seconds = seconds_for(quick)
    early_count, late_count = (250, 120) if quick else (700, 350)
    headers = bearer("orders", OPS["user"], OPS["roles"])
    with migrated("orders", "bench_orders") as env:
        early, late = prepare(env, early_count + 20, late_count + 10)
        with serve("orders.app:create_app()", env) as base:
            load(base, _walk(_split(early[:20], 2), EARLY), headers, clients=2, seconds=1.0)
            first = load(base, _walk(_split(early[20:], CLIENTS), EARLY), headers, seconds=seconds)
            load(base, _walk(_split(late[:10], 2), LATE), headers, clients=2, seconds=1.0)
            second = load(base, _walk(_split(late[10:], CLIENTS), LATE), headers, seconds=seconds)
    return against_baseline("orders_transition", "POST /orders/{id}/confirm, start-fulfilment, ship, deliver, accept, settle",
                            {"early": first, "late": second}, seconds)


if __name__ == "__main__":
    run()
