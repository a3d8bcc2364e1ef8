"""The composition root: everything the Orders service is made of, wired once."""
from __future__ import annotations

from pathlib import Path

from salesloop.service import ServiceSpec

from orders import api, events, handlers, models


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="orders",
        package="orders",
        title="Salesloop Orders",
        description="Orders from signed contracts, the storefront and the phone: fulfilment, changes, delivery, settlement.",
        metadata=models.metadata,
        catalog=events.catalog,
        blueprints=api.blueprints,
        subscriptions=handlers.subscriptions,
        sweeps=handlers.sweeps,
        domain_errors=api.DOMAIN_ERRORS,
        migrations=Path(__file__).parent / "migrations",
        port=8003,
    )
