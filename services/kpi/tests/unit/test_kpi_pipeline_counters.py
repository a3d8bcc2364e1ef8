"""The weighted pipeline kept as counters of changes equals the pipeline folded
from the deals' facts, at the end of any period, for any slice, whatever order
the facts arrive in."""
import random
from datetime import date, timedelta
from decimal import Decimal as D

import itertools
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from kpi.domain import facts as ft
from kpi.domain import projection as pj
from kpi.domain.facts import Dimension, Scope
from kpi.domain.money import EventMoney
from kpi.domain.funnel_metrics import PIPELINE_COUNTERS, pipeline_value, weighted_pipeline
from kpi.domain.periods import parse_period
from kpi.domain.rollup import Rollup

SHANGHAI = ZoneInfo("Asia/Shanghai")
CNY = "CNY"


def cny(amount: str) -> EventMoney:
    return EventMoney(D(amount), CNY)


def money(amount: str, currency: str, rate: str) -> EventMoney:
    return EventMoney(D(amount), currency, D(rate))


def fact_factory():
    ids = itertools.count(1)

    def make(event_type: str, when: str, **fields):
        if isinstance(fields.get("products"), str):
            fields["products"] = (fields["products"],)
        at = datetime.fromisoformat(when).replace(tzinfo=SHANGHAI).astimezone(timezone.utc)
        return ft.Fact(fact_id=f"f{next(ids):04d}", event_type=event_type, occurred_at=at, **fields)
    return make


REPS = [dict(rep="r1", team="t1", region="east", source="web"),
        dict(rep="r2", team="t1", region="west", source="referral"),
        dict(rep="r3", team="t2", region="east", source="web")]
KINDS = [ft.DEAL_OPENED, ft.DEAL_STAGE_CHANGED, ft.PROPOSAL_SENT, ft.DEAL_WON, ft.DEAL_LOST]


def random_deals(seed: int, deals: int = 40) -> list:
    """Deals opened, moved, re-owned, re-priced, closed and reopened over three
    months; some without an amount or a probability, some in USD."""
    rng, make = random.Random(seed), fact_factory()
    facts = []
    for n in range(deals):
        day = date(2026, 9, 1) + timedelta(days=rng.randrange(60))
        for step in range(rng.randrange(1, 6)):
            fields = dict(deal_id=f"D{n}")
            if step == 0 or rng.random() < 0.3:
                fields.update(rng.choice(REPS))
            if rng.random() < 0.6:
                fields["amount"] = cny(f"{rng.randrange(100, 90000)}.{rng.randrange(100):02d}") \
                    if rng.random() < 0.8 else money(f"{rng.randrange(100, 9000)}.00", "USD", "7.1234")
            if rng.random() < 0.6:
                fields["probability_percent"] = D(rng.randrange(0, 10001)) / 100
            if rng.random() < 0.3:
                fields["products"] = rng.choice(["P1", "P2"])
            kind = ft.DEAL_OPENED if step == 0 else rng.choice(KINDS)
            when = day + timedelta(days=step * rng.randrange(0, 9))
            facts.append(make(kind, f"{when.isoformat()} {rng.randrange(24):02d}:30", **fields))
    return facts


def counted_pipeline(totals: dict, period, dimension: Dimension, value: str):
    """What the read side does: every change up to the period's last day."""
    sums: dict = {}
    for key, amount in totals.items():
        if key.metric in PIPELINE_COUNTERS and key.dimension == dimension.value and key.value == value \
                and key.day <= period.end:
            sums[key.metric] = sums.get(key.metric, D(0)) + amount
    return pipeline_value(sums, CNY)


SLICES = [(Dimension.ALL, ""), (Dimension.REP, "r1"), (Dimension.REP, "r2"), (Dimension.TEAM, "t1"),
          (Dimension.REGION, "east"), (Dimension.SOURCE, "referral"), (Dimension.PRODUCT, "P1")]
PERIODS = ["2026-09", "2026-10", "2026-11", "2026-10-15", "2026-W44", "2026-Q4"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_counted_pipeline_is_the_folded_pipeline(seed):
    facts = random_deals(seed)
    arrival = facts[:]
    random.Random(seed).shuffle(arrival)
    rollup = Rollup(SHANGHAI, CNY)
    for fact in arrival:
        rollup.apply(fact)
    totals = rollup.totals()
    assert totals == pj.recompute_all(facts, SHANGHAI, CNY)
    for label in PERIODS:
        period = parse_period(label, SHANGHAI)
        for dimension, value in SLICES:
            scope = Scope() if dimension is Dimension.ALL else Scope(**{dimension.value: value})
            assert counted_pipeline(totals, period, dimension, value) == \
                weighted_pipeline(facts, period, currency=CNY, scope=scope), (label, dimension, value)


def test_a_late_fact_re_bases_the_changes_after_it(make_fact):
    """A price change that arrives after the loss it preceded still counts until the loss."""
    opened = make_fact(ft.DEAL_OPENED, "2026-10-01 10:00", deal_id="D", amount=cny("1000.00"),
                       probability_percent=D(50), rep="r1")
    lost = make_fact(ft.DEAL_LOST, "2026-10-20 10:00", deal_id="D")
    repriced = make_fact(ft.DEAL_STAGE_CHANGED, "2026-10-10 10:00", deal_id="D", amount=cny("3000.00"))
    rollup = Rollup(SHANGHAI, CNY)
    for fact in (opened, lost, repriced):
        rollup.apply(fact)
    at = {label: counted_pipeline(rollup.totals(), parse_period(label, SHANGHAI), Dimension.REP, "r1").value
          for label in ("2026-10-05", "2026-10-15", "2026-10-25")}
    assert at == {"2026-10-05": D("500.00"), "2026-10-15": D("1500.00"), "2026-10-25": D("0.00")}
