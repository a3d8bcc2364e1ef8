"""/reports: a period's report as JSON or CSV (UTF-8 with BOM), and the closed periods."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView
from salesloop.web.blueprint import Blueprint
from sqlalchemy import select

from kpi.api.common import asked_slice, config, current, current_principal, now, page, uow
from kpi.commands.reports import build_report, report_csv, report_period, report_url
from kpi.domain import access
from kpi.models import ReportRow
from kpi.repository import People
from kpi.schemas import ListArgs, ReportListPage, ReportQuery

blp = Blueprint("reports", __name__, url_prefix="/reports",
                description="Daily … annual reports as JSON and CSV; kpi.report.ready when a period closes")


@blp.route("")
class Reports(MethodView):
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, ReportListPage)
    def get(self, args):
        """The closed periods whose report was announced, newest first."""
        rows = uow().session.execute(select(ReportRow).order_by(ReportRow.generated_at.desc(),
                                                                ReportRow.id.desc())).scalars()
        projection = current()
        return page([{"period_kind": row.period_kind, "period": row.period, "generated_at": row.generated_at,
                      "url": report_url(config(), report_period(row.period, projection))} for row in rows], args)


@blp.route("/<period>")
class OneReport(MethodView):
    @blp.arguments(ReportQuery, location="query")
    @blp.response(200, content_type="application/json")
    @blp.alt_response(200, description="the same report as CSV (?format=csv)", content_type="text/csv")
    def get(self, args, period):
        """Summary, growth, leads by source, violations per agent, breakdowns and awards of the
        period, for the caller's scope (or one rep, team or region they may see); live figures."""
        session, projection, principal = uow().session, current(), current_principal()
        where = access.resolve_slice(People(session), principal, asked_slice(args))
        report = build_report(session, projection, report_period(period, projection), now(), where,
                              visible=lambda dimension: access.visible_values(People(session), principal, dimension))
        if args["format"] == "csv":
            filename = f"kpi-report-{report['period']}.csv".replace("..", "_")
            return Response(report_csv(report).encode("utf-8"), mimetype="text/csv",
                            headers={"Content-Disposition": f'attachment; filename="{filename}"'})
        return report

