"""/kpis: every KPI for a period and a slice, breakdowns, trends, the catalog."""

from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

from flask import Response, current_app
from flask.views import MethodView
from salesloop.web.blueprint import Blueprint

from kpi import repository
from kpi.api.common import asked_slice, current, current_principal, page, uow
from kpi.api.summaries import summaries
from kpi.commands.common import period_from
from kpi.domain import access
from kpi.domain.counter_metrics import BY_NAME, CATALOG, COUNTER_METRICS, SNAPSHOT_METRICS
from kpi.repository import People
from kpi.schemas import (
    BreakdownPage,
    BreakdownQuery,
    MetricInfoOut,
    MetricsQuery,
    SummaryOut,
    TrendPointOut,
    TrendQuery,
    metric_json,
    summary_json,
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
    where = access.resolve_slice(People(session), current_principal(), asked_slice(args))
    period = period_from(args["period"], projection)
    return repository.trend(session, projection, period, args["every"], where, args["metric"])


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
        where = access.resolve_slice(People(session), current_principal(), asked_slice(args))
        period = period_from(args["period"], projection)
        def body() -> str:
            return current_app.json.dumps(SummaryOut().dump(
                summary_json(repository.summary(session, projection, period, where))))

        # The finished document, kept until the projections change (see api/summaries.py).
        return Response(summaries().get((projection, period, where), body), mimetype="application/json")


@blp.route("/breakdown")
class Breakdown(MethodView):
    @blp.arguments(BreakdownQuery, location="query")
    @blp.response(200, BreakdownPage)
    def get(self, args):
        """One metric per rep, team, region, product or source (only those the caller may see)."""
        session, projection = uow().session, current()
        allowed = access.visible_values(People(session), current_principal(), args["by"])
        period = period_from(args["period"], projection)
        values = repository.breakdown(session, projection, period, args["by"], args["metric"])
        items = [{"key": key, "metric": metric_json(value), "_value": value.value}
                 for key, value in values.items() if allowed is None or key in allowed]
        return page(_sorted(items, args["sort"]), args)


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
                 "from_rollups": info.name in COUNTER_METRICS or info.name in SNAPSHOT_METRICS, "growth": info.growth} for info in CATALOG]


# -- the trend chart ---------------------------------------------------------------------------------
# A bar chart of a metric's trend as SVG: no plotting library, no JavaScript,
# opens in any browser and pastes into any document.
WIDTH, HEIGHT, MARGIN, AXIS = 720, 320, 40, 60


def _scale(values: list[Decimal]) -> tuple[Decimal, Decimal]:
    top = max([*values, Decimal(0)])
    bottom = min([*values, Decimal(0)])
    return (top, bottom) if top != bottom else (bottom + 1, bottom)


def bar_chart_svg(title: str, unit: str, points: list[tuple[str, Decimal | None]]) -> str:
    """One bar per (label, value); a period without data has no bar and says "—"."""
    known = [value for _, value in points if value is not None]
    top, bottom = _scale(known)
    plot_height = HEIGHT - 2 * MARGIN - AXIS / 2
    slot = (WIDTH - 2 * MARGIN) / max(len(points), 1)

    def y(value: Decimal) -> float:
        return MARGIN + float((top - value) / (top - bottom)) * plot_height

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
             f'<title>{escape(title)}</title>',
             f'<text x="{MARGIN}" y="{MARGIN / 2}" font-size="14">{escape(title)} ({escape(unit)})</text>',
             f'<line x1="{MARGIN}" y1="{y(Decimal(0)):.1f}" x2="{WIDTH - MARGIN}" y2="{y(Decimal(0)):.1f}" '
             'stroke="#888"/>']
    for index, (label, value) in enumerate(points):
        x = MARGIN + index * slot
        middle = x + slot / 2
        if value is not None:
            upper, lower = sorted((y(value), y(Decimal(0))))
            colour = "#4a7bd0" if value >= 0 else "#d0584a"
            parts.append(f'<rect x="{x + slot * 0.15:.1f}" y="{upper:.1f}" width="{slot * 0.7:.1f}" '
                         f'height="{max(lower - upper, 0.5):.1f}" fill="{colour}"><title>{escape(label)}: '
                         f'{value} {escape(unit)}</title></rect>')
        text = "—" if value is None else str(value)
        parts.append(f'<text x="{middle:.1f}" y="{HEIGHT - MARGIN / 2 - 14}" text-anchor="middle">'
                     f'{escape(label)}</text>')
        parts.append(f'<text x="{middle:.1f}" y="{HEIGHT - MARGIN / 2}" text-anchor="middle" fill="#555">'
                     f'{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)
