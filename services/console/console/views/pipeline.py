"""The pipeline board: open deals by stage, with the weighted forecast in the company currency.

The deals service lists only the deals the person may see and converts every
figure of /forecast to the company currency; the board adds nothing up itself.
"""
from __future__ import annotations

from flask import Blueprint, render_template

from console.session import login_required
from console.upstream import upstream
from console.views.charts import chart

blp = Blueprint("pipeline", __name__)
OPEN_STAGES = ("qualification", "needs_analysis", "proposal", "negotiation", "contract_review")
BOARD_PAGE = 50


@blp.get("/pipeline")
@login_required
def board():
    forecast = upstream().get("deals", "/forecast")
    deals = upstream().get("deals", "/deals", status="open", sort="-amount", page_size=BOARD_PAGE)
    columns = {stage: [d for d in deals["items"] if d["stage"] == stage] for stage in OPEN_STAGES}
    stages = {row["stage"]: row for row in forecast.get("by_stage", []) if row["stage"] in OPEN_STAGES}
    stage_chart = chart("bar", OPEN_STAGES, {"open amount": (stages.get(s, {}).get("amount") for s in OPEN_STAGES)},
                        unit=forecast.get("currency", ""))
    by_rep = forecast.get("by_rep", [])
    rep_chart = chart("bar", (row["key"] for row in by_rep),
                      {"weighted": (row["weighted"] for row in by_rep), "amount": (row["amount"] for row in by_rep)},
                      unit=forecast.get("currency", ""))
    return render_template("pipeline.html", columns=columns, forecast=forecast, stages=stages,
                           stage_chart=stage_chart, rep_chart=rep_chart, shown=len(deals["items"]),
                           total=deals["total"])
