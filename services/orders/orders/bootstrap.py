"""The composition root: everything the Orders service is made of, wired once."""
from __future__ import annotations

from salesloop.service import ServiceSpec

from orders import api, events, handlers, models


def spec() -> ServiceSpec:
    return ServiceSpec.assemble(
        name="orders", title="Salesloop Orders", port=8003,
        description="Orders from signed contracts, the storefront and the phone: fulfilment, changes, delivery, settlement.",
        models=models, events=events, api=api, handlers=handlers)
