"""/kpis: every KPI for a period and a slice, breakdowns, trends, the catalog."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, Page

from kpi import access, reading
from kpi.api.common import asked_slice, current, current_principal, uow
from kpi.commands.common import period_from
from kpi.charts import bar_chart_svg
from kpi.domain.counter_metrics import BY_NAME, CATALOG, COUNTER_METRICS
from kpi.presenters import metric_json, summary_json
from kpi.schemas import (
    BreakdownItemOut,
    BreakdownQuery,
    MetricInfoOut,
    MetricsQuery,
    SummaryOut,
    TrendPointOut,
    TrendQuery,
)


def _sorted(items: list[dict], sort: str) -> list[dict]:
    descending, field = sort.startswith("-"), sort.lstrip("-")
    if field == "key":
        return sorted(items, key=lambda item: item["key"], reverse=descending)
    # Figures first (highest or lowest), "no data" last either way.
    with_value = [item for item in items if item["_value"] is not None]
    without = [item for item in items if item["_value"] is None]
    return sorted(with_value, key=lambda item: (item["_value"], item["key"]), reverse=descending) + without


def _series(args: dict) -> list:
    session, projection = uow().session, current()
    where = access.resolve_slice(session, current_principal(), asked_slice(args))
    period = period_from(args["period"], projection)
    return reading.trend(session, projection, period, args["every"], where, args["metric"])


def blueprint() -> Blueprint:
    blp = Blueprint("kpis", __name__, url_prefix="/kpis",
                    description="KPIs by day, week, month, quarter, year or range; "
                                "by rep, team, region, product, source")

    @blp.route("")
    class Summary(MethodView):
        @blp.arguments(MetricsQuery, location="query")
        @blp.response(200, SummaryOut)
        def get(self, args):
            """Every metric of a period, with growth vs the previous period and the same period last year.

            Without a slice: the caller's own scope (a rep their figures, a supervisor the team's,
            a manager the region's, a director everyone's)."""
            session, projection = uow().session, current()
            where = access.resolve_slice(session, current_principal(), asked_slice(args))
            period = period_from(args["period"], projection)
            return summary_json(reading.summary(session, projection, period, where))

    @blp.route("/breakdown")
    class Breakdown(MethodView):
        @blp.arguments(BreakdownQuery, location="query")
        @blp.response(200, BreakdownItemOut(many=True))
        @blp.paginate(Page)
        def get(self, args):
            """One metric per rep, team, region, product or source (only those the caller may see)."""
            session, projection = uow().session, current()
            allowed = access.visible_values(session, current_principal(), args["by"])
            period = period_from(args["period"], projection)
            values = reading.breakdown(session, projection, period, args["by"], args["metric"])
            items = [{"key": key, "metric": metric_json(value), "_value": value.value}
                     for key, value in values.items() if allowed is None or key in allowed]
            return _sorted(items, args["sort"])

    @blp.route("/trend")
    class Trend(MethodView):
        @blp.arguments(TrendQuery, location="query")
        @blp.response(200, TrendPointOut(many=True))
        def get(self, args):
            """One metric for each day, week, month … of the period: a chart's series."""
            return [{"period": part.label(), "start": part.start.isoformat(), "end": part.end.isoformat(),
                     "metric": metric_json(value)} for part, value in _series(args)]

    @blp.route("/trend/chart")
    class TrendChart(MethodView):
        @blp.arguments(TrendQuery, location="query")
        @blp.response(200, content_type="image/svg+xml")
        def get(self, args):
            """The same series as an SVG bar chart."""
            series = _series(args)
            info = BY_NAME[args["metric"]]
            unit = series[0][1].unit if series else info.unit
            svg = bar_chart_svg(f"{info.title}, {args['period']}", unit,
                                [(part.label(), value.value) for part, value in series])
            return Response(svg, mimetype="image/svg+xml")

    @blp.route("/catalog")
    class Catalog(MethodView):
        @blp.response(200, MetricInfoOut(many=True))
        def get(self):
            """The metrics, their units and which direction is better (names for targets)."""
            return [{"name": info.name, "title": info.title, "unit": info.unit, "direction": info.direction.value,
                     "from_rollups": info.name in COUNTER_METRICS, "growth": info.growth} for info in CATALOG]

    return blp
