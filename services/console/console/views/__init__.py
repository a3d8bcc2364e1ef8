"""The console's pages, one Blueprint per area."""
from __future__ import annotations

from console.views import auth, complaints, customers, dashboard, health, ops, pipeline, reps, traces, trends


def blueprints() -> list:
    return [auth.blp, dashboard.blp, pipeline.blp, trends.blp, reps.blp, customers.blp, complaints.blp, ops.blp,
            traces.blp, health.blp]
