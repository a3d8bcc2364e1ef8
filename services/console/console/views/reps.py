"""A rep's month: the scorecard (targets, actuals, attainment) and the commission statement.

Who may read which rep is the KPI service's decision: a rep reads their own,
a manager their region's; anyone else gets the service's 404 or 403 as a page.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, redirect, render_template, request, url_for

from console.session import current_person, login_required
from console.upstream import upstream
from console.views.charts import chart
from console.views.periods import chosen_month

blp = Blueprint("reps", __name__)
REP_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@blp.get("/reps")
@login_required
def choose():
    rep = (request.args.get("rep") or current_person().user).strip()
    if not REP_ID.match(rep):
        abort(400, "A rep id is letters, digits and . _ : - (at most 64).")
    return redirect(url_for("reps.month", rep_id=rep, period=chosen_month()))


@blp.get("/reps/<rep_id>/<period>")
@login_required
def month(rep_id: str, period: str):
    if not REP_ID.match(rep_id) or not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", period):
        abort(400, "A rep id and a month written YYYY-MM.")
    scorecard, scorecard_problem = upstream().try_get("kpi", f"/scorecards/rep/{rep_id}/{period}")
    statement, statement_problem = upstream().try_get("kpi", f"/commissions/{rep_id}/{period}")
    for problem in (scorecard_problem, statement_problem):
        if problem is not None and problem.status not in (404,):
            raise problem  # a refusal is the answer for the whole page; a missing card is not
    lines = (scorecard or {}).get("targets", [])
    spec = chart("bar", (line["metric"] for line in lines),
                 {"attainment %": (line.get("attainment_percent") for line in lines)}, unit="%")
    return render_template("rep.html", rep_id=rep_id, period=period, scorecard=scorecard, statement=statement,
                           scorecard_problem=scorecard_problem, statement_problem=statement_problem, chart=spec)
