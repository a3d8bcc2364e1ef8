import random
from datetime import date
from decimal import Decimal as D

import pytest

from kpi.domain import facts as ft
from kpi.domain import rollup as ru
from kpi.domain.facts import Dimension, Scope
from kpi.domain.metrics import (
    complaint_resolution_rate,
    complaints_opened,
    contacts,
    csat_average,
    gross_profit,
    leads_captured,
    new_customers,
    order_count,
    revenue,
    visits,
)
from kpi.domain.money import EventMoney, quantize_money
from kpi.domain.periods import parse_period
from kpi.domain.rollup import Rollup, RollupKey, rebuild, recompute

CNY = "CNY"


def key(day, metric, dimension="all", value=""):
    return RollupKey(date.fromisoformat(day), metric, dimension, value)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6, 7, 8])
def test_incremental_in_any_order_equals_a_rebuild(dataset, tz, seed):
    reference = recompute(dataset, tz, CNY)
    shuffled = dataset[:]
    random.Random(seed).shuffle(shuffled)
    rollup = Rollup(tz, CNY)
    for fact in shuffled:
        rollup.apply(fact)
    assert rollup.totals() == reference


def test_reverse_order_and_rebuild_agree(dataset, tz):
    assert rebuild(reversed(dataset), tz, CNY).totals() == recompute(dataset, tz, CNY)
    assert rebuild(dataset, tz, CNY).totals() == recompute(dataset, tz, CNY)


def test_facts_land_in_their_local_day(dataset, tz):
    totals = recompute(dataset, tz, CNY)
    assert totals[key("2026-11-25", ru.REVENUE)] == D("15300.00")  # 23:30 local
    assert totals[key("2026-11-30", ru.REVENUE)] == D("5000.00")  # 23:59 local
    assert totals[key("2026-12-01", ru.REVENUE)] == D("800.00")  # 00:30 local, 30 Nov UTC
    assert totals[key("2026-12-01", ru.VISITS, "rep", "r2")] == D(1)
    assert key("2026-11-30", ru.REVENUE, "rep", "r3") not in totals


def test_cancellations_land_on_their_own_day(dataset, tz):
    totals = recompute(dataset, tz, CNY)
    assert totals[key("2026-11-05", ru.REVENUE, "rep", "r1")] == D("-3000.00")
    assert totals[key("2026-11-05", ru.ORDERS)] == D(-1)
    assert totals[key("2026-12-02", ru.REVENUE, "product", "P2")] == D("-5000.00")


def test_rollup_sums_match_the_metrics(dataset, november, tz):
    rollup = rebuild(dataset, tz, CNY)

    def total(metric, dimension=Dimension.ALL, value=""):
        return rollup.total(metric, november, dimension, value)

    assert quantize_money(total(ru.REVENUE)) == revenue(dataset, november, currency=CNY).value
    assert quantize_money(total(ru.REVENUE, Dimension.PRODUCT, "P1")) == revenue(
        dataset, november, currency=CNY, scope=Scope(product="P1")).value
    assert quantize_money(total(ru.REVENUE, Dimension.REP, "r1")) == D("14123.40")
    assert total(ru.ORDERS) == order_count(dataset, november, currency=CNY).value
    profit = quantize_money(total(ru.REVENUE_WITH_COST) - total(ru.COST))
    assert profit == gross_profit(dataset, november, currency=CNY).value
    assert total(ru.NEW_CUSTOMERS) == new_customers(dataset, november).value
    assert total(ru.LEADS_CAPTURED) == leads_captured(dataset, november).value
    assert total(ru.LEADS_CAPTURED, Dimension.SOURCE, "web") == D(2)
    assert total(ru.CONTACTS) == contacts(dataset, november).value
    assert total(ru.VISITS) == visits(dataset, november).value
    assert total(ru.CSAT_SUM) / total(ru.CSAT_RESPONSES) == csat_average(
        dataset, november).value
    assert total(ru.COMPLAINTS_OPENED) == complaints_opened(dataset, november).value
    rate = complaint_resolution_rate(dataset, november)
    assert (total(ru.COMPLAINTS_RESOLVED), total(ru.COMPLAINTS_OPENED)) == (
        rate.numerator, rate.denominator)
    assert (total(ru.COMPLAINT_RESPONSES_IN_SLA), total(ru.COMPLAINT_RESPONSES)) == (D(1), D(3))
    assert (total(ru.DEALS_WON), total(ru.DEALS_LOST)) == (D(3), D(2))
    assert (total(ru.NPS_PROMOTERS), total(ru.NPS_DETRACTORS), total(ru.NPS_RESPONSES)) == (
        D(2), D(1), D(5))
    assert total(ru.VIOLATIONS, Dimension.REP, "a1") == D(2)


