"""Awards of a period: sales champion (highest revenue), most improved (highest growth)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from kpi.domain.awards import Award, most_improved, sales_champion
from kpi.domain.money import quantize_money
from kpi.domain.periods import Period, previous
from kpi.domain.rollup import REVENUE
from kpi.repository import Projection, sum_counters


def revenue_by_rep(session: Session, period: Period, reps: set[str] | None = None) -> dict:
    sums = sum_counters(session, period.start, period.end, dimension="rep", metrics=[REVENUE], by=("value",))
    return {rep: quantize_money(total) for (rep,), total in sums.items() if reps is None or rep in reps}


def awards(session: Session, current: Projection, period: Period,
           reps: set[str] | None = None) -> tuple[Award, Award]:
    """Among `reps` (None: everyone)."""
    now = revenue_by_rep(session, period, reps)
    before = revenue_by_rep(session, previous(period), reps)
    return sales_champion(now, current.currency), most_improved(now, before)
