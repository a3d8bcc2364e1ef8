"""Domain results as JSON-ready dicts (decimals as strings, never floats)."""
from __future__ import annotations

from decimal import Decimal

from kpi.domain.metric_value import MetricValue


def decimal_text(value) -> str | None:
    return None if value is None else format(value, "f") if isinstance(value, Decimal) else str(value)


def _plain(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def metric_json(value: MetricValue) -> dict:
    return {
        "value": decimal_text(value.value),
        "unit": value.unit,
        "note": value.note or None,
        "has_data": value.has_data,
        "numerator": decimal_text(value.numerator),
        "denominator": decimal_text(value.denominator),
        "extra": {key: _plain(item) for key, item in value.extra.items()},
    }


def metrics_json(values: dict[str, MetricValue]) -> dict:
    return {name: metric_json(value) for name, value in values.items()}


def summary_json(summary) -> dict:
    period = summary.period
    return {
        "period": period.label(), "period_kind": period.kind.value, "start": period.start.isoformat(),
        "end": period.end.isoformat(), "timezone": str(period.tz), "currency": summary.currency,
        "scope": summary.where.as_dict(),
        "metrics": metrics_json(summary.metrics),
        "growth": {name: {"vs_previous": metric_json(g.vs_previous), "previous_period": g.previous_period,
                          "vs_last_year": metric_json(g.vs_last_year), "last_year_period": g.last_year_period}
                   for name, g in summary.growth.items()},
        "leads_by_source": metrics_json(summary.leads_by_source),
        "violations_per_agent": metrics_json(summary.violations_per_agent),
    }


def award_json(award) -> dict:
    return {"title": award.title, "winners": list(award.winners), "value": decimal_text(award.value),
            "unit": award.unit, "note": award.note or None}
