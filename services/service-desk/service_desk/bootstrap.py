"""The composition root: everything the Service desk service is made of, wired once."""
from __future__ import annotations

from pathlib import Path

from salesloop.service import ServiceSpec

from service_desk import api, events, handlers, models


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="service-desk",
        package="service_desk",
        title="Salesloop Service desk",
        description="Tickets under SLA, satisfaction surveys, agents' interactions and compliance QA, customer care.",
        metadata=models.metadata,
        catalog=events.catalog,
        blueprints=api.blueprints,
        subscriptions=handlers.subscriptions,
        sweeps=handlers.sweeps,
        domain_errors=api.DOMAIN_ERRORS,
        migrations=Path(__file__).parent / "migrations",
        port=8004,
    )
