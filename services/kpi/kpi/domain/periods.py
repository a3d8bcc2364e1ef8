"""Reporting periods in the company's local calendar.

A sale belongs to the local day on which it happened for the sales team: an
order at 23:30 in Shanghai is that day's sale even though it is 15:30 UTC, and
one at 00:30 is the next day's even though UTC still shows the day before. So a
Period is a run of whole *local* dates; its UTC bounds are only derived for
querying the fact log, whose timestamps are UTC.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidPeriod, TimezoneRequired, UnknownTimezone


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO 8601 week, Monday to Sunday
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    RANGE = "range"  # any run of whole days, both ends inclusive


def company_timezone(name: str) -> ZoneInfo:
    """The ZoneInfo for a configured IANA name, e.g. "Asia/Shanghai"."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise UnknownTimezone(f"unknown timezone {name!r}") from error


def require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TimezoneRequired(f"datetime {moment.isoformat()} has no timezone")
    return moment


def local_date(moment: datetime, tz: tzinfo) -> date:
    """The calendar date, in `tz`, of an instant."""
    return require_aware(moment).astimezone(tz).date()


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date
    end: date  # inclusive
    tz: tzinfo

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", as_kind(self.kind))
        if not isinstance(self.tz, tzinfo):
            raise InvalidPeriod("a period needs the company timezone")
        if self.start > self.end:
            raise InvalidPeriod(f"period starts {self.start} after it ends {self.end}")
        if self.kind is not PeriodKind.RANGE:
            if _bounds(self.start, self.kind) != (self.start, self.end):
                raise InvalidPeriod(
                    f"{self.start}..{self.end} is not a whole {self.kind.value}"
                )

    # -- constructors -------------------------------------------------------
    @classmethod
    def day(cls, day: date, tz: tzinfo) -> Period:
        return cls(PeriodKind.DAY, day, day, tz)

    @classmethod
    def iso_week(cls, iso_year: int, week: int, tz: tzinfo) -> Period:
        if not 1 <= week <= iso_weeks_in_year(iso_year):
            raise InvalidPeriod(f"{iso_year} has no ISO week {week}")
        return _containing(date.fromisocalendar(iso_year, week, 1), PeriodKind.WEEK, tz)

    @classmethod
    def month(cls, year: int, month: int, tz: tzinfo) -> Period:
        if not 1 <= month <= 12:
            raise InvalidPeriod(f"there is no month {month}")
        return _containing(date(year, month, 1), PeriodKind.MONTH, tz)

    @classmethod
    def quarter(cls, year: int, quarter: int, tz: tzinfo) -> Period:
        if not 1 <= quarter <= 4:
            raise InvalidPeriod(f"there is no quarter {quarter}")
        return _containing(date(year, 3 * quarter - 2, 1), PeriodKind.QUARTER, tz)

    @classmethod
    def year(cls, year: int, tz: tzinfo) -> Period:
        return _containing(date(year, 1, 1), PeriodKind.YEAR, tz)

    @classmethod
    def range(cls, start: date, end: date, tz: tzinfo) -> Period:
        return cls(PeriodKind.RANGE, start, end, tz)

    # -- queries ------------------------------------------------------------
    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range(self.days)]

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the first day to local
        midnight after the last day (DST-safe, unlike start + n × 24 h)."""
        return (
            _local_midnight_utc(self.start, self.tz),
            _local_midnight_utc(self.end + timedelta(days=1), self.tz),
        )

    def contains(self, moment: datetime) -> bool:
        return self.start <= local_date(moment, self.tz) <= self.end

    def contains_date(self, day: date) -> bool:
        return self.start <= day <= self.end

    def label(self) -> str:
        """The string `parse_period` reads back into this period."""
        match self.kind:
            case PeriodKind.DAY:
                return self.start.isoformat()
            case PeriodKind.WEEK:
                iso_year, week, _ = self.start.isocalendar()
                return f"{iso_year:04d}-W{week:02d}"
            case PeriodKind.MONTH:
                return f"{self.start.year:04d}-{self.start.month:02d}"
            case PeriodKind.QUARTER:
                return f"{self.start.year:04d}-Q{(self.start.month - 1) // 3 + 1}"
            case PeriodKind.YEAR:
                return f"{self.start.year:04d}"
            case _:
                return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def __str__(self) -> str:
        return self.label()


def _local_midnight_utc(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)


def iso_weeks_in_year(iso_year: int) -> int:
    # 28 December always lies in the last ISO week of its year.
    return date(iso_year, 12, 28).isocalendar()[1]


def as_kind(value: PeriodKind | str) -> PeriodKind:
    try:
        return PeriodKind(value)
    except ValueError as error:
        kinds = ", ".join(kind.value for kind in PeriodKind)
        raise InvalidPeriod(f"unknown period kind {value!r}; use one of {kinds}") from error


def _bounds(day: date, kind: PeriodKind) -> tuple[date, date]:
    """First and last date of the period of `kind` containing `day`."""
    match kind:
        case PeriodKind.DAY:
            return day, day
        case PeriodKind.WEEK:
            monday = day - timedelta(days=day.weekday())
            return monday, monday + timedelta(days=6)
        case PeriodKind.MONTH:
            return day.replace(day=1), day.replace(
                day=calendar.monthrange(day.year, day.month)[1])
        case PeriodKind.QUARTER:
            first_month = 3 * ((day.month - 1) // 3) + 1
            last_month = first_month + 2
            return date(day.year, first_month, 1), date(
                day.year, last_month, calendar.monthrange(day.year, last_month)[1])
        case PeriodKind.YEAR:
            return date(day.year, 1, 1), date(day.year, 12, 31)
    raise InvalidPeriod(f"a {kind.value} cannot be derived from a single date")


def _containing(day: date, kind: PeriodKind, tz: tzinfo) -> Period:
    start, end = _bounds(day, kind)
    return Period(kind, start, end, tz)


def period_of(moment: datetime, kind: PeriodKind | str, tz: tzinfo) -> Period:
    """The period of `kind` containing the instant `moment`, in local time `tz`."""
    return _containing(local_date(moment, tz), as_kind(kind), tz)


def period_containing(day: date, kind: PeriodKind | str, tz: tzinfo) -> Period:
    """The period of `kind` containing the local date `day`."""
    return _containing(day, as_kind(kind), tz)


def previous(period: Period) -> Period:
    """The period just before: last month, last ISO week, or for a range the
    range of equal length ending the day before."""
    if period.kind is PeriodKind.RANGE:
        length = timedelta(days=period.days)
        return Period.range(period.start - length, period.end - length, period.tz)
    return _containing(period.start - timedelta(days=1), period.kind, period.tz)


def following(period: Period) -> Period:
    if period.kind is PeriodKind.RANGE:
        length = timedelta(days=period.days)
        return Period.range(period.start + length, period.end + length, period.tz)
    return _containing(period.end + timedelta(days=1), period.kind, period.tz)


def same_period_last_year(period: Period) -> Period:
    """The comparable period one year earlier.

    Weeks compare ISO week to ISO week (2026-W47 → 2025-W47); a week 53 with no
    counterpart maps to week 52. 29 February maps to 28 February.
    """
    tz = period.tz
    match period.kind:
        case PeriodKind.WEEK:
            iso_year, week, _ = period.start.isocalendar()
            return Period.iso_week(
                iso_year - 1, min(week, iso_weeks_in_year(iso_year - 1)), tz
            )
        case PeriodKind.DAY:
            return Period.day(_year_earlier(period.start), tz)
        case PeriodKind.RANGE:
            return Period.range(
                _year_earlier(period.start), _year_earlier(period.end), tz
            )
    return _containing(_year_earlier(period.start), period.kind, tz)


def _year_earlier(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def trailing_months(last_day: date, months: int, tz: tzinfo) -> Period:
    """A range of `months` whole months of days ending on `last_day` inclusive,
    e.g. trailing 12 months to 2026-11-30 is 2025-12-01..2026-11-30."""
    if months < 1:
        raise InvalidPeriod("a trailing window needs at least one month")
    day_after = last_day + timedelta(days=1)
    total = day_after.year * 12 + (day_after.month - 1) - months
    year, month_index = divmod(total, 12)
    day = min(day_after.day, calendar.monthrange(year, month_index + 1)[1])
    return Period.range(date(year, month_index + 1, day), last_day, tz)


def sub_periods(period: Period, kind: PeriodKind | str) -> list[Period]:
    """The periods of `kind` overlapping `period`, in order (for trend charts);
    the first and last may stick out of `period` (e.g. weeks of a month)."""
    kind = as_kind(kind)
    result = [_containing(period.start, kind, period.tz)]
    while result[-1].end < period.end:
        result.append(following(result[-1]))
    return result


_DAY = r"(\d{4})-(\d{2})-(\d{2})"
_PATTERNS: list[tuple[re.Pattern[str], PeriodKind]] = [
    (re.compile(rf"^{_DAY}\.\.{_DAY}$"), PeriodKind.RANGE),
    (re.compile(rf"^{_DAY}$"), PeriodKind.DAY),
    (re.compile(r"^(\d{4})-[Ww](\d{1,2})$"), PeriodKind.WEEK),
    (re.compile(r"^(\d{4})-[Qq]([1-4])$"), PeriodKind.QUARTER),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), PeriodKind.MONTH),
    (re.compile(r"^(\d{4})$"), PeriodKind.YEAR),
]


def parse_period(text: str, tz: tzinfo) -> Period:
    """Read "2026", "2026-Q4", "2026-11", "2026-W47", "2026-11-25" or
    "2026-11-01..2026-11-15" as a period in the local calendar `tz`."""
    cleaned = text.strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(cleaned)
        if match:
            numbers = [int(group) for group in match.groups()]
            try:
                return _build(kind, numbers, tz)
            except InvalidPeriod as error:
                raise InvalidPeriod(f"{text!r} is not a valid period: {error.message}") from error
            except ValueError as error:
                raise InvalidPeriod(f"{text!r} is not a valid period: {error}") from error
    raise InvalidPeriod(
        f"{text!r} is not a period; use 2026, 2026-Q4, 2026-11, 2026-W47, "
        "2026-11-25 or 2026-11-01..2026-11-15"
    )


def _build(kind: PeriodKind, numbers: list[int], tz: tzinfo) -> Period:
    match kind:
        case PeriodKind.RANGE:
            return Period.range(date(*numbers[:3]), date(*numbers[3:]), tz)
        case PeriodKind.DAY:
            return Period.day(date(*numbers), tz)
        case PeriodKind.WEEK:
            return Period.iso_week(numbers[0], numbers[1], tz)
        case PeriodKind.QUARTER:
            return Period.quarter(numbers[0], numbers[1], tz)
        case PeriodKind.MONTH:
            return Period.month(numbers[0], numbers[1], tz)
    return Period.year(numbers[0], tz)
