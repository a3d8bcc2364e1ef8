"""Revenue, gross profit, orders, AOV, new customers on the conftest data set.

November 2026 (Shanghai), in CNY:
  O1 created   r1  10 000.00            cost  6 000.00   P1
  O2 created   r1   7 123.40 (1000 USD × 7.1234)  cost 3 561.70   P2
  O3 created   r2  15 300.00 (2000 EUR × 7.65)   cost unknown  P1 11 475 + P3 3 825
  O4 created   r2   5 000.00 (30 Nov 23:59)       cost  4 000.00   P2
  O5 cancelled r1  −3 000.00 (created in October) cost −1 000.00   P1
  revenue 34 423.40, net orders 3
December: O4 cancelled −5 000, O6 created 800 (1 Dec 00:30 local) → −4 200.
"""

from decimal import Decimal as D

from kpi.domain import facts as ft
from kpi.domain.facts import FactLine, Scope
from kpi.domain.metric_value import NO_DATA
from kpi.domain.metrics import (
    average_order_value,
    gross_margin,
    gross_profit,
    new_customer_ids,
    new_customers,
    order_count,
    revenue,
    revenue_by_customer,
)
from kpi.domain.money import EventMoney
from kpi.domain.periods import parse_period

CNY = "CNY"


def period(text, tz):
    return parse_period(text, tz)


def test_revenue_of_november_in_company_currency(dataset, november):
    value = revenue(dataset, november, currency=CNY)
    assert value.value == D("34423.40")
    assert value.unit == "CNY"
    assert value.note == ""


def test_revenue_by_rep_team_region_source(dataset, november):
    assert revenue(dataset, november, currency=CNY, scope=Scope(rep="r1")).value == D("14123.40")
    assert revenue(dataset, november, currency=CNY, scope=Scope(rep="r2")).value == D("20300.00")
    assert revenue(dataset, november, currency=CNY, scope=Scope(team="t1")).value == D("34423.40")
    assert revenue(dataset, november, currency=CNY,
                   scope=Scope(region="west")).value == D("20300.00")
    assert revenue(dataset, november, currency=CNY,
                   scope=Scope(source="referral")).value == D("20300.00")
    assert revenue(dataset, november, currency=CNY,
                   scope=Scope(rep="r1", source="referral")).value == D("0.00")


def test_revenue_by_product_uses_order_lines(dataset, november):
    # P1: O1 10 000 + O3's P1 line 1500 EUR × 7.65 = 11 475, O5 reversed −3 000.
    assert revenue(dataset, november, currency=CNY, scope=Scope(product="P1")).value == D(
        "18475.00")
    assert revenue(dataset, november, currency=CNY, scope=Scope(product="P3")).value == D(
        "3825.00")
    assert revenue(dataset, november, currency=CNY, scope=Scope(product="P2")).value == D(
        "12123.40")


def test_the_last_minute_of_the_month_and_the_first_of_the_next(dataset, tz):
    # O4 at 30 Nov 23:59 local counts on the 30th; O6 at 1 Dec 00:30 local
    # (still 30 Nov in UTC) counts on 1 December.
    assert revenue(dataset, period("2026-11-30", tz), currency=CNY).value == D("5000.00")
    assert revenue(dataset, period("2026-12-01", tz), currency=CNY).value == D("800.00")
    assert revenue(dataset, period("2026-11-25", tz), currency=CNY).value == D("15300.00")


def test_cancellation_reverses_in_its_own_period(dataset, tz):
    assert revenue(dataset, period("2026-10", tz), currency=CNY).value == D("3000.00")
    assert revenue(dataset, period("2026-12", tz), currency=CNY).value == D("-4200.00")
    assert order_count(dataset, period("2026-12", tz), currency=CNY).value == D(0)
    # The whole quarter nets O5 out: 3000 − 3000 + 34 423.40 + 3000 … = sum of months.
    assert revenue(dataset, period("2026-Q4", tz), currency=CNY).value == D("33223.40")


