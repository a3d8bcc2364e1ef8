"""The sales manager's first page: this month's KPIs with growth (MoM, YoY) and a year's trend.

The KPI service scopes every figure to the person (a rep's own, a manager's
region); the page shows what it answers.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from console.session import login_required
from console.upstream import upstream
from console.views.charts import chart
from console.views.periods import chosen_month

blp = Blueprint("dashboard", __name__)

HEADLINE = ("revenue", "gross_profit", "orders", "average_order_value", "lead_conversion_rate", "win_rate",
            "sales_cycle_median", "csat", "nps", "complaint_response_timeliness")
TREND_METRICS = ("revenue", "gross_profit", "orders", "average_order_value", "new_customers", "win_rate", "csat",
                 "nps")


@blp.get("/")
@login_required
def home():
    period = chosen_month()
    metric = request.args.get("metric") if request.args.get("metric") in TREND_METRICS else "revenue"
    summary = upstream().get("kpi", "/kpis", period=period)
    catalog = {info["name"]: info for info in upstream().get("kpi", "/kpis/catalog")}
    trend = upstream().get("kpi", "/kpis/trend", period=period[:4], every="month", metric=metric)
    rows = [headline_row(name, summary, catalog) for name in HEADLINE if name in summary.get("metrics", {})]
    trend_chart = chart("line", (point["period"] for point in trend),
                        {catalog.get(metric, {}).get("title", metric): (p["metric"]["value"] for p in trend)},
                        unit=trend[0]["metric"].get("unit", "") if trend else "")
    return render_template("dashboard.html", summary=summary, rows=rows, chart=trend_chart, period=period,
                           metric=metric, trend_metrics=TREND_METRICS, catalog=catalog)


def headline_row(name: str, summary: dict, catalog: dict) -> dict:
    growth = summary.get("growth", {}).get(name, {})
    value = summary["metrics"][name]
    return {"name": name, "title": catalog.get(name, {}).get("title", name), "value": value.get("value"),
            "unit": value.get("unit"), "has_data": value.get("has_data", value.get("value") is not None),
            "mom": (growth.get("vs_previous") or {}).get("value"),
            "yoy": (growth.get("vs_last_year") or {}).get("value")}
