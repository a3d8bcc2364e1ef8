"""Open complaints by SLA state: breached, at risk, on track, paused, met.

The clocks are the service desk's own (each ticket's ``sla``: breached, paused,
met, minutes remaining of those allowed); the page only groups the tickets by
the worse of their two targets (first response, resolution).
"""
from __future__ import annotations

from flask import Blueprint, render_template

from console.session import login_required
from console.upstream import upstream
from console.views.charts import chart

blp = Blueprint("complaints", __name__)
OPEN_STATUSES = ("open", "in_progress", "waiting_on_customer")
STATES = ("breached", "at_risk", "on_track", "paused", "met", "unknown")
AT_RISK_SHARE = 0.2  # at risk: less than a fifth of the allowed time left


@blp.get("/complaints")
@login_required
def open_by_sla():
    tickets = upstream().get("service-desk", "/tickets", type="complaint", status=list(OPEN_STATUSES),
                             sort="resolution_due_at", page_size=200)
    groups: dict[str, list] = {state: [] for state in STATES}
    for ticket in tickets["items"]:
        groups[sla_state(ticket)].append(ticket)
    spec = chart("pie", STATES, {"complaints": (len(groups[s]) for s in STATES)})
    return render_template("complaints.html", groups={s: t for s, t in groups.items() if t}, chart=spec,
                           total=tickets["total"])


def sla_state(ticket: dict) -> str:
    """The worse state of the ticket's two SLA targets, in the order of STATES."""
    sla = ticket.get("sla") or {}
    states = [target_state(sla[target]) for target in ("first_response", "resolution") if sla.get(target)]
    return min(states, key=STATES.index) if states else "unknown"


def target_state(target: dict) -> str:
    if target.get("breached"):
        return "breached"
    if target.get("met_at"):
        return "met"
    if target.get("paused"):
        return "paused"
    allowed, remaining = target.get("allowed_minutes"), target.get("remaining_minutes")
    if allowed and remaining is not None and remaining < allowed * AT_RISK_SHARE:
        return "at_risk"
    return "on_track" if remaining is not None else "unknown"
