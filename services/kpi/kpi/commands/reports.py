"""Period reports as JSON and CSV, and kpi.report.ready when a period closes."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kpi.commands.awards import awards
from kpi.commands.common import period_from
from kpi.domain.access import DIMENSIONS, EVERYONE, Slice
from kpi.domain.errors import Forbidden, InvalidPeriod
from kpi.domain.periods import Period, PeriodKind, period_containing, previous
from kpi.domain.reports import ReportReady
from kpi.models import ReportRow
from kpi.repository import Projection, breakdown, first_fact_time, projection, summary
from kpi.schemas import award_json, metrics_json, summary_json

CLOSING_KINDS = (PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)
BREAKDOWN_METRICS = ("revenue", "gross_profit", "orders", "new_customers", "leads_captured", "deals_won",
                     "win_rate", "contacts", "csat", "nps", "compliance_violations")
BOM = "\ufeff"  # so spreadsheet programs read the CSV (and its Chinese text) as UTF-8


def build_report(session: Session, current: Projection, period: Period, now: datetime,
                 where: Slice = EVERYONE, visible=lambda dimension: None) -> dict:
    """The period's summary, breakdowns by each dimension the caller may see
    (`visible(dimension)` gives the allowed values, None for all; it raises to
    leave a dimension out) and, for periods longer than a day, the awards."""
    report = summary_json(summary(session, current, period, where))
    report["generated_at"] = now.isoformat()
    report["breakdowns"] = {}
    for dimension in DIMENSIONS:
        try:
            allowed = visible(dimension)
        except Forbidden:  # a dimension the caller may not see is left out
            continue
        per_metric = {name: breakdown(session, current, period, dimension, name) for name in BREAKDOWN_METRICS}
        keys = sorted({key for values in per_metric.values() for key in values})
        report["breakdowns"][dimension] = {
            key: metrics_json({name: values[key] for name, values in per_metric.items() if key in values})
            for key in keys if allowed is None or key in allowed}
    if period.kind is not PeriodKind.DAY:
        reps = None if where.dimension == "all" else _reps_in(report)
        champion, improved = awards(session, current, period, reps)
        report["awards"] = {"sales_champion": award_json(champion), "most_improved": award_json(improved)}
    return report


def _reps_in(report: dict) -> set[str]:
    return set(report["breakdowns"].get("rep", {}))


def report_csv(report: dict) -> str:
    """One row per figure: section, dimension, key, metric, value, unit, note."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["period", "section", "dimension", "key", "metric", "value", "unit", "note"])
    period = report["period"]
    scope = report["scope"]
    for name, value in report["metrics"].items():
        writer.writerow([period, "summary", scope["dimension"], scope["value"] or "", name,
                         value["value"] or "", value["unit"], value["note"] or ""])
    for name, growth in report["growth"].items():
        for side in ("vs_previous", "vs_last_year"):
            value = growth[side]
            writer.writerow([period, f"growth {side}", scope["dimension"], scope["value"] or "", name,
                             value["value"] or "", value["unit"], value["note"] or ""])
    for section in ("leads_by_source", "violations_per_agent"):
        for key, value in report[section].items():
            writer.writerow([period, section, "", key, "count", value["value"] or "", value["unit"], ""])
    for dimension, rows in report["breakdowns"].items():
        for key, values in rows.items():
            for name, value in values.items():
                writer.writerow([period, "breakdown", dimension, key, name, value["value"] or "", value["unit"],
                                 value["note"] or ""])
    for name, award in (report.get("awards") or {}).items():
        writer.writerow([period, "award", "rep", " ".join(award["winners"]), name, award["value"] or "",
                         award["unit"], award["note"] or ""])
    return BOM + out.getvalue()


# -- closing periods -------------------------------------------------------------------------------------------
def last_closed(kind: PeriodKind, now: datetime, current: Projection, grace: timedelta) -> Period:
    """The latest period of `kind` that ended at least `grace` ago (local calendar)."""
    today = (now - grace).astimezone(current.tz).date()
    return previous(period_containing(today, kind, current.tz))


def report_url(config, period: Period) -> str:
    return f"{config.public_url}/reports/{period.label()}"


def close_periods(uow, config, now: datetime) -> list[ReportRow]:
    """For each kind of period, the latest closed one gets its report stored and
    announced once (periods before the first fact have nothing to report)."""
    session = uow.session
    current = projection(session, config)
    first = first_fact_time(session)
    if first is None:
        return []
    first_day = first.astimezone(current.tz).date()
    made = []
    for kind in CLOSING_KINDS:
        period = last_closed(kind, now, current, timedelta(minutes=config.report_grace_minutes))
        if period.end < first_day or _exists(session, period):
            continue
        made.append(_close(uow, config, current, period, now))
    return made


def _exists(session: Session, period: Period) -> bool:
    return session.execute(select(ReportRow.id).where(ReportRow.period_kind == period.kind.value,
                                                      ReportRow.period == period.label())).first() is not None


def _close(uow, config, current: Projection, period: Period, now: datetime) -> ReportRow:
    row = ReportRow(period_kind=period.kind.value, period=period.label(), generated_at=now,
                    content=build_report(uow.session, current, period, now))
    uow.session.add(row)
    uow.session.flush()
    uow.emit(ReportReady(period, now, report_url(config, period), current.timezone))
    return row


def report_period(text: str, current: Projection) -> Period:
    period = period_from(text, current)
    if period.days > 366 * 5:
        raise InvalidPeriod("a report covers at most five years")
    return period
