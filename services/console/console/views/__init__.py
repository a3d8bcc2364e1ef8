"""The console's pages, one Blueprint per area."""
from __future__ import annotations

from console.views import auth, dashboard, health, ops, pipeline


def blueprints() -> list:
    return [auth.blp, dashboard.blp, pipeline.blp, ops.blp, health.blp]
