"""What the reporting side announces: a closed period's report is ready."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .periods import Period

FORMATS = ("json", "csv")


@dataclass(frozen=True)
class ReportReady:
    """A day, week, month, quarter or year closed and its report was stored (kpi.report.ready)."""

    period: Period
    generated_at: datetime
    url: str
    timezone: str
