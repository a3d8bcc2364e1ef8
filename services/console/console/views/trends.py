"""Trend charts by rep, team, region or product: one metric of a month, broken down,
and the year's monthly line for the person's own scope."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from console.session import login_required
from console.upstream import upstream
from console.views.charts import chart
from console.views.dashboard import TREND_METRICS
from console.views.periods import chosen_month

blp = Blueprint("trends", __name__)
DIMENSIONS = ("rep", "team", "region", "product")


@blp.get("/trends")
@login_required
def breakdown():
    period = chosen_month()
    by = request.args.get("by") if request.args.get("by") in DIMENSIONS else "rep"
    metric = request.args.get("metric") if request.args.get("metric") in TREND_METRICS else "revenue"
    answer = upstream().get("kpi", "/kpis/breakdown", period=period, by=by, metric=metric, sort="-value",
                            page_size=50)
    items = answer["items"]
    unit = items[0]["metric"].get("unit", "") if items else ""
    spec = chart("bar", (item["key"] for item in items), {metric: (item["metric"]["value"] for item in items)}, unit)
    return render_template("trends.html", items=items, chart=spec, period=period, by=by, metric=metric,
                           dimensions=DIMENSIONS, metrics=TREND_METRICS, unit=unit)
