"""The composition root: everything the KPI service is made of, wired once."""
from __future__ import annotations

from pathlib import Path

from salesloop.service import ServiceSpec

from kpi import api, events, handlers, models


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="kpi",
        package="kpi",
        title="Salesloop KPI",
        description="The fact log of every event, rollups, scorecards, commissions, reports and customer ABC classification.",
        metadata=models.metadata,
        catalog=events.catalog,
        blueprints=api.blueprints,
        subscriptions=handlers.subscriptions,
        sweeps=handlers.sweeps,
        domain_errors=api.DOMAIN_ERRORS,
        migrations=Path(__file__).parent / "migrations",
        port=8005,
    )
