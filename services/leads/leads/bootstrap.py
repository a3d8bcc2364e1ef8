"""The composition root: everything the Leads service is made of, wired once."""
from __future__ import annotations

from pathlib import Path

from salesloop.service import ServiceSpec

from leads import api, events, handlers, models


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="leads",
        package="leads",
        title="Salesloop Leads",
        description="Capture, dedupe, grade and assign leads; keep the customer archive; convert qualified leads.",
        metadata=models.metadata,
        catalog=events.catalog,
        blueprints=api.blueprints,
        subscriptions=handlers.subscriptions,
        sweeps=handlers.sweeps,
        domain_errors=api.DOMAIN_ERRORS,
        migrations=Path(__file__).parent / "migrations",
        port=8001,
    )