def test_empty_period_is_zero_with_no_data(dataset, tz):
    value = revenue(dataset, period("2026-02", tz), currency=CNY)
    assert value.value == D("0.00") and value.note == NO_DATA
    assert not value.has_data
    assert order_count(dataset, period("2026-02", tz), currency=CNY).note == NO_DATA
    aov = average_order_value(dataset, period("2026-02", tz), currency=CNY)
    assert aov.value is None and aov.note == NO_DATA


def test_order_count_is_net_of_cancellations(dataset, november):
    assert order_count(dataset, november, currency=CNY).value == D(3)
    assert order_count(dataset, november, currency=CNY, scope=Scope(rep="r1")).value == D(1)
    assert order_count(dataset, november, currency=CNY, scope=Scope(product="P1")).value == D(1)


def test_average_order_value(dataset, november):
    value = average_order_value(dataset, november, currency=CNY)
    # 34 423.40 / 3 = 11 474.4666… → 11 474.47
    assert value.value == D("11474.47")
    assert (value.numerator, value.denominator) == (D("34423.40"), D(3))
    assert average_order_value(dataset, november, currency=CNY,
                               scope=Scope(rep="r2")).value == D("10150.00")


def test_average_order_value_without_net_orders_is_no_data(dataset, tz):
    value = average_order_value(dataset, period("2026-12", tz), currency=CNY)
    assert value.value is None and value.note == NO_DATA
    assert value.numerator == D("-4200.00")


def test_gross_profit_over_orders_with_known_cost(dataset, november):
    value = gross_profit(dataset, november, currency=CNY)
    # O1 4000 + O2 3561.70 + O4 1000 + O5 reversal (−3000 + 1000) = 6561.70; O3 left out.
    assert value.value == D("6561.70")
    # Revenue with cost 19 123.40 of 34 423.40 = 55.5535… %.
    assert value.note == "cost known for 4 of 5 orders (55.55 % of revenue)"
    assert value.extra["orders"] == 5 and value.extra["orders_with_cost"] == 4
    assert value.extra["revenue_with_cost"] == D("19123.40")
    assert value.extra["cost"] == D("12561.70")


def test_gross_profit_when_no_cost_is_known(dataset, november):
    value = gross_profit(dataset, november, currency=CNY, scope=Scope(product="P3"))
    assert value.value is None
    assert value.note == "cost unknown for all 1 orders"


def test_gross_profit_with_full_coverage_has_no_note(dataset, november):
    value = gross_profit(dataset, november, currency=CNY, scope=Scope(rep="r1"))
    # 4000 + 3561.70 − 2000
    assert value.value == D("5561.70") and value.note == ""


def test_gross_margin(dataset, november):
    # 6561.70 / 19 123.40 = 34.3124… %
    assert gross_margin(dataset, november, currency=CNY).value == D("34.31")
    assert gross_margin(dataset, parse_period("2026-02", november.tz),
                        currency=CNY).value is None


def test_new_customers_are_first_orders_ever(dataset, november):
    # C1 bought in 2025; C4's only order was cancelled; C5 is December.
    assert new_customer_ids(dataset, november) == ["C2", "C3"]
    assert new_customers(dataset, november).value == D(2)
    assert new_customers(dataset, november, Scope(rep="r2")).value == D(1)
    assert new_customer_ids(dataset, parse_period("2026-12", november.tz)) == ["C5"]


def test_a_cancelled_first_order_moves_the_new_date(make_fact, tz):
    facts = [
        make_fact(ft.ORDER_CREATED, "2026-10-01 10:00", order_id="A", customer_id="C6",
                  amount=EventMoney(D(100), "CNY")),
        make_fact(ft.ORDER_CANCELLED, "2026-10-05 10:00", order_id="A"),
        make_fact(ft.ORDER_CREATED, "2026-11-12 10:00", order_id="B", customer_id="C6",
                  amount=EventMoney(D(200), "CNY")),
    ]
    assert new_customer_ids(facts, parse_period("2026-10", tz)) == []
    assert new_customer_ids(facts, parse_period("2026-11", tz)) == ["C6"]


