"""The composition root: everything the Deals service is made of, wired once."""
from __future__ import annotations

from salesloop.service import ServiceSpec

from deals import api, config, events, handlers, models


def spec() -> ServiceSpec:
    return ServiceSpec.assemble(
        name="deals", title="Salesloop Deals", port=8002,
        description="The pipeline: deals through stages, proposals and quotes, negotiation, contract review and signing, forecast.",
        models=models, events=events, api=api, handlers=handlers, config=config)
