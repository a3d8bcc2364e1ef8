"""The entity-by-entity arithmetic the service stores the rollup with."""
import random
from datetime import date
from decimal import Decimal as D

import pytest

from kpi.domain import facts as ft
from kpi.domain import projection as pj
from kpi.domain import rollup as ru
from kpi.domain.money import EventMoney
from kpi.domain.rollup import RollupKey

CNY = "CNY"


def key(day, metric, dimension="all", value=""):
    return RollupKey(date.fromisoformat(day), metric, dimension, value)


def replay(facts, tz):
    """Apply facts one at a time as the service does: each entity's change from
    the facts already seen."""
    seen: list = []
    totals = []
    for fact in facts:
        if pj.is_order_fact(fact):
            before = [f for f in seen if pj.is_order_fact(f) and f.order_id == fact.order_id]
            totals.append(pj.order_delta(before, fact, tz, CNY))
            if pj.moves_first_orders(fact):
                old = [f for f in seen if pj.is_order_fact(f)]
                totals.append(pj.customer_delta(old, [*old, fact], tz))
        elif pj.is_ticket_fact(fact):
            before = [f for f in seen if pj.is_ticket_fact(f) and f.ticket_id == fact.ticket_id]
            totals.append(pj.ticket_delta(before, fact, tz))
        elif pj.is_deal_fact(fact):
            before = [f for f in seen if pj.is_deal_fact(f) and f.deal_id == fact.deal_id]
            totals.append(pj.deal_delta(before, fact, tz, CNY))
        else:
            totals.append(pj.fact_contributions(fact, tz))
        seen.append(fact)
    return pj.merge(totals)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_entity_deltas_in_any_order_equal_the_recomputation(dataset, tz, seed):
    shuffled = dataset[:]
    random.Random(seed).shuffle(shuffled)
    assert replay(shuffled, tz) == pj.recompute_all(dataset, tz, CNY)


def test_recompute_all_adds_revenue_per_customer_to_the_rollup(dataset, tz):
    totals = pj.recompute_all(dataset, tz, CNY)
    customers = {k: v for k, v in totals.items() if k.dimension == pj.CUSTOMER}
    assert {k: v for k, v in totals.items() if k.dimension != pj.CUSTOMER} == ru.recompute(dataset, tz, CNY)
    assert customers == {
        key("2025-11-15", ru.REVENUE, "customer", "C1"): D("8000.00"),
        key("2026-10-20", ru.REVENUE, "customer", "C4"): D("3000.00"),
        key("2026-11-05", ru.REVENUE, "customer", "C4"): D("-3000.00"),
        key("2026-11-03", ru.REVENUE, "customer", "C1"): D("10000.00"),
        key("2026-11-10", ru.REVENUE, "customer", "C2"): D("7123.4000"),
        key("2026-11-25", ru.REVENUE, "customer", "C3"): D("15300.00"),
        key("2026-11-30", ru.REVENUE, "customer", "C1"): D("5000.00"),
        key("2026-12-02", ru.REVENUE, "customer", "C1"): D("-5000.00"),
        key("2026-12-01", ru.REVENUE, "customer", "C5"): D("800.00"),
    }


def test_customer_revenue_follows_changes_on_their_own_day(make_fact, tz):
    facts = [
        make_fact(ft.ORDER_CREATED, "2026-11-28 10:00", order_id="X", customer_id="C1",
                  amount=EventMoney(D("1000.00"), CNY)),
        make_fact(ft.ORDER_CHANGED, "2026-12-03 10:00", order_id="X",
                  amount=EventMoney(D("200.00"), "USD", D("7.2"))),
    ]
    assert pj.customer_revenue_contributions(facts, tz, CNY) == {
        key("2026-11-28", ru.REVENUE, "customer", "C1"): D("1000.00"),
        key("2026-12-03", ru.REVENUE, "customer", "C1"): D("440.000"),  # −1000 + 1440
    }


def test_difference_is_what_turns_old_counters_into_new():
    old = {key("2026-11-01", "x"): D(5), key("2026-11-02", "x"): D(1)}
    new = {key("2026-11-01", "x"): D(7), key("2026-11-03", "x"): D(2)}
    change = pj.difference(new, old)
    assert change == {key("2026-11-01", "x"): D(2), key("2026-11-02", "x"): D(-1),
                      key("2026-11-03", "x"): D(2)}
    assert pj.merge([old, change]) == new


def test_a_cancellation_of_the_first_order_moves_the_new_customer_day(make_fact, tz):
    first = make_fact(ft.ORDER_CREATED, "2026-10-01 10:00", order_id="A", customer_id="C6",
                      amount=EventMoney(D(100), CNY))
    second = make_fact(ft.ORDER_CREATED, "2026-11-12 10:00", order_id="B", customer_id="C6",
                       amount=EventMoney(D(200), CNY))
    cancel = make_fact(ft.ORDER_CANCELLED, "2026-10-05 10:00", order_id="A")
    change = pj.customer_delta([first, second], [first, second, cancel], tz)
    assert change[key("2026-10-01", ru.NEW_CUSTOMERS)] == D(-1)
    assert change[key("2026-11-12", ru.NEW_CUSTOMERS)] == D(1)


def test_earliest_first_orders_order_by_order(make_fact, tz):
    later = make_fact(ft.ORDER_CREATED, "2026-11-12 10:00", order_id="B", customer_id="C6")
    earlier = make_fact(ft.ORDER_CREATED, "2026-10-01 10:00", order_id="A", customer_id="C6")
    cancelled = [make_fact(ft.ORDER_CREATED, "2026-09-01 10:00", order_id="Z", customer_id="C6"),
                 make_fact(ft.ORDER_CANCELLED, "2026-09-02 10:00", order_id="Z")]
    other = make_fact(ft.ORDER_CREATED, "2026-11-01 10:00", order_id="C", customer_id="C7")
    firsts = pj.earliest_first_orders([[later], cancelled, [earlier], [other]])
    assert firsts == {"C6": earlier, "C7": other}