def test_apply_returns_the_change_it_made(make_fact, tz):
    rollup = Rollup(tz, CNY)
    created = make_fact(ft.ORDER_CREATED, "2026-11-03 10:00", order_id="O", customer_id="C",
                        rep="r1", products=("P1",), amount=EventMoney(D(100), CNY))
    delta = rollup.apply(created)
    assert delta == {
        key("2026-11-03", ru.ORDERS): D(1),
        key("2026-11-03", ru.ORDERS, "rep", "r1"): D(1),
        key("2026-11-03", ru.ORDERS, "product", "P1"): D(1),
        key("2026-11-03", ru.REVENUE): D(100),
        key("2026-11-03", ru.REVENUE, "rep", "r1"): D(100),
        key("2026-11-03", ru.REVENUE, "product", "P1"): D(100),
        key("2026-11-03", ru.NEW_CUSTOMERS): D(1),
        key("2026-11-03", ru.NEW_CUSTOMERS, "rep", "r1"): D(1),
        key("2026-11-03", ru.NEW_CUSTOMERS, "product", "P1"): D(1),
    }
    cancelled = make_fact(ft.ORDER_CANCELLED, "2026-11-04 10:00", order_id="O")
    delta = rollup.apply(cancelled)
    # Reversal on the 4th, and C is no longer a new customer on the 3rd.
    assert delta[key("2026-11-04", ru.REVENUE, "rep", "r1")] == D(-100)
    assert delta[key("2026-11-03", ru.NEW_CUSTOMERS)] == D(-1)
    assert rollup.totals()[key("2026-11-03", ru.REVENUE)] == D(100)
    assert key("2026-11-03", ru.NEW_CUSTOMERS) not in rollup.totals()


def test_a_cancellation_arriving_before_its_creation(make_fact, tz):
    created = make_fact(ft.ORDER_CREATED, "2026-11-03 10:00", order_id="O", customer_id="C",
                        amount=EventMoney(D(100), CNY))
    cancelled = make_fact(ft.ORDER_CANCELLED, "2026-11-04 10:00", order_id="O")
    rollup = Rollup(tz, CNY)
    assert rollup.apply(cancelled) == {key("2026-11-04", ru.ORDERS): D(-1)}
    rollup.apply(created)
    assert rollup.totals() == {
        key("2026-11-03", ru.ORDERS): D(1), key("2026-11-03", ru.REVENUE): D(100),
        key("2026-11-04", ru.ORDERS): D(-1), key("2026-11-04", ru.REVENUE): D(-100)}


def test_a_late_fact_lands_in_its_own_past_day(dataset, make_fact, tz):
    rollup = rebuild(dataset, tz, CNY)
    late = make_fact(ft.LEAD_CAPTURED, "2026-10-15 09:00", source="web", fact_id="late-1")
    delta = rollup.apply(late)
    assert delta == {key("2026-10-15", ru.LEADS_CAPTURED): D(1),
                     key("2026-10-15", ru.LEADS_CAPTURED, "source", "web"): D(1)}
    assert rollup.total(ru.LEADS_CAPTURED, parse_period("2026-10", tz)) == D(2)


def test_the_same_fact_twice_counts_once(dataset, tz):
    rollup = rebuild(dataset + dataset[:10], tz, CNY)
    assert rollup.totals() == recompute(dataset, tz, CNY)
    assert rollup.apply(dataset[0]) == {}


