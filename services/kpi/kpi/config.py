"""The KPI service's own settings, read once by the composition root.

Each comes from the environment (``KPI_…``) or, in tests, from
``Settings.extra`` under the same name. Company currency and timezone are the
shared ``COMPANY_CURRENCY`` and ``COMPANY_TIMEZONE``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from collections.abc import Callable

from salesloop.config import ConfigError

from kpi.domain.abc import AbcThresholds
from kpi.domain.errors import DomainError
from kpi.domain.periods import company_timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class KpiConfig:
    timezone: str = "Asia/Shanghai"
    currency: str = "CNY"
    abc_thresholds: AbcThresholds = field(default_factory=AbcThresholds)
    abc_months: int = 12
    abc_sweep_seconds: float = 900.0  # how often the worker checks whether today's run is due
    report_sweep_seconds: float = 300.0
    report_grace_minutes: int = 60  # wait for late events before a closed period's report
    target_grace_days: int = 1  # targets can be set until the end of the period's first days
    public_url: str = ""  # prefix of the url in kpi.report.ready, e.g. https://kpi.example.com
    clock: Callable[[], datetime] = utcnow

    @property
    def tz(self):
        return company_timezone(self.timezone)


def _lookup(settings, name: str) -> str | None:
    extra = getattr(settings, "extra", None) or {}
    value = extra.get(name, os.environ.get(name))
    return None if value in (None, "") else str(value)


def _number(settings, name: str, default, kind):
    raw = _lookup(settings, name)
    if raw is None:
        return default
    try:
        return kind(raw)
    except (ValueError, InvalidOperation) as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def load_config(settings) -> KpiConfig:
    try:
        thresholds = AbcThresholds(_number(settings, "KPI_ABC_A_PERCENT", Decimal(80), Decimal),
                                   _number(settings, "KPI_ABC_B_PERCENT", Decimal(95), Decimal))
        config = KpiConfig(
            timezone=settings.company_timezone,
            currency=settings.company_currency.upper(),
            abc_thresholds=thresholds,
            abc_months=_number(settings, "KPI_ABC_MONTHS", 12, int),
            abc_sweep_seconds=_number(settings, "KPI_ABC_SWEEP_SECONDS", 900.0, float),
            report_sweep_seconds=_number(settings, "KPI_REPORT_SWEEP_SECONDS", 300.0, float),
            report_grace_minutes=_number(settings, "KPI_REPORT_GRACE_MINUTES", 60, int),
            target_grace_days=_number(settings, "KPI_TARGET_GRACE_DAYS", 1, int),
            public_url=(_lookup(settings, "KPI_PUBLIC_URL") or "").rstrip("/"),
        )
        _ = config.tz  # an unknown zone fails here, at start-up, not on the first event
    except DomainError as exc:
        raise ConfigError(str(exc)) from exc
    if config.abc_months < 1:
        raise ConfigError("KPI_ABC_MONTHS must be at least 1")
    return config
