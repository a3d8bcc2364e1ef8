"""Operations: each service's readiness, outbox, queue and dead letters.

Readiness and metrics are the services' public probes; the console shows them
to operations people only (ops, admin). Dead letters come from each service's
own admin API, which decides who may list, replay or purge them.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, render_template

from console.config import SERVICES
from console.session import current_person, login_required
from console.upstream import UpstreamError, upstream

blp = Blueprint("ops", __name__)
OPS_ROLES = ("ops", "admin")
GAUGES = ("salesloop_outbox_backlog", "salesloop_outbox_oldest_unsent_age_seconds", "salesloop_queue_depth",
          "salesloop_queue_consumers", "salesloop_dead_letter_depth")
SAMPLE = re.compile(r'^(salesloop_[a-z_]+)\{service="[^"]*"\} (\S+)$', re.MULTILINE)


@blp.get("/ops")
@login_required
def overview():
    if not current_person().has(*OPS_ROLES):
        abort(403, "The operations view is for the ops and admin roles.")
    return render_template("ops.html", services=[_service_state(name) for name in SERVICES])


def _service_state(service: str) -> dict:
    state = {"name": service, "ready": False, "checks": {}, "gauges": {}}
    try:
        readiness = upstream().request("GET", service, "/readyz")
        state.update(ready=readiness.get("status") == "ready", checks=readiness.get("checks", {}))
    except UpstreamError as exc:
        state["error"] = exc.detail or exc.title
        if exc.status != 503:
            return state
    try:
        text = upstream().request("GET", service, "/metrics", headers={"Accept": "text/plain"})
        state["gauges"] = {name: float(value) for name, value in SAMPLE.findall(text) if name in GAUGES}
    except UpstreamError as exc:
        state.setdefault("error", exc.detail or exc.title)
    return state
