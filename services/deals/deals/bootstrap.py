"""The composition root: everything the Deals service is made of, wired once."""
from __future__ import annotations

from pathlib import Path

from salesloop.service import ServiceSpec

from deals import api, events, handlers, models


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="deals",
        package="deals",
        title="Salesloop Deals",
        description="The pipeline: deals through stages, proposals and quotes, negotiation, contract review and signing, forecast.",
        metadata=models.metadata,
        catalog=events.catalog,
        blueprints=api.blueprints,
        subscriptions=handlers.subscriptions,
        sweeps=handlers.sweeps,
        domain_errors=api.DOMAIN_ERRORS,
        migrations=Path(__file__).parent / "migrations",
        port=8002,
    )
