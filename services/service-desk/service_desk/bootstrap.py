"""The composition root: everything the Service desk service is made of, wired once."""
from __future__ import annotations

from salesloop.service import ServiceSpec

from service_desk import api, config, events, handlers, models, pages


def spec() -> ServiceSpec:
    return ServiceSpec.assemble(
        name="service-desk", title="Salesloop Service desk", port=8004,
        description="Tickets under SLA, satisfaction surveys, agents' interactions and compliance QA, customer care.",
        models=models, events=events, api=api, handlers=handlers, config=config, extend_app=pages.serve_pages)