def test_revenue_by_customer(dataset, november):
    assert revenue_by_customer(dataset, november, currency=CNY) == {
        "C1": D("15000.00"), "C2": D("7123.40"), "C3": D("15300.00"), "C4": D("-3000.00")}


def test_an_order_change_reverses_old_figures_and_books_new_ones(make_fact, tz):
    facts = [
        make_fact(ft.ORDER_CREATED, "2026-11-28 10:00", order_id="X", customer_id="C1",
                  amount=EventMoney(D("1000.00"), "CNY"), cost=EventMoney(D("600"), "CNY")),
        make_fact(ft.ORDER_CHANGED, "2026-12-03 10:00", order_id="X",
                  amount=EventMoney(D("200.00"), "USD", D("7.2")),
                  cost=EventMoney(D("100.00"), "USD", D("7.2"))),
        make_fact(ft.ORDER_CHANGED, "2026-12-04 10:00", order_id="X"),  # no amount: no effect
        make_fact(ft.ORDER_CANCELLED, "2026-12-20 10:00", order_id="X"),
        make_fact(ft.ORDER_CHANGED, "2026-12-21 10:00", order_id="X",  # after cancel: ignored
                  amount=EventMoney(D("9999"), "CNY")),
    ]
    nov, dec = parse_period("2026-11", tz), parse_period("2026-12", tz)
    assert revenue(facts, nov, currency=CNY).value == D("1000.00")
    # Change: −1000 + 1440; cancellation reverses 1440: December nets −1000.
    assert revenue(facts, dec, currency=CNY).value == D("-1000.00")
    assert revenue(facts, parse_period("2026-12-03", tz), currency=CNY).value == D("440.00")
    assert gross_profit(facts, parse_period("2026-12-03", tz), currency=CNY).value == D(
        "320.00")  # (1440 − 720) − (1000 − 600)
    assert order_count(facts, nov, currency=CNY).value == D(1)
    assert order_count(facts, dec, currency=CNY).value == D(-1)


def test_duplicate_creation_is_counted_once(make_fact, tz):
    created = dict(order_id="Y", customer_id="C1", amount=EventMoney(D("50"), "CNY"))
    facts = [make_fact(ft.ORDER_CREATED, "2026-11-02 10:00", **created),
             make_fact(ft.ORDER_CREATED, "2026-11-02 10:05", **created)]
    assert revenue(facts, parse_period("2026-11", tz), currency=CNY).value == D("50.00")
    assert order_count(facts, parse_period("2026-11", tz), currency=CNY).value == D(1)


def test_a_cancellation_without_its_creation_reverses_its_own_amount(make_fact, tz):
    facts = [make_fact(ft.ORDER_CANCELLED, "2026-11-02 10:00", order_id="Z", rep="r9",
                       amount=EventMoney(D("70"), "CNY"))]
    value = revenue(facts, parse_period("2026-11", tz), currency=CNY, scope=Scope(rep="r9"))
    assert value.value == D("-70.00")


def test_lines_in_several_currencies_of_one_order(make_fact, tz):
    facts = [make_fact(
        ft.ORDER_CREATED, "2026-11-02 10:00", order_id="M",
        lines=(FactLine("P1", EventMoney(D("10.00"), "USD", D("7.12345")),
                        EventMoney(D("5.00"), "USD", D("7.12345"))),
               FactLine("P1", EventMoney(D("10.00"), "USD", D("7.12345"))),
               FactLine("P2", EventMoney(D("100.00"), "CNY"))))]
    nov = parse_period("2026-11", tz)
    # 142.469 + 100 = 242.469 → 242.47 (rounded once, not per line)
    assert revenue(facts, nov, currency=CNY).value == D("242.47")
    assert revenue(facts, nov, currency=CNY, scope=Scope(product="P1")).value == D("142.47")
    # P1's second line has no cost, so P1's cost is unknown; P2 likewise.
    assert gross_profit(facts, nov, currency=CNY).value is None
