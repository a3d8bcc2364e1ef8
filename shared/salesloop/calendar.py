"""Business calendars: working hours, holidays and make-up workdays.

Several services measure deadlines in business time (a lead's first-contact
deadline, a ticket's SLA, a delivery promise). A ``BusinessCalendar`` answers
"when is ``start`` plus N business hours" and "how much business time lies
between two instants" for one company location.

Working hours are wall-clock times in the calendar's time zone, so a 09:00
start stays 09:00 across a daylight-saving switch; every instant that leaves
this module is an aware datetime in UTC.

China moves working days around public holidays: a Saturday or Sunday can be a
make-up workday (调休上班). Those dates are listed in ``extra_working_days`` and
use ``extra_working_day_hours`` (by default the hours of the first working
weekday, Monday in most companies). A date cannot be both a holiday and a
make-up workday.

Configuration is a plain dict (JSON), see ``BusinessCalendar.from_dict``::

    {
      "timezone": "Asia/Shanghai",
      "workdays": ["mon", "tue", "wed", "thu", "fri"],
      "hours": ["09:00", "18:00"],
      "lunch_break": ["12:00", "13:30"],
      "holidays": ["2024-10-01/2024-10-07"],
      "extra_working_days": ["2024-09-29", "2024-10-12"]
    }

With ``"public_holidays": "CN"`` the country's public holidays and make-up
workdays come from a maintained package (chinesecalendar, updated each year when
the State Council publishes the schedule); the calendar's own ``holidays`` and
``extra_working_days`` then hold only the company's days, and a company working
day wins over a public holiday on the same date.

or, per weekday, ``"working_hours": {"mon": [["09:00", "12:00"], ["13:30", "18:00"]], ...}``,
or ``{"always_open": true}`` for a 24x7 calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from collections.abc import Iterable, Iterator, Mapping, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60

# Guards against a calendar that has no working time left (no weekday hours and
# every make-up day in the past): adding business time to it would never end.
_MAX_DAYS_WITHOUT_WORK = 2 * 366

_CONFIG_KEYS = frozenset({
    "timezone", "always_open", "working_hours", "workdays", "hours", "lunch_break",
    "holidays", "extra_working_days", "extra_working_day_hours", "public_holidays",
})


class CalendarError(ValueError):
    """A calendar was configured, or asked something, that cannot work."""


def public_days(country: str) -> tuple[frozenset[date], frozenset[date]]:
    """A country's public holidays and its make-up workdays (weekend days worked), as far as known."""
    if country.upper() != "CN":
        raise CalendarError(f"no public holiday source for {country!r} (known: CN)")
    import chinese_calendar  # loaded only by calendars that ask for it: a large table of dates

    holidays = frozenset(chinese_calendar.holidays)
    make_up = frozenset(day for day in chinese_calendar.workdays if day.weekday() >= 5)
    return holidays, make_up


@dataclass(frozen=True, order=True)
class WorkingPeriod:
    """A stretch of working time within one local day, in minutes after midnight.

    ``end_minute`` may be 1440 ("24:00") so a shift can run to the end of the day.
    """

    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < self.end_minute <= MINUTES_PER_DAY:
            raise CalendarError(
                f"a working period must start before it ends, within one day: "
                f"{_format_minute(self.start_minute)}-{_format_minute(self.end_minute)}"
            )

    @classmethod
    def parse(cls, start: str, end: str) -> WorkingPeriod:
        return cls(_parse_minute(start), _parse_minute(end))

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.end_minute - self.start_minute)

    def as_strings(self) -> list[str]:
        return [_format_minute(self.start_minute), _format_minute(self.end_minute)]

    def __str__(self) -> str:
        return "-".join(self.as_strings())


