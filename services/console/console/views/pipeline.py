"""The pipeline board: open deals by stage, with the weighted forecast in the company currency."""
from __future__ import annotations

from flask import Blueprint, render_template

from console.session import login_required
from console.upstream import upstream

blp = Blueprint("pipeline", __name__)
STAGES = ("qualification", "needs_analysis", "proposal", "negotiation", "contract_review")


@blp.get("/pipeline")
@login_required
def board():
    forecast = upstream().get("deals", "/forecast", group_by="stage")
    columns = {stage: [] for stage in STAGES}
    for stage in STAGES:
        columns[stage] = upstream().items("deals", "/deals", stage=stage, page_size=50)
    figures = {row.get("stage"): row for row in forecast.get("by_stage", [])}
    chart = {"type": "bar", "unit": forecast.get("currency", ""), "labels": list(STAGES),
             "series": [{"name": "weighted", "values": [_number(figures.get(s, {}).get("weighted")) for s in STAGES]},
                        {"name": "unweighted",
                         "values": [_number(figures.get(s, {}).get("unweighted")) for s in STAGES]}]}
    return render_template("pipeline.html", columns=columns, forecast=forecast, figures=figures, chart=chart)


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
