"""Operations: each service's readiness, outbox, queue and dead letters.

Readiness and metrics are the services' public probes; the console shows them
to operations people only (ops, admin). Dead letters come from each service's
/admin/dead-letters, which decides who may list (ops), replay or purge (admin):
the console offers the buttons to admins, and the service checks again.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from console.config import SERVICES
from console.session import current_person, login_required
from console.upstream import UpstreamError, upstream

blp = Blueprint("ops", __name__)
OPS_ROLES = ("ops", "admin")
ACTIONS = ("replay", "purge")
GAUGES = ("salesloop_outbox_backlog", "salesloop_outbox_oldest_unsent_age_seconds", "salesloop_queue_depth",
          "salesloop_queue_consumers", "salesloop_dead_letter_depth")
SAMPLE = re.compile(r'^(salesloop_[a-z_]+)\{service="[^"]*"\} (\S+)$', re.MULTILINE)
LETTER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


def require_operations() -> None:
    if not current_person().has(*OPS_ROLES):
        abort(403, "The operations view is for the ops and admin roles.")


@blp.get("/ops")
@login_required
def overview():
    require_operations()
    return render_template("ops.html", services=[service_state(name) for name in SERVICES],
                           may_act=current_person().has("admin"))


@blp.post("/ops/<service>/dead-letters/<action>")
@login_required
def act(service: str, action: str):
    require_operations()
    letter_id = request.form.get("letter_id", "")
    if service not in SERVICES or action not in ACTIONS or not LETTER_ID.match(letter_id):
        abort(400, "Name a service, replay or purge, and one letter id.")
    result = upstream().post(service, f"/admin/dead-letters/{action}", {"letter_id": letter_id})
    done = "replayed" if action == "replay" else "purged"
    if result.get("count"):
        flash(f"{service}: letter {letter_id} {done}.", "info")
    else:
        kept = result.get("kept", {}).get(letter_id) or "it is no longer parked"
        flash(f"{service}: letter {letter_id} was not {done}: {kept}.", "warning")
    return redirect(url_for("ops.overview"))


def service_state(service: str) -> dict:
    state = {"name": service, "ready": False, "checks": {}, "gauges": {}, "letters": [], "letters_error": None}
    try:
        readiness = upstream().request("GET", service, "/readyz")
        state.update(ready=readiness.get("status") == "ready", checks=readiness.get("checks", {}))
    except UpstreamError as exc:
        state["error"] = exc.detail or exc.title
        if exc.status != 503:  # 503 is "not ready", with its checks: the service is there
            return state
    state["gauges"] = gauges(service, state)
    letters, problem = upstream().try_get(service, "/admin/dead-letters", page_size=50)
    state["letters"] = letters["items"] if letters else []
    if letters and "salesloop_dead_letter_depth" not in state["gauges"]:
        # The embedded bus reports no depth in /metrics; the listing's total is the same figure.
        state["gauges"]["salesloop_dead_letter_depth"] = float(letters["total"])
    state["letters_error"] = f"{problem.status} {problem.detail or problem.title}" if problem else None
    return state


def gauges(service: str, state: dict) -> dict[str, float]:
    try:
        text = upstream().request("GET", service, "/metrics", headers={"Accept": "text/plain"})
    except UpstreamError as exc:
        state.setdefault("error", exc.detail or exc.title)
        return {}
    return {name: float(value) for name, value in SAMPLE.findall(text) if name in GAUGES}
