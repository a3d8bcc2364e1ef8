"""The sales manager's first page: this month's KPIs with growth, and a year's trend."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request

from console.session import login_required
from console.upstream import upstream

blp = Blueprint("dashboard", __name__)

HEADLINE = ("revenue", "gross_profit", "orders", "average_order_value", "lead_to_deal_conversion", "win_rate",
            "sales_cycle_days", "csat", "nps", "complaint_first_response_on_time")
TREND_METRICS = ("revenue", "gross_profit", "orders", "new_customers")


def this_month() -> str:
    return date.today().strftime("%Y-%m")


@blp.get("/")
@login_required
def home():
    period = request.args.get("period") or this_month()
    summary = upstream().get("kpi", "/kpis", period=period)
    catalog = {info["name"]: info for info in upstream().get("kpi", "/kpis/catalog")}
    rows = [_row(name, summary, catalog) for name in HEADLINE if name in summary.get("metrics", {})]
    metric = request.args.get("metric") if request.args.get("metric") in TREND_METRICS else "revenue"
    trend = upstream().get("kpi", "/kpis/trend", period=period[:4], every="month", metric=metric)
    chart = {"type": "bar", "unit": summary.get("currency") if metric in ("revenue", "gross_profit") else "",
             "labels": [point["period"] for point in trend],
             "series": [{"name": catalog.get(metric, {}).get("title", metric),
                         "values": [_number(point["metric"]["value"]) for point in trend]}]}
    return render_template("dashboard.html", summary=summary, rows=rows, chart=chart, period=period,
                           metric=metric, trend_metrics=TREND_METRICS, catalog=catalog)


def _row(name: str, summary: dict, catalog: dict) -> dict:
    growth = summary.get("growth", {}).get(name, {})
    value = summary["metrics"][name]
    return {"name": name, "title": catalog.get(name, {}).get("title", name), "value": value.get("value"),
            "unit": value.get("unit"), "has_data": value.get("has_data", value.get("value") is not None),
            "mom": (growth.get("vs_previous") or {}).get("value"),
            "yoy": (growth.get("vs_last_year") or {}).get("value")}


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
