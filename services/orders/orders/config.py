"""The Orders service's own settings, read from the environment by the composition root.

Each variable may also be given in ``Settings.extra`` (tests and embedded
runs), which wins over the environment. Nothing is read at import time.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from salesloop.config import ConfigError, Settings

from orders.domain.plan import DEFAULT_LEAD_TIMES, LeadTimes
from orders.domain.storefront import StorefrontSettings
from orders.domain.workdays import WorkCalendar

WEEKDAY_NUMBERS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass(frozen=True)
class StorefrontOwner:
    """Who storefront orders belong to (they come without a rep)."""

    rep_id: str | None = None
    team: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class OrdersConfig:
    company_currency: str
    calendar: WorkCalendar
    lead_times: LeadTimes = DEFAULT_LEAD_TIMES
    stage_owners: dict[str, str] = field(default_factory=dict)
    storefront: StorefrontSettings = field(default_factory=StorefrontSettings)
    storefront_owner: StorefrontOwner = field(default_factory=StorefrontOwner)
    number_prefix: str = "SO"
    overdue_sweep_seconds: float = 300.0
    ship_requires_plan: bool = True

    @property
    def stages(self) -> tuple[str, ...]:
        return tuple(self.lead_times.days)


def orders_config(settings: Settings) -> OrdersConfig:
    read = _Reader(settings)
    calendar = WorkCalendar(zone=settings.company_timezone,
                            weekend=read.weekdays("ORDERS_WEEKEND", "sat,sun"),
                            holidays=read.dates("ORDERS_HOLIDAYS"))
    lead_days = read.pairs("ORDERS_LEAD_TIMES", int) or dict(DEFAULT_LEAD_TIMES.days)
    lead_times = LeadTimes(MappingProxyType(lead_days), calendar)
    problems = lead_times.errors(tuple(lead_days))
    if problems or not lead_days:
        raise ConfigError(f"ORDERS_LEAD_TIMES is invalid: {problems or 'no stage'}")
    return OrdersConfig(
        company_currency=settings.company_currency,
        calendar=calendar,
        lead_times=lead_times,
        stage_owners=read.pairs("ORDERS_STAGE_OWNERS", str),
        storefront=StorefrontSettings(
            default_delivery_days=read.number("ORDERS_STOREFRONT_DELIVERY_DAYS", 7, int),
            default_payment_terms=read.text("ORDERS_STOREFRONT_PAYMENT_TERMS") or "prepaid",
            calendar=calendar,
        ),
        storefront_owner=StorefrontOwner(read.text("ORDERS_STOREFRONT_REP_ID"),
                                         read.text("ORDERS_STOREFRONT_TEAM"),
                                         read.text("ORDERS_STOREFRONT_REGION")),
        number_prefix=read.text("ORDERS_NUMBER_PREFIX") or "SO",
        overdue_sweep_seconds=read.number("ORDERS_OVERDUE_SWEEP_SECONDS", 300.0, float),
        ship_requires_plan=(read.text("ORDERS_SHIP_REQUIRES_PLAN") or "true").lower() not in ("0", "false", "no"),
    )


class _Reader:
    def __init__(self, settings: Settings):
        self.extra = settings.extra or {}

    def text(self, name: str) -> str | None:
        value = self.extra.get(name, os.environ.get(name))
        if value is None:
            return None
        return str(value).strip() or None

    def number(self, name: str, default, kind):
        raw = self.text(name)
        if raw is None:
            return default
        try:
            return kind(raw)
        except ValueError as exc:
            raise ConfigError(f"{name} must be a number, got {raw!r}") from exc

    def pairs(self, name: str, kind) -> dict:
        """``"purchasing=5,production=10"`` → {"purchasing": 5, "production": 10}."""
        raw = self.text(name)
        if not raw:
            return {}
        result = {}
        for part in raw.split(","):
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                raise ConfigError(f"{name} must look like stage=value,stage=value; got {raw!r}")
            try:
                result[key.strip()] = kind(value.strip())
            except ValueError as exc:
                raise ConfigError(f"{name}: {value!r} is not a valid value for {key.strip()}") from exc
        return result

    def weekdays(self, name: str, default: str) -> frozenset[int]:
        raw = self.text(name)
        raw = default if raw is None else raw
        if raw.lower() == "none":  # every day is a working day
            return frozenset()
        names = [part.strip().lower()[:3] for part in raw.split(",") if part.strip()]
        unknown = [n for n in names if n not in WEEKDAY_NUMBERS]
        if unknown or len(names) >= 7:
            raise ConfigError(f"{name} must list weekdays (mon..sun), at most six; got {raw!r}")
        return frozenset(WEEKDAY_NUMBERS[n] for n in names)

    def dates(self, name: str) -> frozenset[date]:
        raw = self.text(name) or ""
        try:
            return frozenset(date.fromisoformat(part.strip()) for part in raw.split(",") if part.strip())
        except ValueError as exc:
            raise ConfigError(f"{name} must list ISO dates separated by commas: {exc}") from exc
