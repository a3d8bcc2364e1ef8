"""Customer care: return visits by ABC class, birthday and holiday greetings.

A daily sweep calls ``due_tasks`` with the customers, the care tasks that
already exist and today's date; it gets back only tasks that do not exist yet,
each identified by ``(customer, kind, due date)`` so a sweep that runs twice (or
a task store with a unique key on those three) creates every task once.

- Return visits: every class has an interval in months (A monthly, B quarterly,
  C half-yearly by default). The next visit is due one interval after the last
  completed visit (or after the customer was won); while a visit task is open,
  no other is created, so a reclassification simply moves the next one.
- Birthdays: a 29 February birthday is celebrated on 28 February in other years.
- Holidays: a configurable list of dated holidays (lunar holidays such as the
  Spring Festival move every year, so the list carries dates, not rules).
- Greetings are created from ``lead_days`` before the occasion until the day
  itself, never afterwards: a late birthday greeting is worse than none.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any
from collections.abc import Iterable, Mapping

from .errors import InvalidConfiguration


class CustomerClass(StrEnum):
    A = "A"
    B = "B"
    C = "C"


class CareKind(StrEnum):
    RETURN_VISIT = "return_visit"
    BIRTHDAY = "birthday"
    HOLIDAY = "holiday"


@dataclass(frozen=True)
class Birthday:
    month: int
    day: int

    def __post_init__(self) -> None:
        try:
            date(2000, self.month, self.day)  # a leap year, so 29 February is valid
        except (TypeError, ValueError):
            raise InvalidConfiguration(f"not a birthday: month {self.month}, day {self.day}") from None

    def in_year(self, year: int) -> date:
        if (self.month, self.day) == (2, 29) and not calendar.isleap(year):
            return date(year, 2, 28)
        return date(year, self.month, self.day)


@dataclass(frozen=True)
class HolidayGreeting:
    name: str
    on: date
    name_zh: str = ""


@dataclass(frozen=True)
class CarePlan:
    visit_every_months: Mapping[CustomerClass, int] = field(
        default_factory=lambda: {CustomerClass.A: 1, CustomerClass.B: 3, CustomerClass.C: 6}
    )
    unclassified_as: CustomerClass = CustomerClass.C
    holidays: tuple[HolidayGreeting, ...] = ()
    greeting_lead_days: int = 0
    horizon_days: int = 0  # create return visits this many days before they are due

    def __post_init__(self) -> None:
        missing = [c.value for c in CustomerClass if c not in self.visit_every_months]
        if missing:
            raise InvalidConfiguration(f"no return-visit interval for class {', '.join(missing)}")
        if any(months <= 0 for months in self.visit_every_months.values()):
            raise InvalidConfiguration("return-visit intervals must be at least one month")
        if self.greeting_lead_days < 0 or self.horizon_days < 0:
            raise InvalidConfiguration("lead and horizon days cannot be negative")

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> CarePlan:
        """``{"visit_every_months": {"A": 1, "B": 3, "C": 6}, "unclassified_as": "C",
        "greeting_lead_days": 0, "horizon_days": 0,
        "holidays": [{"name": "Spring Festival", "name_zh": "春节", "date": "2026-02-17"}]}``"""
        known = {"visit_every_months", "unclassified_as", "holidays", "greeting_lead_days", "horizon_days"}
        unknown = set(config) - known
        if unknown:
            raise InvalidConfiguration(f"unknown care plan settings: {', '.join(sorted(unknown))}")
        try:
            intervals = {
                CustomerClass(name): int(months)
                for name, months in config.get("visit_every_months", {"A": 1, "B": 3, "C": 6}).items()
            }
            holidays = tuple(
                HolidayGreeting(name=h["name"], on=date.fromisoformat(h["date"]), name_zh=h.get("name_zh", ""))
                for h in config.get("holidays", ())
            )
            return cls(
                visit_every_months=intervals,
                unclassified_as=CustomerClass(config.get("unclassified_as", "C")),
                holidays=holidays,
                greeting_lead_days=int(config.get("greeting_lead_days", 0)),
                horizon_days=int(config.get("horizon_days", 0)),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidConfiguration(f"invalid care plan: {error}") from None

    def interval_months(self, customer_class: CustomerClass | None) -> int:
        return self.visit_every_months[customer_class or self.unclassified_as]


@dataclass(frozen=True)
class CareCustomer:
    id: str
    customer_class: CustomerClass | None = None
    customer_since: date | None = None
    birthday: Birthday | None = None
    accepts_greetings: bool = True
    owner_id: str | None = None  # the rep or agent who looks after the customer


@dataclass(frozen=True)
class CareTaskKey:
    customer_id: str
    kind: CareKind
    due_on: date


@dataclass(frozen=True)
class CareTask:
    customer_id: str
    kind: CareKind
    due_on: date
    occasion: str
    assignee: str | None = None

    @property
    def key(self) -> CareTaskKey:
        return CareTaskKey(self.customer_id, self.kind, self.due_on)


@dataclass(frozen=True)
class ExistingCareTask:
    """A care task already created (open while ``completed_on`` is None)."""

    customer_id: str
    kind: CareKind
    due_on: date
    completed_on: date | None = None

    @property
    def key(self) -> CareTaskKey:
        return CareTaskKey(self.customer_id, self.kind, self.due_on)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day (31 January + 1 month = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_return_visit(
    customer: CareCustomer, last_completed_on: date | None, today: date, plan: CarePlan
) -> date:
    """One class interval after the last completed visit, else after the customer was won, else today."""
    base = last_completed_on or customer.customer_since
    if base is None:
        return today
    return add_months(base, plan.interval_months(customer.customer_class))


def due_tasks(
    customers: Iterable[CareCustomer],
    existing: Iterable[ExistingCareTask],
    today: date,
    plan: CarePlan | None = None,
) -> list[CareTask]:
    """The care tasks due by ``today`` (plus the plan's horizons) that do not exist yet."""
    plan = plan or CarePlan()
    existing_by_customer: dict[str, list[ExistingCareTask]] = {}
    for existing_task in existing:
        existing_by_customer.setdefault(existing_task.customer_id, []).append(existing_task)
    found: dict[CareTaskKey, CareTask] = {}
    for customer in customers:
        tasks = existing_by_customer.get(customer.id, [])
        candidates = [_return_visit(customer, tasks, today, plan)]
        if customer.accepts_greetings:
            candidates += _birthday_greetings(customer, today, plan)
            candidates += _holiday_greetings(customer, today, plan)
        known = {task.key for task in tasks}
        for task in candidates:
            if task is None or task.key in known:
                continue
            if task.key in found:  # two holidays on one day: one greeting naming both
                task = _merge(found[task.key], task)
            found[task.key] = task
    return sorted(found.values(), key=lambda t: (t.due_on, t.customer_id, t.kind))


def _return_visit(
    customer: CareCustomer, tasks: list[ExistingCareTask], today: date, plan: CarePlan
) -> CareTask | None:
    visits = [task for task in tasks if task.kind is CareKind.RETURN_VISIT]
    if any(task.completed_on is None for task in visits):
        return None
    last_completed = max((task.completed_on for task in visits if task.completed_on), default=None)
    due_on = next_return_visit(customer, last_completed, today, plan)
    if due_on > today + timedelta(days=plan.horizon_days):
        return None
    customer_class = customer.customer_class or plan.unclassified_as
    return CareTask(customer.id, CareKind.RETURN_VISIT, due_on, f"return visit (class {customer_class})",
                    customer.owner_id)


def _birthday_greetings(customer: CareCustomer, today: date, plan: CarePlan) -> list[CareTask]:
    if customer.birthday is None:
        return []
    occasions = [customer.birthday.in_year(year) for year in (today.year, today.year + 1)]
    return [
        CareTask(customer.id, CareKind.BIRTHDAY, _greeting_day(on, plan), "birthday", customer.owner_id)
        for on in occasions
        if _greeting_window_open(on, today, plan)
    ]


def _holiday_greetings(customer: CareCustomer, today: date, plan: CarePlan) -> list[CareTask]:
    return [
        CareTask(customer.id, CareKind.HOLIDAY, _greeting_day(holiday.on, plan), holiday.name, customer.owner_id)
        for holiday in plan.holidays
        if _greeting_window_open(holiday.on, today, plan)
    ]


def _greeting_day(occasion: date, plan: CarePlan) -> date:
    return occasion - timedelta(days=plan.greeting_lead_days)


def _greeting_window_open(occasion: date, today: date, plan: CarePlan) -> bool:
    return _greeting_day(occasion, plan) <= today <= occasion


def _merge(first: CareTask, second: CareTask) -> CareTask:
    return CareTask(first.customer_id, first.kind, first.due_on, f"{first.occasion} / {second.occasion}",
                    first.assignee)


# Dated holidays for the default plan; keep the list up to date every year.
CHINESE_HOLIDAYS_2025_2026 = (
    HolidayGreeting("New Year", date(2025, 1, 1), "元旦"),
    HolidayGreeting("Spring Festival", date(2025, 1, 29), "春节"),
    HolidayGreeting("National Day", date(2025, 10, 1), "国庆节"),
    HolidayGreeting("Mid-Autumn Festival", date(2025, 10, 6), "中秋节"),
    HolidayGreeting("New Year", date(2026, 1, 1), "元旦"),
    HolidayGreeting("Spring Festival", date(2026, 2, 17), "春节"),
    HolidayGreeting("Mid-Autumn Festival", date(2026, 9, 25), "中秋节"),
    HolidayGreeting("National Day", date(2026, 10, 1), "国庆节"),
)
