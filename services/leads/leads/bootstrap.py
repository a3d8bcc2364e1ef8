"""The composition root: everything the Leads service is made of, wired once."""
from __future__ import annotations

from salesloop.service import ServiceSpec

from leads import api, events, handlers, models


def spec() -> ServiceSpec:
    return ServiceSpec.assemble(
        name="leads", title="Salesloop Leads", port=8001,
        description="Capture, dedupe, grade and assign leads; keep the customer archive; convert qualified leads.",
        models=models, events=events, api=api, handlers=handlers,
        error_handlers=api.ERROR_HANDLERS)
