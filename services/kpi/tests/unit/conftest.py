"""A small, hand-checkable data set for the KPI domain tests.

Company: currency CNY, timezone Asia/Shanghai (UTC+8, no DST). Times below are
*local* Shanghai times; `local_time()` turns them into the UTC instants events carry.
Expected values in the tests are worked out by hand from this list.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kpi.domain import facts as ft
from kpi.domain.facts import Fact, FactLine
from kpi.domain.money import EventMoney
from kpi.domain.periods import parse_period

SHANGHAI = ZoneInfo("Asia/Shanghai")
CNY = "CNY"
D = Decimal


def local_time(local: str, tz: ZoneInfo = SHANGHAI) -> datetime:
    """"2026-11-25 23:30" local → aware UTC datetime."""
    return datetime.fromisoformat(local).replace(tzinfo=tz).astimezone(timezone.utc)


def cny(amount: str) -> EventMoney:
    return EventMoney(D(amount), CNY)


def money(amount: str, currency: str, rate: str) -> EventMoney:
    return EventMoney(D(amount), currency, D(rate))


class FactFactory:
    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def __call__(self, event_type: str, when: str, **fields) -> Fact:
        fields.setdefault("fact_id", f"f{next(self._ids):03d}")
        if isinstance(fields.get("products"), str):
            fields["products"] = (fields["products"],)
        return Fact(event_type=event_type, occurred_at=local_time(when), **fields)


def build_dataset() -> list[Fact]:
    f = FactFactory()
    r1 = dict(rep="r1", team="t1", region="east", source="web")
    r2 = dict(rep="r2", team="t1", region="west", source="referral")
    r3 = dict(rep="r3", team="t2", region="east", source="web")
    orders = [
        # Last year's order makes C1 an existing customer in 2026.
        f(ft.ORDER_CREATED, "2025-11-15 12:00", order_id="O9", customer_id="C1",
          amount=cny("8000.00"), cost=cny("5000.00"), products="P1", **r1),
        # O5: October order, cancelled in November (reversed in November).
        f(ft.ORDER_CREATED, "2026-10-20 10:00", order_id="O5", customer_id="C4",
          amount=cny("3000.00"), cost=cny("1000.00"), products="P1", **r1),
        f(ft.ORDER_CANCELLED, "2026-11-05 09:00", order_id="O5", customer_id="C4",
          amount=cny("3000.00"), **r1),
        f(ft.ORDER_CREATED, "2026-11-03 10:00", order_id="O1", customer_id="C1",
          amount=cny("10000.00"), cost=cny("6000.00"), products="P1", **r1),
        # O2 in USD at 7.1234: 7 123.40 CNY revenue, 3 561.70 CNY cost.
        f(ft.ORDER_CREATED, "2026-11-10 09:00", order_id="O2", customer_id="C2",
          amount=money("1000.00", "USD", "7.1234"), cost=money("500.00", "USD", "7.1234"),
          products="P2", **r1),
        # O3 in EUR at 7.65, cost unknown, two lines: P1 11 475, P3 3 825 CNY.
        # 23:30 local on the 25th is still the 25th.
        f(ft.ORDER_CREATED, "2026-11-25 23:30", order_id="O3", customer_id="C3",
          amount=money("2000.00", "EUR", "7.65"),
          lines=(FactLine("P1", money("1500.00", "EUR", "7.65")),
                 FactLine("P3", money("500.00", "EUR", "7.65"))), **r2),
        # O4: last minute of November, cancelled in December.
        f(ft.ORDER_CREATED, "2026-11-30 23:59", order_id="O4", customer_id="C1",
          amount=cny("5000.00"), cost=cny("4000.00"), products="P2", **r2),
        f(ft.ORDER_CANCELLED, "2026-12-02 11:00", order_id="O4", **r2),
        # O6: 00:30 on 1 December local is 16:30 UTC on 30 November: December.
        f(ft.ORDER_CREATED, "2026-12-01 00:30", order_id="O6", customer_id="C5",
          amount=cny("800.00"), products="P3", **r3),
    ]
    leads = [
        f(ft.LEAD_CAPTURED, "2026-09-01 10:00", lead_id="L0", **{**r1, "source": "referral"}),
        f(ft.LEAD_CONVERTED, "2026-09-10 10:00", lead_id="L0", **{**r1, "source": "referral"}),
        f(ft.LEAD_CAPTURED, "2026-10-01 00:00", lead_id="L6", **r2),
        f(ft.LEAD_CAPTURED, "2026-11-02 04:00", lead_id="L1", **r1),
        f(ft.LEAD_CAPTURED, "2026-11-04 09:00", lead_id="L2", **r1),
        f(ft.LEAD_CAPTURED, "2026-11-06 09:00", lead_id="L3", **r2),
        f(ft.LEAD_CAPTURED, "2026-11-20 09:00", lead_id="L4", **{**r2, "source": "trade_show"}),
        f(ft.LEAD_CAPTURED, "2026-11-28 09:00", lead_id="L5", rep="r2", team="t1"),
        f(ft.LEAD_CONVERTED, "2026-11-05 10:00", lead_id="L1", **r1),
        f(ft.LEAD_CONVERTED, "2026-11-30 10:00", lead_id="L2", **r1),
        f(ft.LEAD_CONVERTED, "2026-12-02 10:00", lead_id="L3", **r2),
    ]
    deals = [
        f(ft.DEAL_OPENED, "2026-09-10 10:00", deal_id="D0", lead_id="L0",
          amount=cny("30000.00"), probability_percent=D(40), **r1),
        f(ft.CONTRACT_SIGNED, "2026-11-08 10:00", deal_id="D0", **r1),
        f(ft.DEAL_WON, "2026-11-08 10:00", deal_id="D0", **r1),
        f(ft.DEAL_OPENED, "2026-11-05 10:00", deal_id="D1", lead_id="L1",
          amount=cny("12000.00"), probability_percent=D(20), **r1),
        f(ft.CONTRACT_SIGNED, "2026-11-20 16:00", deal_id="D1", **r1),
        f(ft.DEAL_WON, "2026-11-20 16:00", deal_id="D1", **r1),
        f(ft.DEAL_OPENED, "2026-10-02 10:00", deal_id="D4", lead_id="L6", **r2),
        f(ft.CONTRACT_SIGNED, "2026-11-15 12:00", deal_id="D4", **r2),
        f(ft.DEAL_WON, "2026-11-15 12:00", deal_id="D4", **r2),
        f(ft.CONTRACT_SIGNED, "2026-11-22 12:00", deal_id="D5", **r2),  # no lead known
        f(ft.DEAL_LOST, "2026-11-12 12:00", deal_id="D6", **r2),
        f(ft.DEAL_OPENED, "2026-11-30 10:00", deal_id="D2", lead_id="L2",
          amount=cny("20000.00"), probability_percent=D(20), **r1),
        f(ft.DEAL_OPENED, "2026-10-10 10:00", deal_id="D7",
          amount=money("10000.00", "USD", "7.10"), probability_percent=D(30), **r2),
        f(ft.DEAL_STAGE_CHANGED, "2026-11-15 10:00", deal_id="D7",
          probability_percent=D(60), **r2),
        f(ft.DEAL_OPENED, "2026-11-01 10:00", deal_id="D8",
          amount=cny("5000.00"), probability_percent=D(50), **r2),
        f(ft.DEAL_LOST, "2026-11-25 10:00", deal_id="D8", **r2),
        f(ft.DEAL_OPENED, "2026-12-03 10:00", deal_id="D9",
          amount=cny("9999.00"), probability_percent=D(90), **r1),
        f(ft.DEAL_OPENED, "2026-11-02 10:00", deal_id="D10", probability_percent=D(10), **r1),
    ]
    activities = [
        f(ft.ACTIVITY_LOGGED, "2026-11-03 10:00", channel="call", **r1),
        f(ft.ACTIVITY_LOGGED, "2026-11-04 10:00", channel="visit", **r1),
        f(ft.ACTIVITY_LOGGED, "2026-11-05 10:00", channel="email", **r2),
        f(ft.ACTIVITY_LOGGED, "2026-11-30 23:00", channel="visit", **r2),
        f(ft.ACTIVITY_LOGGED, "2026-12-01 01:00", channel="visit", **r2),
    ]
    surveys = [
        f(ft.SURVEY_ANSWERED, "2026-11-06 10:00", csat=5, nps=10, **r1),
        f(ft.SURVEY_ANSWERED, "2026-11-07 10:00", csat=4, nps=8, **r1),
        f(ft.SURVEY_ANSWERED, "2026-11-08 10:00", csat=2, nps=3, **r2),
        f(ft.SURVEY_ANSWERED, "2026-11-09 10:00", csat=5, nps=9, **r2),
        f(ft.SURVEY_ANSWERED, "2026-11-10 10:00", csat=3, nps=7, **r2),
    ]
    a1 = dict(rep="a1", team="cs")
    a2 = dict(rep="a2", team="cs")
    tickets = [
        f(ft.TICKET_OPENED, "2026-11-02 09:00", ticket_id="T1", ticket_kind="complaint", **a1),
        f(ft.TICKET_RESPONDED, "2026-11-02 10:00", ticket_id="T1", within_sla=True, **a1),
        f(ft.TICKET_RESOLVED, "2026-11-04 10:00", ticket_id="T1", **a1),
        f(ft.TICKET_OPENED, "2026-11-10 09:00", ticket_id="T2", ticket_kind="complaint", **a2),
        f(ft.TICKET_SLA_BREACHED, "2026-11-10 17:00", ticket_id="T2",
          sla_kind="first_response", **a2),
        f(ft.TICKET_RESPONDED, "2026-11-11 09:00", ticket_id="T2", **a2),
        f(ft.TICKET_RESOLVED, "2026-12-01 09:00", ticket_id="T2", **a2),
        f(ft.TICKET_OPENED, "2026-11-12 09:00", ticket_id="T3", ticket_kind="inquiry", **a1),
        f(ft.TICKET_RESPONDED, "2026-11-14 09:00", ticket_id="T3", within_sla=False, **a1),
        f(ft.TICKET_OPENED, "2026-10-28 09:00", ticket_id="T4", ticket_kind="complaint", **a1),
        f(ft.TICKET_RESPONDED, "2026-11-01 09:00", ticket_id="T4", within_sla=False, **a1),
        f(ft.TICKET_RESOLVED, "2026-11-03 09:00", ticket_id="T4", **a1),
        f(ft.TICKET_OPENED, "2026-11-29 09:00", ticket_id="T5", ticket_kind="complaint", **a2),
    ]
    violations = [
        f(ft.QA_VIOLATION, "2026-11-03 09:00", **a1),
        f(ft.QA_VIOLATION, "2026-11-13 09:00", **a1),
        f(ft.QA_VIOLATION, "2026-11-23 09:00", **a2),
    ]
    return orders + leads + deals + activities + surveys + tickets + violations


@pytest.fixture
def dataset() -> list[Fact]:
    return build_dataset()


@pytest.fixture
def november():
    return parse_period("2026-11", SHANGHAI)


@pytest.fixture
def make_fact() -> FactFactory:
    return FactFactory()


@pytest.fixture
def at():
    """at("2026-11-25 23:30"[, tz]) → the UTC instant of that local time."""
    return local_time


@pytest.fixture
def tz() -> ZoneInfo:
    return SHANGHAI