def test_a_complaint_kind_arriving_late_recounts_the_ticket(make_fact, tz):
    responded = make_fact(ft.TICKET_RESPONDED, "2026-11-03 10:00", ticket_id="T",
                          within_sla=True, rep="a1")
    opened = make_fact(ft.TICKET_OPENED, "2026-11-03 09:00", ticket_id="T",
                       ticket_kind="complaint", rep="a1")
    rollup = Rollup(tz, CNY)
    assert rollup.apply(responded) == {}  # not known to be a complaint yet
    delta = rollup.apply(opened)
    assert delta[key("2026-11-03", ru.COMPLAINT_RESPONSES_IN_SLA, "rep", "a1")] == D(1)
    assert delta[key("2026-11-03", ru.COMPLAINTS_OPENED)] == D(1)


def test_an_empty_rollup(tz):
    rollup = Rollup(tz, CNY)
    assert rollup.totals() == {}
    assert rollup.total(ru.REVENUE, parse_period("2026-11", tz)) == D(0)
    assert recompute([], tz, CNY) == {}


def order_story(make_fact):
    """Orders that change, gain a product, get cancelled, duplicate, share customers."""
    usd = dict(currency="USD", fx_rate=D("7.2"))
    return [
        make_fact(ft.ORDER_CREATED, "2026-11-01 08:00", order_id="A", customer_id="K1",
                  rep="r1", products=("P1",), amount=EventMoney(D(100), CNY),
                  cost=EventMoney(D(40), CNY)),
        make_fact(ft.ORDER_CHANGED, "2026-11-02 08:00", order_id="A",
                  lines=(ft.FactLine("P1", EventMoney(D(50), **usd), EventMoney(D(20), **usd)),
                         ft.FactLine("P9", EventMoney(D(10), **usd)))),
        make_fact(ft.ORDER_CANCELLED, "2026-11-09 08:00", order_id="A"),
        make_fact(ft.ORDER_CREATED, "2026-11-03 08:00", order_id="B", customer_id="K1",
                  rep="r2", products=("P2",), amount=EventMoney(D(300), CNY)),
        make_fact(ft.ORDER_CREATED, "2026-11-03 09:00", order_id="B", customer_id="K1",
                  rep="r2", products=("P2",), amount=EventMoney(D(300), CNY)),
        make_fact(ft.ORDER_CREATED, "2026-11-04 08:00", order_id="C", customer_id="K2",
                  rep="r1", products=("P9",), amount=EventMoney(D(70), CNY)),
        make_fact(ft.ORDER_CHANGED, "2026-11-05 23:30", order_id="C",
                  amount=EventMoney(D(75), CNY)),
    ]


@pytest.mark.parametrize("seed", range(10))
def test_order_stories_in_any_order(make_fact, tz, seed):
    facts = order_story(make_fact)
    random.Random(seed).shuffle(facts)
    rollup = Rollup(tz, CNY)
    for fact in facts:
        rollup.apply(fact)
    assert rollup.totals() == recompute(facts, tz, CNY)
    november = parse_period("2026-11", tz)
    for product in ("P1", "P2", "P9"):
        scope = Scope(product=product)
        assert quantize_money(rollup.total(ru.REVENUE, november, Dimension.PRODUCT, product)) \
            == revenue(facts, november, currency=CNY, scope=scope).value
        assert rollup.total(ru.ORDERS, november, Dimension.PRODUCT, product) == order_count(
            facts, november, currency=CNY, scope=scope).value
    # A: 100 − 100 + 432 − 432 = 0; B 300 once; C 70 + 5.
    assert rollup.total(ru.REVENUE, november) == D(375)
    assert rollup.total(ru.ORDERS, november) == D(2)
    # K1's first order A was cancelled, so K1 became a customer with B on the 3rd.
    assert rollup.total(ru.NEW_CUSTOMERS, parse_period("2026-11-03", tz)) == D(1)
    assert rollup.total(ru.NEW_CUSTOMERS, november) == D(2)
    assert rollup.total(ru.REVENUE, parse_period("2026-11-05", tz)) == D(5)
