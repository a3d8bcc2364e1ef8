"""Small helpers every command uses."""
from __future__ import annotations

from datetime import datetime

from kpi.domain.errors import Forbidden
from kpi.domain.periods import Period, local_date, parse_period
from kpi.repository import Projection


def period_from(text: str, current: Projection) -> Period:
    """A period label in the projections' local calendar (InvalidPeriod → 422)."""
    return parse_period(text, current.tz)


def local_today(now: datetime, current: Projection):
    return local_date(now, current.tz)


def forbidden(detail: str) -> Forbidden:
    return Forbidden(detail)
