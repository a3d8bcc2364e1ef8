"""Working-day arithmetic for plans and delivery promises.

A ``WorkCalendar`` knows the company's zone (a due date is a local calendar
day), its weekend and its holidays. Counting plain calendar days is the same
calendar with no weekend and no holidays, which is the default.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from orders.domain.errors import RuleViolation

SATURDAY, SUNDAY = 5, 6


@dataclass(frozen=True)
class WorkCalendar:
    zone: str = "UTC"
    weekend: frozenset[int] = frozenset()  # date.weekday() numbers, Monday = 0
    holidays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def local_date(self, at: datetime) -> date:
        """The calendar day ``at`` falls on in the company's zone."""
        if at.utcoffset() is None:
            raise RuleViolation("a point in time must carry its timezone")
        return at.astimezone(ZoneInfo(self.zone)).date()

    def add_working_days(self, start: date, days: int) -> date:
        """The day ``days`` working days after ``start``."""
        return self._step(start, days, timedelta(days=1))

    def subtract_working_days(self, end: date, days: int) -> date:
        """The day ``days`` working days before ``end``."""
        return self._step(end, days, timedelta(days=-1))

    def _step(self, origin: date, days: int, step: timedelta) -> date:
        if days < 0:
            raise RuleViolation("a number of working days cannot be negative")
        if len(self.weekend) >= 7:
            raise RuleViolation("a calendar needs at least one working weekday")
        day = origin
        remaining = days
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day


CALENDAR_DAYS = WorkCalendar()


def office_calendar(zone: str, holidays: frozenset[date] = frozenset()) -> WorkCalendar:
    """Monday-to-Friday working days in ``zone``, minus ``holidays``."""
    return WorkCalendar(zone=zone, weekend=frozenset({SATURDAY, SUNDAY}), holidays=holidays)
