"""The composition root: everything the KPI service is made of, wired once."""
from __future__ import annotations

from salesloop.service import ServiceSpec

from kpi import api, config, events, handlers, models


def spec() -> ServiceSpec:
    return ServiceSpec.assemble(
        name="kpi", title="Salesloop KPI", port=8005,
        description="The fact log of every event, rollups, scorecards, commissions, reports and customer ABC classification.",
        models=models, events=events, api=api, handlers=handlers, config=config)