@dataclass(frozen=True)
class BusinessCalendar:
    """Working time of one location. Build it with a class method or ``from_dict``.

    ``week`` holds seven tuples of working periods, Monday first.
    """

    timezone: str
    week: tuple[tuple[WorkingPeriod, ...], ...]
    holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    extra_working_day_hours: tuple[WorkingPeriod, ...] = ()
    always_open: bool = False

    def __post_init__(self) -> None:
        _zone(self.timezone)
        if len(self.week) != 7:
            raise CalendarError("a week has seven days of working hours, Monday first")
        for periods in (*self.week, self.extra_working_day_hours):
            _check_no_overlap(periods)
        both = self.holidays & self.extra_working_days
        if both:
            listed = ", ".join(sorted(d.isoformat() for d in both))
            raise CalendarError(f"a date cannot be both a holiday and a make-up workday: {listed}")
        if self.extra_working_days and not self.extra_working_day_hours:
            raise CalendarError("make-up workdays need working hours (extra_working_day_hours)")

    # -- construction -----------------------------------------------------

    @classmethod
    def twenty_four_seven(cls, timezone: str = "UTC") -> BusinessCalendar:
        """Every instant counts: business time equals elapsed time."""
        return cls(timezone=timezone, week=((),) * 7, always_open=True)

    @classmethod
    def office_hours(
        cls,
        timezone: str,
        hours: tuple[str, str] = ("09:00", "18:00"),
        lunch_break: tuple[str, str] | None = None,
        workdays: Sequence[str] = WEEKDAYS[:5],
        holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> BusinessCalendar:
        """The same hours on every workday, optionally minus a lunch break."""
        periods = _day_periods(hours, lunch_break)
        chosen = _weekday_names(workdays)
        make_up_days = frozenset(extra_working_days)
        return cls(
            timezone=timezone,
            week=tuple(periods if name in chosen else () for name in WEEKDAYS),
            holidays=frozenset(holidays),
            extra_working_days=make_up_days,
            extra_working_day_hours=periods if make_up_days else (),
        )

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> BusinessCalendar:
        """Build a calendar from its JSON configuration (see the module docstring)."""
        unknown = set(config) - _CONFIG_KEYS
        if unknown:
            raise CalendarError(f"unknown calendar settings: {', '.join(sorted(unknown))}")
        timezone_name = config.get("timezone", "UTC")
        if config.get("always_open", False):
            return cls.twenty_four_seven(timezone_name)
        week = _week_from_config(config)
        holidays = frozenset(_parse_dates(config.get("holidays", ())))
        extra_days = frozenset(_parse_dates(config.get("extra_working_days", ())))
        if config.get("public_holidays"):
            public_off, public_on = public_days(config["public_holidays"])
            # The company's own days win: its working day is not a holiday, its day off not a make-up day.
            holidays = holidays | (public_off - extra_days)
            extra_days = extra_days | (public_on - holidays)
        if "extra_working_day_hours" in config:
            extra_hours = _periods_from_config(config["extra_working_day_hours"])
        else:
            extra_hours = next((periods for periods in week if periods), ())
        return cls(
            timezone=timezone_name,
            week=week,
            holidays=holidays,
            extra_working_days=extra_days,
            extra_working_day_hours=extra_hours if extra_days else (),
        )

    def to_dict(self) -> dict[str, Any]:
        """The configuration that ``from_dict`` turns back into this calendar."""
        if self.always_open:
            return {"timezone": self.timezone, "always_open": True}
        config: dict[str, Any] = {
            "timezone": self.timezone,
            "working_hours": {
                name: [period.as_strings() for period in periods]
                for name, periods in zip(WEEKDAYS, self.week, strict=False)
                if periods
            },
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "extra_working_days": sorted(d.isoformat() for d in self.extra_working_days),
        }
        if self.extra_working_days:
            config["extra_working_day_hours"] = [p.as_strings() for p in self.extra_working_day_hours]
        return config

    # -- questions ----------------------------------------------------------

    def hours_on(self, day: date) -> tuple[WorkingPeriod, ...]:
        """The working periods of a local date (empty on holidays and days off)."""
        if self.always_open:
            return (WorkingPeriod(0, MINUTES_PER_DAY),)
        if day in self.holidays:
            return ()
        if day in self.extra_working_days:
            return self.extra_working_day_hours
        return self.week[day.weekday()]

    def is_working_day(self, day: date) -> bool:
        return bool(self.hours_on(day))

    def working_periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of a local date as UTC instants ``[start, end)``.

        A period whose wall-clock times fall into a daylight-saving gap shrinks
        accordingly (and disappears if nothing of it exists).
        """
        zone = _zone(self.timezone)
        midnight = datetime.combine(day, time.min)
        periods = []
        for period in self.hours_on(day):
            start = _wall_to_utc(midnight + timedelta(minutes=period.start_minute), zone)
            end = _wall_to_utc(midnight + timedelta(minutes=period.end_minute), zone)
            if start < end:
                periods.append((start, end))
        return periods

    def is_working_time(self, moment: datetime) -> bool:
        moment = _as_utc(moment)
        if self.always_open:
            return True
        return any(start <= moment < end for start, end in self.working_periods(self._local_date(moment)))

    def next_working_time(self, moment: datetime) -> datetime:
        """``moment`` itself when it is working time, else the start of the next working period."""
        moment = _as_utc(moment)
        if self.always_open:
            return moment
        start, _ = next(self._periods_from(moment))
        return start

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which ``duration`` of business time has passed since ``start``.

        When the time runs out exactly at the end of a working period, that end
        is the answer (Friday 18:00, not Monday 09:00).
        """
        start = _as_utc(start)
        if duration < timedelta(0):
            raise CalendarError(f"cannot add a negative business duration: {duration}")
        if self.always_open or duration == timedelta(0):
            return start + duration
        remaining = duration
        for period_start, period_end in self._periods_from(start):
            available = period_end - period_start
            if remaining <= available:
                return period_start + remaining
            remaining -= available
        raise AssertionError("unreachable: _periods_from never ends")  # pragma: no cover

    def business_time_between(self, earlier: datetime, later: datetime) -> timedelta:
        """Business time in ``[earlier, later)``; negative when ``later`` comes first."""
        earlier, later = _as_utc(earlier), _as_utc(later)
        if later < earlier:
            return -self.business_time_between(later, earlier)
        if self.always_open:
            return later - earlier
        total = timedelta(0)
        day, last_day = self._local_date(earlier), self._local_date(later)
        while day <= last_day:
            for period_start, period_end in self.working_periods(day):
                overlap = min(period_end, later) - max(period_start, earlier)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    # -- internals ------------------------------------------------------------

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(_zone(self.timezone)).date()

    def _periods_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods from ``moment`` on, the first one clipped to start at ``moment``."""
        day = self._local_date(moment)
        days_without_work = 0
        while True:
            periods = self.working_periods(day)
            for period_start, period_end in periods:
                if period_end > moment:
                    yield max(period_start, moment), period_end
            days_without_work = 0 if periods else days_without_work + 1
            if days_without_work > _MAX_DAYS_WITHOUT_WORK:
                raise CalendarError(
                    f"no working time within {_MAX_DAYS_WITHOUT_WORK} days after {moment.isoformat()}"
                )
            day += timedelta(days=1)


# -- helpers ------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise CalendarError(f"unknown time zone: {name!r}") from error


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError(f"a time zone aware datetime is required, got {moment.isoformat()}")
    return moment.astimezone(UTC)


def _wall_to_utc(wall_clock: datetime, zone: ZoneInfo) -> datetime:
    # fold=0: an ambiguous wall time (autumn) is its first occurrence; a time in
    # the spring gap maps to the instant the clocks jumped past it.
    return wall_clock.replace(tzinfo=zone).astimezone(UTC)


def _parse_minute(text: str) -> int:
    try:
        hours_text, minutes_text = text.split(":")
        hours, minutes = int(hours_text), int(minutes_text)
    except (AttributeError, ValueError) as error:
        raise CalendarError(f"a time of day is written HH:MM, got {text!r}") from error
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise CalendarError(f"not a time of day: {text!r}")
    return hours * 60 + minutes


def _format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _check_no_overlap(periods: Sequence[WorkingPeriod]) -> None:
    for before, after in zip(periods, periods[1:], strict=False):
        if after.start_minute < before.end_minute:
            raise CalendarError(f"working periods must be in order and not overlap: {before}, {after}")


def _day_periods(hours: Sequence[str], lunch_break: Sequence[str] | None) -> tuple[WorkingPeriod, ...]:
    day = WorkingPeriod.parse(*_pair(hours, "hours"))
    if lunch_break is None:
        return (day,)
    lunch = WorkingPeriod.parse(*_pair(lunch_break, "lunch_break"))
    if not day.start_minute < lunch.start_minute < lunch.end_minute < day.end_minute:
        raise CalendarError(f"the lunch break {lunch} must lie inside the working hours {day}")
    return (
        WorkingPeriod(day.start_minute, lunch.start_minute),
        WorkingPeriod(lunch.end_minute, day.end_minute),
    )


def _pair(value: Sequence[str], name: str) -> tuple[str, str]:
    if isinstance(value, str) or len(value) != 2:
        raise CalendarError(f"{name} is a pair [start, end], got {value!r}")
    return value[0], value[1]


def _weekday_names(names: Iterable[str]) -> set[str]:
    chosen = {str(name).lower()[:3] for name in names}
    unknown = chosen - set(WEEKDAYS)
    if unknown:
        raise CalendarError(f"unknown weekdays: {', '.join(sorted(unknown))}")
    return chosen


def _periods_from_config(pairs: Sequence[Sequence[str]]) -> tuple[WorkingPeriod, ...]:
    return tuple(WorkingPeriod.parse(*_pair(pair, "a working period")) for pair in pairs)


def _week_from_config(config: Mapping[str, Any]) -> tuple[tuple[WorkingPeriod, ...], ...]:
    if "working_hours" in config:
        shorthand = {"workdays", "hours", "lunch_break"} & set(config)
        if shorthand:
            raise CalendarError(
                f"give either working_hours or {', '.join(sorted(shorthand))}, not both"
            )
        per_day = config["working_hours"]
        _weekday_names(per_day)
        by_name = {str(name).lower()[:3]: _periods_from_config(pairs) for name, pairs in per_day.items()}
        return tuple(by_name.get(name, ()) for name in WEEKDAYS)
    periods = _day_periods(config.get("hours", ("09:00", "18:00")), config.get("lunch_break"))
    workdays = _weekday_names(config.get("workdays", WEEKDAYS[:5]))
    return tuple(periods if name in workdays else () for name in WEEKDAYS)


def _parse_dates(entries: Iterable[str]) -> Iterator[date]:
    """Dates as ``YYYY-MM-DD`` or inclusive ranges ``YYYY-MM-DD/YYYY-MM-DD``."""
    if isinstance(entries, str):
        raise CalendarError("dates are given as a list")
    for entry in entries:
        first_text, _, last_text = str(entry).partition("/")
        first = _parse_date(first_text)
        last = _parse_date(last_text) if last_text else first
        if last < first:
            raise CalendarError(f"a date range must not end before it starts: {entry!r}")
        while first <= last:
            yield first
            first += timedelta(days=1)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise CalendarError(f"a date is written YYYY-MM-DD, got {text!r}") from error
